// Quoted-printable (RFC 2045 §6.7) for text bodies, byte by byte over a lookup table: the body of every
// message passes through here once, and a table walk costs a fraction of a regex-based encoder.
// Rules: printable ASCII except "=" stays; "=" and every other byte become =XX; a space or tab at the end of
// a line becomes =20 / =09; encoded lines stay within 76 characters by soft line breaks ("=" CRLF), never
// inside an =XX triplet. The input's line breaks must already be CRLF; they stay hard line breaks.

const HEX = "0123456789ABCDEF";
const MAX_LINE = 76;

/** For each byte: its literal character, or null when it must be escaped. */
const LITERAL: Array<string | null> = Array.from({ length: 256 }, (_, b) =>
  (b >= 33 && b <= 126 && b !== 61) || b === 32 || b === 9 ? String.fromCharCode(b) : null,
);
const ESCAPED: string[] = Array.from({ length: 256 }, (_, b) => `=${HEX[b >> 4]}${HEX[b & 15]}`);

function encodeLine(bytes: Buffer, start: number, end: number, out: string[]) {
  let line = "";
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    const last = i === end - 1;
    // Trailing white space would be stripped by relays; it is escaped at the end of a hard line.
    const token = (b === 32 || b === 9) && last ? ESCAPED[b] : (LITERAL[b] ?? ESCAPED[b]);
    // Room for the token and, unless it ends the line, a soft break's "=".
    const limit = last ? MAX_LINE : MAX_LINE - 1;
    if (line.length + token.length > limit) {
      out.push(`${line}=\r\n`);
      line = "";
    }
    line += token;
  }
  out.push(line);
}

/** Encodes text whose line breaks are CRLF; the result has CRLF line breaks too. */
export function encodeQuotedPrintable(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10) {
      encodeLine(bytes, start, i, out);
      out.push("\r\n");
      start = i + 2;
      i++;
    }
  }
  encodeLine(bytes, start, bytes.length, out);
  return out.join("");
}
