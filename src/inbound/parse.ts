// Reads an inbound message into the view the classifier works on: its headers, its parts, the
// RFC 3464 fields, the human-readable report text without the returned original, and the headers of
// the original message (RFC 3462 text/rfc822-headers or message/rfc822) for matching it to what we sent.
import { isAscii } from "node:buffer";
import { listOf } from "./arrays.js";
import { type DsnReport, readDeliveryStatus } from "./dsn.js";
import { cleanAddress, firstAddress } from "./evidence.js";
import {
  decodeCharset,
  decodeWords,
  flattenParts,
  type HeaderMap,
  header,
  type MimePart,
  normaliseLineEndings,
  parseMime,
  readFields,
  splitHeaderBody,
} from "./mime.js";
import { type NotRecipients, stripOriginal } from "./text.js";

export interface OriginalHeaders {
  message_id?: string;
  envelope_id?: string;
  return_path?: string;
  from?: string;
  to?: string;
  subject?: string;
  /** X-… headers of the original (e.g. our own message id), lower-cased names. */
  x_headers?: Record<string, string>;
}

export interface MessageView {
  /** The message's header fields, without the trace and signature fields no reader asks for (Received,
   * DKIM/ARC signatures, Authentication-Results: parseMime passes them over). */
  headers: HeaderMap;
  /** Parameters of the top-level Content-Type (report-type, boundary …). */
  params: Record<string, string>;
  subject: string;
  from?: string;
  parts: MimePart[];
  dsn: DsnReport;
  envelopeId?: string;
  /** Human-readable report text, the returned original cut off. */
  reportText: string;
  original: OriginalHeaders;
  /** The sender side and the reporting system: never a failed recipient. */
  notRecipients: NotRecipients;
  /** Does it present itself as a delivery failure notice at all? (decided on first ask) */
  isBounce(): boolean;
  /** Does it say it is only a delay warning? (decided on first ask) */
  isDelay(): boolean;
}

/** Reports put their evidence first; beyond this the rest is the returned original. */
const MAX_INPUT = 8 * 1024 * 1024;

/** Bytes as a latin1 string (one char per byte), line endings normalised. */
export function byteString(raw: Buffer | string): string {
  let s: string;
  if (typeof raw === "string") {
    // A JS string may carry decoded non-Latin-1 text; keep it as UTF-8 bytes.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: testing for characters beyond latin1
    s = /[^\u0000-\u00ff]/.test(raw) ? Buffer.from(raw, "utf8").toString("latin1") : raw;
    if (s.length > MAX_INPUT) s = s.slice(0, MAX_INPUT);
  } else {
    s = raw.toString("latin1", 0, Math.min(raw.length, MAX_INPUT));
  }
  return normaliseLineEndings(s);
}

export function viewMessage(raw: Buffer | string): MessageView {
  // Bytes known to be ASCII (one fast pass over the buffer) spare every text part its own search for
  // bytes above 0x7f.
  const ascii = typeof raw !== "string" && isAscii(raw.subarray(0, MAX_INPUT));
  const root = parseMime(byteString(raw), ascii);
  const parts = flattenParts(root);
  const headers = root.headers;
  const subject = decodeWords(decodeCharset(header(headers, "subject") ?? "", "utf-8")).trim();
  const fromHeader = header(headers, "from") ?? "";
  const from = firstAddress(fromHeader);
  const dsnParts: MimePart[] = [];
  // A mailer that labels its human-readable notice message/delivery-status too (Cricket's SMS gateway: "This
  // Message was undeliverable due to the following reason: <x@y> has restricted SMS e-mail") wrote prose, not
  // fields: read as the text it is.
  const prose: string[] = [];
  for (const p of parts) {
    if (p.type !== "message/delivery-status" && p.type !== "message/global-delivery-status") continue;
    if (DSN_FIELD.test(p.text) || !/[a-z]{3}/i.test(p.text)) dsnParts.push(p);
    else prose.push(p.text);
  }
  const textParts = prose.length ? [...prose, ...readableParts(parts)] : readableParts(parts);
  const allText = textParts.join("\n");
  const { report, original: inlineOriginal } = stripOriginal(allText);
  const dsn = readDsn(dsnParts, report);
  const original = readOriginal(parts, inlineOriginal);
  const view = new View(headers, root.params, subject, from, parts, dsn, report, original);
  view.notRecipients = new SenderSide(view, fromHeader);
  return view;
}

