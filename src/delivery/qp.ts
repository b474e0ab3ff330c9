// Quoted-printable (RFC 2045 §6.7) for text bodies, byte by byte over a lookup table: the body of every
// message passes through here once, so it is written for speed (~5× a string-based encoder). Rules:
// printable ASCII except "=" stays; "=" and every other byte become =XX; a space or tab at the end of a line
// becomes =20 / =09; encoded lines stay within 76 characters by soft line breaks ("=" CRLF), never inside an
// =XX triplet. CRLF, a bare LF and a bare CR in the text are each one hard line break, written as CRLF.
// The one encoder of the product: transactional messages and campaigns used to have one each, and each
// path stores only a digest of the bytes that left and rebuilds them (migration 201, campaigns/documents.ts),
// so the two ways they differed are kept as rules (QpRules) and each path writes what it always wrote
// (fast-check against both former encoders: qp-oracles.testkit.ts).

const HEX = Buffer.from("0123456789ABCDEF", "latin1");
const MAX_LINE = 76;
const EQUALS = 61;
const CR = 13;
const LF = 10;
const DOT = 46;

/** Where the two former encoders differed. */
export interface QpRules {
  /** A "." that would start a line is written =2E, so the body never needs SMTP dot-stuffing (RFC 5321
   * §4.5.2): campaigns. */
  dotSafe: boolean;
  /** A line may use its 76th column when the line ends there (transactional); otherwise every line holds at
   * most 75 characters besides a soft break's "=" (campaigns). */
  fullLastColumn: boolean;
}
/** Bytes that stay as they are: printable ASCII except "=", and space and tab (escaped only at a line end). */
const LITERAL = new Uint8Array(256).map((_, b) =>
  (b >= 33 && b <= 126 && b !== EQUALS) || b === 32 || b === 9 ? 1 : 0,
);
/** Literal bytes whose encoding never depends on where the line ends (all but space and tab). */
const PLAIN = LITERAL.map((l, b) => (l === 1 && b !== 32 && b !== 9 ? 1 : 0));
/** The same without the dot, which under `dotSafe` takes the slow path to be checked for a line start. */
const PLAIN_BUT_DOT = PLAIN.map((p, b) => (b === DOT ? 0 : p));

const utf8 = new TextEncoder();
/** The text's UTF-8, reused between calls (encoding is synchronous): no allocation per message. */
let scratch = new Uint8Array(16 * 1024);
/** Two reusable output areas, so that a message's text and HTML parts can both be held until copied once. */
const areas = [new Uint8Array(48 * 1024), new Uint8Array(48 * 1024)];

/** An encoder under one set of rules. */
export interface QpEncoder {
  /** Encodes text with any line breaks into output area `slot` (shared by all encoders). The view returned
   * is valid until the same slot is used again: the caller copies it into the message before that. */
  into(text: string, slot: 0 | 1): Uint8Array;
  /** The encoding as a string (ASCII only). */
  string(text: string): string;
}

/** Encodes under one set of rules (see QpEncoder.into). The rules arrive as plain arguments of one
 * top-level function: a closure per rule set (rules as captured constants) ran ~40 % slower. The common
 * byte — plain ASCII in the middle of a line — takes one table lookup, a blank inside a line a second test;
 * only the others look at what follows. Every read stays inside the input (an out-of-bounds read makes V8
 * leave the fast path). */
function encodeWith(
  text: string,
  slot: 0 | 1,
  plain: Uint8Array,
  lastAtLineEnd: number,
  dotSafe: boolean,
): Uint8Array {
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
    if (plain[b] === 1 && col < MAX_LINE - 1) {
      out[o++] = b;
      col++;
      continue;
    }
    // A blank (a sixth of a German text) stays as it is unless it ends a line.
    if ((b === 32 || b === 9) && col < MAX_LINE - 1 && i + 1 < n) {
      const next = input[i + 1];
      if (next !== CR && next !== LF) {
        out[o++] = b;
        col++;
        continue;
      }
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
    let literal = LITERAL[b] === 1 && !((b === 32 || b === 9) && lineEnd);
    let width = literal ? 1 : 3;
    // Room for the token and, unless it ends the line, a soft break's "=".
    if (col + width > (lineEnd ? lastAtLineEnd : MAX_LINE - 1)) {
      out[o++] = EQUALS;
      out[o++] = CR;
      out[o++] = LF;
      col = 0;
    }
    // A dot starting a line (perhaps only since the soft break above) would need dot-stuffing.
    if (dotSafe && col === 0 && b === DOT) {
      literal = false;
      width = 3;
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
/** The encoder for a set of rules. */
function quotedPrintableEncoder(rules: QpRules): QpEncoder {
  const plain = rules.dotSafe ? PLAIN_BUT_DOT : PLAIN;
  const dotSafe = rules.dotSafe;
  const lastAtLineEnd = rules.fullLastColumn ? MAX_LINE : MAX_LINE - 1;
  const into = (text: string, slot: 0 | 1): Uint8Array =>
    encodeWith(text, slot, plain, lastAtLineEnd, dotSafe);
  const string = (text: string): string => {
    const view = into(text, 0);
    return Buffer.from(view.buffer, view.byteOffset, view.length).toString("latin1");
  };
  return { into, string };
}

/** Transactional messages (src/delivery/mime.ts). */
export const messageQp = quotedPrintableEncoder({ dotSafe: false, fullLastColumn: true });
/** Campaign messages (src/campaigns/mime.ts). */
export const campaignQp = quotedPrintableEncoder({ dotSafe: true, fullLastColumn: false });

/** The transactional encoding into output area `slot` (see QpEncoder.into). */
export const encodeQuotedPrintableInto = messageQp.into;
/** The transactional encoding as a string. */
export const encodeQuotedPrintable = messageQp.string;
