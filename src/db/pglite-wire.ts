// A statement with parameters on PGlite, in two calls into its WASM instead of six, with the wire messages
// written and read here (PostgreSQL's frontend/backend protocol, extended query: Parse, Describe, Bind,
// Execute, Sync — https://www.postgresql.org/docs/current/protocol-message-formats.html).
//
// Why: PGlite's query() writes each message into a 256-byte buffer that grows by half as values are added
// (a batch of 500 messages with 5 KB bodies is a 2.5 MB Bind written through some twenty reallocations and
// copied three more times), and reads each column of each row by slicing a fresh ArrayBuffer out of the
// response. On the transactional benchmark that layer was ~15 % of the one thread that runs the API, the
// worker and the database. Here the Bind is written once into a reused buffer of the exact size, and the
// response is read in place. Values are converted exactly as query() does: parameters by PGlite's own
// serializers for the types the server inferred (Describe), results by its parsers for each column's type.
import { messages, type PGlite } from "@electric-sql/pglite";
import { binaryOnPglite, nameOf, PER_CONNECTION, preparedOnPglite } from "./prepared.js";

export interface WireResult {
  rows: Record<string, unknown>[];
  /** Rows inserted, updated, deleted, copied or merged (as PGlite's affectedRows). */
  affectedRows: number;
}

/** A text[] parameter, written in binary form straight from its strings (TextArray). */
class TextArray {
  constructor(readonly items: readonly (string | null)[]) {}
}

type WireValue = string | Uint8Array | TextArray | null;

/** text[] and text: the one array type sent in binary form (TextArray). */
const TEXT_ARRAY_OID = 1009;
const TEXT_OID = 25;

