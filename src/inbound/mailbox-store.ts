// All SQL of the IMAP mailboxes a workspace has polled: CRUD scoped by workspace, and the claim with a
// lease that lets any number of worker processes share the polling without polling one mailbox twice.
import { type Kysely, sql } from "kysely";
import type { DB, NewRow, Row, RowUpdate } from "../db/schema.js";

type Db = Kysely<DB>;
export type MailboxRow = Row<"inbound_mailboxes">;

export function insertMailbox(db: Db, row: NewRow<"inbound_mailboxes">) {
  return db
    .insertInto("inbound_mailboxes")
    .values(row)
    .onConflict((oc) => oc.columns(["workspace_id", "name"]).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findMailbox(db: Db, workspaceId: string, id: string, forUpdate = false) {
  let q = db
    .selectFrom("inbound_mailboxes")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export function findMailboxByName(db: Db, workspaceId: string, name: string) {
  return db
    .selectFrom("inbound_mailboxes")
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("name", "=", name)
    .executeTakeFirst();
}

export function selectMailboxes(db: Db, workspaceId: string, f: { before?: string; limit: number }) {
  let q = db.selectFrom("inbound_mailboxes").selectAll().where("workspace_id", "=", workspaceId);
  if (f.before) q = q.where("id", ">", f.before);
  return q
    .orderBy("id")
    .limit(f.limit + 1)
    .execute();
}

export function updateMailboxRow(db: Db, id: string, patch: RowUpdate<"inbound_mailboxes">) {
  return db
    .updateTable("inbound_mailboxes")
    .set(patch)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteMailboxRow(db: Db, id: string) {
  await db.deleteFrom("inbound_mailboxes").where("id", "=", id).execute();
}

/** Claims up to `limit` enabled mailboxes that are due, with a lease for `owner`. */
export async function claimDueMailboxes(
  db: Db,
  v: { owner: string; now: Date; leaseUntil: Date; limit: number; only?: string[] },
): Promise<MailboxRow[]> {
  const only = v.only ? sql`and id = any(${v.only}::text[])` : sql``;
  const r = await sql<MailboxRow>`
    update inbound_mailboxes set lease_owner = ${v.owner}, lease_until = ${v.leaseUntil}
     where id in (select id from inbound_mailboxes
                   where enabled and next_poll_at <= ${v.now}
                     and (lease_until is null or lease_until < ${v.now}) ${only}
                   order by next_poll_at limit ${v.limit} for update skip locked)
     returning *`.execute(db);
  return r.rows;
}

/** Releases the lease and records how the poll went. */
export async function finishPoll(
  db: Db,
  id: string,
  owner: string,
  v: {
    nextPollAt: Date;
    polledAt: Date;
    ingested: number;
    error: string | null;
  },
) {
  await db
    .updateTable("inbound_mailboxes")
    .set({
      lease_owner: null,
      lease_until: null,
      next_poll_at: v.nextPollAt,
      last_polled_at: v.polledAt,
      last_ingested: v.ingested,
      last_error: v.error,
      ...(v.error ? { last_error_at: v.polledAt } : {}),
    })
    .where("id", "=", id)
    .where("lease_owner", "=", owner)
    .execute();
}
