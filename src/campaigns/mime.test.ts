// The campaign MIME compiled once per run (DESIGN §3.5): the hand-written quoted-printable encoder round-trips
// any text and keeps RFC 2045's line rules, and assembled messages parse as what they say.
import fc from "fast-check";
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { compileSkeleton, quotedPrintable } from "./mime.js";

/** RFC 2045 §6.7 decoding, written plainly: soft breaks vanish, =XX becomes the byte. */
function decodeQp(encoded: string): Buffer {
  const joined = encoded.replace(/=\r\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    if (joined[i] === "=") {
      bytes.push(Number.parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(joined.charCodeAt(i));
  }
  return Buffer.from(bytes);
}

const crlf = (s: string) => s.replace(/\r\n|\r|\n/g, "\r\n");

describe("quotedPrintable", () => {
  it("round-trips any text, with CRLF line breaks, lines of at most 76 characters and nothing to dot-stuff", () => {
    const text = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 400 }),
      fc
        .array(fc.constantFrom("a", " ", "\t", ".", "=", "ü", "€", "\n", "\r\n", "x".repeat(80), "😀"), {
          maxLength: 200,
        })
        .map((a) => a.join("")),
    );
    fc.assert(
      fc.property(text, (s) => {
        const out = quotedPrintable(s).toString("latin1");
        expect(decodeQp(out).toString("utf8")).toBe(crlf(s));
        for (const line of out.split("\r\n")) {
          expect(line.length).toBeLessThanOrEqual(76);
          expect(line.startsWith(".")).toBe(false);
          expect(/[ \t]$/.test(line)).toBe(false);
          expect(/^[\x21-\x7e \t]*$/.test(line)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("the compiled skeleton", () => {
  const skeleton = compileSkeleton({
    fromAddress: "info@praxis.example",
    fromName: "Praxis Dr. Schölz",
    replyTo: "antwort@praxis.example",
    boundary: "=_ps_0123456789abcdef",
    oneClickUnsubscribe: true,
  });

  it("builds a multipart/alternative message that parses back to its parts", async () => {
    const raw = skeleton.build({
      to: "erika@example.org",
      subject: "Ihr Termin am Montag – bitte bestätigen",
      date: new Date("2026-03-02T08:30:00Z"),
      messageIdHeader: "<msg_1@praxis.example>",
      listUnsubscribe: "<https://post.example/u/abc>",
      text: "Guten Tag,\n.\nIhr Termin: Montag.\n",
      html: "<p>Guten Tag,</p>\n<p>Ihr Termin: <b>Montag</b> – 9 Uhr.</p>",
    });
    const m = await simpleParser(raw);
    expect(m.subject).toBe("Ihr Termin am Montag – bitte bestätigen");
    expect(m.from?.value[0]).toEqual({ address: "info@praxis.example", name: "Praxis Dr. Schölz" });
    expect(m.replyTo?.value[0].address).toBe("antwort@praxis.example");
    expect(m.messageId).toBe("<msg_1@praxis.example>");
    expect(m.date?.toISOString()).toBe("2026-03-02T08:30:00.000Z");
    expect(m.text).toBe("Guten Tag,\n.\nIhr Termin: Montag.\n");
    expect(m.html).toBe("<p>Guten Tag,</p>\n<p>Ihr Termin: <b>Montag</b> – 9 Uhr.</p>");
    expect(raw.toString()).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
    expect(raw.toString().endsWith("--=_ps_0123456789abcdef--\r\n")).toBe(true);
  });

  it("builds a text-only message when the template has no HTML", async () => {
    const raw = skeleton.build({
      to: "erika@example.org",
      subject: "Hallo",
      date: new Date(),
      messageIdHeader: "<msg_2@praxis.example>",
      listUnsubscribe: null,
      text: "Nur Text",
      html: null,
    });
    const m = await simpleParser(raw);
    expect(m.text?.trim()).toBe("Nur Text");
    expect(m.html).toBe(false);
    expect(raw.toString()).not.toMatch(/^List-Unsubscribe:/m);
  });
});
