// The SQL of the sync engine that is more than a one-line lookup: reading a chunk of fetched members with
// what Poststelle knows of them, and writing the sync state of many subscriptions at once.
import { type Kysely, sql } from "kysely";
import type { EventLogInput } from "../audit/service.js";
import type { DB, SubscriptionStatus } from "../db/schema.js";
import { newId } from "../util/ids.js";

type Db = Kysely<DB>;

/** A subscription of the list with its contact and its last sync state. */
export interface KnownSubscription {
  sub_id: string;
  contact_id: string;
  status: SubscriptionStatus;
  status_set_at: Date;
  first_name: string | null;
  last_name: string | null;
  letter_salutation: string | null;
  emails: string[];
  remote_id: string | null;
  remote_email: string | null;
  result_run_id: string | null;
}

/** A contact holding one of the fetched addresses, with its subscription on the list if it has one. */
export interface ContactByKey {
  email_key: string;
  contact_id: string;
  first_name: string | null;
  last_name: string | null;
  letter_salutation: string | null;
  emails: string[];
  sub_id: string | null;
  status: SubscriptionStatus | null;
  status_set_at: Date | null;
  remote_id: string | null;
  remote_email: string | null;
  result_run_id: string | null;
}

export function stagedChunk(db: Db, runId: string, afterKey: string | null, size: number) {
  let q = db.selectFrom("sync_fetched_members").selectAll().where("run_id", "=", runId);
  if (afterKey !== null) q = q.where("email_key", ">", afterKey);
  return q.orderBy("email_key").limit(size).execute();
}

export async function knownByRemoteId(
  db: Db,
  listId: string,
  remoteIds: string[],
): Promise<KnownSubscription[]> {
  if (remoteIds.length === 0) return [];
  return db
    .selectFrom("subscription_sync as ss")
    .innerJoin("subscriptions as s", "s.id", "ss.subscription_id")
    .innerJoin("contacts as c", "c.id", "s.contact_id")
    .select([
      "s.id as sub_id",
      "s.contact_id",
      "s.status",
      "s.status_set_at",
      "c.first_name",
      "c.last_name",
      "c.letter_salutation",
      "c.emails",
      "ss.remote_id",
      "ss.remote_email",
      "ss.result_run_id",
    ])
    .where("ss.list_id", "=", listId)
    .where("ss.remote_id", "in", remoteIds)
    .execute();
}

export async function contactsByKeys(
  db: Db,
  workspaceId: string,
  listId: string,
  keys: string[],
): Promise<ContactByKey[]> {
  if (keys.length === 0) return [];
  return db
    .selectFrom("contact_email_keys as k")
    .innerJoin("contacts as c", "c.id", "k.contact_id")
    .leftJoin("subscriptions as s", (j) => j.onRef("s.contact_id", "=", "c.id").on("s.list_id", "=", listId))
    .leftJoin("subscription_sync as ss", "ss.subscription_id", "s.id")
    .select([
      "k.email_key",
      "c.id as contact_id",
      "c.first_name",
      "c.last_name",
      "c.letter_salutation",
      "c.emails",
      "s.id as sub_id",
      "s.status",
      "s.status_set_at",
      "ss.remote_id",
      "ss.remote_email",
      "ss.result_run_id",
    ])
    .where("k.workspace_id", "=", workspaceId)
    .where("k.email_key", "in", keys)
    .orderBy("c.id")
    .execute();
}

const SYNC_STATE_COLUMNS = [
  "remote_id",
  "remote_email",
  "remote_status",
  "remote_status_at",
  "remote_first_name",
  "remote_last_name",
  "remote_salutation",
  "result",
  "result_detail",
  "result_at",
  "result_run_id",
  "task",
  "task_set_at",
  "task_set_by",
  "task_reason",
  "updated_at",
] as const;

/**
 * Many rows in ONE statement with ONE JSON parameter (json_populate_recordset): on the hot path of a fetch
 * this is several times faster than thousands of driver-escaped parameters, on PGlite as on PostgreSQL.
 * jsonb columns take objects, timestamps Dates (ISO strings in the JSON).
 */
export async function insertJsonRows(
  db: Db,
  table: keyof DB,
  columns: readonly string[],
  rows: Record<string, unknown>[],
  onConflict: ReturnType<typeof sql> = sql``,
) {
  if (rows.length === 0) return;
  const cols = sql.join(columns.map((c) => sql.ref(c)));
  await sql`insert into ${sql.table(table)} (${cols})
    select ${cols} from json_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}::json)
    ${onConflict}`.execute(db);
}

