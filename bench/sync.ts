// Issue 6's sync benchmark: fetch + reconcile a 100,000-member list against the listmonk contract fake,
// served over HTTP on loopback by a process of its own (as a real tool is another program: its members and
// its serving do not count in Poststelle's memory or CPU) and paged as the real API pages, on PGlite in
// a fresh data directory and on a fresh PostgreSQL database. The Poststelle side is the steady state of a
// linked list: 99,000 of the members are already contacts on the list (1 in 50 with a differing first name,
// so a conflict), 1,000 members are unknown here (new contacts), 1,000 subscriptions are not in the tool.
// The yardstick, measured in the same run: paging through the same 100,000 members with the same adapter
// and no database work at all. Goal (issue 6): fetch + reconcile under 10 s, with memory that does not
// grow with the list (compare peak_rss_mb with rss_before_mb, and try --members 200000).
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Kysely, sql } from "kysely";
import { loadConfig } from "../src/config/index.js";
import type { DB } from "../src/db/schema.js";
import { type Runtime, systemActor } from "../src/runtime.js";
import { openRuntime } from "../src/server.js";
import { adapterFor } from "../src/sync/adapters/index.js";
import { createRun } from "../src/sync/runs.js";
import { executeRun } from "../src/sync/service.js";
import { newId } from "../src/util/ids.js";
import { createWorkspace } from "../src/workspaces/service.js";
import { linkListToTool } from "../test/fakes/listmonk.js";
import { mainThreadCpu, postmasterPid, sampleCpu, startProfile } from "./lib/cpu.js";
import { benchDatabase } from "./lib/postgres.js";
import { type BenchDb, type BenchOptions, type BenchResult, progress } from "./lib/report.js";
import { sampleRss } from "./lib/rss.js";

export const description =
  "fetch + reconcile a 100,000-member listmonk list served over HTTP (members/s; goal under 10 s)";

const GOAL_SECONDS = 10;

interface Tool {
  base: string;
  remoteListId: string;
  user: string;
  token: string;
  /** the process serving the fake */
  child: ChildProcess;
}

const hostScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "lib", "listmonk-host.ts");

/**
 * The listmonk fake in its own process (bench/lib/listmonk-host.ts), as a real tool is: its members are
 * member{i}@beispiel.de named "Vorname{i % 97} Nachname{i}" (FakeListmonk.seedMembers).
 */
async function startTool(members: number): Promise<Tool> {
  const child = spawn(process.execPath, ["--import", "tsx", hostScript, String(members)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (d: Buffer) => {
      seen += d.toString();
      if (seen.includes("\n")) resolve(seen.slice(0, seen.indexOf("\n")));
    });
    child.once("exit", (code) => reject(new Error(`the listmonk fake exited (${code}) before it listened`)));
  });
  const t = JSON.parse(line) as { base: string; user: string; token: string; listId: string };
  return { base: t.base, user: t.user, token: t.token, remoteListId: t.listId, child };
}

async function stopTool(t: Tool) {
  if (t.child.exitCode !== null) return;
  const exited = new Promise((r) => t.child.once("exit", r));
  t.child.stdin?.end();
  await exited;
}

const credentials = (t: Tool) => ({ kind: "listmonk" as const, username: t.user, token: t.token });

/** Pages through every member with the adapter and does nothing else: the yardstick (members/s). */
async function pageThrough(
  t: Tool,
  pageSize: number | undefined,
): Promise<{ members: number; seconds: number }> {
  const adapter = adapterFor({
    id: "bench",
    tool: "listmonk",
    base_url: t.base,
    credentials: credentials(t),
  });
  const t0 = performance.now();
  let n = 0;
  for await (const page of adapter.members(t.remoteListId, { pageSize })) n += page.length;
  return { members: n, seconds: (performance.now() - t0) / 1000 };
}

/**
 * The Poststelle side in three statements: contacts 0 … known-1 with the tool's addresses (every 50th with
 * another first name), 1,000 contacts the tool does not have, all subscribed to the list.
 */
async function seedLocal(db: Kysely<DB>, ws: string, listId: string, known: number) {
  const at = new Date("2026-01-01T00:00:00Z");
  await sql`
    insert into contacts (id, workspace_id, first_name, last_name, emails, email_keys, created_at, updated_at)
    select 'con_bench_' || lpad(i::text, 7, '0'), ${ws},
           case when i % 50 = 0 then 'Anders' || (i % 97) else 'Vorname' || (i % 97) end,
           'Nachname' || i, array['member' || i || '@beispiel.de'], array['member' || i || '@beispiel.de'],
           ${at}, ${at}
      from generate_series(0, ${known - 1}) i`.execute(db);
  await sql`
    insert into contacts (id, workspace_id, first_name, last_name, emails, email_keys, created_at, updated_at)
    select 'con_bench_local_' || lpad(i::text, 5, '0'), ${ws}, 'Nur', 'Hier' || i,
           array['nur-hier' || i || '@beispiel.de'], array['nur-hier' || i || '@beispiel.de'], ${at}, ${at}
      from generate_series(0, 999) i`.execute(db);
  await sql`
    insert into subscriptions (id, workspace_id, list_id, contact_id, status, status_set_at, status_set_by, created_at, updated_at)
    select 'sub_' || substr(c.id, 5), ${ws}, ${listId}, c.id, 'subscribed', ${at}, 'bench', ${at}, ${at}
      from contacts c where c.workspace_id = ${ws}`.execute(db);
}

