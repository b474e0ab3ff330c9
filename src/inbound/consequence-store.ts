// The SQL of the bounce rules applied to a set (consequences.ts): each read and each kind of write is one
// statement for the whole set, whatever its size.
import { type Kysely, sql } from "kysely";
import type { DB, Row, SubscriptionStatus } from "../db/schema.js";
import { type Actor, actorLabel } from "../runtime.js";
import { Conflict } from "../util/errors.js";
import { newId } from "../util/ids.js";

type Db = Kysely<DB>;

/** Soft bounces of messages to each address in this workspace since `since` (the escalation rule), keyed
 * by the lower-cased address: one index probe per address (messages_ws_to_idx). */
export async function softBounceCounts(
  db: Db,
  workspaceId: string,
  addresses: string[],
  since: Date,
): Promise<Map<string, number>> {
  const keys = [...new Set(addresses.map((a) => a.toLowerCase()))];
  const r = await sql<{ key: string; n: number }>`
    select a.key, (select count(*)::int from messages m join message_events e on e.message_id = m.id
                    where m.workspace_id = ${workspaceId} and lower(m.to_address) = a.key
                      and e.type = 'soft_bounced' and e.at >= ${since}) as n
      from unnest(${keys}::text[]) as a(key)`.execute(db);
  return new Map(r.rows.map((x) => [x.key, Number(x.n)]));
}

/** A subscription as the rules replay it: its status fields, and its contact's mailing address (first
 * e-mail key), which decides whether a bounce of that address concerns it. */
export interface SubscriptionState {
  id: string;
  list_id: string;
  contact_id: string;
  status: SubscriptionStatus;
  status_set_at: Date;
  status_set_by: string | null;
  first_key: string | null;
}

/** The subscriptions, in one of `statuses`, of these contacts and of every contact whose mailing address
 * is one of these keys; locked, in id order (as setSubscriptionStatus locks). */
export async function lockSubscriptionsOfAddresses(
  db: Db,
  workspaceId: string,
  v: { contactIds: string[]; keys: string[]; statuses: SubscriptionStatus[] },
): Promise<SubscriptionState[]> {
  const contactIds = [...new Set(v.contactIds)];
  const keys = [...new Set(v.keys)];
  const r = await sql<SubscriptionState>`
    select s.id, s.list_id, s.contact_id, s.status, s.status_set_at, s.status_set_by, c.email_keys[1] as first_key
      from subscriptions s join contacts c on c.id = s.contact_id
     where s.workspace_id = ${workspaceId}
       and s.status = any(${v.statuses}::text[])
       and (s.contact_id = any(${contactIds}::text[])
            or s.contact_id in (select k.contact_id from contact_email_keys k join contacts kc on kc.id = k.contact_id
                                 where k.workspace_id = ${workspaceId} and k.email_key = any(${keys}::text[])
                                   and kc.email_keys[1] = k.email_key))
     order by s.id
       for update of s`.execute(db);
  return r.rows;
}

/** Each subscription to its last status of the set, set at `now` by the rule that set it. */
export async function updateSubscriptionStatuses(db: Db, states: SubscriptionState[], now: Date) {
  if (states.length === 0) return;
  await sql`
    update subscriptions s
       set status = v.status, status_set_at = ${now}, status_set_by = v.set_by, updated_at = ${now}
      from unnest(${states.map((s) => s.id)}::text[], ${states.map((s) => s.status)}::text[],
                  ${states.map((s) => s.status_set_by)}::text[]) as v(id, status, set_by)
     where s.id = v.id`.execute(db);
}

export interface BlockRequest {
  /** normalised */
  address: string;
  address_hash: string;
  reason: string;
  source: string;
}

/**
 * Blocklist entries for these addresses: one insert for the addresses not actively blocked (the first
 * request per address gives reason and source), one read for those that are. Answers the active entry per
 * hash and the ids created here.
 */
export async function insertBlockEntries(
  db: Db,
  workspaceId: string,
  requests: BlockRequest[],
  by: { now: Date; actor: Actor },
): Promise<{ entries: Map<string, Row<"blocklist">>; created: Set<string> }> {
  const first = new Map<string, BlockRequest>();
  for (const r of requests) if (!first.has(r.address_hash)) first.set(r.address_hash, r);
  const inserted = await db
    .insertInto("blocklist")
    .values(
      [...first.values()].map((r) => ({
        id: newId("blk", by.now.getTime()),
        workspace_id: workspaceId,
        kind: "email" as const,
        address: r.address,
        address_hash: r.address_hash,
        reason: r.reason,
        source: r.source,
        created_at: by.now,
        created_by: actorLabel(by.actor),
      })),
    )
    .onConflict((oc) =>
      oc.columns(["workspace_id", "address_hash"]).where("lifted_at", "is", null).doNothing(),
    )
    .returningAll()
    .execute();
  const entries = new Map(inserted.map((e) => [e.address_hash, e]));
  const missing = [...first.keys()].filter((h) => !entries.has(h));
  if (missing.length) {
    const existing = await db
      .selectFrom("blocklist")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .where("address_hash", "in", missing)
      .where("lifted_at", "is", null)
      .execute();
    for (const e of existing) entries.set(e.address_hash, e);
    // Lifted between our insert and this read: rare enough that the caller may simply retry.
    if (existing.length < missing.length)
      throw Conflict("The address was lifted from the blocklist at this moment; try again.");
  }
  return { entries, created: new Set(inserted.map((e) => e.id)) };
}
