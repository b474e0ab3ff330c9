// What went wrong, in the user's language. The API's errors (DESIGN §9) carry a stable `code` and an English
// `message`; the dashboard words them here: sentences it knows (a wrong password, too many logins, an id that
// does not exist, a form's field issues) fully, any other one with a worded lead by its code and the server's
// sentence after it as the evidence. Field messages (400 details) are worded from the detail's `code` and its
// parameters (DESIGN §9, README "Errors"); a detail without a code the dashboard knows falls back to the
// English sentence matched by pattern, and one no pattern knows is shown as the server wrote it.
import { type Dict, de } from "./de.js";
import { en } from "./en.js";
import { fieldName } from "./reasons.js";

/** The same as `Lang` in ./index.tsx (not imported: tests load this file outside the JSX build). */
type Lang = "de" | "en";

export interface ErrorFacts {
  status: number;
  code: string;
  message: string;
  details?: unknown;
}

/** The worded error: `text` in the user's language, `server` the API's own sentence where it is kept. */
export interface WordedError {
  text: string;
  server?: string;
}

type Rule = [RegExp, (m: RegExpMatchArray) => string];

const fieldRules: Record<Lang, Rule[]> = {
  de: [
    [/^Invalid input: expected \w+, received (undefined|null)$/, () => "Bitte ausfüllen."],
    [/^Too small: expected string to have >=1 characters?$/, () => "Bitte ausfüllen."],
    [/^Too small: expected string to have >=(\d+) characters$/, (m) => `Mindestens ${m[1]} Zeichen.`],
    [/^Too big: expected string to have <=(\d+) characters$/, (m) => `Höchstens ${m[1]} Zeichen.`],
    [/^Too small: expected number to be >=(\S+)$/, (m) => `Mindestens ${m[1]}.`],
    [/^Too small: expected number to be >(\S+)$/, (m) => `Größer als ${m[1]}.`],
    [/^Too big: expected number to be <=(\S+)$/, (m) => `Höchstens ${m[1]}.`],
    [/^Too big: expected number to be <(\S+)$/, (m) => `Kleiner als ${m[1]}.`],
    [/^Too small: expected array to have >=(\d+) items?$/, (m) => `Mindestens ${m[1]} auswählen.`],
    [/^Too big: expected array to have <=(\d+) items?$/, (m) => `Höchstens ${m[1]}.`],
    [/^Invalid input: expected int, received number$/, () => "Bitte eine ganze Zahl angeben."],
    [/^Invalid input: expected (number|int), received \w+$/, () => "Bitte eine Zahl angeben."],
    [/^Invalid input: expected boolean, received \w+$/, () => "Bitte ja oder nein wählen."],
    [/^Invalid option: expected one of /, () => "Bitte einen der angebotenen Werte wählen."],
    [/^Invalid (email address|email|e-mail address)$/i, () => "Keine gültige E-Mail-Adresse."],
    [/^'(.*)' is not a valid e-mail address\.?$/s, (m) => `„${m[1]}“ ist keine gültige E-Mail-Adresse.`],
    [/^Invalid URL$/, () => "Keine gültige Adresse (URL)."],
    [/^must be an http\(s\) URL$/, () => "Eine Adresse, die mit http:// oder https:// beginnt."],
    [/^Invalid ISO datetime$/, () => "Kein gültiges Datum mit Uhrzeit."],
    [/^must be at least (\d+) characters$/, (m) => `Mindestens ${m[1]} Zeichen.`],
    [/^use a password of at least (\d+) characters$/, (m) => `Ein Passwort mit mindestens ${m[1]} Zeichen.`],
    [/^a host name or IP address$/, () => "Ein Hostname oder eine IP-Adresse."],
    [/^use letters, digits, '\.', '_' and '-'$/, () => "Nur Buchstaben, Ziffern, „.“, „_“ und „-“."],
    [/^must not contain line breaks or control characters$/, () => "Ohne Zeilenumbrüche und Steuerzeichen."],
    [/^at most (\d+) e-mail addresses$/, (m) => `Höchstens ${m[1]} E-Mail-Adressen.`],
    [/^(subject is required|Give the campaign a subject\.)$/, () => "Bitte einen Betreff angeben."],
    [/^Give the letter a subject \(Betreff\)\.$/, () => "Bitte einen Betreff angeben."],
    [/^Choose an e-mail template\.$/, () => "Bitte eine E-Mail-Vorlage wählen."],
    [/^Choose a letter template\.$/, () => "Bitte eine Briefvorlage wählen."],
    [/^list_ids or filter is required$/, () => "Bitte Verteiler oder Merkmale wählen."],
    [/^unknown (list|template|transport|contact)$/, () => "Nicht (mehr) vorhanden."],
    [/^the current password is wrong$/, () => "Das bisherige Passwort ist falsch."],
    [/^required when after is 'move'$/, () => "Bitte den Zielordner angeben."],
    [/^required for a new entry$/, () => "Für einen neuen Eintrag bitte ausfüllen."],
    [/^not a domain name$/, () => "Kein Domainname."],
    [/^lies in the future$/, () => "Liegt in der Zukunft."],
    [
      /^give the consent wording the person was shown$/,
      () => "Bitte den Text angeben, dem zugestimmt wurde.",
    ],
  ],
  en: [
    [/^Invalid input: expected \w+, received (undefined|null)$/, () => "Required."],
    [/^Too small: expected string to have >=1 characters?$/, () => "Required."],
    [/^Too small: expected string to have >=(\d+) characters$/, (m) => `At least ${m[1]} characters.`],
    [/^Too big: expected string to have <=(\d+) characters$/, (m) => `At most ${m[1]} characters.`],
    [/^Too small: expected number to be >=(\S+)$/, (m) => `At least ${m[1]}.`],
    [/^Too small: expected number to be >(\S+)$/, (m) => `More than ${m[1]}.`],
    [/^Too big: expected number to be <=(\S+)$/, (m) => `At most ${m[1]}.`],
    [/^Too big: expected number to be <(\S+)$/, (m) => `Less than ${m[1]}.`],
    [/^Too small: expected array to have >=(\d+) items?$/, (m) => `Choose at least ${m[1]}.`],
    [/^Too big: expected array to have <=(\d+) items?$/, (m) => `At most ${m[1]}.`],
    [/^Invalid input: expected int, received number$/, () => "Enter a whole number."],
    [/^Invalid input: expected (number|int), received \w+$/, () => "Enter a number."],
    [/^Invalid input: expected boolean, received \w+$/, () => "Choose yes or no."],
    [/^Invalid option: expected one of /, () => "Choose one of the values offered."],
    [/^Invalid (email address|email|e-mail address)$/i, () => "Not a valid e-mail address."],
    [/^Invalid URL$/, () => "Not a valid address (URL)."],
    [/^Invalid ISO datetime$/, () => "Not a valid date and time."],
  ],
};

