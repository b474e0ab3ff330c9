// The activity log's storage: entries without a foreign key to workspaces (migration 325) still go with
// their workspace, and only with theirs.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, recordingDb, type TestEnv } from "../../test/harness.js";
import { systemActor } from "../runtime.js";
import { newId } from "../util/ids.js";
import { recordActivities } from "./service.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env.close();
});

const workspacesOf = async (recordId: string) =>
  (
    await sql<{ workspace_id: string | null }>`
      select workspace_id from activities where record_id = ${recordId} order by workspace_id`.execute(
      env.rt.db,
    )
  ).rows.map((r) => r.workspace_id);

describe("the activity log without its foreign key (migration 325)", () => {
  it("has no key check on workspaces, still goes with its workspace, and only that workspace's entries go", async () => {
    const db = env.rt.db;
    const keys = await sql<{ n: number }>`
      select count(*)::int as n from pg_constraint
       where conrelid = 'activities'::regclass and contype = 'f'`.execute(db);
    expect(keys.rows[0].n).toBe(0);
    const ws = newId("ws");
    await db.insertInto("workspaces").values({ id: ws, name: "Weg damit" }).execute();
    const actor = systemActor("test");
    const recordId = newId("rec");
    const entry = { action: "created", kind: "booking", recordId };
    for (const workspaceId of [ws, ws, env.ws.id, null])
      await recordActivities(db, { workspaceId, actor, now: new Date() }, [entry]);
    expect(await workspacesOf(recordId)).toEqual([env.ws.id, ws, ws, null].sort(nullsLast));
    await db.deleteFrom("workspaces").where("id", "=", ws).execute();
    expect(await workspacesOf(recordId)).toEqual([env.ws.id, null]);
  });
});

describe("a batch of activities (one statement)", () => {
  it("stores every entry as given, and sends a value shared by every entry once instead of an array of copies", async () => {
    const rec = recordingDb(env);
    const actor = systemActor("batch test");
    const now = new Date("2026-11-24T10:00:00.123Z");
    const ids = [newId("rec"), newId("rec"), newId("rec")];
    try {
      await recordActivities(rec.db, { workspaceId: env.ws.id, actor, now }, [
        {
          action: "created",
          kind: "message",
          recordId: ids[0],
          summary: "Message to a@example.org: queued",
          after: { to: "a@example.org" },
        },
        {
          action: "updated",
          kind: "contact",
          recordId: ids[1],
          before: { first_name: "Jörg" },
          after: { first_name: "Jürgen" },
          data: { via: "import" },
        },
        { action: "deleted", kind: "booking", recordId: ids[2], summary: "Termin ‚Welpenkurs' abgesagt" },
      ]);
    } finally {
      await rec.close();
    }
    const insert = rec.ran.find((q) => q.sql.includes("insert into activities"));
    // id, action, kind, record_id, summary, changes and data differ; workspace, time and actor are shared.
    expect(insert?.parameters.filter((p) => Array.isArray(p))).toHaveLength(7);
    expect(insert?.parameters).toContain(env.ws.id);
    const rows = await env.rt.db
      .selectFrom("activities")
      .select([
        "record_id",
        "workspace_id",
        "at",
        "actor_type",
        "actor_id",
        "actor_name",
        "action",
        "kind",
        "summary",
        "changes",
        "data",
      ])
      .where("record_id", "in", ids)
      .execute();
    const byRecord = new Map(rows.map((r) => [r.record_id, r]));
    const shared = {
      workspace_id: env.ws.id,
      at: now,
      actor_type: actor.type,
      actor_id: actor.id,
      actor_name: actor.name,
    };
    expect(byRecord.get(ids[0])).toEqual({
      ...shared,
      record_id: ids[0],
      action: "created",
      kind: "message",
      summary: "Message to a@example.org: queued",
      changes: { to: { before: null, after: "a@example.org" } },
      data: null,
    });
    expect(byRecord.get(ids[1])).toEqual({
      ...shared,
      record_id: ids[1],
      action: "updated",
      kind: "contact",
      summary: null,
      changes: { first_name: { before: "Jörg", after: "Jürgen" } },
      data: { via: "import" },
    });
    expect(byRecord.get(ids[2])).toEqual({
      ...shared,
      record_id: ids[2],
      action: "deleted",
      kind: "booking",
      summary: "Termin ‚Welpenkurs' abgesagt",
      changes: null,
      data: null,
    });
  });
});

function nullsLast(a: string | null, b: string | null) {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
