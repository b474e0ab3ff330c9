// Issue 3: an import whose process dies mid-file is resumed from the last committed row. A real child process
// imports a 5,000-row file and is killed with SIGKILL after its second batch; the import then shows as
// interrupted and resumable, POST /v1/imports/{id}/resume-equivalent resumeImport goes on after the last
// committed row, and in the end every row has exactly one outcome and every address exactly one contact.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, describe, expect, inject, it } from "vitest";
import { cliArgs } from "../../test/cli-entry.js";
import { createTestDb } from "../../test/harness.js";
import { loadConfig } from "../config/index.js";
import { type DbHandle, openDatabase } from "../db/index.js";
import { type Runtime, systemActor } from "../runtime.js";
import { createWorkspace, instanceSecret } from "../workspaces/service.js";
import { claimResume, importOut } from "./import.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ROWS = 5000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-import-resume-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Where the child finds the database, and how the test opens it (one process at a time on PGlite). */
async function database(): Promise<{
  env: Record<string, string>;
  open(): Promise<DbHandle>;
  drop(): Promise<void>;
}> {
  if (process.env.DATABASE_URL) {
    const t = await createTestDb();
    await t.handle.close();
    const url = t.url ?? "";
    return {
      env: { DATABASE_URL: url },
      open: () => openDatabase({ databaseUrl: url }),
      drop: () => t.drop(),
    };
  }
  const dataDir = path.join(dir, "data");
  fs.mkdirSync(dataDir, { recursive: true });
  const seed = new PGlite({
    dataDir: path.join(dataDir, "pglite"),
    loadDataDir: new Blob([fs.readFileSync(inject("pgliteDump"))]),
  });
  await seed.waitReady;
  await seed.close();
  return {
    env: { POSTSTELLE_DATA_DIR: dataDir, DATABASE_URL: "" },
    open: () => openDatabase({ dataDir }),
    drop: async () => {},
  };
}

async function runtimeOf(h: DbHandle, now: () => Date): Promise<Runtime> {
  return {
    db: h.db,
    dbKind: h.kind,
    config: loadConfig({}, { logLevel: "silent" }),
    secret: await instanceSecret(h.db),
    log: pino({ level: "silent" }),
    now,
  };
}

/** Runs the `poststelle` CLI in a child process against the test's database. */
function cli(env: Record<string, string>, args: string[]) {
  return spawnSync(process.execPath, [...cliArgs(), ...args], {
    cwd: repo,
    env: { ...process.env, ...env, LOG_LEVEL: "silent" },
    encoding: "utf8",
  });
}

/** Starts the importing child; resolves once it has committed `batches` batches, then kills it. */
function importAndKill(env: Record<string, string>, batches: number): Promise<string> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "src/contacts/import-proc.testkit.ts"],
    {
      cwd: repo,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stderr?.on("data", (d) => {
    err += String(d);
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (d) => {
      out += String(d);
      if (out.includes(`batch ${batches}\n`)) child.kill("SIGKILL");
    });
    child.once("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(out);
      else reject(new Error(`the import process ended by itself (${code}): ${out}\n${err}`));
    });
  });
}

describe("an import whose process died", () => {
  it("is resumed after the last committed row: every row once, every address one contact", async () => {
    const db = await database();
    const file = path.join(dir, "patienten.csv");
    const lines = ["Vorname;Nachname;E-Mail"];
    for (let i = 0; i < ROWS; i++) lines.push(`Anna${i};Muster;anna.${i}@praxis.example`);
    // A duplicate of row 2 late in the file: found again after the resume through the import's own keys.
    lines.push("Anna;Doppelt;anna.0@praxis.example");
    fs.writeFileSync(file, `${lines.join("\r\n")}\r\n`);

    let h = await db.open();
    const ws = await createWorkspace(await runtimeOf(h, () => new Date()), systemActor("test"), "Praxis");
    await h.close();
    const out = await importAndKill(
      { ...db.env, IMPORT_FILE: file, IMPORT_WORKSPACE: ws.id, LOG_LEVEL: "silent" },
      2,
    );
    expect(out).toContain("batch 2");

    h = await db.open();
    try {
      // Later than the dead process's lease: the import now counts as interrupted.
      const later = () => new Date(Date.now() + 10 * 60_000);
      let rt = await runtimeOf(h, later);
      const [imp] = await rt.db.selectFrom("imports").selectAll().where("workspace_id", "=", ws.id).execute();
      const shown = importOut(imp, later());
      expect(shown).toMatchObject({ status: "failed", resumable: true, interrupted: true });
      expect(shown.counts.processed).toBeGreaterThanOrEqual(2000);
      expect(shown.counts.processed).toBeLessThan(ROWS);
      expect(shown.error).toContain(`/v1/imports/${imp.id}/resume`);

      // The CLI refuses while the lease of the dead process still runs, and says why.
      await h.close();
      const early = cli(db.env, ["import", "resume", imp.id, "--workspace", ws.id]);
      expect(early.status).not.toBe(0);
      expect(early.stderr).toContain("still running in a live process");
      // Time passes (the lease lapses); then `poststelle import resume` goes on after the last committed row.
      h = await db.open();
      await h.db
        .updateTable("imports")
        .set({ lease_until: new Date(Date.now() - 1000) })
        .execute();
      await h.close();
      const resumed = cli(db.env, ["import", "resume", imp.id, "--workspace", ws.id]);
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain(`${ROWS + 1} rows: ${ROWS} created, 0 updated, 1 skipped, 0 rejected`);
      expect(resumed.stdout).toContain("skipped: row");
      h = await db.open();
      rt = await runtimeOf(h, later);
      const [done] = await rt.db.selectFrom("imports").selectAll().where("id", "=", imp.id).execute();
      expect(done).toMatchObject({
        status: "completed",
        processed_rows: ROWS + 1,
        created_count: ROWS,
        skipped_count: 1,
      });
      const rows = await sql<{ n: number; distinct_rows: number }>`
        select count(*)::int as n, count(distinct row_number)::int as distinct_rows from import_rows
         where import_id = ${imp.id}`.execute(rt.db);
      expect(rows.rows[0]).toEqual({ n: ROWS + 1, distinct_rows: ROWS + 1 });
      const contacts = await sql<{ n: number; keys: number }>`
        select count(*)::int as n, count(distinct email_keys[1])::int as keys from contacts
         where workspace_id = ${ws.id}`.execute(rt.db);
      expect(contacts.rows[0]).toEqual({ n: ROWS, keys: ROWS });
      // A finished import is not resumed again.
      await expect(
        claimResume({ rt, workspaceId: ws.id, actor: systemActor("test") }, imp.id),
      ).rejects.toThrow(/completed; there is nothing to resume/);
    } finally {
      await h.close();
      await db.drop();
    }
  }, 300_000);
});
