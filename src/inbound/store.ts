// All SQL of inbound mail: the stored inbound messages, the lookups that match a report to the message it
// speaks of, and the reads the bounce consequences need (soft-bounce count, a contact's subscriptions).
import { type Kysely, sql } from "kysely";
import type { DB, NewRow, Row, SubscriptionStatus } from "../db/schema.js";
import { messageIdInHeader } from "../delivery/verp.js";

type Db = Kysely<DB>;
export type InboundRow = Row<"inbound_messages">;

// ---- inbound messages ----

/** Stores an inbound message; undefined when this IMAP message (mailbox_id, imap_key) is already stored. */
export function insertInbound(db: Db, row: NewRow<"inbound_messages">) {
  return db
    .insertInto("inbound_messages")
    .values(row)
    .onConflict((oc) => oc.columns(["mailbox_id", "imap_key"]).where("imap_key", "is not", null).doNothing())
    .returning(["id"])
    .executeTakeFirst();
}

export function findStoredImapMessage(db: Db, mailboxId: string, imapKey: string) {
  return db
    .selectFrom("inbound_messages")
    .select(["id", "kind", "message_id", "processed_at"])
    .where("mailbox_id", "=", mailboxId)
    .where("imap_key", "=", imapKey)
    .executeTakeFirst();
}

/** The row to process, locked; undefined when another process has it or it was processed already. */
export function lockUnprocessed(db: Db, id: string) {
  return db
    .selectFrom("inbound_messages")
    .selectAll()
    .where("id", "=", id)
    .where("processed_at", "is", null)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
}

export function markProcessed(
  db: Db,
  id: string,
  v: {
    workspaceId: string | null;
    kind: string;
    messageId: string | null;
    matchedBy: string | null;
    result: unknown;
    at: Date;
  },
) {
  return db
    .updateTable("inbound_messages")
    .set({
      workspace_id: v.workspaceId,
      kind: v.kind,
      message_id: v.messageId,
      matched_by: v.matchedBy,
      result: JSON.stringify(v.result),
      processed_at: v.at,
    })
    .where("id", "=", id)
    .execute();
}

/** Rows whose processing failed (or whose process died) and that wait for another attempt. */
export function selectUnprocessed(db: Db, received: { after: Date; before: Date }, limit: number) {
  return db
    .selectFrom("inbound_messages")
    .select("id")
    .where("processed_at", "is", null)
    .where("received_at", ">", received.after)
    .where("received_at", "<", received.before)
    .orderBy("received_at")
    .limit(limit)
    .execute();
}

export function findInboundRaw(db: Db, id: string) {
  return db
    .selectFrom("inbound_messages")
    .select(["raw", "workspace_id"])
    .where("id", "=", id)
    .executeTakeFirst();
}

export function findInbound(db: Db, scope: { workspaceId: string | null }, id: string) {
  let q = db.selectFrom("inbound_messages").selectAll().where("id", "=", id);
  q =
    scope.workspaceId === null
      ? q.where("workspace_id", "is", null)
      : q.where("workspace_id", "=", scope.workspaceId);
  return q.executeTakeFirst();
}

export interface InboundFilter {
  /** null: the operator's view of what belongs to no workspace */
  workspaceId: string | null;
  matched?: boolean;
  kind?: string;
  messageId?: string;
  source?: string;
  /** id of the last row of the previous page (newest first) */
  before?: string;
  limit: number;
}

/** Newest first, without the raw bytes. */
export function selectInbound(db: Db, f: InboundFilter) {
  let q = db
    .selectFrom("inbound_messages")
    .select([
      "id",
      "workspace_id",
      "received_at",
      "source",
      "envelope",
      "raw_size",
      "raw_truncated",
      "fingerprint",
      "kind",
      "message_id",
      "matched_by",
      "result",
      "processed_at",
      "mailbox_id",
    ]);
  q =
    f.workspaceId === null
      ? q.where("workspace_id", "is", null)
      : q.where("workspace_id", "=", f.workspaceId);
  if (f.matched === true) q = q.where("message_id", "is not", null);
  if (f.matched === false) q = q.where("message_id", "is", null);
  if (f.kind) q = q.where("kind", "=", f.kind);
  if (f.messageId) q = q.where("message_id", "=", f.messageId);
  if (f.source) q = q.where("source", "=", f.source as InboundRow["source"]);
  if (f.before) q = q.where("id", "<", f.before);
  return q
    .orderBy("id", "desc")
    .limit(f.limit + 1)
    .execute();
}
export type InboundListRow = Awaited<ReturnType<typeof selectInbound>>[number];

