import { describe, expect, it } from "vitest";
import { amzDate, signingKey, signRequest } from "./sigv4.js";

// AWS's published vectors: the aws-sig-v4-test-suite ("post-vanilla") and the IAM ListUsers example of
// "Create a signed AWS API request", both with the example secret key of the AWS documentation.
const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const NOW = new Date(Date.UTC(2015, 7, 30, 12, 36, 0));

describe("AWS Signature Version 4", () => {
  it("formats the request time as AWS wants it", () => {
    expect(amzDate(NOW)).toBe("20150830T123600Z");
  });

  it("signs the test suite's post-vanilla request as AWS does", () => {
    const h = signRequest({
      method: "POST",
      url: new URL("https://example.amazonaws.com/"),
      headers: {},
      body: "",
      region: "us-east-1",
      service: "service",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: SECRET },
      now: NOW,
    });
    expect(h.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    );
    expect(h["x-amz-date"]).toBe("20150830T123600Z");
  });

  it("signs the documented IAM ListUsers request, query string and content type included", () => {
    const h = signRequest({
      method: "GET",
      url: new URL("https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08"),
      headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: "",
      region: "us-east-1",
      service: "iam",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: SECRET },
      now: NOW,
    });
    expect(h.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    );
  });

  it("derives the documented signing key", () => {
    expect(signingKey(SECRET, "20150830", "us-east-1", "iam").toString("hex")).toBe(
      "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9",
    );
  });

  it("signs the session token of temporary credentials", () => {
    const h = signRequest({
      method: "POST",
      url: new URL("https://email.eu-central-1.amazonaws.com/v2/email/outbound-emails"),
      headers: { "content-type": "application/json" },
      body: "{}",
      region: "eu-central-1",
      service: "ses",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: SECRET, sessionToken: "token" },
      now: NOW,
    });
    expect(h["x-amz-security-token"]).toBe("token");
    expect(h.authorization).toContain("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,");
  });
});
