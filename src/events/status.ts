// Delivery truth (DESIGN §3.7, §4): a message's status is derived from its append-only events by a
// precedence table, never set directly. The result is the maximum over a total order of the events, so it
// does not depend on the order in which events arrive nor on duplicates (providers do both).

export const messageStatuses = [
  "queued",
  "processed",
  "deferred",
  "unknown",
  "sent",
  "soft_bounced",
  "delivered",
  "opened",
  "clicked",
  "read",
  "hard_bounced",
  "blocked",
  "failed",
  "dropped",
] as const;
export type MessageStatus = (typeof messageStatuses)[number];

/**
 * Every event type that moves a message's status, with the status it stands for and its rank.
 * A higher rank wins. Why the order is what it is:
 * - progress: queued < processed < deferred < unknown < sent < soft_bounced < delivered; a later success
 *   (sent, delivered) outranks an earlier temporary failure (deferred, soft bounce), and an outcome the
 *   worker could not observe (unknown) is overtaken by any evidence that arrives afterwards;
 * - engagement implies delivery: opened < clicked < read all outrank delivered;
 * - final negative outcomes outrank everything positive: a late `delivered` (or a proxy's open) does not
 *   undo a hard bounce; a complaint after an open is what the sender must see; `failed` is our side
 *   giving up; `dropped` means nothing was ever sent, so nothing can outrank it.
 */
export const statusPrecedence = {
  queued: { status: "queued", rank: 0 },
  processed: { status: "processed", rank: 10 },
  deferred: { status: "deferred", rank: 20 },
  unknown: { status: "unknown", rank: 25 },
  sent: { status: "sent", rank: 30 },
  soft_bounced: { status: "soft_bounced", rank: 35 },
  delivered: { status: "delivered", rank: 40 },
  opened: { status: "opened", rank: 50 },
  clicked: { status: "clicked", rank: 60 },
  read: { status: "read", rank: 70 },
  hard_bounced: { status: "hard_bounced", rank: 80 },
  blocked: { status: "blocked", rank: 85 },
  // An ARF complaint (the recipient pressed "spam"): shown as blocked, and its reason wins over a policy block's.
  complained: { status: "blocked", rank: 86 },
  failed: { status: "failed", rank: 90 },
  dropped: { status: "dropped", rank: 100 },
} as const satisfies Record<string, { status: MessageStatus; rank: number }>;

export type StatusEventType = keyof typeof statusPrecedence;

/** Events that belong on the timeline but say nothing about delivery (a resend, an archive copy seen, the
 * recipient unsubscribing through the message's link, an out-of-office reply: RFC 3834 auto-replies prove
 * the mail arrived somewhere but are no bounce). They have no rank, so they never win. */
export const informationalEventTypes = ["resent", "archived", "note", "unsubscribed", "auto_reply"] as const;
export type InformationalEventType = (typeof informationalEventTypes)[number];

export type MessageEventType = StatusEventType | InformationalEventType;

export const messageEventTypes = [
  ...(Object.keys(statusPrecedence) as StatusEventType[]),
  ...informationalEventTypes,
] as MessageEventType[];

export function isMessageEventType(t: string): t is MessageEventType {
  return Object.hasOwn(statusPrecedence, t) || (informationalEventTypes as readonly string[]).includes(t);
}

/** The fields of an event that status derivation reads. */
export interface StatusEvent {
  id: string;
  type: string;
  at: Date;
  detail: string | null;
  error_code: string | null;
  /** A privacy proxy's open or a link scanner's click (src/tracking/machine.ts): kept on the timeline, but
   * it proves nothing about the recipient, so it never moves the status. */
  machine?: boolean;
}

export interface DerivedStatus {
  status: MessageStatus;
  status_reason: string | null;
  error_code: string | null;
  /** The event that decided the status (null when there is none yet). */
  event_id: string | null;
}

function rankOf(type: string): number | null {
  return Object.hasOwn(statusPrecedence, type) ? statusPrecedence[type as StatusEventType].rank : null;
}

/** Total order over events: rank, then the later `at`, then the greater id. */
function outranks(a: StatusEvent, rankA: number, b: StatusEvent, rankB: number): boolean {
  if (rankA !== rankB) return rankA > rankB;
  const ta = a.at.getTime();
  const tb = b.at.getTime();
  if (ta !== tb) return ta > tb;
  return a.id > b.id;
}

/** The event that decides the status of a message among these (the greatest in the total order), with its
 * rank; null when none of them moves the status. */
export function decidingEvent<E extends StatusEvent>(events: Iterable<E>): { event: E; rank: number } | null {
  let best: E | null = null;
  let bestRank = -1;
  for (const e of events) {
    const rank = e.machine ? null : rankOf(e.type);
    if (rank === null) continue;
    if (!best || outranks(e, rank, best, bestRank)) {
      best = e;
      bestRank = rank;
    }
  }
  return best ? { event: best, rank: bestRank } : null;
}

/** The status an event decides, with its reason and error code. */
export function statusOf(e: StatusEvent | null): DerivedStatus {
  if (!e) return { status: "queued", status_reason: null, error_code: null, event_id: null };
  return {
    status: statusPrecedence[e.type as StatusEventType].status,
    status_reason: e.detail,
    error_code: e.error_code,
    event_id: e.id,
  };
}

/** The message status its events prove; `queued` when no event moves it yet. */
export function deriveStatus(events: Iterable<StatusEvent>): DerivedStatus {
  return statusOf(decidingEvent(events)?.event ?? null);
}

/** The lowest and highest rank of the event types that stand for a status (blocked: a policy block or a
 * complaint); null for a string that is no status. */
export function rankRangeOf(status: string): { min: number; max: number } | null {
  let range: { min: number; max: number } | null = null;
  for (const p of Object.values(statusPrecedence)) {
    if (p.status !== status) continue;
    range = range
      ? { min: Math.min(range.min, p.rank), max: Math.max(range.max, p.rank) }
      : { min: p.rank, max: p.rank };
  }
  return range;
}
