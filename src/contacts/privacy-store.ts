// SQL of the DSGVO export and erasure: everything stored about one contact, found by its id, its
// addresses (messages sent to them without a contact link) and their keyed hashes (the blocklist).
import { sql } from "kysely";
import type { Database } from "../db/index.js";

export const ERASED = "[erased]";

/** A PostgreSQL regular expression matching any of the strings literally. */
export function literalPattern(strings: string[]): string | null {
  const parts = [...new Set(strings.filter((s) => s.length >= 3))].map((s) =>
    s.replace(/[^\p{L}\p{N}\s]/gu, "\\$&"),
  );
  return parts.length ? `(${parts.join("|")})` : null;
}

/** Messages to the contact: linked to it, or sent to one of its addresses. */
export async function contactMessageIds(
  db: Database,
  workspaceId: string,
  contactId: string,
  keys: string[],
) {
  const r = await sql<{ id: string }>`
    select id from messages where workspace_id = ${workspaceId}
      and (contact_id = ${contactId} or lower(to_address) = any(${keys}::text[]))
    order by id`.execute(db);
  return r.rows.map((x) => x.id);
}

export async function messagesWithTimeline(db: Database, workspaceId: string, ids: string[]) {
  if (ids.length === 0) return { messages: [], events: [] };
  const messages = await db
    .selectFrom("messages")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "in", ids)
    .orderBy("id")
    .execute();
  const events = await db
    .selectFrom("message_events")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("message_id", "in", ids)
    .orderBy("at")
    .orderBy("id")
    .execute();
  return { messages, events };
}

export async function subscriptionsOf(db: Database, workspaceId: string, contactId: string) {
  return db
    .selectFrom("subscriptions as s")
    .innerJoin("lists as l", "l.id", "s.list_id")
    .select(["s.id", "s.list_id", "l.name as list_name", "s.status", "s.status_set_at", "s.status_set_by"])
    .select(["s.created_at", "s.updated_at"])
    .where("s.workspace_id", "=", workspaceId)
    .where("s.contact_id", "=", contactId)
    .orderBy("s.id")
    .execute();
}

export async function blocklistByHash(db: Database, workspaceId: string, hashes: string[]) {
  if (hashes.length === 0) return [];
  return db
    .selectFrom("blocklist")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("address_hash", "in", hashes)
    .orderBy("id")
    .execute();
}

/** Activities about the contact: its own record, or records whose data or changes name it (consent). */
function aboutContact(contactId: string) {
  return sql<boolean>`(record_id = ${contactId}
    or position(${contactId} in coalesce(data::text, '')) > 0
    or position(${contactId} in coalesce(changes::text, '')) > 0)`;
}

export async function activitiesAbout(db: Database, workspaceId: string, contactId: string) {
  return db
    .selectFrom("activities")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where(aboutContact(contactId))
    .orderBy("id")
    .execute();
}

export async function importRowsOf(db: Database, contactId: string) {
  return db
    .selectFrom("import_rows")
    .selectAll()
    .where("contact_id", "=", contactId)
    .orderBy("import_id")
    .orderBy("row_number")
    .execute();
}

const count = (r: { numAffectedRows?: bigint }) => Number(r.numAffectedRows ?? 0);

export async function scrubMessages(db: Database, workspaceId: string, ids: string[]) {
  if (ids.length === 0) return 0;
  const r = await sql`
    update messages set to_address = null, subject = null, text_body = null, html_body = null, raw_mime = null,
      mime_sha256 = null, data = null, attachments = '[]'::jsonb, contact_id = null
    where workspace_id = ${workspaceId} and id = any(${ids}::text[])`.execute(db);
  return count(r);
}

/** Replaces the addresses inside delivery events (SMTP replies, DSN fields) of the workspace. */
export async function scrubMessageEvents(db: Database, workspaceId: string, pattern: string) {
  const r = await sql`
    update message_events set
      detail = regexp_replace(detail, ${pattern}, ${ERASED}, 'gi'),
      evidence = regexp_replace(evidence::text, ${pattern}, ${ERASED}, 'gi')::jsonb
    where workspace_id = ${workspaceId} and (detail ~* ${pattern} or evidence::text ~* ${pattern})`.execute(
    db,
  );
  return count(r);
}

