// Request shapes of messages and transports (DESIGN §9). The same schemas validate requests and describe
// them in /openapi.json.
import { z } from "zod";
import { messageStatuses } from "../events/status.js";
import { pageQuery } from "../http/pagination.js";
import { emailAddress } from "../util/email.js";
import { isoTime } from "../util/iso-time.js";
import { providerConfigs, providerKinds } from "./providers/schema.js";

/** A header value on one line: CR or LF in it would let a caller inject headers, and other control
 * characters have no place in a subject, name or file name. */
const headerText = (max: number) =>
  z
    .string()
    .max(max)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
    .regex(/^[^\x00-\x08\x0a-\x1f\x7f]*$/, "must not contain line breaks or control characters");

export const BATCH_LIMIT = 500;

const recipient = z.union([emailAddress, z.strictObject({ contact_id: z.string().min(1).max(100) })], {
  error: (issue) =>
    typeof issue.input === "string"
      ? `'${issue.input.slice(0, 100)}' is not a valid e-mail address`
      : "must be an e-mail address or { contact_id }",
});

const attachment = z.strictObject({
  filename: headerText(255).trim().min(1),
  content_type: z
    .string()
    .max(255)
    .regex(/^[\w.+-]+\/[\w.+-]+$/, "must be a MIME type such as application/pdf")
    .optional(),
  content_base64: z.base64("must be base64-encoded"),
});

const messageFields = {
  to: recipient,
  from: emailAddress.optional(),
  from_name: headerText(200).optional(),
  reply_to: emailAddress.optional(),
  subject: headerText(998).optional(),
  text: z.string().max(2_000_000).optional(),
  html: z.string().max(5_000_000).optional(),
  template_id: z.string().min(1).max(100).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  attachments: z.array(attachment).max(50).optional(),
  read_receipt: z.boolean().optional(),
  tags: z.array(z.string().trim().min(1).max(100)).max(20).optional(),
  /** Name of a transport of this workspace; the workspace default (or the capture outbox) otherwise. */
  transport: z.string().min(1).max(100).optional(),
  campaign_id: z.string().min(1).max(100).optional(),
};

type MessageShape = { [K in keyof typeof messageFields]: z.infer<(typeof messageFields)[K]> };

/** Content is either given or rendered from a template, never both. */
function checkContent(m: Partial<MessageShape>, ctx: z.RefinementCtx) {
  if (m.template_id && (m.text !== undefined || m.html !== undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["template_id"],
      message: "give either template_id or text/html, not both",
    });
  }
  if (!m.template_id && m.text === undefined && m.html === undefined) {
    ctx.addIssue({ code: "custom", path: ["text"], message: "give text, html or template_id" });
  }
  if (!m.template_id && !m.subject) {
    ctx.addIssue({ code: "custom", path: ["subject"], message: "subject is required" });
  }
}

export const messageInput = z.strictObject(messageFields).superRefine(checkContent);
export type MessageInput = z.infer<typeof messageInput>;

export const batchItem = z
  .strictObject({ ...messageFields, idempotency_key: z.string().min(1).max(255).optional() })
  .superRefine(checkContent);
export type BatchItem = z.infer<typeof batchItem>;

export const batchBody = z.strictObject({
  messages: z
    .array(batchItem)
    .min(1, "give at least one message")
    .max(BATCH_LIMIT, `at most ${BATCH_LIMIT} messages per batch; split the request`),
});

export const messageListQuery = z.strictObject({
  ...pageQuery,
  status: z.enum(messageStatuses).optional(),
  to: z.string().max(320).optional(),
  contact_id: z.string().max(100).optional(),
  campaign_id: z.string().max(100).optional(),
  tag: z.string().max(100).optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
});

export const idParam = z.strictObject({ id: z.string().min(1).max(100) });
export const resendBody = z.strictObject({});

// ---------------------------------------------------------------- transports

const transportName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[\w.-]+$/, "use letters, digits, '.', '_' and '-'");

export const smtpConfig = z.strictObject({
  host: z.string().trim().min(1).max(253),
  port: z.number().int().min(1).max(65535).default(587),
  /** Implicit TLS from the first byte (port 465). */
  secure: z.boolean().default(false),
  /** STARTTLS on a plain connection: required (fail without it), opportunistic (use it if offered), off. */
  starttls: z.enum(["required", "opportunistic", "off"]).default("opportunistic"),
  auth: z.strictObject({ user: z.string().min(1).max(320), pass: z.string().max(1000) }).optional(),
  /** Pooled connections kept open to the relay. */
  pool_size: z.number().int().min(1).max(50).default(5),
  max_messages_per_connection: z.number().int().min(1).max(1_000_000).default(1000),
  /** Ask for RFC 3461 delivery status notifications (NOTIFY=SUCCESS,FAILURE,DELAY, ENVID, RET=HDRS). */
  dsn: z.boolean().default(true),
  tls_reject_unauthorized: z.boolean().default(true),
  /** Name announced in EHLO; the machine's host name otherwise. */
  helo_name: z.string().max(253).optional(),
});
export type SmtpConfig = z.infer<typeof smtpConfig>;

export const captureConfig = z.strictObject({
  /** Also write each message as <dataDir>/outbox/<workspace>/<message id>.eml. */
  write_files: z.boolean().default(false),
});
export type CaptureConfig = z.infer<typeof captureConfig>;

export const transportConfigs = { smtp: smtpConfig, capture: captureConfig, ...providerConfigs } as const;
export type TransportKind = keyof typeof transportConfigs;

/** Throttling held in the database (DESIGN §3.6, src/delivery/throttle.ts): at most rate_limit messages per
 * rate_window_seconds and at most max_concurrency SMTP transactions at once, across all processes; shared
 * by transactional mail and campaigns. null removes a limit. */
const throttle = {
  rate_limit: z.number().int().min(1).max(10_000_000).nullable().optional(),
  rate_window_seconds: z
    .number()
    .int()
    .min(1)
    .max(31 * 86_400)
    .nullable()
    .optional(),
  max_concurrency: z.number().int().min(1).max(1000).nullable().optional(),
};

export const createTransportBody = z.discriminatedUnion("kind", [
  z.strictObject({
    name: transportName,
    kind: z.literal("smtp"),
    config: smtpConfig,
    is_default: z.boolean().optional(),
    ...throttle,
  }),
  z.strictObject({
    name: transportName,
    kind: z.literal("capture"),
    config: captureConfig.optional(),
    is_default: z.boolean().optional(),
    ...throttle,
  }),
  ...providerKinds.map((kind) =>
    z.strictObject({
      name: transportName,
      kind: z.literal(kind),
      config: providerConfigs[kind],
      is_default: z.boolean().optional(),
      ...throttle,
    }),
  ),
]);
export type CreateTransportBody = z.infer<typeof createTransportBody>;

export const updateTransportBody = z.strictObject({
  name: transportName.optional(),
  /** Merged into the stored configuration (fields given replace those stored), then validated whole. */
  config: z.record(z.string(), z.unknown()).optional(),
  is_default: z.boolean().optional(),
  ...throttle,
});
export type UpdateTransportBody = z.infer<typeof updateTransportBody>;
