// Building the MIME message (RFC 5322, RFC 2045–2047, RFC 2231) exactly once per message. The bytes are
// stored (messages.raw_mime) and handed to the transport unchanged, so GET /v1/messages/{id}/raw returns
// what left. The structure is assembled here directly — a flat string join instead of MailComposer's
// stream tree, which cost ~0.7 ms per message and was the largest CPU item on the sending path — while
// the header encodings (encoded words, folding, RFC 2231 parameters, MIME types) are Nodemailer's own
// well-tested code, and quoted-printable is a table-driven encoder (qp.ts) checked against a decoder.
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import * as mimeFuncs from "nodemailer/lib/mime-funcs";
import { encodeQuotedPrintableInto } from "./qp.js";

export interface StoredAttachment {
  filename: string;
  content_type?: string | null;
  content_base64: string;
}

export interface MimeInput {
  message_id_header: string;
  from_address: string;
  from_name: string | null;
  to_address: string;
  reply_to: string | null;
  subject: string | null;
  text_body: string | null;
  html_body: string | null;
  attachments: StoredAttachment[];
  read_receipt: boolean;
}

/** A message row's columns that its MIME is built from (messages, claimColumns in store.ts). */
export interface MimeSource extends Omit<MimeInput, "to_address" | "attachments"> {
  to_address: string | null;
  attachments: unknown;
}

export function mimeInput(m: MimeSource): MimeInput {
  return {
    message_id_header: m.message_id_header,
    from_address: m.from_address,
    from_name: m.from_name,
    to_address: m.to_address ?? "",
    reply_to: m.reply_to,
    subject: m.subject,
    text_body: m.text_body,
    html_body: m.html_body,
    attachments: (Array.isArray(m.attachments) ? m.attachments : []) as StoredAttachment[],
    read_receipt: m.read_receipt,
  };
}

const CRLF = "\r\n";
/** RFC 5322 §2.1.1: lines SHOULD stay within 78 characters; folded headers and encoded bodies do. */
const LINE = 76;

/** One header field, folded at white space (RFC 5322 §2.2.3). */
function header(name: string, value: string): string {
  return mimeFuncs.foldLines(`${name}: ${value}`, LINE).replace(/\r?\n$/, "");
}

/** Unstructured text (Subject): plain when it is ASCII, RFC 2047 encoded words otherwise. */
function unstructured(value: string): string {
  return mimeFuncs.encodeWords(value, "Q", 52);
}

/** RFC 5322 §3.4 display name: an atom, a quoted string, or RFC 2047 encoded words when not ASCII. */
function mailbox(address: string, name: string | null): string {
  if (!name) return address;
  let phrase: string;
  if (/^[\w ]*$/.test(name)) phrase = name;
  else if (/^[\x20-\x7e]*$/.test(name)) phrase = `"${name.replace(/([\\"])/g, "\\$1")}"`;
  else phrase = mimeFuncs.encodeWord(name, "Q", 52);
  return `${phrase} <${address}>`;
}

/** RFC 5322 §3.3 date-time, always in UTC. */
function rfc5322Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, "+0000");
}

/** A piece of a message being built: text, or quoted-printable bytes still in their encoder's output area
 * (qp.ts), copied once into the message's bytes by assemble(). */
type Chunk = string | Uint8Array;

/** Text parts: 7bit when the text is plain ASCII with short lines, quoted-printable otherwise. Line breaks
 * become CRLF either way (RFC 2045 §2.10: a text body's line break is CRLF). `slot` is the encoder's output
 * area for this part (a message's text and HTML parts use different ones). */
function textPart(subtype: "plain" | "html", text: string, slot: 0 | 1): Chunk[] {
  const head = header("Content-Type", `text/${subtype}; charset=utf-8`);
  if (/^[\t\x20-\x7e\r\n]*$/.test(text)) {
    // Most texts have bare LF line breaks: replaceAll is several times cheaper than the regular expression.
    const crlf = text.includes("\r") ? text.replace(/\r\n|\r|\n/g, CRLF) : text.replaceAll("\n", CRLF);
    if (!crlf.split(CRLF).some((l) => l.length > 998))
      return [[head, header("Content-Transfer-Encoding", "7bit"), "", crlf].join(CRLF)];
  }
  // The encoder takes any line breaks and writes CRLF, straight from the text's UTF-8 into its output area.
  return [
    [head, header("Content-Transfer-Encoding", "quoted-printable"), "", ""].join(CRLF),
    encodeQuotedPrintableInto(text, slot),
  ];
}

function attachmentPart(a: StoredAttachment): string {
  const type = a.content_type || mimeFuncs.detectMimeType(a.filename) || "application/octet-stream";
  const base64 = Buffer.from(a.content_base64, "base64").toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += LINE) lines.push(base64.slice(i, i + LINE));
  return [
    header("Content-Type", mimeFuncs.buildHeaderValue({ value: type, params: { name: a.filename } })),
    header("Content-Transfer-Encoding", "base64"),
    header(
      "Content-Disposition",
      mimeFuncs.buildHeaderValue({ value: "attachment", params: { filename: a.filename } }),
    ),
    "",
    lines.join(CRLF),
  ].join(CRLF);
}

