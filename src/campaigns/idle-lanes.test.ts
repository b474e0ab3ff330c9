// The campaign worker while no campaign is sending: only lane 0 looks for due recipients and the other
// lanes wait until a lane claims a batch; the housekeeping loop reaps expired leases on the lease's time
// scale, not every round; on PGlite the statements of an idle round are kept prepared (there every idle
// statement took the one thread from the API and the transactional sending). Once a campaign sends, the waiting lanes take part and every recipient arrives once.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, recordingDb, type TestEnv } from "../../test/harness.js";
import type { ScriptedSmtp } from "../../test/scripted-smtp.js";
import { PREPARED_MARK, preparedOnPglite } from "../db/prepared.js";
import { relayAndTemplate } from "./relay.testkit.js";
import { seedAudience, sleep } from "./test-support.js";
import { CampaignWorker } from "./worker.js";

let env: TestEnv;
let relay: ScriptedSmtp;
let templateId: string;

beforeAll(async () => {
  env = await createTestEnv();
  ({ relay, templateId } = await relayAndTemplate(c()));
});
afterAll(async () => {
  await relay?.close();
  await env?.close();
});

function c() {
  return api(env.app, env.ws.admin);
}

/** Counts the batches each lane tried. */
class CountingWorker extends CampaignWorker {
  readonly tries = new Map<number, number>();
  override sendBatch(lane = 0) {
    this.tries.set(lane, (this.tries.get(lane) ?? 0) + 1);
    return super.sendBatch(lane);
  }
}

describe("an idle campaign worker", () => {
  it("polls with one lane, reaps once per interval, and wakes every lane when a campaign sends", async () => {
    const worker = new CountingWorker(env.rt, { lanes: 3, batchSize: 10, pollMs: 20 });
    const hk = worker.housekeeping;
    let rounds = 0;
    let reaps = 0;
    const round = hk.round.bind(hk);
    hk.round = (opts) => {
      rounds++;
      return round(opts);
    };
    const reap = hk.reap.bind(hk);
    hk.reap = () => {
      reaps++;
      return reap();
    };
    const handle = worker.start();
    try {
      // Idle: some fifteen poll intervals.
      const until = Date.now() + 300;
      while (Date.now() < until || rounds < 4 || (worker.tries.get(0) ?? 0) < 4) await sleep(20);
      expect(worker.tries.get(1)).toBe(1);
      expect(worker.tries.get(2)).toBe(1);
      expect(worker.tries.get(0)).toBeGreaterThanOrEqual(4);
      expect(rounds).toBeGreaterThanOrEqual(4);
      // The lease is 120 s by default: one look for expired leases (the first round) in this time.
      expect(reaps).toBe(1);

      const a = await seedAudience(env.rt.db, env.ws.id, { count: 60 });
      const r = await c().post("/v1/campaigns", {
        name: "Rundbrief idle lanes",
        kind: "email",
        list_ids: [a.listId],
        subject: "Neuigkeiten für {{ contact.first_name }}",
        template_id: templateId,
        from: "info@hundeschule.example",
      });
      expect(r.status, r.text).toBe(202);
      const deadline = Date.now() + 30_000;
      // The running worker's housekeeping loads the recipients.
      while ((await c().get(`/v1/campaigns/${r.body.id}`)).body.state === "loading_recipients") {
        if (Date.now() > deadline) throw new Error("recipients never loaded");
        await sleep(20);
      }
      const s = await c().post(`/v1/campaigns/${r.body.id}/send`, {});
      expect(s.status, s.text).toBe(202);
      for (;;) {
        const got = (await c().get(`/v1/campaigns/${r.body.id}`)).body;
        if (got.state === "completed_automatic") break;
        if (Date.now() > deadline) throw new Error(`still ${got.state}: ${JSON.stringify(got.progress)}`);
        await sleep(20);
      }
      // Lanes 1 and 2 were woken by the claims and tried again.
      expect(worker.tries.get(1)).toBeGreaterThan(1);
      expect(worker.tries.get(2)).toBeGreaterThan(1);
      const arrived = relay.received.filter((m) => m.to.some((t) => t.endsWith(`@${a.domain}`)));
      expect(arrived).toHaveLength(60);
      expect(new Set(arrived.map((m) => m.to[0])).size).toBe(60);
    } finally {
      await handle.stop();
    }
  });
});

describe("the statements of an idle round", () => {
  it("are kept prepared on PGlite and sent as before to PostgreSQL", async () => {
    const rec = recordingDb(env);
    try {
      const worker = new CampaignWorker({ ...env.rt, db: rec.db }, { lanes: 1 });
      for (let i = 0; i < 3; i++) {
        expect(await worker.housekeeping.round({ reap: false })).toBe(0);
        expect(await worker.sendBatch(0)).toBe(0);
      }
    } finally {
      await rec.close();
    }
    // Three rounds of six statements: two job claims, runs done, resumes, scheduled sends, due recipients
    // (and the first round's look for merge data to purge, once a minute).
    const polls = rec.ran.filter((q) => !q.sql.includes("set merge = null"));
    expect(polls).toHaveLength(18);
    for (const q of polls) {
      expect(preparedOnPglite(q.sql), q.sql).toBe(true);
      expect(q.sql.startsWith(PREPARED_MARK), q.sql).toBe(false);
    }
    if (env.rt.dbKind === "pglite") {
      const kept = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(
        env.rt.db,
      );
      for (const text of [
        "waiting_for_continuation",
        "send_armed",
        "in_flight",
        "set job_owner",
        "cross join lateral",
      ])
        expect(
          kept.rows.some((r) => r.statement.includes(text)),
          text,
        ).toBe(true);
    }
  });
});
