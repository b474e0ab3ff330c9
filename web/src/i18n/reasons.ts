// Sentences the server gives in English, worded in the user's language from stable codes instead: an
// import row's reason (reason_code + reason_params) and an activity's summary (action + kind + the record's
// name and changed fields). Unknown codes fall back to the server's own sentence.
import { processName } from "../../../src/audit/actor-words.js";
import type { Dict } from "./de.js";

/** The same as `Lang` in ./index.tsx (not imported: tests load this file outside the JSX build). */
type Lang = "de" | "en";
type Params = Record<string, unknown>;
const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));
const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);

/** Field names that are not import targets but appear in changes (address, emails). */
const extraFields: Record<Lang, Record<string, string>> = {
  de: {
    address: "Anschrift",
    emails: "E-Mail-Adressen",
    name: "Name",
    status: "Status",
    role: "Rolle",
    settings: "Einstellungen",
    config: "Konfiguration",
    description: "Beschreibung",
    enabled: "aktiv",
    folder: "Ordner",
    reason: "Grund",
    subject: "Betreff",
    rate_limit: "Sendelimit",
    rate_window_seconds: "Zeitfenster",
    tracking: "Öffnungen und Klicks erfassen",
  },
  en: {
    address: "address",
    emails: "e-mail addresses",
    name: "name",
    status: "status",
    role: "role",
    settings: "settings",
    config: "configuration",
    description: "description",
    enabled: "enabled",
    folder: "folder",
    reason: "reason",
    subject: "subject",
    rate_limit: "rate limit",
    rate_window_seconds: "time window",
    tracking: "tracking opens and clicks",
  },
};

export function fieldName(field: string, lang: Lang, t: Dict): string {
  return (
    extraFields[lang][field] ?? t.importWizard.fields[field as keyof Dict["importWizard"]["fields"]] ?? field
  );
}

const fieldsText = (v: unknown, lang: Lang, t: Dict) =>
  list(v)
    .map((f) => fieldName(f, lang, t))
    .join(", ");

type ReasonText = (p: Params, lang: Lang, t: Dict) => string;

const importReasons: Record<Lang, Record<string, ReasonText>> = {
  de: {
    too_many_columns: (p) =>
      `Die Zeile hat ${str(p.filled)} gefüllte Spalten, die Kopfzeile nur ${str(p.header)}.`,
    invalid_value: (p, lang, t) =>
      p.field === "salutation"
        ? `${str(p.column)}: „${str(p.value)}“ ist keine bekannte Anrede (oder leer lassen).`
        : `${str(p.column)}: „${str(p.value)}“ ist kein gültiger Wert für ${fieldName(str(p.field), lang, t)}.`,
    invalid_field: (p, lang, t) => `${fieldName(str(p.field), lang, t)}: kein gültiger Wert.`,
    invalid_emails: (p) => `„${str(p.value)}“ ist keine gültige E-Mail-Adresse.`,
    unidentifiable: () =>
      "Ein Kontakt braucht mindestens einen Namen, eine E-Mail-Adresse oder eine Telefonnummer.",
    invalid_contact: (p) => `Der Kontakt ist ungültig: ${str(p.message)}`,
    duplicate_in_file: (p) => `Doppelt: ${str(p.address)} steht schon in Zeile ${str(p.row)} dieser Datei.`,
    same_contact_as_row: (p) => `Derselbe Kontakt wie in Zeile ${str(p.row)}.`,
    contact_exists: (p) => `Ein Kontakt mit ${str(p.address)} existiert bereits.`,
    unchanged: () => "Unverändert: Der Kontakt hat diese Werte schon.",
    changed: (p, lang, t) => `Geändert: ${fieldsText(p.fields, lang, t)}`,
    would_change: (p, lang, t) => `Würde geändert: ${fieldsText(p.fields, lang, t)}`,
    ambiguous_contacts: (p) => `Die E-Mail-Adressen gehören zu ${str(p.count)} verschiedenen Kontakten.`,
  },
  en: {
    too_many_columns: (p) => `The row has ${str(p.filled)} filled columns, the header only ${str(p.header)}.`,
    invalid_value: (p, lang, t) =>
      p.field === "salutation"
        ? `${str(p.column)}: '${str(p.value)}' is not a known salutation (or leave it empty).`
        : `${str(p.column)}: '${str(p.value)}' is not a valid ${fieldName(str(p.field), lang, t)}.`,
    invalid_field: (p, lang, t) => `${fieldName(str(p.field), lang, t)}: not a valid value.`,
    invalid_emails: (p) => `'${str(p.value)}' is not a valid e-mail address.`,
    unidentifiable: () => "A contact needs at least a name, an e-mail address or a phone number.",
    invalid_contact: (p) => `The contact is not valid: ${str(p.message)}`,
    duplicate_in_file: (p) => `Duplicate: ${str(p.address)} is already in row ${str(p.row)} of this file.`,
    same_contact_as_row: (p) => `The same contact as in row ${str(p.row)}.`,
    contact_exists: (p) => `A contact with ${str(p.address)} exists already.`,
    unchanged: () => "Unchanged: the contact has these values already.",
    changed: (p, lang, t) => `Changed: ${fieldsText(p.fields, lang, t)}`,
    would_change: (p, lang, t) => `Would change: ${fieldsText(p.fields, lang, t)}`,
    ambiguous_contacts: (p) => `The e-mail addresses belong to ${str(p.count)} different contacts.`,
  },
};

