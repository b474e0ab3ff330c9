// SQL of double opt-in sign-ups. A sign-up is "open" while neither confirmed_at nor expired_at is set.
import { sql } from "kysely";
import type { Database } from "../db/index.js";
import type { NewRow, Row } from "../db/schema.js";

export type SignupRow = Row<"signups">;

/** The oldest contact of the workspace holding this address (the one messages to it are linked to). */
export function findContactByEmailKey(db: Database, workspaceId: string, key: string) {
  return db
    .selectFrom("contacts")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where(sql<boolean>`email_keys @> array[${key}]::text[]`)
    .orderBy("id")
    .limit(1)
    .executeTakeFirst();
}

export function findContact(db: Database, workspaceId: string, id: string) {
  return db
    .selectFrom("contacts")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** A list by id alone: the hosted sign-up page is public and knows no workspace. */
export function findListAnywhere(db: Database, listId: string) {
  return db.selectFrom("lists").selectAll().where("id", "=", listId).executeTakeFirst();
}

export function findWorkspace(db: Database, workspaceId: string) {
  return db
    .selectFrom("workspaces")
    .select(["id", "name", "settings"])
    .where("id", "=", workspaceId)
    .executeTakeFirstOrThrow();
}

export function lockSubscriptionOf(db: Database, listId: string, contactId: string) {
  return db
    .selectFrom("subscriptions")
    .selectAll()
    .where("list_id", "=", listId)
    .where("contact_id", "=", contactId)
    .forUpdate()
    .executeTakeFirst();
}

export function insertSignup(db: Database, row: NewRow<"signups">) {
  return db.insertInto("signups").values(row).returningAll().executeTakeFirstOrThrow();
}

export async function setSignupMessage(db: Database, id: string, messageId: string) {
  await db.updateTable("signups").set({ message_id: messageId }).where("id", "=", id).execute();
}

export function findSignupByTokenHash(db: Database, tokenHash: string, forUpdate = false) {
  let q = db.selectFrom("signups").selectAll().where("token_hash", "=", tokenHash);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** The newest open sign-up of a contact for a list (its undo information carries over to a new one). */
export function newestOpenSignup(db: Database, listId: string, contactId: string) {
  return db
    .selectFrom("signups")
    .selectAll()
    .where("list_id", "=", listId)
    .where("contact_id", "=", contactId)
    .where("confirmed_at", "is", null)
    .where("expired_at", "is", null)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
}

export async function markConfirmed(db: Database, id: string, at: Date, ip: string | null) {
  await db.updateTable("signups").set({ confirmed_at: at, confirm_ip: ip }).where("id", "=", id).execute();
}

/** Closes the other open sign-ups of the pair: one confirmation settles them all. */
export function closeOtherOpenSignups(db: Database, s: SignupRow, at: Date) {
  return db
    .updateTable("signups")
    .set({ expired_at: at })
    .where("list_id", "=", s.list_id)
    .where("contact_id", "=", s.contact_id)
    .where("id", "<>", s.id)
    .where("confirmed_at", "is", null)
    .where("expired_at", "is", null)
    .returning("id")
    .execute();
}

/** Open sign-ups past their expiry, locked; SKIP LOCKED lets several workers share the work. */
export function lockExpiredSignups(db: Database, now: Date, limit: number) {
  return db
    .selectFrom("signups")
    .selectAll()
    .where("confirmed_at", "is", null)
    .where("expired_at", "is", null)
    .where("expires_at", "<=", now)
    .orderBy("expires_at")
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function markExpired(db: Database, ids: string[], at: Date) {
  if (ids.length === 0) return;
  await db.updateTable("signups").set({ expired_at: at }).where("id", "in", ids).execute();
}

/** Whether the pair still has an open sign-up that has not expired (a newer mail is on its way). */
export async function hasLiveSignup(db: Database, listId: string, contactId: string, now: Date) {
  const r = await db
    .selectFrom("signups")
    .select("id")
    .where("list_id", "=", listId)
    .where("contact_id", "=", contactId)
    .where("confirmed_at", "is", null)
    .where("expired_at", "is", null)
    .where("expires_at", ">", now)
    .limit(1)
    .executeTakeFirst();
  return r !== undefined;
}

/** Removes a subscription only while it is still pending (a confirmation in between keeps it). */
export function deletePendingSubscription(db: Database, id: string) {
  return db
    .deleteFrom("subscriptions")
    .where("id", "=", id)
    .where("status", "=", "pending")
    .returningAll()
    .executeTakeFirst();
}
