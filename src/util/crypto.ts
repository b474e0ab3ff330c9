// Hashing and signing helpers: API keys are stored as SHA-256 (they are long random strings, so a fast
// hash is enough); tokens in links are HMAC-signed with the instance secret.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function hmac(secret: string, text: string, encoding: "hex" | "base64url" = "base64url"): string {
  return createHmac("sha256", secret).update(text).digest(encoding);
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
