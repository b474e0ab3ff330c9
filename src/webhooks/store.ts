// SQL of the provider webhooks: the workspace's provider transports (their webhook settings), the messages
// a batch of events is about (by our id or the provider's, locked for the ingesting transaction), and the SNS
// subscription confirmations.
import { type Kysely, sql } from "kysely";
import { prepared } from "../db/prepared.js";
import type { DB, NewRow } from "../db/schema.js";
import { textArray } from "../events/store.js";
import { statusSubscribersSql } from "../hooks/emit.js";

export async function workspaceExists(db: Kysely<DB>, id: string): Promise<boolean> {
  const r = await db.selectFrom("workspaces").select("id").where("id", "=", id).executeTakeFirst();
  return r !== undefined;
}

/**
 * What the workspace's transports of a kind are, as a text that changes with any change to them: each row's id
 * and xmin (the transaction that wrote this version of it — an update, even one that writes the same values,
 * gives the row a new one; an insert or a delete changes the list). Read with the settings, and again inside
 * the transaction that stores a request's events, it tells whether the settings the request was verified
 * against are still the stored ones (webhooks/service.ts).
 */
const transportsStamp = (workspaceId: string, kind: string) => sql<string>`
  (select coalesce(string_agg(t.id || ':' || t.xmin::text, ',' order by t.id), '')
     from transports t where t.workspace_id = ${workspaceId} and t.kind = ${kind})`;

/** The workspace's transports of a kind (their configs) and their stamp (transportsStamp). */
export async function selectTransportConfigs(
  db: Kysely<DB>,
  workspaceId: string,
  kind: string,
): Promise<{ configs: Array<{ id: string; config: unknown }>; stamp: string }> {
  const r = await sql<{ configs: Array<{ id: string; config: unknown }> | null; stamp: string }>`
    select (select json_agg(json_build_object('id', t.id, 'config', t.config) order by t.id)
              from transports t where t.workspace_id = ${workspaceId} and t.kind = ${kind}) as configs,
           ${transportsStamp(workspaceId, kind)} as stamp`.execute(db);
  const row = r.rows[0];
  return { configs: row?.configs ?? [], stamp: row?.stamp ?? "" };
}

