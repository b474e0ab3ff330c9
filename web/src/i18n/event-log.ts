// The event log's entries (Ereignisprotokoll, seed 003 §7): what Poststelle's processes reported — a campaign
// loaded, waiting for its limit or finished, an IMAP mailbox failing, sign-ups expiring, a login locked, a
// scheduled fetch skipped, a provider's complaint. The server writes each as one English sentence with its
// values (names, counts, addresses, replies) in it, kept for integrators and as evidence; the dashboard words
// it in German here, one rule per sentence the server writes (src/campaigns, src/delivery, src/inbound,
// src/signups, src/users, src/webhooks, src/sync), the values carried over unchanged and times shown in the
// user's format. Sentences a message's timeline shares (a relay's refusal, a member's sync entry) come from
// eventDetail; a sentence no rule knows is shown as the server wrote it.
import { apiCallsInWords } from "./api-paths.js";
import { eventDetail } from "./events.js";

type Lang = "de" | "en";
/** Formats an ISO time as the dashboard shows times. */
type DateFormat = (iso: string) => string;
type Rule = [RegExp, (m: RegExpExecArray, date: DateFormat) => string];

const ISO = "(\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z)";

/** A campaign's recipients by processing status (src/campaigns/outcomes.ts describeCounts), in German. */
const countWords: Record<string, string> = {
  sent: "versendet",
  created: "erstellt",
  excluded: "ausgeschlossen",
  error: "Fehler",
  unknown: "Ergebnis unbekannt",
  pending: "offen",
};
function counts(s: string): string {
  return s.replace(
    /(\d+) (sent|created|excluded|error|unknown|pending)\b/g,
    (_, n, w) => `${n} ${countWords[w]}`,
  );
}

/** "the rate limit of transport 'x' (500 messages per 3600 s)", one or two joined by " and " (campaigns/worker.ts). */
function limits(s: string): { text: string; many: boolean } {
  const parts = s
    .split(/ and (?=the rate limit of )/i)
    .map((p) =>
      p
        .replace(
          /^the rate limit of transport '(.*)' \((\S+) messages per (\S+) s\)$/is,
          (_, name, n, w) => `das Sendelimit des Versandwegs „${name}“ (${n} Nachrichten je ${w} s)`,
        )
        .replace(
          /^the rate limit of sender domain '(.*)' \((\S+) messages per (\S+) s\)$/is,
          (_, name, n, w) => `das Sendelimit der Absenderdomain „${name}“ (${n} Nachrichten je ${w} s)`,
        ),
    );
  const text = parts.join(" und ");
  return { text: text.charAt(0).toUpperCase() + text.slice(1), many: parts.length > 1 };
}

const outcomes: Record<string, string> = {
  completed: "abgeschlossen",
  failed: "fehlgeschlagen",
  "sent incompletely": "unvollständig versendet",
};

