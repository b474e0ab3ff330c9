import { z } from "zod";
import { pageQuery } from "../http/pagination.js";
import { hookEventTypes } from "./events.js";

/** http or https only; internal hosts are allowed on purpose (self-hosted host applications live there). */
const hookUrl = z
  .string()
  .trim()
  .max(2000)
  .refine((u) => {
    try {
      return ["http:", "https:"].includes(new URL(u).protocol);
    } catch {
      return false;
    }
  }, "must be an http:// or https:// URL");

const events = z.array(z.enum(hookEventTypes)).min(1).max(hookEventTypes.length);

export const createEndpointBody = z.strictObject({
  url: hookUrl,
  events,
  enabled: z.boolean().optional(),
  description: z.string().trim().max(500).nullable().optional(),
});

export const updateEndpointBody = z.strictObject({
  url: hookUrl.optional(),
  events: events.optional(),
  enabled: z.boolean().optional(),
  description: z.string().trim().max(500).nullable().optional(),
});

export const idParam = z.strictObject({ id: z.string().min(1).max(100) });
export const listQuery = z.strictObject({ ...pageQuery });
export const deliveriesQuery = z.strictObject({
  ...pageQuery,
  status: z.enum(["pending", "succeeded", "failed"]).optional(),
});
