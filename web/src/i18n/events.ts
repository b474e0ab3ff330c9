// A message event's detail (and a message's status reason, which is its deciding event's detail), or an
// entry of a list member's event log, as the server wrote it: one English sentence with the evidence's
// values in it (an SMTP reply, a blocklist reason, a URL), kept as it was for integrators and as evidence.
// The dashboard words it in German from the same sentence: each rule below is one sentence the server
// writes (src/delivery, src/campaigns, src/inbound, src/tracking, src/webhooks, src/sync), with the values
// carried over unchanged — replies, diagnostics and names are evidence and stay as they were said. A
// sentence no rule knows is shown as the server wrote it.

import { apiCallsInWords } from "./api-paths.js";

/** The dashboard's languages (index.tsx); written here too, so that the server's tests can import this file. */
type Lang = "de" | "en";
type Rule = [RegExp, (m: RegExpExecArray) => string];

const machineReasons: Record<string, string> = {
  "Apple Mail Privacy Protection": "Apple Mail Privacy Protection",
  "Google image proxy": "Bildproxy von Google",
  "Yahoo mail proxy": "Mailproxy von Yahoo",
  "HEAD request": "HEAD-Anfrage",
  "link scanner": "Linkscanner",
  "automated client": "automatisierter Client",
  "within seconds of sending": "Sekunden nach dem Versand",
  apple_mail_privacy_protection: "Apple Mail Privacy Protection",
  google_image_proxy: "Bildproxy von Google",
  link_scanner: "Linkscanner",
  bot: "automatisierter Client",
};
/** The sync workbench's German words for the fields and tasks the server names in English (web/src/i18n/lists.ts;
 * a test holds them equal). */
export const syncFields: Record<string, string> = {
  "first name": "Vorname",
  "last name": "Nachname",
  salutation: "Anrede",
  status: "Status",
  "e-mail address": "E-Mail-Adresse",
};
export const syncTasks: Record<string, string> = {
  "transmit member": "Teilnehmer übermitteln",
  "update name": "Name aktualisieren",
  "start subscription process": "Anmeldeprozess starten / Anmeldestatus setzen",
  "set unsubscribed": "Abmeldestatus setzen",
  delete: "Löschen",
  "change e-mail address": "E-Mail-Adresse ändern",
};
const empty = (v: string) => (v === "(empty)" ? "(leer)" : v);
const machine = (why: string) => machineReasons[why] ?? why;
/** " (x)" kept as it is; what was in the brackets is evidence. */
const opt = (s: string | undefined) => s ?? "";

