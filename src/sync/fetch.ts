// Fetch and reconcile (seed 003 §5.1/§5.2). The tool's members are read page by page into a staging table;
// only when the whole list has been read are they reconciled (reconcile.ts), chunk by chunk, in ONE
// transaction — so a connection that breaks mid-run applies nothing (every subscription shows "aborted" and
// the run can be repeated), and memory stays flat however long the list is.
import { createHmac, createSecretKey, type KeyObject } from "node:crypto";
import { sql } from "kysely";
import { logEvents } from "../audit/service.js";
import type { Database } from "../db/index.js";
import type { Row } from "../db/schema.js";
import type { Runtime } from "../runtime.js";
import { tryNormaliseEmail } from "../util/email.js";
import { type AdapterOptions, type RemoteMember, ToolError } from "./adapter.js";
import { adapterOf, toolLabel } from "./connections.js";
import type { LinkRow } from "./links.js";
import { reconcile } from "./reconcile.js";
import { eventTrigger, finishRun, progress, type RunRow } from "./runs.js";
import { clearStaged, markAborted, stageMembers } from "./store.js";

type Connection = Row<"email_tool_connections">;

export interface RunScope {
  rt: Runtime;
  run: RunRow;
  link: LinkRow;
  connection: Connection;
  opts: AdapterOptions;
}

export { eventTrigger };

/**
 * The blocklist hash of an e-mail key: addressHash(secret, "email", key) without normalising the key a
 * second time (a key is its own canonical form; sync.test.ts pins the equality).
 */
export function blockHashOfKey(secret: string, key: string) {
  return createHmac("sha256", blockKeyOf(secret)).update(`email:${key}`).digest("hex");
}

/** The secret as a key object, made once per secret: each member's hash then skips the key setup. */
let blockKey: { secret: string; key: KeyObject } | null = null;
function blockKeyOf(secret: string): KeyObject {
  if (blockKey?.secret !== secret) blockKey = { secret, key: createSecretKey(Buffer.from(secret, "utf8")) };
  return blockKey.key;
}

/** The members of a page as rows of sync_fetched_members; unusable addresses are counted, not staged. */
function stagedRows(secret: string, runId: string, page: RemoteMember[]) {
  const rows = [];
  for (const m of page) {
    const n = tryNormaliseEmail(m.email);
    if (!n) continue;
    rows.push({
      run_id: runId,
      email_key: n.key,
      remote_id: m.remote_id,
      email: n.address,
      status: m.status,
      status_changed_at: m.status_changed_at,
      first_name: m.first_name,
      last_name: m.last_name,
      salutation: m.salutation,
      block_hash: blockHashOfKey(secret, n.key),
    });
  }
  return rows;
}

/**
 * Reads every member of the remote list into sync_fetched_members. Throws ToolError when the tool fails.
 * A page is written while the next one is fetched (at most two pages in memory): the database and the
 * tool work at the same time instead of taking turns.
 */
async function readMembers(s: RunScope, pageSize?: number) {
  const { rt, run } = s;
  await rt.db.deleteFrom("sync_fetched_members").where("run_id", "=", run.id).execute();
  const adapter = adapterOf(rt.secret, s.connection, s.opts);
  let read = 0;
  let unusable = 0;
  let writing: Promise<unknown> = Promise.resolve();
  // A failed write is reported when it is awaited; until then this keeps it from counting as unhandled.
  const settle = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      () => undefined,
    );
  try {
    for await (const page of adapter.members(s.link.remote_list_id, { pageSize })) {
      const rows = stagedRows(rt.secret, run.id, page);
      unusable += page.length - rows.length;
      read += page.length;
      const processed = read;
      await writing;
      writing = stageMembers(rt.db, rows).then(() => progress(rt.db, run.id, { processed, now: rt.now() }));
      void settle(writing);
    }
    await writing;
  } finally {
    // The tool failed while a page was being written: let the write end before the run is cleaned up.
    await settle(writing);
  }
  return { read, unusable };
}