const rulesDe: Rule[] = [
  // Campaigns (src/campaigns: housekeeping, worker, batch, generate, actions)
  [
    /^Campaign '(.*)': (\d+) recipient\(s\) loaded; it is ready\.$/s,
    (m) => `Serienkorrespondenz „${m[1]}“: ${m[2]} Empfänger geladen; sie ist bereit.`,
  ],
  [
    new RegExp(`^(The rate limit of .*) is reached; sending continues at ${ISO}\\.$`, "s"),
    (m, date) => {
      const l = limits(m[1]);
      return `${l.text} ${l.many ? "sind" : "ist"} erreicht; der Versand geht am ${date(m[2])} weiter.`;
    },
  ],
  [/^Campaign '(.*)' continues sending\.$/s, (m) => `Serienkorrespondenz „${m[1]}“ wird weiter versendet.`],
  [
    /^Campaign '(.*)' (completed|failed|sent incompletely): (.*)$/s,
    (m) => `Serienkorrespondenz „${m[1]}“ ${outcomes[m[2]]}: ${counts(m[3])}`,
  ],
  [
    /^(\d+) recipient\(s\): The worker stopped during the SMTP transaction; not resent automatically\. Check the relay's log; resend them deliberately with (POST \S+ \{"include_unknown": true\}) if needed\.$/s,
    (m) =>
      `${m[1]} Empfänger: Der Versandprozess endete während der SMTP-Übergabe; nicht automatisch erneut gesendet. Prüfen Sie das Protokoll des Relays und senden Sie sie bei Bedarf bewusst erneut, ${m[2]}.`,
  ],
  [
    /^(\d+) recipient\(s\) could not be sent \((.*?)\); first: (.*)$/s,
    (m) => `${m[1]} Empfänger konnten nicht gesendet werden (${m[2]}); der erste: ${eventDetail(m[3], "de")}`,
  ],
  [
    /^(\d+) recipient\(s\) deferred by the relay and retried later \((.*?)\); first: (.*)$/s,
    (m) =>
      `${m[1]} Empfänger vom Relay zurückgestellt und später erneut versucht (${m[2]}); der erste: ${eventDetail(m[3], "de")}`,
  ],
  [
    /^Scheduled sending of campaign (\S+) could not start: (.*)$/s,
    (m) => `Der geplante Versand der Serienkorrespondenz ${m[1]} konnte nicht starten: ${m[2]}`,
  ],
  [
    /^Campaign '(.*)': (\S+) generated sorted by (\S+): (.*?)(?:; the PDF failed: (.*))?$/s,
    (m) =>
      `Serienkorrespondenz „${m[1]}“: ${m[2]} erstellt, sortiert nach ${m[3]}: ${counts(m[4])}${m[5] ? `; das PDF schlug fehl: ${m[5]}` : ""}`,
  ],
  // Sending and retention (src/delivery)
  [
    /^The worker stopped during the SMTP transaction; not resent automatically\. Check the recipient's mailbox or the relay's log, then resend deliberately if needed \((POST \S+)\)\.$/s,
    (m) =>
      `Der Versandprozess endete während der SMTP-Übergabe; nicht automatisch erneut gesendet. Prüfen Sie das Postfach des Empfängers oder das Protokoll des Relays und senden Sie bei Bedarf bewusst erneut, ${m[1]}.`,
  ],
  [
    new RegExp(
      `^Purged the content of (\\d+) message\\(s\\) created before ${ISO} \\(retention period (\\d+) days\\); their timelines are kept\\.$`,
    ),
    (m, date) =>
      `Inhalt von ${m[1]} Nachricht(en) gelöscht, die vor dem ${date(m[2])} erstellt wurden (Aufbewahrungsfrist ${m[3]} Tage); ihre Zeitleisten bleiben erhalten.`,
  ],
  // Sign-ups and logins (src/signups, src/users)
  [
    /^(\d+) unconfirmed sign-up\(s\) expired; (\d+) pending subscription\(s\) removed, (\d+) set back to their earlier status\.$/,
    (m) =>
      `${m[1]} unbestätigte Anmeldung(en) abgelaufen; ${m[2]} wartende Verteilerzuordnung(en) entfernt, ${m[3]} auf ihren früheren Status zurückgesetzt.`,
  ],
  [
    /^(\d+) failed logins for (.*) within (\d+) minutes; further attempts are refused for up to (\d+) minutes\.$/s,
    (m) =>
      `${m[1]} fehlgeschlagene Anmeldungen für ${m[2]} innerhalb von ${m[3]} Minuten; weitere Versuche werden bis zu ${m[4]} Minuten abgewiesen.`,
  ],
  // Inbound mail (src/inbound)
  [
    /^Polling IMAP mailbox '(.*)' \((.*)\) failed: (.*)$/s,
    (m) => `Der Abruf des IMAP-Postfachs „${m[1]}“ (${m[2]}) ist fehlgeschlagen: ${m[3]}`,
  ],
  [/^IMAP mailbox '(.*)' works again\.$/s, (m) => `Das IMAP-Postfach „${m[1]}“ funktioniert wieder.`],
  [
    /^Took in (\d+) message\(s\) from IMAP mailbox '(.*)' \((bounce|archive)\)\.$/s,
    (m) =>
      `${m[1]} Nachricht(en) aus dem IMAP-Postfach „${m[2]}“ übernommen (${m[3] === "archive" ? "Archiv" : "Rückläufer"}).`,
  ],
  [
    /^Inbound mail (\S+) is stored but could not be processed \((.*)\); it will be tried again\.$/s,
    (m) =>
      `Die eingegangene Mail ${m[1]} ist gespeichert, konnte aber nicht verarbeitet werden (${m[2]}); sie wird erneut versucht.`,
  ],
  [
    /^Complaint \(spam report\) from (\S*) about message (\S+); unsubscribed from (\d+) list\(s\)\.$/,
    (m) =>
      `Beschwerde (Spam-Meldung) von ${m[1]} zur Nachricht ${m[2]}; von ${m[3]} Verteiler(n) abgemeldet.`,
  ],
  [
    /^Blocked (\S+) after (a hard bounce|repeated soft bounces) of message (\S+) \((.*)\)\. An admin can lift the block\.$/s,
    (m) =>
      `${m[1]} gesperrt nach ${m[2] === "a hard bounce" ? "einem Hard Bounce" : "wiederholten Soft Bounces"} der Nachricht ${m[3]} (${m[4]}). Ein Administrator kann die Sperre aufheben.`,
  ],
  // Provider webhooks (src/webhooks)
  [
    /^(\d+) (\S+(?: SES)?) event\(s\) name no message of this workspace; they were not stored\.$/,
    (m) =>
      `${m[1]} Ereignis(se) von ${m[2]} nennen keine Nachricht dieses Arbeitsbereichs; sie wurden nicht gespeichert.`,
  ],
  [
    /^Amazon SNS reports that the subscription to (\S+) was ended\.$/,
    (m) => `Amazon SNS meldet, dass das Abonnement für ${m[1]} beendet wurde.`,
  ],
  [
    /^Complaint \(spam report, (.*?)\) from (\S*) about message (\S+); (unsubscribed and e-mail marketing consent withdrawn|already unsubscribed|no contact has this address, nothing to unsubscribe)\.$/s,
    (m) => {
      const what: Record<string, string> = {
        "unsubscribed and e-mail marketing consent withdrawn":
          "abgemeldet und die Einwilligung in E-Mail-Werbung widerrufen",
        "already unsubscribed": "war bereits abgemeldet",
        "no contact has this address, nothing to unsubscribe":
          "kein Kontakt hat diese Adresse, nichts abzumelden",
      };
      return `Beschwerde (Spam-Meldung, ${m[1]}) von ${m[2]} zur Nachricht ${m[3]}; ${what[m[4]]}.`;
    },
  ],
  // List sync (src/sync): the schedule and the tool's own reports
  [
    /^Scheduled fetch skipped: (\d+) decided task\(s\) have not been transmitted and a fetch would clear them\. Transmit them \(or fetch by hand\)\.$/,
    (m) =>
      `Geplanter Abruf übersprungen: ${m[1]} entschiedene Aufgabe(n) sind noch nicht übermittelt, und ein Abruf würde sie verwerfen. Übermitteln Sie sie (oder rufen Sie von Hand ab).`,
  ],
  [
    /^The (\S+) bounce for (\S*) matches no recipient of this mailing and no subscription of its list\.$/,
    (m) =>
      `Der Rückläufer von ${m[1]} für ${m[2]} passt zu keinem Empfänger dieses Mailings und keiner Verteilerzuordnung seiner Liste.`,
  ],
  [
    /^(permanent|temporary) bounce of (\S*) reported by (\S+) for mailing '(.*)'( \(.*\))?\.$/s,
    (m) =>
      `${m[1] === "permanent" ? "Dauerhafter" : "Vorübergehender"} Rückläufer von ${m[2]}, gemeldet von ${m[3]} für das Mailing „${m[4]}“${m[5] ?? ""}.`,
  ],
  [
    /^Mailchimp: (\S+) is now '([^']*)' \((\S+)\); the subscription follows\.$/,
    (m, date) => `Mailchimp: ${m[1]} ist jetzt „${m[2]}“ (${date(m[3])}); die Verteilerzuordnung folgt.`,
  ],
  [
    /^Mailchimp: (\S+) was deleted \(archived\) in the tool; the subscription here is kept until you decide\.$/,
    (m) =>
      `Mailchimp: ${m[1]} wurde im Tool gelöscht (archiviert); die Verteilerzuordnung bleibt hier, bis Sie entscheiden.`,
  ],
  [
    /^Mailchimp: (\S+) changed the address to (\S+); the contact follows \(no duplicate, no 'not in tool'\)\.$/,
    (m) =>
      `Mailchimp: ${m[1]} hat die Adresse in ${m[2]} geändert; der Kontakt folgt (keine Dublette, kein „nicht im Tool“).`,
  ],
  [
    /^Mailchimp: (\S+) changed the address to (\S+), which another contact here already has \('([^']*)'\); nothing changed\. Merge the two contacts, then fetch\.$/,
    (m) =>
      `Mailchimp: ${m[1]} hat die Adresse in ${m[2]} geändert, die hier schon ein anderer Kontakt hat („${m[3]}“); nichts geändert. Führen Sie die beiden Kontakte zusammen und rufen Sie dann ab.`,
  ],
  [
    /^Mailchimp set (\S+) to '([^']*)' at (\S+), but the status here \('([^']*)', set (\S+)\) is newer: nothing changed; the next fetch shows the conflict\.$/,
    (m, date) =>
      `Mailchimp hat ${m[1]} am ${date(m[3])} auf „${m[2]}“ gesetzt, aber der Status hier („${m[4]}“, gesetzt am ${date(m[5])}) ist neuer: nichts geändert; der nächste Abruf zeigt den Konflikt.`,
  ],
  [
    /^Mailchimp: (\S+) changed the name to '(.*)' \((\S+)\); here it is '(.*)'\. Decide with the next reconcile\.$/s,
    (m, date) =>
      `Mailchimp: ${m[1]} hat den Namen am ${date(m[3])} in „${m[2]}“ geändert; hier lautet er „${m[4]}“. Entscheiden Sie beim nächsten Abgleich.`,
  ],
  [
    /^Mailchimp: (\S+) (is now '[^']*' in the tool|was deleted in the tool|changed the profile|changed the address to \S+); the address is not on the list here, it arrives with the next fetch\.$/,
    (m) => {
      const what = m[2]
        .replace(/^is now '([^']*)' in the tool$/, "ist im Tool jetzt „$1“")
        .replace(/^was deleted in the tool$/, "wurde im Tool gelöscht")
        .replace(/^changed the profile$/, "hat das Profil geändert")
        .replace(/^changed the address to (\S+)$/, "hat die Adresse in $1 geändert");
      return `Mailchimp: ${m[1]} ${what}; die Adresse ist hier nicht im Verteiler, sie kommt mit dem nächsten Abruf.`;
    },
  ],
  [
    /^A Mailchimp call for audience '([^']*)' reached the URL of audience '([^']*)'; ignored\.$/,
    (m) =>
      `Ein Aufruf von Mailchimp für die Zielgruppe „${m[1]}“ kam an der Adresse der Zielgruppe „${m[2]}“ an; ignoriert.`,
  ],
  [
    /^Mailchimp reports campaign '([^']*)' \((.*)\): (.*)\.$/s,
    (m) =>
      `Mailchimp meldet die Kampagne „${m[1]}“ (${m[2] === "no subject" ? "ohne Betreff" : m[2]}): ${m[3]}.`,
  ],
];

