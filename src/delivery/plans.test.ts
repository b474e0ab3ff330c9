// The sending path's statements name their rows (by id, or the queue index's first rows in order), and
// planForKeyLookups makes them key lookups whatever the statistics say. A fresh PGlite has none (no
// autovacuum): before it, the claim sorted the whole queue per batch and the outcome scanned every message.
import { CompiledQuery, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, recordingDb, type TestEnv } from "../../test/harness.js";
import { planForKeyLookups } from "./store.js";
import { SendingWorker } from "./worker.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
  const c = api(env.app, env.ws.editor);
  const messages = Array.from({ length: 300 }, (_, i) => ({
    to: `p${i}@example.org`,
    from: "praxis@example.org",
    subject: `Termin ${i}`,
    text: "Ihr Termin ist bestätigt.",
  }));
  expect((await c.post("/v1/messages/batch", { messages })).status).toBe(202);
});
afterAll(async () => {
  await env?.close();
});

async function planOf(query: ReturnType<typeof sql>): Promise<string> {
  return env.rt.db.transaction().execute(async (tx) => {
    await planForKeyLookups(tx);
    const r = await sql<Record<string, string>>`explain ${query}`.execute(tx);
    return r.rows.map((row) => Object.values(row)[0]).join("\n");
  });
}

describe("planForKeyLookups", () => {
  it("reads the claim's first due messages off the queue index in order, sorting nothing", async () => {
    const plan = await planOf(sql`select ctid from messages where send_state = 'queued'
      and next_attempt_at <= ${new Date(Date.now() + 60_000)} order by next_attempt_at limit 500`);
    expect(plan).toMatch(/Index Scan using messages_work_idx/);
    expect(plan).not.toMatch(/Sort|Seq Scan|Bitmap/);
  });

  it("looks a batch's messages up by their key instead of scanning the table", async () => {
    const ids = (await sql<{ id: string }>`select id from messages limit 200`.execute(env.rt.db)).rows.map(
      (r) => r.id,
    );
    const plan = await planOf(sql`update messages m set updated_at = now()
      from unnest(${ids}::text[]) as u(id)
     where m.id = u.id and coalesce(m.lease_owner = 'w' and m.send_state in ('sending', 'unknown'), false)`);
    expect(plan).toMatch(/Index Scan using messages_pkey/);
    expect(plan).not.toMatch(/Seq Scan|Join Filter|Hash/);
  });

  // planForKeyLookups holds for the whole of the worker's claim and outcome transactions on PGlite, not for
  // one statement: every statement the worker runs must be one that names its rows, or a plan type switched
  // off could turn it into a nested loop over a scan. This runs the worker's real batch (with a webhook
  // endpoint subscribed, so emitStatusChanges' join is planned in full) and explains each of its statements.
  it("plans every statement of a sending batch as key lookups, the events and webhook inserts included", async () => {
    const admin = api(env.app, env.ws.admin);
    const hook = await admin.post("/v1/webhook-endpoints", {
      url: "https://praxis.example.org/hooks",
      events: ["message.status_changed"],
      description: "Praxissoftware",
    });
    expect(hook.status).toBe(201);
    const { db: logged, ran, close } = recordingDb(env, 2);
    const sent = await new SendingWorker({ ...env.rt, db: logged }, { batchSize: 500 }).drain();
    expect(sent).toBe(300);
    // begin/commit pass through the log too; set_config is planForKeyLookups' own.
    const statements = ran.filter(
      (q) => /^\s*(select|insert|update|with)\b/i.test(q.sql) && !/set_config/.test(q.sql),
    );
    for (const part of [
      /update messages m\s+set send_state = 'sending'/,
      /from messages where id = any/,
      /insert into message_events/,
      /insert into webhook_deliveries/,
      /update messages m\s+set send_state = u\.state/,
    ]) {
      expect(
        statements.some((q) => part.test(q.sql)),
        String(part),
      ).toBe(true);
    }
    for (const q of statements) {
      const plan = await env.rt.db.transaction().execute(async (tx) => {
        await planForKeyLookups(tx);
        const r = await tx.executeQuery<Record<string, string>>(
          CompiledQuery.raw(`explain ${q.sql}`, [...q.parameters]),
        );
        return r.rows.map((row) => Object.values(row)[0]).join("\n");
      });
      expect(plan, q.sql).not.toMatch(
        /(Seq Scan|Bitmap Heap Scan) on (messages|message_events)\b|Hash (\w+ )?Join/,
      );
    }
    await close();
  });

  it("refuses to run outside a transaction, where its settings would outlive the statement", async () => {
    await expect(planForKeyLookups(env.rt.db)).rejects.toThrow(/inside a transaction/);
  });
});
