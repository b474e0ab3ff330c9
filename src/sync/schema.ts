// Request shapes of the sync API (zod, strict: unknown fields are refused).
import { z } from "zod";
import { pageQuery } from "../http/pagination.js";
import { reactionFilters } from "../lists/schema.js";
import { emailAddress } from "../util/email.js";

const idString = z.string().min(1).max(100);

export const connectionIdParam = z.strictObject({ id: idString });
export const listIdParam = z.strictObject({ id: idString });
export const runParams = z.strictObject({ id: idString, runId: idString });
export const memberParams = z.strictObject({ id: idString, subscriptionId: idString });

const baseUrl = z
  .string()
  .url()
  .max(500)
  .refine((u) => /^https?:\/\//.test(u), "base_url must be an http(s) URL");

const credentials = z.strictObject({
  api_key: z.string().min(8).max(200).optional(),
  username: z.string().min(1).max(200).optional(),
  token: z.string().min(8).max(500).optional(),
});

export const createConnectionBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  tool: z.enum(["mailchimp", "listmonk"]),
  /** The API base URL; Mailchimp derives it from the key's data centre when absent. */
  base_url: baseUrl.optional(),
  credentials,
  /** Check the credentials with the tool before saving (default true). */
  verify: z.boolean().default(true),
});
export type CreateConnection = z.infer<typeof createConnectionBody>;

export const updateConnectionBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  base_url: baseUrl.nullable().optional(),
  credentials: credentials.optional(),
  verify: z.boolean().default(true),
});
export type UpdateConnection = z.infer<typeof updateConnectionBody>;

const postalAddress = z.strictObject({
  company: z.string().min(1).max(200),
  address1: z.string().min(1).max(200),
  city: z.string().min(1).max(100),
  zip: z.string().min(1).max(20),
  country: z.string().min(2).max(60),
  state: z.string().max(60).optional(),
});

export const linkBody = z.discriminatedUnion("mode", [
  z.strictObject({
    mode: z.literal("create"),
    connection_id: idString,
    /** Mailchimp demands a postal address and a permission reminder for every audience. */
    contact: postalAddress.optional(),
    permission_reminder: z.string().min(1).max(500).optional(),
    double_opt_in: z.boolean().optional(),
  }),
  z.strictObject({
    mode: z.literal("attach"),
    connection_id: idString,
    remote_list_id: z.string().min(1).max(200),
  }),
]);
export type LinkInput = z.infer<typeof linkBody>;

/** Expert options after linking (seed 003 §5.5): each needs confirm: true, because each is a risk. */
export const relinkBody = z.strictObject({
  remote_list_id: z.string().min(1).max(200),
  /** chosen from the tool's lists, or entered by hand */
  how: z.enum(["chosen", "entered"]),
  confirm: z.boolean().optional(),
});

export const detachBody = z.strictObject({ confirm: z.boolean().optional() });

export const scheduleBody = z.strictObject({
  /** fetch every N minutes (never transmits on its own); null switches it off */
  fetch_every_minutes: z.number().int().min(5).max(10080).nullable(),
});

export const fetchBody = z
  .strictObject({
    /** required when undecided or untransmitted tasks would be cleared by this fetch */
    confirm: z.boolean().optional(),
  })
  .default({});

export const transmitBody = z.strictObject({ confirm: z.boolean().optional() }).default({});

export const syncTasks = [
  "transmit",
  "update_name",
  "subscribe",
  "unsubscribe",
  "delete",
  "change_email",
] as const;

export const taskBody = z.strictObject({ task: z.enum(syncTasks).nullable() });

/** Saved filters of the members listing (DESIGN §5, seed 003 §5.4 "Containerfilter"). */
export const memberFilters = [
  "conflicts",
  "conflicts_open",
  "new_in_list",
  "new_contacts",
  "not_in_tool",
  "not_in_tool_open",
  "with_task",
  "bounces",
  "blocklisted_not_transmitted",
  "blocklisted",
  "transmit_errors",
  // reactions to mail sent through the list (seed 003 §5.4 filter family 6; see GET /v1/lists/{id}/subscriptions)
  ...reactionFilters,
] as const;
export type MemberFilter = (typeof memberFilters)[number];

export const membersQuery = z.strictObject({
  ...pageQuery,
  filter: z.enum(memberFilters).optional(),
  email: emailAddress.optional(),
});

export const markBody = z.strictObject({
  /** which subscriptions get "transmit member": those not in the tool without a decision */
  filter: z.literal("not_in_tool_open").default("not_in_tool_open"),
});

export const runsQuery = z.strictObject({ ...pageQuery });
