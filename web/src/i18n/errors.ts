// What went wrong, in the user's language. The API's errors (DESIGN §9) carry a stable `code` and an English
// `message`; the dashboard words them here: sentences it knows (a wrong password, too many logins, an id that
// does not exist, a form's field issues) fully, any other one with a worded lead by its code and the server's
// sentence after it as the evidence. Field messages (400 details) are worded from zod's and the schemas'
// patterns; one the dashboard does not know is shown as the server wrote it.
import type { Dict } from "./de.js";
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

/** A 400 detail's message in the user's language (the server's text where no rule knows it). */
export function fieldMessage(message: string, lang: Lang): string {
  for (const [re, word] of fieldRules[lang]) {
    const m = message.match(re);
    if (m) return word(m);
  }
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
  for (const d of details as Array<{ path?: unknown; message?: unknown }>) {
    if (typeof d?.message !== "string") return null;
    const path = typeof d.path === "string" ? d.path : "";
    const last =
      path
        .split(".")
        .filter((p) => !/^\d+$/.test(p))
        .pop() ?? "";
    const text = fieldMessage(d.message, lang);
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
