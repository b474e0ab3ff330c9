// SQL of the provider webhooks: the workspace's provider transports (their webhook settings), the messages
// a batch of events is about (by our id or the provider's), which events are stored already, and the SNS
// subscription confirmations.
import { type Kysely, sql } from "kysely";
import type { DB, NewRow } from "../db/schema.js";

export async function workspaceExists(db: Kysely<DB>, id: string): Promise<boolean> {
  const r = await db.selectFrom("workspaces").select("id").where("id", "=", id).executeTakeFirst();
  return r !== undefined;
}

export function selectTransportConfigs(db: Kysely<DB>, workspaceId: string, kind: string) {
  return db
    .selectFrom("transports")
    .select(["id", "name", "config"])
    .where("workspace_id", "=", workspaceId)
    .where("kind", "=", kind)
    .orderBy("id")
    .execute();
}

export interface MessageRef {
  id: string;
  workspace_id: string;
  contact_id: string | null;
  to_address: string | null;
  archive_bcc: string | null;
  message_id_header: string;
  queue_id: string | null;
  campaign_id: string | null;
}

/** The workspace's messages named by our ids or by the provider's (messages.queue_id), in one query. */
export async function selectMessageRefs(
  db: Kysely<DB>,
  workspaceId: string,
  ids: string[],
  providerIds: string[],
): Promise<MessageRef[]> {
  if (ids.length === 0 && providerIds.length === 0) return [];
  const byId = sql`id = any(${ids}::text[])`;
  const byQueueId = sql`queue_id = any(${providerIds}::text[])`;
  const which =
    ids.length && providerIds.length ? sql`(${byId} or ${byQueueId})` : ids.length ? byId : byQueueId;
  const r = await sql<MessageRef>`
    select ${sql.raw(REF_COLUMNS)} from messages where workspace_id = ${workspaceId} and ${which}`.execute(
    db,
  );
  return r.rows;
}

const REF_COLUMNS =
  "id, workspace_id, contact_id, to_address, archive_bcc, message_id_header, queue_id, campaign_id";

/** The contact a message went to, locked: its own contact, else the contact whose first address is the one
 * the message went to (a message sent to an address). */
export async function lockContactOfMessage(
  db: Kysely<DB>,
  m: { workspace_id: string; contact_id: string | null; to_address: string | null },
) {
  const key = (m.to_address ?? "").toLowerCase();
  const r = await sql<{ id: string; workspace_id: string; language: string }>`
    select c.id, c.workspace_id, c.language from contacts c
     where c.workspace_id = ${m.workspace_id}
       and (c.id = ${m.contact_id}
            or c.id in (select k.contact_id from contact_email_keys k join contacts x on x.id = k.contact_id
                         where k.workspace_id = ${m.workspace_id} and k.email_key = ${key}
                           and x.email_keys[1] = ${key}))
     order by c.id = ${m.contact_id} desc nulls last, c.id
     limit 1
       for update of c`.execute(db);
  return r.rows[0] ?? null;
}

/** The list a campaign's recipient came from (the one its unsubscribe link names); null from a filter. */
export async function campaignListOf(db: Kysely<DB>, campaignId: string, contactId: string) {
  const r = await sql<{ list_id: string | null }>`
    select list_id from campaign_recipients where campaign_id = ${campaignId} and contact_id = ${contactId}`.execute(
    db,
  );
  return r.rows[0]?.list_id ?? null;
}

/** Of these (contact, address) pairs, the addresses with a subscription in bounced_temporary: only for
 * them can a delivery change anything (one query for a whole batch instead of one per delivery). */
export async function addressesWithTemporaryBounces(
  db: Kysely<DB>,
  workspaceId: string,
  pairs: Array<{ contact_id: string | null; address: string }>,
): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const r = await sql<{ address: string }>`
    select distinct p.address from unnest(${pairs.map((p) => p.contact_id)}::text[],
                                          ${pairs.map((p) => p.address.toLowerCase())}::text[]) as p(contact_id, address)
     where exists (
       select 1 from subscriptions s
        where s.workspace_id = ${workspaceId} and s.status = 'bounced_temporary'
          and (s.contact_id = p.contact_id
               or s.contact_id in (select k.contact_id from contact_email_keys k
                                    where k.workspace_id = ${workspaceId} and k.email_key = p.address)))`.execute(
    db,
  );
  return new Set(r.rows.map((row) => row.address));
}

/** The (message, dedupe key) pairs among these that are stored already. */
export async function storedDedupeKeys(
  db: Kysely<DB>,
  pairs: Array<{ message_id: string; dedupe_key: string }>,
): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const r = await sql<{ message_id: string; dedupe_key: string }>`
    select e.message_id, e.dedupe_key from message_events e
      join unnest(${pairs.map((p) => p.message_id)}::text[], ${pairs.map((p) => p.dedupe_key)}::text[])
           as k(message_id, dedupe_key)
        on e.message_id = k.message_id and e.dedupe_key = k.dedupe_key`.execute(db);
  return new Set(r.rows.map((row) => `${row.message_id}\n${row.dedupe_key}`));
}

export function insertSubscriptionConfirmation(db: Kysely<DB>, row: NewRow<"provider_subscriptions">) {
  return db
    .insertInto("provider_subscriptions")
    .values(row)
    .onConflict((oc) => oc.columns(["workspace_id", "sns_message_id"]).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function updateSubscriptionConfirmation(
  db: Kysely<DB>,
  id: string,
  v: { status: "confirmed" | "failed"; detail: string | null; confirmed_at: Date | null },
) {
  return db.updateTable("provider_subscriptions").set(v).where("id", "=", id).execute();
}

export function selectSubscriptionConfirmation(db: Kysely<DB>, workspaceId: string, snsMessageId: string) {
  return db
    .selectFrom("provider_subscriptions")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("sns_message_id", "=", snsMessageId)
    .executeTakeFirst();
}

export function selectSubscriptionConfirmations(db: Kysely<DB>, workspaceId: string) {
  return db
    .selectFrom("provider_subscriptions")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .orderBy("id", "desc")
    .limit(100)
    .execute();
}
