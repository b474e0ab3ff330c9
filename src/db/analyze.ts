// Planner statistics on PGlite. PostgreSQL's autovacuum analyses a table once enough of it changed; PGlite
// runs no autovacuum, so without this its planner never has statistics and guesses: a provider webhook's
// "these 1,000 messages of this workspace, locked" then walked the workspace's whole address index instead
// of the 1,000 primary keys (38 ms a batch at 6,700 messages, growing with the workspace). The same rule as
// autovacuum's analyse threshold, checked by the worker role on PGlite once a minute.
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

/** The worker loop: on PGlite only (PostgreSQL has autovacuum); first soon after start, so a process that
 * opens a large database plans with statistics within seconds. */
export function startAnalyzeWorker(rt: Runtime): { stop(): Promise<void> } {
  if (rt.dbKind !== "pglite") return { stop: async () => {} };
  return startPeriodic(rt.log, "pglite-analyze", { firstMs: 5_000, intervalMs: 60_000 }, async () => {
    const analysed = await analyzeChangedTables(rt.db);
    if (analysed.length) rt.log.debug({ tables: analysed }, "planner statistics refreshed");
  });
}