const rulesDe: Rule[] = [
  // Accepted and sent
  [/^Accepted for sending$/, () => "Zum Versand angenommen"],
  [
    /^Accepted for sending \(a deliberate resend of (\S+)\)$/,
    (m) => `Zum Versand angenommen (bewusst erneut gesendet; Original: Nachricht ${m[1]})`,
  ],
  [/^Resent as (\S+)$/, (m) => `Erneut gesendet als neue Nachricht ${m[1]}`],
  [/^Captured in the local outbox$/, () => "Im lokalen Postausgang abgelegt"],
  [/^Accepted by the relay: (.*)$/s, (m) => `Vom Relay angenommen: ${m[1]}`],
  [
    /^Accepted by (Mailgun|SendGrid|Amazon SES) for delivery$/,
    (m) => `Von ${m[1]} zur Zustellung angenommen`,
  ],
  [/^Prepared for campaign '(.*)'$/s, (m) => `Für die Serienkorrespondenz „${m[1]}“ vorbereitet`],
  // Not sent
  [
    /^Not sent: the address is on the blocklist \((.*)\)$/s,
    (m) => `Nicht gesendet: die Adresse steht auf der Sperrliste (${m[1]})`,
  ],
  [
    /^Not sent: the contact was erased \(DSGVO Art\. 17\)$/,
    () => "Nicht gesendet: der Kontakt wurde gelöscht (DSGVO Art. 17)",
  ],
  [
    /^Not sent by Amazon SES: the address is suppressed \((.*)\)$/s,
    (m) => `Von Amazon SES nicht gesendet: die Adresse ist dort gesperrt (${m[1]})`,
  ],
  [
    /^Not sent by Mailgun: the address is on its (.*) suppression list$/s,
    (m) => `Von Mailgun nicht gesendet: die Adresse steht auf dessen Sperrliste (${m[1]})`,
  ],
  [/^Not sent by SendGrid: (.*)$/s, (m) => `Von SendGrid nicht gesendet: ${m[1]}`],
  [/^(Mailgun|Amazon SES) refused to send: (.*)$/s, (m) => `${m[1]} hat den Versand abgelehnt: ${m[2]}`],
  [
    /^The transport this message was to go through no longer exists\.$/,
    () => "Der Versandweg dieser Nachricht existiert nicht mehr.",
  ],
  [
    /^The transport this campaign was sent through no longer exists\.$/,
    () => "Der Versandweg dieser Serienkorrespondenz existiert nicht mehr.",
  ],
  [
    /^The transport's configuration is unusable: (.*)$/s,
    (m) => `Die Konfiguration des Versandwegs ist nicht verwendbar: ${m[1]}`,
  ],
  [/^The message could not be built: (.*)$/s, (m) => `Die Nachricht konnte nicht erstellt werden: ${m[1]}`],
  [/^The contact no longer exists\.$/, () => "Den Kontakt gibt es nicht mehr."],
  // Temporary failures, give-ups, unknown outcomes
  [/^No reply from the relay \(([^)]*)\): (.*)$/s, (m) => `Keine Antwort vom Relay (${m[1]}): ${m[2]}`],
  [/^(\S+) answered HTTP (\d{3}): (.*)$/s, (m) => `${m[1]} antwortete mit HTTP ${m[2]}: ${m[3]}`],
  [/^Deferred \(attempt (\d+)\): (.*)$/s, (m) => `Zurückgestellt (Versuch ${m[1]}): ${m[2]}`],
  [
    /^Gave up after (\d+) attempts; last reply: (.*)$/s,
    (m) => `Nach ${m[1]} Versuchen aufgegeben; letzte Antwort: ${m[2]}`,
  ],
  [/^(Mailgun|SendGrid) will try again: (.*)$/s, (m) => `${m[1]} versucht es später erneut: ${m[2]}`],
  [
    /^The connection broke after the message was handed over: (.*)$/s,
    (m) => `Die Verbindung brach ab, nachdem die Nachricht übergeben war: ${m[1]}`,
  ],
  [
    /^The worker stopped during the SMTP transaction; not resent automatically$/,
    () => "Der Versandprozess endete während der SMTP-Übergabe; nicht automatisch erneut gesendet",
  ],
  [
    /^Prepared for the campaign; its worker stopped before it recorded the relay's reply$/,
    () =>
      "Für die Serienkorrespondenz vorbereitet; der Versandprozess endete, bevor er die Antwort des Relays festhielt",
  ],
  // Delivery notifications, bounces, archive copies
  [
    /^Delivered: the recipient's mail server accepted it( \(.*\))?\.$/s,
    (m) => `Zugestellt: der Mailserver des Empfängers hat sie angenommen${opt(m[1])}.`,
  ],
  [
    /^Relayed: the receiving system passed it on to one that sends no delivery notifications( \(.*\))?\.$/s,
    (m) =>
      `Weitergeleitet: das empfangende System gab sie an eines weiter, das keine Zustellbestätigungen sendet${opt(m[1])}.`,
  ],
  [
    /^Delayed: the mail server keeps trying( \(.*\))?\.$/s,
    (m) => `Verzögert: der Mailserver versucht es weiter${opt(m[1])}.`,
  ],
  [
    /^Delivered \((Mailgun|Postmark|SendGrid|Amazon SES)\): accepted by the receiving server$/,
    (m) => `Zugestellt (${m[1]}): vom empfangenden Server angenommen`,
  ],
  [/^Delivered \((Mailgun|Postmark|SendGrid|Amazon SES)\): (.*)$/s, (m) => `Zugestellt (${m[1]}): ${m[2]}`],
  [/^Hard bounce \((.*?)\): no diagnostic given$/s, (m) => `Hard Bounce (${m[1]}): keine Diagnose angegeben`],
  [/^Soft bounce \((.*?)\): no diagnostic given$/s, (m) => `Soft Bounce (${m[1]}): keine Diagnose angegeben`],
  [/^(Hard|Soft) bounce \((.*?)\): (.*)$/s, (m) => `${m[1]} Bounce (${m[2]}): ${m[3]}`],
  [/^Report about the archive copy \((.*?)\): (.*)$/s, (m) => `Meldung zur Archivkopie (${m[1]}): ${m[2]}`],
  [
    /^A copy of this message was found in the archive mailbox( \(.*\))?: it really left\.$/s,
    (m) =>
      `Eine Kopie dieser Nachricht liegt im Archivpostfach${opt(m[1])}: sie hat Poststelle wirklich verlassen.`,
  ],
  // Receipts, complaints, replies, reactions
  [
    /^Read receipt from (\S*): the message was displayed\. A receipt proves little \(see the note\)\.$/,
    (m) =>
      `Lesebestätigung von ${m[1]}: die Nachricht wurde angezeigt. Eine Lesebestätigung beweist wenig (siehe Hinweis).`,
  ],
  [
    /^Read receipt from (\S*) with disposition '([^']*)': it does not say the message was shown\.$/,
    (m) =>
      `Lesebestätigung von ${m[1]} mit Art „${m[2]}“: sie sagt nicht, dass die Nachricht angezeigt wurde.`,
  ],
  [
    /^Complaint: the recipient's mail provider reports that (.*) marked this message as spam \(feedback type '([^']*)'\)\. Poststelle unsubscribes the address from its lists\.$/s,
    (m) =>
      `Beschwerde: der Mailanbieter meldet, dass ${m[1] === "the recipient" ? "der Empfänger" : m[1]} diese Nachricht als Spam markiert hat (Meldungsart „${m[2]}“). Poststelle meldet die Adresse von ihren Verteilern ab.`,
  ],
  [
    /^Unsubscribe request: (.*) asked by mail not to receive such messages any more \(feedback type 'opt-out'\)\. Poststelle unsubscribes the address from its lists\.$/s,
    (m) =>
      `Abmeldung: ${m[1] === "the recipient" ? "der Empfänger" : m[1]} hat per E-Mail gebeten, solche Nachrichten nicht mehr zu erhalten (Meldungsart „opt-out“). Poststelle meldet die Adresse von ihren Verteilern ab.`,
  ],
  [
    /^The recipient reported the message as spam \((Mailgun|Postmark|SendGrid)\)$/,
    (m) => `Der Empfänger hat die Nachricht als Spam gemeldet (${m[1]})`,
  ],
  [
    /^The recipient unsubscribed \((Mailgun|Postmark|SendGrid)\)$/,
    (m) => `Der Empfänger hat sich abgemeldet (${m[1]})`,
  ],
  [
    /^The recipient subscribed again to the unsubscribe group \(SendGrid\)$/,
    () => "Der Empfänger hat sich bei der Abmeldegruppe wieder angemeldet (SendGrid)",
  ],
  [
    /^Automatic reply \(e\.g\. out of office\) from (\S*): (.*)$/s,
    (m) => `Automatische Antwort (z. B. Abwesenheitsnotiz) von ${m[1]}: ${m[2]}`,
  ],
  [/^Opened$/, () => "Geöffnet"],
  [/^Opened \((Mailgun|Postmark|Amazon SES)\)$/, (m) => `Geöffnet (${m[1]})`],
  [/^Opened by a machine \((.*)\)$/s, (m) => `Von einer Maschine geöffnet (${machineInner(m[1])})`],
  [/^Clicked a link$/, () => "Link geklickt"],
  [
    /^Clicked (\S+) by a machine \((.*)\)$/s,
    (m) => `Von einer Maschine geklickt: ${m[1]} (${machineInner(m[2])})`,
  ],
  [/^Clicked (\S+) \((Mailgun|Postmark|SendGrid|Amazon SES)\)$/, (m) => `Geklickt: ${m[1]} (${m[2]})`],
  [/^Clicked (\S+)$/, (m) => `Geklickt: ${m[1]}`],
  [/^Postmark (\S+): (.*)$/s, (m) => `Postmark meldet ${m[1]}: ${m[2]}`],
  // Why a campaign left a recipient out (src/campaigns/exclusions.ts; a test holds these to its German)
  ...exclusion(
    "The contact has no usable address for this channel.",
    "Der Kontakt hat keine verwendbare Adresse für diesen Weg.",
  ),
  ...exclusion("The address is on the blocklist.", "Die Adresse steht auf der Sperrliste."),
  ...exclusion(
    "An earlier message to this address bounced permanently.",
    "Eine frühere Nachricht an diese Adresse kam dauerhaft unzustellbar zurück.",
  ),
  ...exclusion(
    "The contact has unsubscribed from a list of this campaign.",
    "Der Kontakt hat sich von einem Verteiler dieser Serienkorrespondenz abgemeldet.",
  ),
  ...exclusion(
    "The contact has not consented to marketing on this channel.",
    "Der Kontakt hat keine Einwilligung in Werbung auf diesem Weg erteilt.",
  ),
  // A list member's event log in the sync workbench (seed 003 §7; src/sync)
  [
    /^A subscription for the address "(.*)" was found\.$/s,
    (m) => `Für die Adresse „${m[1]}“ wurde eine Anmeldung gefunden.`,
  ],
  [
    /^A subscription for the address "(.*)" was found; its data differ from the tool's\.$/s,
    (m) =>
      `Für die Adresse „${m[1]}“ wurde eine Anmeldung gefunden; ihre Daten weichen von denen im Tool ab.`,
  ],
  [
    /^"(.*)" is subscribed in the tool; the known contact was added to the list \(new in list\)\.$/s,
    (m) =>
      `„${m[1]}“ ist im Tool angemeldet; der bekannte Kontakt wurde in den Verteiler aufgenommen (neu im Verteiler).`,
  ],
  [
    /^"(.*)" is subscribed in the tool and was unknown here; a contact was created \(new contact\)\.$/s,
    (m) =>
      `„${m[1]}“ ist im Tool angemeldet und war hier unbekannt; ein Kontakt wurde angelegt (neuer Kontakt).`,
  ],
  [
    /^"(.*)" is subscribed here but not in the tool \(not in tool\)\.$/s,
    (m) => `„${m[1]}“ ist hier angemeldet, aber nicht im Tool (nicht im Tool).`,
  ],
  [/^The fetch broke off\.$/, () => "Der Abruf brach ab."],
  [
    /^The (first name|last name|salutation|status|e-mail address) differs — here: (.*), in the tool: (.*)\.$/s,
    (m) => `${syncFields[m[1]]} weicht ab — hier: ${empty(m[2])}, im Tool: ${empty(m[3])}.`,
  ],
  [
    /^"(transmit member|update name|start subscription process|set unsubscribed|delete|change e-mail address)" not transmitted: (.*)$/s,
    (m) => `„${syncTasks[m[1]]}“ nicht übermittelt: ${m[2]}`,
  ],
  [
    /^"delete" transmitted for (.*); the subscription was removed here\.$/s,
    (m) => `„${syncTasks.delete}“ übermittelt für ${m[1]}; die Anmeldung wurde hier entfernt.`,
  ],
  [
    /^"(transmit member|update name|start subscription process|set unsubscribed|delete|change e-mail address)" transmitted for (.*)\.$/s,
    (m) => `„${syncTasks[m[1]]}“ übermittelt für ${m[2]}.`,
  ],
  [
    /^(.*) was put on the blocklist; "set unsubscribed" is proposed so the tool stops mailing it\.$/s,
    (m) =>
      `${m[1]} wurde auf die Sperrliste gesetzt; „${syncTasks["set unsubscribed"]}“ ist vorgeschlagen, damit das Tool sie nicht mehr anschreibt.`,
  ],
  // Campaign exclusions and failures that wrap another sentence
  [/^Not sent: (.*)$/s, (m) => `Nicht gesendet: ${eventDetail(m[1], "de")}`],
];

