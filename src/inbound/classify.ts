// classifyBounce: one inbound report in, what it says out — a pure function of the message bytes.
// Handles RFC 3464 DSNs (bounce, delay, success), the non-standard bounces real MTAs write, RFC 8098
// read receipts, RFC 5965 complaint reports and RFC 3834 auto-replies. Never throws.
import { listOf } from "./arrays.js";
import { decideReason, factsOf } from "./decide.js";
import type { DsnRecipient } from "./dsn.js";
import {
  addressesIn,
  cleanAddress,
  commandOf,
  type Evidence,
  firstAddress,
  isPlausibleRecipient,
  isSystemAddress,
  type SmtpCommand,
  sweep,
} from "./evidence.js";
import { header, normaliseLineEndings, parseContentType, parseHeaders, splitHeaderBody } from "./mime.js";
import {
  type MessageView,
  type OriginalHeaders,
  saysDeliveryTrouble,
  signedByMailSystem,
  viewMessage,
} from "./parse.js";
import { isHard, type Reason } from "./reasons.js";
import { readSesNotification } from "./ses.js";
import { findStatus, preferStatus } from "./status.js";
import { evidenceOfBlock, readTextBlocks, type TextBlock } from "./text.js";

export type ReportKind =
  | "bounce"
  | "delay"
  | "delivered"
  | "relayed"
  | "mdn"
  | "arf"
  | "autoreply"
  | "unknown";

export interface RecipientOutcome {
  recipient: string;
  reason: Reason;
  hard: boolean;
  /** RFC 3463 enhanced status code, e.g. "5.1.1", or null when the report has none. */
  status: string | null;
  action: string;
  diagnostic: string;
  remote_mta?: string;
}

export interface BounceReport {
  kind: ReportKind;
  recipients: RecipientOutcome[];
  original: OriginalHeaders;
  /** MDN (RFC 8098 §3.2.6): displayed, deleted, dispatched, processed … */
  disposition?: string;
  /** ARF (RFC 5965 §3.1): abuse, fraud, virus, other, not-spam … */
  feedback_type?: string;
  /** A mail system's notice that names no recipient (kind bounce or delay, no recipients): its first words, */
  notice?: string;
  /** … and the reason they give ("User account is expired": suspend; onhold when they give none). */
  notice_reason?: Reason;
}

/** Classifies one message. Any input — garbage, truncated, huge — yields a report, never an exception. */
export function classifyBounce(raw: Buffer | string): BounceReport {
  try {
    let next = nextMessageAt(raw, 0);
    if (next === -1) return classifyView(viewMessage(raw));
    // An mbox file: each message read on its own, at most MBOX_MESSAGES of them.
    const first = viewMessage(raw.slice(0, next));
    let report = classifyView(first);
    const notices = new Set<string>();
    const idOf = (v: MessageView) => header(v.headers, "message-id")?.trim() ?? "";
    notices.add(idOf(first));
    for (let n = 1; next !== -1 && n < MBOX_MESSAGES; n++) {
      const start = next;
      next = nextMessageAt(raw, start);
      const view = viewMessage(raw.slice(start, next === -1 ? raw.length : next));
      // A notice of its own (a Message-ID not seen before) counts each of its recipients; one without a
      // Message-ID or a copy of one already read repeats what was said.
      const id = idOf(view);
      const own = id !== "" && !notices.has(id);
      notices.add(id);
      report = withNext(report, classifyView(view), own);
    }
    return report;
  } catch {
    return { kind: "unknown", recipients: [], original: {} };
  }
}

/** An mbox file holds several messages, each after a "From " line ("From MAILER-DAEMON  Thu Apr 29
 * 23:34:45 2015"). Where the message after the one that begins at `start` begins (its "From " line), or -1.
 * Only a MIME message is known to end: its closing boundary is its last line. A "From " line counts when
 * it comes after that line and an empty line and precedes a header field; anywhere else it is the message's
 * own text (a returned original in mbox form, a quoted line), as the whole body of a non-MIME message is. */
function nextMessageAt(raw: Buffer | string, start: number): number {
  const limit = Math.min(raw.length, MBOX_SEARCH_LIMIT);
  let closing: string | undefined | null = null;
  for (let at = raw.indexOf("From ", start + 1); at !== -1 && at < limit; at = raw.indexOf("From ", at + 5)) {
    const lines = textOf(raw, at, at + 200).split(/\r\n?|\n/, 2);
    if (!MBOX_FROM_LINE.test(lines[0]) || !/^[A-Za-z][A-Za-z0-9-]*:/.test(lines[1] ?? "")) continue;
    closing ??= closingBoundary(raw, start);
    if (closing && endsWithClosing(textOf(raw, Math.max(start, at - closing.length - 8), at), closing))
      return at;
  }
  return -1;
}

/** How far into the input further messages are looked for (the classifier reads 8 MiB of one), and how
 * many messages of an mbox file are read. */
const MBOX_SEARCH_LIMIT = 8 * 1024 * 1024;
const MBOX_MESSAGES = 20;

/** "From " sender, then the date as ctime writes it: "Thu Apr 29 23:34:45 2015", "Thu Jul  2 12:05:05 2020". */
const MBOX_FROM_LINE =
  /^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d\d:\d\d:\d\d \d{4}\s*$/;

function textOf(raw: Buffer | string, from: number, to: number): string {
  return typeof raw === "string" ? raw.slice(from, to) : raw.toString("latin1", from, to);
}

