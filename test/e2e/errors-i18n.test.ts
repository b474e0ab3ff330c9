// The dashboard's wording of the API's errors (web/src/i18n/errors.ts), fed with what the server really
// answers: its login sentences, its not-found sentence and the zod issues of real request schemas. In German
// nothing of it may reach the user as the server's English alone.
import { describe, expect, it } from "vitest";
import type { ZodType } from "zod";
import { createBlockBody } from "../../src/blocklist/schema.js";
import { zodDetails, zodMessage } from "../../src/http/errors.js";
import { createListBody } from "../../src/lists/schema.js";
import { checkParts } from "../../src/templates/engine.js";
import { createUserBody } from "../../src/users/schema.js";
import { LoginThrottled } from "../../src/users/sessions.js";
import { NotFound, Unauthorized } from "../../src/util/errors.js";
import { de } from "../../web/src/i18n/de.js";
import { en } from "../../web/src/i18n/en.js";
import {
  type ErrorFacts,
  fieldMessage,
  templatePartName,
  templateProblemText,
  wordError,
} from "../../web/src/i18n/errors.js";

/** The 400 the server sends for a body that fails `schema` (src/http/errors.ts). */
function invalidBody(schema: ZodType, body: unknown): ErrorFacts {
  const r = schema.safeParse(body, { reportInput: true }); // as src/http/app.ts parses a request
  if (r.success) throw new Error("the body was valid");
  return {
    status: 400,
    code: "invalid",
    message: zodMessage("request body", r.error),
    details: zodDetails(r.error),
  };
}