/** The view as a class whose two questions are methods that keep their answer in a field, decided only
 * when a reader asks (a DSN with complete fields never needs them). Not closures assigned per message:
 * V8 kept every message's closures — and through their context the whole parsed message — alive across
 * young-generation collections until the next full one (a profile of the fixtures showed 26–40 % of each
 * scavenge surviving and the collector at a quarter of the classifier's time; with methods, 0.1 %). */
class View implements MessageView {
  envelopeId?: string;
  notRecipients: NotRecipients = NOBODY;
  private bounce?: boolean;
  private delay?: boolean;

  constructor(
    readonly headers: HeaderMap,
    readonly params: Record<string, string>,
    readonly subject: string,
    readonly from: string | undefined,
    readonly parts: MimePart[],
    readonly dsn: DsnReport,
    readonly reportText: string,
    readonly original: OriginalHeaders,
  ) {
    this.envelopeId = dsn.envelopeId;
  }

  isBounce(): boolean {
    this.bounce ??= this.dsn.recipients.length > 0 || looksLikeBounce(this);
    return this.bounce;
  }

  isDelay(): boolean {
    this.delay ??= looksLikeDelay(this);
    return this.delay;
  }
}

const NOBODY: NotRecipients = { has: () => false };

/** A field of RFC 3464's delivery-status body, at the start of a line. */
const DSN_FIELD =
  /^(?:Reporting-MTA|Final-Recipient|Original-Recipient|Action|Status|Diagnostic-Code|Remote-MTA|Arrival-Date|Received-From-MTA|X-[\w-]+)[ \t]*:/im;

/** Text of the human-readable parts, in order (HTML only when there is no plain text). */
function readableParts(parts: MimePart[]): string[] {
  // A multipart whose boundary never occurs was kept as one text (mime.ts): it is the report itself.
  const plain = parts.filter(
    (p) =>
      p.children.length === 0 &&
      (p.type === "text/plain" || p.type === "text" || (p.type.startsWith("multipart/") && p.text !== "")),
  );
  if (plain.length) return listOf(plain, (p) => p.text);
  const html = parts.filter((p) => p.type === "text/html");
  if (html.length) return listOf(html, (p) => htmlToText(p.text));
  // A single part of an unusual type (e.g. no Content-Type at all but a non-text default).
  return listOf(
    parts.filter((p) => p.children.length === 0 && p.type.startsWith("text/")),
    (p) => p.text,
  );
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, " ")
    .replace(/<br\s*\/?>|<\/p>|<\/div>|<\/tr>|<\/li>|<\/h\d>/gi, "\n")
    .replace(/<[^>]{0,2000}>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/[ \t]+/g, " ")
    .replace(/\n\s*\n\s*\n+/g, "\n\n");
}

function readDsn(dsnParts: MimePart[], report: string): DsnReport {
  for (const p of dsnParts) {
    const r = readDeliveryStatus(p.text);
    if (r.recipients.length) return r;
  }
  // Some MTAs write the RFC 3464 fields into the text itself.
  if (/^(?:Final|Original)-Recipient:/im.test(report) && /^(?:Action|Status):/im.test(report)) {
    return readDeliveryStatus(report);
  }
  const first = dsnParts[0];
  return first ? readDeliveryStatus(first.text) : { recipients: [] };
}

function readOriginal(parts: MimePart[], inline: string): OriginalHeaders {
  const enclosed = parts.find(
    (p) =>
      p.type === "message/rfc822" ||
      p.type === "message/global" ||
      p.type === "text/rfc822-headers" ||
      p.type === "message/rfc822-headers" ||
      p.type === "message/global-headers",
  );
  let head = "";
  if (enclosed) {
    const src = enclosed.text || enclosed.raw;
    head = splitHeaderBody(src.replace(/^\n+/, "")).head;
  } else if (inline) {
    // Skip the marker line(s), then read the header block that follows.
    const start = inline.search(/^[A-Za-z][A-Za-z0-9-]*: /m);
    head = start === -1 ? "" : splitHeaderBody(inline.slice(start)).head;
  }
  return head ? originalFrom(head) : {};
}

/** The original's fields read, in readFields' order. */
const ORIGINAL_FIELDS = ["message-id", "return-path", "from", "to", "subject"];

/** The original's fields from its header block, read in one walk (readFields: the values of what is
 * read, as its header map would give them, without building the map). */