/** The closing boundary line ("--boundary--") of the MIME message that begins at `start`, or undefined. */
function closingBoundary(raw: Buffer | string, start: number): string | undefined {
  const { head } = splitHeaderBody(normaliseLineEndings(textOf(raw, start, start + 65536)));
  const boundary = parseContentType(header(parseHeaders(head), "content-type")).params.boundary;
  return boundary ? `--${boundary}--` : undefined;
}

/** Does the text end with the closing boundary's line, then an empty line or none (the line ending before
 * the "From " line included)? mbox writers put an empty line before each "From " line, but not all do: a
 * "From " line right after the closing line is the next message too (nothing may follow a closing line
 * in a MIME message but its epilogue, and a "From " line with a ctime date and a header field after it
 * is no epilogue). */
function endsWithClosing(text: string, closing: string): boolean {
  const lines = text.split(/\r\n?|\n/);
  // [..., closing, "", ""]: the closing line, the empty line, and what follows the last line ending;
  // [..., closing, ""]: the closing line and what follows its line ending.
  const n = lines.length;
  if (n < 2 || lines[n - 1] !== "") return false;
  if (lines[n - 2].trimEnd() === closing) return true;
  return n >= 3 && lines[n - 2].trim() === "" && lines[n - 3].trimEnd() === closing;
}

/** The report of an mbox file: every message's recipients and the first message's original; the kind of
 * them all when both are delivery reports, else the first message's. A recipient's verdict that `next`
 * repeats is counted once, unless `next` is a notice of its own (`own`): two notices about the same
 * address are two failures (a bounce and the double bounce after it). */
function withNext(first: BounceReport, next: BounceReport, own: boolean): BounceReport {
  if (first.recipients.length === 0) return next;
  if (next.recipients.length === 0) return first;
  const seen = new Set(own ? [] : first.recipients.map((r) => `${r.recipient.toLowerCase()} ${r.reason}`));
  const more = next.recipients.filter((r) => !seen.has(`${r.recipient.toLowerCase()} ${r.reason}`));
  if (more.length === 0) return first;
  const recipients = [...first.recipients, ...more];
  const kind =
    DELIVERY_KINDS.has(first.kind) && DELIVERY_KINDS.has(next.kind) ? kindOf(recipients) : first.kind;
  return { ...first, kind, recipients };
}

const DELIVERY_KINDS = new Set<ReportKind>(["bounce", "delay", "delivered", "relayed"]);

function classifyView(m: MessageView): BounceReport {
  return (
    readSes(m) ??
    readFeedback(m) ??
    readReceipt(m) ??
    readEnclosedReport(m) ??
    readDelivery(m) ??
    readAutoReply(m) ??
    readNamelessNotice(m) ??
    unknown(m)
  );
}

/** A mail system's notice that names no recipient anywhere — "Your email bounced" with the returned message
 * and no report fields, Sendmail's "<<< No Message Collected >>>", GroupWise naming a mailbox without its
 * domain — is still a report about the message it returns: kind bounce (or delay) with no recipients, its
 * first words kept. Matched to one of our messages (its return path, the returned Message-ID), it is about
 * that message's one addressee (observations.ts). Only for notices the mail system signed as such (a
 * delivery-status report, or a message from the mailer-daemon, the postmaster or the null sender) that say a
 * delivery failed: the mailer-daemon's "Your mailbox is over its warning threshold" to a local user is none. */
function readNamelessNotice(m: MessageView): BounceReport | null {
  if (!signedByMailSystem(m) || !saysDeliveryTrouble(m)) return null;
  const notice = sweep(m.reportText.slice(0, 500)) || m.subject;
  const said = outcomeOf({ recipient: "", diagnostic: notice }).reason;
  const notice_reason = said === "delivered" || said === "vacation" || said === "undefined" ? "onhold" : said;
  return {
    kind: m.isDelay() ? "delay" : "bounce",
    recipients: [],
    original: m.original,
    notice,
    notice_reason,
  };
}

function unknown(m: MessageView): BounceReport {
  return { kind: "unknown", recipients: [], original: m.original };
}

// ---- Amazon SES notifications by mail ------------------------------------------------------------

function readSes(m: MessageView): BounceReport | null {
  const n = readSesNotification(m.reportText);
  if (!n || n.evidence.length === 0) return null;
  if (n.kind === "complaint") {
    const recipients = listOf(n.evidence, (e) => ({
      recipient: e.recipient,
      reason: "feedback" as const,
      hard: false,
      status: null,
      action: "",
      diagnostic: e.diagnostic,
    }));
    return { kind: "arf", recipients, original: m.original, feedback_type: n.complaintType ?? "abuse" };
  }
  const recipients = listOf(n.evidence, outcomeOf);
  return { kind: kindOf(recipients), recipients, original: m.original };
}

// ---- RFC 5965 complaint (ARF) -------------------------------------------------------------------

