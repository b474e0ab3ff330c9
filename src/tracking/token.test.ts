import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newId } from "../util/ids.js";
import { RateLimiter } from "./rate-limit.js";
import { openToken, signToken } from "./token.js";
import { listUnsubscribeHeaders, readUnsubscribeToken, unsubscribeToken } from "./unsubscribe.js";

const SECRET = "test-secret-0123456789abcdef";

/** Ids as src/util/ids.ts makes them, and odd ones a host application might bring. */
const generatedId = (prefix: string) => fc.integer({ min: 0, max: 2 ** 45 }).map((ms) => newId(prefix, ms));
const anyId = (prefix: string) =>
  fc.oneof(
    generatedId(prefix),
    generatedId("x"),
    fc.string({ minLength: 1, maxLength: 60, unit: "grapheme" }).filter((s) => Buffer.byteLength(s) <= 127),
  );
const link = fc.record({
  contactId: anyId("con"),
  listId: fc.option(anyId("list"), { nil: null }),
  campaignId: fc.option(anyId("cmp"), { nil: null }),
  messageId: fc.option(anyId("msg"), { nil: null }),
  withdrawConsent: fc.boolean(),
});

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

describe("unsubscribe tokens", () => {
  it("read back exactly what was signed, for any ids and flags", () => {
    fc.assert(
      fc.property(link, (p) => {
        expect(readUnsubscribeToken(SECRET, unsubscribeToken(SECRET, p))).toEqual(p);
      }),
    );
  });

  it("stay short: a link naming contact, list, campaign and message fits in 110 characters", () => {
    const t = unsubscribeToken(SECRET, {
      contactId: newId("con"),
      listId: newId("list"),
      campaignId: newId("cmp"),
      messageId: newId("msg"),
      withdrawConsent: true,
    });
    expect(t.length).toBeLessThanOrEqual(110);
    expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(unsubscribeToken(SECRET, { contactId: newId("con") }).length).toBeLessThanOrEqual(44);
  });

  it("refuse any token with one character changed", () => {
    fc.assert(
      fc.property(link, fc.nat(), fc.nat(), (p, where, by) => {
        const t = unsubscribeToken(SECRET, p);
        const i = where % t.length;
        const replacement = ALPHABET[(ALPHABET.indexOf(t[i]) + 1 + (by % 63)) % 64];
        const altered = t.slice(0, i) + replacement + t.slice(i + 1);
        expect(altered).not.toBe(t);
        expect(readUnsubscribeToken(SECRET, altered)).toBeNull();
      }),
    );
  });

  it("refuse truncated, extended, foreign-secret and garbage tokens", () => {
    const t = unsubscribeToken(SECRET, { contactId: newId("con"), listId: newId("list") });
    expect(readUnsubscribeToken(SECRET, t.slice(0, -1))).toBeNull();
    expect(readUnsubscribeToken(SECRET, t.slice(1))).toBeNull();
    expect(readUnsubscribeToken(SECRET, `${t}A`)).toBeNull();
    expect(readUnsubscribeToken("another-secret-entirely-000000", t)).toBeNull();
    for (const junk of ["", "a", "%%%", "x".repeat(5000), "ä", `${t}=`, `${t} `]) {
      expect(readUnsubscribeToken(SECRET, junk)).toBeNull();
    }
  });

  it("never passes as a token of another purpose", () => {
    const payload = Buffer.from("payload");
    const t = signToken(SECRET, "signup-form", payload);
    expect(openToken(SECRET, "signup-form", t)?.equals(payload)).toBe(true);
    expect(openToken(SECRET, "unsubscribe", t)).toBeNull();
    expect(openToken(SECRET, "signup-form", t, "other bound text")).toBeNull();
  });
});

describe("List-Unsubscribe headers", () => {
  it("carry the https link in angle brackets and the RFC 8058 one-click marker", () => {
    expect(listUnsubscribeHeaders("https://p.example/u/abc")).toEqual({
      "List-Unsubscribe": "<https://p.example/u/abc>",
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
  });

  it("add a mailto URI after the link when given", () => {
    expect(listUnsubscribeHeaders("https://p.example/u/abc", "abmelden@example.org")).toEqual({
      "List-Unsubscribe": "<https://p.example/u/abc>, <mailto:abmelden@example.org>",
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
    expect(
      listUnsubscribeHeaders("https://p.example/u/abc", "mailto:a@example.org")["List-Unsubscribe"],
    ).toBe("<https://p.example/u/abc>, <mailto:a@example.org>");
  });
});

describe("the rate limiter", () => {
  it("allows a burst of its capacity, then one per refill interval", () => {
    const rl = new RateLimiter({ capacity: 3, refillPerSecond: 0.5 });
    const t0 = 1_000_000;
    expect([1, 2, 3].map(() => rl.take("1.2.3.4", t0).ok)).toEqual([true, true, true]);
    const refused = rl.take("1.2.3.4", t0);
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(rl.take("5.6.7.8", t0).ok).toBe(true);
    expect(rl.take("1.2.3.4", t0 + 1_000).ok).toBe(false);
    expect(rl.take("1.2.3.4", t0 + 2_100).ok).toBe(true);
  });

  it("keeps at most maxKeys buckets whatever arrives", () => {
    const rl = new RateLimiter({ capacity: 2, refillPerSecond: 0.001, maxKeys: 50 });
    for (let i = 0; i < 1000; i++) rl.take(`10.0.${i >> 8}.${i & 255}`, 5);
    expect((rl as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(51);
  });
});
