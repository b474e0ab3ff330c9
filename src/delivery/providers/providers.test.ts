// The provider transports against a fake provider on loopback that answers as the providers document:
// each request carries what the provider needs (credentials, recipients, our message id for its events),
// and each answer becomes the right outcome — sent with the provider's message id, deferred on 429 (after
// Retry-After) and 5xx, failed on a refused message. End to end: a message sent through SendGrid keeps
// the provider's id, and SendGrid's webhook event, naming only that id, finds it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../../test/harness.js";
import { sendgridSigner } from "../../webhooks/signing.testkit.js";
import { buildMime } from "../mime.js";
import type { MailSender, OutgoingMail } from "../senders.js";
import { SendingWorker } from "../worker.js";
import { type FakeProvider, startFakeProvider } from "./fake-provider.testkit.js";
import { createProviderSender } from "./index.js";
import { MESSAGE_ID_ARG } from "./naming.js";
import type { ProviderKind } from "./schema.js";

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider();
});
afterAll(() => fake?.close());
beforeEach(() => {
  fake.answer = "ok";
  fake.requests.length = 0;
});

const configs = (base: string): Record<ProviderKind, unknown> => ({
  sendgrid: { api_key: "SG.test-key", base_url: base },
  mailgun: { api_key: "key-test", domain: "mg.example.org", base_url: base },
  postmark: { server_token: "pm-server-token", base_url: base },
  ses: {
    region: "eu-central-1",
    access_key_id: "AKIDEXAMPLE12345",
    secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    configuration_set: "poststelle",
    base_url: base,
  },
});

function mail(): OutgoingMail {
  const raw = buildMime(
    {
      message_id_header: "<msg_test.1@example.org>",
      from_address: "praxis@example.org",
      from_name: "Praxis Dr. Scholz",
      to_address: "patientin@example.com",
      reply_to: "empfang@example.org",
      subject: "Ihr Termin am Montag",
      text_body: "Guten Tag, wir bestätigen Ihren Termin.",
      html_body: "<p>Guten Tag, wir bestätigen Ihren Termin.</p>",
      attachments: [],
      read_receipt: true,
    },
    new Date(),
  );
  return {
    messageId: "msg_test1",
    workspaceId: "ws_test",
    raw,
    returnPath: "bounce+abc@bounces.example.org",
    to: "patientin@example.com",
    archiveBcc: "archiv@example.org",
  };
}

const sender = (kind: ProviderKind): MailSender =>
  createProviderSender(kind, `${kind}:test`, configs(fake.url)[kind]);

const kinds: ProviderKind[] = ["sendgrid", "mailgun", "postmark", "ses"];