function readFeedback(m: MessageView): BounceReport | null {
  if (isAppleUnsubscribe(m)) return appleUnsubscribe(m);
  const part = m.parts.find((p) => p.type === "message/feedback-report");
  const reportType = m.params["report-type"]?.toLowerCase();
  if (!part && reportType !== "feedback-report" && !isHotmailStyleComplaint(m)) return null;
  const fields = part ? fieldsOf(part.text) : new Map<string, string>();
  const feedbackType = (fields.get("feedback-type") ?? "abuse").toLowerCase();
  // RFC 5965 §3.2: Original-Rcpt-To appears once per recipient of the reported message — one complaint each.
  const named = part ? allFieldValues(part.text, "original-rcpt-to").map(addressValue) : [];
  const listed = [...new Set(named.filter((a): a is string => !!a))];
  const rcpts =
    listed.length > 0
      ? listed
      : [
          addressValue(fields.get("removal-recipient")) ??
            addressValue(m.headers.get("x-hmxmroriginalrecipient")?.[0]) ??
            firstAddress(m.original.to ?? "") ??
            // A report need not name whom the message went to (RFC 5965: Original-Rcpt-To is optional, and
            // feedback loops redact it): it is still one complaint, about the message it encloses.
            "",
        ];
  const diagnostic = sweep(m.reportText.slice(0, 500));
  const recipients = listOf(
    rcpts,
    (recipient): RecipientOutcome => ({
      recipient,
      reason: "feedback",
      hard: false,
      status: null,
      action: "",
      diagnostic,
    }),
  );
  return { kind: "arf", recipients, original: m.original, feedback_type: feedbackType };
}

/** Apple Mail's "Unsubscribe" button mails the List-Unsubscribe mailto: address, marked X-Apple-Unsubscribe:
 * a recipient's opt-out (RFC 5965's feedback type "opt-out"), not an auto-reply, though Auto-Submitted says so. */
function isAppleUnsubscribe(m: MessageView): boolean {
  return (m.headers.get("x-apple-unsubscribe")?.[0] ?? "").trim().toLowerCase() === "true";
}

function appleUnsubscribe(m: MessageView): BounceReport | null {
  const who = m.from ?? firstAddress(m.headers.get("return-path")?.[0] ?? "");
  if (!who) return null;
  const recipient: RecipientOutcome = {
    recipient: who,
    reason: "feedback",
    hard: false,
    status: null,
    action: "",
    diagnostic: sweep(m.reportText.slice(0, 300)) || m.subject,
  };
  return { kind: "arf", recipients: [recipient], original: m.original, feedback_type: "opt-out" };
}

/** Every value of a field that may repeat (fieldsOf keeps the first). */
function allFieldValues(text: string, name: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`^${name}:[ \\t]*(.*)$`, "gim");
  for (let x = re.exec(text); x; x = re.exec(text)) out.push(x[1].trim());
  return out;
}

function isRejection(disposition: string, type: string): boolean {
  return type === "deleted" && /^\s*automatic-action/i.test(disposition);
}

function isHotmailStyleComplaint(m: MessageView): boolean {
  return m.headers.has("x-hmxmroriginalrecipient") || /^complaint about message from/i.test(m.subject);
}

// ---- RFC 8098 read receipt (MDN) ----------------------------------------------------------------

function readReceipt(m: MessageView): BounceReport | null {
  const part = m.parts.find(
    (p) =>
      p.type === "message/disposition-notification" || p.type === "message/global-disposition-notification",
  );
  if (!part) return null;
  const fields = fieldsOf(part.text);
  const disposition = fields.get("disposition") ?? "";
  const kindOfDisposition =
    /;\s*([a-z-]+)/i.exec(disposition)?.[1]?.toLowerCase() ?? disposition.toLowerCase();
  const rcpt =
    addressValue(fields.get("final-recipient")) ??
    addressValue(fields.get("original-recipient")) ??
    m.from ??
    "";
  const original = { ...m.original };
  const omid = fields.get("original-message-id");
  if (omid) original.message_id = omid.trim();
  if (rcpt && isRejection(disposition, kindOfDisposition)) {
    // RFC 5429 (Sieve reject) and Dovecot's LDA refuse a message with an MDN whose disposition is
    // "deleted": not a receipt but a bounce, and the human-readable part says why.
    const diagnostic = sweep(m.reportText.slice(0, 1000));
    const outcome = outcomeOf({
      recipient: rcpt,
      action: "failed",
      diagnostic,
      command: commandOf(diagnostic),
    });
    return { kind: "bounce", original, recipients: [outcome] };
  }
  return {
    kind: "mdn",
    disposition: kindOfDisposition,
    original,
    recipients: rcpt
      ? [
          {
            recipient: rcpt,
            reason: "delivered",
            hard: false,
            status: null,
            action: kindOfDisposition,
            diagnostic: sweep(disposition),
          },
        ]
      : [],
  };
}

// ---- RFC 3464 DSNs and non-standard bounces -----------------------------------------------------

function readDelivery(m: MessageView, depth = 0): BounceReport | null {
  const found = deliveryEvidence(m);
  if (found.length === 0) return null;
  const evidence = m.headers.has("x-nai-header")
    ? listOf(found, mcafeeReading)
    : isSpamSigned(m)
      ? listOf(found, spamSignedReading)
      : found.some(quotesGmailReply)
        ? listOf(found, gmailReading)
        : found;
  const outcomes = listOf(evidence, outcomeOf);
  const recipients = outcomes.some(saysNothing) ? toldByReturnedReport(m, outcomes, depth) : outcomes;
  const envelopeId = m.envelopeId;
  const original = envelopeId ? { ...m.original, envelope_id: envelopeId } : m.original;
  return { kind: kindOf(recipients), recipients, original };
}