/** The stamp of the workspace's transports of a kind (transportsStamp), alone. */
export async function selectTransportsStamp(db: Kysely<DB>, workspaceId: string, kind: string) {
  const r = await sql<{ stamp: string }>`select ${transportsStamp(workspaceId, kind)} as stamp`.execute(db);
  return r.rows[0]?.stamp ?? "";
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

/** A message an event names, read under its row lock in the ingesting transaction (events/service.ts then
 * needs no lock statement of its own): what ties an event to it, and what the bounce rules need to know,
 * whether a delivery can lift a temporary bounce (asked only for the messages in `delivered`). The rest of
 * the message (selectMessageRefs) is read only for the few messages whose events have consequences: a
 * batch names up to 1,000 messages, and on PGlite every column of every row returned costs. */
export interface LockedMessageKey {
  id: string;
  queue_id: string | null;
  to_address: string | null;
  /** The cached status, which the events' derivation starts from (events/service.ts appendEvents). */
  status: string;
  temporarily_bounced: boolean;
}

/** Which messages to lock: by our ids (`deliveredIds` those a delivery named), or by the provider's ids
 * leaving out `except` (`deliveredProviderIds` those a delivery named). */
export type MessageKeysWanted =
  | { ids: string[]; deliveredIds: string[] }
  | { providerIds: string[]; except: string[]; deliveredProviderIds: string[] };

/**
 * The workspace's messages wanted, locked in id order when row locks matter (rowLocks: PostgreSQL; see
 * db/index.ts rowLocksMatter). For the messages a delivery names alone the query asks whether a subscription
 * of their address is bounced_temporary — by two index probes (the message's contact's subscriptions; the
 * contacts with its address), not one scan of the workspace's subscriptions per delivered message, which an
 * OR of both had the planner make. Messages found by our ids are asked by our ids alone: the provider's ids
 * of every delivery (two or three per event) were most of what the statement carried.
 *
 * Whether a message is among those a delivery names is `id in (select unnest(…))`, a hashed subplan built once
 * per statement, not `id = any(…)` in the select list, which a plan that does not know the array (a generic
 * plan) tests element by element for every message: a batch of 1,000 deliveries was a million comparisons.
 * So the common form (by our ids) is kept prepared (db/prepared.ts; on PostgreSQL too since session 19):
 * parsed and planned once, where its planning — a selectivity estimate per element of the 1,000 ids — and parsing cost about as much as
 * running it. The answer is one row of five JSON arrays, one per field, and the ids of the temporarily bounced
 * among them: PGlite's driver decodes every field of every row in JavaScript (a buffer copy and a TextDecoder
 * call each), and a JSON array per message (json_build_array) cost the server a type lookup per value.
 */
export async function lockMessageKeys(
  db: Kysely<DB>,
  workspaceId: string,
  wanted: MessageKeysWanted,
  rowLocks: boolean,
  stampOf?: string,
): Promise<LockedMessageKeys> {
  const [match, delivered] =
    "ids" in wanted
      ? [
          sql`m.id = any(${textArray(wanted.ids)})`,
          sql`m.id in (select unnest(${textArray(wanted.deliveredIds)}))`,
        ]
      : [
          sql`m.queue_id = any(${textArray(wanted.providerIds)}) and not m.id = any(${textArray(wanted.except)})`,
          sql`m.queue_id in (select unnest(${textArray(wanted.deliveredProviderIds)}))`,
        ];
  const statement = sql<KeyColumns>`
    select coalesce(json_agg(k.id), '[]') as ids, coalesce(json_agg(k.queue_id), '[]') as queue_ids,
           coalesce(json_agg(k.to_address), '[]') as to_addresses, coalesce(json_agg(k.status), '[]') as statuses,
           json_agg(k.id) filter (where k.temporarily_bounced) as temporarily_bounced,
           ${stampOf === undefined ? sql`null` : transportsStamp(workspaceId, stampOf)} as transports_stamp,
           ${statusSubscribersSql} as status_subscribers
      from (select m.id, m.queue_id, m.to_address, m.status,
                   coalesce(${delivered}
                            and (exists (select 1 from subscriptions s
                                          where s.contact_id = m.contact_id and s.status = 'bounced_temporary')
                                 or exists (select 1 from contact_email_keys k join subscriptions s on s.contact_id = k.contact_id
                                             where k.workspace_id = m.workspace_id and k.email_key = lower(m.to_address)
                                               and s.status = 'bounced_temporary')), false)
                     as temporarily_bounced
              from messages m
             where m.workspace_id = ${workspaceId} and ${match}
             order by m.id
               ${rowLocks ? sql`for update of m` : sql``}) k`;
  const r = await ("ids" in wanted ? prepared(statement, { pglite: true }) : statement).execute(db);
  const row = r.rows[0];
  if (!row) return { keys: [], transportsStamp: null, statusSubscribers: null };
  const bounced = new Set(row.temporarily_bounced ?? []);
  const out: LockedMessageKey[] = new Array(row.ids.length);
  for (let i = 0; i < row.ids.length; i++) {
    const id = row.ids[i] as string;
    out[i] = {
      id,
      queue_id: row.queue_ids[i] ?? null,
      to_address: row.to_addresses[i] ?? null,
      status: row.statuses[i] as string,
      temporarily_bounced: bounced.has(id),
    };
  }
  return { keys: out, transportsStamp: row.transports_stamp, statusSubscribers: row.status_subscribers };
}

/** What lockMessageKeys answers: the messages, and what the transaction asks beside them. */
export interface LockedMessageKeys {
  keys: LockedMessageKey[];
  /** transportsStamp of the kind asked for (stampOf), else null. */
  transportsStamp: string | null;
  /** Whether any enabled endpoint subscribes to a status change (hooks/emit.ts statusSubscribersSql), read in
   * the same statement: the store statement then leaves the host webhooks' part out when none does. */
  statusSubscribers: boolean | null;
}

/** The lock statement's answer: the messages' fields as parallel arrays (in id order). */
interface KeyColumns {
  ids: string[];
  queue_ids: Array<string | null>;
  to_addresses: Array<string | null>;
  statuses: string[];
  temporarily_bounced: string[] | null;
  /** transportsStamp of the kind asked for (stampOf), else null. */
  transports_stamp: string | null;
  status_subscribers: boolean;
}

/** The workspace's messages with these ids, for the bounce rules and opt-outs (the caller holds their locks). */
export async function selectMessageRefs(
  db: Kysely<DB>,
  workspaceId: string,
  ids: string[],
): Promise<MessageRef[]> {
  if (ids.length === 0) return [];
  const r = await sql<MessageRef>`
    select ${sql.raw(REF_COLUMNS)} from messages
     where workspace_id = ${workspaceId} and id = any(${ids}::text[])`.execute(db);
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
