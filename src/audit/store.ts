// SQL of the activity log and the event log.
import { type Kysely, sql } from "kysely";
import type { DB, NewRow } from "../db/schema.js";

/** JSON columns arrive as JSON text (NewRow's form); anything else is serialised here. */
function jsonText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The columns of an activity, with their SQL types and how a row's value is written. */
const ACTIVITY_COLUMNS: [
  keyof NewRow<"activities"> & string,
  string,
  (r: NewRow<"activities">) => unknown,
][] = [
  ["id", "text", (r) => r.id],
  ["workspace_id", "text", (r) => r.workspace_id ?? null],
  ["at", "timestamptz", (r) => (r.at ? new Date(r.at).toISOString() : null)],
  ["actor_type", "text", (r) => r.actor_type],
  ["actor_id", "text", (r) => r.actor_id ?? null],
  ["actor_name", "text", (r) => r.actor_name ?? null],
  ["action", "text", (r) => r.action],
  ["kind", "text", (r) => r.kind],
  ["record_id", "text", (r) => r.record_id ?? null],
  ["summary", "text", (r) => r.summary ?? null],
  ["changes", "jsonb", (r) => jsonText(r.changes)],
  ["data", "jsonb", (r) => jsonText(r.data)],
];

/** One statement with one array parameter per column (unnest): a batch of 500 messages writes 500
 * activities, which as a multi-row VALUES were 6,000 parameters compiled by Kysely and escaped one by one
 * by the driver on the API's hot path (~8 % of its CPU in the transactional benchmark). A column whose
 * value is the same in every row (a request's workspace, time and actor, mostly also its action and kind)
 * is one scalar parameter instead of an array of copies that the server parses element by element. */
export async function insertActivities(db: Kysely<DB>, rows: NewRow<"activities">[]) {
  if (rows.length === 0) return;
  const arrays: { name: string; values: unknown[]; type: string }[] = [];
  const selected = ACTIVITY_COLUMNS.map(([name, type, value]) => {
    const values = rows.map(value);
    const first = values[0];
    // Text (jsonb as its text) travels as text; the cast to jsonb is the server's, once per row.
    const wire = type === "jsonb" ? "text" : type;
    const cast = sql.raw(type === "jsonb" ? "::jsonb" : "");
    if (name !== "id" && values.every((v) => v === first)) return sql`${first}::${sql.raw(wire)}${cast}`;
    arrays.push({ name, values, type: wire });
    return sql`u.${sql.raw(name)}${cast}`;
  });
  await sql`
    insert into activities (${sql.raw(ACTIVITY_COLUMNS.map((c) => c[0]).join(", "))})
    select ${sql.join(selected)}
      from unnest(${sql.join(arrays.map((a) => sql`${a.values}::${sql.raw(a.type)}[]`))})
           as u(${sql.raw(arrays.map((a) => a.name).join(", "))})`.execute(db);
}

export async function insertEventLog(db: Kysely<DB>, rows: NewRow<"event_log">[]) {
  if (rows.length) await db.insertInto("event_log").values(rows).execute();
}
