// Issue 4's benchmark: a serial e-mail to 100,000 recipients (merge fields in subject and body, HTML and
// text, about 5 KB per message) sent over SMTP into Postfix's smtp-sink, timed from `POST …/send` until
// the last recipient is marked sent. Poststelle (API and campaign worker) runs in this process, on PGlite
// in a fresh data directory or on a fresh PostgreSQL database; with `--workers N` (PostgreSQL only) the
// sending is done by N child processes started as `poststelle serve --role worker`, as a deployment runs
// them, and this process only serves the API. smtp-source's rate into the same sink is measured in the same
// run, just before and just after the send (the machine's load drifts; the ratio is to their mean). Goal
// (issue 4): at least 60% of smtp-source's rate on PostgreSQL, and memory that does not grow with the
// number of recipients.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { seedAudience } from "../src/campaigns/test-support.js";
import { CampaignWorker } from "../src/campaigns/worker.js";
import { loadConfig } from "../src/config/index.js";
import { buildApp } from "../src/http/app.js";
import { systemActor } from "../src/runtime.js";
import { openRuntime } from "../src/server.js";
import { createApiKey, createWorkspace } from "../src/workspaces/service.js";
import { type SmtpSink, startSmtpSink } from "../test/peers/postfix.js";
import { postmasterPid, sampleCpu } from "./lib/cpu.js";
import { benchDatabase } from "./lib/postgres.js";
import { type BenchDb, type BenchOptions, type BenchResult, progress } from "./lib/report.js";
import { sampleRss } from "./lib/rss.js";
import { measureYardstick, requireSmtpTools, YARDSTICK_MESSAGES } from "./yardstick.js";

export const description =
  "100,000-recipient serial e-mail (merge fields, HTML + text, ~5 KB) to smtp-sink; msg/s vs smtp-source";

const GIVE_UP_MS = 30 * 60 * 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** About 5 KB once rendered: an HTML newsletter with merge fields, and its text part. */
const template = (() => {
  const paragraph =
    "<p>Liebe Hundefreundinnen und Hundefreunde, im Frühjahr beginnen unsere neuen Kurse für Welpen, " +
    "Junghunde und erwachsene Hunde. Die Gruppen sind klein, damit jedes Team die Aufmerksamkeit bekommt, " +
    "die es braucht. Anmeldungen nehmen wir ab sofort entgegen – bis bald auf dem Übungsplatz!</p>\n";
  const html =
    "<html><body>\n<p>{{ contact.letter_salutation }}</p>\n" +
    "<p>für Sie, {{ contact.first_name }} {{ contact.last_name }}, haben wir Neuigkeiten aus Musterstadt.</p>\n" +
    paragraph.repeat(9) +
    '<p>Ihr Team der Hundeschule Pfote</p>\n<p><a href="{{ unsubscribe_url }}">Abmelden</a></p>\n</body></html>\n';
  const text =
    "{{ contact.letter_salutation }}\n\nfür Sie, {{ contact.first_name }} {{ contact.last_name }}, haben wir Neuigkeiten.\n\n" +
    "Im Frühjahr beginnen unsere neuen Kurse für Welpen, Junghunde und erwachsene Hunde.\n".repeat(8) +
    "\nAbmelden: {{ unsubscribe_url }}\n";
  return { subject: "Neuigkeiten für {{ contact.first_name }} {{ contact.last_name }}", html, text };
})();

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** `poststelle serve --role worker` as a child process on the bench's PostgreSQL database. */
async function startWorkerProcess(databaseUrl: string, dataDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(repoRoot, "src/cli/main.ts"), "serve", "--role", "worker"],
    {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, POSTSTELLE_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (d: Buffer) => {
      seen += d.toString();
      if (seen.includes("Poststelle (worker)")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`worker process exited (${code}) before it was ready`)));
  });
  child.stdout?.resume();
  return child;
}

