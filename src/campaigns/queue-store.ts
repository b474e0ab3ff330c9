// The recipients as a work queue (DESIGN §3.3–3.4): claim with FOR UPDATE SKIP LOCKED and a lease, write a
// whole batch's outcome in one UPDATE … FROM unnest, reap leases of workers that died. Every statement here
// touches a batch, never a row at a time (DESIGN §8: per-row updates are 30× slower).
import { type Kysely, sql } from "kysely";
import { idlePoll, prepared } from "../db/prepared.js";
import type { DB, RecipientStatus } from "../db/schema.js";
import type { DerivedStatus } from "../events/status.js";
import { type MessageStatus, type StatusEventType, statusPrecedence } from "../events/status.js";

type Db = Kysely<DB>;

export interface ActiveCampaign {
  id: string;
  workspace_id: string;
  current_run_id: string;
}

/** Campaigns in progress with a recipient due now. Asked before every batch, so each campaign's question
 * is one probe of the due index (a lateral subquery with a limit). As `exists (…)` the planner could make
 * it a join and, believing most recipients pending, read the whole recipients table per batch. */
export async function campaignsWithDueRecipients(db: Db, now: Date): Promise<ActiveCampaign[]> {
  const r = await idlePoll(sql<ActiveCampaign>`
    select c.id, c.workspace_id, c.current_run_id from campaigns c
     cross join lateral (
       select 1 from campaign_recipients r
        where r.campaign_id = c.id and r.status = 'pending' and r.next_attempt_at <= ${now}
        limit 1) due
     where c.state = 'in_progress' and c.kind = 'email' and c.current_run_id is not null
     order by c.id`).execute(db);
  return r.rows;
}

/** The earliest time a waiting recipient of the campaign becomes due (after a temporary failure). */
export async function nextDueAt(db: Db, campaignId: string): Promise<Date | null> {
  const r = await sql<{ at: Date | null }>`
    select min(next_attempt_at) as at from campaign_recipients
     where campaign_id = ${campaignId} and status = 'pending'`.execute(db);
  return r.rows[0]?.at ?? null;
}

/** A claimed recipient with what rendering needs of its contact, read in the same statement. */
export interface ClaimedRecipient {
  contact_id: string;
  list_id: string | null;
  position: number;
  attempts: number;
  message_id: string | null;
  previous_message_id: string | null;
  to_address: string | null;
  mime_date: Date | null;
  merge: unknown;
  contact: Record<string, unknown>;
}

/** Claims a batch and reads each claimed contact by its primary key, as json (the driver parses it; as
 * jsonb the server built the binary form of every contact only to print it as text). A join to contacts
 * was planned as a merge join that read the contacts index from its start up to the batch's last id:
 * recipients are claimed in load order, so each claim read every contact before it again, and the
 * campaign's cost grew with the square of its size. */
export async function claimRecipients(
  db: Db,
  c: { campaignId: string; runId: string; owner: string; now: Date; leaseUntil: Date; limit: number },
): Promise<ClaimedRecipient[]> {
  if (c.limit <= 0) return [];
  const r = await sql<ClaimedRecipient>`
    with picked as (
      select contact_id from campaign_recipients
       where campaign_id = ${c.campaignId} and status = 'pending' and next_attempt_at <= ${c.now}
       order by next_attempt_at, position
       limit ${c.limit}
       for update skip locked
    ), claimed as (
      update campaign_recipients r
         set status = 'claimed', lease_owner = ${c.owner}, lease_until = ${c.leaseUntil}, run_id = ${c.runId}
        from picked p
       where r.campaign_id = ${c.campaignId} and r.contact_id = p.contact_id
      returning r.contact_id, r.list_id, r.position, r.attempts, r.message_id, r.previous_message_id,
                r.to_address, r.mime_date, r.merge
    )
    select claimed.*, (select to_json(k.*) from contacts k where k.id = claimed.contact_id) as contact
      from claimed
     order by claimed.position`.execute(db);
  // As the join did, a recipient whose contact is gone (deleted since) is left claimed, not returned.
  return r.rows.filter((x) => x.contact !== null);
}