/** One 400 detail as the API sends it: `path`, the English `message`, and `code` with its parameters. */
export interface FieldIssue {
  path: string;
  message: string;
  code?: string;
  [param: string]: unknown;
}

/** A field's error: a 400 detail, or a sentence the page wrote itself. */
export type FieldError = string | FieldIssue;

const num = (v: unknown, lang: Lang) =>
  typeof v === "number" ? v.toLocaleString(lang === "de" ? "de-DE" : "en-GB") : String(v ?? "");
const quoted = (v: unknown, lang: Lang) => (lang === "de" ? `„${String(v)}“` : `'${String(v)}'`);
const strings = (v: unknown) => (Array.isArray(v) ? v.map((x) => String(x)) : []);
const orList = (items: string[], lang: Lang) =>
  items.length <= 1
    ? (items[0] ?? "")
    : `${items.slice(0, -1).join(", ")} ${lang === "de" ? "oder" : "or"} ${items[items.length - 1]}`;
const dictOf = (lang: Lang): Dict => (lang === "de" ? de : (en as unknown as Dict));

/** The word for a too_small / too_big bound: "Mindestens 3 Zeichen.", "Höchstens 5.", "Größer als 0." … */
function boundText(i: FieldIssue, lang: Lang): string | null {
  const small = i.code === "too_small";
  const bound = small ? i.minimum : i.maximum;
  if (typeof bound !== "number") return null;
  const origin = String(i.origin ?? "");
  const inclusive = i.inclusive !== false;
  const de = lang === "de";
  if (origin === "string") {
    if (small && bound <= 1 && inclusive) return de ? "Bitte ausfüllen." : "Required.";
    const n = inclusive ? bound : small ? bound + 1 : bound - 1;
    const chars = de ? (n === 1 ? "Zeichen" : "Zeichen") : n === 1 ? "character" : "characters";
    if (i.exact) return de ? `Genau ${num(n, lang)} ${chars}.` : `Exactly ${num(n, lang)} ${chars}.`;
    return small
      ? de
        ? `Mindestens ${num(n, lang)} ${chars}.`
        : `At least ${num(n, lang)} ${chars}.`
      : de
        ? `Höchstens ${num(n, lang)} ${chars}.`
        : `At most ${num(n, lang)} ${chars}.`;
  }
  if (origin === "array" || origin === "set") {
    const n = inclusive ? bound : small ? bound + 1 : bound - 1;
    if (i.exact) return de ? `Genau ${num(n, lang)} angeben.` : `Give exactly ${num(n, lang)}.`;
    if (small) return de ? `Mindestens ${num(n, lang)} auswählen.` : `Choose at least ${num(n, lang)}.`;
    return de ? `Höchstens ${num(n, lang)}.` : `At most ${num(n, lang)}.`;
  }
  if (origin === "number" || origin === "int" || origin === "bigint") {
    const b = num(bound, lang);
    if (small)
      return inclusive
        ? de
          ? `Mindestens ${b}.`
          : `At least ${b}.`
        : de
          ? `Größer als ${b}.`
          : `More than ${b}.`;
    return inclusive
      ? de
        ? `Höchstens ${b}.`
        : `At most ${b}.`
      : de
        ? `Kleiner als ${b}.`
        : `Less than ${b}.`;
  }
  if (origin === "date") {
    const d = new Date(bound).toLocaleString(de ? "de-DE" : "en-GB", {
      dateStyle: "medium",
      timeStyle: "short",
    });
    return small
      ? de
        ? `Nicht vor ${d}.`
        : `Not before ${d}.`
      : de
        ? `Nicht nach ${d}.`
        : `Not after ${d}.`;
  }
  if (origin === "file") {
    const b = num(bound, lang);
    return small
      ? de
        ? `Mindestens ${b} Byte.`
        : `At least ${b} bytes.`
      : de
        ? `Höchstens ${b} Byte.`
        : `At most ${b} bytes.`;
  }
  return null;
}

