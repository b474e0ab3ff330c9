// Issue 5's events benchmark: SendGrid Event Webhook batches of 1,000 events, signed as SendGrid signs them,
// posted over HTTP to /v1/webhooks/sendgrid/{workspace} of a Poststelle listening on loopback, each stored
// through appendEvents with the message statuses derived (and the bounce rules applied) before the answer.
// The yardstick, measured in the same run and interleaved batch by batch so both see the same table: a
// plain batched INSERT of the same rows into message_events. Goal (issue 5): at least 50% of it.
// On PGlite in a fresh data directory and on a fresh PostgreSQL database; each in "time" order (as a
// provider reports a send-out, a batch naming ~1,000 messages) and "message" order (~300 messages a batch).
// Options: --events N (20,000), --order time|message|time,message, --concurrency N (batches in flight, 1),
// --gc stretch|natural (when the young generation is collected, below; stretch), --client process|inline
// (where SendGrid's HTTP client runs, below; process).
import { fork } from "node:child_process";
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { sql } from "kysely";
import { loadConfig } from "../src/config/index.js";
import { analyzeChangedTables } from "../src/db/analyze.js";
import type { NewRow } from "../src/db/schema.js";
import { MESSAGE_ID_ARG } from "../src/delivery/providers/naming.js";
import { createTransport } from "../src/delivery/transports.js";
import { buildApp } from "../src/http/app.js";
import { type Runtime, systemActor } from "../src/runtime.js";
import { openRuntime } from "../src/server.js";
import { newId } from "../src/util/ids.js";
import { createWorkspace } from "../src/workspaces/service.js";
import { type CpuSample, postmasterPid, sampleCpu } from "./lib/cpu.js";
import { benchDatabase } from "./lib/postgres.js";
import { type BenchDb, type BenchOptions, type BenchResult, progress } from "./lib/report.js";
import { sampleRss } from "./lib/rss.js";
import {
  type ClientCommand,
  type ClientReply,
  postWebhook,
  type SignedRequest,
} from "./lib/sendgrid-client.js";

export const description =
  "SendGrid webhook batches of 1,000 signed events over HTTP, stored and derived (events/s vs a plain batched INSERT)";

const BATCH = 1000;
const GOAL = 0.5;

/** What happens to a message, in the order SendGrid reports it; every 100th bounces, half of them hard. */
function lifeOf(i: number): string[] {
  if (i % 200 === 0) return ["processed", "bounce:hard"];
  if (i % 200 === 100) return ["processed", "deferred", "bounce:soft"];
  if (i % 25 === 0) return ["processed", "deferred", "delivered", "open"];
  return i % 3 === 0 ? ["processed", "delivered", "open", "click"] : ["processed", "delivered", "open"];
}

interface Msg {
  id: string;
  to: string;
  queueId: string;
  /** The same message once more, for the yardstick's rows: the webhook's derivation must not read them. */
  mirror: string;
}

/** One SendGrid event as the Event Webhook Reference documents it, about one of our messages. */
function sendgridEvent(m: Msg, kind: string, n: number, at: number): Record<string, unknown> {
  const base = {
    email: m.to,
    timestamp: at,
    "smtp-id": `<${m.queueId}@ismtpd0001p1lon1.sendgrid.net>`,
    sg_event_id: `${m.queueId}-${n}`,
    sg_message_id: `${m.queueId}.filterdrecv-5645d9c87f-abcde-1-5F0E5C2B-7.0`,
    category: "terminbestaetigung",
    [MESSAGE_ID_ARG]: m.id,
  };
  switch (kind) {
    case "delivered":
      return {
        ...base,
        event: "delivered",
        response: "250 2.0.0 OK 1552999495 h64si770387ywd.360 - gsmtp",
        tls: 1,
      };
    case "deferred":
      return { ...base, event: "deferred", response: "421 4.7.0 Try again later", attempt: "1" };
    case "open":
      return {
        ...base,
        event: "open",
        useragent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
        ip: "192.0.2.1",
        sg_machine_open: false,
      };
    case "click":
      return {
        ...base,
        event: "click",
        url: "https://praxis.example/termin",
        useragent: "Mozilla/5.0",
        ip: "192.0.2.1",
      };
    case "bounce:hard":
      return {
        ...base,
        event: "bounce",
        type: "bounce",
        status: "5.1.1",
        reason: "550 5.1.1 The email account that you tried to reach does not exist.",
        bounce_classification: "Invalid Address",
      };
    case "bounce:soft":
      return {
        ...base,
        event: "bounce",
        type: "blocked",
        status: "4.7.1",
        reason: "421 4.7.1 Rate limited",
        bounce_classification: "Frequency or Volume",
      };
    default:
      return { ...base, event: kind };
  }
}

