// The list-sync loop of the worker role: a link with a schedule is fetched every N minutes — never
// transmitted, decisions stay with people — and runs whose process died are taken over (lease ran out).
// A scheduled fetch that would clear decided tasks not yet transmitted is skipped with a warning instead.
import { logEvent, recordActivity } from "../audit/service.js";
import { type Runtime, systemActor } from "../runtime.js";
import { startPeriodic } from "../util/periodic.js";
import type { WorkerHandle } from "../workers.js";
import type { LinkRow } from "./links.js";
import { createRun, orphanedRuns } from "./runs.js";
import { executeRun, type RunOptions } from "./service.js";
import { countUserTasks } from "./store.js";

const TICK_MS = 30_000;
const owner = () => `worker:${process.pid}`;

/** Links whose next fetch is due, pushed to their next slot at once (FOR UPDATE SKIP LOCKED: one taker). */
async function claimDueLinks(rt: Runtime, limit = 10): Promise<LinkRow[]> {
  const now = rt.now();
  return rt.db.transaction().execute(async (tx) => {
    const due = await tx
      .selectFrom("list_links")
      .selectAll()
      .where("fetch_every_minutes", "is not", null)
      .where("next_fetch_at", "<=", now)
      .orderBy("next_fetch_at")
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const l of due) {
      await tx
        .updateTable("list_links")
        .set({ next_fetch_at: new Date(now.getTime() + (l.fetch_every_minutes ?? 60) * 60_000) })
        .where("id", "=", l.id)
        .execute();
    }
    return due;
  });
}

async function scheduledFetch(rt: Runtime, link: LinkRow, opts: RunOptions) {
  const now = rt.now();
  const actor = systemActor("sync:schedule");
  const open = await countUserTasks(rt.db, link.list_id);
  if (open > 0) {
    await logEvent(
      rt.db,
      {
        workspaceId: link.workspace_id,
        severity: "warning",
        process: "sync:schedule",
        trigger: "process",
        recordKind: "list",
        recordId: link.list_id,
        detail: `Scheduled fetch skipped: ${open} decided task(s) have not been transmitted and a fetch would clear them. Transmit them (or fetch by hand).`,
        data: { untransmitted_tasks: open },
      },
      now,
    );
    return null;
  }
  const run = await rt.db.transaction().execute(async (tx) => {
    const r = await createRun(tx, {
      workspaceId: link.workspace_id,
      listId: link.list_id,
      linkId: link.id,
      kind: "fetch",
      trigger: "scheduled",
      by: "schedule",
      now,
    }).catch(() => null); // a run of the list is active: the next slot will do
    if (r) {
      await recordActivity(
        tx,
        { workspaceId: link.workspace_id, actor, now },
        {
          action: "sync_fetch_started",
          kind: "list",
          recordId: link.list_id,
          summary: `Scheduled fetch from the e-mail tool started (${r.id})`,
          data: { run_id: r.id, trigger: "scheduled" },
        },
      );
    }
    return r;
  });
  return run ? executeRun(rt, run.id, owner(), opts) : null;
}

/** One pass: take over orphaned runs, then start the fetches that are due. */
export async function syncTick(rt: Runtime, opts: RunOptions = {}) {
  for (const r of await orphanedRuns(rt)) await executeRun(rt, r.id, owner(), opts);
  const results = [];
  for (const link of await claimDueLinks(rt)) results.push(await scheduledFetch(rt, link, opts));
  return results;
}

export function startSyncWorker(rt: Runtime): WorkerHandle {
  return startPeriodic(rt.log, "list sync schedule", { firstMs: 5_000, intervalMs: TICK_MS }, () =>
    syncTick(rt),
  );
}
