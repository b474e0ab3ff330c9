// SQL of messages and transports. The work-queue statements (claim, heartbeat, record, reap) touch a whole
// batch per statement: DESIGN §8 measured per-row updates 30× slower than one `= any` / unnest update.
import { type Kysely, sql } from "kysely";
import type { DB, NewRow, Row } from "../db/schema.js";
import type { DerivedStatus } from "../events/status.js";
import { newId } from "../util/ids.js";

type Db = Kysely<DB>;

// ---------------------------------------------------------------- transports

export function selectTransports(db: Db, workspaceId: string) {
  return db
    .selectFrom("transports")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .orderBy("name")
    .execute();
}

export function selectTransport(db: Db, workspaceId: string, id: string) {
  return db
    .selectFrom("transports")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** Transports by id across workspaces (the worker's batch may hold several workspaces). */
export function selectTransportsById(db: Db, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([] as Row<"transports">[]);
  return db.selectFrom("transports").selectAll().where("id", "=", sql<string>`any(${ids}::text[])`).execute();
}

export function insertTransport(db: Db, row: NewRow<"transports">) {
  return db.insertInto("transports").values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateTransportRow(
  db: Db,
  workspaceId: string,
  id: string,
  set: Partial<
    Pick<
      NewRow<"transports">,
      | "name"
      | "config"
      | "is_default"
      | "updated_at"
      | "rate_limit"
      | "rate_window_seconds"
      | "max_concurrency"
    >
  >,
) {
  return db
    .updateTable("transports")
    .set(set)
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Only one default per workspace (a partial unique index): clear the old one before setting a new one. */
export async function clearDefaultTransport(db: Db, workspaceId: string, now: Date) {
  await db
    .updateTable("transports")
    .set({ is_default: false, updated_at: now })
    .where("workspace_id", "=", workspaceId)
    .where("is_default", "=", true)
    .execute();
}

export async function deleteTransportRow(db: Db, workspaceId: string, id: string) {
  await db.deleteFrom("transports").where("workspace_id", "=", workspaceId).where("id", "=", id).execute();
}

/** Two counts, so each uses its small partial index (queued: messages_work_idx, sending: messages_lease_idx). */
export async function countUnsentOnTransport(db: Db, transportId: string): Promise<number> {
  const r = await sql<{ n: number }>`
    select (select count(*) from messages where send_state = 'queued' and transport_id = ${transportId})
         + (select count(*) from messages where send_state = 'sending' and transport_id = ${transportId}) as n`.execute(
    db,
  );
  return Number(r.rows[0]?.n ?? 0);
}

// ---------------------------------------------------------------- workspaces and contacts (read only)

export async function selectWorkspaceSettings(db: Db, ids: string[]): Promise<Map<string, unknown>> {
  const rows = await db
    .selectFrom("workspaces")
    .select(["id", "settings"])
    .where("id", "=", sql<string>`any(${ids}::text[])`)
    .execute();
  return new Map(rows.map((r) => [r.id, r.settings]));
}

export function selectContactsById(db: Db, workspaceId: string, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([] as Row<"contacts">[]);
  return db
    .selectFrom("contacts")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", sql<string>`any(${ids}::text[])`)
    .execute();
}

/** Contacts holding any of the given lower-cased addresses (oldest first, so the first match is stable). */
export function selectContactsByEmailKey(db: Db, workspaceId: string, keys: string[]) {
  if (keys.length === 0) return Promise.resolve([] as Row<"contacts">[]);
  return db
    .selectFrom("contacts")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where(sql<boolean>`email_keys && ${keys}::text[]`)
    .orderBy("id")
    .execute();
}

// ---------------------------------------------------------------- messages: submission and reading

/** The SQL types of the message columns a submission writes (001_core.sql, 030_delivery.sql). */
const SUBMITTED_COLUMN_TYPES: Record<string, string> = {
  id: "text",
  workspace_id: "text",
  channel: "text",
  contact_id: "text",
  to_address: "text",
  from_address: "text",
  from_name: "text",
  reply_to: "text",
  subject: "text",
  text_body: "text",
  html_body: "text",
  attachments: "jsonb",
  template_id: "text",
  data: "jsonb",
  tags: "text[]",
  read_receipt: "boolean",
  archive_bcc: "text",
  campaign_id: "text",
  transport_id: "text",
  message_id_header: "text",
  return_path: "text",
  idempotency_key: "text",
  idempotency_fingerprint: "text",
  resent_from: "text",
  send_state: "text",
  attempts: "integer",
  next_attempt_at: "timestamptz",
  status: "text",
  status_reason: "text",
  error_code: "text",
  created_at: "timestamptz",
  updated_at: "timestamptz",
};

/** Columns that can be large (a body, base64 attachments): each value is a parameter of its own instead of
 * a string inside the JSON parameter. PostgreSQL 15 reads a JSON string character by character into a
 * buffer (json_lex, appendStringInfoChar), which for 500 bodies of 5 KB was ~40 ms of the server's time per
 * batch; a text parameter arrives as it is. */
const LARGE_COLUMNS = new Set(["text_body", "html_body", "attachments"]);
/** A large column whose values in a batch are all shorter than this (no HTML part, no attachments: null and
 * "[]") travels in the JSON with the small ones: a parameter per message costs more than a few characters. */
const SHORT = 256;

/** Whether every row has exactly the given columns, each with a value (counted without allocating). */
function uniformRows(rows: NewRow<"messages">[], columns: string[]): boolean {
  if (!columns.every((c) => c in SUBMITTED_COLUMN_TYPES)) return false;
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    let keys = 0;
    for (const k in r) {
      if (r[k] === undefined) return false;
      keys++;
    }
    if (keys !== columns.length || !columns.every((c) => c in r)) return false;
  }
  return true;
}

/** Whether every row has the same value in a column (compared as the JSON parameter would carry it). */
function sameInEveryRow(rows: NewRow<"messages">[], column: string): boolean {
  const key = (v: unknown) =>
    v instanceof Date ? `d${v.getTime()}` : Array.isArray(v) ? `a${JSON.stringify(v)}` : v;
  const first = key((rows[0] as Record<string, unknown>)[column]);
  if (typeof first === "object" && first !== null) return false;
  return rows.every((row) => key((row as Record<string, unknown>)[column]) === first);
}

/** Whether a large column's values in this batch are all short enough for the JSON parameter. */
function allShort(rows: NewRow<"messages">[], column: string): boolean {
  return rows.every((row) => {
    const v = (row as Record<string, unknown>)[column];
    return v === null || (typeof v === "string" && v.length < SHORT);
  });
}

/** Inserts in one statement; rows whose Idempotency-Key is already taken are skipped (the race between two
 * identical requests is settled by the unique index, not by a prior lookup). The rows travel as one JSON
 * parameter (json_to_recordset) rather than ~30 bound parameters per message: a batch of 500 was 15,000
 * parameters, each compiled by Kysely and escaped by the driver, on the API's hot path. jsonb columns
 * arrive as JSON text (NewRow's form) and are cast. The large columns are one parameter per message,
 * gathered in an array constant (the planner folds `array[$1, $2, …]` once) that each row reads by its
 * position `n`. */
export async function insertMessages(db: Db, rows: NewRow<"messages">[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const columns = Object.keys(rows[0]);
  if (!uniformRows(rows, columns)) return insertMessagesWithKysely(db, rows);
  const jsonb = (c: string) => SUBMITTED_COLUMN_TYPES[c] === "jsonb";
  const isLarge = (c: string) => LARGE_COLUMNS.has(c) && !allShort(rows, c);
  const large = columns.filter(isLarge);
  const shared = columns.filter((c) => c !== "id" && !large.includes(c) && sameInEveryRow(rows, c));
  const small = columns.filter((c) => !large.includes(c) && !shared.includes(c));
  const recordType = [...small.map((c) => `${c} ${jsonb(c) ? "text" : SUBMITTED_COLUMN_TYPES[c]}`), "n int"];
  const selected = [
    ...small.map((c) => sql.raw(jsonb(c) ? `r.${c}::jsonb` : `r.${c}`)),
    // A value every row has (the workspace, sender, transport, state and times of a request's batch) is one
    // parameter, converted once, instead of a field in each row's JSON that the server lexes and converts
    // row by row.
    ...shared.map((c) => {
      const type = SUBMITTED_COLUMN_TYPES[c];
      const v = (rows[0] as Record<string, unknown>)[c];
      return jsonb(c) ? sql`${v}::text::jsonb` : sql`${v}::${sql.raw(type)}`;
    }),
    ...large.map((c) => {
      const values = rows.map((row) => sql`${(row as Record<string, unknown>)[c]}::text`);
      return sql`(array[${sql.join(values)}])[r.n]${sql.raw(jsonb(c) ? "::jsonb" : "")}`;
    }),
  ];
  const records = rows.map((row, i) => {
    const record: Record<string, unknown> = { n: i + 1 };
    for (const c of small) record[c] = (row as Record<string, unknown>)[c];
    return record;
  });
  const insert = sql`
    insert into messages (${sql.raw([...small, ...shared, ...large].join(", "))})
    select ${sql.join(selected)}
      from json_to_recordset(${JSON.stringify(records)}::json) as r(${sql.raw(recordType.join(", "))})`;
  if (!rows.some(hasIdempotencyKey)) {
    // No row names a key, so none can meet the arbiter (a partial index of keyed rows) and every row goes
    // in or the statement fails. ON CONFLICT would make each row a speculative insertion all the same: a
    // pre-check of the arbiter, a speculative lock taken and released, and one more WAL record to confirm
    // the tuple (~48 bytes per message).
    await insert.execute(db);
    return new Set(rows.map((row) => row.id as string));
  }
  const r = await sql<{ id: string }>`${insert}
    on conflict (workspace_id, idempotency_key) where idempotency_key is not null do nothing
    returning id`.execute(db);
  return new Set(r.rows.map((x) => x.id));
}

function hasIdempotencyKey(row: NewRow<"messages">): boolean {
  return row.idempotency_key !== null && row.idempotency_key !== undefined;
}

/** Rows of differing shapes or other columns: Kysely's multi-row INSERT. */
async function insertMessagesWithKysely(db: Db, rows: NewRow<"messages">[]): Promise<Set<string>> {
  if (!rows.some(hasIdempotencyKey)) {
    await db.insertInto("messages").values(rows).execute();
    return new Set(rows.map((row) => row.id as string));
  }
  const inserted = await db
    .insertInto("messages")
    .values(rows)
    .onConflict((oc) =>
      oc.columns(["workspace_id", "idempotency_key"]).where("idempotency_key", "is not", null).doNothing(),
    )
    .returning("id")
    .execute();
  return new Set(inserted.map((r) => r.id));
}

export function selectByIdempotencyKeys(db: Db, workspaceId: string, keys: string[]) {
  if (keys.length === 0) return Promise.resolve([]);
  return db
    .selectFrom("messages")
    .select(["id", "idempotency_key", "idempotency_fingerprint", "status", "to_address"])
    .where("workspace_id", "=", workspaceId)
    .where("idempotency_key", "=", sql<string>`any(${keys}::text[])`)
    .execute();
}

export function selectMessage(db: Db, workspaceId: string, id: string) {
  return db
    .selectFrom("messages")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** Every column except the stored MIME, which only /raw needs. */
export const messageListColumns = [
  "id",
  "workspace_id",
  "channel",
  "contact_id",
  "to_address",
  "from_address",
  "from_name",
  "reply_to",
  "subject",
  "template_id",
  "tags",
  "read_receipt",
  "archive_bcc",
  "campaign_id",
  "transport_id",
  "message_id_header",
  "return_path",
  "idempotency_key",
  "send_state",
  "attempts",
  "next_attempt_at",
  "status",
  "status_reason",
  "error_code",
  "queue_id",
  "resent_from",
  "created_at",
  "updated_at",
  "sent_at",
  "body_purged_at",
] as const;

export interface MessageFilter {
  status?: string;
  to?: string;
  contact_id?: string;
  campaign_id?: string;
  tag?: string;
  since?: Date;
  until?: Date;
  /** id of the last message of the previous page (newest first) */
  before_id?: string;
}

/** The smallest message id of a given millisecond: "msg_" and the id's time part. */
function idFloor(t: Date): string {
  const id = newId("msg", t.getTime());
  return id.slice(0, id.indexOf("_") + 11);
}

export function selectMessages(db: Db, workspaceId: string, f: MessageFilter, limit: number) {
  let q = db.selectFrom("messages").select(messageListColumns).where("workspace_id", "=", workspaceId);
  if (f.status) q = q.where("status", "=", f.status);
  if (f.to) q = q.where(sql<string>`lower(to_address)`, "=", f.to.toLowerCase());
  if (f.contact_id) q = q.where("contact_id", "=", f.contact_id);
  if (f.campaign_id) q = q.where("campaign_id", "=", f.campaign_id);
  // `tags <> '{}'` lets the planner use the partial tag index (migration 032).
  if (f.tag) q = q.where(sql<boolean>`tags <> '{}' and tags @> array[${f.tag}]::text[]`);
  // Ids are time-ordered by creation (001_core.sql, util/ids.ts): the id bounds narrow the scan on
  // (workspace_id, id); created_at keeps the result exact to the millisecond.
  if (f.since) q = q.where("id", ">=", idFloor(f.since)).where("created_at", ">=", f.since);
  if (f.until)
    q = q.where("id", "<", idFloor(new Date(f.until.getTime() + 1))).where("created_at", "<", f.until);
  if (f.before_id) q = q.where("id", "<", f.before_id);
  return q.orderBy("id", "desc").limit(limit).execute();
}

export async function selectRawMime(db: Db, workspaceId: string, id: string) {
  return db
    .selectFrom("messages")
    .select([...claimColumns, "body_purged_at", "send_state"])
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

// ---------------------------------------------------------------- the work queue

/** What the worker needs to build and send a message. */
export const claimColumns = [
  "id",
  "workspace_id",
  "to_address",
  "from_address",
  "from_name",
  "reply_to",
  "subject",
  "text_body",
  "html_body",
  "attachments",
  "read_receipt",
  "archive_bcc",
  "transport_id",
  "message_id_header",
  "return_path",
  "attempts",
  "raw_mime",
  "mime_date",
  "mime_sha256",
] as const;
export type ClaimedMessage = Pick<Row<"messages">, (typeof claimColumns)[number]>;

/** Plans the rest of the transaction as key lookups: a batch statement that names its rows (by id, or the
 * queue index's first rows in order) reads them through the index instead of scanning the table. The planner
 * needs no statistics to be told: PGlite has no autovacuum, so a fresh database plans from none for its first
 * minute (src/db/analyze.ts), and even analysed, the statistics say that almost no message is `sending` —
 * they were taken before the claim — so the outcome's join was planned as a scan of every message with the
 * batch's 500 ids compared against each row it kept (EXPLAIN: a nested loop with a join filter, 249,500
 * rows removed per batch of 500, ~0.5 s on PGlite), and the claim sorted every due message to take the first
 * 500 (a bitmap scan of the whole queue) instead of reading them off messages_work_idx in order. */
export async function planForKeyLookups(tx: Db) {
  if (!tx.isTransaction) throw new Error("planForKeyLookups must run inside a transaction");
  await sql`select set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true),
                   set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),
                   set_config('enable_sort', 'off', true)`.execute(tx);
}

/** DESIGN §3.3–3.4: claim due messages with FOR UPDATE SKIP LOCKED and a lease, so any number of
 * workers share the queue and none takes what another holds. The rows locked are named by their ctid, so
 * the update reads them straight from the heap (a TID scan) instead of looking each up again in the primary
 * key: ~6 % fewer buffers per claim. A ctid is stable while the row is locked; a row whose locked version is
 * newer than the statement's snapshot is not visible to the TID scan and stays queued for the next claim. */
export async function claimDueMessages(
  db: Db,
  owner: string,
  now: Date,
  leaseUntil: Date,
  limit: number,
  rowLocks = true,
): Promise<ClaimedMessage[]> {
  const cols = sql.join(claimColumns.map((c) => sql.ref(`m.${c}`)));
  // Without row locks (PGlite: one connection, no other claim can run between the select and the update)
  // the rows are not locked first: that only wrote each tuple's header once more before the update did.
  const lock = rowLocks ? sql`for update skip locked` : sql``;
  const r = await sql<ClaimedMessage>`
    update messages m
       set send_state = 'sending', lease_owner = ${owner}, lease_until = ${leaseUntil}, updated_at = ${now}
     where m.ctid = any(array(
             select ctid from messages
              where send_state = 'queued' and next_attempt_at <= ${now}
              order by next_attempt_at
              limit ${limit}
              ${lock}))
     returning ${cols}`.execute(db);
  return r.rows;
}

/** The worker's heartbeat: a batch that takes long (a slow relay) keeps its lease. */
export async function extendLeases(db: Db, owner: string, ids: string[], leaseUntil: Date) {
  if (ids.length === 0) return;
  await sql`update messages set lease_until = ${leaseUntil}
             where id = any(${ids}::text[]) and lease_owner = ${owner} and send_state = 'sending'`.execute(
    db,
  );
}

/** Gives claimed messages back to the queue: only when none of them has been handed to a transport. */
export async function releaseClaims(db: Db, owner: string, ids: string[], now: Date) {
  await sql`update messages set send_state = 'queued', lease_until = null, updated_at = ${now}
             where id = any(${ids}::text[]) and lease_owner = ${owner} and send_state = 'sending'`.execute(
    db,
  );
}

export interface Outcome {
  id: string;
  send_state: "done" | "queued" | "unknown";
  attempts: number;
  next_attempt_at: Date | null;
  queue_id: string | null;
  sent_at: Date | null;
  /** The MIME that was built, in its stored form (packMime), written once: a retry sends the same bytes. */
  raw_mime: Buffer | null;
  /** Or, for an unsigned message, its recipe (migration 201): the Date it was built with and the digest of
   * the bytes; written once like raw_mime. */
  mime_date: Date | null;
  mime_sha256: string | null;
  /** The status derived from the message's events, including those of this batch. */
  status: DerivedStatus | null;
}

/** Records the outcome of a whole batch in one statement. Only rows this worker still holds are written;
 * a row the reaper already marked `unknown` is written too, because now the outcome is known.
 *
 * The stored MIME (several KB per message) stays out of the joined row set: it is read by position from an
 * array constant. Inside the join it made the set larger than work_mem, and with the planner's estimate of
 * one `sending` row it was joined by a nested loop that re-read the spilled set once per message — seconds
 * per batch of 500, growing with the table. Each MIME is a parameter of its own, which the driver sends as
 * binary bytea (a Buffer), gathered by `array[$1, $2, …]` (folded once by the planner): no base64 in this
 * process, no array parsing and decoding in the server (a tenth of the server's time for that column). */
export async function recordOutcomes(
  db: Db,
  owner: string,
  outcomes: Outcome[],
  now: Date,
  opts: { mimeAsBase64?: boolean; keyLookups?: boolean } = {},
) {
  if (outcomes.length === 0) return;
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  const col = <T>(f: (o: Outcome) => T) => outcomes.map(f);
  const mimes: Buffer[] = [];
  const mimeAt = col((o) => (o.raw_mime ? mimes.push(o.raw_mime) : null));
  // PGlite turns a bytea parameter into hex one byte at a time in JavaScript; base64 (native here) decoded
  // by the database is far cheaper there.
  const mimeParam = (b: Buffer) =>
    opts.mimeAsBase64 ? sql`decode(${b.toString("base64")}::text, 'base64')` : sql`${b}::bytea`;
  const heldTest = sql`m.lease_owner = ${owner} and m.send_state in ('sending', 'unknown')`;
  // keyLookups (PGlite, see planForKeyLookups): inside coalesce the planner estimates the test at one half,
  // not at almost no row (statistics, where there are any, date from before the claim), and then looks each
  // row of u up by its key instead of scanning for the few rows it expected and comparing each with all of u.
  const held = opts.keyLookups ? sql`coalesce(${heldTest}, false)` : heldTest;
  const mimeArray = mimes.length ? sql`array[${sql.join(mimes.map(mimeParam))}]` : sql`array[]::bytea[]`;
  await sql`
    update messages m
       set send_state = u.state,
           attempts = u.attempts,
           next_attempt_at = coalesce(u.next_at, m.next_attempt_at),
           queue_id = coalesce(u.queue_id, m.queue_id),
           sent_at = coalesce(u.sent_at, m.sent_at),
           raw_mime = coalesce(m.raw_mime, (${mimeArray})[u.mime_at]),
           mime_date = coalesce(m.mime_date, u.mime_date),
           mime_sha256 = coalesce(m.mime_sha256, u.mime_sha256),
           status = coalesce(u.status, m.status),
           status_reason = case when u.status is null then m.status_reason else u.reason end,
           error_code = case when u.status is null then m.error_code else u.code end,
           lease_until = null,
           updated_at = ${now}
      from unnest(${col((o) => o.id)}::text[], ${col((o) => o.send_state)}::text[],
                  ${col((o) => o.attempts)}::int[], ${col((o) => iso(o.next_attempt_at))}::timestamptz[],
                  ${col((o) => o.queue_id)}::text[], ${col((o) => iso(o.sent_at))}::timestamptz[],
                  ${col((o) => o.status?.status ?? null)}::text[], ${col((o) => o.status?.status_reason ?? null)}::text[],
                  ${col((o) => o.status?.error_code ?? null)}::text[], ${mimeAt}::int[],
                  ${col((o) => iso(o.mime_date))}::timestamptz[], ${col((o) => o.mime_sha256)}::text[])
           as u(id, state, attempts, next_at, queue_id, sent_at, status, reason, code, mime_at, mime_date,
                mime_sha256)
     where m.id = u.id and ${held}`.execute(db);
}

/** DESIGN §3.4: a lease that ran out while `sending` means a worker died during the SMTP transaction.
 * The outcome is unknown; the message is never claimed again automatically. */
export async function markExpiredLeasesUnknown(db: Db, now: Date, limit = 1000) {
  const r = await sql<{ id: string; workspace_id: string; lease_owner: string | null; lease_until: Date }>`
    update messages m
       set send_state = 'unknown', updated_at = ${now}
     where m.id = any(array(
             select id from messages
              where send_state = 'sending' and lease_until < ${now}
              order by lease_until
              limit ${limit}
              for update skip locked))
     returning m.id, m.workspace_id, m.lease_owner, m.lease_until`.execute(db);
  return r.rows;
}

// ---------------------------------------------------------------- retention (DSGVO)

export async function selectRetentionWorkspaces(db: Db) {
  const r = await sql<{ id: string; retention_days: number }>`
    select id, (settings->>'retention_days')::int as retention_days from workspaces
     where jsonb_typeof(settings->'retention_days') = 'number'`.execute(db);
  return r.rows;
}

/** Empties the bodies of up to `limit` finished messages created before `cutoff`; returns how many. */
export async function purgeBodies(db: Db, workspaceId: string, cutoff: Date, now: Date, limit: number) {
  const r = await sql`
    update messages m
       set text_body = null, html_body = null, raw_mime = null, attachments = '[]'::jsonb, data = null,
           body_purged_at = ${now}, updated_at = ${now}
     where m.id = any(array(
             select id from messages
              where workspace_id = ${workspaceId} and created_at < ${cutoff} and body_purged_at is null
                and send_state in ('done', 'unknown')
              limit ${limit}
              for update skip locked))`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