/**
 * The seeded rows as a list's rows are in steady state, written long before the fetch: visited by vacuum
 * (PostgreSQL's autovacuum would after 100,000 inserts; its hint bits are what any earlier read sets)
 * and on disk (a checkpoint). Without this the fetch paid for the seeding: the first read of each fresh
 * row dirtied its page, and on PGlite (128 MB of shared buffers) the seeded contacts, subscriptions and
 * their indexes — ~130 MB of pages dirtied by the seeding — were written out during the fetch, as the
 * fetch's own writes pushed them out of the buffers.
 */
async function settle(db: Kysely<DB>) {
  await sql`vacuum (analyze) contacts, contact_email_keys, subscriptions`.execute(db);
  await sql`checkpoint`.execute(db);
}

/** The runtime with its logger's "sync fetch done" line caught: its phases (read_ms: the tool read and
 * staged; reconciled_ms: reconciled too) say where a fetch's time went. */
function withPhases(rt: Runtime) {
  const phases: Record<string, number> = {};
  const log = new Proxy(rt.log, {
    get(target, key) {
      const v = Reflect.get(target, key);
      if (key !== "info") return typeof v === "function" ? v.bind(target) : v;
      return (obj: unknown, ...rest: unknown[]) => {
        if (rest[0] === "sync fetch done" && typeof obj === "object" && obj !== null) {
          for (const [k, n] of Object.entries(obj))
            if (k.endsWith("_ms") && typeof n === "number") phases[k] = n;
        }
        return (v as (...a: unknown[]) => void).call(target, obj, ...rest);
      };
    },
  });
  return { rt: { ...rt, log } as Runtime, phases };
}

/** The highest heapUsed seen every 100 ms, in MB. */
function peakHeapUsed() {
  let peak = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().heapUsed) / (1024 * 1024);
    },
  };
}

interface RunArgs {
  members: number;
  /** members per page; undefined = the adapter's default */
  pageSize: number | undefined;
  pgUrl: string | undefined;
}

