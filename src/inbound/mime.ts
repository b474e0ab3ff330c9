// A small, forgiving MIME reader for inbound reports (RFC 2045/2046/2047). It never throws: truncated
// parts, missing boundaries and broken encodings degrade to "whatever text is there", because a bounce
// is evidence and half of it is better than none. Works on "byte strings" (latin1, one char per byte)
// so that each text part can be decoded with its own charset.

export type HeaderMap = Map<string, string[]>;

export interface MimePart {
  /** Header fields, without Received, DKIM/ARC signatures and Authentication-Results (passed over). */
  headers: HeaderMap;
  /** Lower-cased "type/subtype"; text/plain when absent. */
  type: string;
  params: Record<string, string>;
  /** Transfer-decoded and charset-decoded text (empty for non-text leaves we do not need). */
  text: string;
  /** Transfer-decoded raw bytes as a latin1 string (message/* parts keep their source here). */
  raw: string;
  children: MimePart[];
}

/** Upper bounds that keep a hostile message from costing more than a normal one. */
const MAX_DEPTH = 8;
const MAX_PARTS = 200;
/** Text parts are cut here: every report format we read puts its evidence first. */
export const MAX_TEXT = 512 * 1024;

/** Turns CRLF and CR-only line endings into LF (mailboxes in every convention exist). Split and join on
 * plain strings, the CRLF pairs first, then any CR left alone: a fifth cheaper than replacing /\r\n?/g on a
 * message (the replacement's matches run the expression once per line). */
export function normaliseLineEndings(s: string): string {
  if (s.indexOf("\r") === -1) return s;
  const t = s.indexOf("\r\n") === -1 ? s : s.split("\r\n").join("\n");
  return t.indexOf("\r") === -1 ? t : t.split("\r").join("\n");
}

/** Splits a header block from its body at the first empty line. */
export function splitHeaderBody(s: string): { head: string; body: string } {
  let start = 0;
  // Some mailboxes keep an mbox "From " line first.
  if (s.startsWith("From ")) {
    const nl = s.indexOf("\n");
    start = nl === -1 ? s.length : nl + 1;
  }
  const at = s.indexOf("\n\n", start);
  if (at === -1) {
    // No body: the whole thing is headers only if it looks like headers.
    return looksLikeHeaders(s.slice(start, start + 200))
      ? { head: s.slice(start), body: "" }
      : { head: "", body: s.slice(start) };
  }
  return { head: s.slice(start, at), body: s.slice(at + 2) };
}

function looksLikeHeaders(s: string): boolean {
  return /^[A-Za-z0-9-]{1,76}:/.test(s);
}

/** Parses a header block (unfolding continuation lines); names are lower-cased. Walks the block by index
 * (no array of lines, no trimmed copy per line, no match array per field): the header blocks of bounces are
 * long (a dozen Received fields, DKIM signatures) and this runs for every part. Each folded line contributes
 * its text without surrounding whitespace, joined by one space. A field on one line (most of them) is cut
 * out once, already trimmed. */
export function parseHeaders(head: string, skipUnread = false): HeaderMap {
  const map: HeaderMap = new Map();
  let name = "";
  // The current field is one nobody reads (`skipUnread`): its lines are passed over, its value never built.
  let skip = false;
  // The value so far: head[valueFrom, valueTo) while the field has no continuation line, else `value`.
  let value = "";
  let valueFrom = -1;
  let valueTo = 0;
  const n = head.length;
  let at = 0;
  while (at <= n) {
    let end = head.indexOf("\n", at);
    if (end === -1) end = n;
    const c = head.charCodeAt(at);
    if ((c === 32 || c === 9) && name) {
      if (skip) {
        at = end + 1;
        continue;
      }
      if (valueFrom !== -1) {
        value = head.slice(valueFrom, valueTo);
        valueFrom = -1;
      }
      const piece = trimmedSlice(head, at, end);
      value = piece ? `${value} ${piece}` : `${value} `;
    } else {
      const colon = headerNameEnd(head, at, end);
      if (colon === -1) {
        // Not a header line; keep it with the previous value (some MTAs fold without whitespace).
        if (name && !skip) {
          const piece = trimmedSlice(head, at, end);
          if (piece) {
            if (valueFrom !== -1) {
              value = head.slice(valueFrom, valueTo);
              valueFrom = -1;
            }
            value = `${value} ${piece}`;
          }
        }
      } else {
        if (name && !skip) addHeader(map, name, fieldValue(head, valueFrom, valueTo, value));
        skip = skipUnread && isUnread(head, at, colon);
        name = skip ? UNREAD : head.slice(at, colon).toLowerCase();
        valueFrom = colon + 1;
        valueTo = end;
      }
    }
    at = end + 1;
  }
  if (name && !skip) addHeader(map, name, fieldValue(head, valueFrom, valueTo, value));
  return map;
}

