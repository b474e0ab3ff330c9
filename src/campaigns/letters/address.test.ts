import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addressLines,
  addressProblem,
  bodyParagraphs,
  formatLetterDate,
  returnAddressLine,
} from "./index.js";
import { isWinAnsi, toWinAnsi } from "./pdf.js";

const scholz = {
  name_lines: ["Frau Dr. Erika Scholz"],
  street: "Lindenweg 3",
  postal_code: "04109",
  city: "Leipzig",
};
const sender = { name: "Praxis Dr. Lange", street: "Hauptstraße 5", postal_code: "10117", city: "Berlin" };

describe("postal addresses", () => {
  it("prints name lines, street and postal code with city, without a country line at home", () => {
    expect(
      addressLines({ ...scholz, name_lines: ["Frau Dr. Erika Scholz", " ", "c/o Kanzlei Berg"] }),
    ).toEqual(["Frau Dr. Erika Scholz", "c/o Kanzlei Berg", "Lindenweg 3", "04109 Leipzig"]);
    for (const country of ["Deutschland", "germany", " DE ", "Bundesrepublik Deutschland"])
      expect(addressLines({ ...scholz, country })).toHaveLength(3);
  });

  it("adds the country in capitals as the last line when it differs from the sender's", () => {
    expect(addressLines({ ...scholz, country: "Österreich" }).at(-1)).toBe("ÖSTERREICH");
    expect(addressLines({ ...scholz, country: "Österreich" }, "Austria")).toHaveLength(3);
    expect(addressLines({ ...scholz, country: "Deutschland" }, "Schweiz").at(-1)).toBe("DEUTSCHLAND");
  });

  it("names what keeps an address out of the window", () => {
    expect(addressProblem(scholz)).toBeNull();
    expect(addressProblem({ ...scholz, name_lines: [" "] })).toMatch(/no name line/);
    expect(addressProblem({ ...scholz, street: "" })).toMatch(/no street/);
    expect(addressProblem({ ...scholz, city: " " })).toMatch(/no postal code or city/);
    const five = ["Firma Berg GmbH", "Abteilung Einkauf", "Frau Erika Scholz", "Gebäude 4"];
    expect(addressProblem({ ...scholz, name_lines: five })).toBeNull();
    expect(addressProblem({ ...scholz, name_lines: five, country: "Frankreich" })).toMatch(
      /7 lines.*at most 6/,
    );
  });

  it("builds the return address line, naming the sender's country only for mail abroad", () => {
    expect(returnAddressLine(sender)).toBe("Praxis Dr. Lange · Hauptstraße 5 · 10117 Berlin");
    expect(returnAddressLine(sender, true)).toBe(
      "Praxis Dr. Lange · Hauptstraße 5 · 10117 Berlin · DEUTSCHLAND",
    );
    expect(returnAddressLine({ ...sender, country: "Schweiz" }, true)).toMatch(/· SCHWEIZ$/);
  });
});

describe("text for the standard PDF fonts", () => {
  const winAnsi = fc.constantFrom(..."abcXYZ 019.,;-äöüÄÖÜßéèçñøÅ€„“”‚‘’–—…•™ŠšŽžŒœŸ§°²µ«»\n".split(""));

  it("keeps German text as written", () => {
    expect(toWinAnsi("Müller, Straße, Größe – „Grüße“ für 20 €")).toBe(
      "Müller, Straße, Größe – „Grüße“ für 20 €",
    );
  });

  it("leaves every WinAnsi text unchanged", () => {
    fc.assert(
      fc.property(fc.array(winAnsi), (chars) => {
        expect(toWinAnsi(chars.join(""))).toBe(chars.join(""));
      }),
    );
  });

  it("turns any text into characters the fonts have, one replacement per character at most", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => {
        const printable = toWinAnsi(text);
        expect([...printable].every(isWinAnsi)).toBe(true);
        expect([...printable].length).toBeLessThanOrEqual([...text.normalize("NFC")].length * 2);
      }),
    );
  });

  it("drops diacritics the fonts lack and keeps the base letter", () => {
    expect(toWinAnsi("Antonín Dvořák, Łódź, Kraków, Ærø")).toBe("Antonín Dvorák, Lódz, Kraków, Ærø");
    expect(toWinAnsi("a\u0308")).toBe("ä");
    expect(toWinAnsi("漢字")).toBe("??");
  });
});

describe("letter dates", () => {
  it("writes German dates numerically and English dates with the month name", () => {
    const date = new Date("2026-11-23T09:00:00Z");
    expect(formatLetterDate(date, "de")).toBe("23.11.2026");
    expect(formatLetterDate(date, "en")).toBe("23 November 2026");
    expect(formatLetterDate(new Date("2026-03-05T09:00:00Z"), "de")).toBe("05.03.2026");
  });

  it("takes the calendar day in the sender's time zone", () => {
    const lateEvening = new Date("2026-11-22T23:30:00Z");
    expect(formatLetterDate(lateEvening, "de")).toBe("23.11.2026");
    expect(formatLetterDate(lateEvening, "de", "UTC")).toBe("22.11.2026");
  });

  it("refuses an invalid date and an unknown time zone", () => {
    expect(() => formatLetterDate(new Date("nonsense"), "de")).toThrow(/not a valid date/);
    expect(() => formatLetterDate(new Date(), "de", "Europe/Atlantis")).toThrow(/Europe\/Atlantis/);
  });
});

describe("letter body", () => {
  it("splits plain text into paragraphs at blank lines and keeps single line breaks", () => {
    expect(
      bodyParagraphs({ body: "Erste Zeile\r\nzweite Zeile\r\n\r\n \r\n\r\nNeuer Absatz  \n\n\n" }),
    ).toEqual(["Erste Zeile\nzweite Zeile", "Neuer Absatz"]);
    expect(bodyParagraphs({ body: "  \n\n" })).toEqual([]);
  });

  it("converts simple HTML to paragraphs of text", () => {
    expect(
      bodyParagraphs({
        body: "<h2>Hinweis</h2><p>Erster <em>Absatz</em>.</p><ul><li>eins</li><li>zwei</li></ul><img src='x.png'>",
        body_format: "html",
      }),
    ).toEqual(["Hinweis", "Erster Absatz.", " * eins\n * zwei"]);
  });
});