function sentEvent(workspaceId: string, messageId: string, at: Date): NewRow<"message_events"> {
  return {
    id: newId("evt", at.getTime()),
    workspace_id: workspaceId,
    message_id: messageId,
    at,
    type: "sent",
    source: "provider",
    detail: "Accepted by SendGrid (202)",
    evidence: JSON.stringify({ status: 202 }),
    dedupe_key: "sent",
    error_code: null,
  };
}

/** The messages, inserted directly: the benchmark measures the events, not sending. */
async function seedMessages(rt: Runtime, workspaceId: string, count: number): Promise<Msg[]> {
  const msgs: Msg[] = [];
  const now = new Date();
  for (let start = 0; start < count; start += 1000) {
    const rows: NewRow<"messages">[] = [];
    for (let i = start; i < Math.min(count, start + 1000); i++) {
      const m = {
        id: newId("msg"),
        to: `patient${i}@example.com`,
        queueId: `SG${i.toString(36).padStart(8, "0")}`,
        mirror: newId("msg"),
      };
      msgs.push(m);
      for (const id of [m.id, m.mirror])
        rows.push({
          id,
          workspace_id: workspaceId,
          to_address: m.to,
          from_address: "praxis@example.org",
          subject: "Terminbestätigung",
          text_body: "Bis Montag.",
          attachments: "[]",
          message_id_header: `<${id}@example.org>`,
          return_path: `bounce+${id}@bounces.example.org`,
          send_state: "done",
          status: "sent",
          queue_id: id === m.id ? m.queueId : null,
          next_attempt_at: now,
          created_at: now,
          updated_at: now,
          sent_at: now,
        });
    }
    for (let k = 0; k < rows.length; k += 1000)
      await rt.db
        .insertInto("messages")
        .values(rows.slice(k, k + 1000))
        .execute();
    // Status 'sent' is what the worker's SMTP reply proved: its event is on every timeline before any
    // provider event arrives (a status is always derived from events, never stored without one).
    await rt.db
      .insertInto("message_events")
      .values(rows.map((r) => sentEvent(workspaceId, r.id, now)))
      .execute();
  }
  return msgs;
}

type Order = "time" | "message";

/** Events of all messages cut into batches of 1,000. In "time" order, as a provider reports a send-out: every
 * message's first event, then every second event, and so on, so a batch names about 1,000 messages. In
 * "message" order each message's events follow each other, so a batch names about 300. */
function batchesOf(msgs: Msg[], total: number, order: Order): Array<Array<Record<string, unknown>>> {
  const t0 = Math.floor(Date.now() / 1000) - 3600;
  const all: Array<{ n: number; i: number; e: Record<string, unknown> }> = [];
  for (const [i, m] of msgs.entries()) {
    for (const [n, kind] of lifeOf(i).entries())
      all.push({ n, i, e: sendgridEvent(m, kind, n, t0 + n * 600 + (i % 600)) });
    if (all.length >= total) break;
  }
  if (order === "time") all.sort((a, b) => a.n - b.n || a.i - b.i);
  const events = all.slice(0, total).map((x) => x.e);
  const out: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < events.length; i += BATCH) out.push(events.slice(i, i + BATCH));
  return out;
}

/** The same rows appendEvents writes for a batch, for the yardstick (own ids and dedupe keys). */
function plainRows(
  workspaceId: string,
  mirrors: Map<string, string>,
  batch: Array<Record<string, unknown>>,
): NewRow<"message_events">[] {
  const type: Record<string, string> = { open: "opened", click: "clicked", bounce: "soft_bounced" };
  return batch.map((e) => {
    const at = new Date(Number(e.timestamp) * 1000);
    return {
      id: newId("evt", at.getTime()),
      workspace_id: workspaceId,
      message_id: mirrors.get(String(e[MESSAGE_ID_ARG])) ?? "",
      at,
      type: type[String(e.event)] ?? String(e.event),
      source: "provider_webhook",
      detail: `SendGrid ${String(e.event)}`,
      evidence: JSON.stringify({ provider: "sendgrid", event: e }),
      dedupe_key: `plain:${String(e.sg_event_id)}`,
      error_code: null,
    };
  });
}

