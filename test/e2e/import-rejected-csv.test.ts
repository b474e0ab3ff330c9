// The dashboard's CSV of an import's rejected rows (web/src/pages/import/rejectedCsv.ts): the file's columns,
// row and reason in the user's language, separators and quotes as a spreadsheet reads them, no formula run
// when the file is opened, and phone numbers unchanged for the import that takes the corrected file back.
import { describe, expect, it } from "vitest";
import { de } from "../../web/src/i18n/de.js";
import { en } from "../../web/src/i18n/en.js";
import { type ReportRow, rejectedCsvText } from "../../web/src/pages/import/rejectedCsv.js";

const rows: ReportRow[] = [
  {
    row: 3,
    reason: "'keine-adresse' is not a valid e-mail address.",
    reason_code: "invalid_emails",
    reason_params: { value: "keine-adresse" },
    raw: {
      Vorname: "Anna",
      Nachname: "Müller; geb. Schmidt",
      "E-Mail": "keine-adresse",
      Telefon: "+49 221 123",
    },
  },
  {
    row: 7,
    reason: "an old reason without a code",
    reason_code: null,
    raw: {
      Vorname: '=HYPERLINK("http://x")',
      Nachname: 'Der "Chef"\nzwei Zeilen',
      "E-Mail": "@boss",
      Telefon: "-5",
    },
  },
];

describe("the rejected rows as a CSV file", () => {
  it("writes the file's columns, then row and reason, as German Excel opens it", () => {
    const text = rejectedCsvText(rows, "de", de);
    expect(text.startsWith("\uFEFF")).toBe(true);
    expect(text.endsWith("\r\n")).toBe(true);
    const lines = text.slice(1).split("\r\n");
    expect(lines[0]).toBe("Vorname;Nachname;E-Mail;Telefon;Zeile;Grund");
    expect(lines[1]).toBe(
      'Anna;"Müller; geb. Schmidt";keine-adresse;+49 221 123;3;„keine-adresse“ ist keine gültige E-Mail-Adresse.',
    );
    // A formula is text (a leading apostrophe), quotes doubled, the line break kept inside quotes; a number
    // stays a number. A reason without a code is the server's sentence.
    expect(text).toContain(
      `"'=HYPERLINK(""http://x"")";"Der ""Chef""\nzwei Zeilen";'@boss;-5;7;an old reason without a code\r\n`,
    );
  });

  it("names the row and the reason in English for an English user", () => {
    const [header, first] = rejectedCsvText(rows.slice(0, 1), "en", en).slice(1).split("\r\n");
    expect(header.endsWith(";Row;Reason")).toBe(true);
    expect(first.endsWith(";3;'keine-adresse' is not a valid e-mail address.")).toBe(true);
  });

  it("writes only the header when nothing was rejected", () => {
    expect(rejectedCsvText([], "de", de)).toBe("\uFEFFZeile;Grund\r\n");
  });
});
