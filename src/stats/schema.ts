// Query parameters of the statistics routes (issue 5 item 9).
import { z } from "zod";
import { pageQuery } from "../http/pagination.js";
import { isoTime } from "../util/iso-time.js";

const campaignId = z.string().min(1).max(100).optional();

export const statsQuery = z.strictObject({
  campaign_id: campaignId,
  /** messages created at or after */
  since: isoTime.optional(),
  /** messages created before */
  until: isoTime.optional(),
});
export type StatsQuery = z.infer<typeof statsQuery>;

export const recipientsQuery = z.strictObject({
  campaign_id: campaignId,
  since: isoTime.optional(),
  until: isoTime.optional(),
  reaction: z.enum(["not_opened", "opened", "clicked"]).optional(),
  ...pageQuery,
});
export type RecipientsQuery = z.infer<typeof recipientsQuery>;

export const timeseriesQuery = z.strictObject({
  campaign_id: campaignId,
  bucket: z.enum(["hour", "day"]).default("day"),
  /** events at or after */
  since: isoTime.optional(),
  /** events before */
  until: isoTime.optional(),
});
export type TimeseriesQuery = z.infer<typeof timeseriesQuery>;
