// Request shapes of the blocklist (Sperrliste), DESIGN §9.
import { z } from "zod";
import { pageQuery } from "../http/pagination.js";

export const blockKinds = ["email", "phone"] as const;

/** The sources of entries that mark an address as bouncing: a hard bounce and repeated soft bounces seen
 * here (src/inbound/consequences.ts), and a permanent bounce the e-mail tool reported (Mailchimp's
 * "cleaned" webhook, a mailing's bounces; src/sync — the tool blocks for no other reason). */
export const bounceSources = ["hard_bounce", "repeated_soft_bounces", "email_tool"] as const;

const reason = z.string().trim().min(1).max(1000);

export const createBlockBody = z.strictObject({
  address: z.string().trim().min(1).max(320),
  reason,
  kind: z.enum(blockKinds).optional(),
});

export const blocklistQuery = z.strictObject({
  ...pageQuery,
  /** part of the address, case-insensitive (erased addresses never match) */
  q: z.string().trim().min(1).max(320).optional(),
  kind: z.enum(blockKinds).optional(),
  /** hard_bounce, manual, … */
  source: z.string().trim().min(1).max(50).optional(),
  /** also list lifted entries (the history); default: only those that block now */
  include_lifted: z.enum(["true", "false"]).optional(),
});

export const checkQuery = z.strictObject({
  address: z.string().trim().min(1).max(320),
  /** default: email when the address contains '@', phone otherwise */
  kind: z.enum(blockKinds).optional(),
});

export const blockIdParam = z.strictObject({ id: z.string().min(1).max(100) });

export const liftQuery = z.strictObject({ reason: reason.optional() });
export const liftBody = z.strictObject({ reason: reason.optional() }).optional();