/** A failure whose words say nothing we can read ("Unable to deliver message to <x> (and other recipients
 * in the same domain)." is all Trend Micro InterScan's notice may say). */
function saysNothing(r: RecipientOutcome): boolean {
  return r.reason === "onhold" && r.action === "failed";
}

/** The message a notice returns may itself be a delivery report (a bounce that was forwarded, then failed
 * again on its way): when the notice says nothing about why its recipient failed and the returned report
 * says why that same address failed, with a status code, the returned report's words are the only ones
 * there are. Each recipient it says nothing about is read from there; the others stand as they are. */
function toldByReturnedReport(
  m: MessageView,
  outcomes: RecipientOutcome[],
  depth: number,
): RecipientOutcome[] {
  if (depth >= RETURNED_REPORT_DEPTH) return outcomes;
  const returned = m.parts.find((p) => p.type === "message/rfc822" || p.type === "message/global");
  if (!returned?.raw) return outcomes;
  const view = viewMessage(returned.raw);
  if (!view.isBounce()) return outcomes;
  const inner = readDelivery(view, depth + 1)?.recipients ?? [];
  return listOf(outcomes, (r) => {
    if (!saysNothing(r)) return r;
    const address = r.recipient.toLowerCase();
    const told = inner.find((x) => x.recipient.toLowerCase() === address && !saysNothing(x));
    // A report's words carry a status code; a returned message that only looks like a report (our own
    // mail, which may say "delivery failed" and name its recipient in a footer) says nothing here.
    return told && told.reason !== "undefined" && told.status ? { ...told, recipient: r.recipient } : r;
  });
}

/** Reports inside reports are read this deep. */
const RETURNED_REPORT_DEPTH = 2;

/** McAfee's mail appliance (it marks its notices with X-NAI-Header) quotes the reply it was given with
 * no SMTP command; its "550 Unknown user x@y" and "User (x@y) unknown." are about the mailbox, as
 * sisimai's McAfee module reads them, not a filter's refusal after DATA. The appliance's format says
 * so, hence a verdict that stands rather than a reading the no-command rule would overturn. */
function mcafeeReading(e: Evidence): Evidence {
  if (e.mtaVerdict || e.command || !MCAFEE_UNKNOWN_USER.test(e.diagnostic)) return e;
  return { ...e, mtaVerdict: "userunknown" };
}

/** Gmail's notices quote the remote server's reply after their own preamble ("Google tried to deliver your
 * message, but it was rejected by the recipient domain. … The error that the other server returned was:
 * 550 …"): the reply is the evidence, and the preamble's "rejected" is Gmail's, said of every failure. The
 * older kind ends the reply with the step of the SMTP session it answered, as "(state N)": "550 550 <x@y>:
 * User unknown (state 14)." As Gmail's notices and sisimai's Gmail module pair the numbers with the replies,
 * 14 is the recipient (RCPT) and 15, 17 and 18 the message (DATA): a reply about the recipient or about the
 * message. The lower states (6, 8, 9, 12, 13: the sender, TLS and authentication, the greeting) are steps
 * of the session whose replies say what went wrong in their own words and codes; they are not read as a
 * step. The reply's words and code decide the reason. */
const GMAIL_REPLY = "The error that the other server returned was:";
const GMAIL_STATE = /\(state (\d{1,2})\)\.?\s*$/;
const GMAIL_STATE_COMMANDS: Record<string, SmtpCommand> = {
  "14": "RCPT",
  "15": "DATA",
  "17": "DATA",
  "18": "DATA",
};

function quotesGmailReply(e: Evidence): boolean {
  return e.diagnostic.includes(GMAIL_REPLY) && e.diagnostic.includes("Google tried to deliver");
}

function gmailReading(e: Evidence): Evidence {
  if (!quotesGmailReply(e)) return e;
  const reply = e.diagnostic.slice(e.diagnostic.indexOf(GMAIL_REPLY) + GMAIL_REPLY.length).trim();
  if (!reply) return e;
  const state = GMAIL_STATE.exec(reply)?.[1];
  const command = e.command ?? (state ? GMAIL_STATE_COMMANDS[state] : undefined) ?? commandOf(reply);
  return { ...e, diagnostic: reply, command };
}

/** au (KDDI, EZweb) returns a message its spam filter judged with the header "X-SPASIGN: NG": the
 * recipient's filter refused it, whatever else the notice says (sisimai's EZweb module reads it so). */
function isSpamSigned(m: MessageView): boolean {
  return (m.headers.get("x-spasign")?.[0] ?? "").trim().toUpperCase() === "NG";
}

function spamSignedReading(e: Evidence): Evidence {
  return e.mtaVerdict ? e : { ...e, mtaVerdict: "filtered" };
}

const MCAFEE_UNKNOWN_USER = /\b550 unknown user \S+@\S+|\buser \(\S+@\S+\) unknown\./i;

/** A report passed on whole inside a plain-text notice (NTT OCN's mail administration returns the Postfix
 * bounce it received, headers and all, below a bilingual preamble that names only its help desk): the
 * enclosed report is the evidence. A notice with words of its own (a reply code, a status) is a report
 * in its own right, and whatever it encloses is the returned original (a bounce of a bounce). */
