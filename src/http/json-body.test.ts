import fc from "fast-check";
import Fastify, { type FastifyRequest } from "fastify";
import { describe, expect, it, vi } from "vitest";
import { jsonFromBytes, LARGE_JSON_BODY, parseJsonFromBytes } from "./json-body.js";

type Done = (err: Error | null, body?: unknown) => void;
type Parse = (req: FastifyRequest, body: string, done: Done) => void;

/** Fastify's own JSON parser, as an instance with default options has it. */
const fastifyParse = Fastify().getDefaultJsonParser("error", "error") as unknown as Parse;
const req = {} as FastifyRequest;

/** What a parser answers for the bytes: the value, or the error's code. */
function answer(parse: (req: FastifyRequest, body: Buffer, done: Done) => void, bytes: Buffer) {
  let out: { value?: unknown; error?: string } | undefined;
  parse(req, bytes, (err, value) => {
    out = err ? { error: (err as Error & { code?: string }).code ?? err.message } : { value };
  });
  return out;
}
const viaBytes = (bytes: Buffer) => answer(jsonFromBytes(fastifyParse), bytes);
/** Fastify's way: the body decoded as UTF-8, then parsed. */
const viaString = (bytes: Buffer) => answer((r, b, done) => fastifyParse(r, b.toString("utf8"), done), bytes);

/** A document over the large-body size around the given JSON text. */
const large = (json: string) =>
  Buffer.from(`{"pad":"${"x".repeat(LARGE_JSON_BODY)}","value":${json}}`, "utf8");
const body = "Guten Tag, wir bestätigen Ihren Termin – Grüße 😀\n".repeat(200);

describe("JSON bodies parsed from their bytes", () => {
  it("give the value Fastify's parser gives, for any JSON value with any characters", () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: "binary" }), (v) => {
        const json = JSON.stringify(v);
        const bytes = large(json);
        const out = viaBytes(bytes);
        const fastify = viaString(bytes);
        expect(out).toEqual(fastify);
        // A "__proto__" or "constructor" key is refused by both (prototype poisoning); anything else parses.
        if (fastify?.error) expect(json).toMatch(/"(__proto__|constructor)"/);
        else expect((out?.value as { value: unknown } | undefined)?.value).toEqual(JSON.parse(json));
      }),
      { numRuns: 150, examples: [[JSON.parse('{"__proto__":null}')], [{ constructor: { prototype: 1 } }]] },
    );
  });

  it("decode invalid UTF-8 inside strings as the whole body's decoding does (U+FFFD)", () => {
    // Raw bytes in a string: anything but the quote, the backslash and control characters.
    const byte = fc.integer({ min: 0x20, max: 0xff }).filter((b) => b !== 0x22 && b !== 0x5c);
    const raw = fc.array(byte, { maxLength: 40 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(fc.array(raw, { maxLength: 8 }), (strings) => {
        const parts: Buffer[] = [Buffer.from(`{"pad":"${"y".repeat(LARGE_JSON_BODY)}","s":[`)];
        for (const [i, s] of strings.entries()) parts.push(Buffer.from(i ? ',"' : '"'), s, Buffer.from('"'));
        parts.push(Buffer.from("]}"));
        const bytes = Buffer.concat(parts);
        const out = viaBytes(bytes);
        expect(out).toEqual(viaString(bytes));
        expect((out?.value as { s: string[] } | undefined)?.s).toEqual(
          strings.map((s) => s.toString("utf8")),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("read a large body as Latin-1 (no UTF-8 decoding of the whole) and decode its strings", () => {
    const parse = vi.fn<Parse>(fastifyParse);
    const bytes = large(
      JSON.stringify({ messages: [{ to: "a@b.test", subject: "Bestätigung", text: body }] }),
    );
    const out = answer(jsonFromBytes(parse), bytes);
    expect(parse).toHaveBeenCalledTimes(1);
    expect(parse.mock.calls[0][1]).toBe(bytes.toString("latin1"));
    expect(out?.value).toEqual(JSON.parse(bytes.toString("utf8")));
  });

  it("go the ordinary way for small bodies, \\u escapes, non-ASCII keys, a BOM and invalid JSON", () => {
    const cases = [
      Buffer.from(JSON.stringify({ text: body.slice(0, 100) })),
      large('{"text":"Gr\\u00fc\\u00dfe \\ud83d\\ude00 und \\\\u00e4"}'),
      large('{"Grüße":"ä"}'),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), large('"ä"')]),
      large('{"text":"ä",}'),
      large('{"__proto__":{"admin":true},"ä":"ä"}'),
      large('{"constructor":{"prototype":{"admin":true}}}'),
      Buffer.alloc(0),
    ];
    for (const bytes of cases) expect(viaBytes(bytes)).toEqual(viaString(bytes));
    expect(viaBytes(cases[1])?.value).toMatchObject({ value: { text: "Grüße 😀 und \\u00e4" } });
    expect(viaBytes(cases[2])?.value).toMatchObject({ value: { Grüße: "ä" } });
    expect(viaBytes(cases[4])?.error).toBe("FST_ERR_CTP_INVALID_JSON_BODY");
    expect(viaBytes(cases[5])?.error).toBe("FST_ERR_CTP_INVALID_JSON_BODY");
  });

  it("decode a document nested deeper than the call stack reaches, as JSON.parse accepts it", () => {
    const depth = 200_000;
    const bytes = large(`${"[".repeat(depth)}"ä"${"]".repeat(depth)}`);
    const out = viaBytes(bytes);
    expect(out?.error).toBeUndefined();
    let v = (out?.value as { value: unknown } | undefined)?.value;
    for (let i = 0; i < depth; i++) v = (v as unknown[])[0];
    expect(v).toBe("ä");
  });

  it("serve as the instance's application/json parser", async () => {
    const app = Fastify();
    parseJsonFromBytes(app);
    app.post("/echo", async (r) => r.body);
    const payload = large(
      JSON.stringify({ messages: Array.from({ length: 20 }, (_, i) => ({ i, text: body })) }),
    );
    const res = await app.inject({
      method: "POST",
      url: "/echo",
      headers: { "content-type": "application/json; charset=utf-8" },
      payload,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(JSON.parse(payload.toString("utf8")));
    const bad = await app.inject({
      method: "POST",
      url: "/echo",
      headers: { "content-type": "application/json" },
      payload: large("{"),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe("FST_ERR_CTP_INVALID_JSON_BODY");
    await app.close();
  });
});
