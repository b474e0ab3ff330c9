// Issue 3 item 10 (DESIGN §3.3, §3.4, §3.15, §6): several worker processes share one PostgreSQL queue.
// Real `poststelle serve --role worker` processes send to an in-process SMTP sink: every Message-ID
// arrives exactly once, and a worker killed with SIGKILL mid-batch leaves its messages `unknown`, never
// resent. PGlite is one process by nature, so these run on PostgreSQL only.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { cliArgs } from "../../test/cli-entry.js";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { type ScriptedSmtp, startScriptedSmtp } from "../../test/scripted-smtp.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const onPostgres = Boolean(process.env.DATABASE_URL);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface WorkerProcess {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | null>;
  output: () => string;
}

/** `poststelle serve --role worker` against the test database, exactly as an operator would run it. */
function startWorkerProcess(databaseUrl: string, env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, [...cliArgs(), "serve", "--role", "worker"], {
    cwd: repo,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: "warn",
      POSTSTELLE_WORKER_BATCH: "25",
      POSTSTELLE_WORKER_POLL_MS: "20",
      ...env,
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
  let env: TestEnv | undefined;
  let sink: ScriptedSmtp | undefined;
  let workers: WorkerProcess[] = [];

  afterEach(async () => {
    for (const w of workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
    workers = [];
    await sink?.close();
    await env?.close();
  });

  async function setUp() {
    env = await createTestEnv();
    sink = await startScriptedSmtp();
    const t = await api(env.app, env.ws.admin).post("/v1/transports", {
      name: "sink",
      kind: "smtp",
      config: { host: "127.0.0.1", port: sink.port, starttls: "off", pool_size: 4 },
      is_default: true,
    });
    expect(t.status, t.text).toBe(201);
    return { env, sink };
  }

  async function submit(e: TestEnv, count: number) {
    for (let i = 0; i < count; i += 500) {
      const r = await api(e.app, e.ws.editor).post("/v1/messages/batch", {
        messages: Array.from({ length: Math.min(500, count - i) }, (_, k) => ({
          to: `kunde${i + k}@example.org`,
          from: "versand@example.org",
          subject: `Versandbestätigung ${i + k}`,
          text: "Ihre Bestellung ist unterwegs.",
        })),
      });
      expect(r.status, r.text.slice(0, 300)).toBe(202);
    }
  }

  async function waitUntilNothingUnsent(e: TestEnv, seconds: number) {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const r = await sql<{ n: number }>`
        select count(*)::int as n from messages where send_state in ('queued', 'sending')`.execute(e.rt.db);
      if (r.rows[0].n === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `still ${r.rows[0].n} unsent; workers said:\n${workers.map((w) => w.output()).join("\n")}`,
        );
      }
      await sleep(100);
    }
  }

  /** Message id → how often the sink received it. */
  function arrivals(s: ScriptedSmtp): Map<string, number> {
    const per = new Map<string, number>();
    for (const m of s.received) {
      const id = String(/^Message-ID: <([^@>]+)@/im.exec(m.raw.toString("latin1"))?.[1]);
      per.set(id, (per.get(id) ?? 0) + 1);
    }
    return per;
  }

  const statusCounts = async (e: TestEnv) =>
    Object.fromEntries(
      (
        await sql<{
          status: string;
          n: number;
        }>`select status, count(*)::int as n from messages group by status`.execute(e.rt.db)
      ).rows.map((r) => [r.status, r.n]),
    );

  it("two worker processes send 2,000 queued messages, each exactly once", { timeout: 180_000 }, async () => {
    const { env: e, sink: s } = await setUp();
    workers = [startWorkerProcess(e.db.url!), startWorkerProcess(e.db.url!)];
    await Promise.all(workers.map((w) => w.ready));
    await submit(e, 2000);
    await waitUntilNothingUnsent(e, 150);
    for (const w of workers) w.child.kill("SIGTERM");
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);

    const ids = (await e.rt.db.selectFrom("messages").select("id").execute()).map((r) => r.id);
    const per = arrivals(s);
    expect(s.received).toHaveLength(2000);
    expect([...per.values()].every((n) => n === 1)).toBe(true);
    expect([...per.keys()].sort()).toEqual([...ids].sort());
    expect(await statusCounts(e)).toEqual({ sent: 2000 });
    // Both processes took part: the sent events name the worker that sent each message.
    const owners = await sql<{ worker: string }>`
      select distinct evidence->>'worker' as worker from message_events where type = 'sent'`.execute(e.rt.db);
    expect(owners.rows).toHaveLength(2);
  });

  it("a worker killed mid-batch leaves its messages unknown; nothing is sent twice", {
    timeout: 180_000,
  }, async () => {
    const { env: e, sink: s } = await setUp();
    // A slow relay keeps transactions in flight, so the kill lands in the middle of a batch.
    s.script = { data: () => sleep(15).then(() => null) };
    const lease = { POSTSTELLE_WORKER_LEASE_SECONDS: "5" };
    workers = [startWorkerProcess(e.db.url!, lease), startWorkerProcess(e.db.url!, lease)];
    await Promise.all(workers.map((w) => w.ready));
    await submit(e, 600);
    while (s.received.length < 100) await sleep(20);
    workers[0].child.kill("SIGKILL");
    await workers[0].exited;
    // The survivor sends the rest and, once the dead worker's leases have run out, reaps them.
    await waitUntilNothingUnsent(e, 150);

    const per = arrivals(s);
    expect([...per.values()].every((n) => n === 1)).toBe(true);
    const counts = await statusCounts(e);
    expect((counts.sent ?? 0) + (counts.unknown ?? 0)).toBe(600);
    expect(counts.unknown).toBeGreaterThan(0);
    const sent = await e.rt.db.selectFrom("messages").select("id").where("status", "=", "sent").execute();
    for (const m of sent) expect(per.get(m.id)).toBe(1);
    const unknown = await e.rt.db
      .selectFrom("message_events")
      .select(["detail"])
      .where("type", "=", "unknown")
      .execute();
    expect(unknown).toHaveLength(counts.unknown);
    expect(unknown[0].detail).toMatch(/not resent automatically/);
  });
});