function readEnclosedReport(m: MessageView): BounceReport | null {
  const root = m.parts[0];
  if (m.parts.length !== 1 || root?.type !== "text/plain") return null;
  const src = root.raw;
  const at = src.slice(0, 65536).search(ENCLOSED_REPORT);
  if (at <= 0) return null;
  // The header block holding that Content-Type starts after the blank line before it.
  const blank = src.lastIndexOf("\n\n", at);
  if (blank === -1 || at - blank > 16384) return null;
  if (OWN_WORDS.test(src.slice(0, blank))) return null;
  // A dashed line may set it off; from there on, nothing but header lines up to the Content-Type.
  const rule = /^[-=_*]{5,}[ \t]*\n/.exec(src.slice(blank + 2, at));
  const start = blank + 2 + (rule ? rule[0].length : 0);
  if (!/^(?:(?:From |[A-Za-z][A-Za-z0-9-]*:|[ \t])[^\n]*\n)*$/.test(src.slice(start, at))) return null;
  const inner = readDelivery(viewMessage(src.slice(start)));
  return inner && inner.recipients.length > 0 ? inner : null;
}

const ENCLOSED_REPORT = /^Content-Type:[ \t]*multipart\/report/im;
/** An SMTP reply code or an enhanced status code. */
const OWN_WORDS = /(?:^|[^\d.])(?:[245]\d\d[ -]|[245]\.\d{1,3}\.\d{1,3}(?![\d.]))/m;

function kindOf(rs: RecipientOutcome[]): ReportKind {
  if (rs.some((r) => r.reason !== "delivered" && r.action !== "delayed")) return "bounce";
  if (rs.some((r) => r.action === "delayed")) return "delay";
  return rs.every((r) => r.action === "relayed" || r.action === "expanded") ? "relayed" : "delivered";
}

/** Every recipient the report speaks of, with the best words we have for each. */
function deliveryEvidence(m: MessageView): Evidence[] {
  const exclude = m.notRecipients;
  const reportingMta = m.dsn.reportingMta;
  const fromFields = listOf(m.dsn.recipients, (r) => evidenceOfField(r, reportingMta, m.reportText));
  // The human-readable text is read only when the RFC 3464 fields are missing or say too little; for
  // fields, only the words about their own recipient are made evidence of.
  let blocks: TextBlock[] | undefined;
  const textBlocks = () => {
    blocks ??= m.isBounce() ? readTextBlocks(m.reportText, exclude, m.from) : [];
    return blocks;
  };
  const textual = () => listOf(textBlocks(), evidenceOfBlock);
  if (fromFields.length === 0) {
    const own = listServerNotice(m) ?? airmailNotice(m);
    if (own) return own;
    const read = textual();
    const failed = failedRecipientsHeader(m);
    // X-Failed-Recipients names the recipients outright; text readers that found none of them (Exim writes
    // a bare local part, "kijitora", when the address had no domain) found someone else, e.g. the sender.
    const named = new Set(failed.map((e) => e.recipient.toLowerCase()));
    const isNamed = (e: Evidence) => named.has(e.recipient.toLowerCase());
    // A notice that lists its failed addresses under a title of its own (T-Online's "Failed addresses
    // follow:") says whom it is about itself: each address in the list, whatever the header names.
    const listed = failed.length > 0 && read.length > 0 && FAILED_LIST_TITLE.test(m.reportText);
    const readIsAboutThem = failed.length === 0 || listed || read.some(isNamed);
    // When the header names them, other addresses the readers picked up are not failed recipients (Exim's
    // "(ultimately generated from x@y)" names the address the failed one was expanded from).
    const found =
      read.length > 0 && readIsAboutThem
        ? failed.length > 0 && !listed
          ? read.filter(isNamed)
          : read
        : failed;
    if (found.length === 0) return recipientOfEmptyReport(m);
    return listOf(found, (e) => ({ ...e, action: e.action ?? (m.isDelay() ? "delayed" : undefined) }));
  }
  return listOf(fromFields, (e) => {
    const sparse = !/[a-z]{3}/i.test(e.diagnostic.replace(/^\s*smtp;?/i, ""));
    // Fields that name no SMTP command: the text often does ("in reply to RCPT TO command", ">>> DATA").
    if (!sparse && e.command) return e;
    const text = textBlocks();
    const recipient = e.recipient.toLowerCase();
    const block =
      text.find((t) => t.recipient.toLowerCase() === recipient) ??
      text.find((t) => isExpandedFrom(t, recipient)) ??
      (fromFields.length === 1 && text.length === 1 ? text[0] : undefined);
    if (!block) return e;
    const words = evidenceOfBlock(block);
    const command = e.command ?? words.command;
    if (!sparse) return { ...e, command };
    // A DSN with empty or code-only diagnostics: the human-readable part usually says more. The words
    // are then the reporting MTA's own prose (Google's "the address couldn't be found"), not a server's
    // reply quoted in the fields; a reply code in them still counts as quoted.
    return {
      ...e,
      command,
      diagnostic: sweep(`${e.diagnostic} ${words.diagnostic}`),
      reason: e.reason ?? words.reason,
      wordsFromProse: true,
    };
  });
}

/** Exim names the address a failed one was expanded from (an alias, a forward) on the line under it —
 * "  bounce@example.net\n    (generated from kunde@example.org)\n    Unrouteable address" — while its DSN's
 * Final-Recipient is that original address: the block under the expanded address is what was said about it. */