/** Stands for the name of a field passed over. */
const UNREAD = "-";

/** Trace and signature fields, the longest of a bounce's header blocks (a dozen Received fields, DKIM and ARC
 * signatures): no reader of a message view asks for them (it asks for named fields and the original's X-
 * fields), so parseMime and the original's reader pass them over. */
const UNREAD_FIELDS = [
  "received",
  "dkim-signature",
  "authentication-results",
  "arc-seal",
  "arc-message-signature",
  "arc-authentication-results",
];

/** Is head[at, colon) the name of one of UNREAD_FIELDS, in any case? */
function isUnread(head: string, at: number, colon: number): boolean {
  const n = colon - at;
  for (const f of UNREAD_FIELDS) {
    if (f.length !== n) continue;
    let i = 0;
    // The names hold letters and "-" only: c | 0x20 is a letter's lower case and keeps "-" (and maps no
    // other character a name may hold onto either).
    while (i < n && (head.charCodeAt(at + i) | 0x20) === f.charCodeAt(i)) i++;
    if (i === n) return true;
  }
  return false;
}

/** A field's value without surrounding whitespace: cut from its one line, or the unfolded `value`. */
function fieldValue(head: string, valueFrom: number, valueTo: number, value: string): string {
  return valueFrom !== -1 ? trimmedSlice(head, valueFrom, valueTo) : value.trim();
}

function addHeader(map: HeaderMap, name: string, v: string): void {
  const list = map.get(name);
  if (list) list.push(v);
  else map.set(name, [v]);
}

/** A header line's name: 1 to 76 characters, none of them white space or a colon, right before a colon.
 * Returns where that colon is on the line head[at, end), or -1 when the line starts no field. */
function headerNameEnd(head: string, at: number, end: number): number {
  let i = at;
  while (i < end && i - at < 76) {
    const c = head.charCodeAt(i);
    if (c === 58 || isTrimmed(c)) break;
    i++;
  }
  return i > at && i < end && head.charCodeAt(i) === 58 ? i : -1;
}

/** head[from, to) without leading and trailing whitespace (String#trim's notion for these bytes). */
function trimmedSlice(head: string, from: number, to: number): string {
  while (from < to && isTrimmed(head.charCodeAt(from))) from++;
  while (to > from && isTrimmed(head.charCodeAt(to - 1))) to--;
  return head.slice(from, to);
}

/** Whitespace String#trim removes, which is also what \s matches (decoded text beyond latin1 asks the
 * engine's own definition). */
function isTrimmed(c: number): boolean {
  if (c < 256) return c === 32 || (c >= 9 && c <= 13) || c === 0xa0;
  return WHITESPACE.test(String.fromCharCode(c));
}

const WHITESPACE = /\s/;

/** The first values of the fields `names` (lower-case ASCII letters and "-", no "k": see below) in a header
 * block, exactly as parseHeaders(head, true) would give them (`header(map, name)`), without building the
 * map: one walk over the lines, a value cut out (and unfolded) only for a field asked for. With `xFields` > 0
 * the first `xFields` distinct X-… fields (lower-cased names, first values) in the order the map would
 * iterate them are collected into `x` too. Names are compared in place: a byte's `| 0x20` is its lower case
 * for letters and keeps "-" (CR, never in a name, is the only other byte giving "-"); a character above
 * 0x7f never matches, as toLowerCase makes none of them ASCII except the Kelvin sign ("k", in no name asked
 * for). */
