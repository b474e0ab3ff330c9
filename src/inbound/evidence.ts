// What a report says about one recipient, before classification: the raw facts each reader (RFC 3464
// fields, an MTA's human-readable text) could find. classify.ts turns this into a reason and a verdict.
import type { Reason } from "./reasons.js";

export type SmtpCommand = "CONN" | "HELO" | "EHLO" | "STARTTLS" | "AUTH" | "MAIL" | "RCPT" | "DATA";

export interface Evidence {
  recipient: string;
  action?: string;
  /** The Status field of a DSN (RFC 3464 §2.3.4). */
  status?: string;
  /** "smtp", "x-postfix", "x-unix", … from Diagnostic-Code. */
  diagnosticType?: string;
  diagnostic: string;
  remoteMta?: string;
  /** The Reporting-MTA of a DSN: a mailbox provider reporting on its own mailboxes speaks its own words. */
  reportingMta?: string;
  command?: SmtpCommand;
  /** A reason the reader knows for certain from the format itself (e.g. Exim's "Unrouteable address"). */
  reason?: Reason;
}

const ADDRESS =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+/g;

/** Every address in a text, in order of appearance. */
export function addressesIn(text: string): string[] {
  return text.match(ADDRESS) ?? [];
}

/** The first address in a text, without brackets or a trailing dot. */
export function firstAddress(text: string): string | undefined {
  ADDRESS.lastIndex = 0;
  const m = text.match(ADDRESS);
  return m ? cleanAddress(m[0]) : undefined;
}

export function cleanAddress(a: string): string {
  return a.replace(/^(?:smtp|rfc822|mailto)[=:]/i, "").replace(/^[.'"]+|[.'"]+$/g, "");
}

export function isPlausibleRecipient(a: string): boolean {
  const at = a.lastIndexOf("@");
  if (at < 1) return false;
  const domain = a.slice(at + 1);
  return domain.includes(".") && !/^\d+(\.\d+){3}$/.test(domain) && domain.length < 255;
}

/** Mailbox names that belong to the reporting system, not to a recipient. */
export function isSystemAddress(a: string): boolean {
  return /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|root|noreply|no-reply|bounce[s]?|abuse)@/i.test(
    a,
  );
}

/** Collapses whitespace; the phrase tables are matched against this form, lower-cased. */
export function sweep(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** Which SMTP command the remote side was answering. When several appear, the one latest in a
 * session wins (DATA after RCPT after MAIL): the refusal came at the last step that was reached. */
export function commandOf(text: string): SmtpCommand | undefined {
  const found = new Set<SmtpCommand>();
  for (const m of text.matchAll(
    /(?<![A-Za-z0-9@.])(HELO|EHLO|STARTTLS|AUTH|MAIL F|MAIL|RCPT|DATA)(?![A-Za-z0-9@])/g,
  )) {
    const c = m[1] === "MAIL F" ? "MAIL" : m[1];
    if (c === "MAIL" && !/^MAIL\s*FROM/i.test(text.slice(m.index, m.index + 10))) continue;
    found.add(c === "HELO" ? "EHLO" : (c as SmtpCommand));
  }
  const t = text.toLowerCase();
  if (/after rcpt to|does not like recipient|\[rcpt_to\]|\(rcpt\)/.test(t)) found.add("RCPT");
  if (
    /after mail from|didn't like the sender|does not like sender|\[mail_from\]|but sender was rejected/.test(
      t,
    )
  )
    found.add("MAIL");
  if (
    /after end of data|after data|failed after i sent the message|\[end_of_data\]|after sending message|end of data/.test(
      t,
    )
  )
    found.add("DATA");
  if (/after (?:ehlo|helo)|but my name was rejected/.test(t)) found.add("EHLO");
  // Sendmail's transcript quoting a reply with no command before it: the greeting itself was refused.
  if (
    /after initial connection|in reply to initial greeting|but greeting failed|refused to talk to me|while talking to [^\s:]+:? <<< [45]/.test(
      t,
    )
  )
    found.add("CONN");
  for (const c of ["DATA", "RCPT", "MAIL", "AUTH", "STARTTLS", "EHLO", "CONN"] as const)
    if (found.has(c)) return c;
  return undefined;
}