function isExpandedFrom(block: TextBlock, recipient: string): boolean {
  for (const line of block.lines) {
    const m = EXPANDED_FROM.exec(line);
    if (m && m[1].toLowerCase() === recipient) return true;
  }
  return false;
}

const EXPANDED_FROM = /^\s*\((?:ultimately )?generated from <?([^\s<>()]+@[^\s<>()]+?)>?\)\s*$/i;

/** fml, a mailing-list server, answers a post it refused with a notice of its own (no DSN, no reply code,
 * sent from the list's "-admin" address, marked "X-MLServer: fml …"): the subject or the first lines name
 * what it refused and why ("You … are not member (… ML)", "Loop Alert: Duplicated Message-ID (… ML)"), and
 * the list's address stands in angle brackets at the end of a sentence ("… of this mailing list
 * <list@example.org>.", "Duplicated Message-ID in <list@example.org>."): that address is where the post
 * failed. The kind of notice is the reason: a post refused (not a member, refused or spam) is "rejected", a
 * Message-ID seen before breaks RFC 5322's rule that it be unique ("notcompliantrfc"), a mail loop or
 * fml's own error is "systemerror", a security alert "securityerror". */
function listServerNotice(m: MessageView): Evidence[] | undefined {
  if (!FML_SERVER.test(header(m.headers, "x-mlserver") ?? "")) return undefined;
  const text = m.reportText.slice(0, 4000).replace(/^\s+/, "");
  const words = `${m.subject}\n${text}`;
  const kind = FML_NOTICES.find(([, re]) => re.test(words));
  const address = FML_LIST_ADDRESS.exec(text);
  if (!kind || !address || m.notRecipients.has(address[1])) return undefined;
  // The words: the notice's first paragraph.
  const end = text.search(/\n[ \t]*\n/);
  const diagnostic = sweep(end === -1 ? text.slice(0, 500) : text.slice(0, end));
  return [{ recipient: cleanAddress(address[1]), diagnostic, reason: kind[0] }];
}

/** AOL's AIRmail (header "Mailer: AIRmail [v110.15]") wrote its own notice, no report part and no reply code:
 *   Sorry x@example.com. Your mail to the following recipients could not be delivered because they are
 *   not accepting mail with attachments or embedded images:
 *   \tscreenname
 * Each recipient stands indented below the sentence by its screen name, without a domain: an address at
 * the notice's own domain (AOL's MAILER-DAEMON@aol.com). The words after "because" say why. */
function airmailNotice(m: MessageView): Evidence[] | undefined {
  if (!AIRMAIL.test(header(m.headers, "mailer") ?? "")) return undefined;
  const domain = m.from?.slice(m.from.lastIndexOf("@") + 1).toLowerCase();
  const lines = m.reportText.slice(0, 8000).split("\n");
  const at = lines.findIndex((l) => AIRMAIL_BECAUSE.test(l));
  if (!domain || at === -1) return undefined;
  // The sentence may run over more than one line, up to its colon.
  let end = at;
  while (end < lines.length - 1 && !lines[end].trimEnd().endsWith(":")) end++;
  const sentence = lines.slice(at, end + 1).join(" ");
  const why = sweep(sentence.slice(sentence.search(/\bbecause\b/i) + "because".length).replace(/:\s*$/, ""));
  const out: Evidence[] = [];
  for (let i = end + 1; i < lines.length; i++) {
    const name = AIRMAIL_NAME.exec(lines[i]);
    if (!name) break;
    const recipient = name[1].includes("@") ? cleanAddress(name[1]) : `${name[1].toLowerCase()}@${domain}`;
    if (!m.notRecipients.has(recipient)) out.push({ recipient, diagnostic: why });
  }
  return out.length > 0 ? out : undefined;
}

const AIRMAIL = /^\s*AIRmail\b/i;
const AIRMAIL_BECAUSE = /\bcould not be delivered because\b/i;
/** An indented screen name (or address) alone on its line. */
const AIRMAIL_NAME = /^[ \t]+([A-Za-z0-9][\w.+-]*(?:@[\w.-]+)?)[ \t]*$/;

const FML_SERVER = /^\s*fml\b/i;
/** fml's notice titles and first lines, by what they mean. */
const FML_NOTICES: [Reason, RegExp][] = [
  ["notcompliantrfc", /\bduplicated message-id\b/i],
  ["securityerror", /\bsecurity alert\b/i],
  ["systemerror", /\bloop (?:alert|back warning)\b|\bunix from loop\b|\bfml system error\b/i],
  [
    "rejected",
    /\bare not (?:a )?member\b|\bnot member article\b|\breject(?:ed)? mail\b|\bspam mail from a spammer\b|\bnot a member of this mailing list\b/i,
  ],
];
/** An address in angle brackets closing a sentence, at the end of its line. */
const FML_LIST_ADDRESS = /<([^<>\s@]+@[^<>\s]+)>\.[ \t]*$/m;

/** T-Online's (Deutsche Telekom's) notice: "|---- Failed addresses follow: ----|", each address on a line
 * of its own with the reply below it, then "|---- Message header follows: ----|". */
const FAILED_LIST_TITLE = /^\|?-{3,}[ \t]*Failed addresses follow:/m;

/** Sendmail puts only the first line of a multi-line reply ("550-Verification failed for <x>") into the
 * Diagnostic-Code field; the transcript in its notice quotes the whole reply, one "<<< 550-…" line each,
 * and the last line ("<<< 550 Sender verify failed") often says why. Returns the field completed from
 * there (the field itself when the transcript has nothing to add). */