export interface CodedReason {
  reason: string | null;
  reason_code?: string | null;
  reason_params?: Params | null;
}

/** An import row's reason in the user's language; the server's sentence when its code is unknown. */
export function importReason(r: CodedReason, lang: Lang, t: Dict): string {
  const text = r.reason_code ? importReasons[lang][r.reason_code] : undefined;
  return text ? text(r.reason_params ?? {}, lang, t) : (r.reason ?? "");
}

// ---------------------------------------------------------------- activities

/** Verbs of the actions beyond created / updated / deleted / cancelled (those are in the main dictionary). */
const moreActions: Record<Lang, Record<string, string>> = {
  de: {
    purged: "bereinigt",
    detached: "Verknüpfung gelöscht",
    relinked: "neu zugeordnet",
    remote_id_entered: "ID von Hand eingetragen",
    credentials_viewed: "Zugangsdaten angesehen",
    lifted: "aufgehoben",
    erased: "gelöscht (DSGVO)",
    expired: "abgelaufen",
    confirmed: "bestätigt",
    linked: "verknüpft",
    subscriptions_added: "Teilnehmer hinzugefügt",
    send_started: "Versand gestartet",
    send_scheduled: "Versand geplant",
    generate_started: "Erzeugung gestartet",
    completed: "abgeschlossen",
    failed: "fehlgeschlagen",
    verified: "geprüft",
    replayed: "erneut zugestellt",
    sync_fetch_started: "Abholen gestartet",
    sync_task_set: "Abgleichsaufgabe gesetzt",
    sync_task_proposed: "Abgleichsaufgabe vorgeschlagen",
    sync_tasks_marked: "zum Übermitteln vorgemerkt",
    unsubscribed: "abgemeldet",
  },
  en: {
    purged: "purged",
    detached: "link deleted",
    relinked: "linked again",
    remote_id_entered: "id entered by hand",
    credentials_viewed: "credentials viewed",
    lifted: "lifted",
    erased: "erased (GDPR)",
    expired: "expired",
    confirmed: "confirmed",
    linked: "linked",
    subscriptions_added: "members added",
    send_started: "sending started",
    send_scheduled: "sending scheduled",
    generate_started: "generation started",
    completed: "completed",
    failed: "failed",
    verified: "checked",
    replayed: "delivered again",
    sync_fetch_started: "fetch started",
    sync_task_set: "sync task set",
    sync_task_proposed: "sync task proposed",
    sync_tasks_marked: "marked for transmission",
    unsubscribed: "unsubscribed",
  },
};

export interface ActivityFacts {
  action: string;
  kind: string;
  changes: Record<string, { before: unknown; after: unknown }> | null;
  data: unknown;
}

/** The record's name as the change or the data shows it (name, e-mail, recipient, file name). */
function recordName(a: ActivityFacts): string | null {
  const data = (a.data && typeof a.data === "object" ? a.data : {}) as Params;
  const value = (key: string): unknown => {
    const c = a.changes?.[key];
    return c ? (c.after ?? c.before) : data[key];
  };
  const text = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";
  for (const key of ["name", "email", "address", "to", "filename"]) {
    const v = value(key);
    if (text(v)) return v;
  }
  // A contact is named by its person, else by the first of its addresses.
  const person = [value("first_name"), value("last_name")].filter(text).join(" ");
  if (person) return person;
  const emails = value("emails");
  return Array.isArray(emails) && text(emails[0]) ? emails[0] : null;
}

