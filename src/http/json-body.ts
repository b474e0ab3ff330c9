// JSON request bodies parsed from their bytes without decoding a large body into one UTF-16 string first.
//
// Why: Fastify's JSON parser decodes the whole body (`Buffer#toString("utf8")`) and parses the string. For a
// batch of 500 messages with 5 KB German bodies that is a 2.5 MB body decoded into a 5 MB two-byte string: V8
// decodes non-ASCII UTF-8 into a fresh string of that size at ~180 MB/s (~28–34 µs per message of the API's
// one thread, transactional benchmark), where the same bytes decoded 5 KB at a time take ~6 µs.
//
// How: a large body is read as Latin-1 — one character per byte, a one-byte string made by copying — and
// parsed as that. JSON's syntax is ASCII, and a UTF-8 multi-byte sequence holds no ASCII byte, so every
// string value of the document comes out holding exactly its UTF-8 bytes, one character each; the strings
// that hold any byte above 0x7F are then decoded from those bytes. Each such run of bytes is decoded as
// the whole body's decoding would have decoded it (an invalid sequence becomes U+FFFD the same way: a
// sequence never continues past an ASCII byte, so what surrounds a string does not change its decoding).
// The one escape that yields a character above 0x7F, `\uXXXX`, would be taken for a byte: a body holding
// `\u` anywhere, a key with such bytes, or anything the Latin-1 parse refuses (a BOM, invalid JSON) goes
// the ordinary way, so the answer — value or error — is always what Fastify's own parser gives.
import type { FastifyInstance, FastifyRequest } from "fastify";

type Done = (err: Error | null, body?: unknown) => void;
type JsonParser = (req: FastifyRequest, body: string, done: Done) => void;

/** Below this size a body is decoded as UTF-8 and parsed as before: the saving is in large bodies. */
export const LARGE_JSON_BODY = 64 * 1024;

const BACKSLASH_U = Buffer.from("\\u", "latin1");
const NON_ASCII = /[\u0080-\uffff]/;

/** A reused area for re-encoding a string's bytes, so each decode needs no allocation of its own. */
let scratch = Buffer.allocUnsafe(64 * 1024);

/** A string parsed from Latin-1 text: its bytes decoded as UTF-8 (unchanged when it is ASCII). */
function utf8Of(s: string): string {
  if (!NON_ASCII.test(s)) return s;
  if (scratch.length < s.length) scratch = Buffer.allocUnsafe(Math.max(s.length, scratch.length * 2));
  const n = scratch.write(s, 0, "latin1");
  return scratch.toString("utf8", 0, n);
}

/**
 * Decodes every string of the value in place and returns the value; throws NON_ASCII_KEY when a key holds a
 * non-ASCII byte (not handled here). A loop over a stack of containers, not recursion: JSON.parse accepts
 * documents nested far deeper than the call stack reaches.
 */
function decodeStrings(v: unknown): unknown {
  if (typeof v === "string") return utf8Of(v);
  const open: object[] = typeof v === "object" && v !== null ? [v] : [];
  for (let c = open.pop(); c !== undefined; c = open.pop()) {
    if (Array.isArray(c)) {
      for (let i = 0; i < c.length; i++) {
        const x = c[i];
        if (typeof x === "string") c[i] = utf8Of(x);
        else if (typeof x === "object" && x !== null) open.push(x);
      }
      continue;
    }
    const o = c as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (NON_ASCII.test(k)) throw NON_ASCII_KEY;
      const x = o[k];
      if (typeof x === "string") o[k] = utf8Of(x);
      else if (typeof x === "object" && x !== null) open.push(x);
    }
  }
  return v;
}

const NON_ASCII_KEY = new Error("a key with non-ASCII characters");

/**
 * A body parser giving the same value (or error) as `parse` over the body decoded as UTF-8; `parse` is
 * Fastify's default JSON parser (secure-json-parse with the instance's prototype-poisoning options).
 */
declare module "fastify" {
  interface FastifyRequest {
    /** Whether the JSON body holds a `\u` escape (undefined when the body was not JSON): only an escape
     * gives a string NUL or a lone surrogate, which the routes refuse (src/http/storable-text.ts). */
    jsonEscapes?: boolean;
  }
}

export function jsonFromBytes(parse: JsonParser) {
  return (req: FastifyRequest, body: Buffer, done: Done) => {
    const ordinary = () => parse(req, body.toString("utf8"), done);
    const escapes = body.indexOf(BACKSLASH_U) !== -1;
    req.jsonEscapes = escapes;
    if (body.length < LARGE_JSON_BODY || escapes) return ordinary();
    let answered = false;
    let failed = false;
    let value: unknown;
    parse(req, body.toString("latin1"), (err, v) => {
      answered = true;
      failed = err !== null;
      value = v;
    });
    // Fastify's parser answers at once; one that did not (another version) is left to its ordinary way.
    if (!answered || failed) return ordinary();
    try {
      value = decodeStrings(value);
    } catch (err) {
      if (err === NON_ASCII_KEY) return ordinary();
      throw err;
    }
    done(null, value);
  };
}

/** Installs jsonFromBytes as the instance's `application/json` parser. */
export function parseJsonFromBytes(app: FastifyInstance) {
  const parse = app.getDefaultJsonParser(
    app.initialConfig.onProtoPoisoning ?? "error",
    app.initialConfig.onConstructorPoisoning ?? "error",
  ) as unknown as JsonParser;
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, jsonFromBytes(parse));
}
