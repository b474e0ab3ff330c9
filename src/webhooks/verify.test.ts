import { describe, expect, it } from "vitest";
import { classifyProviderBounce } from "./bounce.js";
import { sendgridMessageIds } from "./sendgrid.js";
import { isSnsUrl, type SnsEnvelope, stringToSign } from "./sns.js";
import { checkFreshness, mailgunSignature, verifyMailgun, verifyPostmark, verifySendgrid } from "./verify.js";

const at = (s: number) => new Date(s * 1000);

describe("SendGrid signature", () => {
  // sendgrid/sendgrid-nodejs, packages/eventwebhook/src/eventwebhook.spec.js: SendGrid's own example.
  const PUBLIC_KEY =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==";
  const SIGNATURE =
    "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=";
  const TIMESTAMP = "1588788367";
  const PAYLOAD = JSON.stringify({
    category: "example_payload",
    event: "test_event",
    message_id: "message_id",
  });
  const headers = {
    "x-twilio-email-event-webhook-signature": SIGNATURE,
    "x-twilio-email-event-webhook-timestamp": TIMESTAMP,
  };
  const key = { public_key: PUBLIC_KEY, max_age_seconds: 300 };

  it("accepts SendGrid's published example signed over timestamp + payload", () => {
    expect(() => verifySendgrid(Buffer.from(PAYLOAD), headers, [key], at(1588788367 + 10))).not.toThrow();
  });

  it("refuses the same example with one byte of the payload changed", () => {
    expect(() => verifySendgrid(Buffer.from(`${PAYLOAD} `), headers, [key], at(1588788367))).toThrow(
      /does not match/,
    );
  });

  it("refuses it as a replay once it is older than the allowed age", () => {
    expect(() => verifySendgrid(Buffer.from(PAYLOAD), headers, [key], at(1588788367 + 301))).toThrow(
      /replays/,
    );
  });

  it("accepts a signature made by any of several configured keys, and none with a broken key", () => {
    const broken = { public_key: "not a key", max_age_seconds: 300 };
    expect(() => verifySendgrid(Buffer.from(PAYLOAD), headers, [broken, key], at(1588788367))).not.toThrow();
    expect(() => verifySendgrid(Buffer.from(PAYLOAD), headers, [broken], at(1588788367))).toThrow(
      /does not match/,
    );
  });
});

describe("timestamp freshness", () => {
  it("allows the configured age and a little clock skew, and nothing beyond", () => {
    const now = at(1_700_000_000);
    expect(() => checkFreshness(1_700_000_000 - 300, now, 300)).not.toThrow();
    expect(() => checkFreshness(1_700_000_000 - 301, now, 300)).toThrow(/301 s ago/);
    expect(() => checkFreshness(1_700_000_000 + 20, now, 300)).not.toThrow();
    expect(() => checkFreshness(1_700_000_000 + 120, now, 300)).toThrow(/future/);
    expect(() => checkFreshness(Number.NaN, now, 300)).toThrow(/timestamp/);
  });
});

describe("Mailgun signature", () => {
  it("is the hex HMAC-SHA256 of timestamp + token under the signing key", () => {
    const sig = mailgunSignature(
      "key-test",
      "1529006854",
      "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0",
    );
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    const keys = [{ signing_key: "key-test", max_age_seconds: 300 }];
    const s = {
      timestamp: "1529006854",
      token: "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0",
      signature: sig,
    };
    expect(() => verifyMailgun(s, keys, at(1529006854))).not.toThrow();
    expect(() => verifyMailgun({ ...s, token: `${s.token}x` }, keys, at(1529006854))).toThrow(
      /does not match/,
    );
    expect(() =>
      verifyMailgun(s, [{ signing_key: "other", max_age_seconds: 300 }], at(1529006854)),
    ).toThrow();
  });
});

describe("Postmark basic auth", () => {
  const creds = [{ username: "postmark", password: "geheim-123" }];
  const basic = (u: string, p: string) => ({
    authorization: `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`,
  });
  it("accepts the configured credentials only", () => {
    expect(() => verifyPostmark(basic("postmark", "geheim-123"), creds)).not.toThrow();
    expect(() => verifyPostmark(basic("postmark", "geheim-124"), creds)).toThrow(/do not match/);
    expect(() => verifyPostmark({}, creds)).toThrow(/basic auth/);
    expect(() => verifyPostmark({ authorization: "Bearer x" }, creds)).toThrow(/basic auth/);
  });
});

