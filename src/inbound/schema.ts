// Request shapes of inbound mail (/v1/inbound) and of the IMAP mailboxes polled for it
// (/v1/inbound-mailboxes), DESIGN §9.
import { z } from "zod";
import { pageQuery } from "../http/pagination.js";

export const inboundKinds = [
  "pending",
  "bounce",
  "delay",
  "delivered",
  "relayed",
  "mdn",
  "arf",
  "autoreply",
  "archive",
  "unknown",
] as const;

export const inboundQuery = z.strictObject({
  ...pageQuery,
  /** false: only mail that matched no message (kept with its raw source) */
  matched: z.enum(["true", "false"]).optional(),
  kind: z.enum(inboundKinds).optional(),
  source: z.enum(["smtp", "imap", "archive"]).optional(),
  /** only reports about this message */
  message_id: z.string().min(1).max(100).optional(),
});

export const unmatchedQuery = z.strictObject({ ...pageQuery, kind: z.enum(inboundKinds).optional() });

export const idParam = z.strictObject({ id: z.string().min(1).max(100) });

const hostName = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, "a host name or IP address");
const folder = z.string().trim().min(1).max(200);

const mailboxFields = {
  name: z.string().trim().min(1).max(200),
  host: hostName,
  port: z.number().int().min(1).max(65535),
  /** implicit TLS (IMAPS, usually port 993); false: plain IMAP, upgraded with STARTTLS when offered */
  tls: z.boolean(),
  user: z.string().min(1).max(320),
  password: z.string().min(1).max(1000),
  folder: folder.default("INBOX"),
  /** bounce: DSNs, read receipts, complaints, auto-replies; archive: the BCC copies of seed 002 */
  purpose: z.enum(["bounce", "archive"]),
  /** what happens to a message once it is stored: flagged (\Seen + $PoststelleProcessed) or moved */
  after: z.enum(["flag", "move"]).default("flag"),
  move_to: folder.nullable().optional(),
  poll_seconds: z.number().int().min(10).max(86_400).default(60),
  enabled: z.boolean().default(true),
};

const moveNeedsFolder = (v: { after?: string; move_to?: string | null }) => v.after !== "move" || !!v.move_to;
const moveMessage = {
  message: "after: 'move' needs move_to, the folder processed mail is moved to",
  path: ["move_to"],
};

export const createMailboxBody = z.strictObject(mailboxFields).refine(moveNeedsFolder, moveMessage);

export const updateMailboxBody = z
  .strictObject({
    name: mailboxFields.name.optional(),
    host: mailboxFields.host.optional(),
    port: mailboxFields.port.optional(),
    tls: mailboxFields.tls.optional(),
    user: mailboxFields.user.optional(),
    password: mailboxFields.password.optional(),
    folder: folder.optional(),
    purpose: mailboxFields.purpose.optional(),
    after: z.enum(["flag", "move"]).optional(),
    move_to: folder.nullable().optional(),
    poll_seconds: z.number().int().min(10).max(86_400).optional(),
    enabled: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: "name at least one field to change" });

export type CreateMailbox = z.infer<typeof createMailboxBody>;
export type UpdateMailbox = z.infer<typeof updateMailboxBody>;

export const mailboxQuery = z.strictObject({ ...pageQuery });
