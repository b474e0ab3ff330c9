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
import { type Kysely, sql } from "kysely";
import type { Runtime } from "../runtime.js";
import { startPeriodic } from "../util/periodic.js";
import type { DB } from "./schema.js";

/** autovacuum_analyze_threshold and autovacuum_analyze_scale_factor, PostgreSQL's defaults. */
const THRESHOLD = 50;
const SCALE_FACTOR = 0.1;

/** Analyses the tables of the public schema changed by more than autovacuum would let pass (rows inserted,
 * updated or deleted since the last analyse > 50 + 10% of the table); answers their names. */
export async function analyzeChangedTables(db: Kysely<DB>): Promise<string[]> {
  const r = await sql<{ name: string }>`
    select s.relname as name
      from pg_stat_user_tables s join pg_class c on c.oid = s.relid
     where s.schemaname = 'public'
       and s.n_mod_since_analyze > ${THRESHOLD} + ${SCALE_FACTOR} * greatest(c.reltuples, 0)
     order by s.relname`.execute(db);
  for (const { name } of r.rows) await sql`analyze ${sql.id(name)}`.execute(db);
  return r.rows.map((x) => x.name);
}

/** autovacuum_vacuum_threshold / _scale_factor and autovacuum_vacuum_insert_threshold / _scale_factor. */
const VACUUM_THRESHOLD = 50;
const VACUUM_SCALE_FACTOR = 0.2;
const INSERT_THRESHOLD = 1000;
const INSERT_SCALE_FACTOR = 0.2;

/** Vacuums (and analyses) the tables of the public schema that autovacuum would vacuum: dead rows > 50 + 20%
 * of the table, or rows inserted since the last vacuum > 1,000 + 20% of it; answers their names. */
export async function vacuumChangedTables(db: Kysely<DB>): Promise<string[]> {
  const r = await sql<{ name: string }>`
    select s.relname as name
      from pg_stat_user_tables s join pg_class c on c.oid = s.relid
     where s.schemaname = 'public'
       and (s.n_dead_tup > ${VACUUM_THRESHOLD} + ${VACUUM_SCALE_FACTOR} * greatest(c.reltuples, 0)
            or s.n_ins_since_vacuum > ${INSERT_THRESHOLD} + ${INSERT_SCALE_FACTOR} * greatest(c.reltuples, 0))
     order by s.relname`.execute(db);
  for (const { name } of r.rows) await sql`vacuum (analyze) ${sql.id(name)}`.execute(db);
  return r.rows.map((x) => x.name);
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