function wholeReply(diagnostic: string, report: string): string {
  const first = MULTILINE_FIRST.exec(diagnostic);
  if (!first) return diagnostic;
  const code = first[1];
  const head = diagnostic.slice(first.index + first[0].indexOf(code)).trim();
  const lines = report.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line.startsWith("<<<") || sweep(line.slice(3)) !== head) continue;
    const more: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const next = /^<<<\s*(\d{3})([- ])(.*)$/.exec(lines[j].trim());
      if (!next || next[1] !== code) break;
      more.push(`${code}${next[2]}${sweep(next[3])}`);
      if (next[2] === " ") break;
    }
    return more.length > 0 ? `${diagnostic} ${more.join(" ")}` : diagnostic;
  }
  return diagnostic;
}

/** A reply code followed by "-": the first of several reply lines. */
const MULTILINE_FIRST = /(?:^|;\s*)([45]\d\d)-(?=\S)/;

/** A report that names nobody: the returned message's To is whom it was about.
 * - A DSN whose delivery-status part has no per-recipient fields (Postfix's "--- Delivery report
 *   unavailable ---"): nothing says why, so no words go with it and the reason stays undefined.
 * - A notice that says why in a reply code but names no address, only the host it was talking to (old
 *   Sendmail's "421 example.com (smtp)... Deferred: Connection timed out", the copy of the message
 *   below it): the notice is the words, when the returned message was sent to one address only. */
function recipientOfEmptyReport(m: MessageView): Evidence[] {
  const to = m.original.to ?? "";
  const recipient = firstAddress(to);
  if (!recipient || m.notRecipients.has(recipient)) return [];
  if (m.parts.some((p) => p.type === "message/delivery-status"))
    return [{ recipient: cleanAddress(recipient), diagnostic: "" }];
  if (!m.isBounce() || addressesIn(to).length !== 1 || !REPLY_CODE_LINE.test(m.reportText)) return [];
  const diagnostic = sweep(m.reportText.slice(0, 4000));
  return [{ recipient: cleanAddress(recipient), diagnostic, command: commandOf(diagnostic) }];
}

/** A line that begins with an SMTP reply code (after white space or Sendmail's "<<<"). */
const REPLY_CODE_LINE = /^[ \t]*(?:<<<[ \t]*)?[45]\d\d[ -]/m;

/** X-Failed-Recipients (Exim, Gmail, T-Online …) names the recipients when the text does not: the lines
 * under the recipient's own line are what was said about it, else the whole report without the returned
 * original. */
function failedRecipientsHeader(m: MessageView): Evidence[] {
  if (!m.isBounce()) return [];
  const values = m.headers.get("x-failed-recipients");
  if (!values) return [];
  let whole: Evidence | undefined;
  let lines: string[] | undefined;
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const a of addressesIn(values.join(","))) {
    const recipient = cleanAddress(a);
    if (seen.has(recipient.toLowerCase())) continue;
    seen.add(recipient.toLowerCase());
    lines ??= m.reportText.split("\n");
    const under = linesUnder(lines, recipient);
    if (under) {
      const diagnostic = sweep(under);
      out.push({ recipient, diagnostic, command: commandOf(diagnostic) });
      continue;
    }
    if (!whole) {
      const diagnostic = sweep(m.reportText.slice(0, 4000));
      whole = { recipient, diagnostic, command: commandOf(diagnostic) };
    }
    out.push({ ...whole, recipient });
  }
  return out;
}

/** Exim lists each failed address on a line of its own, indented, and what happened to it on the lines
 * indented further below ("  kijitora" / "    SMTP error from remote mail server after …"); for an address
 * without a domain (a local delivery) that line holds only the local part, which is why the text readers
 * (they look for addresses) find no one. The lines below the recipient's line, to the next line indented
 * no further or a blank line, or undefined. */
function linesUnder(lines: string[], recipient: string): string | undefined {
  const local = recipient.slice(0, recipient.lastIndexOf("@")).toLowerCase();
  const whole = recipient.toLowerCase();
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i];
    const indent = indentOf(line);
    if (indent === 0 || indent === line.length) continue;
    const named = line.slice(indent).trimEnd().toLowerCase();
    if (named !== local && named !== whole && named !== `<${whole}>`) continue;
    const below: string[] = [];
    for (let j = i + 1; j < lines.length && indentOf(lines[j]) > indent && lines[j].trim() !== ""; j++) {
      below.push(lines[j]);
    }
    if (below.length > 0) return below.join("\n");
  }
  return undefined;
}

/** The number of spaces and tabs a line begins with. */
function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  return i;
}

/** The Final-Recipient is the address that failed (RFC 3464 §2.3.2), unless it is no address one could
 * send to: a mailbox name on an internal host ("user@sims-ms-daemon") or a source route ("@relay:user@host").
 * Then the Original-Recipient, the address the sender wrote, names the recipient. */
function recipientOfField(r: DsnRecipient): string {
  for (const field of [r.finalRecipient, r.originalRecipient, r.actualRecipient]) {
    // A pipe or file the address expanded to ("|/usr/bin/x user@example.com"): the address in it.
    const a = field && /^[|/]/.test(field) ? firstAddress(field) : field;
    if (a && isPlausibleRecipient(a) && !a.startsWith("@")) return a;
  }
  const any = r.finalRecipient || r.originalRecipient || r.actualRecipient || "";
  return any.includes("@") ? any : (r.originalRecipient ?? any);
}

