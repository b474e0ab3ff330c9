// Request shapes of /v1/mailings (mailings sent by an external tool, seed 003 §6).
import { z } from "zod";
import { pageQuery } from "../../http/pagination.js";

const id = z.string().min(1).max(100);
const remoteId = z.string().trim().min(1).max(200);

export const createMailingBody = z.strictObject({
  list_id: id,
  /** Default: Mailing zu der Liste "<list name>" (seed 003 §6.2). */
  name: z.string().trim().min(1).max(300).optional(),
  /** The tool's mailing, where it already exists (checked against the tool). */
  remote_mailing_id: remoteId.optional(),
});
export type CreateMailing = z.infer<typeof createMailingBody>;

export const updateMailingBody = z
  .strictObject({
    name: z.string().trim().min(1).max(300).optional(),
    remote_mailing_id: remoteId.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "send at least one field to change" });
export type UpdateMailing = z.infer<typeof updateMailingBody>;

export const fetchMailingBody = z.strictObject({
  statistics: z.boolean().optional(),
  bounces: z.boolean().optional(),
  reactions: z.boolean().optional(),
});
export type FetchMailing = z.infer<typeof fetchMailingBody>;

export const mailingQuery = z.strictObject({ ...pageQuery, list_id: id.optional() });

export const recipientQuery = z.strictObject({
  ...pageQuery,
  reaction: z.enum(["not_opened", "opened", "clicked"]).optional(),
  bounce: z.enum(["permanent", "temporary", "general", "any"]).optional(),
});
export type RecipientQuery = z.infer<typeof recipientQuery>;

export const mailingIdParam = z.strictObject({ id });
export const deleteMailingQuery = z.strictObject({
  confirm: z.enum(["true", "false"]).optional(),
});
