// SQL of the message event log: append (a repeated observation is a no-op through dedupe_key), read the
// events of many messages at once, and write the derived status of many messages in one statement.
import { type Kysely, sql } from "kysely";
import { prepared } from "../db/prepared.js";
import type { DB, Row } from "../db/schema.js";
import { statusChangeDeliveries } from "../hooks/emit.js";
import { statusPrecedence } from "./status.js";

/** Locks the message rows in id order, so that two writers appending to the same messages serialise
 * (and cannot deadlock) and each derives the status from every event committed before it. Returns the
 * cached status of each, read under the lock. `rowLocks` false (PGlite, db/index.ts rowLocksMatter): its
 * one connection is the transaction's from BEGIN to COMMIT, nothing interleaves, and the locks would only
 * write a tuple header per message. */
export async function lockMessages(
  db: Kysely<DB>,
  messageIds: string[],
  rowLocks = true,
): Promise<Map<string, string>> {
  const r = await sql<{ id: string; status: string }>`
    select id, status from messages where id = any(${messageIds}::text[])
     order by id ${rowLocks ? sql`for update` : sql``}`.execute(db);
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

const NEEDS_ESCAPE = /["\\]/;

/**
 * A text[] parameter for many values: the array's text form, written here, cast in SQL. The drivers write
 * it too, but escape every element with two global replaces (PGlite) or a per-element function (pg): for a
 * batch's ten columns of 1,000 ids, types and sentences that was a few milliseconds a batch; most values
 * need no escape at all, and one test says so.
 */
export function textArray(values: readonly (string | null)[]) {
  const parts: string[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    parts[i] = v === null ? "NULL" : NEEDS_ESCAPE.test(v) ? `"${v.replace(/["\\]/g, "\\$&")}"` : `"${v}"`;
  }
  return sql`cast(${`{${parts.join(",")}}`} as text[])`;
}

/** A column of the batch as text: one array parameter, cast to the column's type in SQL. */
const column = (rows: EventRecord[], pick: (r: EventRecord) => string | null) => {
  const out: (string | null)[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = pick(rows[i]);
  return textArray(out);
};

/** A time as ISO text; an invalid one is null, as JSON.stringify made it when the rows travelled as JSON. */
const timeText = (d: Date) => (Number.isNaN(d.getTime()) ? null : d.toISOString());

/**
 * What a stored dedupe key does to the insert: "skip" leaves its event out (ON CONFLICT … DO NOTHING);
 * "fail" fails the statement with unique_violation (23505), for a caller that expects every event to be new
 * and runs its transaction again with "skip" when one is not (webhooks/service.ts storeEvents). ON CONFLICT
 * inserts every row speculatively — the dedupe index probed before the insert, a speculative-insertion lock
 * taken and released and a second WAL record written per row (PostgreSQL's ExecInsert) —, work the unique
 * index's own check at insertion makes redundant when nothing conflicts: on PGlite it was ~15 % of the
 * webhook's store statement (events benchmark, time order, bench/README.md session 13).
 */
export type Duplicates = "skip" | "fail";

/**
 * The insert's parameters for a batch: the short columns as one text[] parameter each, the evidence as one
 * JSON array. Made apart from the statement so that a caller can make them while the database answers an
 * earlier statement (webhooks/service.ts: during the lock read, on PostgreSQL another process's work).
 */
export interface EventColumns {
  readonly count: number;
  readonly columns: ReadonlyArray<ReturnType<typeof textArray>>;
  readonly evidence: string;
}

/** insertQuery's parameters of these rows (EventColumns). */
export function eventColumns(rows: EventRecord[]): EventColumns {
  return {
    count: rows.length,
    columns: [
      column(rows, (r) => r.id),
      column(rows, (r) => r.workspace_id),
      column(rows, (r) => r.message_id),
      column(rows, (r) => timeText(r.at)),
      column(rows, (r) => r.type),
      column(rows, (r) => r.source),
      column(rows, (r) => r.detail),
      column(rows, (r) => r.dedupe_key),
      column(rows, (r) => r.error_code),
    ],
    evidence: JSON.stringify(rows.map((r) => r.evidence ?? null)),
  };
}

/**
 * One statement for the whole batch: the short columns as one text[] parameter each (unnest), the evidence
 * as one JSON array taken apart by position — not 10,000 bound parameters for the query builder to compile
 * and the driver to encode, and not one JSON document of whole rows: PostgreSQL took that apart
 * (json_to_recordset, every evidence parsed as json and then again as jsonb) in about as long as it took to
 * insert the rows (38–53 ms of 120 per 1,000 events at load 20; this form ~16). Absent or null evidence is
 * SQL null, as json_to_recordset made it.
 */
function insertQuery(
  batch: EventRecord[] | EventColumns,
  returning: ReturnType<typeof sql>,
  duplicates: Duplicates = "skip",
) {
  const { columns: c, evidence } = Array.isArray(batch) ? eventColumns(batch) : batch;
  return sql`
    insert into message_events (id, workspace_id, message_id, at, type, source, detail, evidence, dedupe_key,
                                error_code)
    select e.id, e.workspace_id, e.message_id, e.at::timestamptz, e.type, e.source, e.detail,
           nullif(d.evidence -> (e.n::int - 1), 'null'::jsonb), e.dedupe_key, e.error_code
      from unnest(${c[0]}, ${c[1]}, ${c[2]}, ${c[3]}, ${c[4]}, ${c[5]}, ${c[6]}, ${c[7]}, ${c[8]})
             with ordinality as e(id, workspace_id, message_id, at, type, source, detail, dedupe_key, error_code, n)
      -- an uncorrelated scalar subquery: the document is parsed once, whatever type the driver gave it
      cross join (select (select cast(${evidence} as jsonb)) as evidence) d
    ${duplicates === "skip" ? sql`on conflict (message_id, dedupe_key) where dedupe_key is not null do nothing` : sql``}
    ${returning}`;
}

export type StatusEventRow = Pick<
  Row<"message_events">,
  "id" | "message_id" | "type" | "at" | "detail" | "error_code"
> & { machine: boolean };

/** SQL generated from the one table in status.ts (statusPrecedence): `column` mapped through `pick`, null for
 * a value the table does not name. */
function caseOf(column: string, pairs: Array<[string, string | number]>) {
  const value = (v: string | number) => (typeof v === "number" ? String(v) : `'${v}'`);
  return sql.raw(`(case ${column} ${pairs.map(([k, v]) => `when '${k}' then ${value(v)}`).join(" ")} end)`);
}
const precedence = Object.entries(statusPrecedence);
/** The rank of an event type. */
const rankOf = (column: string) =>
  caseOf(
    column,
    precedence.map(([type, p]) => [type, p.rank]),
  );
const rankSql = rankOf("type");
/** The status an event type stands for. */
const statusOfType = (column: string) =>
  caseOf(
    column,
    precedence.map(([type, p]) => [type, p.status]),
  );
/** The lowest and highest rank of the event types that stand for a status (status.ts rankRangeOf). */
const statuses = [...new Set(precedence.map(([, p]) => p.status))];
const ranksOf = (status: string) => precedence.filter(([, p]) => p.status === status).map(([, p]) => p.rank);
const lowestRank = (column: string) =>
  caseOf(
    column,
    statuses.map((st) => [st, Math.min(...ranksOf(st))]),
  );
const highestRank = (column: string) =>
  caseOf(
    column,
    statuses.map((st) => [st, Math.max(...ranksOf(st))]),
  );
const rankedTypes = Object.keys(statusPrecedence);
/** A machine open or click (src/tracking/machine.ts flags its evidence): on the timeline, never the status. */
const machineSql = (alias: string) =>
  sql.raw(
    `(${alias}.type in ('opened', 'clicked') and coalesce(${alias}.evidence -> 'machine' = 'true'::jsonb, false))`,
  );

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
       and not ${machineSql("message_events")}
     order by message_id, ${rankSql} desc, at desc, id collate "C" desc`.execute(db);
  return r.rows;
}

/**
 * The UPDATE of the cached status from `u` (id, status, reason, code). The messages are reached by key through
 * `m.id = any(array(select id from u))`, an index scan for just u's ids, whatever the planner guesses of u's size:
 * with the join alone PostgreSQL hashed every row of messages to update the ~1,000 of a batch where the table is
 * small for its statistics (the events benchmark's 13,000 messages: a sequential scan and a hash of them all,
 * ~49 of the statement's 77 ms under EXPLAIN ANALYZE), and the 1,000 rows' update took 19–45 ms against 13–25 ms
 * by key (bench/README.md, events, session 17).
 */
const updateStatusesFrom = (now: Date) => sql`
    update messages m
       set status = u.status, status_reason = u.reason, error_code = u.code, updated_at = ${now}
      from u
     where m.id = u.id and m.id = any(array(select id from u))
       and (m.status is distinct from u.status or m.status_reason is distinct from u.reason
            or m.error_code is distinct from u.code)`;

/** What insertEventsDerivingStatuses answers: how many events were stored, and which of the ones asked about. */
export interface StoredEvents {
  inserted: number;
  /** The ids stored among `report` (all stored ids when no report was asked for). */
  stored: Set<string>;
}

/**
 * Stores the events and brings the cached status of their messages up to date, in one statement: the
 * events are inserted (a stored dedupe key skips its event), each message's best new event is weighed
 * against its cached status as events/service.ts nextStatuses does (above every rank of that status it wins,
 * below them it changes nothing, and only within them is the stored deciding event read), the host webhooks
 * of the changes are queued and the status is written. The caller holds the messages' row locks, taken in an
 * earlier statement: this statement's snapshot then holds every event committed before them, so the cached
 * status and the stored events it reads are the latest; `statuses` are the cached statuses read under
 * those locks (a message missing from it is weighed against its stored deciding event). The cached statuses
 * travel as two text[] (not a JSON object to build and take apart), and the answer is one row — the count and
 * the ids stored among `report` — not one row per event for the driver to read (a batch is 1,000 events,
 * and the caller asks about the few with consequences). Kept prepared on PGlite: parsed and planned once, not
 * per batch, and its generic plan updates the messages by key instead of hashing the whole table (events
 * benchmark, time order: ~5–10 % less CPU per event). Kept prepared on PostgreSQL too since session 19 (with
 * JIT off, db/index.ts: session 12 saw the interleaved plain INSERT cost the server more when this statement
 * was named, and took it back; that is not seen any more): its server CPU 22–28 → 23–24 µs per event.
 * `statusSubscribers` false — the caller read earlier in this transaction that no enabled endpoint subscribes
 * to a status change — leaves the host webhooks' part out: its one-time filter made it insert nothing then,
 * but PostgreSQL planned its five-table join for every batch (the store statement's planning 7.8–11.1 → 2.7–5.2 ms a
 * batch at load 13–17, bench/README.md, events, session 17). An endpoint subscribed between the two statements
 * is one subscribed just after this batch, as for emitStatusChanges (hooks/emit.ts).
 */
export async function insertEventsDerivingStatuses(
  db: Kysely<DB>,
  rows: EventRecord[] | EventColumns,
  statuses: Map<string, string>,
  now: Date,
  report?: string[],
  duplicates: Duplicates = "skip",
  statusSubscribers = true,
): Promise<StoredEvents> {
  if ((Array.isArray(rows) ? rows.length : rows.count) === 0) return { inserted: 0, stored: new Set() };
  const r = await prepared(
    sql<{ inserted: number; ids: string[] | null }>`
    with ins as (${insertQuery(rows, sql`returning id, message_id, type, at, detail, error_code, ${rankSql} as rank, ${machineSql("message_events")} as machine`, duplicates)}),
    best as (
      select distinct on (message_id) id, message_id, type, at, detail, error_code, rank
        from ins where rank is not null and not machine
       order by message_id, rank desc, at desc, id collate "C" desc),
    cached as (
      select c.message_id, c.status
        from unnest(${textArray([...statuses.keys()])}, ${textArray([...statuses.values()])}) as c(message_id, status)),
    judged as (
      select b.*, ${lowestRank("m.status")} as lo, ${highestRank("m.status")} as hi
        from best b left join cached m on m.message_id = b.message_id),
    -- Ranked above every event type of the cached status: the new event decides outright.
    wins as (select * from judged where lo is not null and rank > hi),
    -- A tie with the cached status (or a status the table does not know): the stored deciding event too.
    ties as (select * from judged where lo is null or (rank >= lo and rank <= hi)),
    tied as (
      select distinct on (message_id) *
        from (select id, message_id, type, at, detail, error_code, rank from ties
              union all
              select s.id, t.message_id, s.type, s.at, s.detail, s.error_code, s.rank
                from ties t
                cross join lateral (
                  select e.id, e.type, e.at, e.detail, e.error_code, ${rankOf("e.type")} as rank
                    from message_events e
                   where e.message_id = t.message_id and e.type = any(${rankedTypes}::text[])
                     and not ${machineSql("e")}
                   order by 6 desc, e.at desc, e.id collate "C" desc
                   limit 1) s) c
       order by message_id, rank desc, at desc, id collate "C" desc),
    u as materialized (
      select message_id as id, ${statusOfType("type")} as status, detail as reason, error_code as code,
             id as event_id, type as event_type
        from (select id, message_id, type, at, detail, error_code, rank from wins union all select id, message_id, type, at, detail, error_code, rank from tied) d),
    ${statusSubscribers ? sql`hooks as (${statusChangeDeliveries(sql`u`, now)}),` : sql``}
    upd as (${updateStatusesFrom(now)})
    select count(*)::int as inserted,
           ${report ? sql`array_agg(id) filter (where id = any(${textArray(report)}))` : sql`array_agg(id)`} as ids
      from ins`,
    { pglite: true },
  ).execute(db);
  const row = r.rows[0];
  return { inserted: Number(row?.inserted ?? 0), stored: new Set(row?.ids ?? []) };
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