describe("an API error in the user's language", () => {
  it("words the login's answers fully in German", () => {
    const wrong = Unauthorized("The e-mail address or the password is wrong.");
    expect(wordError({ status: 401, code: wrong.code, message: wrong.message }, "de", de)).toEqual({
      text: "Die E-Mail-Adresse oder das Passwort ist falsch.",
    });
    expect(wordError({ status: 401, code: wrong.code, message: wrong.message }, "en", en).text).toBe(
      wrong.message,
    );
    const throttled = new LoginThrottled(600);
    expect(
      wordError({ status: 429, code: "too_many_requests", message: throttled.message }, "de", de).text,
    ).toBe("Zu viele fehlgeschlagene Anmeldungen. Bitte in 10 Minuten erneut versuchen.");
  });

  it("names the record that does not exist, with its id", () => {
    for (const [kind, word] of [
      ["message", "Nachricht"],
      ["blocklist entry", "Sperrlisteneintrag"],
      ["inbound mailbox", "IMAP-Postfach"],
      ["link to an e-mail tool for list", "Verknüpfung mit E-Mail-Tool"],
    ]) {
      const e = NotFound(kind, "x_1");
      expect(wordError({ status: 404, code: e.code, message: e.message }, "de", de)).toEqual({
        text: `${word} „x_1“ gibt es in diesem Arbeitsbereich nicht.`,
      });
    }
  });

  it("words a form's field issues with the field's name", () => {
    const noReason = invalidBody(createBlockBody, { address: "x@example.org" });
    expect(wordError(noReason, "de", de).text).toBe(
      "Bitte prüfen Sie Ihre Eingaben. Grund: Bitte ausfüllen.",
    );
    expect(wordError(noReason, "en", en).text).toBe("Please check your input. reason: Required.");
    const user = invalidBody(createUserBody, { email: "nope", password: "kurz", role: "viewer" });
    const text = wordError(user, "de", de).text;
    expect(text).toContain("„nope“ ist keine gültige E-Mail-Adresse.");
    expect(text).toContain("Mindestens 10 Zeichen.");
    expect(text).not.toMatch(/must|valid e-mail|Invalid/);
    const list = invalidBody(createListBody, { name: "" });
    const [issue] = list.details as Array<{ message: string }>;
    expect(fieldMessage(issue.message, "de")).toBe("Bitte ausfüllen.");
    expect(fieldMessage(issue.message, "en")).toBe("Required.");
  });

  it("words a field issue from its code and parameters, the English sentence only where there is no code", () => {
    // The code decides, not the sentence: a detail whose English says something else is worded by its code.
    const coded = (d: Record<string, unknown>) => ({ path: "x", message: "(some English)", ...d });
    expect(
      fieldMessage(coded({ code: "too_small", origin: "string", minimum: 3, inclusive: true }), "de"),
    ).toBe("Mindestens 3 Zeichen.");
    expect(
      fieldMessage(coded({ code: "too_big", origin: "number", maximum: 1000, inclusive: false }), "de"),
    ).toBe("Kleiner als 1.000.");
    expect(
      fieldMessage(coded({ code: "invalid_type", expected: "number", received: "undefined" }), "de"),
    ).toBe("Bitte ausfüllen.");
    expect(fieldMessage(coded({ code: "invalid_type", expected: "int", received: "string" }), "en")).toBe(
      "Enter a whole number.",
    );
    expect(fieldMessage(coded({ code: "invalid_format", format: "phone" }), "de")).toMatch(
      /^Keine gültige Telefonnummer/,
    );
    // The codes of a batch's item errors that are not about a field's form.
    expect(
      fieldMessage(
        {
          path: "messages.3.template_id",
          message: "Merge field 'data.invoice_number' has no value for this message.",
          code: "template_not_renderable",
          part: "text",
          line: 2,
          column: 15,
          field: "data.invoice_number",
        },
        "de",
      ),
    ).toBe(
      "Die Vorlage lässt sich für diese Nachricht nicht füllen: Das Seriendruckfeld „data.invoice_number“ hat keinen Wert (Text-Teil, Zeile 2, Spalte 15).",
    );
    expect(
      fieldMessage(coded({ code: "template_not_renderable", part: "html", line: null, column: null }), "en"),
    ).toBe("The template cannot be filled for this message (HTML part).");
    expect(fieldMessage(coded({ code: "unknown_reference", kind: "template" }), "de")).toBe(
      "Diese Vorlage gibt es (nicht mehr) in diesem Arbeitsbereich.",
    );
    expect(fieldMessage(coded({ code: "unknown_reference", kind: "list" }), "en")).toBe(
      "There is no such list (any more) in this workspace.",
    );
    expect(fieldMessage(coded({ code: "idempotency_key_reused" }), "de")).toMatch(
      /^Dieser Idempotenz-Schlüssel gehört schon zu einer anderen Nachricht/,
    );
    expect(fieldMessage(coded({ code: "not_found" }), "de")).toBe("Nicht (mehr) vorhanden.");
    expect(fieldMessage(coded({ code: "conflict" }), "en")).toBe(
      "Does not fit the current state; reload and try again.",
    );
    // Without a code (or with one the dashboard does not know) the English sentence is matched as before.
    expect(fieldMessage({ path: "x", message: "Invalid URL" }, "de")).toBe("Keine gültige Adresse (URL).");
    expect(fieldMessage({ path: "x", message: "Invalid URL", code: "new_code_2030" }, "de")).toBe(
      "Keine gültige Adresse (URL).",
    );
    // Real schemas: an unknown field and a choice, as the server details them.
    const role = invalidBody(createUserBody, { email: "a@example.org", role: "boss", zz: 1 });
    expect(role.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: "role",
          code: "invalid_value",
          values: ["admin", "editor", "viewer"],
        }),
        expect.objectContaining({ path: "", code: "unrecognized_keys", keys: ["zz"] }),
      ]),
    );
    expect(wordError(role, "de", de).text).toBe(
      "Bitte prüfen Sie Ihre Eingaben. Rolle: Bitte „admin“, „editor“ oder „viewer“ wählen. Unbekanntes Feld: „zz“.",
    );
    const missingReason = invalidBody(createBlockBody, { address: "x@example.org" });
    expect(missingReason.details).toEqual([
      expect.objectContaining({
        path: "reason",
        code: "invalid_type",
        expected: "string",
        received: "undefined",
      }),
    ]);
    // Checks beyond the schema carry codes of their own.
    const nobody = {
      status: 400,
      code: "invalid",
      message: "A contact needs at least a name, an e-mail address or a phone number.",
      details: [
        {
          path: "",
          message: "give first_name, last_name, emails, phone or mobile",
          code: "required_one_of",
          fields: ["first_name", "last_name", "emails", "phone", "mobile"],
        },
      ],
    };
    expect(wordError(nobody, "de", de).text).toBe(
      "Bitte prüfen Sie Ihre Eingaben. Bitte mindestens eines angeben: Vorname, Nachname, E-Mail-Adressen, Telefon oder Mobil.",
    );
    const together = {
      path: "rate_limit",
      message: "give both or neither",
      code: "together",
      with: "rate_window_seconds",
    };
    expect(fieldMessage(together, "de")).toBe("Nur zusammen mit Zeitfenster (beides oder keines).");
    expect(fieldMessage(together, "en")).toBe("Only together with time window (both or neither).");
    const nul = {
      path: "first_name",
      message: "contains the character U+0000 (NUL)…",
      code: "unstorable_text",
      character: "U+0000",
    };
    expect(fieldMessage(nul, "de")).toBe(
      "Enthält ein Zeichen, das nicht gespeichert werden kann (U+0000); bitte entfernen.",
    );
    const deep = {
      path: "custom_fields.a",
      message: "nests deeper than 100 levels",
      code: "too_deep",
      maximum: 100,
    };
    expect(fieldMessage(deep, "de")).toBe("Zu tief verschachtelt (höchstens 100 Ebenen).");
    expect(fieldMessage(deep, "en")).toBe("Nested too deeply (at most 100 levels).");
  });

  it("words a template's problems in German, a Liquid syntax message as the server wrote it", () => {
    expect(
      templateProblemText(
        "Unknown merge field 'contact.lieblingsfarbe'. Known: contact.salutation, contact.title.",
        "de",
      ),
    ).toBe(
      "Unbekanntes Seriendruckfeld „contact.lieblingsfarbe“. Bekannt sind: contact.salutation, contact.title.",
    );
    expect(
      templateProblemText(
        "Unknown merge field 'contact.frist_name'. Did you mean 'contact.first_name'?",
        "de",
      ),
    ).toBe("Unbekanntes Seriendruckfeld „contact.frist_name“. Meinten Sie „contact.first_name“?");
    expect(templateProblemText("Unknown filter 'upcase2'.", "de")).toBe("Unbekannter Filter „upcase2“.");
    expect(templateProblemText("Merge field 'data.x' has no value for this message.", "de")).toBe(
      "Das Seriendruckfeld „data.x“ hat für diese Nachricht keinen Wert.",
    );
    expect(templateProblemText("Unknown filter 'upcase2'.", "en")).toBe("Unknown filter 'upcase2'.");
    expect(templatePartName("html", "de")).toBe("HTML-Teil");
    expect(templatePartName("subject", "en")).toBe("subject");
  });

  it("words Liquid's syntax errors in German as the server reports them", () => {
    const german = (html: string) => checkParts({ html }).map((p) => templateProblemText(p.message, "de"));
    expect(german("Hallo {{ contact.first_name")).toEqual([
      "Der Platzhalter „{{ contact.first_name“ ist nicht geschlossen: Es fehlt „}}“.",
    ]);
    expect(german("{% if contact.first_name %}ja")).toEqual([
      "Der Befehl „{% if contact.first_name %}“ ist nicht abgeschlossen: Es fehlt „{% endif %}“.",
    ]);
    expect(german("ja{% endif %}")).toEqual(["Zu „{% endif %}“ fehlt der öffnende Befehl davor."]);
    expect(german("{% for %}x{% endfor %}")).toEqual(["Der Befehl „{% for %}“ ist unvollständig."]);
    expect(german("{{ }}")).toEqual(["Hier fehlt ein Wert."]);
    expect(german("{% %}")).toEqual(["Nach „{%“ fehlt der Name eines Befehls."]);
    expect(german("{% assign = 1 %}")).toEqual(["Hier fehlt der Name einer Variablen."]);
    expect(german("{{ contact.emails[ }}")).toEqual(["„[“ ist nicht geschlossen: Es fehlt „]“."]);
    expect(german("{% raw %}x")).toEqual([
      "Der Befehl „{% raw %}“ ist nicht abgeschlossen: Es fehlt „{% endraw %}“.",
    ]);
    expect(german("{% foo %}")).toEqual(["Unbekannter Befehl „foo“."]);
    // English stays the server's sentence.
    expect(templateProblemText("A value is missing here.", "en")).toBe("A value is missing here.");
  });

  it("keeps a sentence it cannot word as the evidence behind a worded lead", () => {
    const conflict = {
      status: 409,
      code: "conflict",
      message: "The campaign cannot be sent yet: it needs subject. Give the campaign a subject.",
    };
    expect(wordError(conflict, "de", de)).toEqual({
      text: "Das ist im jetzigen Zustand nicht möglich.",
      server: conflict.message,
    });
    expect(wordError(conflict, "en", en)).toEqual({ text: conflict.message });
    // A proxy's error page (no JSON): the status line, behind the words for a server error.
    const proxy = { status: 502, code: "http_error", message: "502 Bad Gateway" };
    expect(wordError(proxy, "de", de).text).toMatch(/^Der Server hat einen Fehler gemeldet/);
    expect(wordError(proxy, "en", en)).toEqual({
      text: expect.stringMatching(/^The server reported an error/),
      server: "502 Bad Gateway",
    });
    // A field message nobody words: the whole answer stays the server's, after the lead.
    const odd = {
      status: 400,
      code: "invalid",
      message: "Invalid x",
      details: [{ path: "x", message: "odd" }],
    };
    expect(wordError(odd, "de", de)).toEqual({
      text: "Die Eingabe wurde nicht angenommen.",
      server: "Invalid x",
    });
  });
});
