// Issue 3 item 10 (DESIGN §3.3, §3.15): several worker processes share one PostgreSQL queue. Two real
// `poststelle serve --role worker` processes send 2,000 queued messages to an in-process SMTP sink; every
// Message-ID must arrive exactly once. PGlite is one process by nature, so this runs on PostgreSQL only.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { type ScriptedSmtp, startScriptedSmtp } from "../../test/scripted-smtp.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const MESSAGES = 2000;
const onPostgres = Boolean(process.env.DATABASE_URL);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface WorkerProcess {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | null>;
  output: () => string;
}

/** `poststelle serve --role worker` against the test database, exactly as an operator would run it. */
function startWorkerProcess(databaseUrl: string): WorkerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve", "--role", "worker"], {
    cwd: repo,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: "warn",
      POSTSTELLE_WORKER_BATCH: "25",
      POSTSTELLE_WORKER_POLL_MS: "20",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("Poststelle (worker)")) resolve();
    });
    child.stderr!.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.once("exit", (code) => reject(new Error(`worker exited early (${code}):\n${out}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, ready, exited, output: () => out };
}

describe.skipIf(!onPostgres)("scale-out on PostgreSQL (skipped: set DATABASE_URL to run it)", () => {
  let env: TestEnv;
  let sink: ScriptedSmtp;
  const workers: WorkerProcess[] = [];

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
    await sink?.close();
    await env?.close();
  });

  it("two worker processes send 2,000 queued messages, each exactly once", { timeout: 180_000 }, async () => {
    env = await createTestEnv();
    sink = await startScriptedSmtp();
    const c = api(env.app, env.ws.admin);
    const t = await c.post("/v1/transports", {
      name: "sink",
      kind: "smtp",
      config: { host: "127.0.0.1", port: sink.port, starttls: "off", pool_size: 4 },
      is_default: true,
    });
    expect(t.status, t.text).toBe(201);

    workers.push(startWorkerProcess(env.db.url!), startWorkerProcess(env.db.url!));
    await Promise.all(workers.map((w) => w.ready));

    for (let i = 0; i < MESSAGES; i += 500) {
      const r = await c.post("/v1/messages/batch", {
        messages: Array.from({ length: 500 }, (_, k) => ({
          to: `kunde${i + k}@example.org`,
          from: "versand@example.org",
          subject: `Versandbestätigung ${i + k}`,
          text: "Ihre Bestellung ist unterwegs.",
        })),
      });
      expect(r.status, r.text.slice(0, 300)).toBe(202);
    }

    const deadline = Date.now() + 150_000;
    for (;;) {
      const r = await sql<{ n: number }>`
        select count(*)::int as n from messages where send_state in ('queued', 'sending')`.execute(env.rt.db);
      if (r.rows[0].n === 0) break;
      if (Date.now() > deadline)
        throw new Error(
          `still ${r.rows[0].n} unsent; worker output:\n${workers.map((w) => w.output()).join("\n")}`,
        );
      await sleep(100);
    }
    for (const w of workers) w.child.kill("SIGTERM");
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);

    const ids = (await env.rt.db.selectFrom("messages").select("id").execute()).map((r) => r.id);
    expect(ids).toHaveLength(MESSAGES);
    const arrived = sink.received.map((m) => /^Message-ID: <([^@>]+)@/im.exec(m.raw.toString("latin1"))?.[1]);
    const perId = new Map<string, number>();
    for (const id of arrived) perId.set(String(id), (perId.get(String(id)) ?? 0) + 1);
    expect(sink.received).toHaveLength(MESSAGES);
    expect([...perId.values()].every((n) => n === 1)).toBe(true);
    expect([...perId.keys()].sort()).toEqual([...ids].sort());

    const statuses = await sql<{ status: string; n: number }>`
      select status, count(*)::int as n from messages group by status`.execute(env.rt.db);
    expect(statuses.rows).toEqual([{ status: "sent", n: MESSAGES }]);
    // Both processes took part: the sent events name the worker that sent each message.
    const owners = await sql<{ worker: string; n: number }>`
      select evidence->>'worker' as worker, count(*)::int as n from message_events
       where type = 'sent' group by 1`.execute(env.rt.db);
    expect(owners.rows).toHaveLength(2);
  });
});
