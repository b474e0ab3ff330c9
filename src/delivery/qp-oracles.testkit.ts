// The two quoted-printable encoders as they were before they became one (src/delivery/qp.ts), frozen here
// as oracles: messages and campaign recipients store only a digest of the bytes that left and rebuild them
// for /raw and the DSGVO export (migration 201, campaigns/documents.ts), so the one encoder must write
// byte for byte what each path wrote before. Test code only; copied verbatim from be05d2a (identifiers of
// the campaign copy prefixed), apart from returning strings.

// ---- src/delivery/qp.ts at be05d2a

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
function messageEncoderInto(text: string, slot: 0 | 1): Uint8Array {
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

export function messageEncoderBefore(text: string): string {
  const view = messageEncoderInto(text, 0);
  return Buffer.from(view.buffer, view.byteOffset, view.length).toString("latin1");
}

// ---- src/campaigns/mime.ts at be05d2a

const C_LINE = 76;
const C_HEX = Buffer.from("0123456789ABCDEF");
const C_EQ = 0x3d;
const C_CR = 0x0d;
const C_LF = 0x0a;
const C_DOT = 0x2e;

/** Byte classes: printable ASCII other than "=" is written as it is; space and tab only when something
 * other than a line break follows; C_CR and C_LF are line breaks; everything else becomes =XX. */
const C_PLAIN = 0;
const C_BLANK = 1;
const C_BREAK_CR = 2;
const C_BREAK_LF = 3;
const C_ENCODE = 4;
const C_CLASS = new Uint8Array(256).fill(C_ENCODE);
for (let b = 33; b < 127; b++) C_CLASS[b] = C_PLAIN;
C_CLASS[C_EQ] = C_ENCODE;
C_CLASS[0x20] = C_BLANK;
C_CLASS[0x09] = C_BLANK;
C_CLASS[C_CR] = C_BREAK_CR;
C_CLASS[C_LF] = C_BREAK_LF;

const cEncoder = new TextEncoder();
/** UTF-8 of the text being encoded, reused between calls (the cEncoder runs synchronously). */
let cScratch = new Uint8Array(64 * 1024);

/**
 * RFC 2045 §6.7 quoted-printable over the UTF-8 bytes, line breaks as CRLF, lines at most 76 characters.
 * One table-driven byte loop with no intermediate strings, since it runs twice per message on the hot path
 * (~15 µs for 3 KB here, a third of a general-purpose cEncoder). A "." that would start a line is encoded
 * too, so the body never needs SMTP dot-stuffing (RFC 5321 §4.5.2).
 */
export function campaignEncoderBefore(text: string): string {
  return Buffer.from(campaignEncoderInto(text, 0)).toString("latin1");
}

/** Two reusable output areas, so that build() encodes both parts and then copies them once. */
const cOutputs: Uint8Array[] = [new Uint8Array(64 * 1024), new Uint8Array(64 * 1024)];

/** Encodes into output area `slot`; the view returned is valid until that slot is used again. */
function campaignEncoderInto(text: string, slot: 0 | 1): Uint8Array {
  if (cScratch.length < text.length * 3) cScratch = new Uint8Array(text.length * 3);
  const n = cEncoder.encodeInto(text, cScratch).written;
  const src = cScratch;
  // Worst case: every byte as =XX, and a soft break (=CRLF) every 25 of them.
  const size = n * 3 + Math.ceil((n * 3) / 75) * 3 + 3;
  if (cOutputs[slot].length < size) cOutputs[slot] = new Uint8Array(size);
  const out = cOutputs[slot];
  let o = 0;
  let line = 0;
  for (let i = 0; i < n; i++) {
    const b = src[i];
    const c = C_CLASS[b];
    if (c === C_PLAIN && (b !== C_DOT || line !== 0)) {
      if (line === C_LINE - 1) {
        out[o++] = C_EQ;
        out[o++] = C_CR;
        out[o++] = C_LF;
        line = 0;
        if (b === C_DOT) {
          // The soft break made this dot start a line.
          out[o++] = C_EQ;
          out[o++] = C_HEX[b >> 4];
          out[o++] = C_HEX[b & 15];
          line = 3;
          continue;
        }
      }
      out[o++] = b;
      line++;
      continue;
    }
    if (c === C_BREAK_CR || c === C_BREAK_LF) {
      if (c === C_BREAK_CR && src[i + 1] === C_LF) i++;
      out[o++] = C_CR;
      out[o++] = C_LF;
      line = 0;
      continue;
    }
    let literal = false;
    if (c === C_BLANK) {
      const next = i + 1 < n ? C_CLASS[src[i + 1]] : C_BREAK_LF;
      literal = next !== C_BREAK_CR && next !== C_BREAK_LF;
    }
    const width = literal ? 1 : 3;
    if (line + width > C_LINE - 1) {
      out[o++] = C_EQ;
      out[o++] = C_CR;
      out[o++] = C_LF;
      line = 0;
    }
    if (literal) out[o++] = b;
    else {
      out[o++] = C_EQ;
      out[o++] = C_HEX[b >> 4];
      out[o++] = C_HEX[b & 15];
    }
    line += width;
  }
  return out.subarray(0, o);
}
