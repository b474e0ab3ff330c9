// Date-time filter values typed in the user's language (issue 7: dates follow the language, not the
// browser's locale). No JSX here: tests load this file directly.
/** The format a date-time filter is typed in, per language: German always TT.MM.JJJJ HH:MM, whatever the
 * browser's locale (a datetime-local input would follow the browser, mm/dd/yyyy in an English Chromium);
 * English the ISO order. Said next to the input. */
export const dateTimeFormats = { de: "TT.MM.JJJJ HH:MM", en: "YYYY-MM-DD HH:MM" } as const;

const pad = (n: number) => String(n).padStart(2, "0");

function localValue(y: number, mo: number, d: number, h: number, mi: number): string | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const date = new Date(y, mo - 1, d, h, mi);
  // 31.02. rolls over into March: refused, not moved.
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}`;
}

/** A typed date-time → the filter's value ("YYYY-MM-DDTHH:MM", the browser's local time, as the URL keeps
 * it); null when it is not one. German reads TT.MM.JJJJ [HH:MM]; English YYYY-MM-DD [HH:MM] or the British
 * DD/MM/YYYY [HH:MM]; a date without a time means 00:00. */
export function parseDateTime(text: string, lang: "de" | "en"): string | null {
  const v = text.trim();
  const time = "(?:[ ,T]+(\\d{1,2})[:.](\\d{2}))?";
  const de = new RegExp(`^(\\d{1,2})\\.(\\d{1,2})\\.(\\d{4})${time}$`).exec(v);
  if (lang === "de") {
    if (!de) return null;
    return localValue(+de[3], +de[2], +de[1], +(de[4] ?? 0), +(de[5] ?? 0));
  }
  const iso = new RegExp(`^(\\d{4})-(\\d{1,2})-(\\d{1,2})${time}$`).exec(v);
  if (iso) return localValue(+iso[1], +iso[2], +iso[3], +(iso[4] ?? 0), +(iso[5] ?? 0));
  const gb = new RegExp(`^(\\d{1,2})/(\\d{1,2})/(\\d{4})${time}$`).exec(v);
  if (gb) return localValue(+gb[3], +gb[2], +gb[1], +(gb[4] ?? 0), +(gb[5] ?? 0));
  return null;
}

/** The filter's value as the user reads it in their language ("" stays ""; anything else unparsed as is). */
export function formatDateTime(value: string, lang: "de" | "en"): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!m) return value;
  return lang === "de"
    ? `${m[3]}.${m[2]}.${m[1]} ${m[4]}:${m[5]}`
    : `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}`;
}

/** An ISO time from the API as a date-time value ("YYYY-MM-DDTHH:MM", the browser's local time); "" for none. */
export function isoToValue(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