export function readFields(
  head: string,
  names: readonly string[],
  xFields = 0,
  x?: Record<string, string>,
  lists?: (string[] | undefined)[],
): (string | undefined)[] {
  const out: (string | undefined)[] = new Array(names.length).fill(undefined);
  let kept = 0;
  // The field being read: an index into `names`, NAMES_X for an X- field kept, -1 for one passed over.
  let cur = -1;
  let xName = "";
  let value = "";
  let valueFrom = -1;
  let valueTo = 0;
  const n = head.length;
  let at = 0;
  while (at <= n) {
    let end = head.indexOf("\n", at);
    if (end === -1) end = n;
    const c = head.charCodeAt(at);
    if (c === 32 || c === 9) {
      // A folded line: only a field being read takes it (before any field, it starts none either).
      if (cur !== -1) {
        if (valueFrom !== -1) {
          value = head.slice(valueFrom, valueTo);
          valueFrom = -1;
        }
        const piece = trimmedSlice(head, at, end);
        value = piece ? `${value} ${piece}` : `${value} `;
      }
    } else {
      const colon = headerNameEnd(head, at, end);
      if (colon === -1) {
        // Not a header line; kept with the previous value (as parseHeaders does).
        if (cur !== -1) {
          const piece = trimmedSlice(head, at, end);
          if (piece) {
            if (valueFrom !== -1) {
              value = head.slice(valueFrom, valueTo);
              valueFrom = -1;
            }
            value = `${value} ${piece}`;
          }
        }
      } else {
        if (cur !== -1) keepField(out, lists, cur, x, xName, fieldValue(head, valueFrom, valueTo, value));
        cur = nameIndex(head, at, colon, names);
        if (cur !== -1 && out[cur] !== undefined && !lists) cur = -1;
        else if (cur === -1 && kept < xFields && x && isXName(head, at, colon)) {
          const name = head.slice(at, colon).toLowerCase();
          if (x[name] === undefined) {
            cur = NAMES_X;
            xName = name;
            kept++;
          }
        }
        valueFrom = colon + 1;
        valueTo = end;
      }
    }
    at = end + 1;
  }
  if (cur !== -1) keepField(out, lists, cur, x, xName, fieldValue(head, valueFrom, valueTo, value));
  return out;
}

/** Stands for an X- field in readFields. */
const NAMES_X = -2;

/** Keeps a field's value: the first one in `out`, each one in `lists` when given. */
function keepField(
  out: (string | undefined)[],
  lists: (string[] | undefined)[] | undefined,
  cur: number,
  x: Record<string, string> | undefined,
  xName: string,
  v: string,
): void {
  if (cur === NAMES_X) {
    if (x) x[xName] = v;
    return;
  }
  if (out[cur] === undefined) out[cur] = v;
  if (lists) {
    const list = lists[cur];
    if (list) list.push(v);
    else lists[cur] = [v];
  }
}

/** Which of `names` head[at, colon) is, in any case (see readFields); -1 for none. */
function nameIndex(head: string, at: number, colon: number, names: readonly string[]): number {
  const len = colon - at;
  for (let k = 0; k < names.length; k++) {
    const f = names[k];
    if (f.length !== len) continue;
    let i = 0;
    while (i < len) {
      const c = head.charCodeAt(at + i);
      if (c > 0x7f || (c | 0x20) !== f.charCodeAt(i)) break;
      i++;
    }
    if (i === len) return k;
  }
  return -1;
}

/** Does head[at, colon) start with "x-" in any case? Only "X" and "x" lower-case to "x". */
function isXName(head: string, at: number, colon: number): boolean {
  return colon - at >= 2 && (head.charCodeAt(at) | 0x20) === 120 && head.charCodeAt(at + 1) === 45;
}

export function header(h: HeaderMap, name: string): string | undefined {
  return h.get(name)?.[0];
}

