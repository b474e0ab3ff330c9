// The contact as data: building it from validated input, merging a change into it, and its two faces — the
// database row and the API shape of DESIGN §9. Pure functions, shared by the API and the CSV import.
import type { NewRow, Row } from "../db/schema.js";
import { tryNormaliseEmail } from "../util/email.js";
import { Invalid } from "../util/errors.js";
import { letterSalutation } from "./salutation.js";
import type { CreateContactInput, UpdateContactInput } from "./schema.js";

export interface PostalAddress {
  street: string | null;
  postal_code: string | null;
  city: string | null;
  country: string | null;
}

/** Everything a contact holds apart from id, workspace and timestamps. */
export interface ContactData {
  salutation: string | null;
  title: string | null;
  first_name: string | null;
  last_name: string | null;
  letter_salutation: string;
  letter_salutation_custom: boolean;
  emails: string[];
  phone: string | null;
  mobile: string | null;
  address: PostalAddress;
  language: string;
  custom_fields: Record<string, unknown>;
}

export const DEFAULT_LANGUAGE = "de";

/** Addresses in their given order, each normalised once; a later duplicate (any letter case) is dropped. */
export function uniqueEmails(emails: string[]): { emails: string[]; keys: string[] } {
  const out: string[] = [];
  const keys: string[] = [];
  for (const e of emails) {
    const n = tryNormaliseEmail(e);
    if (!n || keys.includes(n.key)) continue;
    out.push(n.address);
    keys.push(n.key);
  }
  return { emails: out, keys };
}

export function emailKeys(emails: string[]): string[] {
  return uniqueEmails(emails).keys;
}

function withoutNulls(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== undefined));
}

/** The letter salutation is regenerated from the other fields unless the user has set it. */
function withLetterSalutation(
  c: Omit<ContactData, "letter_salutation" | "letter_salutation_custom">,
  custom: string | null,
): ContactData {
  return custom
    ? { ...c, letter_salutation: custom, letter_salutation_custom: true }
    : { ...c, letter_salutation: letterSalutation(c), letter_salutation_custom: false };
}

/** The message of a contact with nothing to identify it (the import reports it as code `unidentifiable`). */
export const UNIDENTIFIABLE = "A contact needs at least a name, an e-mail address or a phone number.";

export function assertIdentifiable(c: ContactData) {
  if (!c.first_name && !c.last_name && c.emails.length === 0 && !c.phone && !c.mobile) {
    throw Invalid(UNIDENTIFIABLE, [
      {
        path: "",
        message: "give first_name, last_name, emails, phone or mobile",
        code: "required_one_of",
        fields: ["first_name", "last_name", "emails", "phone", "mobile"],
      },
    ]);
  }
}

export function newContactData(input: CreateContactInput): ContactData {
  const c = withLetterSalutation(
    {
      salutation: input.salutation ?? null,
      title: input.title ?? null,
      first_name: input.first_name ?? null,
      last_name: input.last_name ?? null,
      emails: uniqueEmails(input.emails ?? []).emails,
      phone: input.phone ?? null,
      mobile: input.mobile ?? null,
      address: {
        street: input.address?.street ?? null,
        postal_code: input.address?.postal_code ?? null,
        city: input.address?.city ?? null,
        country: input.address?.country ?? null,
      },
      language: input.language ?? DEFAULT_LANGUAGE,
      custom_fields: withoutNulls(input.custom_fields ?? {}),
    },
    input.letter_salutation ?? null,
  );
  assertIdentifiable(c);
  return c;
}

const pick = <T>(patch: T | undefined, current: T): T => (patch === undefined ? current : patch);

/** Applies a PATCH: given fields replace, `address` and `custom_fields` merge (null removes a custom field). */
export function applyContactChange(current: ContactData, patch: UpdateContactInput): ContactData {
  const addr = patch.address ?? {};
  const customLetter =
    patch.letter_salutation === undefined
      ? current.letter_salutation_custom
        ? current.letter_salutation
        : null
      : patch.letter_salutation;
  const c = withLetterSalutation(
    {
      salutation: pick(patch.salutation, current.salutation),
      title: pick(patch.title, current.title),
      first_name: pick(patch.first_name, current.first_name),
      last_name: pick(patch.last_name, current.last_name),
      emails: patch.emails === undefined ? current.emails : uniqueEmails(patch.emails).emails,
      phone: pick(patch.phone, current.phone),
      mobile: pick(patch.mobile, current.mobile),
      address: {
        street: pick(addr.street, current.address.street),
        postal_code: pick(addr.postal_code, current.address.postal_code),
        city: pick(addr.city, current.address.city),
        country: pick(addr.country, current.address.country),
      },
      language: patch.language ?? current.language,
      custom_fields: withoutNulls({ ...current.custom_fields, ...(patch.custom_fields ?? {}) }),
    },
    customLetter,
  );
  assertIdentifiable(c);
  return c;
}

export function contactData(r: Row<"contacts">): ContactData {
  return {
    salutation: r.salutation,
    title: r.title,
    first_name: r.first_name,
    last_name: r.last_name,
    letter_salutation: r.letter_salutation ?? "",
    letter_salutation_custom: r.letter_salutation_custom,
    emails: r.emails,
    phone: r.phone,
    mobile: r.mobile,
    address: { street: r.street, postal_code: r.postal_code, city: r.city, country: r.country },
    language: r.language,
    custom_fields: (r.custom_fields ?? {}) as Record<string, unknown>,
  };
}

/** The columns of a contact (without id, workspace and timestamps). */
export function contactColumns(c: ContactData) {
  return {
    salutation: c.salutation,
    title: c.title,
    first_name: c.first_name,
    last_name: c.last_name,
    letter_salutation: c.letter_salutation,
    letter_salutation_custom: c.letter_salutation_custom,
    emails: c.emails,
    email_keys: emailKeys(c.emails),
    phone: c.phone,
    mobile: c.mobile,
    street: c.address.street,
    postal_code: c.address.postal_code,
    city: c.address.city,
    country: c.address.country,
    language: c.language,
    custom_fields: JSON.stringify(c.custom_fields),
  };
}

export function newContactRow(
  c: ContactData,
  id: string,
  workspaceId: string,
  now: Date,
): NewRow<"contacts"> {
  return { id, workspace_id: workspaceId, ...contactColumns(c), created_at: now, updated_at: now };
}

/** The API shape (DESIGN §9). */
export function contactOut(r: Row<"contacts">) {
  const c = contactData(r);
  return {
    id: r.id,
    salutation: c.salutation,
    title: c.title,
    first_name: c.first_name,
    last_name: c.last_name,
    letter_salutation: c.letter_salutation,
    letter_salutation_custom: c.letter_salutation_custom,
    emails: c.emails,
    phone: c.phone,
    mobile: c.mobile,
    address: c.address,
    language: c.language,
    custom_fields: c.custom_fields,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
export type ContactOut = ReturnType<typeof contactOut>;

/** Which fields differ, by their API names (for "updated city, phone" in import reports). */
export function changedFields(before: ContactData, after: ContactData): string[] {
  return (Object.keys(after) as (keyof ContactData)[]).filter(
    (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
  );
}
