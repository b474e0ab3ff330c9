// Checking that a webhook request comes from the provider, each by its documented scheme:
// - SendGrid Signed Event Webhook: ECDSA P-256 / SHA-256 over timestamp header + raw body, base64 DER
//   signature in X-Twilio-Email-Event-Webhook-Signature, verification key from Mail Settings;
// - Mailgun: HMAC-SHA256 of timestamp + token with the webhook signing key, hex, in the body's `signature`;
// - Postmark: HTTP basic auth credentials the account put into the webhook URL.
// A timestamp older than max_age_seconds (or from the future) is refused as a replay. Every failure is a
// 401 that says what was wrong, and nothing is stored.
import { createHmac, createPublicKey, type KeyObject, timingSafeEqual, verify } from "node:crypto";
import { Unauthorized } from "../util/errors.js";

/** Clocks drift: a timestamp this far ahead of ours still counts as now. */
export const FUTURE_SKEW_SECONDS = 30;

/** Refuses a signed timestamp (seconds since the epoch) that is too old or lies in the future. */
export function checkFreshness(timestampSeconds: number, now: Date, maxAgeSeconds: number): void {
  if (!Number.isFinite(timestampSeconds)) throw Unauthorized("The request carries no valid timestamp.");
  const age = now.getTime() / 1000 - timestampSeconds;
  if (age > maxAgeSeconds) {
    throw Unauthorized(
      `The request was signed ${Math.round(age)} s ago; requests older than ${maxAgeSeconds} s are refused as possible replays.`,
    );
  }
  if (age < -FUTURE_SKEW_SECONDS) {
    throw Unauthorized(`The request's timestamp lies ${Math.round(-age)} s in the future; check the clocks.`);
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

// ---------------------------------------------------------------- SendGrid

export interface SendgridKey {
  public_key: string;
  max_age_seconds: number;
}

const keyCache = new Map<string, KeyObject | null>();

/** The verification key as SendGrid shows it (base64 DER SubjectPublicKeyInfo), or PEM. */
export function sendgridPublicKey(text: string): KeyObject | null {
  const hit = keyCache.get(text);
  if (hit !== undefined) return hit;
  let key: KeyObject | null;
  try {
    key = text.includes("BEGIN PUBLIC KEY")
      ? createPublicKey(text)
      : createPublicKey({
          key: Buffer.from(text.replace(/\s+/g, ""), "base64"),
          format: "der",
          type: "spki",
        });
  } catch {
    key = null;
  }
  if (keyCache.size > 1000) keyCache.clear();
  keyCache.set(text, key);
  return key;
}

export const SENDGRID_SIGNATURE = "x-twilio-email-event-webhook-signature";
export const SENDGRID_TIMESTAMP = "x-twilio-email-event-webhook-timestamp";

export function verifySendgrid(
  raw: Buffer,
  headers: Record<string, string | string[] | undefined>,
  keys: SendgridKey[],
  now: Date,
): void {
  const signature = header(headers, SENDGRID_SIGNATURE);
  const timestamp = header(headers, SENDGRID_TIMESTAMP);
  if (!signature || !timestamp) {
    throw Unauthorized(
      "Missing X-Twilio-Email-Event-Webhook-Signature or -Timestamp header; enable the Signed Event Webhook at SendGrid.",
    );
  }
  if (!/^\d{1,12}$/.test(timestamp))
    throw Unauthorized("X-Twilio-Email-Event-Webhook-Timestamp is not a Unix time.");
  const signed = Buffer.concat([Buffer.from(timestamp, "utf8"), raw]);
  const sig = Buffer.from(signature, "base64");
  const match = keys.find((k) => {
    const key = sendgridPublicKey(k.public_key);
    try {
      return key !== null && verify("sha256", signed, key, sig);
    } catch {
      return false;
    }
  });
  if (!match)
    throw Unauthorized(
      "The SendGrid signature does not match the verification key configured for this workspace.",
    );
  checkFreshness(Number(timestamp), now, match.max_age_seconds);
}

// ---------------------------------------------------------------- Mailgun

export interface MailgunKey {
  signing_key: string;
  max_age_seconds: number;
}

export interface MailgunSignature {
  timestamp: string;
  token: string;
  signature: string;
}

function hexEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, "hex");
  const bb = Buffer.from(b.toLowerCase(), "hex");
  return ab.length === bb.length && ab.length > 0 && timingSafeEqual(ab, bb);
}

export function mailgunSignature(key: string, timestamp: string, token: string): string {
  return createHmac("sha256", key)
    .update(timestamp + token)
    .digest("hex");
}

export function verifyMailgun(s: MailgunSignature, keys: MailgunKey[], now: Date): void {
  if (!/^[0-9a-f]{64}$/i.test(s.signature))
    throw Unauthorized("The Mailgun signature is not a SHA-256 hex digest.");
  const match = keys.find((k) =>
    hexEqual(mailgunSignature(k.signing_key, s.timestamp, s.token), s.signature),
  );
  if (!match)
    throw Unauthorized(
      "The Mailgun signature does not match the webhook signing key configured for this workspace.",
    );
  checkFreshness(Number(s.timestamp), now, match.max_age_seconds);
}

// ---------------------------------------------------------------- Postmark

export interface PostmarkCredentials {
  username: string;
  password: string;
}

function sameText(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export function verifyPostmark(
  headers: Record<string, string | string[] | undefined>,
  credentials: PostmarkCredentials[],
): void {
  const auth = header(headers, "authorization");
  const m = auth ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(auth.trim()) : null;
  if (!m) {
    throw Unauthorized(
      "Postmark webhooks must send HTTP basic auth: put the user and password configured here into the webhook URL.",
    );
  }
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const user = decoded.slice(0, Math.max(colon, 0));
  const pass = decoded.slice(colon + 1);
  const ok = colon > 0 && credentials.some((c) => sameText(c.username, user) && sameText(c.password, pass));
  if (!ok)
    throw Unauthorized(
      "The basic auth credentials do not match the Postmark webhook configured for this workspace.",
    );
}
