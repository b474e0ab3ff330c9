// A worker that dies between marking a group `sending` and recording the relay's replies (DESIGN §3.4).
// The worker writes a first attempt's message only with its outcome, so after such a death the messages do
// not exist yet: the reaper writes them as `unknown` — with their subject, timeline and MIME rendered again
// from the recipient row — and a reply that still arrives later wins over `unknown` without a second
// `queued` event.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { markSendingGroup, prepareBatch, recordOutcomes } from "./batch.js";
import { Housekeeping } from "./housekeeping.js";
import { claimForTest, startSendingRun } from "./sending-run.testkit.js";
import { CampaignWorker } from "./worker.js";

let env: TestEnv;
let worker: CampaignWorker;

beforeAll(async () => {
  env = await createTestEnv();
  worker = new CampaignWorker(env.rt, { lanes: 1, batchSize: 50 });
});
afterAll(async () => {
  await worker?.stop();
  await env?.close();
});

const c = () => api(env.app, env.ws.editor);

const sending = (count: number) => startSendingRun(env, worker, count, "Abbruch");

describe("a worker that dies during the SMTP transactions", () => {
  it("leaves messages the reaper writes as unknown, and a late reply still wins", async () => {
    const { plan } = await sending(3);
    const dead = { rt: env.rt, owner: "dead-worker" };
    const now = env.rt.now();
    const claimed = await claimForTest(env, plan, dead.owner);
    expect(claimed).toHaveLength(3);
    const prepared = await prepareBatch(dead, plan, claimed);
    const held = await markSendingGroup(dead, plan, prepared);
    expect(held.size).toBe(3);
    // Marked `sending`; the messages are written with the replies, which never come.
    const before = await env.rt.db
      .selectFrom("messages")
      .select("id")
      .where("campaign_id", "=", plan.campaignId)
      .execute();
    expect(before).toEqual([]);

    env.setNow(new Date(now.getTime() + 10 * 60_000));
    try {
      await new Housekeeping(env.rt, "reaper").reap();
    } finally {
      env.setNow(null);
    }
    const recipients = await env.rt.db
      .selectFrom("campaign_recipients")
      .select(["status", "message_id", "contact_id"])
      .where("campaign_id", "=", plan.campaignId)
      .orderBy("position")
      .execute();
    expect(recipients.map((r) => r.status)).toEqual(["unknown", "unknown", "unknown"]);
    const messages = await env.rt.db
      .selectFrom("messages")
      .select(["id", "status", "send_state", "subject", "contact_id", "to_address"])
      .where("campaign_id", "=", plan.campaignId)
      .orderBy("id")
      .execute();
    expect(messages).toHaveLength(3);
    for (const m of messages) {
      expect(m).toMatchObject({ status: "unknown", send_state: "unknown" });
      expect(m.subject).toMatch(/^Hallo Vorname\d+$/);
      expect(recipients.find((r) => r.contact_id === m.contact_id)?.message_id).toBe(m.id);
    }
    const first = prepared[0].send!;
    const detail = await c().get(`/v1/messages/${first.messageId}`);
    expect(detail.status, detail.text).toBe(200);
    expect(detail.body.timeline.map((e: { type: string }) => e.type)).toEqual(["queued", "unknown"]);
    // The MIME shown is the bytes that were about to leave.
    const raw = await c().get(`/v1/messages/${first.messageId}/raw`);
    expect(raw.status, raw.text).toBe(200);
    expect(Buffer.from(raw.text)).toEqual(first.raw);

    // The relay's reply for the first one is recorded after all: sent wins over unknown.
    env.setNow(new Date(now.getTime() + 11 * 60_000));
    await recordOutcomes(
      dead,
      plan,
      [
        {
          prepared: prepared[0] as Parameters<typeof recordOutcomes>[2][number]["prepared"],
          result: { outcome: "sent", response: "250 2.0.0 Ok: queued as ABC", queueId: "ABC", evidence: {} },
        },
      ],
      "smtp",
    );
    env.setNow(null);
    const late = await c().get(`/v1/messages/${first.messageId}`);
    expect(late.body.status).toBe("sent");
    expect(late.body.timeline.map((e: { type: string }) => e.type)).toEqual(["queued", "unknown", "sent"]);
    const row = await env.rt.db
      .selectFrom("messages")
      .select(["send_state", "queue_id"])
      .where("id", "=", first.messageId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ send_state: "done", queue_id: "ABC" });
  });

  it("writes a first attempt's message once, with its outcome and both timeline events", async () => {
    const { plan } = await sending(2);
    const w = { rt: env.rt, owner: "live-worker" };
    const claimed = await claimForTest(env, plan, w.owner);
    const prepared = await prepareBatch(w, plan, claimed);
    await markSendingGroup(w, plan, prepared);
    await recordOutcomes(
      w,
      plan,
      prepared.map((p, i) => ({
        prepared: p as Parameters<typeof recordOutcomes>[2][number]["prepared"],
        result:
          i === 0
            ? { outcome: "sent" as const, response: "250 ok", queueId: "Q1", evidence: {} }
            : {
                outcome: "temporary" as const,
                reply: { response: "451 4.3.0 try later", code: 451, enhanced: "4.3.0" },
                detail: "451 4.3.0 try later",
                errorCode: "4.3.0",
                evidence: {},
              },
      })),
      "smtp",
    );
    const sent = await c().get(`/v1/messages/${prepared[0].send!.messageId}`);
    expect(sent.body).toMatchObject({ status: "sent" });
    expect(sent.body.timeline.map((e: { type: string }) => e.type)).toEqual(["queued", "sent"]);
    const deferred = await c().get(`/v1/messages/${prepared[1].send!.messageId}`);
    expect(deferred.body).toMatchObject({ status: "deferred" });
    expect(deferred.body.timeline.map((e: { type: string }) => e.type)).toEqual(["queued", "deferred"]);
    const states = await env.rt.db
      .selectFrom("messages")
      .select(["id", "send_state", "attempts"])
      .where("campaign_id", "=", plan.campaignId)
      .orderBy("id")
      .execute();
    expect(states.map((m) => [m.send_state, m.attempts])).toEqual([
      ["done", 1],
      ["sending", 1],
    ]);
  });
});
