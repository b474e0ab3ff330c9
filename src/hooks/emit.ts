// Emission: one delivery row per subscribed, enabled endpoint, inserted in the caller's transaction by a
// single INSERT … SELECT, so an event is queued exactly when the change that caused it commits.
import { type Kysely, type RawBuilder, sql } from "kysely";
import { prepared } from "../db/prepared.js";
import type { DB } from "../db/schema.js";
import { newId } from "../util/ids.js";
import type { HookEventType } from "./events.js";

/** Queues `type` with `payload` for every endpoint of the workspace subscribed to it. */
export async function emitHookEvent(
  db: Kysely<DB>,
  workspaceId: string,
  type: HookEventType,
  payload: unknown,
  now: Date = new Date(),
): Promise<number> {
  // newId gives the time-ordered part; the endpoint's hash keeps ids unique across endpoints.
  const base = newId("whd", now.getTime());
  const r = await sql`
    insert into webhook_deliveries (id, workspace_id, endpoint_id, event_type, payload, status, attempts,
                                    next_attempt_at, created_at)
    select ${base} || substr(md5(e.id), 1, 8), e.workspace_id, e.id, ${type}, ${JSON.stringify(payload)}::jsonb,
           'pending', 0, ${now}, ${now}
      from webhook_endpoints e
     where e.workspace_id = ${workspaceId} and e.enabled and ${type} = any(e.events)`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

export interface DerivedChange {
  id: string;
  status: string;
  status_reason: string | null;
  error_code: string | null;
  event_id: string | null;
}

/** Batch form for the event pipeline (src/events): `derived` are the statuses about to be written; a message
 * whose stored status differs gets message.status_changed, plus message.bounced / message.complained where
 * the new status is one. Must run before the status is written, in the same transaction. One statement for
 * the whole batch; with no endpoints it inserts nothing. */
export async function emitStatusChanges(
  db: Kysely<DB>,
  derived: DerivedChange[],
  now: Date,
): Promise<number> {
  if (derived.length === 0) return 0;
  // Most installations subscribe no endpoint to status changes. The statement below ends at once then (its
  // one-time filter), but only after its five 500-element arrays were parsed and the statement parsed and
  // planned: ~4 ms of PGlite's one thread per sending batch (~8 µs per message, transactional benchmark).
  // A small statement, parsed once, asks first. An endpoint subscribed between the two statements is one
  // subscribed just after this batch, as it would be between the batch's snapshot and its commit.
  if (!(await statusSubscribers(db))) return 0;
  const col = <T>(f: (d: DerivedChange) => T) => derived.map(f);
  const source = sql`(select *, null::text as event_type
                  from unnest(${col((d) => d.id)}::text[], ${col((d) => d.status)}::text[],
                              ${col((d) => d.status_reason)}::text[], ${col((d) => d.error_code)}::text[],
                              ${col((d) => d.event_id)}::text[]) as x(id, status, reason, code, event_id)) u`;
  const r = await statusChangeDeliveries(source, now).execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** The event types of a message's status change (statusChangeDeliveries). */
const STATUS_EVENT_TYPES = sql`array['message.status_changed', 'message.bounced', 'message.complained']::text[]`;

/** Whether any enabled endpoint, in any workspace, subscribes to a status change event: a boolean expression,
 * for a statement that asks it beside other things (webhooks/store.ts lockMessageKeys). */
export const statusSubscribersSql = sql<boolean>`exists (select 1 from webhook_endpoints
                                                          where enabled and events && ${STATUS_EVENT_TYPES})`;

/** Whether any enabled endpoint, in any workspace, subscribes to a status change event. */
export async function statusSubscribers(db: Kysely<DB>): Promise<boolean> {
  const r = await prepared(sql<{ any: boolean }>`select ${statusSubscribersSql} as any`, {
    pglite: true,
  }).execute(db);
  return r.rows[0]?.any === true;
}

/** emitStatusChanges as a statement over `source`, a FROM item named u with the columns (id, status, reason,
 * code, event_id, event_type): src/events puts it in a WITH clause of its status UPDATE, where it reads the
 * statuses before that UPDATE writes them (one statement, one round trip less per batch). event_type is the
 * deciding event's type where the caller knows it (an event inserted by the same statement is not visible to
 * the join below), else null. */
export function statusChangeDeliveries(source: RawBuilder<unknown>, now: Date) {
  const base = newId("whd", now.getTime());
  return sql`
    insert into webhook_deliveries (id, workspace_id, endpoint_id, event_type, payload, status, attempts,
                                    next_attempt_at, created_at)
    select ${base} || substr(md5(e.id || m.id || t.type), 1, 12), m.workspace_id, e.id, t.type,
           jsonb_build_object('message_id', m.id, 'previous_status', m.status, 'status', u.status,
                              'status_reason', u.reason, 'error_code', u.code, 'to', m.to_address,
                              'from', m.from_address, 'campaign_id', m.campaign_id, 'tags', to_jsonb(m.tags),
                              'at', ${now.toISOString()}::text),
           'pending', 0, ${now}, ${now}
      from ${source}
      join messages m on m.id = u.id and m.status is distinct from u.status
      left join message_events ev on ev.id = u.event_id
      cross join lateral (values ('message.status_changed'),
                                 (case when u.status in ('hard_bounced', 'soft_bounced') then 'message.bounced' end),
                                 (case when coalesce(u.event_type, ev.type) = 'complained' then 'message.complained' end)) as t(type)
      join webhook_endpoints e on e.workspace_id = m.workspace_id and e.enabled and t.type = any(e.events)
     where t.type is not null
       -- Uncorrelated, so evaluated once before anything else: without a subscribed endpoint anywhere the
       -- statement ends here and costs the event pipeline next to nothing.
       and exists (select 1 from webhook_endpoints x where x.enabled and x.events && ${STATUS_EVENT_TYPES})`;
}
