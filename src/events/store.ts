// SQL of the message event log: append (a repeated observation is a no-op through dedupe_key), read the
// events of many messages at once, and write the derived status of many messages in one statement.
import { type Kysely, sql } from "kysely";
import type { DB, Row } from "../db/schema.js";
import { type DerivedStatus, statusPrecedence } from "./status.js";

/** Locks the message rows in id order, so that two writers appending to the same messages serialise
 * (and cannot deadlock) and each derives the status from every event committed before it. Returns the
 * cached status of each, read under the lock. */
export async function lockMessages(db: Kysely<DB>, messageIds: string[]): Promise<Map<string, string>> {
  const r = await sql<{ id: string; status: string }>`
    select id, status from messages where id = any(${messageIds}::text[]) order by id for update`.execute(db);
  return new Map(r.rows.map((m) => [m.id, m.status]));
}

/** An event as it is stored; evidence is the value itself (it travels as JSON into a jsonb column). */
export interface EventRecord {
  id: string;
  workspace_id: string;
  message_id: string;
  at: Date;
  type: string;
  source: string;
  detail: string | null;
  evidence?: unknown;
  dedupe_key: string | null;
  error_code: string | null;
}

/** Inserts the events; those whose (message_id, dedupe_key) is already stored are skipped. */
export async function insertEvents(db: Kysely<DB>, rows: EventRecord[]): Promise<number> {
  if (rows.length === 0) return 0;
  const r = await insertQuery(rows, sql``).execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** insertEvents, answering with the ids of the rows stored (a skipped duplicate must not move a status). */
export async function insertEventsReturningIds(db: Kysely<DB>, rows: EventRecord[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const r = await insertQuery(rows, sql`returning id`).execute(db);
  return new Set((r.rows as Array<{ id: string }>).map((x) => x.id));
}

/** One statement with one JSON parameter for the whole batch: a batch of 1,000 events would otherwise be
 * 10,000 bound parameters for the query builder to compile and the driver to encode, and its evidence would
 * be serialised twice (into a string, then as a parameter). */
function insertQuery(rows: EventRecord[], returning: ReturnType<typeof sql>) {
  return sql`
    insert into message_events (id, workspace_id, message_id, at, type, source, detail, evidence, dedupe_key,
                                error_code)
    select e.id, e.workspace_id, e.message_id, e.at, e.type, e.source, e.detail, e.evidence, e.dedupe_key,
           e.error_code
      from json_to_recordset(${JSON.stringify(rows)}::json)
           as e(id text, workspace_id text, message_id text, at timestamptz, type text, source text, detail text,
                evidence jsonb, dedupe_key text, error_code text)
    on conflict (message_id, dedupe_key) where dedupe_key is not null do nothing
    ${returning}`;
}

export type StatusEventRow = Pick<
  Row<"message_events">,
  "id" | "message_id" | "type" | "at" | "detail" | "error_code"
> & { machine: boolean };

/** The rank of each status event type (statusPrecedence) as SQL, generated from the one table in status.ts. */
const rankSql = sql.raw(
  `(case type ${Object.entries(statusPrecedence)
    .map(([type, p]) => `when '${type}' then ${p.rank}`)
    .join(" ")} end)`,
);
const rankedTypes = Object.keys(statusPrecedence);

/**
 * Per message, the one stored event that decides its status: the greatest in deriveStatus's total order
 * (rank, then the later `at`, then the greater id in code-unit order, hence collate "C"), machine opens and
 * clicks and informational events left out. deriveStatus of this one event equals deriveStatus of all the
 * message's events (the order is total, so the maximum of a set is the maximum of its maximum), and the
 * database sends back one row per message instead of its whole history.
 */
export async function selectDecidingEvents(db: Kysely<DB>, messageIds: string[]): Promise<StatusEventRow[]> {
  if (messageIds.length === 0) return [];
  const r = await sql<StatusEventRow>`
    select distinct on (message_id) id, message_id, type, at, detail, error_code, false as machine
      from message_events
     where message_id = any(${messageIds}::text[]) and type = any(${rankedTypes}::text[])
       -- Machine opens and clicks (src/tracking/machine.ts) carry evidence.machine = true; status ignores them.
       and not (type in ('opened', 'clicked') and coalesce(evidence -> 'machine' = 'true'::jsonb, false))
     order by message_id, ${rankSql} desc, at desc, id collate "C" desc`.execute(db);
  return r.rows;
}

/** One UPDATE for any number of messages; rows whose cached status is already right are not touched. */
export async function updateDerivedStatuses(
  db: Kysely<DB>,
  derived: Array<{ id: string } & DerivedStatus>,
  now: Date,
): Promise<void> {
  if (derived.length === 0) return;
  await sql`
    update messages m
       set status = u.status, status_reason = u.reason, error_code = u.code, updated_at = ${now}
      from unnest(${derived.map((d) => d.id)}::text[], ${derived.map((d) => d.status)}::text[],
                  ${derived.map((d) => d.status_reason)}::text[], ${derived.map((d) => d.error_code)}::text[])
           as u(id, status, reason, code)
     where m.id = u.id
       and (m.status is distinct from u.status or m.status_reason is distinct from u.reason
            or m.error_code is distinct from u.code)`.execute(db);
}

export function selectTimeline(db: Kysely<DB>, messageId: string) {
  return (
    db
      .selectFrom("message_events")
      .select(["id", "at", "type", "source", "detail", "evidence", "error_code"])
      .where("message_id", "=", messageId)
      // Observations made in the same instant keep the order in which they were stored.
      .orderBy("at")
      .orderBy("created_at")
      .orderBy("id")
      .execute()
  );
}
