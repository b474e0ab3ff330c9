// All SQL of lists and subscriptions. Every query is scoped by workspace_id, so a foreign id simply
// finds nothing (and the service answers 404).
import { type Kysely, type RawBuilder, type SqlBool, sql } from "kysely";
import type { DB, NewRow, Row, RowUpdate, SubscriptionStatus } from "../db/schema.js";
import { newId } from "../util/ids.js";
import type { ContactFilter, reactionFilters } from "./schema.js";

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

/** The e-mail tool a list is linked to (list sync, 130_list_sync), if any. */
export function findToolLink(db: Db, listId: string) {
  return db
    .selectFrom("list_links as l")
    .innerJoin("email_tool_connections as c", "c.id", "l.connection_id")
    .select(["l.id", "l.remote_list_name", "c.tool", "c.name as connection_name"])
    .where("l.list_id", "=", listId)
    .executeTakeFirst();
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
  reaction?: ReactionFilter;
  /** with reaction: only this campaign or tool mailing of the list */
  mailingId?: string;
  after?: string;
  limit: number;
}

// ---- reactions (seed 003 §5.4 filter family 6, "Empfängerspezifische Reaktionen") ----

export type ReactionFilter = (typeof reactionFilters)[number];

/** Which mail counts: everything sent through the list, or one campaign / tool mailing of it. */
export interface ReactionScope {
  listId: string;
  /** a campaign id (cmp_…) or a tool mailing id (mlg_…) */
  mailingId?: string;
}

/** A machine open or click (src/tracking/machine.ts: scanners, proxies) is no reaction of a person. */
const HUMAN_EVENT = sql`not coalesce(e.evidence -> 'machine' = 'true'::jsonb, false)`;

/** Contacts to whom mail went through the list: Poststelle's own campaign messages (campaign_recipients
 * record the list a recipient came from) and tool mailings of the list whose reactions were fetched —
 * without fetched reactions nothing is known, so those recipients count as neither opened nor not. */
function reachedContacts(scope: ReactionScope) {
  const campaign = scope.mailingId ? sql`and cr.campaign_id = ${scope.mailingId}` : sql``;
  const mailing = scope.mailingId ? sql`and m.id = ${scope.mailingId}` : sql``;
  return sql`(select cr.contact_id from campaign_recipients cr
               where cr.list_id = ${scope.listId} and cr.message_id is not null and cr.status = 'sent' ${campaign}
              union
              select mr.contact_id from mailing_recipients mr join mailings m on m.id = mr.mailing_id
               where m.list_id = ${scope.listId} and m.reactions_fetched_at is not null
                 and mr.contact_id is not null ${mailing})`;
}

/** Contacts who reacted with one of the given event types; "opened" includes a click (a click needs the
 * mail open, even when the open pixel was blocked). */
function reactedContacts(scope: ReactionScope, clickedOnly: boolean) {
  const types = clickedOnly ? sql`('clicked')` : sql`('opened', 'clicked')`;
  const campaign = scope.mailingId ? sql`and cr.campaign_id = ${scope.mailingId}` : sql``;
  const mailing = scope.mailingId ? sql`and m.id = ${scope.mailingId}` : sql``;
  return sql`(select cr.contact_id from campaign_recipients cr
                join message_events e on e.message_id = cr.message_id
               where cr.list_id = ${scope.listId} and e.type in ${types} and ${HUMAN_EVENT} ${campaign}
              union
              select mr.contact_id from mailing_recipients mr join mailings m on m.id = mr.mailing_id
               where m.list_id = ${scope.listId} and mr.reaction in ${types}
                 and mr.contact_id is not null ${mailing})`;
}

/** The condition on subscriptions `s` for a reaction filter; the subqueries are uncorrelated, so the
 * database builds each set once (a hash semi-join) instead of once per subscription. */
export function reactionFilterSql(reaction: ReactionFilter, scope: ReactionScope): RawBuilder<SqlBool> {
  if (reaction === "not_opened") {
    return sql<SqlBool>`(s.contact_id in ${reachedContacts(scope)}
                         and not s.contact_id in ${reactedContacts(scope, false)})`;
  }
  return sql<SqlBool>`s.contact_id in ${reactedContacts(scope, reaction === "clicked")}`;
}

/** Whether `id` names a campaign that went to this list or a tool mailing of it (for a 404 otherwise). */
export async function isMailingOfList(db: Db, workspaceId: string, listId: string, id: string) {
  const r = await sql<{ n: number }>`
    select 1 as n from campaigns
     where id = ${id} and workspace_id = ${workspaceId} and ${listId} = any(list_ids)
    union all
    select 1 from mailings where id = ${id} and workspace_id = ${workspaceId} and list_id = ${listId}`.execute(
    db,
  );
  return r.rows.length > 0;
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
  if (f.reaction) q = q.where(reactionFilterSql(f.reaction, { listId, mailingId: f.mailingId }));
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