/** regexp_replace(column, pattern, '[erased]') — or the column unchanged when there is nothing to match. */
function replaced(column: string, pattern: string | null, asJson = false) {
  const col = sql.ref(column);
  if (!pattern) return col;
  return asJson
    ? sql`regexp_replace(${col}::text, ${pattern}, ${ERASED}, 'gi')::jsonb`
    : sql`regexp_replace(${col}, ${pattern}, ${ERASED}, 'gi')`;
}

function either(a: string | null, b: string | null): string | null {
  return a && b ? `${a}|${b}` : (a ?? b);
}

/** Activities about the contact lose their before/after values and data entirely; any other activity
 * (a blocklist entry's, a list's) loses the addresses it mentions. */
export async function scrubActivities(
  db: Database,
  workspaceId: string,
  contactId: string,
  addressPattern: string | null,
  namePattern: string | null,
) {
  const about = await sql`
    update activities set
      changes = case when jsonb_typeof(changes) = 'object' then
          (select jsonb_object_agg(k, jsonb_build_object('before', ${ERASED}::text, 'after', ${ERASED}::text))
           from jsonb_object_keys(changes) k)
        when changes is null then null else to_jsonb(${ERASED}::text) end,
      data = case when data is null then null else to_jsonb(${ERASED}::text) end,
      summary = ${replaced("summary", either(addressPattern, namePattern))}
    where workspace_id = ${workspaceId} and ${aboutContact(contactId)}`.execute(db);
  if (!addressPattern) return count(about);
  const others = await sql`
    update activities set
      changes = ${replaced("changes", addressPattern, true)},
      data = ${replaced("data", addressPattern, true)},
      summary = ${replaced("summary", addressPattern)}
    where workspace_id = ${workspaceId} and (changes::text ~* ${addressPattern}
      or data::text ~* ${addressPattern} or summary ~* ${addressPattern})`.execute(db);
  return count(about) + count(others);
}

export async function scrubEventLog(
  db: Database,
  workspaceId: string,
  contactId: string,
  addressPattern: string | null,
  namePattern: string | null,
) {
  const aboutPattern = either(addressPattern, namePattern);
  const about = await sql`
    update event_log set detail = ${replaced("detail", aboutPattern)}, data = ${replaced("data", aboutPattern, true)}
    where workspace_id = ${workspaceId} and record_id = ${contactId}`.execute(db);
  if (!addressPattern) return count(about);
  const others = await sql`
    update event_log set detail = ${replaced("detail", addressPattern)},
      data = ${replaced("data", addressPattern, true)}
    where workspace_id = ${workspaceId} and record_id is distinct from ${contactId}
      and (detail ~* ${addressPattern} or data::text ~* ${addressPattern})`.execute(db);
  return count(about) + count(others);
}

/** The address goes; the keyed hash stays, so an erased address that was blocked stays blocked. */
export async function scrubBlocklist(
  db: Database,
  workspaceId: string,
  hashes: string[],
  pattern: string | null,
) {
  if (hashes.length === 0) return 0;
  const r = await sql`
    update blocklist set address = null, reason = ${replaced("reason", pattern)},
      lift_reason = ${replaced("lift_reason", pattern)}
    where workspace_id = ${workspaceId} and address_hash = any(${hashes}::text[])`.execute(db);
  return count(r);
}

export async function scrubImportRows(
  db: Database,
  workspaceId: string,
  contactId: string,
  pattern: string | null,
  keys: string[],
) {
  const mentions = pattern ? sql`or raw::text ~* ${pattern} or reason_params::text ~* ${pattern}` : sql``;
  // reason_params (165) holds the row's values for the dashboard's wording, so it is scrubbed like reason.
  const r = await sql`
    update import_rows set raw = null, reason = ${replaced("reason", pattern)},
      reason_params = ${replaced("reason_params", pattern, true)}
    where import_id in (select id from imports where workspace_id = ${workspaceId})
      and (contact_id = ${contactId} ${mentions})`.execute(db);
  if (keys.length) {
    await sql`delete from import_keys where email_key = any(${keys}::text[])
      and import_id in (select id from imports where workspace_id = ${workspaceId})`.execute(db);
  }
  return count(r);
}
