// The settings of Poststelle's own PostgreSQL sessions (db/index.ts postgresSessionOptions): JIT off unless
// the operator says otherwise. Against the server of DATABASE_URL; PGlite has no JIT and no startup options.
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openDatabase, postgresSessionOptions } from "./index.js";

const url = process.env.DATABASE_URL;

async function showJit(databaseUrl: string): Promise<string> {
  const handle = await openDatabase({ databaseUrl, poolSize: 1 });
  try {
    return (await sql<{ jit: string }>`show jit`.execute(handle.db)).rows[0].jit;
  } finally {
    await handle.close();
  }
}

describe("PostgreSQL session options", () => {
  it("turn JIT off and put the operator's PGOPTIONS after it, so they decide", () => {
    expect(postgresSessionOptions(undefined)).toBe("-c jit=off");
    expect(postgresSessionOptions("-c jit=on -c work_mem=8MB")).toBe("-c jit=off -c jit=on -c work_mem=8MB");
  });

  describe.skipIf(!url)("on the server (skipped: set DATABASE_URL to run it)", () => {
    it("has JIT off in every session Poststelle opens", async () => {
      expect(await showJit(url ?? "")).toBe("off");
    });

    it("lets an options parameter in DATABASE_URL turn it on again", async () => {
      const withOptions = new URL(url ?? "");
      withOptions.searchParams.set("options", "-c jit=on");
      expect(await showJit(withOptions.toString())).toBe("on");
    });
  });
});