/** An import's counts ("2 neu, 1 abgelehnt") from the activity's data. */
function importCounts(a: ActivityFacts, t: Dict): string {
  const data = (a.data && typeof a.data === "object" ? a.data : {}) as Params;
  return ["created", "updated", "skipped", "rejected"]
    .filter((k) => typeof data[k] === "number")
    .map((k) => `${str(data[k])} ${t.importWizard.counts[k] ?? k}`)
    .join(", ");
}

/** An activity's action in words ("erstellt", "aufgehoben", "Versand gestartet"); an unknown one as written. */
export function actionWord(action: string, lang: Lang, t: Dict): string {
  return t.activities.actions[action] ?? moreActions[lang][action] ?? action;
}

/** A campaign's second and later send: it reaches only the recipients not yet sent (DESIGN §4). */
const sendsAgain = (a: ActivityFacts) => {
  const runs = a.changes?.run_count?.after;
  return a.action === "send_started" && typeof runs === "number" && runs > 1;
};
const sentAgainWords: Record<Lang, string> = {
  de: "erneut an die noch nicht Versendeten gesendet",
  en: "sent again to those not yet sent",
};

/** "Verteiler „Newsletter“ erstellt", "Kontakt aktualisiert: Vorname, Ort" — from codes, in the user's language. */
export function activitySentence(a: ActivityFacts, lang: Lang, t: Dict): string {
  const kind = t.activities.kinds[a.kind] ?? a.kind;
  const verb = sendsAgain(a) ? sentAgainWords[lang] : actionWord(a.action, lang, t);
  const name = recordName(a);
  const quoted = name ? (lang === "de" ? ` „${name}“` : ` '${name}'`) : "";
  let sentence = `${kind}${quoted} ${verb}`;
  if (a.kind === "import") {
    const counts = importCounts(a, t);
    if (counts) sentence += `: ${counts}`;
  }
  if (a.action === "updated" && a.changes) {
    const fields = Object.keys(a.changes).filter((k) => !k.endsWith("_at"));
    if (fields.length > 0) {
      const shown = fields.slice(0, 5).map((f) => fieldName(f, lang, t));
      sentence += `: ${shown.join(", ")}${fields.length > 5 ? " …" : ""}`;
    }
  }
  return sentence;
}

const setByWords = {
  de: {
    recipient: "Empfänger (Link in der E-Mail)",
    tool: (tool: string) => `E-Mail-Tool ${tool}`,
    unnamed: (kind: string) => `${kind} ohne Namen`,
  },
  en: {
    recipient: "Recipient (link in the e-mail)",
    tool: (tool: string) => `E-mail tool ${tool}`,
    unnamed: (kind: string) => `${kind} without a name`,
  },
};
const toolNames: Record<string, string> = { mailchimp: "Mailchimp", listmonk: "listmonk" };

/** A server process in words: src/audit/actor-words.ts, whose words the "Wer" filter searches too. */
export { processName };

/**
 * Who set a subscription's status, in words: "Anna Chefin (Benutzer)", "Abgleich mit Mailchimp",
 * "Bounce-Verarbeitung" — from `status_set_by` ("user:usr_…", "system:sync:mailchimp", "bounces") and the
 * name the API resolved for users and API keys. An unknown label is shown as it is.
 */
export function setByText(
  label: string | null,
  name: string | null | undefined,
  lang: Lang,
  t: Dict,
): string {
  if (!label) return t.app.none;
  const w = setByWords[lang];
  const colon = label.indexOf(":");
  const type = colon < 0 ? label : label.slice(0, colon);
  const rest = colon < 0 ? "" : label.slice(colon + 1);
  const typeName = t.activities.actorTypes[type];
  if (name) return typeName ? `${name} (${typeName})` : name;
  if (label === "bounces" || label === "system:bounces") return processName("bounces", lang);
  if (type === "recipient") return w.recipient;
  if (type === "email_tool") return w.tool(toolNames[rest] ?? rest);
  if (type === "system") return processName(rest, lang);
  if (type === "operator") return typeName ?? label;
  // A key or user without a name: its id says nothing to a person (Einstellungen › API-Schlüssel lists keys
  // by name and prefix), so the kind alone, marked as unnamed.
  if (typeName && rest) return w.unnamed(typeName);
  return label;
}
