import { once } from "node:events";
import { Writable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { requirePeer } from "../../../test/peers/require.js";
import { AppError } from "../../util/errors.js";
import { type Letter, type LetterOptions, renderLettersPdf, writeLettersPdf } from "./index.js";
import { lines, pdfPages, pdftotextMissing, pdfWords } from "./pdftotext.testkit.js";

const options: LetterOptions = {
  sender: { name: "Praxis Dr. Lange", street: "Hauptstraße 5", postal_code: "10117", city: "Berlin" },
  letterhead: ["Praxis Dr. Lange", "Hauptstraße 5 · 10117 Berlin"],
};
const RETURN_LINE = "Praxis Dr. Lange · Hauptstraße 5 · 10117 Berlin";

function letter(name: string, overrides: Partial<Letter> = {}): Letter {
  return {
    recipient: { name_lines: [`Frau ${name}`], street: "Lindenweg 3", postal_code: "04109", city: "Leipzig" },
    date: new Date("2026-11-23T09:00:00Z"),
    subject: "Neue Sprechzeiten",
    salutation: `Sehr geehrte Frau ${name},`,
    body: "ab Dezember ändern sich unsere Sprechzeiten.\n\nBitte vereinbaren Sie Termine telefonisch.",
    language: "de",
    ...overrides,
  };
}

/** A body long enough to need `pages` pages in all (a page holds about 45 short lines). */
function longBody(paragraphs: number): string {
  return Array.from(
    { length: paragraphs },
    (_, i) =>
      `Absatz ${i + 1}: Die Praxis bleibt mittwochs geschlossen; Termine gibt es nur nach Vereinbarung.`,
  ).join("\n\n");
}

/** Indexes of the pages on which a letter starts: only first pages carry the return address line. */
function letterStarts(pages: string[]): number[] {
  return pages.flatMap((page, i) => (page.includes(RETURN_LINE) ? [i] : []));
}

function pagesOfLetter(pages: string[], starts: number[], n: number): string[] {
  return pages.slice(starts[n], starts[n + 1] ?? pages.length);
}

requirePeer("pdftotext", pdftotextMissing)("serial letters read back with pdftotext", () => {
  it("prints one letter per recipient, each from a new page, in the given order", async () => {
    const names = ["Erika Scholz", "Berta Albers", "Zoe Maier"];
    const pdf = await renderLettersPdf(
      names.map((n, i) => letter(n, i === 1 ? { body: longBody(30) } : {})),
      options,
    );
    const pages = await pdfPages(pdf);
    const starts = letterStarts(pages);
    expect(starts).toEqual([0, 1, 3]);
    expect(pages).toHaveLength(4);
    names.forEach((name, n) => {
      const first = lines(pages[starts[n]]);
      expect(first).toContain(`Frau ${name}`);
      expect(first).toContain("Lindenweg 3");
      expect(first).toContain("04109 Leipzig");
      expect(first).toContain(`Sehr geehrte Frau ${name},`);
      const others = names.filter((o) => o !== name);
      for (const page of pagesOfLetter(pages, starts, n))
        for (const o of others) expect(page).not.toContain(o);
    });
  });

  it("numbers the pages of a multi-page letter and leaves one-page letters unnumbered", async () => {
    const pdf = await renderLettersPdf(
      [letter("Eins"), letter("Zwei", { body: longBody(30) }), letter("Drei")],
      options,
    );
    const pages = await pdfPages(pdf);
    expect(pages).toHaveLength(4);
    expect(pages[0]).not.toMatch(/Seite/);
    expect(pages[1]).toMatch(/Seite 1 von 2/);
    expect(pages[2]).toMatch(/Seite 2 von 2/);
    expect(pages[2]).not.toContain(RETURN_LINE);
    expect(pages[2]).toMatch(/Mit freundlichen Grüßen\s+Praxis Dr\. Lange/);
    expect(pages[3]).not.toMatch(/Seite/);
  });

  it("prints umlauts and ß as written", async () => {
    const pdf = await renderLettersPdf(
      [
        letter("Müller", {
          recipient: {
            name_lines: ["Frau Jördis Müller"],
            street: "Große Straße 7",
            postal_code: "80331",
            city: "München",
          },
          subject: "Größe Ihrer Bestellung",
          body: "Die Größe passt. Grüße aus der Straße.",
        }),
      ],
      options,
    );
    const [page] = await pdfPages(pdf);
    const text = lines(page);
    expect(text).toEqual(
      expect.arrayContaining([
        "Frau Jördis Müller",
        "Große Straße 7",
        "80331 München",
        "Größe Ihrer Bestellung",
        "Sehr geehrte Frau Müller,",
        "Die Größe passt. Grüße aus der Straße.",
      ]),
    );
    expect(page).toContain("Hauptstraße 5 · 10117 Berlin");
  });

  it("replaces characters the standard font cannot print instead of garbling the line", async () => {
    const pdf = await renderLettersPdf(
      [
        letter("Dvořák", {
          recipient: {
            name_lines: ["Herrn Antonín Dvořák"],
            street: "Łódzka 1",
            postal_code: "12345",
            city: "Görlitz",
          },
        }),
      ],
      options,
    );
    const text = lines((await pdfPages(pdf))[0]);
    expect(text).toContain("Herrn Antonín Dvorák");
    expect(text).toContain("Lódzka 1");
    expect(text).toContain("12345 Görlitz");
  });

  it("places the return line and the address in the window and the date in the information block", async () => {
    const pdf = await renderLettersPdf([letter("Scholz", { subject: "Terminbestätigung" })], options);
    const [words] = await pdfWords(pdf);
    const find = (text: string) => {
      const w = words.find((x) => x.text === text);
      expect(w, text).toBeDefined();
      return w!;
    };
    const letterhead = words.filter((w) => w.text === "Praxis");
    expect(letterhead[0].y).toBeLessThan(45);
    expect(letterhead[0].x).toBeGreaterThan(105);
    const returnWord = letterhead.find((w) => w.y > 45)!;
    expect(returnWord.y).toBeGreaterThan(45);
    expect(returnWord.yMax).toBeLessThan(62.7);
    const firstAddressLine = find("Frau");
    expect(firstAddressLine.y).toBeGreaterThan(62.7 - 0.5);
    expect(firstAddressLine.y).toBeLessThan(90);
    expect(firstAddressLine.x).toBeGreaterThanOrEqual(20);
    expect(firstAddressLine.x).toBeLessThanOrEqual(25.5);
    const cityLine = find("Leipzig");
    expect(cityLine.yMax).toBeLessThan(90);
    for (const w of words.filter((w) => w.y > 45 && w.yMax < 90 && w.x < 105))
      expect(w.xMax).toBeLessThan(105);
    const date = find("23.11.2026");
    expect(date.x).toBeGreaterThanOrEqual(125);
    expect(date.y).toBeGreaterThan(45);
    expect(date.yMax).toBeLessThan(95);
    const subject = find("Terminbestätigung");
    expect(subject.y).toBeGreaterThan(95);
    expect(subject.y).toBeLessThan(102);
    expect(words.some((w) => w.text === "Betreff")).toBe(false);
  });

  it("writes a foreign country in capitals on the last line and adds the sender's country to the return line", async () => {
    const abroad = letter("Huber", {
      recipient: {
        name_lines: ["Frau Anna Huber"],
        street: "Ring 1",
        postal_code: "1010",
        city: "Wien",
        country: "Österreich",
      },
    });
    const home = letter("Kranz", {
      recipient: {
        name_lines: ["Frau Ida Kranz"],
        street: "Ring 2",
        postal_code: "50667",
        city: "Köln",
        country: "Germany",
      },
    });
    const pages = await pdfPages(await renderLettersPdf([abroad, home], options));
    const a = lines(pages[0]);
    expect(a[a.indexOf("1010 Wien") + 1]).toBe("ÖSTERREICH");
    expect(pages[0]).toContain(`${RETURN_LINE} · DEUTSCHLAND`);
    const h = lines(pages[1]);
    expect(h).toContain("50667 Köln");
    expect(pages[1]).not.toMatch(/GERMANY|DEUTSCHLAND/i);
  });

  it("writes the date, the page numbers and the closing in the letter's language", async () => {
    const en = letter("Doe", {
      language: "en",
      salutation: "Dear Ms Doe,",
      body: longBody(30),
      date: new Date("2026-11-23T09:00:00Z"),
    });
    const pages = await pdfPages(await renderLettersPdf([letter("Scholz"), en], options));
    expect(pages[0]).toMatch(/Datum\s+23\.11\.2026/);
    expect(pages[0]).toContain("Mit freundlichen Grüßen");
    expect(pages[1]).toMatch(/Date\s+23 November 2026/);
    expect(pages[1]).toContain("Page 1 of 2");
    expect(pages[2]).toContain("Page 2 of 2");
    expect(pages[2]).toContain("Kind regards");
  });

  it("turns an HTML body into paragraphs of plain text", async () => {
    const html = letter("Scholz", {
      body: "<p>Erster <b>Absatz</b> &amp; mehr.</p><p>Zweiter Absatz mit <a href='https://praxis.example/termine'>Link</a>.</p>",
      body_format: "html",
    });
    const text = lines((await pdfPages(await renderLettersPdf([html], options)))[0]);
    expect(text).toContain("Erster Absatz & mehr.");
    expect(text).toContain("Zweiter Absatz mit Link [https://praxis.example/termine].");
    expect(text.join("\n")).not.toMatch(/<\/?[a-z]/);
  });

  it("for any recipients and body lengths, starts each letter on its own page and numbers exactly the multi-page ones", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: 9999 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 0, max: 70 }), { minLength: 5, maxLength: 5 }),
        async (ids, paragraphs) => {
          const names = ids.map((id) => `Müller-K${String(id).padStart(4, "0")}`);
          const letters = names.map((n, i) => letter(n, { body: longBody(paragraphs[i]) }));
          const pages = await pdfPages(await renderLettersPdf(letters, options));
          const starts = letterStarts(pages);
          expect(starts).toHaveLength(names.length);
          expect(starts[0]).toBe(0);
          names.forEach((name, n) => {
            const own = pagesOfLetter(pages, starts, n);
            expect(lines(own[0])).toContain(`Frau ${name}`);
            expect(lines(own[0])).toContain(`Sehr geehrte Frau ${name},`);
            for (const page of own) for (const o of names) if (o !== name) expect(page).not.toContain(o);
            if (paragraphs[n] <= 2) expect(own).toHaveLength(1);
            if (own.length === 1) expect(own[0]).not.toMatch(/Seite \d/);
            own.forEach((page, p) => {
              if (own.length > 1) expect(page).toContain(`Seite ${p + 1} von ${own.length}`);
            });
          });
        },
      ),
      { numRuns: 12 },
    );
  });

  it("streams letters to the output while it pulls them from the source", async () => {
    const total = 200;
    let received = 0;
    let receivedWhenLastPulled = -1;
    const out = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        chunks.push(chunk);
        setImmediate(done); // a slow reader, so backpressure matters
      },
    });
    const chunks: Buffer[] = [];
    async function* recipients() {
      for (let i = 0; i < total; i++) {
        if (i === total - 1) receivedWhenLastPulled = received;
        await new Promise((r) => setImmediate(r)); // like a database cursor
        yield letter(`Kundin ${i}`);
      }
    }
    const finished = once(out, "finish");
    const written = await writeLettersPdf(recipients(), options, out);
    await finished;
    expect(written).toEqual({ letters: total, pages: total });
    expect(receivedWhenLastPulled).toBeGreaterThan(received / 2);
    const pages = await pdfPages(Buffer.concat(chunks));
    expect(pages).toHaveLength(total);
    expect(lines(pages[total - 1])).toContain(`Frau Kundin ${total - 1}`);
  });
});