/** Gives claimed recipients back untouched (a rate window ran out between claim and send). */
export async function releaseClaims(db: Db, campaignId: string, owner: string, contactIds: string[]) {
  if (contactIds.length === 0) return;
  await sql`
    update campaign_recipients set status = 'pending', lease_owner = null, lease_until = null
     where campaign_id = ${campaignId} and contact_id = any(${contactIds}::text[])
       and lease_owner = ${owner} and status = 'claimed'`.execute(db);
}

export async function extendRecipientLeases(
  db: Db,
  campaignId: string,
  owner: string,
  contactIds: string[],
  leaseUntil: Date,
) {
  if (contactIds.length === 0) return;
  await sql`
    update campaign_recipients set lease_until = ${leaseUntil}
     where campaign_id = ${campaignId} and contact_id = any(${contactIds}::text[])
       and lease_owner = ${owner} and status in ('claimed', 'sending')`.execute(db);
}

/** One recipient's new state. null in message_id … mime_sha256 keeps what is stored. */
export interface RecipientWrite {
  contact_id: string;
  status: RecipientStatus;
  reason: string | null;
  detail: string | null;
  attempts: number;
  next_attempt_at: Date | null;
  message_id: string | null;
  to_address: string | null;
  mime_date: Date | null;
  /** What the message is rendered from (stored as jsonb). */
  merge: unknown;
  mime_sha256: string | null;
  done_at: Date | null;
}

/** The UPDATE of a batch of recipients, only of those this worker holds. A row the reaper already marked
 * `unknown` is written too: its outcome is known after all. The lease stays while the recipient is still
 * being worked on (claimed, sending) and is cleared otherwise.
 *
 * The rows are found through the primary key (campaign_id, contact_id = any(ids)) and joined by contact id
 * to one JSON record set. Without the `any(ids)` the planner (which cannot see into the JSON, and has no
 * statistics for a new lease owner) scanned every recipient of the campaign per statement. The parameter
 * is `json`, taken apart once by json_to_recordset: as one jsonb object keyed by contact id, PostgreSQL
 * built the binary form of every row — with its merge data, ~650 bytes — and copied each row's object out
 * again for each of its fifteen lookups; the merge data now goes into the json column as the text sent.
 * One JSON parameter rather than a dozen arrays: JSON.stringify and PostgreSQL's JSON reader are both
 * native code, where the driver's array literals escape every string in JS. */
function recipientsUpdate(campaignId: string, owner: string, rows: RecipientWrite[]) {
  return sql`
    update campaign_recipients r
       set status = u.status, reason = u.reason, detail = u.detail, attempts = u.attempts,
           next_attempt_at = coalesce(u.next_attempt_at, r.next_attempt_at),
           message_id = coalesce(u.message_id, r.message_id),
           to_address = coalesce(u.to_address, r.to_address),
           mime_date = coalesce(u.mime_date, r.mime_date),
           merge = coalesce(u.merge, r.merge),
           mime_sha256 = coalesce(u.mime_sha256, r.mime_sha256),
           done_at = u.done_at,
           lease_owner = case when u.status in ('claimed', 'sending') then r.lease_owner end,
           lease_until = case when u.status in ('claimed', 'sending') then r.lease_until end
      from json_to_recordset(${JSON.stringify(rows)}::json)
           as u(contact_id text, status text, reason text, detail text, attempts int, next_attempt_at timestamptz,
                message_id text, to_address text, mime_date timestamptz, merge json, mime_sha256 text,
                done_at timestamptz)
     where r.campaign_id = ${campaignId} and r.contact_id = any(${rows.map((x) => x.contact_id)}::text[])
       and r.contact_id = u.contact_id
       and r.lease_owner = ${owner} and r.status in ('claimed', 'sending', 'unknown')`;
}

/** Writes a batch of recipients in one statement; returns those this worker still holds (a recipient whose
 * lease ran out and was taken by another worker must not be sent by this one). */
export async function writeRecipients(
  db: Db,
  campaignId: string,
  owner: string,
  rows: RecipientWrite[],
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  // Kept prepared (src/db/prepared.ts): the marking runs once per group of ~50 recipients.
  const r = await prepared(
    sql<{ contact_id: string }>`${recipientsUpdate(campaignId, owner, rows)}
    returning r.contact_id`,
  ).execute(db);
  return new Set(r.rows.map((x) => x.contact_id));
}

