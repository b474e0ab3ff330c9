// Test support: the providers' documented sample bodies (test/fixtures/providers) and signatures made with
// test keys exactly as each provider makes them, so the tests post what a provider would post.
import { execFileSync } from "node:child_process";
import { createHmac, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type SnsEnvelope, stringToSign } from "./sns.js";

const fixtures = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "test",
  "fixtures",
  "providers",
);

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(fixtures, name), "utf8")) as T;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A SendGrid Signed Event Webhook key pair: the public key as SendGrid shows it (base64 DER). */
export function sendgridSigner() {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    publicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
    /** The two headers SendGrid sends with a body. */
    headers(body: string, timestamp = nowSeconds()): Record<string, string> {
      const signature = sign("sha256", Buffer.from(`${timestamp}${body}`), privateKey).toString("base64");
      return {
        "content-type": "application/json",
        "x-twilio-email-event-webhook-signature": signature,
        "x-twilio-email-event-webhook-timestamp": String(timestamp),
      };
    },
  };
}

/** Mailgun's signature object for a webhook signing key. */
export function mailgunSignature(signingKey: string, timestamp = nowSeconds()) {
  const token = randomBytes(25).toString("hex");
  const ts = String(timestamp);
  return {
    timestamp: ts,
    token,
    signature: createHmac("sha256", signingKey)
      .update(ts + token)
      .digest("hex"),
  };
}

export function basicAuth(user: string, pass: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}` };
}

/** A self-signed RSA certificate standing in for SNS's signing certificate (made with openssl). */
export function snsSigner() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-sns-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=sns.amazonaws.com",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    const cert = fs.readFileSync(path.join(dir, "cert.pem"), "utf8");
    const key = fs.readFileSync(path.join(dir, "key.pem"), "utf8");
    return {
      cert,
      certUrl: "https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-test.pem",
      /** Fills in Timestamp (now unless given), SigningCertURL and Signature as SNS does. */
      sign(
        m: Omit<SnsEnvelope, "Signature" | "SigningCertURL"> & Record<string, unknown>,
        version: "1" | "2" = "1",
      ) {
        const full = { ...m, SignatureVersion: version, SigningCertURL: this.certUrl } as SnsEnvelope;
        const data = Buffer.from(stringToSign(full), "utf8");
        return {
          ...full,
          Signature: sign(version === "1" ? "sha1" : "sha256", data, key).toString("base64"),
        };
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