/** The request SendGrid would make for a batch: the body's bytes and their signature, made at delivery time
 * and before the batch is timed, as its plain INSERT's rows are. The bytes, not the text: fetch would encode
 * a string body inside the timed stretch (undici counts its UTF-8 length and copies it, ~2–3 ms of CPU per
 * 400 KB batch in this process under load) — work of SendGrid's client, another program, not Poststelle's. */
function signedRequest(
  url: string,
  batch: Array<Record<string, unknown>>,
  privateKey: KeyObject,
): SignedRequest {
  const body = new TextEncoder().encode(JSON.stringify(batch));
  const ts = String(Math.floor(Date.now() / 1000));
  return {
    url,
    body,
    headers: {
      "content-type": "application/json",
      "x-twilio-email-event-webhook-signature": sign(
        "sha256",
        Buffer.concat([Buffer.from(ts), body]),
        privateKey,
      ).toString("base64"),
      "x-twilio-email-event-webhook-timestamp": ts,
    },
  };
}

/** When V8 collects the young generation decides which side pays for it. Both sides run in this process,
 * one stretch after the other, and V8 scavenges whenever its 16 MB nursery fills — with whatever either side
 * or the harness left there — or in a task between two stretches: which stretch a scavenge lands in, and
 * whether it copies a request's live data or almost nothing, changes from run to run. Traced per stretch
 * (session 15, PGlite time order): in one run a scavenge landed in 17 of the 20 webhook stretches (9–44 ms
 * each, of ~100–300), in another in none, and the ratio moved 0.39 ↔ 0.58 with it. "stretch" (the default) gives
 * every side the same rule: the young generation is collected untimed before each stretch (what the
 * harness left: the plain rows, the signed bodies) and timed at its end (what that side left), so each side
 * pays for collecting its own garbage and no other's. A batch allocates ~7 MB on the webhook side and
 * ~4.5 MB on the plain side, less than the nursery, so a stretch rarely meets another scavenge; old-
 * generation collections stay where V8 puts them. "natural" leaves V8 alone (as before session 15). */
export type GcRule = "stretch" | "natural";

let exposedGc: ((options: object) => void) | undefined;
/** A synchronous young-generation collection (V8's gc() exposed for this process). */
function collectYoung(): void {
  if (!exposedGc) {
    v8.setFlagsFromString("--expose-gc");
    exposedGc = vm.runInNewContext("gc") as (options: object) => void;
  }
  exposedGc({ type: "minor", execution: "sync" });
}

