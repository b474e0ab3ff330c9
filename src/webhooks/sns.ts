// Amazon SNS HTTP(S) notifications ("Verifying the signatures of Amazon SNS messages", SNS Developer
// Guide): the string to sign is "Key\nValue\n" for a fixed list of fields in byte order (Notification:
// Message, MessageId, Subject if present, Timestamp, TopicArn, Type; subscription messages: Message,
// MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type), signed with SHA1withRSA (SignatureVersion 1)
// or SHA256withRSA (2) by the certificate at SigningCertURL, which must be https on an SNS host.
import { type KeyObject, verify, X509Certificate } from "node:crypto";
import { z } from "zod";
import { Unauthorized } from "../util/errors.js";
import type { WebhookDeps } from "./deps.js";
import { checkFreshness } from "./verify.js";

// SNS sends more fields than these (UnsubscribeURL, MessageAttributes …) and may add more: loose on purpose.
export const snsEnvelope = z.looseObject({
  Type: z.enum(["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"]),
  MessageId: z.string().min(1).max(200),
  TopicArn: z.string().min(1).max(1024),
  Subject: z.string().max(1000).optional(),
  Message: z.string(),
  Timestamp: z.iso.datetime({ offset: true }),
  SignatureVersion: z.enum(["1", "2"]),
  Signature: z.string().min(1).max(4096),
  SigningCertURL: z.string().min(1).max(2048),
  SubscribeURL: z.string().max(4096).optional(),
  Token: z.string().max(4096).optional(),
});
export type SnsEnvelope = z.infer<typeof snsEnvelope>;

const NOTIFICATION_FIELDS = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"] as const;
const SUBSCRIPTION_FIELDS = [
  "Message",
  "MessageId",
  "SubscribeURL",
  "Timestamp",
  "Token",
  "TopicArn",
  "Type",
] as const;

export function stringToSign(m: SnsEnvelope): string {
  const fields = m.Type === "Notification" ? NOTIFICATION_FIELDS : SUBSCRIPTION_FIELDS;
  let out = "";
  for (const f of fields) {
    const v = m[f];
    if (v === undefined) continue;
    out += `${f}\n${v}\n`;
  }
  return out;
}

const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/** An https URL on an SNS host of some region: the only place a certificate or a confirmation may come from. */
export function isSnsUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === "https:" && SNS_HOST.test(u.hostname) && (u.port === "" || u.port === "443");
  } catch {
    return false;
  }
}

const certCache = new WeakMap<WebhookDeps, Map<string, KeyObject>>();

async function signingKey(url: string, deps: WebhookDeps, now: Date): Promise<KeyObject> {
  const cache = certCache.get(deps) ?? new Map<string, KeyObject>();
  certCache.set(deps, cache);
  const hit = cache.get(url);
  if (hit) return hit;
  let key: KeyObject;
  try {
    const cert = new X509Certificate(await deps.fetchCertificate(url));
    if (new Date(cert.validTo) < now || new Date(cert.validFrom) > now)
      throw new Error("certificate not valid now");
    key = cert.publicKey;
  } catch (err) {
    throw Unauthorized(`The SNS signing certificate could not be used: ${(err as Error).message}`);
  }
  if (cache.size > 100) cache.clear();
  cache.set(url, key);
  return key;
}

/** Verifies origin and freshness of an SNS message; throws 401 when either fails. */
export async function verifySns(
  m: SnsEnvelope,
  deps: WebhookDeps,
  now: Date,
  maxAgeSeconds: number,
): Promise<void> {
  if (!isSnsUrl(m.SigningCertURL)) {
    throw Unauthorized("SigningCertURL must be an https URL on an sns.<region>.amazonaws.com host.");
  }
  const key = await signingKey(m.SigningCertURL, deps, now);
  const algorithm = m.SignatureVersion === "1" ? "sha1" : "sha256";
  let ok = false;
  try {
    ok = verify(algorithm, Buffer.from(stringToSign(m), "utf8"), key, Buffer.from(m.Signature, "base64"));
  } catch {
    ok = false;
  }
  if (!ok) throw Unauthorized("The SNS message signature does not match its signing certificate.");
  checkFreshness(Date.parse(m.Timestamp) / 1000, now, maxAgeSeconds);
}
