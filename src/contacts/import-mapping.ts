// Which CSV column feeds which contact field: German and English headers are recognised by themselves
// (Vorname / First name, PLZ / ZIP …); the user's mapping overrides them. A column nobody recognises is left
// out — it becomes a custom field only when mapped explicitly as `custom.<name>`.
import { Invalid } from "../util/errors.js";
import { type CreateContactInput, createContactBody, customFieldName, type ImportMapping } from "./schema.js";

export const importFields = [
  "salutation",
  "title",
  "first_name",
  "last_name",
  "letter_salutation",
  "email",
  "phone",
  "mobile",
  "street",
  "postal_code",
  "city",
  "country",
  "language",
] as const;
export type ImportField = (typeof importFields)[number];
/** A contact field, or `custom.<name>`. */
export type ImportTarget = ImportField | `custom.${string}`;

/** Header words (lower-case, letters and digits only) per field. */
const headerWords: Record<ImportField, string[]> = {
  salutation: ["anrede", "salutation", "geschlecht"],
  title: ["titel", "title", "akademischertitel", "academictitle"],
  first_name: ["vorname", "firstname", "givenname", "forename"],
  last_name: ["nachname", "lastname", "surname", "familyname", "familienname", "name"],
  letter_salutation: ["briefanrede", "lettersalutation", "anredezeile"],
  email: ["email", "mail", "emailadresse", "emailaddress", "email1", "email2", "email3", "mailadresse"],
  phone: ["telefon", "tel", "phone", "telephone", "telefonnummer", "phonenumber", "festnetz", "telefon1"],
  mobile: ["mobil", "mobile", "handy", "mobiltelefon", "mobilnummer", "handynummer", "cell", "mobilephone"],
  street: ["straße", "strasse", "str", "street", "adresse", "address", "anschrift", "straßeundhausnummer"],
  postal_code: ["plz", "postleitzahl", "postalcode", "zip", "zipcode", "postcode"],
  city: ["ort", "stadt", "city", "town", "wohnort"],
  country: ["land", "country", "staat"],
  language: ["sprache", "language", "lang", "korrespondenzsprache"],
};

const wordToField = new Map<string, ImportField>(
  Object.entries(headerWords).flatMap(([field, words]) => words.map((w) => [w, field as ImportField])),
);