describe("SNS", () => {
  it("builds the string to sign from the documented fields in order, Subject only when present", () => {
    const n = {
      Type: "Notification",
      MessageId: "m1",
      TopicArn: "arn:aws:sns:eu-central-1:123456789012:t",
      Message: "hello",
      Timestamp: "2024-01-01T00:00:00.000Z",
      SignatureVersion: "1",
      Signature: "x",
      SigningCertURL: "https://sns.eu-central-1.amazonaws.com/c.pem",
    } as SnsEnvelope;
    expect(stringToSign(n)).toBe(
      "Message\nhello\nMessageId\nm1\nTimestamp\n2024-01-01T00:00:00.000Z\nTopicArn\narn:aws:sns:eu-central-1:123456789012:t\nType\nNotification\n",
    );
    expect(stringToSign({ ...n, Subject: "s" })).toContain("MessageId\nm1\nSubject\ns\nTimestamp\n");
    const c = {
      ...n,
      Type: "SubscriptionConfirmation",
      SubscribeURL: "https://u",
      Token: "tok",
    } as SnsEnvelope;
    expect(stringToSign(c)).toBe(
      "Message\nhello\nMessageId\nm1\nSubscribeURL\nhttps://u\nTimestamp\n2024-01-01T00:00:00.000Z\nToken\ntok\nTopicArn\narn:aws:sns:eu-central-1:123456789012:t\nType\nSubscriptionConfirmation\n",
    );
  });

  it("takes certificates and confirmations only from https SNS hosts", () => {
    expect(isSnsUrl("https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ec.pem")).toBe(true);
    expect(isSnsUrl("https://sns.cn-north-1.amazonaws.com.cn/x.pem")).toBe(true);
    expect(isSnsUrl("http://sns.us-west-2.amazonaws.com/x.pem")).toBe(false);
    expect(isSnsUrl("https://sns.us-west-2.amazonaws.com.evil.example/x.pem")).toBe(false);
    expect(isSnsUrl("https://evil.example/sns.us-west-2.amazonaws.com")).toBe(false);
    expect(isSnsUrl("https://s3.amazonaws.com/x.pem")).toBe(false);
    expect(isSnsUrl("https://sns.us-west-2.amazonaws.com:8443/x.pem")).toBe(false);
    expect(isSnsUrl("not a url")).toBe(false);
  });
});

describe("provider bounces in sisimai's words", () => {
  it("reads the SMTP text first, as inbound DSNs are read", () => {
    const b = classifyProviderBounce("smtp; 550 5.1.1 user unknown", "5.1.1", {
      fallback: "undefined",
      permanence: "permanent",
    });
    expect(b).toMatchObject({ reason: "userunknown", hard: true, status: "5.1.1", decided_by: "diagnostic" });
    const full = classifyProviderBounce("552 5.2.2 Mailbox full, quota exceeded", null, {
      fallback: "userunknown",
      fallbackHard: true,
      permanence: "permanent",
    });
    expect(full).toMatchObject({ reason: "mailboxfull", hard: false });
  });

  it("falls back to the provider's classification when the text says nothing", () => {
    const b = classifyProviderBounce("Test bounce details", null, {
      fallback: "userunknown",
      fallbackHard: true,
      permanence: "permanent",
    });
    expect(b).toMatchObject({ reason: "userunknown", hard: true, decided_by: "provider" });
    const u = classifyProviderBounce("", null, { fallback: "undefined", permanence: "permanent" });
    expect(u).toMatchObject({ reason: "undefined", hard: false });
  });

  it("never calls a bounce hard that the provider calls transient", () => {
    const b = classifyProviderBounce("550 5.1.1 user unknown", "5.1.1", {
      fallback: "undefined",
      permanence: "transient",
    });
    expect(b).toMatchObject({ reason: "userunknown", hard: false });
  });
});

describe("SendGrid message ids", () => {
  it("finds the X-Message-Id inside sg_message_id in old and new formats", () => {
    expect(sendgridMessageIds("9eZBI4XvQtiBGdAS9XJRGg.filter0003p3iad2-10827-5C90E446-34.0")).toContain(
      "9eZBI4XvQtiBGdAS9XJRGg",
    );
    expect(sendgridMessageIds("euo2iKxdSayPF4YE4--I7A.recvd-5f54b5d587-pczjm-1-67BADEEA-6.0")).toContain(
      "euo2iKxdSayPF4YE4--I7A",
    );
    expect(sendgridMessageIds("14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0")).toContain(
      "14c5d75ce93.dfd.64b469",
    );
    expect(sendgridMessageIds(null)).toEqual([]);
  });
});
