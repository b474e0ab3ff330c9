// Issue 4's benchmark: a serial e-mail to 100,000 recipients (merge fields in subject and body, HTML and
// text, about 5 KB per message) sent over SMTP into Postfix's smtp-sink, timed from `POST …/send` until
// the last recipient is marked sent. Poststelle (API and campaign worker) runs in this process, on PGlite
// in a fresh data directory or on a fresh PostgreSQL database; smtp-source's rate into the same sink is
// measured in the same run. Goal (issue 4): at least 60% of smtp-source's rate on PostgreSQL, and memory
// that does not grow with the number of recipients.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { seedAudience } from "../src/campaigns/test-support.js";
import { CampaignWorker } from "../src/campaigns/worker.js";
import { loadConfig } from "../src/config/index.js";
import { buildApp } from "../src/http/app.js";
import { systemActor } from "../src/runtime.js";
import { openRuntime } from "../src/server.js";
import { createApiKey, createWorkspace } from "../src/workspaces/service.js";
import { type SmtpSink, startSmtpSink } from "../test/peers/postfix.js";
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

interface Running {
  url: string;
  key: string;
  rt: Awaited<ReturnType<typeof openRuntime>>["rt"];
  workspaceId: string;
  worker: CampaignWorker;
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
  const worker = new CampaignWorker(rt, {
    lanes: Number(o.args.lanes ?? 3),
    batchSize: Number(o.args.batch ?? 500),
    concurrency: Number(o.args.concurrency ?? 100),
    markGroup: o.args["mark-group"] ? Number(o.args["mark-group"]) : undefined,
    recordGroup: o.args["record-group"] ? Number(o.args["record-group"]) : undefined,
  });
  const handleW = worker.start();
  return {
    url,
    key,
    rt,
    workspaceId: ws.id,
    worker,
    async stop() {
      await handleW.stop();
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
    progress(`${db}: yardstick, smtp-source → smtp-sink, ${YARDSTICK_MESSAGES} messages`);
    const yardstickRate = await measureYardstick(sink.port);
    progress(`${db}: yardstick ${Math.round(yardstickRate)} msg/s; starting Poststelle`);
    p = await startPoststelle(dataDir, database?.url, o);
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

    const rss = sampleRss();
    const rssAtStart = process.memoryUsage().rss / (1024 * 1024);
    progress(`${db}: sending`);
    const t0 = Date.now();
    await call(p, "POST", `/v1/campaigns/${c.id}/send`, {});
    const done = await waitFor(p, c.id, ["completed_automatic", "incomplete_sent", "failed_sending"], true);
    const peak = rss.stop();
    if (done.state !== "completed_automatic") {
      const v = await call(p, "GET", `/v1/campaigns/${c.id}`);
      throw new Error(`campaign ended ${done.state}: ${JSON.stringify(v.progress)}`);
    }
    const last = await sql<{ at: Date }>`
      select max(done_at) as at from campaign_recipients where campaign_id = ${c.id}`.execute(p.rt.db);
    const ms = new Date(last.rows[0].at).getTime() - t0;
    await p.stop();
    p = null;
    await sink.stop();
    const rate = n / (ms / 1000);
    return {
      bench: "campaign",
      db,
      rate,
      yardstick_rate: yardstickRate,
      ratio: rate / yardstickRate,
      peak_rss_mb: peak,
      rss_at_send_mb: rssAtStart,
      recipients: n,
      send_s: ms / 1000,
      // What smtp-sink counted beyond the yardstick's messages: each recipient arrived once.
      sink_received: sink.received() - YARDSTICK_MESSAGES,
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