/** Sending again (seed 004): recipients not sent get another chance; `unknown` only when asked for. The
 * message of the earlier attempt stays with its timeline; the new one points back at it. */
export async function resetForRun(db: Db, campaignId: string, includeUnknown: boolean, now: Date) {
  const statuses = includeUnknown ? ["error", "excluded", "unknown"] : ["error", "excluded"];
  const r = await sql`
    update campaign_recipients
       set status = 'pending', reason = null, detail = null, attempts = 0, next_attempt_at = ${now},
           lease_owner = null, lease_until = null, done_at = null,
           previous_message_id = coalesce(message_id, previous_message_id), message_id = null,
           to_address = null, mime_date = null, merge = null, mime_sha256 = null
     where campaign_id = ${campaignId} and status = any(${statuses}::text[])`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** In-progress e-mail campaigns that have nothing left to send: their run is over. Asked by every
 * housekeeping round while a campaign sends, so it reads only the partial indexes of the work queue: the
 * due index by campaign for pending recipients, and the lease index, which holds only the recipients in
 * flight, for claimed and sending ones. Through the primary key it read every recipient of the campaign. */
export async function campaignsRunDone(db: Db) {
  const r = await idlePoll(sql<{ id: string; workspace_id: string }>`
    with in_flight as materialized (
      select distinct campaign_id from campaign_recipients where status in ('claimed', 'sending')
    )
    select c.id, c.workspace_id from campaigns c
     where c.state = 'in_progress' and c.kind = 'email'
       and not exists (select 1 from campaign_recipients r
                        where r.campaign_id = c.id and r.status = 'pending' offset 0)
       and not exists (select 1 from in_flight f where f.campaign_id = c.id)`).execute(db);
  return r.rows;
}

// ---------------------------------------------------------------- crash safety

/** Claimed but never handed to SMTP (the message did not exist yet): safe to claim again. */
export async function returnExpiredClaims(db: Db, now: Date, limit = 5000) {
  const r = await sql`
    update campaign_recipients r set status = 'pending', lease_owner = null, lease_until = null
     where (r.campaign_id, r.contact_id) in (
             select campaign_id, contact_id from campaign_recipients
              where status = 'claimed' and lease_until < ${now}
              limit ${limit} for update skip locked)`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

export interface ReapedRecipient {
  campaign_id: string;
  contact_id: string;
  workspace_id: string;
  message_id: string | null;
  lease_owner: string | null;
  lease_until: Date;
  /** What the message was rendered from, to write it when the worker died before it did (reaped.ts). */
  run_id: string | null;
  list_id: string | null;
  attempts: number;
  previous_message_id: string | null;
  to_address: string | null;
  mime_date: Date | null;
  merge: unknown;
}

/** DESIGN §3.4: a lease that ran out while `sending` means the worker died during the SMTP transaction;
 * the outcome is unknown and the recipient is never claimed again automatically. */
export async function markExpiredSendingUnknown(db: Db, now: Date, limit = 5000): Promise<ReapedRecipient[]> {
  const r = await sql<ReapedRecipient>`
    update campaign_recipients r
       set status = 'unknown', reason = 'outcome_unknown',
           detail = 'The worker stopped during the SMTP transaction; not resent automatically', done_at = ${now}
     where (r.campaign_id, r.contact_id) in (
             select campaign_id, contact_id from campaign_recipients
              where status = 'sending' and lease_until < ${now}
              limit ${limit} for update skip locked)
     returning r.campaign_id, r.contact_id, r.workspace_id, r.message_id, r.lease_owner, r.lease_until, r.run_id,
               r.list_id, r.attempts, r.previous_message_id, r.to_address, r.mime_date, r.merge`.execute(db);
  return r.rows;
}

// ---------------------------------------------------------------- the recipients' messages
//
// A first attempt's message row is written once, with its outcome (writeOutcomes), not inserted before the
// SMTP transaction and updated after it: on `messages` that update cannot be HOT (the work state is in the
// predicates of the delivery queue's indexes), so it cost a second row version with an entry in every
// index. Before the transaction the recipient row is the record that the message may leave (DESIGN §3.4):
// `sending`, with the message's id, address, Date and merge data. A worker that dies in between leaves
// that row to the reaper, which writes the message as `unknown` from it (reaped.ts).

export interface CampaignMessage {
  id: string;
  workspace_id: string;
  contact_id: string;
  to_address: string;
  from_address: string;
  from_name: string | null;
  reply_to: string | null;
  subject: string | null;
  template_id: string | null;
  campaign_id: string;
  transport_id: string | null;
  message_id_header: string;
  return_path: string;
  archive_bcc: string | null;
  resent_from: string | null;
  owner: string;
  created_at: Date;
}

/** A message written for the first time, already in the work state its attempt ended in. */
export interface CreatedMessage extends CampaignMessage {
  send_state: "sending" | "done" | "unknown";
  attempts: number;
  queue_id: string | null;
  sent_at: Date | null;
}

/** The `queued` event each new message starts its timeline with (at its created_at). */
export interface QueuedEvents {
  /** Event ids, one per created message in order. */
  ids: string[];
  detail: string;
  evidence: string;
}

export interface MessageWrite {
  id: string;
  send_state: "sending" | "done" | "unknown";
  attempts: number;
  queue_id: string | null;
  sent_at: Date | null;
  /** The status derived from the message's events (appendEventsForUpdate), written in the same UPDATE. */
  derived: DerivedStatus | null;
}

function messagesUpdate(rows: MessageWrite[], now: Date) {
  const col = <K extends keyof MessageWrite>(k: K) => rows.map((r) => r[k]);
  const derived = col("derived");
  return sql`
    update messages m
       set send_state = u.state, attempts = u.attempts, queue_id = coalesce(u.queue_id, m.queue_id),
           sent_at = coalesce(u.sent_at, m.sent_at),
           status = coalesce(u.status, m.status),
           status_reason = case when u.status is null then m.status_reason else u.reason end,
           error_code = case when u.status is null then m.error_code else u.code end,
           lease_owner = case when u.state = 'sending' then m.lease_owner end,
           updated_at = ${now}
      from unnest(${col("id")}::text[], ${col("send_state")}::text[], ${col("attempts")}::int[],
                  ${col("queue_id")}::text[], ${col("sent_at").map((d) => d?.toISOString() ?? null)}::timestamptz[],
                  ${derived.map((d) => d?.status ?? null)}::text[], ${derived.map((d) => d?.status_reason ?? null)}::text[],
                  ${derived.map((d) => d?.error_code ?? null)}::text[])
           as u(id, state, attempts, queue_id, sent_at, status, reason, code)
     where m.id = u.id`;
}

/** One UPDATE for the batch: work state and the derived status together, one row version per message. */
export async function writeMessages(db: Db, rows: MessageWrite[], now: Date) {
  if (rows.length === 0) return;
  await messagesUpdate(rows, now).execute(db);
}

/** One observation of the sending worker about one message (sent, deferred, failed, unknown). */
export interface OutcomeEvent {
  id: string;
  message_id: string;
  workspace_id: string;
  type: StatusEventType;
  source: string;
  detail: string;
  evidence: string;
  dedupe_key: string;
  error_code: string | null;
}

/** The rank of a status column's value, from the precedence table of src/events/status.ts (for a status
 * several event types share, the lowest of their ranks). */
const rankOf = (() => {
  const ranks = new Map<MessageStatus, number>();
  for (const { status, rank } of Object.values(statusPrecedence)) {
    ranks.set(status, Math.min(rank, ranks.get(status) ?? rank));
  }
  const arms = [...ranks].map(([status, rank]) => `when '${status}' then ${rank}`).join(" ");
  return (column: string) => sql.raw(`(case ${column} ${arms} else -1 end)`);
})();

/** A column of a JSON record set: its name and SQL type; `alike` when rows of a group usually share it. */
type RecordColumn = readonly [name: string, type: "text" | "int" | "timestamptz", alike?: "alike"];

const sameValue = (a: unknown, b: unknown) =>
  a === b || (a instanceof Date && b instanceof Date && a.getTime() === b.getTime());

/**
 * Rows as one JSON record set, `from (…) as u`: the `alike` columns whose value every row shares go once,
 * in a JSON object beside the rows, instead of once per row (a campaign group's workspace, sender, template,
 * campaign, worker, times and states: about half of each row). A row's own value wins; a column with one
 * shared value has none per row, and one without is absent from the shared object. JSON.stringify with the
 * per-row columns as its replacer leaves the shared ones out without copying the rows.
 */
function recordSet(rows: readonly object[], columns: readonly RecordColumn[]) {
  const shared: Record<string, unknown> = {};
  const own: string[] = [];
  for (const [name, , alike] of columns) {
    const first = (rows[0] as Record<string, unknown> | undefined)?.[name] ?? null;
    if (alike && rows.every((r) => sameValue((r as Record<string, unknown>)[name] ?? null, first)))
      shared[name] = first;
    else own.push(name);
  }
  const definition = columns.map(([name, type]) => `${name} ${type}`).join(", ");
  const select = columns
    .map(([name, type, alike]) =>
      alike ? `coalesce(u.${name}, (s.o ->> '${name}')::${type}) as ${name}` : `u.${name}`,
    )
    .join(", ");
  return sql`(select ${sql.raw(select)}
      from json_to_recordset(${JSON.stringify(rows, own)}::json) as u(${sql.raw(definition)})
     cross join (select ${JSON.stringify(shared)}::jsonb as o) s)`;
}

const MESSAGE_COLUMNS: readonly RecordColumn[] = [
  ["id", "text"],
  ["workspace_id", "text", "alike"],
  ["contact_id", "text"],
  ["to_address", "text"],
  ["from_address", "text", "alike"],
  ["from_name", "text", "alike"],
  ["reply_to", "text", "alike"],
  ["subject", "text"],
  ["template_id", "text", "alike"],
  ["campaign_id", "text", "alike"],
  ["transport_id", "text", "alike"],
  ["message_id_header", "text"],
  ["return_path", "text"],
  ["archive_bcc", "text", "alike"],
  ["resent_from", "text", "alike"],
  ["owner", "text", "alike"],
  ["send_state", "text", "alike"],
  ["status", "text", "alike"],
  ["reason", "text"],
  ["code", "text", "alike"],
  ["attempts", "int", "alike"],
  ["queue_id", "text"],
  ["sent_at", "timestamptz"],
  ["created_at", "timestamptz", "alike"],
];

const EVENT_COLUMNS: readonly RecordColumn[] = [
  ["id", "text"],
  ["workspace_id", "text", "alike"],
  ["message_id", "text"],
  ["type", "text", "alike"],
  ["source", "text", "alike"],
  ["detail", "text"],
  ["evidence", "text"],
  ["dedupe_key", "text", "alike"],
  ["error_code", "text", "alike"],
];

/** Inserts first-attempt messages in their final work state. `tolerant`: a row that exists already (the
 * reaper wrote it as unknown after this worker's lease ran out, and the reply came after all) takes the new
 * work state, and the new status unless it already shows a higher-ranked one. Without it a row that exists
 * fails the statement with a unique violation (see writeOutcomes). Returns the ids actually inserted. */
function messagesInsert(
  rows: Array<CreatedMessage & { status: string; reason: string | null; code: string | null }>,
  now: Date,
  tolerant: boolean,
) {
  const existing = rankOf("messages.status");
  const incoming = rankOf("excluded.status");
  const onConflict = tolerant
    ? sql`on conflict (id) do update
       set send_state = excluded.send_state, attempts = excluded.attempts,
           queue_id = coalesce(excluded.queue_id, messages.queue_id),
           sent_at = coalesce(excluded.sent_at, messages.sent_at),
           status = case when ${existing} > ${incoming} then messages.status else excluded.status end,
           status_reason = case when ${existing} > ${incoming} then messages.status_reason else excluded.status_reason end,
           error_code = case when ${existing} > ${incoming} then messages.error_code else excluded.error_code end,
           lease_owner = excluded.lease_owner, updated_at = excluded.updated_at`
    : sql``;
  return sql`
    insert into messages (id, workspace_id, channel, contact_id, to_address, from_address, from_name, reply_to,
                          subject, template_id, campaign_id, transport_id, message_id_header, return_path,
                          archive_bcc, resent_from, lease_owner, send_state, status, status_reason, error_code,
                          attempts, queue_id, sent_at, attachments, tags, next_attempt_at, created_at, updated_at)
    select u.id, u.workspace_id, 'email', u.contact_id, u.to_address, u.from_address, u.from_name, u.reply_to,
           u.subject, u.template_id, u.campaign_id, u.transport_id, u.message_id_header, u.return_path,
           u.archive_bcc, u.resent_from, case when u.send_state = 'sending' then u.owner end, u.send_state,
           u.status, u.reason, u.code, u.attempts, u.queue_id, u.sent_at, '[]'::jsonb, '{}'::text[],
           u.created_at, u.created_at, ${now}::timestamptz
      from ${recordSet(rows, MESSAGE_COLUMNS)} as u
    ${onConflict}
    returning id, workspace_id, created_at, (xmax = 0) as fresh`;
}

/** What one group of SMTP replies writes (writeOutcomes). */
export interface OutcomeWrites {
  /** First attempts: their messages, inserted in the state the reply gave them. */
  created: CreatedMessage[];
  /** Retries: the work state of messages that exist. */
  updated: MessageWrite[];
  /** The `queued` events of the created messages. */
  queued: QueuedEvents | null;
  /** One outcome event per message, created or updated. */
  events: OutcomeEvent[];
  recipients: RecipientWrite[];
  /** The links of tracked messages (created or retried), stored once (a second write changes nothing). */
  links?: Array<{ message_id: string; workspace_id: string; idx: number; url: string }>;
}

/**
 * The outcome of a group in one statement: new messages are inserted with their outcome and their
 * `queued` event, the outcome events are appended, each existing message's status follows the precedence
 * order of src/events/status.ts (an event of this group wins unless the message already shows a
 * higher-ranked status — a DSN that overtook the SMTP reply, say; equal ranks go to the newer event, as
 * deriveStatus does), its work state is written, and the recipients get their outcome. It equals
 * appendEvents for these events without the lock-read-derive round trips: a concurrent appendEvents holds
 * the message row while it derives, and this UPDATE then re-reads the row it waited for.
 *
 * `tolerant` (ON CONFLICT on the new messages and on the events' dedupe key) is for a second try only:
 * a message or event can exist already only when the reaper wrote it after this worker's lease ran out, or
 * when an earlier try committed without its answer arriving. Plain inserts save each message and event
 * the arbiter index's extra lookup and the WAL record that confirms a speculative insertion (two of ~21
 * records per message); when one meets an existing row the statement fails with a unique violation
 * (isUniqueViolation), nothing is written, and the caller writes the group again tolerantly.
 */
export async function writeOutcomes(
  db: Db,
  c: { campaignId: string; owner: string },
  w: OutcomeWrites,
  now: Date,
  tolerant = true,
) {
  if (w.created.length === 0 && w.updated.length === 0) return;
  const byMessage = new Map(w.events.map((e) => [e.message_id, e]));
  const outcomeOf = (id: string) => {
    const e = byMessage.get(id)!;
    const p = statusPrecedence[e.type];
    return { status: p.status, rank: p.rank, reason: e.detail, code: e.error_code };
  };
  const created = w.created.map((m) => ({ ...m, ...outcomeOf(m.id) }));
  const updates = w.updated.map((m) => ({ ...m, derived: undefined, ...outcomeOf(m.id) }));
  const queued = w.queued ? w.created.map((m, i) => ({ id: m.id, event_id: w.queued!.ids[i] })) : [];
  const rank = rankOf("m.status");
  // Only a tracked group has links, and only then the statement stores them: untracked groups run the
  // same statement as before. The foreign key to messages is checked at the end of the statement, when
  // the messages of `created` exist.
  const links =
    w.links && w.links.length > 0
      ? sql`, links as (
      insert into message_links (message_id, idx, workspace_id, url)
      select l.message_id, l.idx, l.workspace_id, l.url
        from json_to_recordset(${JSON.stringify(w.links)}::json)
             as l(message_id text, workspace_id text, idx int, url text)
      on conflict (message_id, idx) do nothing
    )`
      : sql``;
  // Kept prepared (src/db/prepared.ts): planning these five CTEs cost ~3 ms per group, ~30 µs per message.
  await prepared(sql`
    with created as (${messagesInsert(created, now, tolerant)}
    ), queued as (
      insert into message_events (id, workspace_id, message_id, at, type, source, detail, evidence, created_at)
      select q.event_id, created.workspace_id, created.id, created.created_at, 'queued', 'campaign',
             ${w.queued?.detail ?? null}, ${w.queued?.evidence ?? null}::jsonb, ${now}::timestamptz
        from json_to_recordset(${JSON.stringify(queued)}::json) as q(id text, event_id text)
        join created on created.id = q.id and created.fresh
    ), appended as (
      insert into message_events (id, workspace_id, message_id, at, type, source, detail, evidence, dedupe_key,
                                  error_code, created_at)
      select e.id, e.workspace_id, e.message_id, ${now}::timestamptz, e.type, e.source, e.detail, e.evidence::jsonb,
             e.dedupe_key, e.error_code, ${now}::timestamptz
        from ${recordSet(w.events, EVENT_COLUMNS)} as e
      ${tolerant ? sql`on conflict (message_id, dedupe_key) where dedupe_key is not null do nothing` : sql``}
    ), updated as (
      update messages m
         set send_state = u.send_state, attempts = u.attempts, queue_id = coalesce(u.queue_id, m.queue_id),
             sent_at = coalesce(u.sent_at, m.sent_at),
             status = case when ${rank} > u.rank then m.status else u.status end,
             status_reason = case when ${rank} > u.rank then m.status_reason else u.reason end,
             error_code = case when ${rank} > u.rank then m.error_code else u.code end,
             lease_owner = case when u.send_state = 'sending' then m.lease_owner end,
             updated_at = ${now}
        from json_to_recordset(${JSON.stringify(updates)}::json)
             as u(id text, send_state text, attempts int, queue_id text, sent_at timestamptz, status text, rank int,
                  reason text, code text)
       where m.id = u.id
    )${links}
    ${recipientsUpdate(c.campaignId, c.owner, w.recipients)}`).execute(db);
}

/** Messages of reaped recipients that the dead worker never wrote, inserted as `unknown` (reaped.ts). */
export async function insertUnknownMessages(db: Db, rows: CreatedMessage[], now: Date) {
  if (rows.length === 0) return;
  const unknown = rows.map((m) => ({ ...m, status: "queued", reason: null, code: null }));
  await sql`${messagesInsert(unknown, now, true)}`.execute(db);
}

/** PostgreSQL's unique_violation (SQLSTATE 23505), as both drivers report it. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23505";
}

/** Which of these messages exist. */
export async function existingMessages(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const r = await sql<{ id: string }>`select id from messages where id = any(${ids}::text[])`.execute(db);
  return new Set(r.rows.map((x) => x.id));
}

/** The messages of reaped recipients: their outcome is unknown; delivery never claims them again. */
export async function markMessagesUnknown(db: Db, ids: string[], now: Date) {
  if (ids.length === 0) return;
  await sql`
    update messages set send_state = 'unknown', lease_owner = null, updated_at = ${now}
     where id = any(${ids}::text[]) and send_state = 'sending'`.execute(db);
}

/** Waiting campaigns whose rate window has reopened. */
export async function campaignsToResume(db: Db, now: Date) {
  const r = await idlePoll(sql<{ id: string; workspace_id: string }>`
    select id, workspace_id from campaigns
     where state = 'waiting_for_continuation' and (resume_at is null or resume_at <= ${now})`).execute(db);
  return r.rows;
}

/** Ready campaigns asked to send whose time has come (no scheduled_at: as soon as they are ready). */
export async function scheduledDue(db: Db, now: Date) {
  const r = await idlePoll(sql<{ id: string; workspace_id: string }>`
    select id, workspace_id from campaigns
     where state = 'ready' and send_armed and (scheduled_at is null or scheduled_at <= ${now})`).execute(db);
  return r.rows;
}

/** DSGVO: once retention has purged a message's content, the merge data it could be rebuilt from goes too. */
export async function purgeMergeOfPurgedMessages(db: Db, limit = 5000): Promise<number> {
  const r = await sql`
    update campaign_recipients r set merge = null
     where (r.campaign_id, r.contact_id) in (
             select x.campaign_id, x.contact_id from campaign_recipients x join messages m on m.id = x.message_id
              where x.merge is not null and m.body_purged_at is not null
              limit ${limit})`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
