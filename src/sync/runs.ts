// Sync runs (DESIGN §3.3: a sync run is a row). A fetch or a transmit is created by a request (202 + poll)
// or by the schedule, executed right away in the creating process under a lease; a run whose process died
// is taken over by the worker when its lease has run out. One active run per list at a time.
import type { Database } from "../db/index.js";
import type { Row, SyncRunKind, SyncRunStatus } from "../db/schema.js";
import type { Runtime } from "../runtime.js";
import { Conflict, NotFound } from "../util/errors.js";
import { newId } from "../util/ids.js";

export type RunRow = Row<"sync_runs">;

/** The event log's trigger of a run's entries: a person, or a process (the schedule). */
export const eventTrigger = (run: RunRow) =>
  (run.trigger === "user" ? "user" : "process") as "user" | "process";

export const LEASE_MS = 60_000;

export function runOut(r: RunRow) {
  const elapsedS =
    r.started_at && (r.finished_at ?? new Date())
      ? ((r.finished_at ?? new Date()).getTime() - r.started_at.getTime()) / 1000
      : 0;
  return {
    id: r.id,
    list_id: r.list_id,
    kind: r.kind,
    status: r.status,
    trigger: r.trigger,
    triggered_by: r.triggered_by,
    /** fetch: members read; transmit: tasks sent */
    progress: {
      total: r.total,
      processed: r.processed,
      rate_per_second: elapsedS > 0 ? Math.round((r.processed / elapsedS) * 10) / 10 : 0,
    },
    counts: r.counts,
    error: r.error,
    /** the event-log group of this run (GET /v1/event-log?group_id=…) */
    group_id: r.id,
    created_at: r.created_at,
    started_at: r.started_at,
    finished_at: r.finished_at,
  };
}

export async function createRun(
  db: Database,
  v: {
    workspaceId: string;
    listId: string;
    linkId: string;
    kind: SyncRunKind;
    trigger: "user" | "scheduled";
    by: string;
    now: Date;
  },
): Promise<RunRow> {
  const row = await db
    .insertInto("sync_runs")
    .values({
      id: newId("syr", v.now.getTime()),
      workspace_id: v.workspaceId,
      list_id: v.listId,
      link_id: v.linkId,
      kind: v.kind,
      trigger: v.trigger,
      triggered_by: v.by,
      counts: "{}",
      error: null,
      total: null,
      lease_owner: null,
      lease_until: null,
      created_at: v.now,
      started_at: null,
      finished_at: null,
    })
    .onConflict((oc) => oc.column("list_id").where("status", "in", ["queued", "running"]).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) {
    const active = await db
      .selectFrom("sync_runs")
      .select(["id", "kind"])
      .where("list_id", "=", v.listId)
      .where("status", "in", ["queued", "running"])
      .executeTakeFirst();
    throw Conflict(
      `A ${active?.kind ?? "sync"} of this list is running (${active?.id}); wait for it to end.`,
      {
        run_id: active?.id,
      },
    );
  }
  return row;
}

/** Takes a queued run, or a running one whose lease ran out; null when another process holds it. */
export async function claimRun(
  db: Database,
  runId: string,
  owner: string,
  now: Date,
): Promise<RunRow | null> {
  return (
    (await db
      .updateTable("sync_runs")
      .set((eb) => ({
        status: "running",
        lease_owner: owner,
        lease_until: new Date(now.getTime() + LEASE_MS),
        started_at: eb.fn.coalesce("started_at", eb.val(now)),
      }))
      .where("id", "=", runId)
      .where((eb) =>
        eb.or([
          eb("status", "=", "queued"),
          eb.and([eb("status", "=", "running"), eb("lease_until", "<", now)]),
        ]),
      )
      .returningAll()
      .executeTakeFirst()) ?? null
  );
}

export async function progress(
  db: Database,
  runId: string,
  v: { processed: number; total?: number | null; now: Date },
) {
  await db
    .updateTable("sync_runs")
    .set({
      processed: v.processed,
      ...(v.total !== undefined ? { total: v.total } : {}),
      lease_until: new Date(v.now.getTime() + LEASE_MS),
    })
    .where("id", "=", runId)
    .execute();
}

export async function finishRun(
  db: Database,
  runId: string,
  v: {
    status: Exclude<SyncRunStatus, "queued" | "running">;
    counts: Record<string, number>;
    error?: string | null;
    now: Date;
  },
) {
  return db
    .updateTable("sync_runs")
    .set({
      status: v.status,
      counts: JSON.stringify(v.counts),
      error: v.error ?? null,
      finished_at: v.now,
      lease_owner: null,
      lease_until: null,
    })
    .where("id", "=", runId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function requireRun(db: Database, workspaceId: string, listId: string, runId: string) {
  const r = await db
    .selectFrom("sync_runs")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("list_id", "=", listId)
    .where("id", "=", runId)
    .executeTakeFirst();
  if (!r) throw NotFound("sync run", runId);
  return r;
}

export function listRuns(db: Database, workspaceId: string, listId: string, limit: number, before?: string) {
  let q = db
    .selectFrom("sync_runs")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("list_id", "=", listId);
  if (before) q = q.where("id", "<", before);
  return q
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
}

/** Runs whose process died (lease out) or that nobody started: the worker takes them over. */
export async function orphanedRuns(rt: Runtime, limit = 5) {
  const now = rt.now();
  return rt.db
    .selectFrom("sync_runs")
    .select(["id"])
    .where((eb) =>
      eb.or([
        eb.and([eb("status", "=", "running"), eb("lease_until", "<", now)]),
        eb.and([eb("status", "=", "queued"), eb("created_at", "<", new Date(now.getTime() - LEASE_MS))]),
      ]),
    )
    .orderBy("id")
    .limit(limit)
    .execute();
}
