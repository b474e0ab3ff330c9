// The keyed HMAC (secretKey kept per secret) must give the MACs a plain string-keyed HMAC gives: tokens,
// VERP addresses and blocklist hashes made before it must still verify and match.
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hmac } from "./crypto.js";

describe("hmac", () => {
  it("equals HMAC-SHA256 under the secret's UTF-8 bytes, also when the secret changes between calls", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ minLength: 1, unit: "grapheme" }), fc.string({ unit: "grapheme" })), {
          minLength: 1,
          maxLength: 5,
        }),
        (calls) => {
          for (const [secret, text] of calls) {
            expect(hmac(secret, text)).toBe(createHmac("sha256", secret).update(text).digest("base64url"));
            expect(hmac(secret, text, "hex")).toBe(createHmac("sha256", secret).update(text).digest("hex"));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
