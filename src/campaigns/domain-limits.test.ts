// Per-sender-domain rate limits (DESIGN §3.6: per transport AND per sender domain, held in the database): a
// campaign from a limited domain waits for continuation with the time the domain's window reopens and
// resumes by itself; campaigns from one domain share its window whatever transport they use; with both
// limits the stricter one holds and the other's unused grant is given back. Set with PATCH
// /v1/sender-domains/{id}. The clock is pinned, so windows open when the test says.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { usedInWindow } from "../delivery/throttle.js";
import { SendingWorker } from "../delivery/worker.js";
import { reserveDomainSends, usedInDomainWindow } from "../domains/throttle.js";
import { seedAudience } from "./test-support.js";
import { CampaignWorker } from "./worker.js";

let env: TestEnv;
let worker: CampaignWorker;
let templateId: string;

const admin = () => api(env.app, env.ws.admin);

beforeAll(async () => {
  env = await createTestEnv();
  worker = new CampaignWorker(env.rt, { lanes: 1, batchSize: 4 });
  const tpl = await admin().post("/v1/templates", {
    name: "Domain-Grenze",
    subject: "x",
    text: "Hallo {{ contact.first_name }}",
  });
  templateId = tpl.body.id;
});
afterAll(async () => {
  env?.setNow(null);
  await worker?.stop();
  await env?.close();
});

async function limitedDomain(domain: string, limit: number, windowSeconds: number) {
  const d = await admin().post("/v1/sender-domains", { domain });
  expect(d.status, d.text).toBe(201);
  expect(d.body).toMatchObject({ rate_limit: null, rate_window_seconds: null });
  const p = await admin().patch(`/v1/sender-domains/${d.body.id}`, {
    rate_limit: limit,
    rate_window_seconds: windowSeconds,
  });
  expect(p.status, p.text).toBe(200);
  expect(p.body).toMatchObject({ domain, rate_limit: limit, rate_window_seconds: windowSeconds });
  return p.body as { id: string; domain: string; rate_limit: number; rate_window_seconds: number };
}

async function campaign(from: string, count: number, transport?: string) {
  const a = await seedAudience(env.rt.db, env.ws.id, { count });
  const r = await admin().post("/v1/campaigns", {
    name: `Domain ${from} ${Date.now()}`,
    kind: "email",
    list_ids: [a.listId],
    subject: "Hallo",
    template_id: templateId,
    from,
    ...(transport ? { transport } : {}),
  });
  expect(r.status, r.text).toBe(202);
  await worker.drain();
  return r.body.id as string;
}

const state = async (id: string) => (await admin().get(`/v1/campaigns/${id}`)).body;