/** Writes the reconciliation state of many subscriptions (insert or replace everything but transmit_*). */
export async function upsertSyncState(db: Db, rows: Record<string, unknown>[]) {
  const update = sql.join(SYNC_STATE_COLUMNS.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`));
  await insertJsonRows(
    db,
    "subscription_sync",
    ["subscription_id", "workspace_id", "list_id", ...SYNC_STATE_COLUMNS],
    rows,
    sql`on conflict (subscription_id) do update set ${update}`,
  );
}

const EVENT_COLUMNS = [
  "id",
  "workspace_id",
  "at",
  "severity",
  "group_id",
  "process",
  "trigger",
  "record_kind",
  "record_id",
  "detail",
  "data",
  "checked",
] as const;

/** The event-log entries of a run, many at once (same rows as audit's logEvents writes). */
export async function insertEvents(db: Db, events: EventLogInput[], now: Date) {
  await insertJsonRows(
    db,
    "event_log",
    EVENT_COLUMNS,
    events.map((e) => ({
      id: newId("evl", (e.at ?? now).getTime()),
      workspace_id: e.workspaceId,
      at: e.at ?? now,
      severity: e.severity,
      group_id: e.groupId ?? null,
      process: e.process,
      trigger: e.trigger,
      record_kind: e.recordKind ?? null,
      record_id: e.recordId ?? null,
      detail: e.detail,
      data: e.data ?? null,
      checked: false,
    })),
  );
}

const STAGED_COLUMNS = [
  "run_id",
  "email_key",
  "remote_id",
  "email",
  "status",
  "status_changed_at",
  "first_name",
  "last_name",
  "salutation",
] as const;

export async function stageMembers(db: Db, rows: Record<string, unknown>[]) {
  await insertJsonRows(
    db,
    "sync_fetched_members",
    STAGED_COLUMNS,
    rows,
    sql`on conflict (run_id, email_key) do nothing`,
  );
}

/**
 * Every subscription of the list that this run did not find in the tool: "not in tool" when it is
 * subscribed (or pending) here, otherwise nothing to do ("success": absent there, not subscribed here).
 */
export async function markUnseen(db: Db, v: { listId: string; runId: string; now: Date }) {
  const { rows } = await sql<{ subscription_id: string; result: string }>`
    insert into subscription_sync (subscription_id, workspace_id, list_id, result, result_detail, result_at,
                                   result_run_id, updated_at)
    select s.id, s.workspace_id, s.list_id,
           case when s.status in ('subscribed', 'pending') then 'not_in_tool' else 'success' end,
           case when s.status in ('subscribed', 'pending') then '{}'::jsonb
                else '{"notes":["not in the tool and not subscribed here: in step"]}'::jsonb end,
           ${v.now}, ${v.runId}, ${v.now}
      from subscriptions s
      left join subscription_sync ss on ss.subscription_id = s.id
     where s.list_id = ${v.listId} and ss.result_run_id is distinct from ${v.runId}
    on conflict (subscription_id) do update set
      result = excluded.result, result_detail = excluded.result_detail, result_at = excluded.result_at,
      result_run_id = excluded.result_run_id, updated_at = excluded.updated_at,
      remote_id = null, remote_email = null, remote_status = null, remote_status_at = null,
      remote_first_name = null, remote_last_name = null, remote_salutation = null,
      task = null, task_set_at = null, task_set_by = null, task_reason = null
    returning subscription_id, result`.execute(db);
  return rows;
}

/** A fetch that broke: every subscription of the list shows "aborted"; tasks and remote state stay. */
export async function markAborted(db: Db, v: { listId: string; runId: string; now: Date; error: string }) {
  await sql`
    insert into subscription_sync (subscription_id, workspace_id, list_id, result, result_detail, result_at,
                                   result_run_id, updated_at)
    select s.id, s.workspace_id, s.list_id, 'aborted', ${JSON.stringify({ error: v.error })}::jsonb, ${v.now},
           ${v.runId}, ${v.now}
      from subscriptions s where s.list_id = ${v.listId}
    on conflict (subscription_id) do update set
      result = excluded.result, result_detail = excluded.result_detail, result_at = excluded.result_at,
      result_run_id = excluded.result_run_id, updated_at = excluded.updated_at`.execute(db);
}

/** Decided tasks a fetch would clear: those a person set (Poststelle's own proposals are derived again). */
export async function countUserTasks(db: Db, listId: string) {
  const r = await db
    .selectFrom("subscription_sync")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("list_id", "=", listId)
    .where("task", "is not", null)
    .where((eb) =>
      eb.or([eb("task_reason", "is", null), eb("task_reason", "not in", ["blocklisted", "email_changed"])]),
    )
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
