// Issue 3's benchmark: 20,000 transactional messages submitted through the HTTP API (the batch endpoint,
// 500 per request, two requests in flight as a client with a backlog would send them) and sent over SMTP
// into Postfix's smtp-sink, timed from the first request until every message is `sent`. smtp-source's rate
// into the same sink is measured in the same run. Goal (issue 3): at least 40% of smtp-source's rate.
//
// Deployment shape, as `worker` in the result says: on PostgreSQL the API runs in this process and the
// sending worker in a second one (`poststelle serve --role worker`, its own core), as a deployment would
// run them; PGlite is one process's database, so there API and worker share this process (`inline`).
// `--worker inline` forces the single process on PostgreSQL too; peak RSS counts both processes.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { loadConfig } from "../src/config/index.js";
import { buildApp } from "../src/http/app.js";
import { systemActor } from "../src/runtime.js";
import { openRuntime } from "../src/server.js";
import { startWorkers } from "../src/workers.js";
import { createApiKey, createWorkspace } from "../src/workspaces/service.js";
import { type SmtpSink, startSmtpSink } from "../test/peers/postfix.js";
import { mainThreadCpu, postmasterPid, sampleCpu, startProfile } from "./lib/cpu.js";
import { benchDatabase } from "./lib/postgres.js";
import { type BenchDb, type BenchOptions, type BenchResult, progress } from "./lib/report.js";
import { type RssSampler, sampleRss } from "./lib/rss.js";
import { measureYardstick, requireSmtpTools, YARDSTICK_MESSAGES } from "./yardstick.js";

export const description =
  "20,000 messages via POST /v1/messages/batch, sent over SMTP to smtp-sink; msg/s vs smtp-source";

const BATCH = 500;
/** Batch requests in flight at once. */
const IN_FLIGHT = 2;
const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const MESSAGE_BYTES = 5 * 1024;
const GIVE_UP_MS = 15 * 60 * 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A 5 KB German text body, like the yardstick's 5 KB messages. */
const body = (() => {
  const line = "Guten Tag, wir bestätigen Ihren Termin am Montag um 9 Uhr in der Praxis Dr. Scholz.\n";
  return line.repeat(Math.ceil(MESSAGE_BYTES / line.length)).slice(0, MESSAGE_BYTES);
})();
/** The body as a JSON string, escaped once: every message carries the same text. */
const bodyJson = JSON.stringify(body);

/** The body's JSON string as UTF-8, encoded once. */
const bodyJsonBytes = Buffer.from(bodyJson, "utf8");

/** One batch request's JSON as bytes. The benchmark's client shares the two cores with Poststelle, as
 * smtp-source does with smtp-sink, so it costs as little as it can: the JSON is written from a template
 * around the body escaped and encoded once, and sent as one Buffer over a kept-alive connection (fetch
 * encoded and copied each 2.5 MB request twice more). Only each message's short fields are encoded per
 * batch; the body's bytes are copied in (encoding the whole 2.5 MB string, two bytes per character since
 * the German body has umlauts, was ~75 µs per message of the one thread). What Poststelle receives is the
 * same JSON as JSON.stringify of the same messages would give (test/bench-transactional.test.ts). */
export function batchJson(start: number, count: number, area?: Buffer): Buffer {
  const head = (k: number) =>
    `{"to":"patient${k}@sink.test","from":"praxis@example.test","subject":"Terminbestätigung ${k}","text":`;
  // Room for the longest head at 3 bytes per UTF-16 unit; the request is what was written. A client sending
  // one request after another writes each into the area of the one before (`area`, once its answer came):
  // a fresh 2.5 MB buffer is fresh memory the kernel maps page by page while the body is copied in
  // (~1.7 % of the one thread in a profile).
  const size = 16 + count * (bodyJsonBytes.length + 2 + 3 * head(start + count).length);
  const out = area && area.length >= size ? area : Buffer.allocUnsafe(size);
  let at = out.write('{"messages":[', 0, "utf8");
  for (let k = start; k < start + count; k++) {
    if (k > start) at += out.write(",", at, "latin1");
    at += out.write(head(k), at, "utf8");
    at += bodyJsonBytes.copy(out, at);
    at += out.write("}", at, "latin1");
  }
  at += out.write("]}", at, "latin1");
  return out.subarray(0, at);
}

/** The same batch as objects (what batchJson must equal). */
export function batchOf(start: number, count: number) {
  return {
    messages: Array.from({ length: count }, (_, k) => ({
      to: `patient${start + k}@sink.test`,
      from: "praxis@example.test",
      subject: `Terminbestätigung ${start + k}`,
      text: body,
    })),
  };
}

interface Running {
  url: string;
  key: string;
  /** Starts the worker role's loops (the sending worker among them). */
  startSending(): void;
  /** The worker process's id, when the worker runs in its own process. */
  workerPid(): number | null;
  countByStatus(): Promise<Record<string, number>>;
  /** Messages still to be sent or being sent, counted from the small partial work-queue indexes. */
  countUnfinished(): Promise<number>;
  stop(): Promise<void>;
}

