// SQL of tool webhooks: the secret URL per linked list, receipts against retries, and the lookups a live
// change needs (the subscription of an address on the list, the sync state the next reconcile reads).
import { type Kysely, sql } from "kysely";
import type { DB, NewRow, RowUpdate } from "../../db/schema.js";

type Db = Kysely<DB>;

export function findWebhookBySecret(db: Db, workspaceId: string, secretHash: string) {
  return db
    .selectFrom("tool_webhooks as w")
    .innerJoin("list_links as l", "l.id", "w.link_id")
    .select(["w.id", "w.workspace_id", "w.list_id", "w.tool", "l.remote_list_id"])
    .where("w.workspace_id", "=", workspaceId)
    .where("w.secret_hash", "=", secretHash)
    .executeTakeFirst();
}

export function findWebhookOfList(db: Db, listId: string) {
  return db.selectFrom("tool_webhooks").selectAll().where("list_id", "=", listId).executeTakeFirst();
}

export async function replaceWebhook(db: Db, row: NewRow<"tool_webhooks">) {
  await db.deleteFrom("tool_webhooks").where("list_id", "=", row.list_id).execute();
  return db.insertInto("tool_webhooks").values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateWebhookRow(db: Db, id: string, patch: RowUpdate<"tool_webhooks">) {
  return db.updateTable("tool_webhooks").set(patch).where("id", "=", id).execute();
}

export function deleteWebhookRow(db: Db, id: string) {
  return db.deleteFrom("tool_webhooks").where("id", "=", id).execute();
}

export async function receiptExists(db: Db, webhookId: string, key: string) {
  const r = await db
    .selectFrom("tool_webhook_receipts")
    .select("webhook_id")
    .where("webhook_id", "=", webhookId)
    .where("dedupe_key", "=", key)
    .executeTakeFirst();
  return r !== undefined;
}

/** Records a call; false when the same call was recorded meanwhile (a retry racing the first). */
export async function insertReceipt(db: Db, row: NewRow<"tool_webhook_receipts">) {
  const r = await db
    .insertInto("tool_webhook_receipts")
    .values(row)
    .onConflict((oc) => oc.columns(["webhook_id", "dedupe_key"]).doNothing())
    .returning("webhook_id")
    .executeTakeFirst();
  return r !== undefined;
}

/**
 * The subscription on the list of the member with this address: first by the address the tool knew at the
 * last sync, then by any address of a contact on the list.
 */
export async function subscriptionOfAddress(db: Db, workspaceId: string, listId: string, emailKey: string) {
  const base = db
    .selectFrom("subscriptions as s")
    .innerJoin("contacts as c", "c.id", "s.contact_id")
    .leftJoin("subscription_sync as y", "y.subscription_id", "s.id")
    .select([
      "s.id",
      "s.status",
      "s.status_set_at",
      "s.contact_id",
      "c.emails",
      "c.first_name",
      "c.last_name",
      "y.subscription_id as sync_id",
    ])
    .where("s.workspace_id", "=", workspaceId)
    .where("s.list_id", "=", listId);
  const byRemote = await base.where(sql<boolean>`lower(y.remote_email) = ${emailKey}`).executeTakeFirst();
  if (byRemote) return byRemote;
  return base.where(sql<boolean>`${emailKey} = any(c.email_keys)`).orderBy("s.id").executeTakeFirst();
}

export function contactWithAddress(db: Db, workspaceId: string, emailKey: string) {
  return db
    .selectFrom("contacts")
    .select(["id"])
    .where("workspace_id", "=", workspaceId)
    .where(sql<boolean>`${emailKey} = any(email_keys)`)
    .executeTakeFirst();
}

/** What the tool now says about the member, for the next reconcile (only where a sync state exists). */
export function noteRemoteState(db: Db, subscriptionId: string, patch: RowUpdate<"subscription_sync">) {
  return db
    .updateTable("subscription_sync")
    .set(patch)
    .where("subscription_id", "=", subscriptionId)
    .execute();
}
