// zod shapes of /v1/error-registry.
import { z } from "zod";
import { pageQuery } from "../http/pagination.js";

export const langSchema = z.enum(["de", "en"]);

/** A code as the registry knows it: reason names, "550", "5.1.1", "sendgrid:invalid_address", "ses:Permanent/NoEmail". */
export const codeSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/+-]*$/, "letters, digits and . _ : / + - only");

export const codeParam = z.strictObject({ code: codeSchema });

export const registryQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  lang: langSchema.default("de"),
  category: z.enum(["reason", "smtp", "enhanced", "provider", "poststelle", "custom"]).optional(),
  ...pageQuery,
});

export const langQuery = z.strictObject({ lang: langSchema.default("de") });

/** Per-language texts; null resets that language to the shipped text. */
const texts = (max: number) =>
  z.strictObject({
    de: z.string().trim().min(1).max(max).nullable().optional(),
    en: z.string().trim().min(1).max(max).nullable().optional(),
  });

export const putEntryBody = z.strictObject({
  category: z.string().trim().min(1).max(50).nullable().optional(),
  severity: z.enum(["hard", "soft", "info"]).nullable().optional(),
  label: texts(200).optional(),
  explanation: texts(4000).optional(),
  remedy: texts(4000).optional(),
});
export type PutEntryBody = z.infer<typeof putEntryBody>;
