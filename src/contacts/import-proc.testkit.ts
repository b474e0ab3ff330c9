// A CSV import as its own process, for the kill-and-resume test (import-resume.test.ts): it opens the database
// from the environment (DATABASE_URL, or PGlite in POSTSTELLE_DATA_DIR), imports IMPORT_FILE into
// IMPORT_WORKSPACE, says "batch N" on stdout after each committed batch and then holds still for a moment,
// so that the test's SIGKILL lands between two batches or inside the next one.
import pino from "pino";
import { loadConfig } from "../config/index.js";
import { openDatabase } from "../db/index.js";
import { type Runtime, systemActor } from "../runtime.js";
import { instanceSecret } from "../workspaces/service.js";
import { importFile } from "./import.js";

const config = loadConfig(process.env);
const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
const rt: Runtime = {
  db: handle.db,
  dbKind: handle.kind,
  config,
  secret: await instanceSecret(handle.db),
  log: pino({ level: "silent" }),
  now: () => new Date(),
};
const file = process.env.IMPORT_FILE ?? "";
const pause = new Int32Array(new SharedArrayBuffer(4));
let batches = 0;
await importFile(
  { rt, workspaceId: process.env.IMPORT_WORKSPACE ?? "", actor: systemActor("cli import") },
  { filePath: file, filename: "patienten.csv", dryRun: false, onDuplicate: "skip" },
  (p) => {
    if (p.processed === 0) return;
    process.stdout.write(`batch ${++batches}\n`);
    Atomics.wait(pause, 0, 0, 300);
  },
);
process.stdout.write("done\n");
await handle.close();
