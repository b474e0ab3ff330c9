// The activity log's storage: entries without a foreign key to workspaces (migration 325) still go with
// their workspace, and only with theirs.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../../test/harness.js";
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

function nullsLast(a: string | null, b: string | null) {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
