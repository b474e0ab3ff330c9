// SQL of mailings sent by an external tool: the record, its frozen recipients, and the link of its list to
// the tool (read here to build an adapter; the link itself belongs to the sync engine).
import { type Kysely, sql } from "kysely";
import type { DB, MailingBounce, NewRow, Row, RowUpdate } from "../../db/schema.js";
import { decodeCursor } from "../../http/pagination.js";

type Db = Kysely<DB>;
export type MailingRow = Row<"mailings">;
export type RecipientRow = Row<"mailing_recipients">;

export function insertMailing(db: Db, row: NewRow<"mailings">) {
  return db.insertInto("mailings").values(row).returningAll().executeTakeFirstOrThrow();
}

/**
 * Freezes the intended recipients: every contact subscribed to the list right now, with the first address
 * (the one mailings use). One INSERT … SELECT, so a list of 100,000 costs one statement.
 */
export async function freezeRecipients(db: Db, mailingId: string, workspaceId: string, listId: string) {
  const r = await sql`
    insert into mailing_recipients
      (mailing_id, email_key, workspace_id, contact_id, subscription_id, email, first_name, last_name)
    select ${mailingId}, lower(c.emails[1]), s.workspace_id, c.id, s.id, c.emails[1], c.first_name, c.last_name
      from subscriptions s join contacts c on c.id = s.contact_id
     where s.list_id = ${listId} and s.workspace_id = ${workspaceId} and s.status = 'subscribed'
       and cardinality(c.emails) > 0
    on conflict do nothing`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

export function findMailing(db: Db, workspaceId: string, id: string, forUpdate = false) {
  const q = db
    .selectFrom("mailings")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id);
  return (forUpdate ? q.forUpdate() : q).executeTakeFirst();
}

export function updateMailingRow(db: Db, id: string, patch: RowUpdate<"mailings">) {
  return db.updateTable("mailings").set(patch).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
}

export function deleteMailingRow(db: Db, id: string) {
  return db.deleteFrom("mailings").where("id", "=", id).execute();
}

export function selectMailings(
  db: Db,
  workspaceId: string,
  f: { listId?: string; limit: number; cursor?: string },
) {
  const after = decodeCursor(f.cursor);
  let q = db.selectFrom("mailings").selectAll().where("workspace_id", "=", workspaceId);
  if (f.listId) q = q.where("list_id", "=", f.listId);
  if (after) q = q.where("id", "<", String(after[0]));
  return q
    .orderBy("id", "desc")
    .limit(f.limit + 1)
    .execute();
}

/** Recipients per reaction and per bounce kind. */
export async function recipientCounts(db: Db, mailingId: string) {
  const rows = await db
    .selectFrom("mailing_recipients")
    .select(["reaction", "bounce", sql<number>`count(*)::int`.as("n")])
    .where("mailing_id", "=", mailingId)
    .groupBy(["reaction", "bounce"])
    .execute();
  const reactions = { not_opened: 0, opened: 0, clicked: 0 };
  const bounces = { permanent: 0, temporary: 0, general: 0 };
  for (const r of rows) {
    reactions[r.reaction] += Number(r.n);
    if (r.bounce) bounces[r.bounce] += Number(r.n);
  }
  return { reactions, bounces };
}

export function selectRecipients(
  db: Db,
  mailingId: string,
  f: { reaction?: RecipientRow["reaction"]; bounce?: MailingBounce | "any"; limit: number; cursor?: string },
) {
  const after = decodeCursor(f.cursor);
  let q = db.selectFrom("mailing_recipients").selectAll().where("mailing_id", "=", mailingId);
  if (f.reaction) q = q.where("reaction", "=", f.reaction);
  if (f.bounce === "any") q = q.where("bounce", "is not", null);
  else if (f.bounce) q = q.where("bounce", "=", f.bounce);
  if (after) q = q.where("email_key", ">", String(after[0]));
  return q
    .orderBy("email_key")
    .limit(f.limit + 1)
    .execute();
}

export function recipientsByKeys(db: Db, mailingId: string, keys: string[]) {
  if (!keys.length) return Promise.resolve([] as RecipientRow[]);
  return db
    .selectFrom("mailing_recipients")
    .selectAll()
    .where("mailing_id", "=", mailingId)
    .where("email_key", "in", keys)
    .execute();
}

export function setRecipientBounce(
  db: Db,
  mailingId: string,
  emailKey: string,
  v: { bounce: MailingBounce; at: Date | null; reason: string | null },
) {
  return db
    .updateTable("mailing_recipients")
    .set({ bounce: v.bounce, bounce_at: v.at, bounce_reason: v.reason })
    .where("mailing_id", "=", mailingId)
    .where("email_key", "=", emailKey)
    .execute();
}

/** Raises reactions only (not opened → opened → clicked); returns how many recipients changed. */
export async function raiseReactions(db: Db, mailingId: string, keys: string[], to: "opened" | "clicked") {
  if (!keys.length) return 0;
  const from = to === "clicked" ? ["not_opened", "opened"] : ["not_opened"];
  const r = await db
    .updateTable("mailing_recipients")
    .set({ reaction: to })
    .where("mailing_id", "=", mailingId)
    .where("email_key", "=", sql<string>`any(${keys}::text[])`)
    .where("reaction", "in", from as RecipientRow["reaction"][])
    .executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0);
}

/** Subscriptions on the list of contacts with one of these addresses (for bounces of non-recipients). */
export function subscriptionsByAddress(db: Db, workspaceId: string, listId: string, keys: string[]) {
  if (!keys.length) return Promise.resolve([]);
  return db
    .selectFrom("subscriptions as s")
    .innerJoin("contacts as c", "c.id", "s.contact_id")
    .select(["s.id", "s.status", "c.id as contact_id", sql<string>`lower(c.emails[1])`.as("email_key")])
    .where("s.workspace_id", "=", workspaceId)
    .where("s.list_id", "=", listId)
    .where(sql<boolean>`lower(c.emails[1]) = any(${keys}::text[])`)
    .execute();
}

/** The link of a list to its tool, with the connection (credentials still sealed). */
export function linkWithConnection(db: Db, workspaceId: string, listId: string) {
  return db
    .selectFrom("list_links as l")
    .innerJoin("email_tool_connections as c", "c.id", "l.connection_id")
    .select([
      "l.id as link_id",
      "l.remote_list_id",
      "c.id as connection_id",
      "c.tool",
      "c.base_url",
      "c.credentials_enc",
      "c.name as connection_name",
    ])
    .where("l.workspace_id", "=", workspaceId)
    .where("l.list_id", "=", listId)
    .executeTakeFirst();
}