/** The few English sentences that name a record only by its id: the kind said before it, so that the page
 * shows the record as a word (SentenceText) rather than the id. */
const rulesEn: Rule[] = [
  [/^Resent as (\S+)$/, (m) => `Resent as new message ${m[1]}`],
  [
    /^Accepted for sending \(a deliberate resend of (\S+)\)$/,
    (m) => `Accepted for sending (a deliberate resend of message ${m[1]})`,
  ],
];

/** An exclusion's sentence, alone or with what it adds in brackets. */
function exclusion(en: string, de: string): Rule[] {
  const quoted = en.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return [[new RegExp(`^${quoted}( \\(.*\\))?$`, "s"), (m) => `${de}${opt(m[1])}`]];
}

/** "Mailgun: bot" (a provider's verdict) or one of Poststelle's own reasons. */
function machineInner(s: string): string {
  const i = s.indexOf(": ");
  return i > 0 ? `${s.slice(0, i)}: ${machine(s.slice(i + 2))}` : machine(s);
}

/** The detail in the user's language; the server's sentence when no rule knows it. */
export function eventDetail(detail: string, lang: Lang): string;
export function eventDetail(detail: string | null | undefined, lang: Lang): string | null | undefined;
export function eventDetail(detail: string | null | undefined, lang: Lang) {
  if (!detail) return detail;
  const rules = lang === "de" ? rulesDe : rulesEn;
  for (const [re, word] of rules) {
    const m = re.exec(detail);
    if (m) return apiCallsInWords(word(m), lang);
  }
  return apiCallsInWords(detail, lang);
}