async function runOn(db: BenchDb, t: Tool, a: RunArgs): Promise<BenchResult> {
  const { members, pageSize } = a;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-bench-sync-"));
  const database = db === "postgres" ? await benchDatabase(a.pgUrl) : null;
  try {
    const config = loadConfig(process.env, { dataDir, databaseUrl: database?.url, logLevel: "warn" });
    const { rt, handle } = await openRuntime(config);
    try {
      const actor = systemActor("bench");
      const ws = await createWorkspace(rt, actor, "Sync-Benchmark");
      const listId = newId("list");
      const now = new Date();
      await rt.db
        .insertInto("lists")
        .values({
          id: listId,
          workspace_id: ws.id,
          name: "Newsletter-Verteiler",
          created_at: now,
          updated_at: now,
        })
        .execute();
      const known = members - 1000;
      progress(`${db}: seeding ${known + 1000} contacts on the list`);
      await seedLocal(rt.db, ws.id, listId, known);
      await settle(rt.db);
      const { linkId } = await linkListToTool(rt.db, rt.secret, {
        workspaceId: ws.id,
        listId,
        remoteListId: t.remoteListId,
        baseUrl: t.base,
        credentials: credentials(t),
      });
      const postmaster = database ? await postmasterPid(database.url) : null;
      const fetchOnce = async (profile = false) => {
        const run = await createRun(rt.db, {
          workspaceId: ws.id,
          listId,
          linkId,
          kind: "fetch",
          trigger: "user",
          by: "bench",
          now: rt.now(),
        });
        // BENCH_CPU_PROFILE: the first fetch only (not the seeding, the yardstick or the repeat fetch).
        const stopProfile = profile ? await startProfile() : null;
        const watched = withPhases(rt);
        const cpu0 = sampleCpu([], postmaster);
        const main0 = mainThreadCpu();
        const t0 = performance.now();
        const done = await executeRun(watched.rt, run.id, "bench", { pageSize });
        const seconds = (performance.now() - t0) / 1000;
        const cpu1 = sampleCpu([], postmaster);
        const main1 = mainThreadCpu();
        await stopProfile?.();
        if (done?.status !== "done") throw new Error(`the fetch ended ${done?.status}: ${done?.error}`);
        const counts = (typeof done.counts === "string" ? JSON.parse(done.counts) : done.counts) as Record<
          string,
          number
        >;
        const perMember = (a: number | null, b: number | null) =>
          a === null || b === null ? null : ((b - a) / members) * 1e6;
        return {
          seconds,
          counts,
          appCpu: perMember(cpu0.app, cpu1.app),
          mainCpu: perMember(main0, main1),
          dbCpu: perMember(cpu0.db, cpu1.db),
          readS: watched.phases.read_ms === undefined ? null : watched.phases.read_ms / 1000,
        };
      };
      // PGlite's WASM memory (its heap: shared buffers, work memory, caches) in MB: it grows and never shrinks
      const wasmMb = () => {
        const mod = (handle.pglite as unknown as { mod?: { HEAPU8?: Uint8Array } } | undefined)?.mod;
        return mod?.HEAPU8 ? mod.HEAPU8.length / (1024 * 1024) : null;
      };
      const yard = await pageThrough(t, pageSize);
      (globalThis as { gc?: () => void }).gc?.();
      const rssBefore = process.memoryUsage().rss / (1024 * 1024);
      const heapBefore = process.memoryUsage().heapUsed / (1024 * 1024);
      const rss = sampleRss();
      progress(`${db}: fetch + reconcile of ${members} members`);
      const heap = peakHeapUsed();
      const wasmBefore = wasmMb();
      const first = await fetchOnce(true);
      const heapPeak = heap.stop();
      const wasmAfter = wasmMb();
      // with --expose-gc: the heap still in use after the fetch (what it keeps, not its garbage)
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const heapKept = gc ? process.memoryUsage().heapUsed / (1024 * 1024) : null;
      const { seconds, counts } = first;
      const peak = rss.stop();
      // The same list fetched again with nothing changed on either side: every member is linked now.
      progress(`${db}: the same ${members} members fetched again (nothing changed)`);
      const repeatRss = sampleRss();
      const repeat = await fetchOnce();
      const repeatPeak = repeatRss.stop();
      const wasmRepeat = wasmMb();
      const rate = members / seconds;
      const yardstickRate = yard.members / yard.seconds;
      return {
        bench: "sync",
        db,
        rate,
        yardstick_rate: yardstickRate,
        ratio: rate / yardstickRate,
        seconds,
        fetch_s: seconds,
        yardstick_s: yard.seconds,
        peak_rss_mb: peak,
        rss_before_mb: rssBefore,
        // the JavaScript heap in use at its highest (garbage not yet collected included) and before
        peak_heap_used_mb: heapPeak,
        heap_used_before_mb: heapBefore,
        // PGlite's WASM memory before the first fetch, after it and after the repeat (null on PostgreSQL)
        // with --expose-gc: the heap in use after a collection once the first fetch is done
        heap_kept_after_mb: heapKept,
        pglite_wasm_before_mb: wasmBefore,
        pglite_wasm_after_mb: wasmAfter,
        pglite_wasm_repeat_mb: wasmRepeat,
        members,
        page_size: pageSize ?? "default",
        loadavg_1m: Math.round(os.loadavg()[0] * 100) / 100,
        success: counts.success ?? 0,
        conflict: counts.conflict ?? 0,
        new_contact: counts.new_contact ?? 0,
        not_in_tool: counts.not_in_tool ?? 0,
        goal_met: seconds < GOAL_SECONDS,
        // CPU per member: this process (the fake's serving included) and the PostgreSQL server.
        app_cpu_us_per_member: first.appCpu,
        // the main thread alone (PGlite and the reconciling run there; the tool's reading may not)
        app_main_cpu_us_per_member: first.mainCpu,
        db_cpu_us_per_member: first.dbCpu,
        // seconds until every page was read and staged (the rest of fetch_s is reconciling)
        read_s: first.readS,
        repeat_s: repeat.seconds,
        repeat_read_s: repeat.readS,
        repeat_app_cpu_us_per_member: repeat.appCpu,
        repeat_app_main_cpu_us_per_member: repeat.mainCpu,
        repeat_db_cpu_us_per_member: repeat.dbCpu,
        repeat_success: repeat.counts.success ?? 0,
        repeat_conflict: repeat.counts.conflict ?? 0,
        repeat_peak_rss_mb: repeatPeak,
      };
    } finally {
      await handle.close();
    }
  } finally {
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const members = Number(opts.args.members ?? 100_000);
  if (!Number.isInteger(members) || members < 2000)
    throw new Error("--members must be a whole number ≥ 2000");
  const pageSize = opts.args["page-size"] === undefined ? undefined : Number(opts.args["page-size"]);
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize > 0))
    throw new Error("--page-size must be a whole number > 0");
  const t = await startTool(members);
  try {
    const results: BenchResult[] = [];
    for (const db of opts.db) results.push(await runOn(db, t, { members, pageSize, pgUrl: opts.pgUrl }));
    return results;
  } finally {
    await stopTool(t);
  }
}
