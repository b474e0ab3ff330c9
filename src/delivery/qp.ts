// Quoted-printable (RFC 2045 §6.7) for text bodies, byte by byte over a lookup table: the body of every
// message passes through here once, so it is written for speed (~5× a string-based encoder). Rules:
// printable ASCII except "=" stays; "=" and every other byte become =XX; a space or tab at the end of a line
// becomes =20 / =09; encoded lines stay within 76 characters by soft line breaks ("=" CRLF), never inside an
// =XX triplet. CRLF, a bare LF and a bare CR in the text are each one hard line break, written as CRLF.

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

const utf8 = new TextEncoder();
/** The text's UTF-8, reused between calls (encoding is synchronous): no allocation per message. */
let scratch = new Uint8Array(16 * 1024);
/** Two reusable output areas, so that a message's text and HTML parts can both be held until copied once. */
const areas = [new Uint8Array(48 * 1024), new Uint8Array(48 * 1024)];

/** Encodes text with any line breaks into output area `slot`. The view returned is valid until the same
 * slot is used again: the caller copies it into the message (buildMime) before that. The common byte —
 * plain ASCII in the middle of a line — takes one table lookup; only the others look at what follows. Every
 * read stays inside the input (an out-of-bounds read makes V8 leave the fast path). */
export function encodeQuotedPrintableInto(text: string, slot: 0 | 1): Uint8Array {
  // A UTF-16 code unit is at most 3 bytes of UTF-8.
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3);
  const n = utf8.encodeInto(text, scratch).written;
  const input = scratch;
  // At most 3 bytes per input byte (a bare LF or CR grows to 2), plus a 3-byte soft break per 73 output
  // characters (a line is only broken once it holds 73 or more).
  const size = n * 3 + Math.ceil((n * 3) / 73) * 3 + 2;
  if (areas[slot].length < size) areas[slot] = new Uint8Array(size);
  const out = areas[slot];
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
    if (b === CR || b === LF) {
      if (b === CR && i + 1 < n && input[i + 1] === LF) i++;
      out[o++] = CR;
      out[o++] = LF;
      col = 0;
      continue;
    }
    const lineEnd = i + 1 === n || input[i + 1] === CR || input[i + 1] === LF;
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
  return out.subarray(0, o);
}

/** The encoding as a string (ASCII only). */
export function encodeQuotedPrintable(text: string): string {
  const view = encodeQuotedPrintableInto(text, 0);
  return Buffer.from(view.buffer, view.byteOffset, view.length).toString("latin1");
}