const formatWords: Record<Lang, Record<string, string>> = {
  de: {
    email: "Keine gültige E-Mail-Adresse.",
    url: "Keine gültige Adresse (URL).",
    datetime: "Kein gültiges Datum mit Uhrzeit.",
    date: "Kein gültiges Datum.",
    time: "Keine gültige Uhrzeit.",
    duration: "Keine gültige Dauer.",
    uuid: "Keine gültige Kennung.",
    ulid: "Keine gültige Kennung.",
    cuid: "Keine gültige Kennung.",
    cuid2: "Keine gültige Kennung.",
    ipv4: "Keine gültige IP-Adresse.",
    ipv6: "Keine gültige IP-Adresse.",
    base64: "Keine gültige Base64-Kodierung.",
    phone: "Keine gültige Telefonnummer: 6 bis 15 Ziffern, gern mit + oder 00 vorne (z. B. +49 30 1234567).",
    domain: "Kein Domainname (z. B. praxis-scholz.de).",
  },
  en: {
    email: "Not a valid e-mail address.",
    url: "Not a valid address (URL).",
    datetime: "Not a valid date and time.",
    date: "Not a valid date.",
    time: "Not a valid time.",
    duration: "Not a valid duration.",
    uuid: "Not a valid id.",
    ulid: "Not a valid id.",
    cuid: "Not a valid id.",
    cuid2: "Not a valid id.",
    ipv4: "Not a valid IP address.",
    ipv6: "Not a valid IP address.",
    base64: "Not valid base64.",
    phone:
      "Not a valid phone number: 6 to 15 digits, optionally with a leading + or 00 (e.g. +49 30 1234567).",
    domain: "Not a domain name (e.g. praxis-scholz.de).",
  },
};