function headerWord(header: string): string {
  return header.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

export function autoField(header: string): ImportField | undefined {
  return wordToField.get(headerWord(header));
}

function parseTarget(column: string, target: string): ImportTarget {
  if ((importFields as readonly string[]).includes(target)) return target as ImportField;
  if (target.startsWith("custom.") && customFieldName.safeParse(target.slice(7)).success) {
    return target as ImportTarget;
  }
  throw Invalid(
    `mapping: column '${column}' → '${target}' is not a contact field; use one of ${importFields.join(", ")}, ` +
      "custom.<name>, or null to leave the column out.",
    [
      {
        path: `mapping.${column}`,
        message: "unknown field",
        code: "unknown_reference",
        kind: "contact_field",
      },
    ],
  );
}

export interface ColumnPlan {
  /** Per column index: the field it feeds, or null. */
  targets: (ImportTarget | null)[];
  /** Unique names of the columns (a repeated header gets " (2)"), used as keys of a row's raw values. */
  names: string[];
  unmapped: string[];
}

/** A cell as it can be stored in a report: a NUL (U+0000), which no text column holds, shown as U+FFFD. */
export const storableCell = (cell: string) =>
  cell.includes("\u0000") ? cell.replaceAll("\u0000", "\uFFFD") : cell;

function uniqueNames(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((h, i) => {
    const base = storableCell(h) || `column ${i + 1}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  });
}

/** Applies the user's mapping over the recognised headers. */
export function planColumns(header: string[], mapping: ImportMapping = {}): ColumnPlan {
  const names = uniqueNames(header);
  const explicit = new Map<number, ImportTarget | null>();
  for (const [column, target] of Object.entries(mapping)) {
    let indexes = header.flatMap((h, i) => (h === column || names[i] === column ? [i] : []));
    if (indexes.length === 0) {
      indexes = header.flatMap((h, i) => (h.toLowerCase() === column.toLowerCase() ? [i] : []));
    }
    if (indexes.length === 0) {
      throw Invalid(
        `mapping: the file has no column '${column}'; its columns are ${names.map((n) => `'${n}'`).join(", ")}.`,
        [{ path: `mapping.${column}`, message: "no such column", code: "unknown_reference", kind: "column" }],
      );
    }
    const t = target === null || target === "" ? null : parseTarget(column, target);
    for (const i of indexes) explicit.set(i, t);
  }
  const targets = header.map((h, i) =>
    explicit.has(i) ? (explicit.get(i) ?? null) : (autoField(h) ?? null),
  );
  if (!targets.some((t) => t !== null)) {
    throw Invalid(
      `None of the columns (${names.join(", ")}) is a contact field. Name them as in Vorname, Nachname, E-Mail ` +
        '(or First name, Last name, Email), or send a mapping such as {"Mail": "email"}.',
    );
  }
  return { targets, names, unmapped: names.filter((_, i) => targets[i] === null) };
}

const languageNames: Record<string, string> = {
  deutsch: "de",
  german: "de",
  englisch: "en",
  english: "en",
  französisch: "fr",
  french: "fr",
  italienisch: "it",
  italian: "it",
  spanisch: "es",
  spanish: "es",
};

/** One row as the contact body of the API (only the cells that hold something). */
export function rowInput(cells: string[], plan: ColumnPlan): Record<string, unknown> | null {
  const input: Record<string, unknown> = {};
  const emails: string[] = [];
  const address: Record<string, string> = {};
  const custom: Record<string, string> = {};
  let empty = true;
  plan.targets.forEach((target, i) => {
    const value = (cells[i] ?? "").trim();
    if (!value || !target) return;
    empty = false;
    if (target === "email") emails.push(...value.split(/[\s,;]+/).filter(Boolean));
    else if (target === "street" || target === "postal_code" || target === "city" || target === "country")
      address[target] = value;
    else if (target === "language") input.language = languageNames[value.toLowerCase()] ?? value;
    else if (target.startsWith("custom.")) custom[target.slice(7)] = value;
    else input[target] = value;
  });
  if (empty) return null;
  if (emails.length) input.emails = emails;
  if (Object.keys(address).length) input.address = address;
  if (Object.keys(custom).length) input.custom_fields = custom;
  return input;
}

/** Why a row was rejected, skipped or changed: a stable code with its values, which the dashboard words in
 * the user's language, and the English sentence the API has always given (`reason`). */
export interface RowReason {
  code: string;
  params: Record<string, string | number | string[]>;
  text: string;
}

export type RowCheck = { ok: true; input: CreateContactInput } | { ok: false; reason: RowReason };

/** Checks a row with the API's own contact schema and says what is wrong in the user's column names. */
export function checkRow(cells: string[], plan: ColumnPlan, input: Record<string, unknown>): RowCheck {
  const extra = cells.slice(plan.names.length).filter((c) => c.trim() !== "").length;
  if (extra > 0) {
    const filled = plan.names.length + extra;
    const header = plan.names.length;
    return {
      ok: false,
      reason: {
        code: "too_many_columns",
        params: { filled, header },
        text: `it has ${filled} filled columns, the header only ${header}`,
      },
    };
  }
  // A NUL byte in a cell the import uses: no text column can hold it (a file that is not text, or broken).
  const nul = plan.targets.findIndex((t, i) => t !== null && (cells[i] ?? "").includes("\u0000"));
  if (nul >= 0) {
    const cell = storableCell((cells[nul] ?? "").trim());
    const value = cell.length > 60 ? `${cell.slice(0, 57)}...` : cell;
    const message = "holds a NUL byte, which no text can hold";
    const text = `${plan.names[nul]}: '${value}' ${message}`;
    const params = { column: plan.names[nul], field: plan.targets[nul] as string, value, message };
    return { ok: false, reason: { code: "invalid_value", params, text } };
  }
  const r = createContactBody.safeParse(input);
  if (r.success) return { ok: true, input: r.data };
  const issue = r.error.issues[0];
  const field = String(issue.path[0] ?? "");
  if (field === "emails") {
    const emails = Array.isArray(input.emails) ? (input.emails as string[]) : [];
    const params = { value: String(emails[Number(issue.path[1] ?? 0)] ?? ""), message: issue.message };
    return { ok: false, reason: { code: "invalid_emails", params, text: issue.message } };
  }
  const target =
    field === "address" || field === "custom_fields"
      ? field === "address"
        ? String(issue.path[1])
        : `custom.${String(issue.path[1])}`
      : field;
  const col = plan.targets.indexOf(target as ImportTarget);
  const cell = col >= 0 ? (cells[col] ?? "").trim() : "";
  const value = cell.length > 60 ? `${cell.slice(0, 57)}...` : cell;
  if (col < 0) {
    const text = `${field}: ${issue.message}`;
    return { ok: false, reason: { code: "invalid_field", params: { field, message: issue.message }, text } };
  }
  const text = `${plan.names[col]}: '${value}' ${issue.message}`;
  const params = { column: plan.names[col], field: target, value, message: issue.message };
  return { ok: false, reason: { code: "invalid_value", params, text } };
}
