// A serial e-mail over SMTP (issue 4 item 3, "Invariants and faults"): a relay that answers 421/451 for a
// while gets the recipients again with backoff and the campaign finishes when it recovers; a permanent
// refusal ends the recipient in `error` with the relay's reason; two workers sharing one campaign never
// send a recipient twice. The relay is Nodemailer's smtp-server in this process.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import type { ScriptedSmtp } from "../../test/scripted-smtp.js";
import { relayAndTemplate } from "./relay.testkit.js";
import { seedAudience, sleep } from "./test-support.js";
import { CampaignWorker } from "./worker.js";

let env: TestEnv;
let relay: ScriptedSmtp;
let templateId: string;

beforeAll(async () => {
  // Backoff of 50 ms, doubling: a relay down for ~0.5 s is retried a few times within the test.
  env = await createTestEnv({ retryBaseSeconds: 0.05, maxAttempts: 20 });
  ({ relay, templateId } = await relayAndTemplate(c()));
});
afterAll(async () => {
  await relay?.close();
  await env?.close();
});

function c() {
  return api(env.app, env.ws.admin);
}

async function startCampaign(count: number, worker: CampaignWorker) {
  const a = await seedAudience(env.rt.db, env.ws.id, { count });
  const r = await c().post("/v1/campaigns", {
    name: `Rundbrief ${Date.now()}`,
    kind: "email",
    list_ids: [a.listId],
    subject: "Neuigkeiten für {{ contact.first_name }}",
    template_id: templateId,
    from: "info@hundeschule.example",
  });
  await worker.drain();
  const s = await c().post(`/v1/campaigns/${r.body.id}/send`, {});
  expect(s.status, s.text).toBe(202);
  return { id: r.body.id as string, audience: a };
}

async function runUntilEnded(id: string, workers: CampaignWorker[], timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await Promise.all(workers.map((w) => w.drain()));
    const s = (await c().get(`/v1/campaigns/${id}`)).body;
    if (!["in_progress", "waiting_for_continuation"].includes(s.state)) return s;
    if (Date.now() > deadline) throw new Error(`campaign still ${s.state}: ${JSON.stringify(s.progress)}`);
    await sleep(20);
  }
}

const arrivedFor = (domain: string) =>
  relay.received.filter((m) => m.to.some((t) => t.endsWith(`@${domain}`)));

describe("a relay that answers 421/451 for a while", () => {
  it("retries with backoff and completes once the relay recovers, each recipient once", async () => {
    const worker = new CampaignWorker(env.rt, { lanes: 1, batchSize: 10 });
    // The relay refuses the next 40 transactions (every recipient at least once), then recovers.
    let refusals = 40;
    relay.script = { data: () => (refusals-- > 0 ? { code: 451, message: "4.3.0 Try again later" } : null) };
    const { id, audience } = await startCampaign(25, worker);
    try {
      const s = await runUntilEnded(id, [worker]);
      expect(s.state).toBe("completed_automatic");
      expect(s.progress.counts).toEqual({ sent: 25 });
    } finally {
      relay.script = {};
      await worker.stop();
    }
    const got = arrivedFor(audience.domain).map((m) => m.to[0]);
    expect(got).toHaveLength(25);
    expect(new Set(got).size).toBe(25);
    // The first recipients met the failing relay: their timelines show the deferral, then the success.
    const deferred = await sql<{ message_id: string }>`
      select distinct e.message_id from message_events e join messages m on m.id = e.message_id
       where m.campaign_id = ${id} and e.type = 'deferred'`.execute(env.rt.db);
    expect(deferred.rows.length).toBeGreaterThan(0);
    const timeline = (await c().get(`/v1/messages/${deferred.rows[0].message_id}`)).body.timeline.map(
      (e: { type: string }) => e.type,
    );
    expect(timeline[0]).toBe("queued");
    expect(timeline).toContain("deferred");
    expect(timeline.at(-1)).toBe("sent");
  });

  it("treats 421 at RCPT TO the same way", async () => {
    const worker = new CampaignWorker(env.rt, { lanes: 1, batchSize: 10 });
    // Each address is refused with 421 at its first two attempts.
    relay.script = {
      rcpt: (_address, attempt) =>
        attempt <= 2 ? { code: 421, message: "4.7.0 Too many connections, slow down" } : null,
    };
    const { id, audience } = await startCampaign(8, worker);
    try {
      expect((await runUntilEnded(id, [worker])).state).toBe("completed_automatic");
      const attempts = await env.rt.db
        .selectFrom("messages")
        .select("attempts")
        .where("campaign_id", "=", id)
        .execute();
      expect(attempts.map((a) => a.attempts)).toEqual(Array(8).fill(3));
    } finally {
      relay.script = {};
      await worker.stop();
    }
    expect(arrivedFor(audience.domain)).toHaveLength(8);
  });
});

describe("a permanent refusal", () => {
  it("ends that recipient in error with the relay's reason; the campaign is sent incompletely", async () => {
    const worker = new CampaignWorker(env.rt, { lanes: 1 });
    relay.script = {
      rcpt: (address) =>
        address.startsWith("kunde3@") ? { code: 550, message: "5.1.1 User unknown" } : null,
    };
    const { id } = await startCampaign(4, worker);
    try {
      const s = await runUntilEnded(id, [worker]);
      expect(s).toMatchObject({ state: "incomplete_sent", progress: { counts: { sent: 3, error: 1 } } });
    } finally {
      relay.script = {};
      await worker.stop();
    }
    const [failed] = (await c().get(`/v1/campaigns/${id}/recipients?status=error`)).body.items;
    expect(failed.reason).toBe("5.1.1");
    expect(failed.detail).toMatch(/User unknown/);
    expect((await c().get(`/v1/messages/${failed.message_id}`)).body.status).toBe("failed");
  });

  it("fails the run when nothing could be sent", async () => {
    const worker = new CampaignWorker(env.rt, { lanes: 1 });
    relay.script = { rcpt: () => ({ code: 554, message: "5.7.1 Relay access denied" }) };
    const { id } = await startCampaign(3, worker);
    try {
      expect((await runUntilEnded(id, [worker])).state).toBe("failed_sending");
    } finally {
      relay.script = {};
      await worker.stop();
    }
  });
});

describe("two workers on one campaign", () => {
  it("share the recipients without sending any twice", async () => {
    const workers = [
      new CampaignWorker(env.rt, { lanes: 2, batchSize: 15, owner: "worker-a" }),
      new CampaignWorker(env.rt, { lanes: 2, batchSize: 15, owner: "worker-b" }),
    ];
    const { id, audience } = await startCampaign(300, workers[0]);
    const handles = workers.map((w) => w.start());
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const s = (await c().get(`/v1/campaigns/${id}`)).body;
        if (s.state === "completed_automatic") break;
        if (Date.now() > deadline) throw new Error(`still ${s.state}: ${JSON.stringify(s.progress)}`);
        await sleep(50);
      }
    } finally {
      await Promise.all(handles.map((h) => h.stop()));
    }
    const got = arrivedFor(audience.domain).map((m) => m.to[0]);
    expect(got).toHaveLength(300);
    expect(new Set(got).size).toBe(300);
    const owners = (
      await sql<{ worker: string }>`
        select distinct e.evidence->>'worker' as worker from message_events e join messages m on m.id = e.message_id
         where m.campaign_id = ${id} and e.type = 'sent'`.execute(env.rt.db)
    ).rows;
    expect(owners.map((o) => o.worker).sort()).toEqual(["worker-a", "worker-b"]);
  });
});
