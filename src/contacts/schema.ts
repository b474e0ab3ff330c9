// zod schemas of contacts, consent and imports (DESIGN §9 contact shape). The same contact schema checks
// API bodies and every row of a CSV import, so both reject the same things with the same words.
import { z } from "zod";
import { pageQuery } from "../http/pagination.js";
import { emailAddress } from "../util/email.js";
import { isoTime } from "../util/iso-time.js";
import { acceptedSalutations, addressForm } from "./salutation.js";

/** Free text: trimmed; an empty string means "no value" (null). */
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .transform((v) => (v === "" ? null : v));

const optText = (max: number) => text(max).nullable().optional();

const salutation = text(50).refine((v) => v === null || addressForm(v) !== undefined, {
  message: `is not a salutation Poststelle knows; use one of ${acceptedSalutations.join(", ")} (or leave it empty)`,
});

const phone = text(40).refine((v) => v === null || /^\+?[0-9][0-9 ()/.-]{2,39}$/.test(v), {
  message: "is not a phone number (digits, spaces, + ( ) / . - are allowed)",
});

/** ISO 639-1 code, optionally with a region: de, en, de-AT. */
export const language = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{2}(-[A-Za-z]{2})?$/, "must be a language code such as de, en or de-AT")
  .transform((v) => {
    const [lang, region] = v.split("-");
    return region ? `${lang.toLowerCase()}-${region.toUpperCase()}` : lang.toLowerCase();
  });

export const customFieldName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_ .-]{0,63}$/, "custom field names are letters, digits, _ - . and spaces");

const MAX_CUSTOM_BYTES = 16 * 1024;

const customFields = (values: z.ZodType) =>
  z
    .record(customFieldName, values)
    .refine((v) => Object.keys(v).length <= 100, "at most 100 custom fields")
    .refine((v) => JSON.stringify(v).length <= MAX_CUSTOM_BYTES, "custom fields may hold at most 16 KB");

const address = z.strictObject({
  street: optText(200),
  postal_code: optText(20),
  city: optText(100),
  country: optText(100),
});

const contactFields = {
  salutation: salutation.nullable().optional(),
  title: optText(50),
  first_name: optText(100),
  last_name: optText(100),
  /** Set it to fix the letter salutation; null (or leaving it out) lets Poststelle generate it. */
  letter_salutation: optText(300),
  emails: z.array(emailAddress).max(20, "at most 20 e-mail addresses").optional(),
  phone: phone.nullable().optional(),
  mobile: phone.nullable().optional(),
  address: address.optional(),
  language: language.optional(),
};

export const createContactBody = z.strictObject({
  ...contactFields,
  custom_fields: customFields(z.json()).optional(),
});
export type CreateContactInput = z.infer<typeof createContactBody>;

/** PATCH: every field optional; `emails` replaces the list, `address` and `custom_fields` are merged
 * (a custom field set to null is removed). */
export const updateContactBody = z.strictObject({
  ...contactFields,
  custom_fields: customFields(z.json().nullable()).optional(),
});
export type UpdateContactInput = z.infer<typeof updateContactBody>;

export const contactSorts = ["created_at", "-created_at", "last_name", "-last_name"] as const;
export type ContactSort = (typeof contactSorts)[number];

const consentFilter = z
  .string()
  .regex(
    /^[a-z]+\/[a-z][a-z0-9_]*:(granted|withdrawn|none)$/,
    "must look like channel/purpose:status, e.g. email/marketing:granted (status granted, withdrawn or none)",
  );

const listQueryKnown = {
  ...pageQuery,
  q: z.string().trim().min(1).max(200).optional(),
  email: z.string().max(320).optional(),
  consent: consentFilter.optional(),
  list_id: z.string().min(1).max(100).optional(),
  subscription_status: z
    .enum([
      "subscribed",
      "unsubscribed",
      "pending",
      "bounced_permanent",
      "bounced_temporary",
      "bounced_general",
    ])
    .optional(),
  sort: z.enum(contactSorts).default("-created_at"),
};

const CUSTOM_PREFIX = "custom.";