const referenceWords: Record<Lang, Record<string, string>> = {
  de: {
    contact: "Diesen Kontakt gibt es (nicht mehr) in diesem Arbeitsbereich.",
    transport: "Diesen Versandweg gibt es nicht.",
    column: "Diese Spalte gibt es in der Datei nicht.",
    contact_field: "Das ist kein Feld eines Kontakts.",
    template: "Diese Vorlage gibt es (nicht mehr) in diesem Arbeitsbereich.",
    list: "Diesen Verteiler gibt es (nicht mehr) in diesem Arbeitsbereich.",
  },
  en: {
    contact: "There is no such contact (any more) in this workspace.",
    transport: "There is no such transport.",
    column: "The file has no such column.",
    contact_field: "That is not a field of a contact.",
    template: "There is no such template (any more) in this workspace.",
    list: "There is no such list (any more) in this workspace.",
  },
};

/** A detail worded from its code and parameters; null where the code says too little (then the sentence). */
function structuredMessage(i: FieldIssue, lang: Lang): string | null {
  const de = lang === "de";
  const t = dictOf(lang);
  switch (i.code) {
    case "invalid_type": {
      if (i.received === "undefined" || i.received === "null") return de ? "Bitte ausfüllen." : "Required.";
      const words: Record<string, [string, string]> = {
        int: ["Bitte eine ganze Zahl angeben.", "Enter a whole number."],
        number: ["Bitte eine Zahl angeben.", "Enter a number."],
        bigint: ["Bitte eine ganze Zahl angeben.", "Enter a whole number."],
        boolean: ["Bitte ja oder nein wählen.", "Choose yes or no."],
        string: ["Bitte einen Text angeben.", "Enter text."],
        array: ["Bitte eine Liste angeben.", "Give a list."],
        date: ["Bitte ein Datum angeben.", "Enter a date."],
      };
      const w = words[String(i.expected)];
      return w ? w[de ? 0 : 1] : null;
    }
    case "too_small":
    case "too_big":
      return boundText(i, lang);
    case "invalid_format": {
      const f = String(i.format ?? "");
      if (f === "starts_with" && typeof i.prefix === "string")
        return de
          ? `Muss mit ${quoted(i.prefix, lang)} beginnen.`
          : `Must start with ${quoted(i.prefix, lang)}.`;
      if (f === "ends_with" && typeof i.suffix === "string")
        return de ? `Muss auf ${quoted(i.suffix, lang)} enden.` : `Must end with ${quoted(i.suffix, lang)}.`;
      if (f === "includes" && typeof i.includes === "string")
        return de
          ? `Muss ${quoted(i.includes, lang)} enthalten.`
          : `Must contain ${quoted(i.includes, lang)}.`;
      // A regex says only "does not fit"; its schema's own sentence (matched below) says how it should be.
      return formatWords[lang][f] ?? null;
    }
    case "invalid_value": {
      const values = strings(i.values);
      if (values.length === 1)
        return de
          ? `Nur ${quoted(values[0], lang)} ist möglich.`
          : `Only ${quoted(values[0], lang)} is possible.`;
      if (values.length > 1 && values.length <= 6) {
        const q = orList(
          values.map((v) => quoted(v, lang)),
          lang,
        );
        return de ? `Bitte ${q} wählen.` : `Choose ${q}.`;
      }
      return de ? "Bitte einen der angebotenen Werte wählen." : "Choose one of the values offered.";
    }
    case "unrecognized_keys": {
      const keys = strings(i.keys).map((k) => quoted(k, lang));
      if (keys.length === 0) return null;
      return de
        ? `${keys.length === 1 ? "Unbekanntes Feld" : "Unbekannte Felder"}: ${keys.join(", ")}.`
        : `${keys.length === 1 ? "Unknown field" : "Unknown fields"}: ${keys.join(", ")}.`;
    }
    case "not_multiple_of":
      return de ? `Ein Vielfaches von ${num(i.divisor, lang)}.` : `A multiple of ${num(i.divisor, lang)}.`;
    case "invalid_union":
      return de ? "Kein gültiger Wert." : "Not a valid value.";
    case "required": {
      const when = (i.when ?? {}) as Record<string, unknown>;
      if (when.after === "move")
        return de
          ? "Bitte den Zielordner angeben, in den verarbeitete Post verschoben wird."
          : "Name the folder processed mail is moved to.";
      if (when.new_entry)
        return de ? "Für einen neuen Eintrag bitte ausfüllen." : "Required for a new entry.";
      return null; // the sentence says which (a template, a sender …); "Bitte ausfüllen." below if none fits
    }
    case "required_one_of": {
      const names = strings(i.fields).map((f) => fieldName(f, lang, t));
      return de
        ? `Bitte mindestens eines angeben: ${orList(names, lang)}.`
        : `Give at least one of ${orList(names, lang)}.`;
    }
    case "unknown_reference":
      return (
        referenceWords[lang][String(i.kind)] ??
        (de ? "Nicht (mehr) vorhanden." : "Does not exist (any more).")
      );
    case "duplicate":
      return de
        ? "Doppelt: derselbe Wert steht schon weiter oben in dieser Anfrage."
        : "Duplicate: the same value is given earlier in this request.";
    case "together":
      return de
        ? `Nur zusammen mit ${fieldName(String(i.with ?? ""), lang, t)} (beides oder keines).`
        : `Only together with ${fieldName(String(i.with ?? ""), lang, t)} (both or neither).`;
    case "in_future":
      return de ? "Liegt in der Zukunft." : "Lies in the future.";
    case "wrong_password":
      return de ? "Das bisherige Passwort ist falsch." : "The current password is wrong.";
    case "no_usable_address":
      return de
        ? "Der Kontakt hat keine gültige E-Mail-Adresse."
        : "The contact has no valid e-mail address.";
    case "sender_domain_not_registered":
      return de
        ? "Von dieser Domain sendet der Arbeitsbereich nicht: Sie ist nicht als Absender-Domain eingetragen."
        : "This workspace does not send from this domain: it is not a registered sender domain.";
    case "sender_domain_not_verified":
      return de
        ? "Diese Absender-Domain ist noch nicht bestätigt: Ihre DNS-Einträge fehlen noch."
        : "This sender domain is not verified yet: its DNS records are missing.";
    case "unstorable_text":
      return de
        ? `Enthält ein Zeichen, das nicht gespeichert werden kann (${String(i.character ?? "U+0000")}); bitte entfernen.`
        : `Contains a character that cannot be stored (${String(i.character ?? "U+0000")}); remove it.`;
    case "too_deep":
      return de
        ? `Zu tief verschachtelt (höchstens ${num(i.maximum, lang)} Ebenen).`
        : `Nested too deeply (at most ${num(i.maximum, lang)} levels).`;
    case "template_not_renderable":
      return unrenderableText(i, lang);
    case "idempotency_key_reused":
      return de
        ? "Dieser Idempotenz-Schlüssel gehört schon zu einer anderen Nachricht; für eine neue Nachricht bitte einen neuen Schlüssel."
        : "This idempotency key already belongs to a different message; use a new key for a new message.";
    // An item of a batch whose error has no finer code carries the error's own.
    case "not_found":
      return de ? "Nicht (mehr) vorhanden." : "Does not exist (any more).";
    case "conflict":
      return de
        ? "Passt nicht zum jetzigen Stand; bitte neu laden und noch einmal versuchen."
        : "Does not fit the current state; reload and try again.";
    default:
      return null;
  }
}

