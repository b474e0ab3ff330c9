// DKIM signing (RFC 6376), relaxed/relaxed with RSA-SHA256. Nodemailer has a DKIM signer, but its package
// exports only the top-level module and addressparser (no `nodemailer/lib/dkim` entry in its "exports"), so
// it cannot be imported cleanly; and the sending path builds raw MIME itself (src/delivery/mime.ts). This is
// the small signer over node:crypto, applied to the finished bytes so that what is stored is what left.
import { createHash, createSign } from "node:crypto";

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

/** Returns the message with a DKIM-Signature field prepended. */
export function dkimSign(raw: Buffer, key: DkimKey, now: Date = new Date()): Buffer {
  const { headers, body } = splitMessage(raw);
  const bh = createHash("sha256").update(relaxedBody(body), "latin1").digest("base64");
  const signed = fieldsToSign(headers);
  const tags = [
    "v=1",
    "a=rsa-sha256",
    "c=relaxed/relaxed",
    `d=${key.domain}`,
    `s=${key.selector}`,
    `t=${Math.floor(now.getTime() / 1000)}`,
    `h=${signed.map((h) => h.name.toLowerCase()).join(":")}`,
    `bh=${bh}`,
  ];
  // Folded for line length; relaxed canonicalisation unfolds it again before hashing.
  const unsigned = `DKIM-Signature: ${tags.join(";\r\n ")};\r\n b=`;
  const data = `${signed.map((h) => `${relaxedHeader(h.raw)}\r\n`).join("")}${relaxedHeader(unsigned)}`;
  const b = createSign("RSA-SHA256").update(data, "latin1").sign(key.privateKey, "base64");
  return Buffer.concat([Buffer.from(`${unsigned}${b}\r\n`, "latin1"), raw]);
}
