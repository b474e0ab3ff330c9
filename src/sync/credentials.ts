// Tool credentials are needed in clear to call the tool, so they are encrypted (AES-256-GCM) with a key
// derived from the instance secret rather than hashed. Only admins ever see them; everyone else sees a hint.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import type { ToolCredentials } from "./adapter.js";

const VERSION = "v1";

function keyFrom(secret: string): Buffer {
  return createHash("sha256").update(`poststelle:email-tool-credentials:${secret}`).digest();
}

export function encryptCredentials(secret: string, credentials: ToolCredentials): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFrom(secret), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(credentials), "utf8"), cipher.final()]);
  return [
    VERSION,
    iv.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
    body.toString("base64url"),
  ].join(".");
}

export function decryptCredentials(secret: string, sealed: string): ToolCredentials {
  const [version, iv, tag, body] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || body === undefined) throw new Error("Unknown credentials format");
  const decipher = createDecipheriv("aes-256-gcm", keyFrom(secret), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  const text = Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString(
    "utf8",
  );
  return JSON.parse(text) as ToolCredentials;
}

/** What non-admins see: the tool's key kind and its last four characters. */
export function credentialsHint(credentials: ToolCredentials): string {
  const secretPart = credentials.kind === "mailchimp" ? credentials.api_key : credentials.token;
  const tail = secretPart.length > 8 ? secretPart.slice(-4) : "";
  return credentials.kind === "mailchimp" ? `API key …${tail}` : `${credentials.username} / token …${tail}`;
}
