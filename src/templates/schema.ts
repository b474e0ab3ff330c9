// Request shapes of /v1/templates. A template's HTML comes either as html or as mjml (compiled to html on
// save); giving both in one request is ambiguous and rejected.
import { z } from "zod";
import { pageQuery } from "../http/pagination.js";
import { emailAddress } from "../util/email.js";

const PART_MAX = 1_000_000;

const name = z.string().trim().min(1).max(200);
const kind = z.enum(["email", "letter"]);
const language = z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, "use a language code such as de, en or de-AT");
const subject = z.string().min(1).max(2000);
const part = z.string().min(1).max(PART_MAX);

const oneHtmlSource = (b: { html?: string | null; mjml?: string | null }) =>
  !(b.html != null && b.mjml != null);
const htmlOrMjml = {
  message: "give either html or mjml (which is compiled to html), not both",
  path: ["mjml"],
};

export const createTemplateBody = z
  .strictObject({
    name,
    kind: kind.default("email"),
    language: language.default("de"),
    subject,
    html: part.optional(),
    text: part.optional(),
    mjml: part.optional(),
  })
  .refine(oneHtmlSource, htmlOrMjml)
  .refine((b) => b.html !== undefined || b.mjml !== undefined || b.text !== undefined, {
    message: "a template needs a body: html, mjml or text",
    path: ["html"],
  });
export type CreateTemplateInput = z.infer<typeof createTemplateBody>;

/** null removes a part: text null = generate it from html again; html/mjml null = no HTML part. */
export const updateTemplateBody = z
  .strictObject({
    name: name.optional(),
    kind: kind.optional(),
    language: language.optional(),
    subject: subject.optional(),
    html: part.nullable().optional(),
    text: part.nullable().optional(),
    mjml: part.nullable().optional(),
  })
  .refine(oneHtmlSource, htmlOrMjml);
export type UpdateTemplateInput = z.infer<typeof updateTemplateBody>;

export const listTemplatesQuery = z.strictObject({
  ...pageQuery,
  kind: kind.optional(),
  /** Part of the name, any letter case. */
  q: z.string().trim().min(1).max(200).optional(),
});
export type ListTemplatesQuery = z.infer<typeof listTemplatesQuery>;

const mergeData = z.record(z.string(), z.unknown());

export const previewBody = z.strictObject({
  contact_id: z.string().min(1).max(100).optional(),
  /** Merge data. When absent, data.* fields show as placeholders ([data.invoice_number]). */
  data: mergeData.optional(),
});
export type PreviewInput = z.infer<typeof previewBody>;

/** An unsaved template rendered as the editor's live preview: the parts as they are being typed. */
export const draftPreviewBody = z
  .strictObject({
    kind: kind.default("email"),
    subject,
    html: part.nullable().optional(),
    text: part.nullable().optional(),
    mjml: part.nullable().optional(),
    contact_id: z.string().min(1).max(100).optional(),
    data: mergeData.optional(),
  })
  .refine(oneHtmlSource, htmlOrMjml);
export type DraftPreviewInput = z.infer<typeof draftPreviewBody>;

export const testSendBody = z.strictObject({
  to: emailAddress,
  /** Sender; the workspace's default_from when absent. */
  from: emailAddress.optional(),
  contact_id: z.string().min(1).max(100).optional(),
  data: mergeData.optional(),
});
export type TestSendInput = z.infer<typeof testSendBody>;

export const idParam = z.strictObject({ id: z.string().min(1).max(100) });