async function stopWorkerProcess(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

interface Running {
  url: string;
  key: string;
  rt: Awaited<ReturnType<typeof openRuntime>>["rt"];
  workspaceId: string;
  worker: CampaignWorker | null;
  children: ChildProcess[];
  stop(): Promise<void>;
}

async function startPoststelle(dataDir: string, databaseUrl: string | undefined, o: BenchOptions) {
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
  const processes = Number(o.args.workers ?? 0);
  const children: ChildProcess[] = [];
  let worker: CampaignWorker | null = null;
  let handleW: { stop(): Promise<void> } | null = null;
  if (processes > 0) {
    if (!databaseUrl) throw new Error("--workers N needs PostgreSQL (--db postgres): PGlite is one process");
    for (let i = 0; i < processes; i++)
      children.push(await startWorkerProcess(databaseUrl, path.join(dataDir, `worker-${i}`)));
  } else {
    worker = new CampaignWorker(rt, {
      lanes: Number(o.args.lanes ?? 3),
      batchSize: Number(o.args.batch ?? 500),
      concurrency: Number(o.args.concurrency ?? 100),
      markGroup: o.args["mark-group"] ? Number(o.args["mark-group"]) : undefined,
      recordGroup: o.args["record-group"] ? Number(o.args["record-group"]) : undefined,
    });
    handleW = worker.start();
  }
  return {
    url,
    key,
    rt,
    workspaceId: ws.id,
    worker,
    children,
    async stop() {
      await handleW?.stop();
      await Promise.all(children.map(stopWorkerProcess));
      await app.close();
      await handle.close();
    },
  } satisfies Running;
}

async function call(p: Running, method: string, url: string, payload?: unknown) {
  const res = await fetch(`${p.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${p.key}`, "content-type": "application/json" },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as { id: string; state: string; progress: { counts: Record<string, number> } };
}

/** Polls the campaign's state (a cheap query; the send's end is taken from the recipients' done_at). */
async function waitFor(p: Running, id: string, states: string[], report: boolean) {
  const until = Date.now() + GIVE_UP_MS;
  let lastReport = Date.now();
  for (;;) {
    const c = await p.rt.db
      .selectFrom("campaigns")
      .select("state")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    if (states.includes(c.state)) return c;
    if (Date.now() > until) throw new Error(`campaign still ${c.state} after ${GIVE_UP_MS / 60000} min`);
    if (report && Date.now() - lastReport > 10_000) {
      const v = await call(p, "GET", `/v1/campaigns/${id}`);
      progress(`  ${JSON.stringify(v.progress.counts)}`);
      lastReport = Date.now();
    }
    await sleep(250);
  }
}

async function runOn(db: BenchDb, n: number, o: BenchOptions): Promise<BenchResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-bench-"));
  let sink: SmtpSink | null = null;
  let database: Awaited<ReturnType<typeof benchDatabase>> | null = null;
  let p: Running | null = null;
  try {
    sink = await startSmtpSink();
    database = db === "postgres" ? await benchDatabase(o.pgUrl) : null;
    p = await startPoststelle(dataDir, database?.url, o);
    const mode = p.children.length
      ? `${p.children.length} worker process(es) (serve --role worker)`
      : "the worker in this process";
    progress(`${db}: Poststelle started, sending through ${mode}`);
    const audience = await seedAudience(p.rt.db, p.workspaceId, { count: n, domain: "sink.test" });
    await call(p, "POST", "/v1/transports", {
      name: "smtp-sink",
      kind: "smtp",
      config: {
        host: "127.0.0.1",
        port: sink.port,
        starttls: "off",
        pool_size: Number(o.args.pool ?? 10),
        dsn: false,
      },
      is_default: true,
    });
    const t = await call(p, "POST", "/v1/templates", { name: "Frühjahr", ...template });
    const c = await call(p, "POST", "/v1/campaigns", {
      name: "Frühjahrskurse",
      kind: "email",
      list_ids: [audience.listId],
      subject: template.subject,
      template_id: t.id,
      from: "info@hundeschule.example",
      from_name: "Hundeschule Pfote",
    });
    progress(`${db}: ${n} recipients; loading them into the campaign`);
    await waitFor(p, c.id, ["ready"], false);

    progress(`${db}: yardstick, smtp-source → smtp-sink, ${YARDSTICK_MESSAGES} messages`);
    const yardstickBefore = await measureYardstick(sink.port);
    progress(`${db}: yardstick ${Math.round(yardstickBefore)} msg/s`);
    const rss = sampleRss();
    for (const child of p.children) if (child.pid) rss.watch(child.pid);
    const rssAtStart = rss.stop();
    const rssDuring = sampleRss();
    for (const child of p.children) if (child.pid) rssDuring.watch(child.pid);
    progress(`${db}: sending`);
    const postmaster = database ? await postmasterPid(database.url) : null;
    const workerPids = p.children.flatMap((child) => (child.pid ? [child.pid] : []));
    const cpuBefore = sampleCpu(workerPids, postmaster);
    const t0 = Date.now();
    await call(p, "POST", `/v1/campaigns/${c.id}/send`, {});
    const done = await waitFor(p, c.id, ["completed_automatic", "incomplete_sent", "failed_sending"], true);
    const peak = rssDuring.stop();
    const cpuAfter = sampleCpu(workerPids, postmaster);
    const load = os.loadavg();
    if (done.state !== "completed_automatic") {
      const v = await call(p, "GET", `/v1/campaigns/${c.id}`);
      throw new Error(`campaign ended ${done.state}: ${JSON.stringify(v.progress)}`);
    }
    const last = await sql<{ at: Date }>`
      select max(done_at) as at from campaign_recipients where campaign_id = ${c.id}`.execute(p.rt.db);
    const ms = new Date(last.rows[0].at).getTime() - t0;
    const workers = p.children.length;
    const sinkReceived = sink.received() - YARDSTICK_MESSAGES;
    await p.stop();
    p = null;
    const yardstickAfter = await measureYardstick(sink.port);
    progress(`${db}: yardstick after the send ${Math.round(yardstickAfter)} msg/s`);
    await sink.stop();
    const rate = n / (ms / 1000);
    const yardstickRate = (yardstickBefore + yardstickAfter) / 2;
    return {
      bench: "campaign",
      db,
      rate,
      yardstick_rate: yardstickRate,
      ratio: rate / yardstickRate,
      peak_rss_mb: peak,
      rss_at_send_mb: rssAtStart,
      yardstick_before: yardstickBefore,
      yardstick_after: yardstickAfter,
      worker_processes: workers,
      loadavg_1m: Math.round(load[0] * 100) / 100,
      recipients: n,
      send_s: ms / 1000,
      // CPU per message, steadier than the rate on a loaded machine: Poststelle's processes (with PGlite
      // also the database) and the PostgreSQL server.
      app_cpu_us_per_msg: ((cpuAfter.app - cpuBefore.app) / n) * 1e6,
      db_cpu_us_per_msg:
        cpuAfter.db === null || cpuBefore.db === null ? null : ((cpuAfter.db - cpuBefore.db) / n) * 1e6,
      // What smtp-sink counted beyond the two yardsticks' messages: each recipient arrived once.
      sink_received: sinkReceived,
    };
  } finally {
    await p?.stop();
    await sink?.stop();
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  requireSmtpTools();
  const n = Number(opts.args.recipients ?? 100_000);
  if (!Number.isInteger(n) || n < 1) throw new Error("--recipients must be a positive whole number");
  const results: BenchResult[] = [];
  for (const db of opts.db) results.push(await runOn(db, n, opts));
  return results;
}
