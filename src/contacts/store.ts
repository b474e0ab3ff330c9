// SQL of contacts and consent. The current consent per (contact, channel, purpose) is the newest row of its
// history (by `at`, then id), read with DISTINCT ON over consents_contact_idx.
import { type Expression, type SqlBool, sql } from "kysely";
import type { Database } from "../db/index.js";
import type { NewRow, Row, RowUpdate } from "../db/schema.js";
import { NotFound } from "../util/errors.js";
import type { ContactSort, ListContactsQuery } from "./schema.js";

export async function insertContact(db: Database, row: NewRow<"contacts">) {
  return db.insertInto("contacts").values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findContact(db: Database, workspaceId: string, id: string, forUpdate = false) {
  let q = db.selectFrom("contacts").selectAll().where("workspace_id", "=", workspaceId).where("id", "=", id);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export const CONTACT = "contact";

export async function requireContact(db: Database, workspaceId: string, id: string, forUpdate = false) {
  const row = await findContact(db, workspaceId, id, forUpdate);
  if (!row) throw NotFound(CONTACT, id);
  return row;
}

export async function updateContactRow(
  db: Database,
  workspaceId: string,
  id: string,
  set: RowUpdate<"contacts">,
) {
  return db
    .updateTable("contacts")
    .set(set)
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteContactRow(db: Database, workspaceId: string, id: string) {
  await db.deleteFrom("contacts").where("workspace_id", "=", workspaceId).where("id", "=", id).execute();
}

export async function listExists(db: Database, workspaceId: string, listId: string) {
  const r = await db
    .selectFrom("lists")
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", listId)
    .executeTakeFirst();
  return r !== undefined;
}

/** LIKE pattern for "contains", with the user's % and _ taken literally. */
function containsPattern(s: string): string {
  return `%${s.replace(/[\\%_]/g, "\\$&")}%`;
}

const sortKeySql = {
  created_at: sql<string>`contacts.created_at::text`,
  last_name: sql<string>`lower(coalesce(contacts.last_name, ''))`,
};

function sortKeyOf(sort: ContactSort) {
  return sort.endsWith("created_at") ? sortKeySql.created_at : sortKeySql.last_name;
}

function cursorCondition(sort: ContactSort, cursor: unknown[]): Expression<SqlBool> {
  const [key, id] = [String(cursor[0]), String(cursor[1])];
  const desc = sort.startsWith("-");
  const keyValue = sort.endsWith("created_at") ? sql`${key}::timestamptz` : sql`${key}`;
  const keyColumn = sort.endsWith("created_at") ? sql`contacts.created_at` : sortKeySql.last_name;
  return desc
    ? sql<SqlBool>`(${keyColumn}, contacts.id) < (${keyValue}, ${id})`
    : sql<SqlBool>`(${keyColumn}, contacts.id) > (${keyValue}, ${id})`;
}

/** The newest consent row's status for one channel/purpose of the contact in the outer query. */
function currentConsentStatus(channel: string, purpose: string) {
  return sql<string | null>`(select c.status from consents c where c.contact_id = contacts.id
    and c.channel = ${channel} and c.purpose = ${purpose} order by c.at desc, c.id desc limit 1)`;
}

export type ContactListRow = Row<"contacts"> & { sort_key: string };

/** One page of contacts (limit + 1 rows, so the caller knows whether there is another). */
export async function listContactRows(
  db: Database,
  workspaceId: string,
  q: ListContactsQuery & { emailKey?: string },
  cursor: unknown[] | null,
): Promise<ContactListRow[]> {
  const sortKey = sortKeyOf(q.sort);
  let s = db
    .selectFrom("contacts")
    .selectAll("contacts")
    .select(sortKey.as("sort_key"))
    .where("contacts.workspace_id", "=", workspaceId);
  for (const word of (q.q ?? "").split(/\s+/).filter(Boolean)) {
    const p = containsPattern(word);
    s = s.where((eb) => eb.or([eb("first_name", "ilike", p), eb("last_name", "ilike", p)]));
  }
  if (q.emailKey) {
    s = s.where(sql<SqlBool>`contacts.id in (select contact_id from contact_email_keys
      where workspace_id = ${workspaceId} and email_key = ${q.emailKey})`);
  }
  if (q.consent) {
    const [, channel, purpose, status] = /^([a-z]+)\/([a-z0-9_]+):(\w+)$/.exec(q.consent) ?? [];
    const current = currentConsentStatus(channel, purpose);
    s = s.where(status === "none" ? sql<SqlBool>`${current} is null` : sql<SqlBool>`${current} = ${status}`);
  }
  if (q.list_id || q.subscription_status) {
    s = s.where(({ exists, selectFrom }) => {
      let sub = selectFrom("subscriptions as s").select("s.id").whereRef("s.contact_id", "=", "contacts.id");
      if (q.list_id) sub = sub.where("s.list_id", "=", q.list_id);
      if (q.subscription_status) sub = sub.where("s.status", "=", q.subscription_status);
      return exists(sub);
    });
  }
  for (const [field, value] of Object.entries(q.custom)) {
    s = s.where(sql<SqlBool>`contacts.custom_fields ->> ${field} = ${value}`);
  }
  if (cursor) s = s.where(cursorCondition(q.sort, cursor));
  const dir = q.sort.startsWith("-") ? "desc" : "asc";
  return s
    .orderBy(sortKey, dir)
    .orderBy("contacts.id", dir)
    .limit(q.limit + 1)
    .execute();
}

export async function insertConsent(db: Database, row: NewRow<"consents">) {
  return db.insertInto("consents").values(row).returningAll().executeTakeFirstOrThrow();
}

/** The current consent per (contact, channel, purpose) of the given contacts. */
export async function currentConsentRows(db: Database, workspaceId: string, contactIds: string[]) {
  if (contactIds.length === 0) return [];
  const r = await sql<Row<"consents">>`
    select distinct on (contact_id, channel, purpose) * from consents
    where workspace_id = ${workspaceId} and contact_id = any(${contactIds}::text[])
    order by contact_id, channel, purpose, at desc, id desc`.execute(db);
  return r.rows;
}

export async function consentHistoryRows(db: Database, workspaceId: string, contactId: string) {
  return db
    .selectFrom("consents")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "=", contactId)
    .orderBy("at", "desc")
    .orderBy("id", "desc")
    .execute();
}

/** Ids among `contactIds` whose newest consent for channel/purpose is `granted` (one query). */
export async function grantedContactIds(
  db: Database,
  workspaceId: string,
  contactIds: string[],
  channel: string,
  purpose: string,
): Promise<string[]> {
  const r = await sql<{ contact_id: string }>`
    select contact_id from (
      select distinct on (contact_id) contact_id, status from consents
      where workspace_id = ${workspaceId} and contact_id = any(${contactIds}::text[])
        and channel = ${channel} and purpose = ${purpose}
      order by contact_id, at desc, id desc
    ) newest where status = 'granted'`.execute(db);
  return r.rows.map((x) => x.contact_id);
}

export async function existingContactIds(db: Database, workspaceId: string, contactIds: string[]) {
  const r = await sql<{ id: string }>`
    select id from contacts where workspace_id = ${workspaceId} and id = any(${contactIds}::text[])`.execute(
    db,
  );
  return r.rows.map((x) => x.id);
}
