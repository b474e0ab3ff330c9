// SQL of the activity log and the event log.
import { type Kysely, sql } from "kysely";
import type { DB, NewRow } from "../db/schema.js";

/** JSON columns arrive as JSON text (NewRow's form); anything else is serialised here. */
function jsonText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** One statement with one array parameter per column (unnest): a batch of 500 messages writes 500
 * activities, which as a multi-row VALUES were 6,000 parameters compiled by Kysely and escaped one by one
 * by the driver on the API's hot path (~8 % of its CPU in the transactional benchmark). */
export async function insertActivities(db: Kysely<DB>, rows: NewRow<"activities">[]) {
  if (rows.length === 0) return;
  const col = <T>(f: (r: NewRow<"activities">) => T) => rows.map(f);
  await sql`
    insert into activities (id, workspace_id, at, actor_type, actor_id, actor_name, action, kind, record_id,
                            summary, changes, data)
    select id, workspace_id, at, actor_type, actor_id, actor_name, action, kind, record_id,
           summary, changes::jsonb, data::jsonb
      from unnest(${col((r) => r.id)}::text[], ${col((r) => r.workspace_id ?? null)}::text[],
                  ${col((r) => (r.at ? new Date(r.at).toISOString() : null))}::timestamptz[],
                  ${col((r) => r.actor_type)}::text[], ${col((r) => r.actor_id ?? null)}::text[],
                  ${col((r) => r.actor_name ?? null)}::text[], ${col((r) => r.action)}::text[],
                  ${col((r) => r.kind)}::text[], ${col((r) => r.record_id ?? null)}::text[],
                  ${col((r) => r.summary ?? null)}::text[], ${col((r) => jsonText(r.changes))}::text[],
                  ${col((r) => jsonText(r.data))}::text[])
           as u(id, workspace_id, at, actor_type, actor_id, actor_name, action, kind, record_id, summary,
                changes, data)`.execute(db);
}

export async function insertEventLog(db: Kysely<DB>, rows: NewRow<"event_log">[]) {
  if (rows.length) await db.insertInto("event_log").values(rows).execute();
}
