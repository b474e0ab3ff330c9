// Request shapes of /v1/campaigns (serial correspondence, seed 004). One schema validates the request,
// documents it in /openapi.json and types the service.
import { z } from "zod";
import { pageQuery } from "../http/pagination.js";
import { contactFilter } from "../lists/schema.js";
import { emailAddress } from "../util/email.js";
import { isoTime } from "../util/iso-time.js";
import { campaignKinds, campaignStates } from "./states.js";

const id = z.string().min(1).max(100);
/** A header value on one line: a line break would let a merge value inject headers. */
const oneLine = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
    .regex(/^[^\x00-\x08\x0a-\x1f\x7f]*$/, "must not contain line breaks or control characters");

export const purposes = ["marketing", "transactional"] as const;
export const letterSorts = ["postal_code", "name"] as const;
export const documentFormats = ["letters", "labels"] as const;

/** DIN 5008 letter settings (src/campaigns/letters): who writes, and what the letter prints besides the body. */
export const letterOptions = z.strictObject({
  /** Printed as the return address line "Name · Straße · PLZ Ort" above the window. */
  sender: z.strictObject({
    name: oneLine(200).min(1),
    street: oneLine(200).min(1),
    postal_code: oneLine(20).min(1),
    city: oneLine(100).min(1),
    country: oneLine(100).optional(),
  }),
  /** Lines printed top right (leave out on pre-printed letterhead paper). */
  letterhead: z.array(oneLine(200)).max(10).optional(),
  /** Rows of the information block above the date, e.g. { label: "Telefon", value: "030 1234567" }. */
  information: z
    .array(z.strictObject({ label: oneLine(50), value: oneLine(100) }))
    .max(8)
    .optional(),
  /** The Grußformel; "Mit freundlichen Grüßen" / "Kind regards" by default. */
  closing: oneLine(200).optional(),
  /** Lines below the closing, after room for a signature; the sender's name by default. */
  signature: z.array(oneLine(200)).max(5).optional(),
  /** The letters' date; the day of generation otherwise. */
  date: z.iso.date().optional(),
});
export type LetterOptions = z.infer<typeof letterOptions>;

const editable = {
  name: oneLine(200).min(1),
  list_ids: z.array(id).min(1).max(50),
  filter: contactFilter,
  template_id: id.nullable(),
  subject: oneLine(998).min(1).nullable(),
  from: emailAddress.nullable(),
  from_name: oneLine(200).nullable(),
  reply_to: emailAddress.nullable(),
  purpose: z.enum(purposes),
  /** The name of a transport of this workspace; the workspace's default transport otherwise. */
  transport: z.string().min(1).max(100).nullable(),
  scheduled_at: isoTime.nullable(),
  /** Open and click tracking: true (default) follows the workspace setting `tracking`; false never tracks
   * this campaign. Serial e-mails only; a run keeps the value it started with. */
  tracking: z
    .boolean()
    .describe(
      "Open and click tracking of this serial e-mail: true (the default) when the workspace setting " +
        "`tracking` is on, false never. A run keeps the value it started with.",
    ),
  sort: z.enum(letterSorts),
  letter_options: letterOptions,
};

export const createCampaignBody = z.strictObject({
  name: editable.name,
  kind: z.enum(campaignKinds),
  list_ids: editable.list_ids.optional(),
  filter: editable.filter.optional(),
  template_id: editable.template_id.optional(),
  subject: editable.subject.optional(),
  from: editable.from.optional(),
  from_name: editable.from_name.optional(),
  reply_to: editable.reply_to.optional(),
  purpose: editable.purpose.default("marketing"),
  transport: editable.transport.optional(),
  scheduled_at: editable.scheduled_at.optional(),
  tracking: editable.tracking.optional(),
  sort: editable.sort.optional(),
  letter_options: editable.letter_options.optional(),
});
export type CreateCampaign = z.infer<typeof createCampaignBody>;

export const updateCampaignBody = z
  .strictObject({
    name: editable.name.optional(),
    list_ids: editable.list_ids.nullable().optional(),
    filter: editable.filter.nullable().optional(),
    template_id: editable.template_id.optional(),
    subject: editable.subject.optional(),
    from: editable.from.optional(),
    from_name: editable.from_name.optional(),
    reply_to: editable.reply_to.optional(),
    purpose: editable.purpose.optional(),
    transport: editable.transport.optional(),
    scheduled_at: editable.scheduled_at.optional(),
    /** false cancels a send that was asked for and has not started (scheduled, or waiting for loading). */
    send_scheduled: z.literal(false).optional(),
    tracking: editable.tracking.optional(),
    sort: editable.sort.optional(),
    letter_options: editable.letter_options.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "give at least one field to change" });
export type UpdateCampaign = z.infer<typeof updateCampaignBody>;

/** Starting a send saves the fields given with it first (seed 004: "automatisch gespeichert"). */
export const sendCampaignBody = z.strictObject({
  template_id: id.optional(),
  subject: editable.subject.unwrap().optional(),
  from: emailAddress.optional(),
  from_name: editable.from_name.optional(),
  reply_to: editable.reply_to.optional(),
  transport: z.string().min(1).max(100).optional(),
  /** Send at this time instead of now; the campaign waits in `ready` until then (and, if its recipients
   * are still loading, until they are loaded). */
  scheduled_at: isoTime.optional(),
  /** Also resend recipients whose outcome is unknown (a crash during the SMTP transaction). Deliberate. */
  include_unknown: z.boolean().default(false),
});
export type SendCampaign = z.infer<typeof sendCampaignBody>;

export const generateBody = z.strictObject({
  format: z.enum(documentFormats).default("letters"),
  sort: z.enum(letterSorts).optional(),
  template_id: id.optional(),
  subject: editable.subject.unwrap().optional(),
  letter_options: letterOptions.optional(),
});
export type GenerateLetters = z.infer<typeof generateBody>;

export const completeBody = z.strictObject({});

export const campaignIdParam = z.strictObject({ id });
export const messageParams = z.strictObject({ id, message_id: id });

export const campaignListQuery = z.strictObject({
  ...pageQuery,
  state: z.enum(campaignStates).optional(),
  kind: z.enum(campaignKinds).optional(),
});
export type CampaignListQuery = z.infer<typeof campaignListQuery>;

export const recipientStatuses = [
  "pending",
  "claimed",
  "sending",
  "sent",
  "created",
  "excluded",
  "error",
  "unknown",
] as const;

export const recipientQuery = z.strictObject({
  ...pageQuery,
  status: z.enum(recipientStatuses).optional(),
  reason: z.string().min(1).max(100).optional(),
});
export type RecipientQuery = z.infer<typeof recipientQuery>;
