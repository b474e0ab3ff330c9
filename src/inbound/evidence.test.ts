// The text primitives the classifier calls most are written by hand for speed; each must give exactly
// what the plain regular expression it replaces gives, for any text.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addressesIn, commandOf, firstAddress, sweep } from "./evidence.js";
import { type Phrase, phrases, presetIn, presets, type Reason, reasonsSaidIn, saysAny } from "./reasons.js";
import { ORIGINAL_MARKER, stripOriginal } from "./text.js";

const ADDRESS =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+/g;

/** The expression commandOf stood for before it was written by hand. */
function commandByExpressions(text: string): string | undefined {
  const found = new Set<string>();
  for (const m of text.matchAll(
    /(?<![A-Za-z0-9@.])(HELO|EHLO|STARTTLS|AUTH|MAIL F|MAIL|RCPT|DATA)(?![A-Za-z0-9@=])/g,
  )) {
    const c = m[1] === "MAIL F" ? "MAIL" : m[1];
    if (c === "MAIL" && !/^MAIL\s*FROM/i.test(text.slice(m.index, m.index + 10))) continue;
    found.add(c === "HELO" ? "EHLO" : c);
  }
  const t = text.toLowerCase();
  if (/after rcpt to|does not like recipient|\[rcpt_to\]|\(rcpt\)/.test(t)) found.add("RCPT");
  if (
    /after mail from|didn't like the sender|does not like sender|\[mail_from\]|but sender was rejected/.test(
      t,
    )
  )
    found.add("MAIL");
  if (
    /after end of data|after data|failed after i sent the message|\[end_of_data\]|after sending message|end of data/.test(
      t,
    )
  )
    found.add("DATA");
  if (/after (?:ehlo|helo)|but my name was rejected/.test(t)) found.add("EHLO");
  if (
    /after initial connection|in reply to initial greeting|but greeting failed|refused to talk to me|while talking to [^\s:]+:? <<< [45]/.test(
      t,
    )
  )
    found.add("CONN");
  return ["DATA", "RCPT", "MAIL", "AUTH", "STARTTLS", "EHLO", "CONN"].find((c) => found.has(c));
}

/** Texts made of the pieces these functions look for, so that matches are frequent. */
const pieces = [
  "a",
  "Z",
  "0",
  ".",
  "-",
  "_",
  "+",
  "@",
  "@@",
  " ",
  "  ",
  "\t",
  "\n",
  "\r\n",
  "\u00a0",
  "\u2028",
  "\u3000",
  "\ufeff",
  "<",
  ">",
  "(",
  ":",
  ";",
  "ä",
  "x.y",
  "user",
  "example.com",
  "a-b.de",
  "RCPT TO:",
  "MAIL FROM:",
  "MAIL",
  "DATA",
  "XDATA",
  "HELO",
  "EHLO",
  "AUTH",
  "STARTTLS",
  "after end of data",
  "after RCPT TO",
  "does not like sender",
  "refused to talk to me",
  "while talking to mx.example.com.: <<< 554",
  "but my name was rejected",
  "x".repeat(70),
];
const text = fc
  .array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 6 })), { maxLength: 40 })
  .map((a) => a.join(""));

describe("text primitives equal the expressions they replace", () => {
  it("addressesIn and firstAddress find what the address expression finds", () => {
    fc.assert(
      fc.property(text, (t) => {
        const want = t.match(ADDRESS) ?? [];
        expect(addressesIn(t)).toEqual(want);
        expect(firstAddress(t) === undefined).toBe(want.length === 0);
      }),
      { numRuns: 3000 },
    );
    expect(addressesIn(`${"a".repeat(80)}@example.com and <b@c.de>`)).toEqual([
      `${"a".repeat(64)}@example.com`,
      "b@c.de",
    ]);
  });

  it("sweep collapses whitespace exactly like replace(/\\s+/g, ' ').trim()", () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(sweep(t)).toBe(t.replace(/\s+/g, " ").trim());
      }),
      { numRuns: 3000 },
    );
  });

  it("commandOf names the command the expressions name", () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(commandOf(t)).toBe(commandByExpressions(t));
      }),
      { numRuns: 3000 },
    );
    expect(commandOf("host x said: 550 5.1.1 unknown (in reply to RCPT TO command)")).toBe("RCPT");
    expect(commandOf("ODATA and xRCPT are not commands")).toBeUndefined();
    // A gateway's reply that logs the client's HELO as a field answered no HELO (IMail quoting a URIBL
    // refusal after DATA: "550-H=mail.example.com [192.0.2.11] HELO=[mail.example.com]").
    expect(
      commandOf("550-REJECTED - Blacklisted URL in message. 550-H=x [192.0.2.11] HELO=[x]"),
    ).toBeUndefined();
  });

  it("the phrase automaton finds every reason the phrase lists name, and the first preset", () => {
    const table = Object.entries(phrases) as Array<[Reason, readonly Phrase[]]>;
    const words = [
      ...presets.flatMap(([, list]) => list),
      ...table.flatMap(([, list]) => list.flatMap((p) => (typeof p === "string" ? [p] : p))),
    ];
    const byList = (t: string) => presets.find(([, list]) => list.some((p) => t.includes(p)))?.[0];
    const reasonsByList = (t: string) => table.filter(([, list]) => saysAny(t, list)).map(([r]) => r);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...words, " ", "x"), fc.string({ maxLength: 3 })), {
          maxLength: 8,
        }),
        (a) => {
          const t = a.join("");
          expect(presetIn(t)).toBe(byList(t));
          expect([...reasonsSaidIn(t)].sort()).toEqual(reasonsByList(t).sort());
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("stripOriginal cuts where the marker expression first matches", () => {
    const markers = [
      "----- Original message follows -----",
      "------ This is a copy of the message, including all the headers. ------",
      "Content-Type: message/rfc822",
      "  -- Nachricht",
      "Ursprüngliche Nachricht",
      " Kopf der ursprünglichen Nachricht",
      "original message headers:",
      "The original message was received at",
      "Your message reads (in part):",
      "\n",
      "\r",
      "\u2028",
      "Received: from x\nSubject: y",
      "text",
      " ",
    ];
    /** The cut as the marker expression makes it, tried at every position. */
    const cutByExpression = (t: string) => {
      let cut = t.length;
      const m = ORIGINAL_MARKER.exec(t);
      if (m && m.index > 0) cut = m.index;
      else if (m) {
        const again = ORIGINAL_MARKER.exec(t.slice(1));
        if (again) cut = again.index + 1;
      }
      const hb =
        /\n(?:Return-Path|Received|Message-I[Dd]|DKIM-Signature|X-Original-To): .+\n(?:[A-Za-z-]+: |\s)/.exec(
          t,
        );
      return hb && hb.index + 1 < cut ? hb.index + 1 : cut;
    };
    const lines = fc.array(fc.oneof(fc.constantFrom(...markers), fc.string({ maxLength: 4 })), {
      maxLength: 12,
    });
    fc.assert(
      fc.property(lines, fc.constantFrom("\n", "", " "), (a, glue) => {
        const t = a.join(glue);
        expect(stripOriginal(t).report.length).toBe(cutByExpression(t));
      }),
      { numRuns: 2000 },
    );
  });
});
