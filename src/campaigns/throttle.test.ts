// Throttling (issue 4 item 4, DESIGN §3.6): a transport's messages-per-window limit and its concurrency are
// held in the database; a campaign that reaches the limit shows waiting_for_continuation with the time it
// resumes, and resumes by itself. The clock is pinned, so windows open when the test says.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { acquireSlots, releaseSlots, reserveSends, type TransportLimits } from "../delivery/throttle.js";
import { SendingWorker } from "../delivery/worker.js";
import { seedAudience } from "./test-support.js";
import { CampaignWorker } from "./worker.js";

let env: TestEnv;
let worker: CampaignWorker;

beforeAll(async () => {
  env = await createTestEnv();
  worker = new CampaignWorker(env.rt, { lanes: 1, batchSize: 4 });
});
afterAll(async () => {
  env?.setNow(null);
  await worker?.stop();
  await env?.close();
});

const c = () => api(env.app, env.ws.admin);

async function limitedTransport(limit: number, windowSeconds: number, maxConcurrency: number | null = null) {
  const t = await c().post("/v1/transports", {
    name: `gedrosselt-${Date.now()}`,
    kind: "capture",
    rate_limit: limit,
    rate_window_seconds: windowSeconds,
    max_concurrency: maxConcurrency,
  });
  expect(t.status, t.text).toBe(201);
  expect(t.body).toMatchObject({
    rate_limit: limit,
    rate_window_seconds: windowSeconds,
    max_concurrency: maxConcurrency,
  });
  return { id: t.body.id as string, name: t.body.name as string };
}

const limits = (
  id: string,
  rate_limit: number | null,
  rate_window_seconds: number | null,
  max_concurrency: number | null,
): TransportLimits => ({
  id,
  rate_limit,
  rate_window_seconds,
  max_concurrency,
});

