// PGlite's data directory on disk (emscripten's NODEFS): a missing fork file is answered without Node's
// exception, and PostgreSQL sees the same files as before. A PGlite of its own in a temporary directory,
// whatever DATABASE_URL says: the file system is PGlite's alone.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openDatabase } from "./index.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("PGlite's data directory", () => {
  it("answers a missing free-space map without an exception, and finds the maps that exist", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-pglite-fs-"));
    const handle = await openDatabase({ dataDir: dir });
    try {
      const db = handle.db;
      await sql`create table fork_probe (k text primary key, v text)`.execute(db);
      const lstat = vi.spyOn(fs, "lstatSync");
      // A growing btree takes new pages; without a free-space map it asks for one at each of them.
      await sql`insert into fork_probe select 'key-' || lpad(i::text, 8, '0') || '-' || md5(i::text), 'v'
                  from generate_series(1, 20000) i`.execute(db);
      // every lookup of a map file: the missing ones answered without an exception
      const forkLookups = lstat.mock.calls.flatMap(([p, options], i) =>
        String(p).endsWith("_fsm") ? [{ options, outcome: lstat.mock.results[i].type }] : [],
      );
      expect(forkLookups.filter((l) => l.options?.throwIfNoEntry !== false)).toEqual([]);
      expect(forkLookups.filter((l) => l.outcome === "throw")).toEqual([]);
      // A map found missing is not looked for on disk again: one lstat per map file, however many pages the
      // index took (it asks at each).
      const forkFiles = lstat.mock.calls.map(([p]) => String(p)).filter((p) => p.endsWith("_fsm"));
      expect(forkFiles.length).toBe(new Set(forkFiles).size);
      // The table's own map was among those found missing (its inserts asked for free space too).
      const heap = await sql<{ f: number }>`select pg_relation_filenode('fork_probe') as f`.execute(db);
      expect(forkFiles.some((p) => p.endsWith(`/${heap.rows[0].f}_fsm`))).toBe(true);
      lstat.mockRestore();
      const size = async (rel: string, fork: string) =>
        Number(
          (await sql<{ n: string }>`select pg_relation_size(${rel}::regclass, ${fork}) as n`.execute(db))
            .rows[0].n,
        );
      // the index still has no map: nothing was made up; the table's own map, made by VACUUM after it was
      // found missing, exists and is read
      expect(await size("fork_probe_pkey", "fsm")).toBe(0);
      await sql`vacuum fork_probe`.execute(db);
      expect(await size("fork_probe", "fsm")).toBeGreaterThan(0);
      expect(await size("fork_probe", "vm")).toBeGreaterThan(0);
      await sql`delete from fork_probe where k < 'key-00010000'`.execute(db);
      await sql`vacuum fork_probe`.execute(db);
      await sql`insert into fork_probe select 'new-' || i, 'w' from generate_series(1, 5000) i`.execute(db);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from fork_probe`.execute(db);
      expect(rows[0].n).toBe(20000 - 9999 + 5000);
    } finally {
      await handle.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