/** What a recipient's DSN fields say; `report` completes a multi-line reply the field cut short. */
function evidenceOfField(r: DsnRecipient, reportingMta: string | undefined, report: string): Evidence {
  const diagnostic = sweep(r.diagnostic ?? statusWords(r.statusComment));
  return {
    recipient: recipientOfField(r),
    action: r.action,
    status: r.status,
    diagnosticType: r.diagnosticType,
    diagnostic: wholeReply(diagnostic, report),
    remoteMta: r.remoteMta,
    command: commandOf(diagnostic),
    mtaVerdict: r.bounceCategory ? POWERMTA_CATEGORIES[r.bounceCategory] : undefined,
    reportingMta,
  };
}

/** The Status field's comment when no Diagnostic-Code says anything: the reporting MTA's words about the
 * recipient, unless they only name the status class ("permanent failure", "transient error"). */
function statusWords(comment: string | undefined): string {
  return comment && !STATUS_CLASS_ONLY.test(comment) ? comment : "";
}

const STATUS_CLASS_ONLY =
  /^(?:(?:permanent|persistent|transient|temporary|fatal)\s+)?(?:failure|error|success|delivery failure|failed)s?\.?$/i;

/** PowerMTA's bounce categories (its documentation's list) in the reasons' vocabulary; categories too
 * broad to name one reason ("other", "bad-connection", "protocol-errors" …) leave the words to decide. */
const POWERMTA_CATEGORIES: Record<string, Reason | undefined> = {
  "bad-mailbox": "userunknown",
  "bad-domain": "hostunknown",
  "inactive-mailbox": "suspend",
  "quota-issues": "mailboxfull",
  "message-expired": "expired",
  "no-answer-from-host": "networkerror",
  "policy-related": "policyviolation",
  "spam-related": "spamdetected",
  "virus-related": "virusdetected",
  "routing-errors": "systemerror",
  "relaying-issues": "norelaying",
};

function outcomeOf(e: Evidence): RecipientOutcome {
  const status = preferStatus(e.status, findStatus(e.diagnostic));
  const facts = factsOf(e, status);
  const reason = decideReason(e, facts);
  const action = e.action ?? (reason === "delivered" ? "delivered" : "failed");
  return {
    recipient: e.recipient,
    reason,
    hard: action === "delayed" ? false : isHard(reason, status ?? facts.replyCode, facts.text),
    status: status ?? null,
    action,
    diagnostic: e.diagnostic,
    ...(e.remoteMta ? { remote_mta: e.remoteMta } : {}),
  };
}

// ---- RFC 3834 auto-replies ----------------------------------------------------------------------

const AUTO_SUBJECT =
  /^\[?(?:auto:|automatyczna odpowied|resposta autom[áa]tica|automaattinen vastaus|automatick[áa] odpov|автоответ|自動応答|自動返信|auto[- ]?response|auto[- ]?reply|automatic reply|automatische antwort|abwesenheitsnotiz|abwesenheit|out of (?:the )?office|away from (?:the )?office|r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica|fuera de la oficina|vacation|on vacation|urlaub|i am out of|ich bin (?:nicht|bis)|autosvar|automatisch antwoord|niet aanwezig|frånvaro)/i;

function readAutoReply(m: MessageView): BounceReport | null {
  if (!isAutoReply(m)) return null;
  const who = m.from ?? firstAddress(m.headers.get("return-path")?.[0] ?? "");
  if (!who) return null;
  return {
    kind: "autoreply",
    original: m.original,
    recipients: [
      {
        recipient: who,
        reason: "vacation",
        hard: false,
        status: null,
        action: "",
        diagnostic: sweep(m.reportText.slice(0, 300)) || m.subject,
      },
    ],
  };
}

function isAutoReply(m: MessageView): boolean {
  if (m.from && isSystemAddress(m.from)) return false;
  const h = (n: string) => (m.headers.get(n)?.[0] ?? "").toLowerCase();
  const subject = m.subject.replace(/^(?:re|aw|fw|wg):\s*/i, "");
  return (
    /^auto-(?:replied|generated|notified)/.test(h("auto-submitted")) ||
    m.headers.has("x-autoreply") ||
    m.headers.has("x-autorespond") ||
    /oof|autoreply/.test(h("x-auto-response-suppress")) ||
    h("x-apple-action") === "vacation" ||
    h("precedence") === "auto_reply" ||
    AUTO_SUBJECT.test(subject) ||
    /\b(?:out of (?:the )?office|abwesenheitsnotiz|automatische antwort|auto(?:matic)? reply)\b/i.test(
      subject,
    )
  );
}

// ---- small helpers ------------------------------------------------------------------------------

function fieldsOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let last = "";
  for (const line of text.split("\n")) {
    if (/^\s/.test(line) && last) {
      out.set(last, `${out.get(last)} ${line.trim()}`);
      continue;
    }
    const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
    if (!m) continue;
    last = m[1].toLowerCase();
    if (!out.has(last)) out.set(last, m[2].trim());
  }
  return out;
}

function addressValue(v: string | undefined): string | undefined {
  if (!v) return undefined;
  return firstAddress(v.replace(/^[a-z0-9-]+;/i, ""));
}