describe("the rate limit of a transport", () => {
  it("makes a campaign wait for continuation with resume_at and resume by itself when the window reopens", async () => {
    const t0 = new Date("2026-03-02T10:00:10Z");
    env.setNow(t0);
    const t = await limitedTransport(5, 60);
    const a = await seedAudience(env.rt.db, env.ws.id, { count: 12 });
    const tpl = await c().post("/v1/templates", {
      name: `Gedrosselt ${Date.now()}`,
      subject: "x",
      text: "Hallo {{ contact.first_name }}",
    });
    const r = await c().post("/v1/campaigns", {
      name: "Gedrosselt",
      kind: "email",
      list_ids: [a.listId],
      subject: "Hallo",
      template_id: tpl.body.id,
      from: "info@example.org",
      transport: t.name,
    });
    await worker.drain();
    expect((await c().post(`/v1/campaigns/${r.body.id}/send`, {})).status).toBe(202);
    await worker.drain();

    let s = (await c().get(`/v1/campaigns/${r.body.id}`)).body;
    expect(s.state).toBe("waiting_for_continuation");
    expect(s.progress.resume_at).toBe("2026-03-02T10:01:00.000Z");
    expect(s.progress.counts).toEqual({ sent: 5, pending: 7 });
    const log = await env.rt.db
      .selectFrom("event_log")
      .select("detail")
      .where("record_id", "=", r.body.id)
      .execute();
    expect(log.map((l) => l.detail).join("\n")).toMatch(
      /rate limit .* \(5 messages per 60 s\) is reached; sending continues at 2026-03-02T10:01:00/,
    );

    // Nothing moves before the window reopens …
    env.setNow(new Date("2026-03-02T10:00:59Z"));
    await worker.drain();
    expect((await c().get(`/v1/campaigns/${r.body.id}`)).body.progress.counts.sent).toBe(5);

    // … then it continues by itself, waits again, and finishes.
    env.setNow(new Date("2026-03-02T10:01:00Z"));
    await worker.drain();
    s = (await c().get(`/v1/campaigns/${r.body.id}`)).body;
    expect(s).toMatchObject({
      state: "waiting_for_continuation",
      progress: { counts: { sent: 10, pending: 2 } },
    });
    expect(s.progress.resume_at).toBe("2026-03-02T10:02:00.000Z");
    env.setNow(new Date("2026-03-02T10:02:05Z"));
    await worker.drain();
    s = (await c().get(`/v1/campaigns/${r.body.id}`)).body;
    expect(s).toMatchObject({ state: "completed_automatic", progress: { counts: { sent: 12 } } });
    // Each window carried at most its limit.
    const perMinute = await sql<{ minute: string; n: number }>`
      select to_char(sent_at at time zone 'UTC', 'HH24:MI') as minute, count(*)::int as n from messages
       where campaign_id = ${r.body.id} group by 1 order by 1`.execute(env.rt.db);
    expect(perMinute.rows).toEqual([
      { minute: "10:00", n: 5 },
      { minute: "10:01", n: 5 },
      { minute: "10:02", n: 2 },
    ]);
    env.setNow(null);
  });

  it("holds for transactional mail too, which shares the window with campaigns", async () => {
    env.setNow(new Date("2026-03-03T09:00:05Z"));
    const t = await limitedTransport(3, 60);
    const sending = new SendingWorker(env.rt, { lanes: 1 });
    const batch = await c().post("/v1/messages/batch", {
      messages: Array.from({ length: 5 }, (_, i) => ({
        to: `patient${i}@example.org`,
        from: "praxis@example.org",
        subject: "Termin",
        text: "Ihr Termin",
        transport: t.name,
      })),
    });
    expect(batch.status, batch.text).toBe(202);
    await sending.drain();
    const states = async () =>
      (
        await env.rt.db
          .selectFrom("messages")
          .select(["status", "next_attempt_at", "attempts"])
          .where("transport_id", "=", t.id)
          .orderBy("id")
          .execute()
      ).map((m) => `${m.status}:${m.attempts}`);
    expect(await states()).toEqual(["sent:1", "sent:1", "sent:1", "queued:0", "queued:0"]);
    const waiting = await env.rt.db
      .selectFrom("messages")
      .select("next_attempt_at")
      .where("transport_id", "=", t.id)
      .where("status", "=", "queued")
      .execute();
    expect(waiting.map((w) => w.next_attempt_at.toISOString())).toEqual([
      "2026-03-03T09:01:00.000Z",
      "2026-03-03T09:01:00.000Z",
    ]);
    env.setNow(new Date("2026-03-03T09:01:00Z"));
    await sending.drain();
    expect(await states()).toEqual(["sent:1", "sent:1", "sent:1", "sent:1", "sent:1"]);
    await sending.stop();
    env.setNow(null);
  });

  it("never grants more than the limit to reservations racing for one window", async () => {
    const t = await limitedTransport(25, 3600);
    const now = new Date();
    const grants = await Promise.all(
      Array.from({ length: 20 }, () => reserveSends(env.rt.db, limits(t.id, 25, 3600, null), 3, now)),
    );
    expect(grants.reduce((a, g) => a + g.granted, 0)).toBe(25);
    expect(grants.filter((g) => g.granted < 3).every((g) => g.resumeAt !== null)).toBe(true);
  });

  it("is set per transport by the API: a limit needs its window (400), and null lifts it", async () => {
    const bad = await c().post("/v1/transports", {
      name: `x-${Date.now()}`,
      kind: "capture",
      rate_limit: 500,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/rate_limit and rate_window_seconds go together/);
    const t = await limitedTransport(500, 3600);
    const lifted = await c().patch(`/v1/transports/${t.id}`, { rate_limit: null, rate_window_seconds: null });
    expect(lifted.status, lifted.text).toBe(200);
    expect(lifted.body).toMatchObject({ rate_limit: null, rate_window_seconds: null });
    const half = await c().patch(`/v1/transports/${t.id}`, { rate_limit: 10 });
    expect(half.status).toBe(400);
  });

  it("costs nothing for a transport without a limit", async () => {
    const r = await reserveSends(env.rt.db, limits("t_none", null, null, null), 500, new Date());
    expect(r).toEqual({ granted: 500, windowStart: null, resumeAt: null });
  });
});

describe("the concurrency limit of a transport", () => {
  it("shares max_concurrency slots between owners and frees those of an owner whose lease ran out", async () => {
    const t = await limitedTransport(1000, 60, 4);
    const l = limits(t.id, 1000, 60, 4);
    const now = new Date();
    const soon = new Date(now.getTime() + 60_000);
    expect(await acquireSlots(env.rt.db, l, "a", 3, now, soon)).toBe(3);
    expect(await acquireSlots(env.rt.db, l, "b", 3, now, soon)).toBe(1);
    expect(await acquireSlots(env.rt.db, l, "c", 3, now, soon)).toBe(0);
    await releaseSlots(env.rt.db, l, "a");
    expect(await acquireSlots(env.rt.db, l, "c", 3, now, soon)).toBe(3);
    // b's lease runs out: its slot is free again for someone else.
    const later = new Date(soon.getTime() + 1000);
    expect(await acquireSlots(env.rt.db, l, "d", 4, later, new Date(later.getTime() + 60_000))).toBe(4);
  });
});
