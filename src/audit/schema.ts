import { z } from "zod";
import { pageQuery } from "../http/pagination.js";
import { isoTime } from "../util/iso-time.js";

export const activityQuery = z.strictObject({
  ...pageQuery,
  kind: z.string().max(100).optional(),
  action: z.string().max(100).optional(),
  actor: z
    .string()
    .max(200)
    .optional()
    .describe("Exactly the actor's id, recorded name or type (user, api_key, system)."),
  actor_contains: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe(
      "Part of who acted, any case, `%` and `_` literal: the name the entry recorded, a user's current name " +
        "or e-mail address, an API key's current name, or the words the dashboard shows for a system " +
        "process or a kind of actor, in German or English (`Versand` finds the campaign worker, `Abgleich` " +
        "the syncs, `Benutzer` or `user` every user, `System` every process).",
    ),
  record_id: z.string().max(100).optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
});

export const createActivityBody = z.strictObject({
  action: z.string().trim().min(1).max(50),
  kind: z.string().trim().min(1).max(100),
  record_id: z.string().max(200).nullable().optional(),
  summary: z.string().max(2000).optional(),
  changes: z.record(z.string(), z.strictObject({ before: z.unknown(), after: z.unknown() })).optional(),
  actor_name: z.string().max(200).optional(),
  at: isoTime.optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

export const eventLogQuery = z.strictObject({
  ...pageQuery,
  severity: z.enum(["information", "warning", "error"]).optional(),
  group_id: z.string().max(100).optional(),
  process: z.string().max(100).optional(),
  record_kind: z.string().max(100).optional(),
  record_id: z.string().max(100).optional(),
  checked: z.enum(["true", "false"]).optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
});

export const checkEventBody = z.strictObject({ checked: z.boolean() });
export const idParam = z.strictObject({ id: z.string().min(1).max(100) });