describe("the rate limit of a sender domain", () => {
  it("makes a campaign wait for continuation until the domain's window reopens, then resume by itself", async () => {
    env.setNow(new Date("2026-04-06T08:00:20Z"));
    const d = await limitedDomain("grenze-eins.example", 5, 60);
    const id = await campaign("info@grenze-eins.example", 12);
    expect((await admin().post(`/v1/campaigns/${id}/send`, {})).status).toBe(202);
    await worker.drain();
    let s = await state(id);
    expect(s.state).toBe("waiting_for_continuation");
    expect(s.progress.resume_at).toBe("2026-04-06T08:01:00.000Z");
    expect(s.progress.counts).toEqual({ sent: 5, pending: 7 });
    const log = await env.rt.db
      .selectFrom("event_log")
      .select("detail")
      .where("record_id", "=", id)
      .execute();
    expect(log.map((l) => l.detail).join("\n")).toMatch(
      /rate limit of sender domain 'grenze-eins\.example' \(5 messages per 60 s\) is reached; sending continues at 2026-04-06T08:01:00/,
    );

    env.setNow(new Date("2026-04-06T08:00:59Z"));
    await worker.drain();
    expect((await state(id)).progress.counts.sent).toBe(5);

    env.setNow(new Date("2026-04-06T08:01:01Z"));
    await worker.drain();
    s = await state(id);
    expect(s).toMatchObject({
      state: "waiting_for_continuation",
      progress: { counts: { sent: 10, pending: 2 } },
    });
    env.setNow(new Date("2026-04-06T08:02:00Z"));
    await worker.drain();
    expect(await state(id)).toMatchObject({
      state: "completed_automatic",
      progress: { counts: { sent: 12 } },
    });
    const perMinute = await sql<{ minute: string; n: number }>`
      select to_char(sent_at at time zone 'UTC', 'HH24:MI') as minute, count(*)::int as n from messages
       where campaign_id = ${id} group by 1 order by 1`.execute(env.rt.db);
    expect(perMinute.rows).toEqual([
      { minute: "08:00", n: 5 },
      { minute: "08:01", n: 5 },
      { minute: "08:02", n: 2 },
    ]);
    expect(await usedInDomainWindow(env.rt.db, d, new Date("2026-04-06T08:02:00Z"))).toBe(2);
    env.setNow(null);
  });

  it("is one window for all campaigns from the domain, whichever transport they go through", async () => {
    env.setNow(new Date("2026-04-07T08:00:00Z"));
    await limitedDomain("grenze-zwei.example", 6, 3600);
    const t = await admin().post("/v1/transports", { name: "zweiter-weg", kind: "capture" });
    expect(t.status, t.text).toBe(201);
    const a = await campaign("news@grenze-zwei.example", 4);
    const b = await campaign("info@grenze-zwei.example", 4, "zweiter-weg");
    await admin().post(`/v1/campaigns/${a}/send`, {});
    await admin().post(`/v1/campaigns/${b}/send`, {});
    await worker.drain();
    const sa = await state(a);
    const sb = await state(b);
    expect((sa.progress.counts.sent ?? 0) + (sb.progress.counts.sent ?? 0)).toBe(6);
    expect([sa.state, sb.state]).toContain("waiting_for_continuation");
    // Another domain's campaign is not held back by it.
    const other = await campaign("info@frei.example", 5);
    await admin().post(`/v1/campaigns/${other}/send`, {});
    await worker.drain();
    expect((await state(other)).state).toBe("completed_automatic");
    env.setNow(new Date("2026-04-07T09:00:00Z"));
    await worker.drain();
    expect((await state(a)).state).toBe("completed_automatic");
    expect((await state(b)).state).toBe("completed_automatic");
    env.setNow(null);
  });

  it("holds with a transport limit too: the stricter wins and the transport keeps no unused grant", async () => {
    env.setNow(new Date("2026-04-08T08:00:00Z"));
    await limitedDomain("grenze-drei.example", 3, 60);
    const t = await admin().post("/v1/transports", {
      name: "gedrosselt-drei",
      kind: "capture",
      rate_limit: 10,
      rate_window_seconds: 60,
    });
    expect(t.status, t.text).toBe(201);
    const id = await campaign("info@grenze-drei.example", 8, "gedrosselt-drei");
    await admin().post(`/v1/campaigns/${id}/send`, {});
    await worker.drain();
    const s = await state(id);
    expect(s).toMatchObject({
      state: "waiting_for_continuation",
      progress: { counts: { sent: 3, pending: 5 } },
    });
    const limits = { id: t.body.id, rate_limit: 10, rate_window_seconds: 60, max_concurrency: null };
    expect(await usedInWindow(env.rt.db, limits, new Date("2026-04-08T08:00:00Z"))).toBe(3);
    env.setNow(null);
  });

  it("never grants more than the limit to reservations racing for one window", async () => {
    const d = await limitedDomain("grenze-vier.example", 25, 3600);
    const now = new Date();
    const grants = await Promise.all(
      Array.from({ length: 20 }, () => reserveDomainSends(env.rt.db, d, 3, now)),
    );
    expect(grants.reduce((a, g) => a + g.granted, 0)).toBe(25);
  });

  it("is set by admins only, both parts or neither; null lifts it; foreign ids are 404", async () => {
    const d = await limitedDomain("grenze-fuenf.example", 100, 3600);
    const url = `/v1/sender-domains/${d.id}`;
    const half = await admin().patch(url, { rate_limit: 10, rate_window_seconds: null });
    expect(half.status).toBe(400);
    expect(half.body.error.message).toMatch(/rate_limit and rate_window_seconds go together/);
    expect((await admin().patch(url, { rate_limit: 10 })).status).toBe(400);
    expect((await admin().patch(url, { rate_limit: 0, rate_window_seconds: 60 })).status).toBe(400);
    expect((await admin().patch(url, { rate_limit: 5, rate_window_seconds: 60, extra: 1 })).status).toBe(400);
    expect(
      (await api(env.app, env.ws.editor).patch(url, { rate_limit: 5, rate_window_seconds: 60 })).status,
    ).toBe(403);
    expect(
      (await api(env.app, env.other.admin).patch(url, { rate_limit: 5, rate_window_seconds: 60 })).status,
    ).toBe(404);
    expect((await admin().get(url)).body).toMatchObject({ rate_limit: 100, rate_window_seconds: 3600 });
    const lifted = await admin().patch(url, { rate_limit: null, rate_window_seconds: null });
    expect(lifted.status, lifted.text).toBe(200);
    expect(lifted.body).toMatchObject({ rate_limit: null, rate_window_seconds: null });
    const acts = await env.rt.db
      .selectFrom("activities")
      .select("summary")
      .where("record_id", "=", d.id)
      .orderBy("id")
      .execute();
    expect(acts.map((a) => a.summary)).toEqual(
      expect.arrayContaining([
        "Sender domain grenze-fuenf.example: at most 100 messages per 3600 s",
        "Sender domain grenze-fuenf.example: rate limit removed",
      ]),
    );
  });

  it("counts transactional mail from the domain in the same window as its campaigns", async () => {
    env.setNow(new Date("2026-04-09T08:00:10Z"));
    const d = await limitedDomain("grenze-sechs.example", 4, 60);
    const sender = new SendingWorker(env.rt, { batchSize: 20 });
    try {
      const ids: string[] = [];
      for (const [i, from] of ["termine@grenze-sechs.example", "termine@frei-sechs.example"].entries())
        for (let n = 0; n < (i === 0 ? 6 : 2); n++) {
          const r = await admin().post("/v1/messages", {
            to: `p${n}@example.org`,
            from,
            subject: "Termin",
            text: "x",
          });
          expect(r.status, r.text).toBe(202);
          if (i === 0) ids.push(r.body.id);
        }
      await sender.drain();
      const mine = await env.rt.db
        .selectFrom("messages")
        .select(["id", "status", "next_attempt_at", "from_address"])
        .where("workspace_id", "=", env.ws.id)
        .where("subject", "=", "Termin")
        .execute();
      const limited = mine.filter((m) => m.from_address.endsWith("@grenze-sechs.example"));
      // Four of six went in the domain's window; the other two wait for the next one, unattempted.
      expect(limited.filter((m) => m.status === "sent")).toHaveLength(4);
      const held = limited.filter((m) => m.status !== "sent");
      expect(held.map((m) => [m.status, m.next_attempt_at?.toISOString()])).toEqual([
        ["queued", "2026-04-09T08:01:00.000Z"],
        ["queued", "2026-04-09T08:01:00.000Z"],
      ]);
      // Another domain's mail is not held back.
      expect(
        mine
          .filter((m) => !m.from_address.endsWith("@grenze-sechs.example"))
          .every((m) => m.status === "sent"),
      ).toBe(true);
      expect(await usedInDomainWindow(env.rt.db, d, new Date("2026-04-09T08:00:10Z"))).toBe(4);
      // A campaign from the domain finds the window used up and waits for continuation.
      const id = await campaign("info@grenze-sechs.example", 2);
      await admin().post(`/v1/campaigns/${id}/send`, {});
      await worker.drain();
      expect((await state(id)).state).toBe("waiting_for_continuation");
      // In the next window the held messages go.
      env.setNow(new Date("2026-04-09T08:01:00Z"));
      await sender.drain();
      const after = await env.rt.db.selectFrom("messages").select("status").where("id", "in", ids).execute();
      expect(after.every((m) => m.status === "sent")).toBe(true);
    } finally {
      await sender.stop();
      env.setNow(null);
    }
  });
});
