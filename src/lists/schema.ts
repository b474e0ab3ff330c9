// Request shapes of lists (Verteiler) and subscriptions (Verteilerzuordnungen), DESIGN §4 and seed 003 §4.
import { z } from "zod";
import { pageQuery } from "../http/pagination.js";
import { emailAddress } from "../util/email.js";

export const listTypes = ["email_list", "one_time"] as const;
export const listStatuses = ["running", "ended"] as const;
export const subscriptionStatuses = [
  "subscribed",
  "unsubscribed",
  "pending",
  "bounced_permanent",
  "bounced_temporary",
  "bounced_general",
] as const;

const text = (max: number) => z.string().trim().max(max);
const id = z.string().min(1).max(100);

export const createListBody = z.strictObject({
  name: text(200).min(1),
  description: text(5000).nullable().optional(),
  type: z.enum(listTypes).optional(),
  status: z.enum(listStatuses).optional(),
  sender_name: text(200).nullable().optional(),
  sender_email: emailAddress.nullable().optional(),
  reply_to: emailAddress.nullable().optional(),
  record_reactions: z.boolean().optional(),
});
export type CreateList = z.infer<typeof createListBody>;

export const updateListBody = createListBody
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: "send at least one field to change" });
export type UpdateList = z.infer<typeof updateListBody>;

export const listQuery = z.strictObject({
  ...pageQuery,
  status: z.enum(listStatuses).optional(),
  type: z.enum(listTypes).optional(),
  /** part of the list's name, case-insensitive */
  q: text(200).min(1).optional(),
});

export const listIdParam = z.strictObject({ id });

/** Deleting a list linked to an e-mail tool is confirmed (seed 003 §8.3: the tool's list stays). */
export const deleteListQuery = z.strictObject({ confirm: z.enum(["true", "false"]).optional() });
export const subscriptionParams = z.strictObject({ id, sub_id: id });

/** Deleting a subscription whose member a linked tool still lists (seed 003 §8.1): delete it there too, or
 * here only. Without a choice such a deletion is a 409 that names both. */
export const deleteSubscriptionQuery = z.strictObject({
  linked_members: z.enum(["delete", "keep"]).optional(),
});

/** Reactions to mail sent through the list (seed 003 §5.4, filter family 6): "opened" includes those who
 * clicked; "not_opened" are those who got mail through the list and opened none of it. */
export const reactionFilters = ["not_opened", "opened", "clicked"] as const;

export const subscriptionQuery = z
  .strictObject({
    ...pageQuery,
    status: z.enum(subscriptionStatuses).optional(),
    contact_id: id.optional(),
    reaction: z.enum(reactionFilters).optional(),
    /** with reaction: only this campaign (cmp_…) or tool mailing (mlg_…) of the list counts */
    mailing_id: id.optional(),
  })
  .refine((q) => q.mailing_id === undefined || q.reaction !== undefined, {
    message: "mailing_id needs reaction",
    path: ["mailing_id"],
  });

export const createSubscriptionBody = z.strictObject({
  contact_id: id,
  status: z.enum(subscriptionStatuses).optional(),
});

export const updateSubscriptionBody = z.strictObject({ status: z.enum(subscriptionStatuses) });

/** Which contacts a bulk add takes. All given conditions must hold; an empty filter takes every contact. */
export const contactFilter = z
  .strictObject({
    contact_ids: z.array(id).min(1).max(10_000).optional(),
    /** part of "first_name last_name", case-insensitive */
    q: text(200).min(1).optional(),
    /** one of the contact's addresses (any position), compared normalised */
    email: emailAddress.optional(),
    has_email: z.boolean().optional(),
    custom_field: text(100).min(1).optional(),
    /** with custom_field: the field's value as text; without custom_value the field only has to exist */
    custom_value: z.string().max(1000).optional(),
    /** current consent for this channel and purpose is "granted" */
    consent: z.strictObject({ channel: text(50).min(1), purpose: text(50).min(1) }).optional(),
    /** members of another list of this workspace … */
    from_list_id: id.optional(),
    /** … with this status (default: subscribed, so unsubscribed people are never copied by accident) */
    from_list_status: z.enum(subscriptionStatuses).optional(),
  })
  .refine((f) => f.custom_value === undefined || f.custom_field !== undefined, {
    message: "custom_value needs custom_field",
    path: ["custom_value"],
  })
  .refine((f) => f.from_list_status === undefined || f.from_list_id !== undefined, {
    message: "from_list_status needs from_list_id",
    path: ["from_list_status"],
  });
export type ContactFilter = z.infer<typeof contactFilter>;

export const bulkSubscribeBody = z.strictObject({
  filter: contactFilter,
  status: z.enum(subscriptionStatuses).optional(),
});
