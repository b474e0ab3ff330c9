// Planner statistics on PGlite. PostgreSQL's autovacuum analyses a table once enough of it changed; PGlite
// runs no autovacuum, so without this its planner never has statistics and guesses: a provider webhook's
// "these 1,000 messages of this workspace, locked" then walked the workspace's whole address index instead
// of the 1,000 primary keys (38 ms a batch at 6,700 messages, growing with the workspace). The same rule as
// autovacuum's analyse threshold, checked by the worker role on PGlite once a minute.
// The same loop vacuums by autovacuum's vacuum rules (dead rows, and rows inserted since the last vacuum):
// without it PGlite never reclaims the space of a message's claim and outcome rewrites, never sets the
// visibility map, and the first reader of every fresh page pays for its hint bits. A vacuum holds PGlite's
// one connection while it runs (100,000 fresh messages 3.1 s, after two rewrites each 1.8 s, at load 20) —
// the price of a database that does not grow without end.
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Runtime } from "../runtime.js";
import { startPeriodic } from "../util/periodic.js";
import type { DB } from "./schema.js";

/** The tables of the public schema whose statistics pass `over` (a condition on pg_stat_user_tables `s`
 * and `rows`, the table's estimated row count), each given to `command`; answers their names. */
async function maintainTables(
  db: Kysely<DB>,
  over: RawBuilder<unknown>,
  command: (table: RawBuilder<unknown>) => RawBuilder<unknown>,
): Promise<string[]> {
  const r = await sql<{ name: string }>`
    select s.relname as name
      from pg_stat_user_tables s join pg_class c on c.oid = s.relid
           cross join lateral (select greatest(c.reltuples, 0) as rows) t
     where s.schemaname = 'public' and (${over})
     order by s.relname`.execute(db);
  for (const { name } of r.rows) await command(sql.id(name)).execute(db);
  return r.rows.map((x) => x.name);
}

/** Analyses the tables changed by more than autovacuum would let pass (rows inserted, updated or deleted
 * since the last analyse > 50 + 10% of the table: autovacuum_analyze_threshold / _scale_factor). */
export function analyzeChangedTables(db: Kysely<DB>): Promise<string[]> {
  return maintainTables(db, sql`s.n_mod_since_analyze > 50 + 0.1 * t.rows`, (table) => sql`analyze ${table}`);
}

/** Vacuums (and analyses) the tables autovacuum would vacuum: dead rows > 50 + 20% of the table
 * (autovacuum_vacuum_threshold / _scale_factor), or rows inserted since the last vacuum > 1,000 + 20% of it
 * (autovacuum_vacuum_insert_threshold / _scale_factor). */
export function vacuumChangedTables(db: Kysely<DB>): Promise<string[]> {
  return maintainTables(
    db,
    sql`s.n_dead_tup > 50 + 0.2 * t.rows or s.n_ins_since_vacuum > 1000 + 0.2 * t.rows`,
    (table) => sql`vacuum (analyze) ${table}`,
  );
}

/** The worker loop: on PGlite only (PostgreSQL has autovacuum); first soon after start, so a process that
 * opens a large database plans with statistics within seconds. */
export function startAnalyzeWorker(rt: Runtime): { stop(): Promise<void> } {
  if (rt.dbKind !== "pglite") return { stop: async () => {} };
  return startPeriodic(rt.log, "pglite-analyze", { firstMs: 5_000, intervalMs: 60_000 }, async () => {
    const vacuumed = await vacuumChangedTables(rt.db);
    if (vacuumed.length) rt.log.debug({ tables: vacuumed }, "tables vacuumed");
    const analysed = await analyzeChangedTables(rt.db);
    if (analysed.length) rt.log.debug({ tables: analysed }, "planner statistics refreshed");
  });
}
