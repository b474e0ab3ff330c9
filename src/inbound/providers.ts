// Provider vocabularies: some mailbox providers and gateways name the cause with their own error codes
// ("AUP#CXBL", "IB104", "OFR_103") or with fixed sentences that mean one precise thing together with the
// status code they come with (Exchange Online's "5.7.606 Access denied, banned sending IP"). What such a
// code says outranks the generic phrase tables. Sentences too common to trust on their own
// ("sender rejected") count only when the provider's own host said them.
import {
  coxCodes,
  francepttCodes,
  francepttFamilies,
  godaddyCodes,
  iuaCodes,
  outlookComCodes,
  sentencesOfHosts,
  sentencesWithReply,
  sentencesWithStatus,
  spectrumCodes,
} from "./providers.data.js";
import type { Reason } from "./reasons.js";

export interface ProviderFacts {
  /** lower-cased, whitespace-collapsed diagnostic text */
  text: string;
  status?: string;
  replyCode?: string;
  /** the remote MTA and the recipient's domain, lower-cased: who may have said it */
  hosts: string[];
  /** the SMTP command the reply answered, when the report names it */
  command?: string;
}

/** The reason a provider's own code or sentence names, if any. */
export function providerReason(f: ProviderFacts): Reason | undefined {
  return (
    byCode(f.text) ??
    byOutlookComCode(f) ??
    byStatusSentence(f) ??
    byReplySentence(f) ??
    byHostSentence(f) ??
    byDocomo(f) ??
    byKddi(f)
  );
}

/** KDDI's au (ezweb.ne.jp) answers "550 : User unknown" with the address left out when the recipient's
 * reception filter refuses the sender, and "550 <x@ezweb.ne.jp>: User unknown" naming the address when
 * the mailbox does not exist (the carrier's behaviour as catalogued by sisimai's Rhost table). Without
 * the carrier, such a reply with no command reads as filtered (see decide.ts isUnknownAfterAcceptance). */
function byKddi(f: ProviderFacts): Reason | undefined {
  if (!f.text.includes(": user unknown")) return undefined;
  if (!f.hosts.some((h) => h === "ezweb.ne.jp" || h.endsWith(".ezweb.ne.jp"))) return undefined;
  return f.text.includes(">: user unknown") ? "userunknown" : undefined;
}

/** NTT DOCOMO's gateway answers "550 Unknown user" both when the address does not exist and when the
 * recipient's own reception filter refuses the sender; the status code and the step tell which (the
 * carrier's behaviour as catalogued by sisimai's Rhost table): 5.1.1, or 5.0.0 at RCPT, is the address;
 * 5.2.0 is the recipient's filter; 5.0.0 after DATA is the sender refused. */
function byDocomo(f: ProviderFacts): Reason | undefined {
  if (!f.hosts.some((h) => h === "docomo.ne.jp" || h.endsWith(".docomo.ne.jp"))) return undefined;
  if (f.text.includes("552 too much mail data")) return "mailboxfull";
  if (f.text.includes("552 too many recipients")) return "toomanyconn";
  if (f.status === "5.1.1") return "userunknown";
  if (f.status === "5.2.0") return "filtered";
  if (f.status !== "5.0.0" || !f.text.includes("unknown user")) return undefined;
  if (f.command === "RCPT") return "userunknown";
  return f.command === "DATA" ? "rejected" : undefined;
}

function byCode(text: string): Reason | undefined {
  if (text.includes("aup#")) {
    const cox = /aup#([0-9a-z]+)/.exec(text);
    if (cox && coxCodes[cox[1].toUpperCase()]) return coxCodes[cox[1].toUpperCase()];
    const spectrum = /aup#[-a-z]*(\d{4})/.exec(text);
    if (spectrum) return spectrumCode(Number(spectrum[1]));
  }
  // Each code is looked for only when its fixed letters appear at all (most reports name none).
  const godaddy = text.includes("ib") ? /\s(ib\d{3})\b/.exec(text) : null;
  if (godaddy) return godaddyCodes[godaddy[1].toUpperCase()];
  const orange = mayNameOrangeCode(text) ? (ORANGE_CODE.exec(text) ?? LAPOSTE_BARE_CODE.exec(text)) : null;
  if (orange) return orangeCode(orange[1] ?? orange[2]);
  const iua = text.includes(".i.ua/err/") ? /\.i\.ua\/err\/(\d+)/.exec(text) : null;
  if (iua) return iuaCodes[iua[1]];
  return undefined;
}

/** Outlook.com's "550 SC-001 (BAY004-MC5F18) Unfortunately, messages from … weren't sent": the code counts
 * only right after the reply code Outlook.com gives it. */
function byOutlookComCode(f: ProviderFacts): Reason | undefined {
  if (!f.text.includes("-00")) return undefined;
  const m = OUTLOOK_COM_CODE.exec(f.text);
  if (!m) return undefined;
  const known = outlookComCodes[m[1]];
  if (!known) return undefined;
  const [reply, reason] = known;
  return f.text.includes(`${reply} ${m[1]}`) ? reason : undefined;
}

const OUTLOOK_COM_CODE = /\b((?:rp|sc|dy|ou)-00\d)\b/;

function mayNameOrangeCode(text: string): boolean {
  return text.includes("lpn") || text.includes("ofr") || text.includes("ouk");
}

