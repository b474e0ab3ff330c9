// The rejected rows of an import as a CSV file, to correct in a spreadsheet and import again: the file's own
// columns as the import read them, then the row number and the reason in the user's language (the import
// leaves columns it is not told to map, so the two extra ones do no harm when the file comes back). Fields
// separated by semicolons and a byte order mark first, as German Excel opens a CSV file; a field quoted as
// RFC 4180 says when it holds a separator, a quote or a line break. Written here rather than with a CSV
// library: the dashboard has none, and writing (not parsing) these few rules is all it takes.
import type { Dict } from "../../i18n/de.js";
import { importReason } from "../../i18n/reasons.js";

/** The same as `Lang` in i18n/index.tsx (not imported: tests load this file outside the JSX build). */
type Lang = "de" | "en";

/** A row of the import's report (GET /v1/imports/{id}/rows), as far as the file needs it. */
export interface ReportRow {
  row: number;
  reason: string | null;
  reason_code?: string | null;
  reason_params?: Record<string, unknown> | null;
  raw: Record<string, string> | null;
}

/** A spreadsheet runs a cell that starts with "=", "@", "+" or "-" as a formula (OWASP's CSV injection):
 * such a cell gets a leading apostrophe, which the spreadsheet shows as text. A phone number or a number
 * ("+49 221 123", "-5") is left as it is: it must come back unchanged when the file is imported again. */
function safeCell(value: string): string {
  if (!/^[=@+\-\t\r]/.test(value)) return value;
  return /^[+-][\d\s()/.-]*$/.test(value) ? value : `'${value}`;
}

function field(value: string): string {
  const v = safeCell(value);
  return /[";\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function rejectedCsvText(rows: ReportRow[], lang: Lang, t: Dict): string {
  const columns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r.raw ?? {})) if (!columns.includes(k)) columns.push(k);
  const lines = [
    [...columns, t.importWizard.row, t.importWizard.reason],
    ...rows.map((r) => [...columns.map((c) => r.raw?.[c] ?? ""), String(r.row), importReason(r, lang, t)]),
  ];
  return `\uFEFF${lines.map((l) => l.map(field).join(";")).join("\r\n")}\r\n`;
}
