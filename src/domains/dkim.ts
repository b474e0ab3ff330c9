// DKIM signing (RFC 6376), relaxed/relaxed with RSA-SHA256. Nodemailer has a DKIM signer, but its package
// exports only the top-level module and addressparser (no `nodemailer/lib/dkim` entry in its "exports"), so
// it cannot be imported cleanly; and the sending path builds raw MIME itself (src/delivery/mime.ts). This is
// the small signer over node:crypto, applied to the finished bytes so that what is stored is what left.
import { createHash, createPrivateKey, createSign, type KeyObject } from "node:crypto";

export interface DkimKey {
  domain: string;
  selector: string;
  /** PEM (PKCS#8 or PKCS#1) RSA private key. */
  privateKey: string;
}

/** Header fields signed when present: those a forger would want to change, and those a receiver shows. */
const SIGNED_HEADERS = [
  "from",
  "sender",
  "reply-to",
  "subject",
  "date",
  "message-id",
  "to",
  "cc",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
  "in-reply-to",
  "references",
  "list-id",
  "list-unsubscribe",
  "list-unsubscribe-post",
];

export interface HeaderField {
  name: string;
  /** The whole field as it appears, folding included, without the final line break. */
  raw: string;
}

/** Splits a message into its header fields and body at the first empty line (CRLF or LF endings). */
export function splitMessage(raw: Buffer): { headers: HeaderField[]; body: string } {
  const text = raw.toString("latin1");
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const body = m ? text.slice(m.index + m[0].length) : "";
  const headers: HeaderField[] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) headers[headers.length - 1].raw += `\r\n${line}`;
    else if (line.length > 0) headers.push({ name: line.slice(0, line.indexOf(":")).trim(), raw: line });
  }
  return { headers, body };
}

/** RFC 6376 §3.4.2: lower-case name, unfolded, runs of white space as one space, none around the colon. */
export function relaxedHeader(raw: string): string {
  const colon = raw.indexOf(":");
  const name = raw.slice(0, colon).trim().toLowerCase();
  const value = raw
    .slice(colon + 1)
    .replace(/\r?\n/g, "")
    .replace(/[ \t]+/g, " ")
    .trim();
  return `${name}:${value}`;
}

/** RFC 6376 §3.4.4: trailing white space off each line, runs as one space, no empty lines at the end. */
export function relaxedBody(body: string): string {
  const lines = body.split(/\r?\n/).map((l) => l.replace(/[ \t]+/g, " ").replace(/ $/, ""));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.length === 0 ? "" : `${lines.join("\r\n")}\r\n`;
}

/** Signed fields, bottom-up per name as §5.4.2 asks when a name repeats. */
function fieldsToSign(headers: HeaderField[]): HeaderField[] {
  const out: HeaderField[] = [];
  for (const name of SIGNED_HEADERS) {
    const same = headers.filter((h) => h.name.toLowerCase() === name);
    if (same.length > 0) out.push(same[same.length - 1]);
  }
  return out;
}

/** A key ready to sign with: the PEM is parsed once, not once per message (a campaign signs thousands). */
export interface DkimSigner {
  readonly domain: string;
  readonly selector: string;
  /** The message with a DKIM-Signature field prepended; t= is `now` in whole seconds. RSA PKCS#1 v1.5 is
   * deterministic, so the same message, key and time give the same bytes (campaign mail is rendered again
   * for GET …/raw and checked against the SHA-256 taken when it left). */
  sign(raw: Buffer, now: Date): Buffer;
}

const parsedKeys = new Map<string, KeyObject>();

function keyObject(pem: string): KeyObject {
  let k = parsedKeys.get(pem);
  if (!k) {
    k = createPrivateKey(pem);
    if (parsedKeys.size > 256) parsedKeys.clear();
    parsedKeys.set(pem, k);
  }
  return k;
}

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;

/** true when relaxed body canonicalisation (§3.4.4) would leave these bytes as they are: CRLF line ends
 * only, no tab, no run of spaces, no space before a line end, and exactly one line break at the end. Such a
 * body (campaign mail is quoted-printable, which encodes trailing blanks) is hashed without being copied
 * into a string and split; any other body goes through relaxedBody. */
export function isRelaxedCanonical(body: Buffer): boolean {
  const n = body.length;
  if (n < 3 || body[n - 2] !== CR || body[n - 1] !== LF) return false;
  if (n >= 4 && body[n - 4] === CR && body[n - 3] === LF) return false;
  for (let i = 0; i < n; i++) {
    const b = body[i];
    if (b === TAB) return false;
    if (b === SPACE) {
      const next = body[i + 1];
      if (next === SPACE || next === CR) return false;
    } else if (b === LF) {
      if (i === 0 || body[i - 1] !== CR) return false;
    } else if (b === CR && body[i + 1] !== LF) return false;
  }
  return true;
}

/** The relaxed body hash (bh=) of the bytes after the header block. */
function bodyHash(body: Buffer): string {
  const h = createHash("sha256");
  if (isRelaxedCanonical(body)) h.update(body);
  else h.update(relaxedBody(body.toString("latin1")), "latin1");
  return h.digest("base64");
}

/** The header block's fields and the body's bytes; only the (short) header block becomes a string. */
function splitAtBody(raw: Buffer): { headers: HeaderField[]; body: Buffer } {
  const crlf = raw.indexOf("\r\n\r\n");
  if (crlf === -1) {
    const { headers, body } = splitMessage(raw);
    return { headers, body: Buffer.from(body, "latin1") };
  }
  const head = raw.subarray(0, crlf);
  for (let i = head.indexOf(LF); i !== -1; i = head.indexOf(LF, i + 1)) {
    if (i === 0 || head[i - 1] !== CR) {
      // A bare LF may end the header block earlier: the general parser finds where.
      const { headers, body } = splitMessage(raw);
      return { headers, body: Buffer.from(body, "latin1") };
    }
  }
  const { headers } = splitMessage(head);
  return { headers, body: raw.subarray(crlf + 4) };
}

export function dkimSigner(key: DkimKey): DkimSigner {
  const privateKey = keyObject(key.privateKey);
  return {
    domain: key.domain,
    selector: key.selector,
    sign(raw, now) {
      const { headers, body } = splitAtBody(raw);
      const signed = fieldsToSign(headers);
      const tags = [
        "v=1",
        "a=rsa-sha256",
        "c=relaxed/relaxed",
        `d=${key.domain}`,
        `s=${key.selector}`,
        `t=${Math.floor(now.getTime() / 1000)}`,
        `h=${signed.map((h) => h.name.toLowerCase()).join(":")}`,
        `bh=${bodyHash(body)}`,
      ];
      // Folded for line length; relaxed canonicalisation unfolds it again before hashing.
      const unsigned = `DKIM-Signature: ${tags.join(";\r\n ")};\r\n b=`;
      const data = `${signed.map((h) => `${relaxedHeader(h.raw)}\r\n`).join("")}${relaxedHeader(unsigned)}`;
      const b = createSign("RSA-SHA256").update(data, "latin1").sign(privateKey, "base64");
      return Buffer.concat([Buffer.from(`${unsigned}${b}\r\n`, "latin1"), raw]);
    },
  };
}

/** Returns the message with a DKIM-Signature field prepended. */
export function dkimSign(raw: Buffer, key: DkimKey, now: Date = new Date()): Buffer {
  return dkimSigner(key).sign(raw, now);
}