type WorkerShape = "inline" | "process";

/** `poststelle serve --role worker` on the same database; resolves once it is up. BENCH_WORKER_NODE_ARGS
 * adds node flags to it (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the worker). */
async function startWorkerProcess(dataDir: string, databaseUrl: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_WORKER_NODE_ARGS?.split(" ") ?? []),
      "--import",
      "tsx",
      "src/cli/main.ts",
      "serve",
      "--role",
      "worker",
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, POSTSTELLE_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("Poststelle (worker)")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`the worker process exited (${code}) before it started`)));
  });
  return child;
}

async function stopWorkerProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  await exited;
}

async function startPoststelle(
  dataDir: string,
  databaseUrl: string | undefined,
  shape: WorkerShape,
  rss: RssSampler,
): Promise<Running> {
  const config = loadConfig(process.env, {
    dataDir,
    databaseUrl,
    host: "127.0.0.1",
    port: 0,
    logLevel: (process.env.LOG_LEVEL as "warn" | undefined) ?? "warn",
  });
  const { rt, handle } = await openRuntime(config);
  const actor = systemActor("bench");
  const ws = await createWorkspace(rt, actor, "Benchmark");
  const key = (await createApiKey(rt, actor, ws.id, "admin", "bench")).key;
  const app = await buildApp(rt, { logger: false });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  let workers: ReturnType<typeof startWorkers> | null = null;
  let child: ChildProcess | null = null;
  if (shape === "process") {
    child = await startWorkerProcess(dataDir, databaseUrl!);
    rss.watch(child.pid!);
  }
  return {
    url,
    key,
    startSending() {
      if (shape === "inline") workers ??= startWorkers(rt);
    },
    workerPid() {
      return child?.pid ?? null;
    },
    async countByStatus() {
      const rows = await sql<{ status: string; n: number }>`
        select status, count(*)::int as n from messages where workspace_id = ${ws.id} group by status`.execute(
        rt.db,
      );
      return Object.fromEntries(rows.rows.map((r) => [r.status, Number(r.n)]));
    },
    async countUnfinished() {
      // The benchmark's workspace is the database's only one: no workspace filter, so both counts are
      // answered from messages_work_idx and messages_lease_idx instead of a scan of the whole table.
      // The planner's statistics date from when every message was queued, so without `enable_seqscan = off`
      // it scans the table for them (30–95 ms a poll, the database server's time taken from the worker).
      return rt.db.transaction().execute(async (tx) => {
        await sql`set local enable_seqscan = off`.execute(tx);
        const r = await sql<{ n: number }>`
          select (select count(*) from messages where send_state = 'queued')
               + (select count(*) from messages where send_state = 'sending') as n`.execute(tx);
        return Number(r.rows[0]?.n ?? 0);
      });
    },
    async stop() {
      if (child) await stopWorkerProcess(child);
      child = null;
      await workers?.stop();
      await app.close();
      await handle.close();
    },
  };
}

async function call(p: Running, method: string, url: string, payload: unknown): Promise<unknown> {
  return send(p, method, url, Buffer.from(JSON.stringify(payload), "utf8"));
}

const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