/** Parses "type/subtype; a=b; c="d"" into its lower-cased type and its parameters. */
export function parseContentType(v: string | undefined): { type: string; params: Record<string, string> } {
  if (!v) return { type: "text/plain", params: {} };
  const semi = v.indexOf(";");
  const type = (semi === -1 ? v : v.slice(0, semi)).trim().toLowerCase() || "text/plain";
  const params: Record<string, string> = {};
  if (semi !== -1) {
    const re = /;\s*([A-Za-z0-9_.*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g;
    for (let m = re.exec(v); m; m = re.exec(v)) {
      // RFC 2231's "name*0*" sections and quoted-pair escapes, looked for only where a "*" or "\\" is.
      const name = m[1].toLowerCase();
      const key = name.includes("*") ? name.replace(/\*\d*\*?$/, "") : name;
      const quoted = m[2];
      const val =
        quoted !== undefined
          ? quoted.includes("\\")
            ? quoted.replace(/\\(.)/g, "$1")
            : quoted
          : (m[3] ?? "");
      params[key] = key in params ? params[key] + val : val;
    }
  }
  return { type: type.includes("/") ? type : "text/plain", params };
}

/** Decodes base64 leniently (ignores junk, tolerates missing padding) into a latin1 byte string. */
export function decodeBase64(s: string): string {
  return Buffer.from(s.replace(/[^A-Za-z0-9+/]/g, ""), "base64").toString("latin1");
}

/** Decodes quoted-printable into a latin1 byte string: soft line breaks removed first, then each "=" and two
 * hex digits (the leftmost first, as a global /=([0-9A-Fa-f]{2})/ finds them) becomes its byte. The second
 * step by hand: a replace that calls a function per match cost twice as much on Office 365's reports. */
export function decodeQuotedPrintable(s: string): string {
  const t = s.replace(/=[ \t]*\n/g, "");
  let at = t.indexOf("=");
  if (at === -1) return t;
  let out = "";
  let from = 0;
  while (at !== -1) {
    const high = at + 2 < t.length ? hexValue(t.charCodeAt(at + 1)) : -1;
    const low = high === -1 ? -1 : hexValue(t.charCodeAt(at + 2));
    if (low === -1) {
      at = t.indexOf("=", at + 1);
      continue;
    }
    out += t.slice(from, at) + String.fromCharCode(high * 16 + low);
    from = at + 3;
    at = t.indexOf("=", from);
  }
  return out + t.slice(from);
}

/** A hex digit's value, or -1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

const decoders = new Map<string, TextDecoder | null>();

/** Decodes a latin1 byte string in the given charset; unknown charsets fall back to UTF-8/latin1. */
export function decodeCharset(bytes: string, charset: string | undefined, knownAscii = false): string {
  // Pure ASCII needs no decoding whatever the label says (`knownAscii`: the caller knows there is no byte
  // above 0x7f, e.g. the text is the message's own bytes and the message has none).
  if ((knownAscii || !/[\x80-\xff]/.test(bytes)) && bytes.indexOf("\u001b") === -1) return bytes;
  const label = (charset ?? "").trim().toLowerCase().replace(/^"|"$/g, "");
  // 7-bit text with ISO-2022-JP's escape sequences is ISO-2022-JP whatever the label says: a delivery-status
  // part has no charset parameter, and Japanese MTAs quote the remote's words in it as they came
  // ("Diagnostic-Code: smtp; 550 ESC$B…ESC(B"); old mailers label such text us-ascii.
  if (!label.startsWith("iso-2022") && !/[\x80-\xff]/.test(bytes) && ISO_2022_JP_ESCAPE.test(bytes)) {
    return decodeCharset(bytes, "iso-2022-jp");
  }
  if (label === "iso-8859-1" || label === "latin1" || label === "us-ascii") {
    return label === "us-ascii" ? utf8OrLatin1(bytes) : bytes;
  }
  const dec = decoderFor(label || "utf-8");
  if (!dec) return utf8OrLatin1(bytes);
  try {
    return dec.decode(Buffer.from(bytes, "latin1"));
  } catch {
    return bytes;
  }
}

/** ISO-2022-JP's switches into JIS X 0208 (ESC $ B, ESC $ @) and JIS X 0201 Roman (ESC ( J). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what ISO-2022-JP's escape sequences begin with
const ISO_2022_JP_ESCAPE = /\u001b\$[B@]|\u001b\(J/;

function decoderFor(label: string): TextDecoder | null {
  let d = decoders.get(label);
  if (d === undefined) {
    try {
      d = new TextDecoder(label, { fatal: false });
    } catch {
      d = null;
    }
    decoders.set(label, d);
  }
  return d;
}

function utf8OrLatin1(bytes: string): string {
  const buf = Buffer.from(bytes, "latin1");
  const s = buf.toString("utf8");
  return s.includes("\uFFFD") ? bytes : s;
}

/** RFC 2047 encoded words in header values (=?charset?B|Q?...?=). */
export function decodeWords(v: string): string {
  if (v.indexOf("=?") === -1) return v;
  return v
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?\s]+)\?([BbQq])\?([^?]*)\?=/g, (_m, cs: string, enc: string, data: string) => {
      const bytes =
        enc.toUpperCase() === "B" ? decodeBase64(data) : decodeQuotedPrintable(data.replace(/_/g, " "));
      return decodeCharset(bytes, cs.replace(/\*.*$/, ""));
    });
}

