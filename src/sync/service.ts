// Starting and running fetches and transmits (202 + poll). A run is a row; the process that creates it
// runs it at once under a lease, and the worker takes over a run whose process died (runs.ts).
import { activityCtx, recordActivity } from "../audit/service.js";
import type { Database } from "../db/index.js";
import type { SyncRunKind } from "../db/schema.js";
import { requireList } from "../lists/service.js";
import type { Ctx, Runtime } from "../runtime.js";
import { Conflict, NotFound } from "../util/errors.js";
import type { AdapterOptions } from "./adapter.js";
import { executeFetch, type RunScope } from "./fetch.js";
import { requireLink } from "./links.js";
import { claimRun, createRun, finishRun, listRuns, type RunRow, runOut } from "./runs.js";
import { countUserTasks } from "./store.js";
import { review } from "./tasks.js";
import { executeTransmit } from "./transmit.js";

const inFlight = new Set<Promise<unknown>>();

/** Resolves when every run started by this process has ended (tests, shutdown). */
export async function settled(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

export interface RunOptions {
  adapter?: AdapterOptions;
  /** members per page when reading the tool (default: the tool's maximum) */
  pageSize?: number;
}

/** Claims a run and carries it out; null when another process holds it. */
export async function executeRun(
  rt: Runtime,
  runId: string,
  owner: string,
  opts: RunOptions = {},
): Promise<RunRow | null> {
  const run = await claimRun(rt.db, runId, owner, rt.now());
  if (!run) return null;
  try {
    const link = await rt.db
      .selectFrom("list_links")
      .selectAll()
      .where("id", "=", run.link_id)
      .executeTakeFirst();
    const connection = link
      ? await rt.db
          .selectFrom("email_tool_connections")
          .selectAll()
          .where("id", "=", link.connection_id)
          .executeTakeFirst()
      : undefined;
    if (!link || !connection) {
      return await finishRun(rt.db, run.id, {
        status: "failed",
        counts: {},
        error: "The list is no longer linked.",
        now: rt.now(),
      });
    }
    const scope: RunScope = { rt, run, link, connection, opts: opts.adapter ?? {} };
    return run.kind === "fetch" ? await executeFetch(scope, opts.pageSize) : await executeTransmit(scope);
  } catch (e) {
    rt.log.error({ err: e, run: run.id }, "sync run failed");
    return finishRun(rt.db, run.id, {
      status: "failed",
      counts: {},
      error: `Internal error: ${(e as Error).message}`,
      now: rt.now(),
    });
  }
}

/** Runs in the background of this process; the caller answers 202 at once. */
export function runInBackground(rt: Runtime, runId: string, opts: RunOptions = {}) {
  const p = executeRun(rt, runId, `pid:${process.pid}`, opts)
    .catch((err) => rt.log.error({ err, run: runId }, "sync run failed"))
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
  return p;
}

async function newRun(
  db: Database,
  ctx: Ctx,
  listId: string,
  linkId: string,
  kind: SyncRunKind,
  trigger: "user" | "scheduled",
) {
  return db.transaction().execute(async (tx) => {
    const run = await createRun(tx, {
      workspaceId: ctx.workspaceId,
      listId,
      linkId,
      kind,
      trigger,
      by: ctx.actor.name,
      now: ctx.rt.now(),
    });
    await recordActivity(tx, activityCtx(ctx), {
      action: kind === "fetch" ? "sync_fetch_started" : "sync_transmit_started",
      kind: "list",
      recordId: listId,
      summary: `${kind === "fetch" ? "Fetch from" : "Transmit to"} the e-mail tool started (${run.id})`,
      data: { run_id: run.id, trigger },
    });
    return run;
  });
}

export async function startFetch(
  ctx: Ctx,
  listId: string,
  body: { confirm?: boolean },
  opts: RunOptions = {},
) {
  const { link } = await requireLink(ctx.rt.db, ctx.workspaceId, listId);
  const open = await countUserTasks(ctx.rt.db, listId);
  if (open > 0 && !body.confirm) {
    throw Conflict(
      `${open} decided task(s) have not been transmitted yet; a fetch clears them. Transmit first, or repeat with confirm: true to fetch anyway.`,
      { untransmitted_tasks: open },
    );
  }
  const run = await newRun(ctx.rt.db, ctx, listId, link.id, "fetch", "user");
  runInBackground(ctx.rt, run.id, opts);
  return runOut(run);
}

export async function startTransmit(
  ctx: Ctx,
  listId: string,
  body: { confirm?: boolean },
  opts: RunOptions = {},
) {
  const { link } = await requireLink(ctx.rt.db, ctx.workspaceId, listId);
  const counts = await review(ctx, listId, opts.adapter);
  if (counts.total === 0) throw Conflict("There are no decided tasks to transmit.", counts);
  if (!body.confirm) {
    throw Conflict(
      `Review before transmitting: ${Object.entries(counts.tasks)
        .filter(([, n]) => n > 0)
        .map(([t, n]) => `${n} × ${t}`)
        .join(", ")}. Repeat with confirm: true to transmit.`,
      counts,
    );
  }
  const run = await newRun(ctx.rt.db, ctx, listId, link.id, "transmit", "user");
  runInBackground(ctx.rt, run.id, opts);
  return runOut(run);
}

export async function getRun(ctx: Ctx, listId: string, runId: string) {
  await requireList(ctx.rt.db, ctx.workspaceId, listId);
  const r = await ctx.rt.db
    .selectFrom("sync_runs")
    .selectAll()
    .where("workspace_id", "=", ctx.workspaceId)
    .where("list_id", "=", listId)
    .where("id", "=", runId)
    .executeTakeFirst();
  if (!r) throw NotFound("sync run", runId);
  return runOut(r);
}

export async function runs(ctx: Ctx, listId: string, limit: number, before?: string) {
  await requireList(ctx.rt.db, ctx.workspaceId, listId);
  return listRuns(ctx.rt.db, ctx.workspaceId, listId, limit, before);
}