// ---- matching ----

/** What matching and the consequences need of a message. */
export const matchedMessageColumns = [
  "id",
  "workspace_id",
  "contact_id",
  "to_address",
  "archive_bcc",
  "message_id_header",
] as const;
export type MatchedMessage = Pick<Row<"messages">, (typeof matchedMessageColumns)[number]>;

export async function messagesByIds(db: Db, ids: string[], workspaceId?: string): Promise<MatchedMessage[]> {
  if (ids.length === 0) return [];
  let q = db.selectFrom("messages").select(matchedMessageColumns).where("id", "in", ids);
  if (workspaceId) q = q.where("workspace_id", "=", workspaceId);
  return q.execute();
}

export async function messagesByMessageIdHeader(
  db: Db,
  headers: string[],
  workspaceId?: string,
): Promise<MatchedMessage[]> {
  // Our Message-IDs contain the message's id: found by the primary key, then the header compared exactly.
  const ids = [...new Set(headers.map(messageIdInHeader).filter((id) => id !== null))];
  if (ids.length === 0) return [];
  let q = db
    .selectFrom("messages")
    .select(matchedMessageColumns)
    .where("id", "in", ids)
    .where("message_id_header", "in", headers);
  if (workspaceId) q = q.where("workspace_id", "=", workspaceId);
  return q.execute();
}

/** Locks the message row: appends to one message serialise, so "is this observation new?" is exact. */
export async function lockMessage(db: Db, id: string) {
  await sql`select id from messages where id = ${id} for update`.execute(db);
}

/** Which of these dedupe keys the message already has events for. */
export async function storedDedupeKeys(db: Db, messageId: string, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom("message_events")
    .select("dedupe_key")
    .where("message_id", "=", messageId)
    .where("dedupe_key", "in", keys)
    .execute();
  return new Set(rows.map((r) => r.dedupe_key ?? ""));
}

// ---- consequences ----

/** Soft bounces of messages to this address in this workspace since `since` (the escalation rule). */
export async function countSoftBounces(db: Db, workspaceId: string, address: string, since: Date) {
  const r = await sql<{ n: number }>`
    select count(*)::int as n
      from message_events e join messages m on m.id = e.message_id
     where m.workspace_id = ${workspaceId} and lower(m.to_address) = lower(${address})
       and e.type = 'soft_bounced' and e.at >= ${since}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** Ids of the subscriptions, in one of `statuses`, of the message's contact and of every contact whose
 * mailing address (its first e-mail) is this address. */
export async function subscriptionsOfAddress(
  db: Db,
  workspaceId: string,
  v: { contactId: string | null; address: string; statuses: SubscriptionStatus[] },
): Promise<string[]> {
  const key = v.address.toLowerCase();
  const rows = await sql<{ id: string }>`
    select s.id from subscriptions s
     where s.workspace_id = ${workspaceId}
       and s.status = any(${v.statuses}::text[])
       and (s.contact_id = ${v.contactId}
            or s.contact_id in (select k.contact_id from contact_email_keys k join contacts c on c.id = k.contact_id
                                 where k.workspace_id = ${workspaceId} and k.email_key = ${key}
                                   and c.email_keys[1] = ${key}))
     order by s.id`.execute(db);
  return rows.rows.map((r) => r.id);
}

/** The workspaces' own bounce domains (settings.bounce_domain): the listener accepts mail for them. */
export async function workspaceBounceDomains(db: Db): Promise<string[]> {
  const r = await sql<{ d: string }>`
    select distinct lower(settings->>'bounce_domain') as d from workspaces
     where jsonb_typeof(settings->'bounce_domain') = 'string'`.execute(db);
  return r.rows.map((x) => x.d).filter(Boolean);
}

/** A workspace's settings (soft-bounce escalation rule). */
export async function workspaceSettings(db: Db, workspaceId: string): Promise<Record<string, unknown>> {
  const r = await db
    .selectFrom("workspaces")
    .select("settings")
    .where("id", "=", workspaceId)
    .executeTakeFirst();
  return (r?.settings ?? {}) as Record<string, unknown>;
}