const partWords: Record<Lang, Record<string, string>> = {
  de: { subject: "Betreff", html: "HTML-Teil", text: "Text-Teil", mjml: "MJML-Teil" },
  en: { subject: "subject", html: "HTML part", text: "text part", mjml: "MJML part" },
};

/** A template's part in words ("HTML-Teil"). */
export const templatePartName = (part: string, lang: Lang) => partWords[lang][part] ?? part;

const q = (v: string) => `„${v}“`;
/** The template problems the server words in English (src/templates: engine.ts friendlyMessage and
 * syntaxMessage, merge-fields.ts unknownMessage, service.ts), in German; a Liquid message the server left as
 * LiquidJS wrote it stays as it is. */
const templateRulesDe: Rule[] = [
  [
    /^Unknown merge field '(.+)'\. Did you mean '(.+)'\?$/s,
    (m) => `Unbekanntes Seriendruckfeld ${q(m[1])}. Meinten Sie ${q(m[2])}?`,
  ],
  [
    /^Unknown merge field '(.+)'\. Known: (.+)\.$/s,
    (m) => `Unbekanntes Seriendruckfeld ${q(m[1])}. Bekannt sind: ${m[2]}.`,
  ],
  [/^Unknown filter '(.+)'\.$/s, (m) => `Unbekannter Filter ${q(m[1])}.`],
  [/^Unknown tag '(.+)'\.$/s, (m) => `Unbekannter Befehl ${q(m[1])}.`],
  [
    /^Merge field '(.+)' has no value for this message\.$/s,
    (m) => `Das Seriendruckfeld ${q(m[1])} hat für diese Nachricht keinen Wert.`,
  ],
  [/^give html, mjml or text$/, () => "Bitte HTML, MJML oder Text angeben."],
  [
    /^The placeholder '(.*)' is not closed: '\}\}' is missing\.$/s,
    (m) => `Der Platzhalter ${q(m[1])} ist nicht geschlossen: Es fehlt „}}“.`,
  ],
  [
    /^The tag '(.*)' is not closed: '(.*)' is missing\.$/s,
    (m) => `Der Befehl ${q(m[1])} ist nicht abgeschlossen: Es fehlt ${q(m[2])}.`,
  ],
  [/^'(.*)' has no opening tag\.$/s, (m) => `Zu ${q(m[1])} fehlt der öffnende Befehl davor.`],
  [/^The tag '(.*)' is incomplete\.$/s, (m) => `Der Befehl ${q(m[1])} ist unvollständig.`],
  [/^'(.*)' is not a value\.$/s, (m) => `${q(m[1])} ist kein gültiger Wert.`],
  [/^A value is missing here\.$/, () => "Hier fehlt ein Wert."],
  [/^A tag name is missing after '\{%'\.$/, () => "Nach „{%“ fehlt der Name eines Befehls."],
  [/^A variable name is missing here\.$/, () => "Hier fehlt der Name einer Variablen."],
  [
    /^'(.)' is not closed: '(.)' is missing\.$/,
    (m) => `${q(m[1])} ist nicht geschlossen: Es fehlt ${q(m[2])}.`,
  ],
];

