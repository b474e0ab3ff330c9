// Statistics (issue 5 item 9, DESIGN §5 "general statistics"): per workspace, campaign and time range, what
// happened to the messages, counted from their events. Every count is a number of messages (a message
// opened five times is one open). Human and machine engagement are apart: a privacy proxy's open or a
// link scanner's click (src/tracking/machine.ts) is counted under *_machine only.
//
// Definitions:
// - sent: the message left the queue with an outcome (sent, delivered, bounced, blocked, complained, or any
//   engagement); dropped, failed and still queued messages are not sent;
// - delivered: a delivered event, a read receipt, or a human open or click (each implies delivery);
// - opened_human: a human open or a human click (a click without the pixel, images off, is still an open);
//   opened_machine: opened only by machines; opened_unique = opened_human + opened_machine;
// - no_reaction: sent, not hard-bounced, blocked or complained, and no human open or click;
// - click_to_open_rate: clicked_human / opened_human (null while nothing was opened).
import type { Page } from "../http/pagination.js";
import { decodeCursor, encodeCursor } from "../http/pagination.js";
import type { Ctx } from "../runtime.js";
import { Invalid, NotFound } from "../util/errors.js";
import type { RecipientsQuery, StatsQuery, TimeseriesQuery } from "./schema.js";
import {
  campaignExists,
  type Reaction,
  type Scope,
  selectBounceReasons,
  selectRecipients,
  selectSummary,
  selectTimeseries,
} from "./store.js";

async function scopeOf(
  ctx: Ctx,
  q: { campaign_id?: string; since?: string; until?: string },
): Promise<Scope> {
  // A foreign or unknown campaign is 404, like every foreign id: zeros would hide a typo and tell nothing.
  if (q.campaign_id && !(await campaignExists(ctx.rt.db, ctx.workspaceId, q.campaign_id))) {
    throw NotFound("campaign", q.campaign_id);
  }
  const since = q.since ? new Date(q.since) : undefined;
  const until = q.until ? new Date(q.until) : undefined;
  if (since && until && since >= until) throw Invalid("since must be before until.");
  return { workspaceId: ctx.workspaceId, campaignId: q.campaign_id, since, until };
}

export async function campaignStats(ctx: Ctx, q: StatsQuery) {
  const scope = await scopeOf(ctx, q);
  const [summary, reasons] = await Promise.all([
    selectSummary(ctx.rt.db, scope),
    selectBounceReasons(ctx.rt.db, scope),
  ]);
  const { messages, ...counts } = summary;
  return {
    campaign_id: q.campaign_id ?? null,
    since: q.since ?? null,
    until: q.until ?? null,
    messages,
    ...counts,
    click_to_open_rate: counts.opened_human > 0 ? counts.clicked_human / counts.opened_human : null,
    bounce_reasons: Object.fromEntries(reasons.map((r) => [r.reason, r.n])),
  };
}

function reactionOf(openedAt: Date | null, clickedAt: Date | null): Reaction {
  if (clickedAt) return "clicked";
  return openedAt ? "opened" : "not_opened";
}

export interface RecipientReaction {
  message_id: string;
  contact_id: string | null;
  to: string | null;
  status: string;
  reaction: Reaction;
  first_opened_at: Date | null;
  first_clicked_at: Date | null;
  machine_opens: number;
  machine_clicks: number;
}

/** Per recipient (message) of the scope, oldest first; `reaction` filters: opened includes those who clicked. */
export async function recipientReactions(ctx: Ctx, q: RecipientsQuery): Promise<Page<RecipientReaction>> {
  const scope = await scopeOf(ctx, q);
  const cursor = decodeCursor(q.cursor);
  const afterId = cursor && typeof cursor[0] === "string" ? cursor[0] : null;
  if (cursor && afterId === null)
    throw Invalid("The cursor is not one this server issued; start again without ?cursor=.");
  const rows = await selectRecipients(ctx.rt.db, scope, q.reaction, afterId, q.limit + 1);
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  return {
    items: page.map((r) => ({
      message_id: r.id,
      contact_id: r.contact_id,
      to: r.to_address,
      status: r.status,
      reaction: reactionOf(r.first_opened_at, r.first_clicked_at),
      first_opened_at: r.first_opened_at,
      first_clicked_at: r.first_clicked_at,
      machine_opens: Number(r.machine_opens),
      machine_clicks: Number(r.machine_clicks),
    })),
    next_cursor: more ? encodeCursor([page[page.length - 1].id]) : null,
  };
}

/** Opens and clicks over time, human and machine apart; buckets without events are left out. */
export async function engagementTimeseries(ctx: Ctx, q: TimeseriesQuery) {
  const scope = await scopeOf(ctx, { campaign_id: q.campaign_id });
  const since = q.since ? new Date(q.since) : undefined;
  const until = q.until ? new Date(q.until) : undefined;
  if (since && until && since >= until) throw Invalid("since must be before until.");
  const buckets = await selectTimeseries(ctx.rt.db, scope, q.bucket, { since, until });
  return { campaign_id: q.campaign_id ?? null, bucket: q.bucket, items: buckets };
}
