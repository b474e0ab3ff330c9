// PGlite in its worker thread (pglite-thread.ts, pglite-worker-source.ts): values come back as PGlite gives them,
// errors keep PostgreSQL's fields, a transaction holds the one connection, close flushes so the data
// directory reopens, a lost thread fails its queries instead of hanging, and an open database does not keep
// the process alive. These open PGlite whatever DATABASE_URL says: they test the embedded engine.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DbHandle, openDatabase } from "./index.js";
import { PGliteThread } from "./pglite-thread.js";

/** A thread that opens at once and answers every query with { v: 42 } after 300 ms. */
const SLOW_STAND_IN = `const { parentPort } = require("node:worker_threads");
  parentPort.postMessage({ id: 0, ready: true });
  parentPort.on("message", (m) => setTimeout(() => parentPort.postMessage({ id: m.id, rows: [{ v: 42 }] }), 300));`;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("PGlite in a worker thread", () => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await openDatabase({});
    await sql`create table t (id int primary key, note text constraint note_unique unique, at timestamptz)`.execute(
      h.db,
    );
  }, 120_000);
  afterAll(() => h?.close());

  it("returns every type the schema uses as PGlite gives it, across the thread", async () => {
    const at = new Date("2026-11-23T21:00:00.123Z");
    const bytes = Buffer.from([0, 1, 254, 255]);
    const r = await sql<Record<string, unknown>>`select
        ${at}::timestamptz as at, ${bytes}::bytea as bytes, 9007199254740991::int8 as big, 7::int4 as small,
        12.50::numeric as num, '{"a":[1,{"b":null}]}'::jsonb as doc, '[1,"x"]'::json as arr_doc,
        '"Grüße"'::jsonb as doc_text, 'null'::jsonb as doc_null, null::jsonb as no_doc, null::text as nothing, array['a','b']::text[] as tags, true as yes, 'ä€'::text as umlaut,
        '00000000-0000-4000-8000-000000000000'::uuid as uid, interval '1 day' as span`.execute(h.db);
    const row = r.rows[0];
    expect(row.at).toBeInstanceOf(Date);
    expect((row.at as Date).toISOString()).toBe(at.toISOString());
    expect(row.bytes).toBeInstanceOf(Uint8Array);
    expect([...(row.bytes as Uint8Array)]).toEqual([0, 1, 254, 255]);
    expect(row.big).toBe(9007199254740991);
    expect(row.small).toBe(7);
    expect(row.num).toBe("12.50");
    expect(row.doc).toEqual({ a: [1, { b: null }] });
    expect(row.arr_doc).toEqual([1, "x"]);
    expect(row.doc_text).toBe("Grüße");
    expect(row.doc_null).toBeNull();
    expect(row.no_doc).toBeNull();
    expect(row.nothing).toBeNull();
    expect(row.tags).toEqual(["a", "b"]);
    expect(row.yes).toBe(true);
    expect(row.umlaut).toBe("ä€");
    expect(row.uid).toBe("00000000-0000-4000-8000-000000000000");
    expect(row.span).toBe("1 day");
  });

  it("reports affected rows and keeps PostgreSQL's error fields (code, constraint, detail)", async () => {
    const ins = await h.db
      .insertInto("t" as never)
      .values([
        { id: 1, note: "eins" },
        { id: 2, note: "zwei" },
      ] as never)
      .executeTakeFirst();
    expect(ins.numInsertedOrUpdatedRows).toBe(2n);
    const err = await sql`insert into t (id, note) values (3, 'eins')`.execute(h.db).then(
      () => null,
      (e: unknown) => e as Record<string, unknown> & Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err?.code).toBe("23505");
    expect(err?.constraint).toBe("note_unique");
    expect(err?.detail).toContain("(note)=(eins)");
    expect(err?.message).toContain("duplicate key");
    // A failed statement leaves the connection usable.
    const n = await sql<{ n: number }>`select count(*)::int as n from t`.execute(h.db);
    expect(n.rows[0].n).toBe(2);
  });

  it("runs several statements in one string (migration files) and returns the last one's rows", async () => {
    const r = await sql<{
      v: number;
    }>`${sql.raw("create temp table m (v int); insert into m values (41); select v + 1 as v, json_build_object('v', v) as j from m;")}`.execute(
      h.db,
    );
    expect(r.rows).toEqual([{ v: 42, j: { v: 41 } }]);
  });

  it("lets a transaction hold the one connection until it commits", async () => {
    const seen: string[] = [];
    let outside: Promise<unknown> = Promise.resolve();
    await h.db.transaction().execute(async (tx) => {
      await sql`insert into t (id, note) values (10, 'zehn')`.execute(tx);
      outside = sql<{ n: number }>`select count(*)::int as n from t where id = 10`
        .execute(h.db)
        .then((r) => seen.push(`outside saw ${r.rows[0].n}`));
      await new Promise((r) => setTimeout(r, 50));
      seen.push("commit");
    });
    await outside;
    expect(seen).toEqual(["commit", "outside saw 1"]);
  });
});

describe("the PGlite thread's life", () => {
  it("closes so the data directory reopens with what was written", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-thread-"));
    try {
      const a = await openDatabase({ dataDir });
      await sql`create table kept (v text)`.execute(a.db);
      await sql`insert into kept values ('Grüße')`.execute(a.db);
      await a.close();
      const b = await openDatabase({ dataDir });
      const r = await sql<{ v: string }>`select v from kept`.execute(b.db);
      await b.close();
      expect(r.rows).toEqual([{ v: "Grüße" }]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it("fails the queries of a thread that died, with a clear error, instead of hanging", async () => {
    // A stand-in that opens, then dies on the first query (as a thread hitting a fatal error would).
    const thread = await PGliteThread.open({
      workerSource: `const { parentPort } = require("node:worker_threads");
        parentPort.postMessage({ id: 0, ready: true });
        parentPort.on("message", () => process.exit(3));`,
    });
    const pending = thread.query("select 1", []);
    await expect(pending).rejects.toThrow(/PGlite's thread ended \(exit code 3\)/);
    await expect(thread.query("select 1", [])).rejects.toThrow(/embedded database is unavailable/);
    await thread.close();
  });

  it("fails to open with the engine's error when the data directory cannot be used", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-thread-")), "not-a-dir");
    fs.writeFileSync(file, "x");
    await expect(PGliteThread.open({ dataDir: file })).rejects.toThrow();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }, 60_000);

  it("does not keep the process alive when it was never closed, and keeps it while a query waits", () => {
    // A child process asks a slow stand-in thread one question and never closes it: it must print the
    // answer (the thread is referenced while a query waits) and then end by itself (unreferenced when idle).
    // The stand-in answers after 300 ms with its own timer, which alone would not hold the process.
    const script = `
      import { PGliteThread } from "./src/db/pglite-thread.ts";
      const thread = await PGliteThread.open({ workerSource: ${JSON.stringify(SLOW_STAND_IN)} });
      const r = await thread.query("select 42 as v", []);
      console.log("answer", r.rows[0].v);`;
    const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: root,
      encoding: "utf8",
      timeout: 90_000,
    });
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("answer 42");
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
  }, 120_000);
});
