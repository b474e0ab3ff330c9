// How the store-and-derive statement (store.ts insertEventsDerivingStatuses) reaches the messages whose cached
// status it writes: by key, for the batch's messages alone. Joined to them without the key condition, the planner
// judged a sequential scan and a hash of the whole messages table cheaper for a batch of hundreds, wherever the
// table was small for its statistics (the events benchmark's 13,000 messages: a batch of 1,000 took 19–45 ms to
// update that way against 13–25 ms by key, bench/README.md, events, session 17).
import { CompiledQuery, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, recordingDb, type TestEnv } from "../../test/harness.js";
import { appendEvents } from "./service.js";

let env: TestEnv;
let ids: string[] = [];
beforeAll(async () => {
  env = await createTestEnv();
  const r = await api(env.app, env.ws.editor).post("/v1/messages", {
    to: "kunde@example.org",
    from: "shop@example.org",
    subject: "Ihre Bestellung",
    text: "Danke.",
  });
  expect(r.status, r.text).toBe(202);
  // 6,000 more messages like it, as a send-out leaves them, and the statistics the worker role's analysis (or
  // autovacuum) gives a table that size.
  await sql`insert into messages
            select (jsonb_populate_record(m, jsonb_build_object(
                      'id', m.id || '_' || g, 'to_address', 'k' || g || '@example.org',
                      'message_id_header', '<' || g || '.' || substr(m.message_id_header, 2),
                      'idempotency_key', null, 'status', 'sent', 'send_state', 'done'))).*
              from messages m cross join generate_series(1, 6000) g
             where m.id = ${r.body.id}`.execute(env.rt.db);
  await sql`analyze messages`.execute(env.rt.db);
  const rows = await sql<{ id: string }>`
    select id from messages where id like ${`${r.body.id}\\_%`} order by id limit 400`.execute(env.rt.db);
  ids = rows.rows.map((x) => x.id);
  expect(ids).toHaveLength(400);
});
afterAll(() => env?.close());

interface PlanNode {
  "Node Type": string;
  Operation?: string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

const nodesOf = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodesOf)];

describe("insertEventsDerivingStatuses", () => {
  it("writes a batch's statuses reaching its messages by key, not by scanning or hashing the messages table", async () => {
    const { db: logged, ran, close } = recordingDb(env);
    const at = new Date(Date.UTC(2025, 0, 1, 12));
    const events = ids.map((id, i) => ({
      message_id: id,
      workspace_id: env.ws.id,
      type: "delivered" as const,
      source: "provider_webhook",
      at,
      detail: `250 2.0.0 OK ${i}`,
      dedupe_key: `sendgrid:plan-${i}`,
    }));
    await logged.transaction().execute((tx) => appendEvents(tx, events, at));
    await close();
    // The statement did its work: every message of the batch is delivered now.
    const delivered = await sql<{ n: number }>`
      select count(*)::int as n from messages where id = any(${ids}::text[]) and status = 'delivered'`.execute(
      env.rt.db,
    );
    expect(delivered.rows[0].n).toBe(400);
    const store = ran.find((q) => /with ins as/.test(q.sql));
    expect(store, "the store-and-derive statement").toBeDefined();
    const plan = await env.rt.db.transaction().execute(async (tx) => {
      const r = await tx.executeQuery<Record<string, unknown>>(
        CompiledQuery.raw(`explain (format json) ${store?.sql}`, [...(store?.parameters ?? [])]),
      );
      const cell = Object.values(r.rows[0])[0];
      return (typeof cell === "string" ? JSON.parse(cell) : cell) as Array<{ Plan: PlanNode }>;
    });
    const update = nodesOf(plan[0].Plan).find(
      (n) =>
        n["Node Type"] === "ModifyTable" && n.Operation === "Update" && n["Relation Name"] === "messages",
    );
    expect(update, "the status update").toBeDefined();
    const below = nodesOf(update as PlanNode).slice(1);
    const onMessages = below.filter((n) => n["Relation Name"] === "messages");
    expect(onMessages.map((n) => `${n["Node Type"]} ${n["Index Name"] ?? ""}`.trim())).toEqual([
      "Index Scan messages_pkey",
    ]);
  });
});