function originalFrom(head: string): OriginalHeaders {
  const o: OriginalHeaders = {};
  const x: Record<string, string> = {};
  const [mid, rp, from, to, subject] = readFields(head, ORIGINAL_FIELDS, 30, x);
  if (mid) o.message_id = mid.trim();
  if (rp) o.return_path = firstAddress(rp) ?? rp.trim();
  if (from) o.from = decodeWords(from).trim();
  if (to) o.to = decodeWords(to).trim();
  if (subject) o.subject = decodeWords(subject).trim();
  let kept = 0;
  for (const name in x) {
    x[name] = x[name].slice(0, 500);
    kept++;
  }
  if (kept) o.x_headers = x;
  return o;
}

/** The sender side's addresses: the report's From and To, the original's From and Return-Path. A class,
 * not a closure over a set (see View); the addresses are collected on the first question, as only the
 * text readers ask (a DSN whose fields say enough never does). */
class SenderSide implements NotRecipients {
  private addresses?: Set<string>;

  constructor(
    private readonly view: MessageView,
    private readonly fromHeader: string,
  ) {}

  has(a: string): boolean {
    this.addresses ??= this.collect();
    return this.addresses.has(cleanAddress(a).toLowerCase());
  }

  private collect(): Set<string> {
    const addresses = new Set<string>();
    const m = this.view;
    for (const v of [this.fromHeader, header(m.headers, "to"), m.original.from, m.original.return_path]) {
      const a = v ? firstAddress(v) : undefined;
      if (a) addresses.add(cleanAddress(a).toLowerCase());
    }
    return addresses;
  }
}

const BOUNCE_SUBJECT =
  /undeliver|undelivered|not delivered|non[- ]?deliver|delivery (?:status|fail|problem|notification|report)|failure notice|failed|returned mail|mail delivery|mail system error|could not be delivered|couldn't be delivered|rejected|bounce|unzustellbar|nicht zustellbar|zustellung|unable to deliver|returning message|non remis|delayed|warning: could not send|message not delivered|nondeliverable|delivery has failed|mail error|error sending|returned to sender|dsn|permanent error|temporary error|notificaci[oó]n|no entregado|non recapitato|problem delivering|undeliverable/i;

const BOUNCE_FROM =
  /mailer-daemon|post_?master|mail delivery|mail-daemon|mailerdaemon|delivery subsystem|mail administrator|mail system|daemon@|bounce/i;

const BOUNCE_BODY =
  /This is the mail system at host|This is the qmail-send program|This message was created automatically by mail delivery software|The following addresses had permanent fatal errors|Delivery has failed to these recipients|could not be delivered to|couldn't be delivered to|was not delivered to|did not reach the following recipient|Your message did not reach|permanent error|I'm sorry to have to inform you|could not deliver|unable to deliver|delivery to the following recipient|Delivery to the following recipients failed|undeliverable|following address(?:es)? failed|Transcript of session follows|Diagnostic-Code:|Remote host said|Your message cannot be delivered|message could not be delivered|delivery failed|has not yet been delivered|Zustellung|nicht zugestellt|failed recipient|mail has been returned|returned mail|message was undeliverable|could not be sent|requested action not taken/i;

/** The notice itself says a delivery failed or was delayed (its subject or its words), whoever sent it. */
export function saysDeliveryTrouble(m: MessageView): boolean {
  return BOUNCE_SUBJECT.test(m.subject) || BOUNCE_BODY.test(m.reportText.slice(0, 20000));
}

/** The mail system signed it as its own report: a delivery-status report, or a message from the
 * mailer-daemon, the postmaster or the like, or from "<>" (the null reverse path as author, which only a
 * mail system writes about a message it got). */
export function signedByMailSystem(m: MessageView): boolean {
  if (m.params["report-type"]?.toLowerCase() === "delivery-status") return true;
  const from = header(m.headers, "from") ?? "";
  return BOUNCE_FROM.test(from) || from.trim() === "<>";
}

function looksLikeBounce(m: MessageView): boolean {
  // A report from the mail system itself is a bounce unless it says otherwise.
  if (signedByMailSystem(m) || m.headers.has("x-failed-recipients")) return true;
  return saysDeliveryTrouble(m);
}

function looksLikeDelay(m: MessageView): boolean {
  return (
    /delay|warning: could not send|still being retried|not yet been delivered|temporar/i.test(m.subject) ||
    /has not yet been delivered|will continue to (?:try|be)|will be retried|still trying|This is a warning message only|still being retried|Delay reason:|no action is required on your part/i.test(
      m.reportText.slice(0, 20000),
    )
  );
}
