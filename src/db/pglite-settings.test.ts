// PGlite's server settings beyond its own defaults (db/index.ts pgliteStartParams). A PGlite of its own in a
// temporary directory, whatever DATABASE_URL says: the settings are PGlite's alone.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openDatabase } from "./index.js";

describe("PGlite's start parameters", () => {
  it("does not zero-fill new WAL segments, and keeps PGlite's own defaults", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-pglite-"));
    const handle = await openDatabase({ dataDir: dir });
    try {
      const show = async (name: string) =>
        Object.values((await sql.raw(`show ${name}`).execute(handle.db)).rows[0] as object)[0];
      expect(await show("wal_init_zero")).toBe("off");
      // PGlite's defaults stay: fsync off (-F), the public search path, no parallel workers.
      expect(await show("fsync")).toBe("off");
      expect(await show("search_path")).toBe("public");
      expect(await show("max_parallel_workers_per_gather")).toBe("0");
    } finally {
      await handle.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
