import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { campaignQp, encodeQuotedPrintable, encodeQuotedPrintableInto, messageQp } from "./qp.js";
import { campaignEncoderBefore, messageEncoderBefore } from "./qp-oracles.testkit.js";

/** RFC 2045 §6.7 decoding, written independently of the encoder: drop soft breaks, then =XX → byte. */
function decode(qp: string): string {
  const bytes: number[] = [];
  const s = qp.replace(/=\r\n/g, "");
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "=") {
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(s.charCodeAt(i));
  }
  return Buffer.from(bytes).toString("utf8");
}

const crlfText = fc.string({ unit: "binary", maxLength: 600 }).map((s) => s.replace(/\r\n|\r|\n/g, "\r\n"));

describe("quoted-printable", () => {
  it("decodes back to the text, with lines of at most 76 characters and no white space at their end", () => {
    fc.assert(
      fc.property(crlfText, (text) => {
        const qp = encodeQuotedPrintable(text);
        expect(decode(qp)).toBe(text);
        for (const line of qp.split("\r\n")) {
          expect(line.length).toBeLessThanOrEqual(76);
          expect(line).not.toMatch(/[ \t]$/);
          expect(line).toMatch(/^[\x21-\x7e \t]*$/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("keeps ASCII readable and escapes what RFC 2045 says", () => {
    expect(encodeQuotedPrintable("Grüße = 100 % \r\nZeile 2 ")).toBe(
      "Gr=C3=BC=C3=9Fe =3D 100 %=20\r\nZeile 2=20",
    );
    const long = encodeQuotedPrintable("x".repeat(80));
    expect(long).toBe(`${"x".repeat(75)}=\r\nxxxxx`);
    // the worst case for the output buffer: every byte escaped, over many lines
    const worst = "€😀".repeat(3000);
    expect(decode(encodeQuotedPrintable(worst))).toBe(worst);
    // a soft break never splits an =XX triplet
    const umlauts = encodeQuotedPrintable("ä".repeat(30)).split("\r\n");
    expect(umlauts.every((l) => /^(=[0-9A-F]{2})*=?$/.test(l))).toBe(true);
  });

  it("takes bare LF and bare CR as line breaks, exactly as the text with CRLF", () => {
    const anyBreaks = fc.string({ unit: "binary", maxLength: 600 });
    fc.assert(
      fc.property(anyBreaks, (text) => {
        expect(encodeQuotedPrintable(text)).toBe(encodeQuotedPrintable(text.replace(/\r\n|\r|\n/g, "\r\n")));
      }),
      { numRuns: 500 },
    );
    expect(encodeQuotedPrintable("a \nb\rc\r\n")).toBe("a=20\r\nb\r\nc\r\n");
  });

  it("keeps each output area's encoding until that area is used again", () => {
    const text = encodeQuotedPrintableInto("Grüße aus Köln", 0);
    const html = encodeQuotedPrintableInto("<p>Straße</p>", 1);
    expect(Buffer.from(text).toString("latin1")).toBe("Gr=C3=BC=C3=9Fe aus K=C3=B6ln");
    expect(Buffer.from(html).toString("latin1")).toBe("<p>Stra=C3=9Fe</p>");
  });
});

describe("one encoder for messages and campaigns", () => {
  // Random UTF-8 (astral characters, umlauts), long lines, blanks before breaks and at the end, CRLF / LF /
  // CR, dots (at line starts and where a soft break falls), "=" and lines around the 76-column limit.
  const piece = fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 20 }),
    fc.constantFrom(" ", "\t", ".", "=", "ü", "€", "😀", "\n", "\r\n", "\r", " \r\n", "\t\n", ".\r\n."),
    fc.integer({ min: 70, max: 160 }).map((n) => "x".repeat(n)),
    fc.integer({ min: 70, max: 80 }).map((n) => `${"y".repeat(n)}.`),
  );
  const text = fc.array(piece, { maxLength: 40 }).map((a) => a.join(""));

  it("writes byte for byte what each former encoder wrote (stored digests keep matching)", () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(messageQp.string(s)).toBe(messageEncoderBefore(s));
        expect(campaignQp.string(s)).toBe(campaignEncoderBefore(s));
      }),
      { numRuns: 3000 },
    );
  });

  it("differs between the rules only where the former encoders did", () => {
    // A dot starting a line: campaigns encode it; a 76-character line: only messages keep it whole.
    expect(messageQp.string(".a\n.b")).toBe(".a\r\n.b");
    expect(campaignQp.string(".a\n.b")).toBe("=2Ea\r\n=2Eb");
    expect(messageQp.string("x".repeat(76))).toBe("x".repeat(76));
    expect(campaignQp.string("x".repeat(76))).toBe(`${"x".repeat(75)}=\r\nx`);
    // a soft break that leaves a dot at the start of the next line
    expect(campaignQp.string(`${"x".repeat(75)}.y`)).toBe(`${"x".repeat(75)}=\r\n=2Ey`);
  });
});
