// Opens the database: PGlite in the data directory by default, PostgreSQL when DATABASE_URL is set.
// Both are driven through the same Kysely instance; SQL is written once (DESIGN §3.2).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { PGliteDialect } from "./pglite-dialect.js";
import { cheapMissingForkLookups } from "./pglite-fs.js";
import { preparingPool } from "./prepared.js";
import type { DB } from "./schema.js";

export type DbKind = "pglite" | "postgres";
export type Database = Kysely<DB>;

/** Whether row locks (SELECT … FOR UPDATE) can protect anything. On PostgreSQL other transactions run at
 * the same time. PGlite has one connection, which a transaction holds from BEGIN to COMMIT
 * (pglite-dialect.ts): nothing can interleave, and a lock on 1,000 rows only costs 1,000 tuple writes. */
export function rowLocksMatter(kind: DbKind): boolean {
  return kind === "postgres";
}

export interface DbHandle {
  db: Database;
  kind: DbKind;
  /** The embedded engine, when it is PGlite (tests dump it to clone databases). */
  pglite?: PGlite;
  close(): Promise<void>;
}

// int8 and numeric come back as strings from pg by default; counts in this program fit in a JS number.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(1700, (v) => Number.parseFloat(v));

export interface OpenOptions {
  databaseUrl?: string;
  dataDir?: string;
  /** A dump made with PGlite's dumpDataDir, used by tests to clone a migrated database quickly. */
  loadDataDir?: Blob;
  poolSize?: number;
}

/** PGlite's server, started with its own defaults plus: no zero-filling of new WAL segments. PGlite runs
 * with fsync off (-F among its defaults), so writing 16 MB of zeros into each new segment before use buys
 * nothing — the zeros exist to make a segment's blocks allocated before a crash-safe fsync'd write. The
 * benchmark's 20,000 messages write about five such segments. (`wal_init_zero` is a superuser setting:
 * given here, it is the server's default, not a session's that a RESET would undo.) */
const pgliteStartParams = [...PGlite.defaultStartParams, "-c", "wal_init_zero=off"];

/**
 * The settings of Poststelle's own PostgreSQL sessions: JIT compilation off. Poststelle's statements are
 * short ones over a batch of rows; PostgreSQL compiles a statement whose estimated cost passes
 * jit_above_cost (100,000), and the webhook's store-and-derive statement passes it by its rarely run
 * branch for ties (estimated over every event of a message): 77 functions compiled in ~38 ms for a
 * statement that runs in ~14, on 7 of the events benchmark's 20 batches (auto_explain, pg_stat_statements,
 * bench/README.md, events, session 19). Given as the connection's startup options, so a PGOPTIONS or an
 * `options` parameter in DATABASE_URL (which pg applies over this) still decides.
 */
export function postgresSessionOptions(pgOptions: string | undefined): string {
  return ["-c jit=off", pgOptions ?? ""].join(" ").trim();
}

export async function openDatabase(opts: OpenOptions): Promise<DbHandle> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      options: postgresSessionOptions(process.env.PGOPTIONS),
    });
    pool.on("error", () => {
      /* an idle client lost its connection; the pool replaces it */
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
    return { db, kind: "postgres", close: () => db.destroy() };
  }
  let pglite: PGlite;
  if (opts.loadDataDir) {
    pglite = new PGlite({ loadDataDir: opts.loadDataDir, startParams: pgliteStartParams });
  } else {
    const dir = opts.dataDir ? path.join(opts.dataDir, "pglite") : undefined;
    if (dir) fs.mkdirSync(dir, { recursive: true });
    pglite = new PGlite({ dataDir: dir, startParams: pgliteStartParams });
  }
  await pglite.waitReady;
  // a data directory on disk is emscripten's NODEFS: its answer for a missing fork file made cheap
  cheapMissingForkLookups(pglite);
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return { db, kind: "pglite", pglite, close: () => db.destroy() };
}

const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

/** Applies the numbered SQL files in migrations/ that have not run yet, each in its own transaction.
 * On PostgreSQL an advisory lock keeps two starting processes from migrating at once. */
export async function migrate(db: Database): Promise<string[]> {
  const files = fs
    .readdirSync(migrationsDir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort();
  const applied: string[] = [];
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(774411)`.execute(conn);
    try {
      await sql`create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())`.execute(
        conn,
      );
      const done = new Set(
        (await sql<{ name: string }>`select name from schema_migrations`.execute(conn)).rows.map(
          (r) => r.name,
        ),
      );
      for (const f of files) {
        if (done.has(f)) continue;
        const text = fs.readFileSync(path.join(migrationsDir, f), "utf8");
        await conn.transaction().execute(async (tx) => {
          await sql.raw(text).execute(tx);
          await sql`insert into schema_migrations (name) values (${f})`.execute(tx);
        });
        applied.push(f);
      }
    } finally {
      await sql`select pg_advisory_unlock(774411)`.execute(conn);
    }
  });
  return applied;
}

/** bytea comes back as Buffer from pg and as Uint8Array from PGlite. */
export function toBuffer(v: Uint8Array | Buffer | null | undefined): Buffer | null {
  if (v == null) return null;
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}
