// A campaign worker as its own process, for fault injection (issue 4 "No double send"): it opens the
// database from the environment (DATABASE_URL, or PGlite in POSTSTELLE_DATA_DIR), runs the campaign worker
// and nothing else, says "worker ready" on stdout, and is killed with SIGKILL by the test at random points.
// With FAULT_EXIT_WHEN_DONE=1 it stops by itself once no campaign is in progress (the PGlite run: the
// test cannot look into the database while this process holds it). With FAULT_WAIT_FOR_GO=1 it loads its
// code, says "loaded" and waits for a line on stdin before it opens the database: the test keeps a spare
// warm, so that a restart after a kill is immediate (loading the code takes seconds on a busy machine).
import readline from "node:readline";
import { sql } from "kysely";
import pino from "pino";
import { CampaignWorker } from "../../src/campaigns/worker.js";
import { loadConfig } from "../../src/config/index.js";
import { openDatabase } from "../../src/db/index.js";
import type { Runtime } from "../../src/runtime.js";
import { instanceSecret } from "../../src/workspaces/service.js";

if (process.env.FAULT_WAIT_FOR_GO === "1") {
  process.stdout.write("loaded\n");
  const lines = readline.createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once("line", () => resolve()));
  lines.close();
}

// The database is migrated already (by the test); a worker does not migrate, so this file can run bundled.
const config = loadConfig(process.env);
const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
const rt: Runtime = {
  db: handle.db,
  dbKind: handle.kind,
  config,
  secret: await instanceSecret(handle.db),
  log: pino({ level: config.logLevel }),
  now: () => new Date(),
};
const worker = new CampaignWorker(rt, {
  owner: process.env.FAULT_OWNER,
  lanes: Number(process.env.FAULT_LANES ?? 1),
  batchSize: Number(process.env.FAULT_BATCH ?? 25),
  markGroup: process.env.FAULT_GROUP ? Number(process.env.FAULT_GROUP) : undefined,
  recordGroup: process.env.FAULT_GROUP ? Number(process.env.FAULT_GROUP) : undefined,
  pollMs: 20,
});
const running = worker.start();
process.stdout.write("worker ready\n");

async function shutdown(code: number) {
  await running.stop();
  await handle.close();
  process.exit(code);
}

process.on("SIGTERM", () => void shutdown(0));

if (process.env.FAULT_EXIT_WHEN_DONE === "1") {
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    const r = await sql<{ n: number }>`
      select count(*)::int as n from campaigns where state in ('in_progress', 'waiting_for_continuation')`.execute(
      rt.db,
    );
    if (Number(r.rows[0].n) === 0) await shutdown(0);
  }
}