/** A one-dimensional array of strings and nulls (what may go as a TextArray). */
function isTextList(v: unknown): v is (string | null)[] {
  if (!Array.isArray(v)) return false;
  for (const x of v) if (x !== null && typeof x !== "string") return false;
  return true;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Backend message types read here. */
const ROW_DESCRIPTION = 0x54; // T
const DATA_ROW = 0x44; // D
const COMMAND_COMPLETE = 0x43; // C
const ERROR_RESPONSE = 0x45; // E
const PARAMETER_DESCRIPTION = 0x74; // t

/** A growable byte buffer for the frontend messages, reused from statement to statement. */
class Out {
  buf = Buffer.allocUnsafe(64 * 1024);
  at = 0;
  reset() {
    this.at = 0;
  }
  room(n: number) {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
  byte(v: number) {
    this.room(1);
    this.buf[this.at++] = v;
  }
  int16(v: number) {
    this.room(2);
    this.buf.writeInt16BE(v, this.at);
    this.at += 2;
  }
  int32(v: number) {
    this.room(4);
    this.buf.writeInt32BE(v, this.at);
    this.at += 4;
  }
  cstring(s: string) {
    const n = Buffer.byteLength(s);
    this.room(n + 1);
    this.at += this.buf.write(s, this.at);
    this.buf[this.at++] = 0;
  }
  /** Starts a message; returns where its length goes. */
  start(type: number): number {
    this.byte(type);
    const at = this.at;
    this.int32(0);
    return at;
  }
  end(lengthAt: number) {
    this.buf.writeInt32BE(this.at - lengthAt, lengthAt);
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

/** The backend's answer, gathered from PGlite's output chunks into one buffer. */
class In {
  buf = Buffer.allocUnsafe(64 * 1024);
  at = 0;
  readonly take = (chunk: Uint8Array) => {
    if (this.at + chunk.length > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + chunk.length));
      this.buf.copy(next, 0, 0, this.at);
      this.buf = next;
    }
    this.buf.set(chunk, this.at);
    this.at += chunk.length;
  };
}

/** ErrorResponse fields as PGlite's own parser sets them on its DatabaseError. */
function databaseError(b: Buffer, from: number, to: number, length: number) {
  const f: Record<string, string> = {};
  let i = from;
  while (i < to && b[i] !== 0) {
    const code = String.fromCharCode(b[i]);
    const end = b.indexOf(0, i + 1);
    f[code] = b.toString("utf8", i + 1, end);
    i = end + 1;
  }
  const e = new messages.DatabaseError(f.M ?? "", length, "error");
  Object.assign(e, {
    severity: f.S,
    code: f.C,
    detail: f.D,
    hint: f.H,
    position: f.P,
    internalPosition: f.p,
    internalQuery: f.q,
    where: f.W,
    schema: f.s,
    table: f.t,
    column: f.c,
    dataType: f.d,
    constraint: f.n,
    file: f.F,
    line: f.L,
    routine: f.R,
  });
  return e;
}

/** The statements kept prepared in each PGlite (its one session), by name, with their parameters' types. */
const keptStatements = new WeakMap<PGlite, Map<string, number[]>>();

/**
 * At least the bytes a value takes in the Bind message (a string's UTF-8 length, or 3 bytes per UTF-16
 * unit of an array's strings: the most UTF-8 needs for one unit).
 */
function byteBound(v: string | Uint8Array | TextArray): number {
  if (typeof v === "string") return Buffer.byteLength(v);
  if (v instanceof Uint8Array) return v.length;
  let n = 20;
  for (const x of v.items) n += 4 + (x === null ? 0 : 3 * x.length);
  return n;
}

/** A text[] in binary form at `at` (array_recv: ndim, has-nulls, element type, size and lower bound). */
function writeTextArray(b: Buffer, at: number, items: readonly (string | null)[]): number {
  if (items.length === 0) {
    b.writeInt32BE(0, at); // no dimension: an empty array
    b.writeInt32BE(0, at + 4);
    b.writeInt32BE(TEXT_OID, at + 8);
    return at + 12;
  }
  b.writeInt32BE(1, at);
  b.writeInt32BE(items.includes(null) ? 1 : 0, at + 4);
  b.writeInt32BE(TEXT_OID, at + 8);
  b.writeInt32BE(items.length, at + 12);
  b.writeInt32BE(1, at + 16);
  let p = at + 20;
  for (const x of items) {
    if (x === null) {
      b.writeInt32BE(-1, p);
      p += 4;
      continue;
    }
    const written = b.write(x, p + 4);
    b.writeInt32BE(written, p);
    p += 4 + written;
  }
  return p;
}

/** Milliseconds from 1970 to 2000-01-01, where PostgreSQL's binary times count from. */
const POSTGRES_EPOCH_MS = 946_684_800_000;

/** A binary timestamp (microseconds since 2000 as int64) as its text form's parser gives it: a Date. */
function timeAt(b: Buffer, at: number): Date | number {
  const hi = b.readInt32BE(at);
  const lo = b.readUInt32BE(at + 4);
  // ±infinity are int64's extremes: PGlite's parser gives the numbers for their text
  if (hi === 0x7fffffff && lo === 0xffffffff) return Number.POSITIVE_INFINITY;
  if (hi === -0x80000000 && lo === 0) return Number.NEGATIVE_INFINITY;
  // the text form's fraction is cut to milliseconds (never rounded up): the floor of the instant
  return new Date(POSTGRES_EPOCH_MS + Math.floor((hi * 4294967296 + lo) / 1000));
}

/** One value in binary form as its text form's parser would give it, by type; undefined: not read here. */
function binaryValue(b: Buffer, at: number, len: number, type: number): unknown {
  switch (type) {
    case 16: // bool
      return b[at] === 1;
    case 21: // int2
      return b.readInt16BE(at);
    case 23: // int4
      return b.readInt32BE(at);
    case 25: // text
    case 1043: // varchar
      return b.toString("utf8", at, at + len);
    case 114: // json: its text
      return JSON.parse(b.toString("utf8", at, at + len));
    case 3802: // jsonb: a version byte (1), then its text
      return JSON.parse(b.toString("utf8", at + 1, at + len));
    case 1184: // timestamptz
      return timeAt(b, at);
    default:
      return undefined;
  }
}

/** The types binaryValue reads. */
const SCALAR = new Set([16, 21, 23, 25, 1043, 114, 3802, 1184]);

/** The element types of the array types read in binary form. */
const ARRAY_ELEMENT: Record<number, number> = {
  1000: 16,
  1005: 21,
  1007: 23,
  1009: 25,
  1015: 1043,
  199: 114,
  3807: 3802,
  1185: 1184,
};

/** A one-dimensional array in binary form (array_send: ndim, has-nulls, element type, size, lower bound). */
function binaryArray(b: Buffer, at: number, type: number): unknown[] {
  const ndim = b.readInt32BE(at);
  if (ndim === 0) return [];
  if (ndim !== 1)
    throw new Error(`the wire path reads one-dimensional arrays in binary form (${ndim} dimensions)`);
  const element = ARRAY_ELEMENT[type];
  const n = b.readInt32BE(at + 12);
  const out = new Array(n);
  let p = at + 20;
  for (let i = 0; i < n; i++) {
    const len = b.readInt32BE(p);
    p += 4;
    if (len === -1) {
      out[i] = null;
      continue;
    }
    out[i] = binaryValue(b, p, len, element);
    p += len;
  }
  return out;
}

/** A result column read in binary form, or an error naming its type when the wire path cannot. */
function binaryColumn(name: string, type: number): (b: Buffer, at: number, len: number) => unknown {
  if (ARRAY_ELEMENT[type] !== undefined) return (b, at) => binaryArray(b, at, type);
  if (!SCALAR.has(type))
    throw new Error(`the wire path does not read type ${type} (column "${name}") in binary form`);
  return (b, at, len) => binaryValue(b, at, len, type);
}

export class PGliteWire {
  private readonly out = new Out();
  private readonly in = new In();
  private readonly kept: Map<string, number[]>;

  constructor(private readonly pg: PGlite) {
    let kept = keptStatements.get(pg);
    if (!kept) {
      kept = new Map();
      keptStatements.set(pg, kept);
    }
    this.kept = kept;
  }

  /** Runs one statement with its parameters; throws PGlite's DatabaseError as query() does. */
  query(text: string, params: readonly unknown[]): Promise<WireResult> {
    return this.pg.runExclusive(() => this.run(text, params));
  }

  private async run(text: string, params: readonly unknown[]): Promise<WireResult> {
    const o = this.out;
    o.reset();
    // A statement marked by prepared(…, { pglite: true }) is parsed and described once, under a name derived
    // from its text; later calls bind the kept statement: one exchange instead of two, no parse and analysis.
    const name =
      preparedOnPglite(text) && (this.kept.size < PER_CONNECTION || this.kept.has(nameOf(text)))
        ? nameOf(text)
        : "";
    const known = name ? this.kept.get(name) : undefined;
    if (known) return this.execute(text, params, name, known);
    let m = o.start(0x50); // Parse: parameter types left to the server
    o.cstring(name);
    o.cstring(text);
    o.int16(0);
    o.end(m);
    let types: number[] = [];
    if (params.length > 0 || name) {
      m = o.start(0x44); // Describe the statement: its parameters' types
      o.byte(0x53);
      o.cstring(name);
      o.end(m);
      const first = await this.exchange(false);
      try {
        types = this.parameterTypes(first);
      } catch (err) {
        // The backend skips everything up to a Sync after an error.
        o.reset();
        o.end(o.start(0x53));
        await this.exchange(true);
        throw Object.assign(err as Error, { query: text, params });
      }
      o.reset();
    }
    if (name) this.kept.set(name, types);
    return this.execute(text, params, name, types);
  }

  /** Bind (to the unnamed statement just parsed, or a kept one), Describe, Execute, Sync. */
  private async execute(text: string, params: readonly unknown[], name: string, types: number[]) {
    const o = this.out;
    const binary = binaryOnPglite(text);
    this.bind(params, types, name, binary);
    let m = o.start(0x44); // Describe the portal: the result's columns
    o.byte(0x50);
    o.byte(0);
    o.end(m);
    m = o.start(0x45); // Execute, all rows
    o.byte(0);
    o.int32(0);
    o.end(m);
    o.end(o.start(0x53)); // Sync
    const res = await this.exchange(true);
    try {
      return this.result(res, binary);
    } catch (err) {
      // A kept statement the session no longer has (DEALLOCATE): parsed again at the next call.
      if ((err as { code?: string }).code === "26000") this.kept.delete(name);
      throw Object.assign(err as Error, { query: text, params });
    }
  }

  /** Sends what is in `out`; answers the backend's messages (a view valid until the next exchange). */
  private async exchange(syncToFs: boolean): Promise<Buffer> {
    this.in.at = 0;
    await this.pg.execProtocolRawStream(this.out.bytes(), { syncToFs, onRawData: this.in.take });
    return this.in.buf.subarray(0, this.in.at);
  }

  /**
   * Bind: every value in text form, or binary when a serializer gives bytes; the result as text.
   *
   * A text[] parameter of strings goes in binary form (array_recv's layout: dimensions, then each element's
   * length and UTF-8 bytes), written straight into the message. In text form PGlite's serializer ran two
   * regular expressions over every element to quote and escape it, and the server's array_in took the
   * literal apart again character by character — a first fetch of 100,000 members binds ~1.5 million
   * elements (the sync state's and the "found" entries' columns). The elements reach the server as the
   * same strings either way.
   */
  private bind(params: readonly unknown[], types: number[], statement: string, binaryResults: boolean) {
    const o = this.out;
    const values: WireValue[] = params.map((v, i) => {
      if (v === null || v === undefined) return null;
      if (types[i] === TEXT_ARRAY_OID && isTextList(v)) return new TextArray(v);
      const serialize = this.pg.serializers[types[i]];
      // Typed as giving text; the bytea serializer may give bytes, which go in binary form (as query() does).
      const s: unknown = serialize ? serialize(v) : (v as { toString(): string }).toString();
      if (typeof s === "string" || s === null) return s;
      return ArrayBuffer.isView(s)
        ? new Uint8Array(s.buffer, s.byteOffset, s.byteLength)
        : new Uint8Array(s as ArrayBuffer);
    });
    // length, portal and statement names, the formats, the values, one result format
    let size = 4 + 2 + Buffer.byteLength(statement) + (2 + 2 * values.length) + 2 + (2 + 2);
    for (const v of values) size += 4 + (v === null ? 0 : byteBound(v));
    o.room(1 + size);
    const m = o.start(0x42);
    o.byte(0); // unnamed portal
    o.cstring(statement);
    o.int16(values.length);
    for (const v of values) o.int16(v instanceof Uint8Array || v instanceof TextArray ? 1 : 0);
    o.int16(values.length);
    const b = o.buf;
    for (const v of values) {
      if (v === null) {
        b.writeInt32BE(-1, o.at);
        o.at += 4;
        continue;
      }
      const lengthAt = o.at;
      o.at += 4;
      if (typeof v === "string") o.at += encoder.encodeInto(v, b.subarray(o.at)).written;
      else if (v instanceof TextArray) o.at = writeTextArray(b, o.at, v.items);
      else {
        b.set(v, o.at);
        o.at += v.length;
      }
      b.writeInt32BE(o.at - lengthAt - 4, lengthAt);
    }
    o.int16(1);
    o.int16(binaryResults ? 1 : 0); // every result column in text form, or (binaryOnPglite) in binary
    o.end(m);
  }

  private parameterTypes(b: Buffer): number[] {
    let types: number[] = [];
    for (let i = 0; i < b.length; ) {
      const type = b[i];
      const length = b.readInt32BE(i + 1);
      const body = i + 5;
      if (type === ERROR_RESPONSE) throw databaseError(b, body, i + 1 + length, length);
      if (type === PARAMETER_DESCRIPTION) {
        const n = b.readInt16BE(body);
        types = new Array(n);
        for (let k = 0; k < n; k++) types[k] = b.readInt32BE(body + 2 + 4 * k);
      }
      i += 1 + length;
    }
    return types;
  }

  private result(b: Buffer, binary: boolean): WireResult {
    const rows: Record<string, unknown>[] = [];
    let names: string[] = [];
    let parsers: Array<((x: string, typeId: number) => unknown) | undefined> = [];
    let readers: Array<(b: Buffer, at: number, len: number) => unknown> = [];
    let typeIds: number[] = [];
    let affectedRows = 0;
    let error: Error | null = null;
    for (let i = 0; i < b.length; ) {
      const type = b[i];
      const length = b.readInt32BE(i + 1);
      const body = i + 5;
      const next = i + 1 + length;
      if (type === DATA_ROW) {
        const n = b.readInt16BE(body);
        const row: Record<string, unknown> = {};
        let at = body + 2;
        for (let k = 0; k < n; k++) {
          const len = b.readInt32BE(at);
          at += 4;
          if (len === -1) {
            row[names[k]] = null;
            continue;
          }
          if (binary) {
            row[names[k]] = readers[k](b, at, len);
            at += len;
            continue;
          }
          const s = decoder.decode(b.subarray(at, at + len));
          at += len;
          const parse = parsers[k];
          row[names[k]] = parse ? parse(s, typeIds[k]) : s;
        }
        rows.push(row);
      } else if (type === ROW_DESCRIPTION) {
        const n = b.readInt16BE(body);
        names = new Array(n);
        typeIds = new Array(n);
        parsers = new Array(n);
        readers = new Array(n);
        let at = body + 2;
        for (let k = 0; k < n; k++) {
          const end = b.indexOf(0, at);
          names[k] = b.toString("utf8", at, end);
          at = end + 1;
          typeIds[k] = b.readInt32BE(at + 6);
          parsers[k] = this.pg.parsers[typeIds[k]];
          if (binary) readers[k] = binaryColumn(names[k], typeIds[k]);
          at += 18;
        }
      } else if (type === COMMAND_COMPLETE) {
        const tag = b.toString("utf8", body, b.indexOf(0, body)).split(" ");
        const count = Number.parseInt(tag[tag.length - 1], 10);
        if (["INSERT", "UPDATE", "DELETE", "COPY", "MERGE"].includes(tag[0])) affectedRows += count;
      } else if (type === ERROR_RESPONSE && !error) {
        error = databaseError(b, body, next, length);
      }
      i = next;
    }
    if (error) throw error;
    return { rows, affectedRows };
  }
}
