import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileTemplate, engineFor } from "./engine.js";
import { plainTemplate, renderPlain } from "./plain-outputs.js";

const KEYS = [
  "contact",
  "first_name",
  "a",
  "b",
  "size",
  "first",
  "last",
  "true",
  "nil",
  "constructor",
  "toLiquid",
];

const leaf = fc.oneof(
  fc.string({ unit: fc.constantFrom("a", "ü", "<", ">", "&", '"', "'", " ", "\n", "{", "}") }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(new Date(Date.UTC(2026, 2, 1))),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie("v"), { maxKeys: 4 }),
  ),
})).v;
const scope = fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 5 });

/** Template sources: text with the characters Liquid reads specially, and outputs of many shapes. */
const piece = fc.oneof(
  fc.string({ unit: fc.constantFrom("x", " ", "<", "&", "{", "}", "%", "-", "|", ".", "\n") }),
  fc
    .tuple(
      fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }),
      fc.constantFrom("", " ", "  ", "\n"),
      fc.constantFrom("", " ", "-", " | upcase", "}"),
    )
    .map(([path, ws, extra]) => `{{${ws}${path.join(".")}${ws}${extra}}}`),
);
const source = fc.array(piece, { maxLength: 6 }).map((p) => p.join(""));

function liquid(src: string, s: Record<string, unknown>, escapeHtml: boolean): string | { error: true } {
  try {
    return engineFor(escapeHtml ? "html" : "text").parseAndRenderSync(src, s) as string;
  } catch {
    return { error: true };
  }
}

describe("plain outputs (rendered without LiquidJS)", () => {
  it("renders exactly what LiquidJS renders, or leaves the message to LiquidJS", () => {
    let rendered = 0;
    fc.assert(
      fc.property(source, scope, fc.boolean(), (src, s, escapeHtml) => {
        const plain = plainTemplate(src, escapeHtml);
        const fast = plain ? renderPlain(plain, s) : undefined;
        if (fast === undefined) return;
        rendered++;
        expect(fast).toBe(liquid(src, s, escapeHtml));
      }),
      { numRuns: 3000 },
    );
    // The comparison means something only if the fast path rendered a good share of the cases.
    expect(rendered).toBeGreaterThan(300);
  });

  it("takes the fast path for a campaign's merge fields and escapes them in HTML", () => {
    const src =
      "<p>{{ contact.letter_salutation }}</p>\n<p>{{contact.first_name}} {{ contact.last_name }}</p>";
    const s = {
      contact: { letter_salutation: "Liebe Frau Groß,", first_name: "<Anna>", last_name: "O'Neil & Co" },
    };
    const plain = plainTemplate(src, true);
    expect(plain).not.toBeNull();
    const fast = renderPlain(plain!, s);
    expect(fast).toBe("<p>Liebe Frau Groß,</p>\n<p>&lt;Anna&gt; O&#39;Neil &amp; Co</p>");
    expect(fast).toBe(liquid(src, s, true));
  });

  it("leaves tags, filters and whitespace control to LiquidJS", () => {
    for (const src of ["{% if a %}x{% endif %}", "{{ a | upcase }}", "{{- a }}", "{{ a[0] }}", "{{ true }}"])
      expect(plainTemplate(src, false)).toBeNull();
    // A missing field is Liquid's error to word, with its line and column.
    const t = compileTemplate({ subject: "Hallo {{ contact.first_name }}", html: null, text: "x" });
    const plain = plainTemplate("{{ contact.nickname }}", false);
    expect(renderPlain(plain!, { contact: {} })).toBeUndefined();
    expect(t.render({ contact: { first_name: "Anna" } }).subject).toBe("Hallo Anna");
  });
});
