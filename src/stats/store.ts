// SQL of the statistics (issue 5 item 9): aggregates over message_events of the messages in scope
// (a workspace, optionally one campaign and a creation-time range). One pass groups the events per message
// into flags; one outer aggregate counts them, so every number in the summary is a count of messages.
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { DB } from "../db/schema.js";
import { newId } from "../util/ids.js";

export interface Scope {
  workspaceId: string;
  campaignId?: string;
  /** messages created at or after */
  since?: Date;
  /** messages created before */
  until?: Date;
}

/** The smallest message id of a given millisecond ("msg_" and the id's time part): ids are time-ordered, so
 * the bounds narrow the scan on messages (workspace_id, id); created_at keeps the range exact. */
function idFloor(t: Date): string {
  const id = newId("msg", t.getTime());
  return id.slice(0, id.indexOf("_") + 11);
}

/** The WHERE clause selecting the messages in scope, on alias m. */
function scopeWhere(s: Scope): RawBuilder<boolean> {
  const parts: RawBuilder<unknown>[] = [sql`m.workspace_id = ${s.workspaceId}`];
  if (s.campaignId) parts.push(sql`m.campaign_id = ${s.campaignId}`);
  if (s.since) parts.push(sql`m.id >= ${idFloor(s.since)} and m.created_at >= ${s.since}`);
  if (s.until)
    parts.push(sql`m.id < ${idFloor(new Date(s.until.getTime() + 1))} and m.created_at < ${s.until}`);
  return sql<boolean>`${sql.join(parts, sql` and `)}`;
}

/** A machine open or click (src/tracking/machine.ts), on alias e. */
const MACHINE = sql`coalesce(e.evidence -> 'machine' = 'true'::jsonb, false)`;

export interface SummaryRow {
  messages: number;
  sent: number;
  delivered: number;
  hard_bounced: number;
  soft_bounced: number;
  blocked: number;
  opened_unique: number;
  opened_human: number;
  opened_machine: number;
  clicked_unique: number;
  clicked_human: number;
  unsubscribed: number;
  complaints: number;
  no_reaction: number;
}

export async function selectSummary(db: Kysely<DB>, s: Scope): Promise<SummaryRow> {
  const r = await sql<Record<keyof SummaryRow, string | number>>`
    with per_message as (
      select m.id,
             bool_or(e.type in ('sent', 'delivered', 'soft_bounced', 'hard_bounced', 'blocked', 'complained',
                                'opened', 'clicked', 'read')) as sent,
             bool_or(e.type in ('delivered', 'read') or (e.type in ('opened', 'clicked') and not ${MACHINE})) as delivered,
             bool_or(e.type = 'hard_bounced') as hard,
             bool_or(e.type = 'soft_bounced') as soft,
             bool_or(e.type = 'blocked') as blocked,
             bool_or(e.type = 'complained') as complained,
             bool_or(e.type = 'unsubscribed') as unsubscribed,
             bool_or(e.type = 'opened') as opened_any,
             bool_or(e.type in ('opened', 'clicked') and not ${MACHINE}) as opened_human,
             bool_or(e.type = 'clicked') as clicked_any,
             bool_or(e.type = 'clicked' and not ${MACHINE}) as clicked_human
        from messages m
        left join message_events e on e.message_id = m.id
       where ${scopeWhere(s)}
       group by m.id
    )
    select count(*) as messages,
           count(*) filter (where sent) as sent,
           count(*) filter (where delivered) as delivered,
           count(*) filter (where hard) as hard_bounced,
           count(*) filter (where soft) as soft_bounced,
           count(*) filter (where blocked) as blocked,
           count(*) filter (where opened_any or opened_human) as opened_unique,
           count(*) filter (where opened_human) as opened_human,
           count(*) filter (where opened_any and not opened_human) as opened_machine,
           count(*) filter (where clicked_any) as clicked_unique,
           count(*) filter (where clicked_human) as clicked_human,
           count(*) filter (where unsubscribed) as unsubscribed,
           count(*) filter (where complained) as complaints,
           count(*) filter (where sent and not hard and not blocked and not complained and not opened_human)
             as no_reaction
      from per_message`.execute(db);
  const row = r.rows[0];
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as unknown as SummaryRow;
}