async function runOn(
  db: BenchDb,
  events: number,
  concurrency: number,
  order: Order,
  pgUrl: string | undefined,
  gc: GcRule,
  client: ClientPlace,
): Promise<BenchResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-bench-events-"));
  const database = db === "postgres" ? await benchDatabase(pgUrl) : null;
  try {
    const config = loadConfig(process.env, { dataDir, databaseUrl: database?.url, logLevel: "warn" });
    const { rt, handle } = await openRuntime(config);
    const app = await buildApp(rt, { logger: false });
    const sendgrid = await sendgridClient(client);
    try {
      const url = await app.listen({ port: 0, host: "127.0.0.1" });
      const ws = await createWorkspace(rt, systemActor("bench"), "Webhook-Benchmark");
      const hook = `${url}/v1/webhooks/sendgrid/${ws.id}`;
      const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
      await createTransport(
        { rt, workspaceId: ws.id, actor: systemActor("bench") },
        {
          name: "sendgrid",
          kind: "sendgrid",
          config: {
            api_key: "SG.bench",
            base_url: "http://127.0.0.1:9",
            timeout_ms: 30_000,
            webhook: {
              public_key: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
              max_age_seconds: 300,
            },
          },
        },
      );
      const msgs = await seedMessages(rt, ws.id, Math.ceil(events / 3) + 10);
      const batches = batchesOf(msgs, events, order);
      // Planner statistics, as a send-out's messages have them long before its events come back: PostgreSQL's
      // autovacuum analyses a table once enough of it changed (checked every minute), and so does the worker
      // role's loop on PGlite (src/db/analyze.ts, the same rule). Without them PostgreSQL planned a batch from
      // a messages table it took for nearly empty: the lock read the workspace's 13,000 messages through its
      // workspace index to find the batch's 1,000 (25 ms instead of 4.5), the status update hashed them all.
      await analyzeChangedTables(rt.db);
      const mirrors = new Map(msgs.map((m) => [m.id, m.mirror]));
      progress(
        `${db}: ${msgs.length} messages, ${batches.length} batches of ${BATCH} events in ${order} order`,
      );
      const rss = sampleRss();
      const postmaster = database ? await postmasterPid(database.url) : null;
      // CPU per side, summed over the phases of each (the samples are taken outside the timed stretches):
      // on a shared machine it says whether the work itself got cheaper, where the rates swing with load.
      const plainCpu = cpuTally();
      const webhookCpu = cpuTally();
      let webhookMs = 0;
      let plainMs = 0;
      let stored = 0;
      // Under the "stretch" rule: each side's end-of-stretch collections, their time (inside the side's).
      const gcMs = { plain: 0, webhook: 0 };
      const gcCpuMs = { plain: 0, webhook: 0 };
      const endStretch = (side: "plain" | "webhook") => {
        if (gc !== "stretch") return;
        const g0 = performance.now();
        const u0 = process.cpuUsage();
        collectYoung();
        const u = process.cpuUsage(u0);
        gcCpuMs[side] += (u.user + u.system) / 1000;
        gcMs[side] += performance.now() - g0;
      };
      // Twice: what the harness made for the stretch (the plain rows, the signed requests) survives two
      // collections and so leaves the nursery, where the stretch's closing collection would copy it again.
      const startStretch = () => {
        if (gc !== "stretch") return;
        collectYoung();
        collectYoung();
      };
      // Rounds of `concurrency` batches: first their plain INSERTs (the yardstick), then the same batches as
      // webhook requests, each side with the same number in flight; round by round both see the same table.
      for (let i = 0; i < batches.length; i += concurrency) {
        const round = batches.slice(i, i + concurrency);
        const rows = round.map((b) => plainRows(ws.id, mirrors, b));
        startStretch();
        let c0 = sampleCpu([], postmaster);
        const p0 = performance.now();
        await Promise.all(
          rows.map((r) =>
            rt.db.transaction().execute((tx) => tx.insertInto("message_events").values(r).execute()),
          ),
        );
        endStretch("plain");
        plainMs += performance.now() - p0;
        plainCpu.add(c0, sampleCpu([], postmaster));
        const requests = round.map((b) => signedRequest(hook, b, privateKey));
        await sendgrid.load(requests);
        startStretch();
        c0 = sampleCpu([], postmaster);
        const w0 = performance.now();
        const answers = await sendgrid.post();
        endStretch("webhook");
        webhookMs += performance.now() - w0;
        webhookCpu.add(c0, sampleCpu([], postmaster));
        stored += answers.reduce((n, a) => n + a, 0);
        if (Math.floor((i + round.length) / 10) > Math.floor(i / 10)) {
          progress(`${db}:   ${i + round.length} of ${batches.length} batches`);
        }
      }
      const peak = rss.stop();
      const counts = await sql<{ status: string; n: number }>`
        select status, count(*)::int as n from messages
         where workspace_id = ${ws.id} and queue_id is not null group by status`.execute(rt.db);
      // How many message updates were HOT (migration 160); PostgreSQL publishes the counts within a second.
      await new Promise((r) => setTimeout(r, 1500));
      const hot = await sql<{ upd: number; hot: number }>`
        select n_tup_upd::int as upd, n_tup_hot_upd::int as hot from pg_stat_user_tables
         where relname = 'messages'`.execute(rt.db);
      const blocked = await sql<{ n: number }>`
        select count(*)::int as n from blocklist where workspace_id = ${ws.id}`.execute(rt.db);
      const total = batches.reduce((n, b) => n + b.length, 0);
      if (stored !== total) throw new Error(`stored ${stored} of ${total} events`);
      const rate = total / (webhookMs / 1000);
      const yardstick = total / (plainMs / 1000);
      return {
        bench: "events",
        db,
        rate,
        yardstick_rate: yardstick,
        ratio: rate / yardstick,
        peak_rss_mb: peak,
        events: total,
        batch: BATCH,
        order,
        concurrency,
        gc,
        client,
        // As strings: the report rounds other numbers to whole units.
        webhook_gc_ms_per_batch: (gcMs.webhook / batches.length).toFixed(2),
        plain_gc_ms_per_batch: (gcMs.plain / batches.length).toFixed(2),
        webhook_gc_cpu_ms_per_batch: (gcCpuMs.webhook / batches.length).toFixed(2),
        plain_gc_cpu_ms_per_batch: (gcCpuMs.plain / batches.length).toFixed(2),
        webhook_s: webhookMs / 1000,
        insert_s: plainMs / 1000,
        ms_per_batch: webhookMs / batches.length,
        messages: msgs.length,
        ...Object.fromEntries(counts.rows.map((r) => [`status_${r.status}`, r.n])),
        blocked: blocked.rows[0]?.n ?? 0,
        ...webhookCpu.perEvent("webhook", total),
        ...plainCpu.perEvent("plain", total),
        // As strings: the report rounds other numbers to whole units.
        cpu_ratio: (plainCpu.total() / webhookCpu.total()).toFixed(3),
        load_1m: os.loadavg()[0].toFixed(1),
        hot_update_share: hot.rows[0]?.upd ? (hot.rows[0].hot / hot.rows[0].upd).toFixed(2) : null,
        goal_met: rate / yardstick >= GOAL,
      };
    } finally {
      sendgrid.close();
      await app.close();
      await handle.close();
    }
  } finally {
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** CPU seconds of one side (app: this process, which holds PGlite's database too; db: the PostgreSQL server). */
function cpuTally() {
  const sum = { app: 0, db: 0 };
  return {
    add(before: CpuSample, after: CpuSample) {
      sum.app += after.app - before.app;
      if (after.db !== null && before.db !== null) sum.db += after.db - before.db;
    },
    total: () => sum.app + sum.db,
    perEvent: (side: string, events: number) => ({
      [`${side}_app_cpu_us_per_event`]: (sum.app / events) * 1e6,
      [`${side}_db_cpu_us_per_event`]: (sum.db / events) * 1e6,
    }),
  };
}

/** Where SendGrid's HTTP client runs. "process" (the default): a process of its own
 * (bench/lib/sendgrid-client.ts), as SendGrid posts from its own machines — its client's CPU (undici writing
 * the body, reading and parsing the answer: ~5 % of the webhook side's CPU in this process, session 14's
 * profile) is not Poststelle's. The round's signed requests are handed to it before the round is timed; the
 * timed stretch runs from telling it to post until it reports the answers. "inline": fetch in this process
 * (as before session 15). The requests are the same bytes either way. */
export type ClientPlace = "process" | "inline";

const clientScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "lib", "sendgrid-client.ts");

export async function sendgridClient(place: ClientPlace) {
  if (place === "inline") {
    let loaded: SignedRequest[] = [];
    return {
      load: async (requests: SignedRequest[]) => {
        loaded = requests;
      },
      post: () => Promise.all(loaded.map(postWebhook)),
      close: () => {},
    };
  }
  const child = fork(clientScript, [], {
    execArgv: ["--import", "tsx"],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ask = (command: ClientCommand) =>
    new Promise<ClientReply>((resolve, reject) => {
      const exit = (code: number | null) => reject(new Error(`the SendGrid client exited (${code})`));
      child.once("exit", exit);
      child.once("message", (m: ClientReply) => {
        child.off("exit", exit);
        resolve(m);
      });
      child.send(command);
    });
  return {
    load: async (requests: SignedRequest[]) => {
      const r = await ask({ kind: "load", requests });
      if (r.kind !== "loaded") throw new Error(`the SendGrid client answered ${JSON.stringify(r)}`);
    },
    post: async () => {
      const r = await ask({ kind: "post" });
      if (r.kind !== "posted") throw new Error(`SendGrid's post failed: ${JSON.stringify(r)}`);
      return r.stored;
    },
    close: () => child.disconnect(),
  };
}

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const events = Number(opts.args.events ?? 20_000);
  if (!Number.isInteger(events) || events < BATCH)
    throw new Error(`--events must be a whole number of at least ${BATCH}`);
  const results: BenchResult[] = [];
  const concurrency = Number(opts.args.concurrency ?? 1);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) {
    throw new Error("--concurrency must be a whole number from 1 to 16");
  }
  const orders = (opts.args.order ?? "time,message").split(",");
  if (!orders.every((o): o is Order => o === "time" || o === "message")) {
    throw new Error("--order must be time, message or time,message");
  }
  const gc = opts.args.gc ?? "stretch";
  if (gc !== "stretch" && gc !== "natural") throw new Error("--gc must be stretch or natural");
  const client = opts.args.client ?? "process";
  if (client !== "process" && client !== "inline") throw new Error("--client must be process or inline");
  for (const db of opts.db) {
    for (const order of orders as Order[])
      results.push(await runOn(db, events, concurrency, order, opts.pgUrl, gc, client));
  }
  return results;
}
