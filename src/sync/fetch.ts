// Fetch and reconcile (seed 003 §5.1/§5.2). The tool's members are reconciled page by page as they are
// read (reconcile.ts), in ONE transaction — so a connection that breaks mid-run applies nothing (the
// transaction is rolled back, every subscription shows "aborted" and the run can be repeated) — while the
// next page is asked for. Nothing is staged; memory holds a few pages (and the keys already seen).
import { logEvents } from "../audit/service.js";
import type { Row } from "../db/schema.js";
import type { Runtime } from "../runtime.js";
import { hmac } from "../util/crypto.js";
import { tryNormaliseEmail } from "../util/email.js";
import { type AdapterOptions, type RemoteMember, ToolError } from "./adapter.js";
import { adapterOf, toolLabel } from "./connections.js";
import type { LinkRow } from "./links.js";
import { RECONCILE_CHUNK, reconcile } from "./reconcile.js";
import { eventTrigger, finishRun, progress, type RunRow } from "./runs.js";
import { type FetchedMember, markAborted } from "./store.js";

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
export const blockHashOfKey = (secret: string, key: string) => hmac(secret, `email:${key}`, "hex");

/** The tool failed while its pages were read (the transaction is rolled back, the run aborted). */
class ToolBroke extends Error {
  constructor(readonly reason: unknown) {
    super((reason as Error)?.message ?? String(reason));
  }
}

/** What the pages held: members read (usable or not) and unusable addresses. */
interface Tally {
  read: number;
  unusable: number;
}

/**
 * The tool's members as chunks of at most RECONCILE_CHUNK, addresses normalised and blocklist hashes made;
 * unusable addresses are counted, not passed on, and an address the tool lists twice is taken the first
 * time only. The next page is asked for while a chunk is reconciled. Any failure of the tool is a ToolBroke.
 */
async function* memberChunks(s: RunScope, tally: Tally, pageSize?: number): AsyncGenerator<FetchedMember[]> {
  const { rt } = s;
  const adapter = adapterOf(rt.secret, s.connection, s.opts);
  const seen = new Set<string>();
  const pages = adapter.members(s.link.remote_list_id, { pageSize })[Symbol.asyncIterator]();
  const ask = () => {
    const p = pages.next();
    p.catch(() => undefined); // awaited below; until then it must not count as unhandled
    return p;
  };
  let next = ask();
  for (;;) {
    let page: IteratorResult<RemoteMember[]>;
    try {
      page = await next;
    } catch (e) {
      throw new ToolBroke(e);
    }
    if (page.done) return;
    next = ask();
    const { members, unusable } = fetchedOf(rt.secret, page.value, seen);
    tally.read += page.value.length;
    tally.unusable += unusable;
    for (let i = 0; i < members.length; i += RECONCILE_CHUNK) yield members.slice(i, i + RECONCILE_CHUNK);
  }
}

/** A page's members as reconcile takes them, and how many addresses were unusable. */
function fetchedOf(secret: string, page: RemoteMember[], seen: Set<string>) {
  const members: FetchedMember[] = [];
  let unusable = 0;
  for (const m of page) {
    const n = tryNormaliseEmail(m.email);
    if (!n) {
      unusable++;
      continue;
    }
    if (seen.has(n.key)) continue;
    seen.add(n.key);
    members.push({
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
  return { members, unusable };
}

/**
 * How far the run is, written beside the transaction (it renews the run's lease, which others must see).
 * PGlite has one connection, held by the transaction: there nobody else can see it, nor take the run over.
 */
function progressOf(s: RunScope) {
  const { rt, run } = s;
  if (rt.dbKind !== "postgres") return async () => undefined;
  return (processed: number) => progress(rt.db, run.id, { processed, now: rt.now() });
}

export async function executeFetch(s: RunScope, pageSize?: number) {
  const { rt, run, connection } = s;
  const tally: Tally = { read: 0, unusable: 0 };
  let counts: Record<string, number>;
  try {
    counts = await rt.db
      .transaction()
      .execute((tx) => reconcile(tx, s, memberChunks(s, tally, pageSize), progressOf(s)));
  } catch (e) {
    if (e instanceof ToolBroke) return abortFetch(s, e.reason);
    throw e;
  }
  counts.members_read = tally.read;
  if (tally.unusable > 0) counts.unusable_addresses = tally.unusable;
  await rt.db
    .updateTable("list_links")
    .set({ last_fetch_at: rt.now() })
    .where("id", "=", s.link.id)
    .execute();
  rt.log.info({ run: run.id, counts, tool: connection.tool }, "sync fetch done");
  return finishRun(rt.db, run.id, { status: "done", counts, now: rt.now() });
}

async function abortFetch(s: RunScope, e: unknown) {
  const { rt, run, connection } = s;
  const label = toolLabel(connection.tool);
  const kind = e instanceof ToolError ? e.kind : "internal";
  const error = `${label}: the fetch broke off (${kind}) — nothing was applied; fetch again. ${(e as Error).message}`;
  const now = rt.now();
  await rt.db.transaction().execute(async (tx) => {
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