/** Messages per bounce reason (the error code of their bounce events: sisimai's reason names). */
export async function selectBounceReasons(
  db: Kysely<DB>,
  s: Scope,
): Promise<Array<{ reason: string; n: number }>> {
  const r = await sql<{ reason: string; n: string | number }>`
    select coalesce(e.error_code, 'undefined') as reason, count(distinct m.id) as n
      from messages m
      join message_events e on e.message_id = m.id
     where ${scopeWhere(s)} and e.type in ('hard_bounced', 'soft_bounced')
     group by 1
     order by 2 desc, 1`.execute(db);
  return r.rows.map((x) => ({ reason: x.reason, n: Number(x.n) }));
}

export type Reaction = "not_opened" | "opened" | "clicked";

export interface RecipientRow {
  id: string;
  contact_id: string | null;
  to_address: string | null;
  status: string;
  first_opened_at: Date | null;
  first_clicked_at: Date | null;
  machine_opens: number;
  machine_clicks: number;
}

/** Per message in scope, in id order after `afterId`: its first human open and click and its machine
 * events. The lateral aggregate reads one message's events through message_events_msg_idx, so a page stops
 * after `limit` messages whatever the campaign's size. */
export async function selectRecipients(
  db: Kysely<DB>,
  s: Scope,
  reaction: Reaction | undefined,
  afterId: string | null,
  limit: number,
): Promise<RecipientRow[]> {
  const reactionWhere =
    reaction === "clicked"
      ? sql`a.first_clicked_at is not null`
      : reaction === "opened"
        ? sql`(a.first_opened_at is not null or a.first_clicked_at is not null)`
        : reaction === "not_opened"
          ? sql`a.first_opened_at is null and a.first_clicked_at is null`
          : sql`true`;
  const r = await sql<RecipientRow>`
    select m.id, m.contact_id, m.to_address, m.status,
           a.first_opened_at, a.first_clicked_at, a.machine_opens, a.machine_clicks
      from messages m
      cross join lateral (
        select min(e.at) filter (where e.type = 'opened' and not ${MACHINE}) as first_opened_at,
               min(e.at) filter (where e.type = 'clicked' and not ${MACHINE}) as first_clicked_at,
               count(*) filter (where e.type = 'opened' and ${MACHINE})::int as machine_opens,
               count(*) filter (where e.type = 'clicked' and ${MACHINE})::int as machine_clicks
          from message_events e
         where e.message_id = m.id and e.type in ('opened', 'clicked')
      ) a
     where ${scopeWhere(s)} and ${afterId === null ? sql`true` : sql`m.id > ${afterId}`} and ${reactionWhere}
     order by m.id
     limit ${limit}`.execute(db);
  return r.rows;
}

export interface BucketRow {
  at: Date;
  opens_human: number;
  opens_machine: number;
  clicks_human: number;
  clicks_machine: number;
}

/** Opens and clicks per hour or day (UTC) of the messages in scope, events within [since, until). */
export async function selectTimeseries(
  db: Kysely<DB>,
  s: Scope,
  bucket: "hour" | "day",
  range: { since?: Date; until?: Date },
): Promise<BucketRow[]> {
  const eventRange = sql.join(
    [
      sql`true`,
      ...(range.since ? [sql`e.at >= ${range.since}`] : []),
      ...(range.until ? [sql`e.at < ${range.until}`] : []),
    ],
    sql` and `,
  );
  const r = await sql<Record<keyof BucketRow, Date | string | number>>`
    select date_trunc(${bucket}, e.at at time zone 'UTC') at time zone 'UTC' as at,
           count(*) filter (where e.type = 'opened' and not ${MACHINE}) as opens_human,
           count(*) filter (where e.type = 'opened' and ${MACHINE}) as opens_machine,
           count(*) filter (where e.type = 'clicked' and not ${MACHINE}) as clicks_human,
           count(*) filter (where e.type = 'clicked' and ${MACHINE}) as clicks_machine
      from messages m
      join message_events e on e.message_id = m.id
     where ${scopeWhere({ workspaceId: s.workspaceId, campaignId: s.campaignId })}
       and e.type in ('opened', 'clicked') and ${eventRange}
     group by 1
     order by 1`.execute(db);
  return r.rows.map((x) => ({
    at: new Date(x.at as Date | string),
    opens_human: Number(x.opens_human),
    opens_machine: Number(x.opens_machine),
    clicks_human: Number(x.clicks_human),
    clicks_machine: Number(x.clicks_machine),
  }));
}

export async function campaignExists(db: Kysely<DB>, workspaceId: string, campaignId: string) {
  const row = await db
    .selectFrom("campaigns")
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", campaignId)
    .executeTakeFirst();
  return row !== undefined;
}