/** A template problem's sentence in the user's language (the server's English where no rule knows it). */
export function templateProblemText(message: string, lang: Lang): string {
  if (lang !== "de") return message;
  for (const [re, word] of templateRulesDe) {
    const m = message.match(re);
    if (m) return word(m);
  }
  return message;
}

/** A template that cannot be filled for one message: which merge field has no value, and where. */
function unrenderableText(i: FieldIssue, lang: Lang): string {
  const de = lang === "de";
  const part = partWords[lang][String(i.part)] ?? String(i.part ?? "");
  const at = [
    part,
    typeof i.line === "number" ? `${de ? "Zeile" : "line"} ${num(i.line, lang)}` : "",
    typeof i.column === "number" ? `${de ? "Spalte" : "column"} ${num(i.column, lang)}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const where = at ? ` (${at})` : "";
  if (typeof i.field === "string")
    return de
      ? `Die Vorlage lässt sich für diese Nachricht nicht füllen: Das Seriendruckfeld ${quoted(i.field, lang)} hat keinen Wert${where}.`
      : `The template cannot be filled for this message: the merge field ${quoted(i.field, lang)} has no value${where}.`;
  return de
    ? `Die Vorlage lässt sich für diese Nachricht nicht füllen${where}.`
    : `The template cannot be filled for this message${where}.`;
}

/** A 400 detail (or a page's own sentence) in the user's language: worded from the detail's code and
 * parameters where the dashboard knows them, else from the English sentence by pattern, else as written. */
export function fieldMessage(issue: FieldError, lang: Lang): string {
  const message = typeof issue === "string" ? issue : issue.message;
  const structured = typeof issue === "string" ? null : structuredMessage(issue, lang);
  if (structured) return structured;
  for (const [re, word] of fieldRules[lang]) {
    const m = String(message).match(re);
    if (m) return word(m);
  }
  if (typeof issue !== "string" && issue.code === "required")
    return lang === "de" ? "Bitte ausfüllen." : "Required.";
  return message;
}

/** What the server's not-found sentences call a record ("No inbound mailbox with id …"), as activity kinds. */
const recordKinds: Record<string, string> = {
  "blocklist entry": "blocklist_entry",
  "error-registry entry": "error_registry_entry",
  "webhook endpoint": "webhook_endpoint",
  "webhook delivery": "webhook_delivery",
  "sender domain": "sender_domain",
  "e-mail tool connection": "email_tool_connection",
  "link to an e-mail tool for list": "list_link",
  "API key": "api_key",
  "active API key": "api_key",
};
const moreKinds: Record<Lang, Record<string, string>> = {
  de: {
    "inbound mailbox": "IMAP-Postfach",
    "inbound mail": "Eingangsnachricht",
    "sync run": "Abgleichslauf",
    "event-log entry": "Ereignisprotokoll-Eintrag",
  },
  en: {},
};

function recordKind(kind: string, lang: Lang, t: Dict): string | undefined {
  return moreKinds[lang][kind] ?? t.activities.kinds[recordKinds[kind] ?? kind.replace(/[\s-]+/g, "_")];
}

const leads: Record<Lang, Record<string, string>> = {
  de: {
    invalid: "Die Eingabe wurde nicht angenommen.",
    not_found: "Nicht gefunden.",
    conflict: "Das ist im jetzigen Zustand nicht möglich.",
    forbidden: "Dafür fehlen Ihnen die Rechte.",
    unauthorized: "Nicht angemeldet oder nicht berechtigt.",
    too_large: "Die Datei oder Anfrage ist zu groß.",
    unsupported_media_type: "Dieses Format wird nicht angenommen.",
    rate_limited: "Zu viele Anfragen. Bitte kurz warten und erneut versuchen.",
    too_many_requests: "Zu viele Anfragen. Bitte kurz warten und erneut versuchen.",
    server:
      "Der Server hat einen Fehler gemeldet. Bitte später erneut versuchen; bleibt der Fehler, wenden Sie sich an Ihre Administration.",
    other: "Die Anfrage ist fehlgeschlagen.",
  },
  en: {
    server: "The server reported an error. Please try again later; if it stays, ask your administrator.",
  },
};

const knownSentences: Record<Lang, Rule[]> = {
  de: [
    [
      /^The e-mail address or the password is wrong\.$/,
      () => "Die E-Mail-Adresse oder das Passwort ist falsch.",
    ],
    [
      /^Too many failed logins\. Try again in (\d+) minute\(s\)\.$/,
      (m) =>
        `Zu viele fehlgeschlagene Anmeldungen. Bitte in ${m[1]} ${m[1] === "1" ? "Minute" : "Minuten"} erneut versuchen.`,
    ],
    [
      /^Not logged in, or the session has ended; log in again\.$/,
      () => "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.",
    ],
    [
      /^This user is disabled\. Ask an admin of your workspace\.$/,
      () =>
        "Dieser Benutzer ist gesperrt. Bitte wenden Sie sich an eine Administratorin oder einen Administrator.",
    ],
  ],
  en: [],
};

/** The field issues of a 400, each as "Field: what is wrong", in the user's language. */
function fieldIssuesText(details: unknown, lang: Lang, t: Dict): string | null {
  if (!Array.isArray(details) || details.length === 0) return null;
  const parts: string[] = [];
  for (const d of details as FieldIssue[]) {
    if (typeof d?.message !== "string") return null;
    const path = typeof d.path === "string" ? d.path : "";
    const last =
      path
        .split(".")
        .filter((p) => !/^\d+$/.test(p))
        .pop() ?? "";
    const text = fieldMessage(d, lang);
    // A message the dashboard cannot word stays the server's: then the whole answer is kept as evidence.
    if (lang === "de" && text === d.message) return null;
    parts.push(last ? `${fieldName(last, lang, t)}: ${text}` : text);
  }
  return parts.join(" ");
}

/** An API error in the user's language (see the file's head). */
export function wordError(e: ErrorFacts, lang: Lang, t: Dict): WordedError {
  if (e.code === "network") return { text: t.app.network };
  for (const [re, word] of knownSentences[lang]) {
    const m = e.message.match(re);
    if (m) return { text: word(m) };
  }
  const notFound = e.message.match(/^No (.+?) with id '(.+)' exists in this workspace\.$/s);
  if (lang === "de" && notFound) {
    const kind = recordKind(notFound[1], lang, t);
    if (kind) return { text: `${kind} „${notFound[2]}“ gibt es in diesem Arbeitsbereich nicht.` };
  }
  if (e.code === "invalid") {
    const issues = fieldIssuesText(e.details, lang, t);
    if (issues)
      return {
        text: `${lang === "de" ? "Bitte prüfen Sie Ihre Eingaben." : "Please check your input."} ${issues}`,
      };
  }
  const serverError = e.status >= 500 || e.code === "internal";
  if (lang === "en") return serverError ? { text: leads.en.server, server: e.message } : { text: e.message };
  const lead = serverError ? leads.de.server : (leads.de[e.code] ?? leads.de.other);
  return { text: lead, server: e.message };
}