/**
 * Planner settings for the reconcile transaction only (SET LOCAL). Its statements are many small index
 * probes whose estimated cost looks large: PostgreSQL compiled each chunk read with JIT (15–55 ms of a
 * 40–250 ms read on the benchmark server, every chunk), and when fewer members than a chunk seemed left
 * it read the whole staging table with two parallel workers and sorted it instead of walking its key
 * (170–260 ms instead of ~40 ms per chunk). Every read here has an index; a sequential scan is never the
 * cheaper way in this transaction. PostgreSQL only: PGlite has neither JIT nor parallel workers, and its
 * plans (statistics from the ANALYZE before) were not the ones that went wrong.
 */
async function reconcilePlannerSettings(tx: Database) {
  await sql`set local jit = off`.execute(tx);
  await sql`set local enable_seqscan = off`.execute(tx);
  await sql`set local max_parallel_workers_per_gather = 0`.execute(tx);
}

export async function executeFetch(s: RunScope, pageSize?: number) {
  const { rt, run, connection } = s;
  let read: { read: number; unusable: number };
  // how long each phase took, in the "sync fetch done" log line (where a slow fetch spends its time)
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  const phaseDone = (name: string) => {
    phases[name] = Math.round(performance.now() - t0);
  };
  try {
    read = await readMembers(s, pageSize);
  } catch (e) {
    return abortFetch(s, e);
  }
  phaseDone("read_ms");
  // Statistics of what was just staged: without them (PGlite never analyses; PostgreSQL's autovacuum may
  // not have yet) each chunk was read by scanning and sorting all members not yet reconciled. Only the
  // two columns the chunk read filters and orders by: the others' statistics were computed and never used.
  await sql`analyze sync_fetched_members (run_id, email_key)`.execute(rt.db);
  const counts = await rt.db.transaction().execute(async (tx) => {
    if (rt.dbKind === "postgres") await reconcilePlannerSettings(tx);
    return reconcile(tx, s, read.read);
  });
  phaseDone("reconciled_ms");
  if (read.unusable > 0) counts.unusable_addresses = read.unusable;
  await clearStaged(rt.db, { runId: run.id, embedded: rt.dbKind === "pglite" });
  await rt.db
    .updateTable("list_links")
    .set({ last_fetch_at: rt.now() })
    .where("id", "=", s.link.id)
    .execute();
  rt.log.info({ run: run.id, counts, tool: connection.tool, ...phases }, "sync fetch done");
  return finishRun(rt.db, run.id, { status: "done", counts, now: rt.now() });
}

async function abortFetch(s: RunScope, e: unknown) {
  const { rt, run, connection } = s;
  const label = toolLabel(connection.tool);
  const kind = e instanceof ToolError ? e.kind : "internal";
  const error = `${label}: the fetch broke off (${kind}) — nothing was applied; fetch again. ${(e as Error).message}`;
  const now = rt.now();
  await rt.db.transaction().execute(async (tx) => {
    await tx.deleteFrom("sync_fetched_members").where("run_id", "=", run.id).execute();
    await markAborted(tx, { listId: run.list_id, runId: run.id, now, error });
    await logEvents(
      tx,
      [
        {
          workspaceId: run.workspace_id,
          severity: "error",
          process: `sync:${connection.tool}`,
          trigger: eventTrigger(run),
          groupId: run.id,
          recordKind: "list",
          recordId: run.list_id,
          detail: error,
          data: { run_id: run.id, triggered_by: run.triggered_by, tool_error: kind },
        },
      ],
      now,
    );
  });
  if (!(e instanceof ToolError)) rt.log.error({ err: e, run: run.id }, "sync fetch failed");
  return finishRun(rt.db, run.id, { status: "aborted", counts: { aborted: 1 }, error, now: rt.now() });
}
