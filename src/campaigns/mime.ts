// The MIME message of a serial e-mail (RFC 5322, RFC 2045–2047), compiled once per run: every header and
// MIME part header that is the same for all recipients is a ready Buffer, and each message is the
// concatenation of those with its own few header lines and its two encoded bodies (DESIGN §3.5: "the hot
// path must not rebuild per message what is constant per campaign"). Building a message through
// Nodemailer's composer costs ~0.7 ms; this costs a few microseconds plus the quoted-printable passes.
import * as mimeFuncs from "nodemailer/lib/mime-funcs";
import { campaignQp } from "../delivery/qp.js";

const CRLF = "\r\n";
const LINE = 76;

/** The header fields a run shares, and what varies per message. */
export interface SkeletonInput {
  fromAddress: string;
  fromName: string | null;
  replyTo: string | null;
  /** multipart boundary of the run; safe because both parts are quoted-printable ("=_" never occurs). */
  boundary: string;
  /** RFC 8058 one-click unsubscribe (marketing mail). */
  oneClickUnsubscribe: boolean;
}

export interface MessageParts {
  to: string;
  subject: string;
  date: Date;
  messageIdHeader: string;
  /** RFC 2369 List-Unsubscribe value, e.g. "<https://…>, <mailto:…>"; null for transactional mail. */
  listUnsubscribe: string | null;
  text: string;
  html: string | null;
}

/** One header field, folded at white space (RFC 5322 §2.2.3). */
export function headerLine(name: string, value: string): string {
  return `${mimeFuncs.foldLines(`${name}: ${value}`, LINE).replace(/\r?\n$/, "")}${CRLF}`;
}

/** RFC 5322 §3.4 display name: an atom, a quoted string, or RFC 2047 encoded words when not ASCII. */
export function mailbox(address: string, name: string | null): string {
  if (!name) return address;
  let phrase: string;
  if (/^[\w ]*$/.test(name)) phrase = name;
  else if (/^[\x20-\x7e]*$/.test(name)) phrase = `"${name.replace(/([\\"])/g, "\\$1")}"`;
  else phrase = mimeFuncs.encodeWord(name, "Q", 52);
  return `${phrase} <${address}>`;
}

/** RFC 5322 §3.3 date-time in UTC. */
export function rfc5322Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, "+0000");
}

/**
 * RFC 2045 §6.7 quoted-printable over the UTF-8 bytes, line breaks as CRLF, lines at most 76 characters, by
 * the product's one encoder (src/delivery/qp.ts) under the campaign rules: a "." that would start a line is
 * encoded too, so the body never needs SMTP dot-stuffing (RFC 5321 §4.5.2), and lines keep the bytes that
 * campaign recipients' stored digests were computed over.
 */
export function quotedPrintable(text: string): Buffer {
  return Buffer.from(campaignQp.into(text, 0));
}

/** The compiled constant parts of a run's messages; build() assembles one message from them. */
export interface MimeSkeleton {
  build(p: MessageParts): Buffer;
}

export function compileSkeleton(s: SkeletonInput): MimeSkeleton {
  const from = Buffer.from(headerLine("From", mailbox(s.fromAddress, s.fromName)));
  const replyTo = s.replyTo ? headerLine("Reply-To", s.replyTo) : "";
  const oneClick = s.oneClickUnsubscribe
    ? headerLine("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
    : "";
  const b = s.boundary;
  const part = (subtype: string) =>
    `--${b}${CRLF}Content-Type: text/${subtype}; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`;
  // The tail of the header block: constant fields and the multipart/alternative preamble.
  const tailAlternative = Buffer.from(
    `${oneClick}MIME-Version: 1.0${CRLF}Content-Type: multipart/alternative; boundary="${b}"${CRLF}${CRLF}${part("plain")}`,
  );
  const tailTextOnly = Buffer.from(
    `${oneClick}MIME-Version: 1.0${CRLF}Content-Type: text/plain; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`,
  );
  const between = Buffer.from(`${CRLF}${part("html")}`);
  const close = Buffer.from(`${CRLF}--${b}--${CRLF}`);
  const crlf = Buffer.from(CRLF);
  const replyToBuf = Buffer.from(replyTo);

  return {
    build(p: MessageParts): Buffer {
      const own =
        headerLine("To", p.to) +
        headerLine("Subject", mimeFuncs.encodeWords(p.subject, "Q", 52)) +
        headerLine("Date", rfc5322Date(p.date)) +
        headerLine("Message-ID", p.messageIdHeader) +
        (p.listUnsubscribe ? headerLine("List-Unsubscribe", p.listUnsubscribe) : "");
      const head = [from, Buffer.from(own), replyToBuf];
      // Buffer.concat copies each part once into the message: the encoded bodies live in reused areas.
      if (p.html === null) return Buffer.concat([...head, tailTextOnly, campaignQp.into(p.text, 0), crlf]);
      return Buffer.concat([
        ...head,
        tailAlternative,
        campaignQp.into(p.text, 0),
        between,
        campaignQp.into(p.html, 1),
        close,
      ]);
    },
  };
}