function transferDecode(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? "").trim().toLowerCase();
  if (enc === "base64") return decodeBase64(body);
  if (enc === "quoted-printable") return decodeQuotedPrintable(body);
  return body;
}

/** Is this a part whose text we read (reports, human-readable notices, headers of the original)? */
function wantsText(type: string): boolean {
  return (
    type.startsWith("text/") ||
    type === "message/delivery-status" ||
    type === "message/global-delivery-status" ||
    type === "message/disposition-notification" ||
    type === "message/global-disposition-notification" ||
    type === "message/feedback-report"
  );
}

interface Budget {
  parts: number;
  /** The source holds no byte above 0x7f. */
  ascii: boolean;
}

/** Reads a message (already line-ending-normalised byte string) into a tree of parts; `ascii`: the caller
 * knows the source holds no byte above 0x7f. */
export function parseMime(source: string, ascii = false): MimePart {
  return readPart(source, 0, { parts: 0, ascii });
}

function readPart(source: string, depth: number, budget: Budget): MimePart {
  budget.parts++;
  const { head, body } = splitHeaderBody(source);
  const headers = new MessageHeaders(head);
  return buildPart(new Part(head, headers), headers.firsts, body, depth, budget);
}

/** The message's own fields that anyone reads by name: buildPart's (first), the view's, the classifier's
 * (`m.headers.get`/`has`/`header(m.headers, …)` in parse.ts and classify.ts). Any other name asked for,
 * or any walk over the map, builds the whole map. */
export const MESSAGE_FIELDS = [
  "content-type",
  "content-transfer-encoding",
  "subject",
  "from",
  "to",
  "message-id",
  "return-path",
  "x-failed-recipients",
  "x-hmxmroriginalrecipient",
  "x-apple-unsubscribe",
  "x-nai-header",
  "x-spasign",
  "x-mlserver",
  "mailer",
  "auto-submitted",
  "x-autoreply",
  "x-autorespond",
  "x-auto-response-suppress",
  "x-apple-action",
  "precedence",
];

/** The message's header map, answering `get` and `has` for MESSAGE_FIELDS from one walk (readFields, every
 * value of each) and building the whole map (parseHeaders) only when asked anything else. */
class MessageHeaders extends Map<string, string[]> {
  private built = false;
  /** Every value of each of MESSAGE_FIELDS, in order. */
  private readonly lists: (string[] | undefined)[] = new Array(MESSAGE_FIELDS.length).fill(undefined);
  /** The first value of each of MESSAGE_FIELDS (readFields' answer). */
  readonly firsts: (string | undefined)[];

  constructor(private readonly head: string) {
    super();
    this.firsts = readFields(head, MESSAGE_FIELDS, 0, undefined, this.lists);
  }

  private build(): void {
    if (this.built) return;
    this.built = true;
    for (const [name, values] of parseHeaders(this.head, true)) super.set(name, values);
  }

  override get(name: string): string[] | undefined {
    if (!this.built) {
      const k = MESSAGE_FIELDS.indexOf(name);
      if (k !== -1) return this.lists[k];
      this.build();
    }
    return super.get(name);
  }

  override has(name: string): boolean {
    if (!this.built) {
      const k = MESSAGE_FIELDS.indexOf(name);
      if (k !== -1) return this.lists[k] !== undefined;
      this.build();
    }
    return super.has(name);
  }

  override get size(): number {
    this.build();
    return super.size;
  }

  override set(name: string, values: string[]): this {
    this.build();
    return super.set(name, values);
  }

  override delete(name: string): boolean {
    this.build();
    return super.delete(name);
  }

  override clear(): void {
    this.build();
    super.clear();
  }

  override forEach(
    f: (values: string[], name: string, map: Map<string, string[]>) => void,
    self?: unknown,
  ): void {
    this.build();
    super.forEach(f, self);
  }

  override keys(): MapIterator<string> {
    this.build();
    return super.keys();
  }

  override values(): MapIterator<string[]> {
    this.build();
    return super.values();
  }

  override entries(): MapIterator<[string, string[]]> {
    this.build();
    return super.entries();
  }

