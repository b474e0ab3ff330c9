// Hashing and signing helpers: API keys are stored as SHA-256 (they are long random strings, so a fast
// hash is enough); tokens in links are HMAC-signed with the instance secret.
import { createHash, createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function hmac(secret: string, text: string, encoding: "hex" | "base64url" = "base64url"): string {
  return createHmac("sha256", secretKey(secret)).update(text).digest(encoding);
}

let keyed: { secret: string; key: KeyObject } | null = null;

/** The secret as a key object, made once per secret (the instance has one): createHmac with a string key
 * imports it again on every call, and a campaign message takes three HMACs (unsubscribe token, VERP
 * return path, blocklist hash). The MAC is the same: a string key is its UTF-8 bytes. */
export function secretKey(secret: string): KeyObject {
  if (keyed?.secret !== secret) keyed = { secret, key: createSecretKey(Buffer.from(secret, "utf8")) };
  return keyed.key;
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
