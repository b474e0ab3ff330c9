import { z } from "zod";

export const workspaceSettings = z.strictObject({
  /** Domain of the VERP return path (bounce+token@domain); defaults to POSTSTELLE_BOUNCE_DOMAIN. */
  bounce_domain: z.string().min(1).max(253).nullable().optional(),
  /** Archive mailbox (seed 002): every message is BCC'd here. */
  archive_bcc: z.email().nullable().optional(),
  /** Default sender when a message names none. */
  default_from: z.email().nullable().optional(),
  default_from_name: z.string().max(200).nullable().optional(),
  /** Days after which message bodies are purged; the timeline and evidence stay. null = keep. */
  retention_days: z.number().int().min(1).max(36500).nullable().optional(),
  /** Request read receipts (Disposition-Notification-To) by default. */
  read_receipt_default: z.boolean().optional(),
  tracking: z.boolean().optional(),
  /** Soft-bounce escalation (src/inbound): this many soft bounces of one address within the window block
   * it like a hard bounce. Defaults 3 and 14 days. */
  soft_bounce_limit: z.number().int().min(1).max(100).optional(),
  soft_bounce_window_days: z.number().int().min(1).max(365).optional(),
  /** Sender domains (src/domains): refuse messages whose from domain is not a verified sender domain. */
  require_verified_domain: z.boolean().optional(),
  /** The SPF record suggested for sender domains; default "v=spf1 a mx ~all". */
  spf_policy: z
    .string()
    .trim()
    .regex(/^v=spf1(\s|$)/, "must start with v=spf1")
    .max(450)
    .nullable()
    .optional(),
});
export type WorkspaceSettings = z.infer<typeof workspaceSettings>;

export const createWorkspaceBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  settings: workspaceSettings.optional(),
});

export const updateWorkspaceBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  settings: workspaceSettings.optional(),
});

export const createKeyBody = z.strictObject({
  role: z.enum(["admin", "editor", "viewer"]),
  name: z.string().trim().min(1).max(200).optional(),
});

export const idParam = z.strictObject({ id: z.string().min(1).max(100) });
export const wsKeyParams = z.strictObject({
  id: z.string().min(1).max(100),
  key_id: z.string().min(1).max(100),
});