  override [Symbol.iterator](): MapIterator<[string, string[]]> {
    return this.entries();
  }
}

/** The fields buildPart reads, as readFields returns them. */
const PART_FIELDS = ["content-type", "content-transfer-encoding"];

/** A part whose header map is built from its header block when first asked for: the classifier reads only
 * Content-Type and Content-Transfer-Encoding of the parts inside a message (readFields), so their maps
 * are never built on its path. */
class Part implements MimePart {
  type = "text/plain";
  params: Record<string, string> = {};
  text = "";
  raw = "";
  children: MimePart[] = [];

  constructor(
    private readonly head: string,
    private map?: HeaderMap,
  ) {}

  get headers(): HeaderMap {
    this.map ??= parseHeaders(this.head, true);
    return this.map;
  }
}

function buildPart(
  part: Part,
  [contentType, encoding]: (string | undefined)[],
  body: string,
  depth: number,
  budget: Budget,
): MimePart {
  const { type, params } = parseContentType(contentType);
  part.type = type;
  part.params = params;
  const boundary = params.boundary;
  if (type.startsWith("multipart/") && boundary && depth < MAX_DEPTH) {
    part.children = splitMultipart(body, boundary, depth, budget);
    if (part.children.length > 0) return part;
    // A multipart without any boundary line: treat the body as text.
  }
  const message = type.startsWith("message/") && !wantsText(type);
  // Leaves we do not read (images, PDFs, other attachments) are not decoded at all.
  if (!message && !wantsText(type) && !type.startsWith("multipart/")) return part;
  const decoded = transferDecode(body, encoding);
  if (message) {
    part.raw = decoded.length > MAX_TEXT * 8 ? decoded.slice(0, MAX_TEXT * 8) : decoded;
    return part;
  }
  if (wantsText(type) || type.startsWith("multipart/")) {
    const cut = decoded.length > MAX_TEXT ? decoded.slice(0, MAX_TEXT) : decoded;
    part.raw = cut;
    // Text that is the source's own bytes (no transfer encoding changed them) is ASCII when the source is.
    const text = decodeCharset(cut, params.charset, budget.ascii && decoded === body);
    part.text = normaliseLineEndings(text);
  }
  return part;
}

function splitMultipart(body: string, boundary: string, depth: number, budget: Budget): MimePart[] {
  const delim = `--${boundary}`;
  const parts: MimePart[] = [];
  let at = findDelimiter(body, delim, 0);
  while (at !== -1 && budget.parts < MAX_PARTS) {
    const lineEnd = body.indexOf("\n", at);
    // The closing delimiter: "--" right after the delimiter found at `at` (not a new "--boundary--" string
    // for each part, which startsWith then had to flatten).
    if (body.startsWith("--", at + delim.length)) break;
    if (lineEnd === -1) break;
    const next = findDelimiter(body, delim, lineEnd);
    const chunk = body.slice(lineEnd + 1, next === -1 ? body.length : next);
    // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    const content = chunk.endsWith("\n") ? chunk.slice(0, -1) : chunk;
    budget.parts++;
    const { head, body: partBody } = splitPartHeaderBody(content);
    parts.push(buildPart(new Part(head), readFields(head, PART_FIELDS), partBody, depth + 1, budget));
    at = next;
  }
  return parts;
}

/** A part may start directly with its body (no headers): then the header block is empty. */
function splitPartHeaderBody(s: string): { head: string; body: string } {
  if (s.startsWith("\n")) return { head: "", body: s.slice(1) };
  if (!looksLikeHeaders(s)) return { head: "", body: s };
  const at = s.indexOf("\n\n");
  if (at === -1) return { head: s, body: "" };
  return { head: s.slice(0, at), body: s.slice(at + 2) };
}

/** Finds "--boundary" at the start of a line, from position `from`. */
function findDelimiter(body: string, delim: string, from: number): number {
  let i = body.indexOf(delim, from);
  while (i !== -1) {
    if (i === 0 || body.charCodeAt(i - 1) === 10) return i;
    i = body.indexOf(delim, i + delim.length);
  }
  return -1;
}

/** All parts in document order, depth first. */
export function flattenParts(root: MimePart): MimePart[] {
  const out: MimePart[] = [];
  const walk = (p: MimePart) => {
    out.push(p);
    for (const c of p.children) walk(c);
  };
  walk(root);
  return out;
}
