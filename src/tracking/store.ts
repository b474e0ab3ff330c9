// SQL of the unsubscribe link. A link names a contact, not a workspace: the contact row decides the
// workspace, and every other record the link names is looked up inside that workspace only.
import type { Database } from "../db/index.js";

export function findContactById(db: Database, contactId: string, forUpdate = false) {
  let q = db.selectFrom("contacts").select(["id", "workspace_id", "language"]).where("id", "=", contactId);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export function findWorkspaceName(db: Database, workspaceId: string) {
  return db
    .selectFrom("workspaces")
    .select("name")
    .where("id", "=", workspaceId)
    .executeTakeFirst()
    .then((r) => r?.name ?? null);
}

export function findListName(db: Database, workspaceId: string, listId: string) {
  return db
    .selectFrom("lists")
    .select("name")
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", listId)
    .executeTakeFirst()
    .then((r) => r?.name ?? null);
}

/** The contact's subscriptions (on one list, or on all), with their status. */
export function subscriptionsOfContact(
  db: Database,
  workspaceId: string,
  contactId: string,
  listId?: string,
) {
  let q = db
    .selectFrom("subscriptions")
    .select(["id", "list_id", "status"])
    .where("workspace_id", "=", workspaceId)
    .where("contact_id", "=", contactId);
  if (listId) q = q.where("list_id", "=", listId);
  return q.orderBy("id").execute();
}

export function messageExists(db: Database, workspaceId: string, messageId: string) {
  return db
    .selectFrom("messages")
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", messageId)
    .executeTakeFirst()
    .then((r) => r !== undefined);
}