/** An event-log entry's sentence in the user's language; the server's sentence when no rule knows it. */
export function eventLogDetail(detail: string, lang: Lang, date: DateFormat = (iso) => iso): string {
  if (lang === "de") {
    for (const [re, word] of rulesDe) {
      const m = re.exec(detail);
      if (m) return apiCallsInWords(word(m, date), lang);
    }
  }
  return eventDetail(detail, lang);
}

/** A record an event-log sentence names by id ("… of message msg_01j…"): its kind, and the word before it
 * when that word already names the kind ("Nachricht", "message"), which then stands for the record. */
export interface NamedRecord {
  id: string;
  kind: string;
  /** The word before the id that names the record ("Nachricht"), or null when the sentence names none. */
  word: string | null;
}

/** Id prefixes (src/util/ids.ts) of the records the event log's sentences name, by kind. */
const idKinds: Record<string, string> = {
  msg: "message",
  cmp: "campaign",
  con: "contact",
  inb: "inbound_message",
  imb: "inbound_mailbox",
  run: "sync_run",
  blk: "blocklist_entry",
};

/** The words that name a kind in the sentences (German as worded above, English as the server writes). */
const kindWords: Record<string, string[]> = {
  message: ["Nachricht", "message"],
  campaign: ["Serienkorrespondenz", "campaign"],
  contact: ["Kontakt", "contact"],
  inbound_message: ["Mail", "mail"],
};

const ID_IN_SENTENCE = /(^|[^/\w])((msg|cmp|con|inb|imb|run|blk)_[0-9a-z]{16,})(?![\w/])/g;

/** An event-log sentence taken apart at the record ids in it: text, and each record with the word naming it
 * (moved out of the text). An id inside a path (POST /v1/campaigns/cmp_…/resend) stays text. */
export function sentenceParts(text: string): Array<string | NamedRecord> {
  const out: Array<string | NamedRecord> = [];
  let last = 0;
  for (const m of text.matchAll(ID_IN_SENTENCE)) {
    const start = (m.index ?? 0) + m[1].length;
    const id = m[2];
    const kind = idKinds[m[3]];
    let before = text.slice(last, start);
    let word: string | null = null;
    for (const w of kindWords[kind] ?? []) {
      if (
        before.endsWith(`${w} `) &&
        (before.length === w.length + 1 || /\W/.test(before[before.length - w.length - 2]))
      ) {
        word = w;
        before = before.slice(0, before.length - w.length - 1);
        break;
      }
    }
    if (before) out.push(before);
    out.push({ id, kind, word });
    last = start + id.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
