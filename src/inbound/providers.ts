// Provider vocabularies: some mailbox providers and gateways name the cause with their own error codes
// ("AUP#CXBL", "IB104", "OFR_103") or with fixed sentences that mean one precise thing together with the
// status code they come with (Exchange Online's "5.7.606 Access denied, banned sending IP"). What such a
// code says outranks the generic phrase tables. Sentences too common to trust on their own
// ("sender rejected") count only when the provider's own host said them.
import {
  coxCodes,
  francepttCodes,
  godaddyCodes,
  iuaCodes,
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
}

/** The reason a provider's own code or sentence names, if any. */
export function providerReason(f: ProviderFacts): Reason | undefined {
  return byCode(f.text) ?? byStatusSentence(f) ?? byReplySentence(f) ?? byHostSentence(f);
}

function byCode(text: string): Reason | undefined {
  if (text.includes("aup#")) {
    const cox = /aup#([0-9a-z]+)/.exec(text);
    if (cox && coxCodes[cox[1].toUpperCase()]) return coxCodes[cox[1].toUpperCase()];
    const spectrum = /aup#[-a-z]*(\d{4})/.exec(text);
    if (spectrum) return spectrumCode(Number(spectrum[1]));
  }
  const godaddy = /\s(ib\d{3})\b/.exec(text);
  if (godaddy) return godaddyCodes[godaddy[1].toUpperCase()];
  const orange = /\b(?:lpn|lpnaaa|ofr|ouk)(?:_(\d{3})|\d{3}[-_](\d{3}))\b/.exec(text);
  if (orange) return francepttCodes[orange[1] ?? orange[2]];
  const iua = /\.i\.ua\/err\/(\d+)/.exec(text);
  if (iua) return iuaCodes[iua[1]];
  return undefined;
}

/** Spectrum documents single codes and ranges of codes. */
const spectrumRanges: ReadonlyArray<readonly [number, number, Reason]> = [
  [1020, 1080, "rejected"],
  [1100, 1150, "blocked"],
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

/** "4.4.7" matches "4.4.7" and "5.4.7" (the class is the sender's decision to retry, not the cause). */
function statusMatches(status: string, want: string, lo: number, hi: number): boolean {
  const [, subject, detail] = status.split(".");
  const [, wantSubject, wantDetail] = want.split(".");
  if (subject !== wantSubject) return false;
  if (lo === 0 && hi === 0) return detail === wantDetail;
  const d = Number(detail);
  return d >= lo && d <= hi;
}

/** The sentences grouped by the status code's subject ("7" of 5.7.1): a report is compared with its own group only. */
const bySubject = new Map<string, Array<(typeof sentencesWithStatus)[number]>>();
for (const entry of sentencesWithStatus) {
  const subject = entry[1].split(".")[1];
  bySubject.set(subject, [...(bySubject.get(subject) ?? []), entry]);
}

function byStatusSentence(f: ProviderFacts): Reason | undefined {
  if (!f.status) return undefined;
  for (const [reason, status, lo, hi, sentence] of bySubject.get(f.status.split(".")[1]) ?? []) {
    if (f.text.includes(sentence) && statusMatches(f.status, status, lo, hi)) return reason;
  }
  return undefined;
}

function byReplySentence(f: ProviderFacts): Reason | undefined {
  if (!f.replyCode) return undefined;
  for (const [reason, reply, sentence] of sentencesWithReply) {
    if (f.replyCode === reply && f.text.includes(sentence)) return reason;
  }
  return undefined;
}

function byHostSentence(f: ProviderFacts): Reason | undefined {
  for (const { hosts, sentences } of sentencesOfHosts) {
    if (!f.hosts.some((h) => hosts.some((d) => h === d || h.endsWith(`.${d}`)))) continue;
    for (const [reason, sentence] of sentences) if (f.text.includes(sentence)) return reason;
  }
  return undefined;
}
