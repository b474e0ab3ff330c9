// Configuration of the provider transports (DESIGN §3.5): SendGrid, Mailgun, Postmark and Amazon SES over
// their HTTP APIs. Each holds credentials, so only admins see it (like an SMTP relay's), and each may carry
// a `webhook` sub-object with what /v1/webhooks/{provider}/{workspace} needs to verify the provider's events.
// base_url points a transport at another endpoint (a regional one, or a test server on loopback).
import { z } from "zod";

export const providerKinds = ["sendgrid", "mailgun", "postmark", "ses"] as const;
export type ProviderKind = (typeof providerKinds)[number];

export function isProviderKind(kind: string): kind is ProviderKind {
  return (providerKinds as readonly string[]).includes(kind);
}

const secret = z.string().trim().min(1).max(4096);
const baseUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
/** How old a signed event may be before it counts as a replay (seconds; 5 minutes by default). */
const maxAge = z.number().int().min(30).max(86_400).default(300);
const timeout = z.number().int().min(1000).max(120_000).default(30_000);

export const sendgridConfig = z.strictObject({
  api_key: secret,
  base_url: baseUrl.default("https://api.sendgrid.com"),
  timeout_ms: timeout,
  webhook: z
    .strictObject({
      /** The verification key of the Signed Event Webhook (Mail Settings): base64 DER or PEM. */
      public_key: secret,
      max_age_seconds: maxAge,
    })
    .optional(),
});
export type SendgridConfig = z.infer<typeof sendgridConfig>;

export const mailgunConfig = z.strictObject({
  api_key: secret,
  /** The sending domain as registered at Mailgun. */
  domain: z.string().trim().min(1).max(253),
  /** us → api.mailgun.net, eu → api.eu.mailgun.net (unless base_url says otherwise). */
  region: z.enum(["us", "eu"]).default("us"),
  base_url: baseUrl.optional(),
  timeout_ms: timeout,
  webhook: z
    .strictObject({
      /** The HTTP webhook signing key (Mailgun: Settings → API Keys). */
      signing_key: secret,
      max_age_seconds: maxAge,
    })
    .optional(),
});
export type MailgunConfig = z.infer<typeof mailgunConfig>;

export const postmarkConfig = z.strictObject({
  server_token: secret,
  message_stream: z.string().trim().min(1).max(100).default("outbound"),
  base_url: baseUrl.default("https://api.postmarkapp.com"),
  timeout_ms: timeout,
  webhook: z
    .strictObject({
      /** Postmark webhooks carry HTTP basic auth credentials set in the webhook URL. */
      username: z.string().min(1).max(200),
      password: z.string().min(8, "use a password of at least 8 characters").max(200),
    })
    .optional(),
});
export type PostmarkConfig = z.infer<typeof postmarkConfig>;

const awsRegion = z
  .string()
  .trim()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as eu-central-1");

export const sesConfig = z.strictObject({
  region: awsRegion,
  access_key_id: z.string().trim().min(16).max(128),
  secret_access_key: secret,
  /** For temporary credentials (STS). */
  session_token: secret.optional(),
  /** The configuration set whose event destination publishes to the SNS topic below. */
  configuration_set: z.string().trim().min(1).max(64).optional(),
  base_url: baseUrl.optional(),
  timeout_ms: timeout,
  webhook: z
    .strictObject({
      /** SNS topics whose notifications this workspace accepts; any other topic is refused. */
      topic_arns: z
        .array(z.string().regex(/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]{1,256}$/, "must be an SNS topic ARN"))
        .min(1)
        .max(20),
      /** Confirm a SubscriptionConfirmation of a listed topic by fetching its SubscribeURL. */
      confirm_subscriptions: z.boolean().default(true),
      max_age_seconds: maxAge,
    })
    .optional(),
});
export type SesConfig = z.infer<typeof sesConfig>;

export const providerConfigs = {
  sendgrid: sendgridConfig,
  mailgun: mailgunConfig,
  postmark: postmarkConfig,
  ses: sesConfig,
} as const;

export interface ProviderConfigOf {
  sendgrid: SendgridConfig;
  mailgun: MailgunConfig;
  postmark: PostmarkConfig;
  ses: SesConfig;
}

/** Configuration fields that are secrets: never written to the activity log. */
export const secretFields = [
  "api_key",
  "server_token",
  "secret_access_key",
  "session_token",
  "signing_key",
  "password",
];

/** A copy of a configuration with every secret replaced by "***" (for the activity log). */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, secretFields.includes(k) && v ? "***" : maskSecrets(v)]),
  );
}