/** Multipart boundaries of one message: derived from its id, so that the same message built again with the
 * same Date gives the same bytes (the stored recipe, migration 201), and unknown to whoever wrote the
 * content before the id existed. "=_" never occurs inside quoted-printable or base64 content. */
class Boundaries {
  private n = 0;
  constructor(private readonly seed: string) {}

  next(): string {
    const digest = createHash("sha256")
      .update(`${this.seed}:${this.n++}`)
      .digest("hex");
    return `=_ps_${digest.slice(0, 24)}`;
  }
}

function multipart(subtype: "alternative" | "mixed", parts: Chunk[][], boundaries: Boundaries): Chunk[] {
  const b = boundaries.next();
  const out: Chunk[] = [`${header("Content-Type", `multipart/${subtype}; boundary="${b}"`)}${CRLF}${CRLF}`];
  parts.forEach((p, i) => {
    out.push(`${i === 0 ? "" : CRLF}--${b}${CRLF}`, ...p);
  });
  out.push(`${CRLF}--${b}--`);
  return out;
}

/** The body entity: text, HTML, both as alternatives, and attachments around them. */
function bodyEntity(m: MimeInput, boundaries: Boundaries): Chunk[] {
  const texts: Chunk[][] = [];
  if (m.text_body !== null) texts.push(textPart("plain", m.text_body, 0));
  if (m.html_body !== null) texts.push(textPart("html", m.html_body, 1));
  if (texts.length === 0) texts.push(textPart("plain", "", 0));
  const content = texts.length === 1 ? texts[0] : multipart("alternative", texts, boundaries);
  if (m.attachments.length === 0) return content;
  return multipart("mixed", [content, ...m.attachments.map((a) => [attachmentPart(a)])], boundaries);
}

/** Whether the chunks, taken together, end with CRLF. */
function endsWithCrlf(chunks: Chunk[]): boolean {
  // The last two characters (code units of a string, bytes of an encoded part; CR and LF are the same in
  // both), read from the end across chunk borders.
  let wanted = 10; // LF, then CR
  for (let i = chunks.length - 1; i >= 0; i--) {
    const c = chunks[i];
    for (let k = c.length - 1; k >= 0; k--) {
      const code = typeof c === "string" ? c.charCodeAt(k) : c[k];
      if (code !== wanted) return false;
      if (wanted === 13) return true;
      wanted = 13;
    }
  }
  return false;
}

/** The chunks' bytes in one buffer: each string is written as UTF-8 once, each encoded part copied once. */
function assemble(chunks: Chunk[]): Buffer {
  let size = 0;
  for (const c of chunks) size += typeof c === "string" ? Buffer.byteLength(c, "utf8") : c.length;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const c of chunks) {
    if (typeof c === "string") o += out.write(c, o, "utf8");
    else {
      out.set(c, o);
      o += c.length;
    }
  }
  return out;
}

/** The message's bytes: the same input and Date always give the same bytes (see Boundaries). */
export function buildMime(m: MimeInput, date: Date): Buffer {
  const head = [
    header("From", mailbox(m.from_address, m.from_name)),
    header("To", mailbox(m.to_address, null)),
    ...(m.reply_to ? [header("Reply-To", mailbox(m.reply_to, null))] : []),
    header("Subject", unstructured(m.subject ?? "")),
    header("Date", rfc5322Date(date)),
    header("Message-ID", m.message_id_header),
    // RFC 8098 §2.1: the read receipt goes to the sender (or whoever the sender says replies go to).
    ...(m.read_receipt ? [header("Disposition-Notification-To", m.reply_to ?? m.from_address)] : []),
    header("MIME-Version", "1.0"),
  ];
  const body = bodyEntity(m, new Boundaries(m.message_id_header));
  // A message ends with a line break (RFC 5321 §4.1.1.4); a text that already ends with one gets no second.
  return assemble([`${head.join(CRLF)}${CRLF}`, ...body, endsWithCrlf(body) ? "" : CRLF]);
}

/** What proves that a rebuilt message is the one that left (messages.mime_sha256). */
export function mimeDigest(raw: Buffer): string {
  return createHash("sha256").update(raw).digest("base64");
}

// The stored form of the MIME on PGlite (migrations 031, 033): gzip at its fastest level shrinks a 6 KB
// message to a quarter or less, and on PGlite the bytes that cross into the database are what the hot path
// pays for. unpackMime reads either form.
const GZIP_MAGIC = [0x1f, 0x8b];

export function packMime(raw: Buffer): Buffer {
  return gzipSync(raw, { level: 1 });
}

/** The exact bytes that left. A message stored uncompressed (never starts with 0x1f 0x8b: an RFC 5322
 * message starts with a header name) is returned as it is. */
export function unpackMime(stored: Buffer): Buffer {
  return stored[0] === GZIP_MAGIC[0] && stored[1] === GZIP_MAGIC[1] ? gunzipSync(stored) : stored;
}