/** Orange's and La Poste's codes: "OFR_999", "OFR006_102", "LPN105-104", "LPNAAA_101"; the last three
 * digits name the cause. */
const ORANGE_CODE = /\b(?:lpn|lpnaaa|ofr|ouk)(?:_(\d{3})|\d{3}[-_](\d{3}))\b/;
/** La Poste also writes its code bare, as a word of its own ("Invalid recipient. LPN416"). */
const LAPOSTE_BARE_CODE = /(?:^|\s)lpn(\d{3})\b/;

function orangeCode(code: string): Reason | undefined {
  return francepttCodes[code] ?? francepttFamilies[code.slice(0, 2)];
}

/** Spectrum documents single codes and ranges of codes. */
const spectrumRanges: ReadonlyArray<readonly [number, number, Reason]> = [
  [1020, 1080, "rejected"],
  // "Spectrum requires a full circle DNS … ensure a reverse DNS entry exists for the IP."
  [1100, 1150, "requireptr"],
  [1160, 1190, "policyviolation"],
  [1200, 1250, "blocked"],
  // "Spectrum limits … concurrent connections" / "… the number of messages sent": limits on the rate of
  // sending, sisimai 5's ratelimited.
  [1300, 1490, "ratelimited"],
];

function spectrumCode(code: number): Reason | undefined {
  const exact = spectrumCodes[String(code)];
  if (exact) return exact;
  for (const [lo, hi, reason] of spectrumRanges) if (code >= lo && code <= hi) return reason;
  return undefined;
}

/** A sentence that means one reason together with a status code of the given subject and detail. */
interface StatusSentence {
  reason: Reason;
  /** The detail ("1" of 5.7.1) the code must have, when no range is given. */
  detail: string;
  lo: number;
  hi: number;
  sentence: string;
}

/** "4.4.7" matches "4.4.7" and "5.4.7" (the class is the sender's decision to retry, not the cause). */
function detailMatches(detail: string, s: StatusSentence): boolean {
  if (s.lo === 0 && s.hi === 0) return detail === s.detail;
  const d = Number(detail);
  return d >= s.lo && d <= s.hi;
}

/** The sentences grouped by the status code's subject ("7" of 5.7.1): a report is compared with its own group only. */
const bySubject = new Map<string, StatusSentence[]>();
for (const [reason, status, lo, hi, sentence] of sentencesWithStatus) {
  const [, subject, detail] = status.split(".");
  bySubject.set(subject, [...(bySubject.get(subject) ?? []), { reason, detail, lo, hi, sentence }]);
}

function byStatusSentence(f: ProviderFacts): Reason | undefined {
  if (!f.status) return undefined;
  return sentenceOfStatus(f.status, f.text) ?? byQuotedStatusSentence(f);
}

function sentenceOfStatus(status: string, text: string): Reason | undefined {
  // "5.7.1": subject "7", detail "1" (the second and third of its dot-separated parts; without a
  // detail no sentence matches).
  const first = status.indexOf(".");
  const second = first === -1 ? -1 : status.indexOf(".", first + 1);
  if (second === -1) return undefined;
  const third = status.indexOf(".", second + 1);
  const subject = status.slice(first + 1, second);
  const detail = status.slice(second + 1, third === -1 ? status.length : third);
  for (const s of bySubject.get(subject) ?? []) {
    if (detailMatches(detail, s) && text.includes(s.sentence)) return s.reason;
  }
  return undefined;
}

/** A relay or filtering gateway that wraps another server's refusal reports its own code (Cisco's
 * "5.1.0 - Unknown address error 550-'5.4.1 Recipient address rejected: Access denied …'", Status
 * 5.0.0): the provider's sentence belongs to the code quoted with it, not to the wrapper's. */
function byQuotedStatusSentence(f: ProviderFacts): Reason | undefined {
  QUOTED_STATUS.lastIndex = 0;
  for (let m = QUOTED_STATUS.exec(f.text); m; m = QUOTED_STATUS.exec(f.text)) {
    const quoted = m[0];
    if (quoted === f.status) continue;
    const reason = sentenceOfStatus(quoted, f.text);
    if (reason) {
      QUOTED_STATUS.lastIndex = 0;
      return reason;
    }
  }
  return undefined;
}

const QUOTED_STATUS = /\b[245]\.\d{1,3}\.\d{1,3}\b/g;

function byReplySentence(f: ProviderFacts): Reason | undefined {
  if (!f.replyCode) return undefined;
  for (const [reason, reply, sentence] of sentencesWithReply) {
    if (f.replyCode === reply && f.text.includes(sentence)) return reason;
  }
  return undefined;
}

function byHostSentence(f: ProviderFacts): Reason | undefined {
  for (const { hosts, sentences } of sentencesOfHosts) {
    if (!anyHostWithin(f.hosts, hosts)) continue;
    for (const [reason, sentence] of sentences) if (f.text.includes(sentence)) return reason;
  }
  return undefined;
}

/** Is one of `hosts` one of `domains` or a host below one ("mx1.example.com" below "example.com")? */
function anyHostWithin(hosts: readonly string[], domains: readonly string[]): boolean {
  for (const h of hosts) {
    for (const d of domains) {
      if (h === d) return true;
      // h ends with "." + d
      if (h.length > d.length && h.endsWith(d) && h.charCodeAt(h.length - d.length - 1) === 46) return true;
    }
  }
  return false;
}