describe("serial letter PDF", () => {
  it("renders a complete PDF document", async () => {
    const pdf = await renderLettersPdf([letter("Scholz")], options);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(pdf.subarray(-6).toString()).toMatch(/%%EOF/);
  });

  it("refuses to render a document without letters, which would have no page", async () => {
    await expect(renderLettersPdf([], options)).rejects.toMatchObject({
      code: "invalid",
      message: "there are no letters to print",
    });
  });

  it("refuses a letter whose address cannot be printed and says which one and why", async () => {
    const bad = letter("Muster", {
      recipient: { name_lines: ["Frau Erika Muster"], street: "Weg 1", postal_code: "", city: "Bonn" },
    });
    const err = await renderLettersPdf([letter("Scholz"), bad], options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("invalid");
    expect((err as AppError).message).toContain("letter 2 (Frau Erika Muster)");
    expect((err as AppError).message).toContain("no postal code");
  });

  it("passes on a failure of the recipient source and destroys the output", async () => {
    async function* failing() {
      yield letter("Scholz");
      throw new Error("cursor lost");
    }
    const out = new Writable({ write: (_c, _e, done) => done() });
    await expect(writeLettersPdf(failing(), options, out)).rejects.toThrow("cursor lost");
    expect(out.destroyed).toBe(true);
  });

  it("stops pulling letters when the output fails", async () => {
    let pulled = 0;
    function* many() {
      for (let i = 0; i < 2000; i++) {
        pulled += 1;
        yield letter(`Kundin ${i}`);
      }
    }
    const out = new Writable({
      highWaterMark: 1024,
      write: (_c, _e, done) => done(new Error("disk full")),
    });
    await expect(writeLettersPdf(many(), options, out)).rejects.toThrow("disk full");
    expect(pulled).toBeLessThan(10);
  });

  it("refuses a font it cannot load and an unknown time zone", async () => {
    await expect(
      renderLettersPdf([letter("Scholz")], { ...options, font: { regular: "/nonexistent/font.ttf" } }),
    ).rejects.toMatchObject({ code: "invalid", message: expect.stringContaining("font") });
    await expect(
      renderLettersPdf([letter("Scholz")], { ...options, time_zone: "Mars/Olympus" }),
    ).rejects.toMatchObject({ code: "invalid", message: expect.stringContaining("Mars/Olympus") });
  });
});
