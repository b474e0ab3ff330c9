// DKIM for serial e-mails (DESIGN §3.5 "DKIM-sign if configured"): a campaign whose sender domain is a
// registered sender domain goes out signed with that domain's key, each message over its own body; what the
// relay received verifies against the published public key, and GET …/raw shows exactly those bytes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { type ScriptedSmtp, startScriptedSmtp } from "../../test/scripted-smtp.js";
import { verifyDkim } from "../domains/test-support.js";
import { seedAudience } from "./test-support.js";
import { CampaignWorker } from "./worker.js";

let env: TestEnv;
let relay: ScriptedSmtp;
let worker: CampaignWorker;
let templateId: string;

const c = () => api(env.app, env.ws.admin);

beforeAll(async () => {
  env = await createTestEnv();
  relay = await startScriptedSmtp();
  worker = new CampaignWorker(env.rt, { lanes: 1, batchSize: 10 });
  const t = await c().post("/v1/transports", {
    name: "relay",
    kind: "smtp",
    config: { host: "127.0.0.1", port: relay.port, starttls: "off", pool_size: 2, dsn: false },
    is_default: true,
  });
  expect(t.status, t.text).toBe(201);
  const tpl = await c().post("/v1/templates", {
    name: "Rundbrief signiert",
    subject: "x",
    // Two spaces and a tab in the text part: relaxed canonicalisation must see the encoded bytes.
    text: "{{ contact.letter_salutation }}\n\nUnsere  Kurse\tbeginnen.\n",
    html: "<p>Hallo {{ contact.first_name }} {{ contact.last_name }}</p>\n<p>Neuigkeiten.</p>",
  });
  templateId = tpl.body.id;
});
afterAll(async () => {
  await worker?.stop();
  await relay?.close();
  await env?.close();
});

async function sendCampaign(from: string, count: number) {
  const a = await seedAudience(env.rt.db, env.ws.id, { count });
  const r = await c().post("/v1/campaigns", {
    name: `Signiert ${Date.now()}`,
    kind: "email",
    list_ids: [a.listId],
    subject: "Neuigkeiten für {{ contact.first_name }}",
    template_id: templateId,
    from,
  });
  expect(r.status, r.text).toBe(202);
  await worker.drain();
  const s = await c().post(`/v1/campaigns/${r.body.id}/send`, {});
  expect(s.status, s.text).toBe(202);
  await worker.drain();
  const done = (await c().get(`/v1/campaigns/${r.body.id}`)).body;
  expect(done.state).toBe("completed_automatic");
  const received = relay.received.filter((m) => m.to.some((t) => t.endsWith(`@${a.domain}`)));
  expect(received).toHaveLength(count);
  return { id: r.body.id as string, received };
}

describe("a serial e-mail from a registered sender domain", () => {
  it("is DKIM-signed per message; each received message verifies with the published key", async () => {
    const d = await c().post("/v1/sender-domains", { domain: "hundeschule-pfote.example" });
    expect(d.status, d.text).toBe(201);
    const dkim = d.body.dns_records.find((x: { record: string }) => x.record === "dkim");
    const publicKey = String(dkim.value).replace(/^.*p=/, "");

    const { id, received } = await sendCampaign("info@hundeschule-pfote.example", 6);
    const bodyHashes = new Set<string>();
    for (const m of received) {
      const v = verifyDkim(m.raw, publicKey);
      expect(v.ok, m.raw.toString("latin1").slice(0, 600)).toBe(true);
      expect(v.tags).toMatchObject({ d: "hundeschule-pfote.example", s: d.body.dkim_selector });
      expect(v.tags.h.split(":")).toEqual(
        expect.arrayContaining(["from", "to", "subject", "date", "message-id", "list-unsubscribe"]),
      );
      bodyHashes.add(v.tags.bh);
      // A changed byte in the body or in a signed header breaks it.
      const text = m.raw.toString("latin1");
      expect(
        verifyDkim(Buffer.from(text.replace("Neuigkeiten.", "Neuigkeiten!"), "latin1"), publicKey).ok,
      ).toBe(false);
      expect(
        verifyDkim(Buffer.from(text.replace(/^To: .*$/m, "To: x@y.example"), "latin1"), publicKey).ok,
      ).toBe(false);
    }
    // Merge fields make every body different: the body hash is per message, not per campaign.
    expect(bodyHashes.size).toBe(6);

    // The stored record renders the very bytes that left, signature included.
    const recipients = (await c().get(`/v1/campaigns/${id}/recipients?status=sent`)).body.items;
    const messageId = recipients[0].message_id as string;
    const raw = await c().get(`/v1/messages/${messageId}/raw`);
    expect(raw.status, raw.text).toBe(200);
    const left = received.find((m) => m.raw.toString("latin1") === raw.text);
    expect(left, "GET /raw equals a received message").toBeDefined();
  });

  it("leaves a campaign from a domain that is not registered unsigned", async () => {
    const { received } = await sendCampaign("info@nicht-registriert.example", 2);
    for (const m of received) expect(m.raw.toString("latin1")).not.toMatch(/^DKIM-Signature/im);
  });
});
