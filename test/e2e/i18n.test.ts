// The dashboard's dictionaries (web/src/i18n): English has every key German has, with the same kind of
// value, and every message status the server can derive has a label and an explanation in both.
import { describe, expect, it } from "vitest";
import { messageStatuses } from "../../src/events/status.js";
import { de } from "../../web/src/i18n/de.js";
import { en } from "../../web/src/i18n/en.js";

type Tree = { [k: string]: unknown };

/** Every path to a leaf with the leaf's kind (string, function/arity, array length). */
function shape(v: unknown, prefix = ""): string[] {
  if (typeof v === "string") return [`${prefix}:string`];
  if (typeof v === "function") return [`${prefix}:fn/${v.length}`];
  if (Array.isArray(v)) return [`${prefix}:array/${v.length}`];
  return Object.entries(v as Tree).flatMap(([k, x]) => shape(x, prefix ? `${prefix}.${k}` : k));
}

describe("dashboard dictionaries", () => {
  it("have the same keys and kinds of value in German and English", () => {
    const a = shape(de).sort();
    const b = shape(en).sort();
    expect(
      b.filter((x) => !a.includes(x)),
      "in en.ts but not de.ts",
    ).toEqual([]);
    expect(
      a.filter((x) => !b.includes(x)),
      "in de.ts but not en.ts",
    ).toEqual([]);
  });

  it("name and explain every message status in both languages", () => {
    for (const dict of [de, en]) {
      for (const s of messageStatuses) {
        expect(dict.statuses[s]?.label, s).toBeTruthy();
        expect(dict.statuses[s]?.help, s).toBeTruthy();
      }
    }
    // The seed-000 words (DESIGN §2) are the German labels.
    expect(
      ["processed", "sent", "delivered", "opened", "soft_bounced", "hard_bounced", "blocked"].map(
        (s) => de.statuses[s].label,
      ),
    ).toEqual(["Bearbeitet", "Gesendet", "Zugestellt", "Geöffnet", "Soft Bounce", "Hard Bounce", "Geblockt"]);
  });

  it("differ where they should (no untranslated copy of a German label)", () => {
    expect(en.nav.activities).not.toBe(de.nav.activities);
    const same = shape(de)
      .filter((p) => p.endsWith(":string"))
      .map((p) => p.slice(0, -":string".length))
      .filter((p) => {
        const get = (d: unknown) => p.split(".").reduce<unknown>((o, k) => (o as Tree)[k], d);
        return get(de) === get(en);
      });
    // Words that are the same in both languages (product name, technical terms, language names).
    const allowed =
      /^(app\.name|app\.none|lang\.|statuses\.(soft|hard)_bounced\.label|message\.(messageId|returnPath)|settings\.(port|code))/;
    const cognates = new Set([
      "Details",
      "Administrator",
      "Status",
      "Import",
      "Webhook",
      "System",
      "Name",
      "Server",
      // Seed 003 calls a tool's one-off sending "Mailing" in German too.
      "Mailing",
    ]);
    const value = (p: string) => p.split(".").reduce<unknown>((o, k) => (o as Tree)[k], de);
    expect(same.filter((p) => !allowed.test(p) && !cognates.has(value(p) as string))).toEqual([]);
  });
});