describe("provider requests", () => {
  it("SendGrid: JSON with the addressee, the archive as bcc, our id as custom arg, bearer auth", async () => {
    const r = await sender("sendgrid").send(mail());
    expect(r.outcome).toBe("sent");
    const req = fake.requests[0];
    expect(req.headers.authorization).toBe("Bearer SG.test-key");
    const body = JSON.parse(req.body.toString());
    expect(body.personalizations[0]).toEqual({
      to: [{ email: "patientin@example.com" }],
      bcc: [{ email: "archiv@example.org" }],
    });
    expect(body.from).toEqual({ email: "praxis@example.org", name: "Praxis Dr. Scholz" });
    expect(body.reply_to).toEqual({ email: "empfang@example.org" });
    expect(body.subject).toBe("Ihr Termin am Montag");
    expect(body.content.map((c: { type: string }) => c.type)).toEqual(["text/plain", "text/html"]);
    expect(body.content[0].value).toContain("bestätigen");
    expect(body.custom_args).toEqual({ [MESSAGE_ID_ARG]: "msg_test1" });
    expect(body.headers["Message-ID"]).toBe("<msg_test.1@example.org>");
    expect(body.headers["Disposition-Notification-To"]).toBe("empfang@example.org");
  });

  it("Mailgun: the MIME as built, both envelope recipients, our id as user variable, basic auth", async () => {
    const m = mail();
    const r = await sender("mailgun").send(m);
    expect(r.outcome).toBe("sent");
    const req = fake.requests[0];
    expect(req.path).toBe("/v3/mg.example.org/messages.mime");
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from("api:key-test").toString("base64")}`);
    const form = await new Response(new Uint8Array(req.body), {
      headers: { "content-type": String(req.headers["content-type"]) },
    }).formData();
    expect(form.getAll("to")).toEqual(["patientin@example.com", "archiv@example.org"]);
    expect(form.get(`v:${MESSAGE_ID_ARG}`)).toBe("msg_test1");
    const file = form.get("message") as Blob;
    expect(Buffer.from(await file.arrayBuffer()).equals(m.raw)).toBe(true);
  });

  it("Postmark: JSON with our id in Metadata, the stream, the server token header", async () => {
    const r = await sender("postmark").send(mail());
    expect(r.outcome).toBe("sent");
    const req = fake.requests[0];
    expect(req.headers["x-postmark-server-token"]).toBe("pm-server-token");
    const body = JSON.parse(req.body.toString());
    expect(body).toMatchObject({
      From: "Praxis Dr. Scholz <praxis@example.org>",
      To: "patientin@example.com",
      Bcc: "archiv@example.org",
      ReplyTo: "empfang@example.org",
      Subject: "Ihr Termin am Montag",
      Metadata: { [MESSAGE_ID_ARG]: "msg_test1" },
      MessageStream: "outbound",
    });
    expect(body.Headers).toContainEqual({ Name: "Message-ID", Value: "<msg_test.1@example.org>" });
  });

  it("SES: the raw MIME, the destinations, our id as tag, the configuration set, SigV4 for ses", async () => {
    const m = mail();
    const r = await sender("ses").send(m);
    expect(r.outcome).toBe("sent");
    const req = fake.requests[0];
    expect(req.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE12345\/\d{8}\/eu-central-1\/ses\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    const body = JSON.parse(req.body.toString());
    expect(Buffer.from(body.Content.Raw.Data, "base64").equals(m.raw)).toBe(true);
    expect(body.Destination).toEqual({
      ToAddresses: ["patientin@example.com"],
      BccAddresses: ["archiv@example.org"],
    });
    expect(body.EmailTags).toEqual([{ Name: MESSAGE_ID_ARG, Value: "msg_test1" }]);
    expect(body.ConfigurationSetName).toBe("poststelle");
  });
});

describe("provider answers", () => {
  it.each(kinds)("%s: success gives the provider's message id as queue id", async (kind) => {
    const r = await sender(kind).send(mail());
    expect(r.outcome).toBe("sent");
    if (r.outcome !== "sent") return;
    expect(r.queueId).toBeTruthy();
    expect(r.queueId).not.toMatch(/[<>]/);
    expect(r.evidence).toMatchObject({ provider: kind, provider_message_id: r.queueId });
  });

  it.each(kinds)("%s: a refused message fails for good, saying what the provider said", async (kind) => {
    fake.answer = "invalid";
    const r = await sender(kind).send(mail());
    expect(r.outcome).toBe("permanent");
    if (r.outcome === "sent") return;
    expect(r.detail).toMatch(new RegExp(`${kind} answered HTTP 4\\d\\d: .+`));
    expect(r.errorCode).toMatch(new RegExp(`^${kind}:`));
  });

  it.each(kinds)("%s: throttling is temporary and keeps Retry-After", async (kind) => {
    fake.answer = "throttled";
    const r = await sender(kind).send(mail());
    expect(r.outcome).toBe("temporary");
    if (r.outcome !== "temporary") return;
    if (kind !== "ses") expect(r.retryAfterSeconds).toBeGreaterThan(0);
  });

  it.each(kinds)("%s: server trouble and a refused credential are temporary", async (kind) => {
    fake.answer = "unavailable";
    expect((await sender(kind).send(mail())).outcome).toBe("temporary");
    fake.answer = "unauthorized";
    expect((await sender(kind).send(mail())).outcome).toBe("temporary");
  });

  it("Postmark: an inactive recipient (ErrorCode 406) fails with the provider's code", async () => {
    fake.answer = "inactive";
    const r = await sender("postmark").send(mail());
    expect(r).toMatchObject({ outcome: "permanent", errorCode: "postmark:406" });
  });

  it("an unreachable provider is temporary", async () => {
    const s = createProviderSender("sendgrid", "sendgrid:down", {
      api_key: "k",
      base_url: "http://127.0.0.1:9",
    });
    const r = await s.send(mail());
    expect(r).toMatchObject({ outcome: "temporary", errorCode: "sendgrid:unreachable" });
  });
});

describe("through the API and the sending worker", () => {
  let env: TestEnv;
  const signer = sendgridSigner();
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(() => env?.close());

  async function sendgridTransport(name: string) {
    const r = await api(env.app, env.ws.admin).post("/v1/transports", {
      name,
      kind: "sendgrid",
      config: { api_key: "SG.secret-key", base_url: fake.url, webhook: { public_key: signer.publicKey } },
    });
    expect(r.status, r.text).toBe(201);
    return r.body;
  }

  async function send(transport: string) {
    const r = await api(env.app, env.ws.editor).post("/v1/messages", {
      to: `patient.${Date.now()}@example.com`,
      from: "praxis@example.org",
      subject: "Termin",
      text: "Bis Montag.",
      transport,
    });
    expect(r.status, r.text).toBe(202);
    await new SendingWorker(env.rt, { batchSize: 10 }).drain();
    return env.rt.db.selectFrom("messages").selectAll().where("id", "=", r.body.id).executeTakeFirstOrThrow();
  }

  it("keeps credentials to admins and out of the activity log", async () => {
    const t = await sendgridTransport("sg-audit");
    expect(t.config.api_key).toBe("SG.secret-key");
    const viewer = await api(env.app, env.ws.viewer).get(`/v1/transports/${t.id}`);
    expect(viewer.body.config).toBeUndefined();
    const acts = await env.rt.db
      .selectFrom("activities")
      .select("changes")
      .where("record_id", "=", t.id)
      .execute();
    expect(JSON.stringify(acts)).not.toContain("SG.secret-key");
    const bad = await api(env.app, env.ws.admin).post("/v1/transports", {
      name: "sg-bad",
      kind: "sendgrid",
      config: { api_key: "k", base_url: fake.url, colour: "blue" },
    });
    expect(bad.status).toBe(400);
    // The configuration's issues are details like the body's: under config., with zod's code.
    expect(bad.body.error.details).toEqual([
      { path: "config", message: 'Unrecognized key: "colour"', code: "unrecognized_keys", keys: ["colour"] },
    ]);
    const port = await api(env.app, env.ws.admin).post("/v1/transports", {
      name: "smtp-bad",
      kind: "smtp",
      config: { host: "smtp.example.org", port: 70000 },
    });
    expect(port.body.error.details).toEqual([
      {
        path: "config.port",
        message: "Too big: expected number to be <=65535",
        code: "too_big",
        origin: "number",
        maximum: 65535,
        inclusive: true,
      },
    ]);
    const editor = await api(env.app, env.ws.editor).post("/v1/transports", {
      name: "sg-editor",
      kind: "sendgrid",
      config: { api_key: "k" },
    });
    expect(editor.status).toBe(403);
  });

  it("sends, keeps SendGrid's message id, and matches SendGrid's delivered event by it", async () => {
    await sendgridTransport("sg-main");
    const m = await send("sg-main");
    expect(m.status).toBe("sent");
    expect(m.queue_id).toMatch(/^SG/);
    const body = JSON.stringify([
      {
        email: m.to_address,
        timestamp: Math.floor(Date.now() / 1000),
        event: "delivered",
        response: "250 2.0.0 OK",
        sg_event_id: `evt-${m.id}`,
        sg_message_id: `${m.queue_id}.filterdrecv-5645d9c87f-abcde-1-5F0E5C2B-7.0`,
      },
    ]);
    const r = await api(env.app).raw(
      "POST",
      `/v1/webhooks/sendgrid/${env.ws.id}`,
      body,
      signer.headers(body),
    );
    expect(r.status, r.text).toBe(200);
    const after = await env.rt.db
      .selectFrom("messages")
      .select("status")
      .where("id", "=", m.id)
      .executeTakeFirstOrThrow();
    expect(after.status).toBe("delivered");
  });

  it("defers on 429 no earlier than Retry-After, and fails on a refused message", async () => {
    await sendgridTransport("sg-throttled");
    fake.answer = "throttled";
    const before = Date.now();
    const m = await send("sg-throttled");
    expect(m.status).toBe("deferred");
    expect(m.send_state).toBe("queued");
    expect(new Date(m.next_attempt_at).getTime()).toBeGreaterThanOrEqual(before + 120_000 - 1000);
    fake.answer = "invalid";
    const failed = await send("sg-throttled");
    expect(failed.status).toBe("failed");
    expect(failed.status_reason).toContain("from.email");
  });
});