/** The list query: known parameters plus any number of `custom.<field>=value` filters. */
export const listContactsQuery = z
  .object(listQueryKnown)
  .catchall(z.string().max(500))
  .superRefine((v, ctx) => {
    for (const k of Object.keys(v)) {
      if (k in listQueryKnown) continue;
      const name = k.startsWith(CUSTOM_PREFIX) ? k.slice(CUSTOM_PREFIX.length) : null;
      if (name === null || !customFieldName.safeParse(name).success) {
        // The same code as a strict schema's unknown key, so a client words it the same way.
        ctx.addIssue({
          code: "unrecognized_keys",
          keys: [k],
          path: [k],
          message: `unknown query parameter; filters are ${Object.keys(listQueryKnown).join(", ")} and custom.<field>`,
        });
      }
    }
  })
  .transform((v) => {
    const custom: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) {
      if (k.startsWith(CUSTOM_PREFIX)) custom[k.slice(CUSTOM_PREFIX.length)] = val as string;
    }
    return { ...(v as z.infer<z.ZodObject<typeof listQueryKnown>>), custom };
  });
export type ListContactsQuery = z.infer<typeof listContactsQuery>;

export const channels = ["email", "sms", "voice", "viber", "post"] as const;
export type Channel = (typeof channels)[number];

export const consentPurpose = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,49}$/, "must be a lower-case word such as marketing or transactional");

export const recordConsentBody = z.strictObject({
  channel: z.enum(channels),
  purpose: consentPurpose,
  status: z.enum(["granted", "withdrawn"]),
  /** When the person gave or withdrew it; defaults to now. */
  at: isoTime.optional(),
  /** Who recorded it (a member of staff, "web form"); defaults to the API key's name. */
  by: z.string().trim().min(1).max(200).optional(),
  /** Where it came from: web form, phone call, paper form, import … */
  source: z.string().trim().min(1).max(200),
  /** The wording the person agreed to. */
  wording: z.string().trim().max(10_000).optional(),
  ip: z.union([z.ipv4(), z.ipv6()]).optional(),
});
export type RecordConsentInput = z.infer<typeof recordConsentBody>;

export const idParam = z.strictObject({ id: z.string().min(1).max(100) });

/** GET /v1/imports: ?dry_run=false for the imports that changed contacts, true for the dry runs alone. */
export const importsListQuery = z.strictObject({
  ...pageQuery,
  dry_run: z.enum(["true", "false"]).optional(),
});

export const importRowsQuery = z.strictObject({
  ...pageQuery,
  outcome: z.enum(["created", "updated", "skipped", "rejected"]).optional(),
});

export const onDuplicate = z.enum(["update", "skip"]);
export type OnDuplicate = z.infer<typeof onDuplicate>;

/** The delimiters an import accepts by name or character. */
export const delimiterOption = z
  .enum([";", ",", "\t", "|", "tab", "semicolon", "comma", "pipe"])
  .transform((v) => ({ tab: "\t", semicolon: ";", comma: ",", pipe: "|" })[v as string] ?? v);

/** Column → field: a contact field, `custom.<name>`, or null / "" to ignore the column. */
export const importMapping = z.record(z.string().max(200), z.string().max(100).nullable());
export type ImportMapping = z.infer<typeof importMapping>;

/** The text fields of the multipart upload (POST /v1/imports). */
export const importFormFields = z.strictObject({
  mapping: z
    .string()
    .max(100_000)
    .transform((v, ctx) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: 'must be a JSON object such as {"Mail": "email"}' });
        return z.NEVER;
      }
    })
    .pipe(importMapping)
    .optional(),
  dry_run: z.enum(["true", "false"]).optional(),
  delimiter: delimiterOption.optional(),
  on_duplicate: onDuplicate.optional(),
});

/** DELETE /v1/contacts/:id: what happens to members e-mail tools know (list sync, seed 003 §8.2). */
export const deleteContactQuery = z.strictObject({
  linked_members: z.enum(["unsubscribe", "delete", "keep"]).optional(),
});
