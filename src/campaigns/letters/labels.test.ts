import { describe, expect, it } from "vitest";
import { requirePeer } from "../../../test/peers/require.js";
import { type LabelAddress, renderLabelsPdf } from "./index.js";
import { lines, pdfPages, pdftotextMissing, pdfWords, type Word } from "./pdftotext.testkit.js";

function address(n: number, overrides: Partial<LabelAddress> = {}): LabelAddress {
  const tag = `E${String(n).padStart(2, "0")}`;
  return {
    name_lines: [`Frau ${tag} Müller`],
    street: `Große Straße ${n}`,
    postal_code: String(10000 + n),
    city: "Berlin",
    ...overrides,
  };
}

/** The 70 × 42.3 mm cell of label `slot` on a 3 × 7 sheet with 0.45 mm at the top. */
function cell(slot: number) {
  const column = slot % 3;
  const row = Math.floor(slot / 3);
  return {
    left: column * 70,
    right: (column + 1) * 70,
    top: 0.45 + row * 42.3,
    bottom: 0.45 + (row + 1) * 42.3,
  };
}

function inside(w: Word, c: ReturnType<typeof cell>): boolean {
  return w.x >= c.left && w.xMax <= c.right && w.y >= c.top && w.yMax <= c.bottom;
}

requirePeer("pdftotext", pdftotextMissing)("address labels read back with pdftotext", () => {
  it("fills a 3 × 7 sheet row by row and starts a new sheet after 21 labels", async () => {
    const pdf = await renderLabelsPdf(Array.from({ length: 23 }, (_, i) => address(i + 1)));
    const pages = await pdfWords(pdf);
    expect(pages).toHaveLength(2);
    expect(pages.map((words) => words.filter((w) => /^E\d\d$/.test(w.text)).length)).toEqual([21, 2]);
    for (let i = 0; i < 23; i++) {
      const page = pages[Math.floor(i / 21)];
      const slot = i % 21;
      const tag = page.filter((w) => w.text === `E${String(i + 1).padStart(2, "0")}`);
      expect(tag, `label ${i + 1}`).toHaveLength(1);
      expect(inside(tag[0], cell(slot)), `label ${i + 1} in slot ${slot}`).toBe(true);
      const city = page.find((w) => w.text === String(10001 + i))!;
      expect(inside(city, cell(slot)), `postal code of label ${i + 1}`).toBe(true);
    }
  });

  it("prints every line of the address, umlauts included, in reading order", async () => {
    const pages = await pdfPages(await renderLabelsPdf([address(1), address(2), address(3), address(4)]));
    expect(pages).toHaveLength(1);
    const text = lines(pages[0]);
    expect(text[0]).toBe("Frau E01 Müller  Frau E02 Müller  Frau E03 Müller");
    expect(text[1]).toBe("Große Straße 1  Große Straße 2  Große Straße 3");
    expect(text[2]).toBe("10001 Berlin  10002 Berlin  10003 Berlin");
    expect(text[3]).toBe("Frau E04 Müller");
  });

  it("adds a foreign country in capitals and keeps long lines inside their label", async () => {
    const long = address(1, {
      name_lines: ["Gemeinschaftspraxis für Allgemeinmedizin und Naturheilverfahren Dr. Übermut"],
      country: "Schweiz",
      postal_code: "8001",
      city: "Zürich",
    });
    const pdf = await renderLabelsPdf([long, address(2)]);
    const text = lines((await pdfPages(pdf))[0]);
    expect(text.some((l) => l.startsWith("SCHWEIZ"))).toBe(true);
    const [words] = await pdfWords(pdf);
    const first = words.filter((w) => w.y < 42.75);
    for (const w of first.filter((w) => w.x < 70)) expect(w.xMax).toBeLessThanOrEqual(70 - 5);
    expect(first.some((w) => w.text.endsWith("…"))).toBe(true);
  });
});

describe("address label PDF", () => {
  it("refuses an address it cannot print, saying which label and why", async () => {
    await expect(renderLabelsPdf([address(1), address(2, { street: " " })])).rejects.toMatchObject({
      code: "invalid",
      message: expect.stringMatching(/label 2 .*no street/),
    });
  });

  it("refuses an unknown layout", async () => {
    const layout = "4x10" as unknown as "3x7";
    await expect(renderLabelsPdf([address(1)], { layout })).rejects.toMatchObject({
      code: "invalid",
      message: expect.stringContaining("4x10"),
    });
  });

  it("refuses to render a document without addresses, which would have no page", async () => {
    await expect(renderLabelsPdf([])).rejects.toMatchObject({ code: "invalid" });
  });
});
