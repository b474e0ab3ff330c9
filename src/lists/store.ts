// All SQL of lists and subscriptions. Every query is scoped by workspace_id, so a foreign id simply
// finds nothing (and the service answers 404).
import { type Kysely, type RawBuilder, type SqlBool, sql } from "kysely";
import type { DB, NewRow, Row, RowUpdate, SubscriptionStatus } from "../db/schema.js";
import { newId } from "../util/ids.js";
import type { ContactFilter } from "./schema.js";

type Db = Kysely<DB>;

/** Runs fn in the caller's transaction when there is one, otherwise in a new one, so service functions
 * that other domains call (setSubscriptionStatus, blockAddress) can join a larger unit of work. */
export function inTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

// ---- lists ----

export function insertList(db: Db, row: NewRow<"lists">) {
  return db.insertInto("lists").values(row).returningAll().executeTakeFirstOrThrow();
}

export function findList(db: Db, workspaceId: string, id: string, forUpdate = false) {
  let q = db.selectFrom("lists").selectAll().where("workspace_id", "=", workspaceId).where("id", "=", id);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export function updateListRow(db: Db, workspaceId: string, id: string, patch: RowUpdate<"lists">) {
  return db
    .updateTable("lists")
    .set(patch)
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteListRow(db: Db, workspaceId: string, id: string) {
  await db.deleteFrom("lists").where("workspace_id", "=", workspaceId).where("id", "=", id).execute();
}

export interface ListFilter {
  status?: "running" | "ended";
  type?: "email_list" | "one_time";
  q?: string;
  after?: string;
  limit: number;
}

export function selectLists(db: Db, workspaceId: string, f: ListFilter) {
  let q = db.selectFrom("lists").selectAll().where("workspace_id", "=", workspaceId);
  if (f.status) q = q.where("status", "=", f.status);
  if (f.type) q = q.where("type", "=", f.type);
  if (f.q) q = q.where("name", "ilike", `%${escapeLike(f.q)}%`);
  if (f.after) q = q.where("id", ">", f.after);
  return q
    .orderBy("id")
    .limit(f.limit + 1)
    .execute();
}

export async function countByStatus(db: Db, listId: string) {
  const rows = await db
    .selectFrom("subscriptions")
    .select(["status", sql<number>`count(*)::int`.as("n")])
    .where("list_id", "=", listId)
    .groupBy("status")
    .execute();
  return new Map(rows.map((r) => [r.status, r.n]));
}

// ---- subscriptions ----

/** Inserts unless the contact is already on the list; undefined means it already was. */
export function insertSubscriptionIfAbsent(db: Db, row: NewRow<"subscriptions">) {
  return db
    .insertInto("subscriptions")
    .values(row)
    .onConflict((oc) => oc.columns(["list_id", "contact_id"]).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findSubscription(db: Db, workspaceId: string, listId: string, id: string) {
  return db
    .selectFrom("subscriptions")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("list_id", "=", listId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export function findSubscriptionOf(db: Db, listId: string, contactId: string) {
  return db
    .selectFrom("subscriptions")
    .selectAll()
    .where("list_id", "=", listId)
    .where("contact_id", "=", contactId)
    .executeTakeFirst();
}

export interface SubscriptionTarget {
  ids?: string[];
  contactId?: string;
  listId?: string;
}

/** The subscriptions a status change applies to, locked until the transaction ends. */
export function lockSubscriptions(db: Db, workspaceId: string, t: SubscriptionTarget) {
  let q = db.selectFrom("subscriptions").selectAll().where("workspace_id", "=", workspaceId);
  if (t.ids) q = q.where("id", "in", t.ids);
  if (t.contactId) q = q.where("contact_id", "=", t.contactId);
  if (t.listId) q = q.where("list_id", "=", t.listId);
  return q.orderBy("id").forUpdate().execute();
}

export function updateSubscriptionStatus(
  db: Db,
  ids: string[],
  status: SubscriptionStatus,
  setBy: string,
  now: Date,
) {
  return db
    .updateTable("subscriptions")
    .set({ status, status_set_at: now, status_set_by: setBy, updated_at: now })
    .where("id", "in", ids)
    .returningAll()
    .execute();
}

export async function deleteSubscriptionRow(db: Db, id: string) {
  await db.deleteFrom("subscriptions").where("id", "=", id).execute();
}

export interface SubscriptionFilter {
  status?: SubscriptionStatus;
  contactId?: string;
  after?: string;
  limit: number;
}

/** A list's subscriptions with the contact's name and first e-mail address (the one mailings use). */
export function selectSubscriptions(db: Db, listId: string, f: SubscriptionFilter) {
  let q = db
    .selectFrom("subscriptions as s")
    .innerJoin("contacts as c", "c.id", "s.contact_id")
    .selectAll("s")
    .select(["c.first_name", "c.last_name", sql<string | null>`c.emails[1]`.as("email")])
    .where("s.list_id", "=", listId);
  if (f.status) q = q.where("s.status", "=", f.status);
  if (f.contactId) q = q.where("s.contact_id", "=", f.contactId);
  if (f.after) q = q.where("s.id", ">", f.after);
  return q
    .orderBy("s.id")
    .limit(f.limit + 1)
    .execute();
}
export type SubscriptionWithContact = Awaited<ReturnType<typeof selectSubscriptions>>[number];

export function findContact(db: Db, workspaceId: string, id: string) {
  return db
    .selectFrom("contacts")
    .select(["id", "first_name", "last_name", sql<string | null>`emails[1]`.as("email")])
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

// ---- bulk add by filter ----

/** The WHERE clause of a bulk add over `contacts c`. Values are always bound parameters. */
export function contactFilterSql(workspaceId: string, f: ContactFilter) {
  const parts: RawBuilder<SqlBool>[] = [sql<SqlBool>`c.workspace_id = ${workspaceId}`];
  if (f.contact_ids) parts.push(sql<SqlBool>`c.id in (${sql.join(f.contact_ids)})`);
  if (f.q) {
    const pattern = `%${escapeLike(f.q)}%`;
    parts.push(
      sql<SqlBool>`(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')) ilike ${pattern}`,
    );
  }
  // email arrives normalised (domain lower-cased); email_keys hold the fully lower-cased form.
  if (f.email) parts.push(sql<SqlBool>`c.email_keys @> array[${f.email.toLowerCase()}::text]`);
  if (f.has_email === true) parts.push(sql<SqlBool>`cardinality(c.emails) > 0`);
  if (f.has_email === false) parts.push(sql<SqlBool>`cardinality(c.emails) = 0`);
  if (f.custom_field !== undefined) {
    parts.push(
      f.custom_value === undefined
        ? sql<SqlBool>`(c.custom_fields -> ${f.custom_field}::text) is not null`
        : sql<SqlBool>`(c.custom_fields ->> ${f.custom_field}::text) = ${f.custom_value}::text`,
    );
  }
  if (f.consent) {
    // The current consent is the newest row per (contact, channel, purpose).
    parts.push(sql<SqlBool>`(select k.status from consents k
      where k.contact_id = c.id and k.channel = ${f.consent.channel}::text and k.purpose = ${f.consent.purpose}::text
      order by k.at desc, k.id desc limit 1) = 'granted'`);
  }
  if (f.from_list_id) {
    const status = f.from_list_status ?? "subscribed";
    parts.push(sql<SqlBool>`exists (select 1 from subscriptions o
      where o.list_id = ${f.from_list_id}::text and o.contact_id = c.id and o.status = ${status}::text)`);
  }
  return sql<SqlBool>`${sql.join(parts, sql` and `)}`;
}

export async function countContacts(db: Db, where: RawBuilder<SqlBool>) {
  const r = await db
    .selectFrom("contacts as c")
    .select(sql<number>`count(*)::int`.as("n"))
    .where(where)
    .executeTakeFirstOrThrow();
  return r.n;
}

/** One INSERT … SELECT over the matching contacts; contacts already on the list are left alone.
 * Returns how many subscriptions were created. */
export async function insertSubscriptionsFor(
  db: Db,
  where: RawBuilder<SqlBool>,
  v: { workspaceId: string; listId: string; status: SubscriptionStatus; setBy: string; now: Date },
) {
  // Ids keep the time-ordered shape of newId (prefix, 10 time characters, 14 more): a row number keeps
  // them unique and in contact order, an md5 fragment keeps them opaque.
  const stem = newId("sub", v.now.getTime()).slice(0, "sub_".length + 10);
  const r = await db
    .insertInto("subscriptions")
    .columns([
      "id",
      "workspace_id",
      "list_id",
      "contact_id",
      "status",
      "status_set_at",
      "status_set_by",
      "created_at",
      "updated_at",
    ])
    .expression(
      db
        .selectFrom("contacts as c")
        .select([
          sql<string>`${stem}::text || lpad((row_number() over (order by c.id))::text, 7, '0')
            || substr(md5(random()::text || c.id), 1, 7)`.as("id"),
          sql<string>`${v.workspaceId}::text`.as("workspace_id"),
          sql<string>`${v.listId}::text`.as("list_id"),
          "c.id as contact_id",
          sql<SubscriptionStatus>`${v.status}::text`.as("status"),
          sql<Date>`${v.now}::timestamptz`.as("status_set_at"),
          sql<string>`${v.setBy}::text`.as("status_set_by"),
          sql<Date>`${v.now}::timestamptz`.as("created_at"),
          sql<Date>`${v.now}::timestamptz`.as("updated_at"),
        ])
        .where(where),
    )
    .onConflict((oc) => oc.columns(["list_id", "contact_id"]).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0);
}

/** `%` and `_` in a user's search text are meant literally. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`);
}

export type ListRow = Row<"lists">;
export type SubscriptionRow = Row<"subscriptions">;
