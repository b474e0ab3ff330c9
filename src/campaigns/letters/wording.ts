// The words a letter prints itself, per letter language (de/en), and its date format: German "23.11.2026"
// (DIN 5008 numeric date), English "23 November 2026".
import { Invalid } from "../../util/errors.js";

export type LetterLanguage = "de" | "en";

interface Wording {
  date: string;
  pageOf: (page: number, pages: number) => string;
  closing: string;
  dateFormat: Intl.DateTimeFormatOptions & { locale: string };
}

export const WORDING: Record<LetterLanguage, Wording> = {
  de: {
    date: "Datum",
    pageOf: (page, pages) => `Seite ${page} von ${pages}`,
    closing: "Mit freundlichen Grüßen",
    dateFormat: { locale: "de-DE", day: "2-digit", month: "2-digit", year: "numeric" },
  },
  en: {
    date: "Date",
    pageOf: (page, pages) => `Page ${page} of ${pages}`,
    closing: "Kind regards",
    dateFormat: { locale: "en-GB", day: "numeric", month: "long", year: "numeric" },
  },
};

/** The letter's date as printed; the calendar day is the one in `timeZone` (the sender's). */
export function formatLetterDate(date: Date, language: LetterLanguage, timeZone = "Europe/Berlin"): string {
  if (Number.isNaN(date.getTime())) throw Invalid("the letter date is not a valid date");
  const { locale, ...format } = WORDING[language].dateFormat;
  try {
    return new Intl.DateTimeFormat(locale, { ...format, timeZone }).format(date);
  } catch {
    throw Invalid(`'${timeZone}' is not a known time zone (use an IANA name such as Europe/Berlin)`);
  }
}