/** One request with a JSON body already encoded; resolves with the parsed answer, rejects on a non-2xx. */
function send(p: Running, method: string, url: string, payload: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${p.url}${url}`,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${p.key}`,
          "content-type": "application/json",
          "content-length": payload.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299)
            reject(new Error(`${method} ${url} answered ${status}: ${text.slice(0, 500)}`));
          else resolve(JSON.parse(text));
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Waits until no message is queued or being sent, then checks that all n ended `sent`. While the sink has
 * not yet received all n, only the sink's counter is read: counting in the database took its server's time
 * away from the worker being measured (a count by status scans the whole table; even the work-queue
 * indexes' counts cost 20–30 ms a poll on the loaded machine). */
async function waitUntilSent(p: Running, sink: SmtpSink, before: number, n: number): Promise<number> {
  const until = Date.now() + GIVE_UP_MS;
  let lastReport = 0;
  for (;;) {
    const arrived = sink.received() - before;
    // Every message that ends otherwise than sent shows in the database only: asked every 2 s.
    const ask = arrived >= n || Date.now() - lastReport > 2000;
    const unfinished = ask ? await p.countUnfinished() : -1;
    if (unfinished === 0) break;
    if (Date.now() > until)
      throw new Error(
        `not all sent after ${GIVE_UP_MS / 1000} s: ${JSON.stringify(await p.countByStatus())}`,
      );
    if (ask && Date.now() - lastReport > 2000) {
      progress(`  ${arrived} of ${n} arrived at the sink, ${unfinished} not yet finished`);
      lastReport = Date.now();
    }
    await sleep(arrived >= n ? 20 : 100);
  }
  const finishedAt = performance.now();
  const counts = await p.countByStatus();
  if ((counts.sent ?? 0) !== n) throw new Error(`messages ended other than sent: ${JSON.stringify(counts)}`);
  return finishedAt;
}

/** Posts the batches, IN_FLIGHT requests at a time. */
async function submitAll(p: Running, n: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    // A lane has one request in flight: its area is free again once the answer came.
    let area: Buffer | undefined;
    while (next < n) {
      const start = next;
      next += BATCH;
      const body = batchJson(start, Math.min(BATCH, n - start), area);
      // The whole allocation (never Buffer's shared pool, which serves only a few KB).
      if (body.byteOffset === 0 && body.buffer.byteLength >= 64 * 1024) area = Buffer.from(body.buffer);
      await send(p, "POST", "/v1/messages/batch", body);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

async function runOn(
  db: BenchDb,
  n: number,
  pgUrl: string | undefined,
  shape: WorkerShape,
): Promise<BenchResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-bench-"));
  let sink: SmtpSink | null = null;
  let database: Awaited<ReturnType<typeof benchDatabase>> | null = null;
  let poststelle: Running | null = null;
  try {
    sink = await startSmtpSink();
    database = db === "postgres" ? await benchDatabase(pgUrl) : null;
    progress(`${db}: yardstick, smtp-source → smtp-sink, ${YARDSTICK_MESSAGES} messages`);
    const yardstickRate = await measureYardstick(sink.port);
    progress(`${db}: yardstick ${Math.round(yardstickRate)} msg/s; starting Poststelle`);

    const rss = sampleRss();
    poststelle = await startPoststelle(dataDir, database?.url, shape, rss);
    await call(poststelle, "POST", "/v1/transports", {
      name: "smtp-sink",
      kind: "smtp",
      config: { host: "127.0.0.1", port: sink.port, starttls: "off", pool_size: 10 },
      is_default: true,
    });
    progress(`${db}: submitting ${n} messages in batches of ${BATCH}`);
    const sinkBefore = sink.received();
    const t0 = performance.now();
    const postmaster = database ? await postmasterPid(database.url) : null;
    const workerPids = poststelle.workerPid() ? [poststelle.workerPid()!] : [];
    const stopProfile = await startProfile();
    const cpu0 = { api: sampleCpu([], null).app, all: sampleCpu(workerPids, postmaster) };
    const main0 = mainThreadCpu();
    poststelle.startSending();
    await submitAll(poststelle, n);
    const submitMs = performance.now() - t0;
    progress(`${db}: submitted in ${(submitMs / 1000).toFixed(1)} s; waiting until all are sent`);
    const totalMs = (await waitUntilSent(poststelle, sink, sinkBefore, n)) - t0;
    const cpu1 = { api: sampleCpu([], null).app, all: sampleCpu(workerPids, postmaster) };
    const main1 = mainThreadCpu();
    await stopProfile?.();
    const load = os.loadavg()[0];
    const peak = rss.stop();
    await poststelle.stop();
    poststelle = null;
    await sink.stop();
    const rate = n / (totalMs / 1000);
    return {
      bench: "transactional",
      db,
      rate,
      yardstick_rate: yardstickRate,
      ratio: rate / yardstickRate,
      peak_rss_mb: peak,
      worker: shape,
      messages: n,
      submit_rate: n / (submitMs / 1000),
      total_s: totalMs / 1000,
      // CPU per message while the messages were submitted and sent, steadier than the rate on a loaded
      // machine: Poststelle's processes (the API process includes this benchmark's HTTP client; with PGlite
      // also the database), the sending worker's process alone, and the PostgreSQL server.
      app_cpu_us_per_msg: ((cpu1.all.app - cpu0.all.app) / n) * 1e6,
      // The API process's main thread alone (with PGlite: the database and the sending worker too, all in the
      // one thread, which is what sets the rate there); the rest of app_cpu_us_per_msg is other threads, chiefly
      // V8's garbage collection helpers.
      main_thread_cpu_us_per_msg: ((main1 - main0) / n) * 1e6,
      worker_cpu_us_per_msg: ((cpu1.all.app - cpu1.api - (cpu0.all.app - cpu0.api)) / n) * 1e6,
      db_cpu_us_per_msg:
        cpu1.all.db === null || cpu0.all.db === null ? null : ((cpu1.all.db - cpu0.all.db) / n) * 1e6,
      loadavg_1m: Math.round(load * 100) / 100,
      // What smtp-sink counted beyond the yardstick's messages: each message arrived once.
      sink_received: sink.received() - YARDSTICK_MESSAGES,
    };
  } finally {
    await poststelle?.stop();
    await sink?.stop();
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  requireSmtpTools();
  const n = Number(opts.args.messages ?? 20_000);
  if (!Number.isInteger(n) || n < 1) throw new Error("--messages must be a positive whole number");
  const forced = opts.args.worker;
  if (forced !== undefined && forced !== "inline" && forced !== "process")
    throw new Error("--worker must be inline or process");
  const results: BenchResult[] = [];
  for (const db of opts.db) {
    // PGlite lives inside one process: its worker cannot be another one.
    const shape: WorkerShape =
      db === "pglite" ? "inline" : ((forced as WorkerShape | undefined) ?? "process");
    results.push(await runOn(db, n, opts.pgUrl, shape));
  }
  return results;
}
