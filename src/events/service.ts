// Appending delivery events (DESIGN §3.7): every observation — the worker's SMTP reply, a DSN, a provider
// webhook, an open — enters through appendEvents, which stores it once and re-derives the cached status of
// the messages it touches, in batch.
import type { Kysely } from "kysely";
import type { DB } from "../db/schema.js";
import { emitStatusChanges } from "../hooks/emit.js";
import { newId } from "../util/ids.js";
import {
  type DerivedStatus,
  decidingEvent,
  deriveStatus,
  isMessageEventType,
  type MessageEventType,
  rankRangeOf,
  type StatusEvent,
  statusOf,
} from "./status.js";
import {
  type Duplicates,
  type EventColumns,
  type EventRecord,
  eventColumns,
  insertEvents,
  insertEventsDerivingStatuses,
  insertEventsReturningIds,
  lockMessages,
  selectDecidingEvents,
  selectTimeline,
} from "./store.js";

/** Where an observation came from (DESIGN §3.7); the dashboard words each. */
export const eventSources = [
  "api",
  "worker",
  "smtp",
  "capture",
  "provider_webhook",
  "inbound_dsn",
  "mdn",
  "arf",
  "open_pixel",
  "click",
  "imap_archive",
  "retention",
  "manual",
] as const;
export type EventSource = (typeof eventSources)[number];

export interface NewMessageEvent {
  message_id: string;
  workspace_id: string;
  type: MessageEventType;
  source: EventSource | (string & {});
  /** When it happened (the observation's own time where known); defaults to now. */
  at?: Date;
  /** A sentence a person can read: becomes the message's status_reason when this event decides it. */
  detail?: string | null;
  /** The raw proof: SMTP reply line, DSN fields, webhook body… */
  evidence?: unknown;
  /** Makes a repeated observation (a provider retry, a DSN read twice) a no-op. */
  dedupe_key?: string | null;
  error_code?: string | null;
  id?: string;
}

export interface AppendResult {
  inserted: number;
  /** The ids of the events stored (a repeated observation is not among them); with AppendOptions.report,
   * only those among the reported. */
  stored: Set<string>;
}

export interface AppendOptions {
  /** The caller already holds the row locks of every message the events name, taken in this transaction
   * (src/webhooks reads what it needs of the messages that way), and read their cached status under them
   * (message id → status): spares the lock statement. */
  locked?: Map<string, string>;
  /** The event ids (given in `id`) whose storing the caller needs to know; `stored` then holds only those.
   * A webhook batch asks about its few events with consequences, not about all 1,000. */
  report?: string[];
  /** "fail": the caller expects every event to be new and runs its transaction again with "skip" (the
   * default) when a stored dedupe key fails the statement with unique_violation (store.ts Duplicates). */
  duplicates?: Duplicates;
  /** Whether any enabled endpoint subscribes to a status change (hooks/emit.ts statusSubscribers), as the
   * caller read it earlier in this transaction: false leaves the host webhooks' part out of the store
   * statement (store.ts insertEventsDerivingStatuses). Unset, the statement asks itself. */
  statusSubscribers?: boolean;
  /** The insert's parameters of exactly these events, made ahead by columnsOf (webhooks/service.ts makes
   * them while the database answers its lock read); made here when absent. */
  columns?: EventColumns;
}

/** The insert's parameters of these events (store.ts eventColumns), as appendEvents would make them: every
 * event must carry its id, or the parameters would name other ids than appendEvents reports. */
export function columnsOf(events: NewMessageEvent[], now: Date): EventColumns {
  if (events.some((e) => e.id === undefined)) throw new Error("columnsOf needs every event's id");
  return eventColumns(events.map((e) => eventRow(e, now)));
}

/** The event of a message whose worker lost its lease mid-transaction (DESIGN §3.4): the outcome is unknown
 * and it is never resent automatically. One shape for the transactional reaper and the campaign's. */
export function unknownOutcomeEvent(
  r: { message_id: string; workspace_id: string; lease_owner: string | null; lease_until: Date | string },
  reapedBy: string,
  now: Date,
): NewMessageEvent {
  const leaseUntil = new Date(r.lease_until).toISOString();
  return {
    message_id: r.message_id,
    workspace_id: r.workspace_id,
    type: "unknown",
    source: "worker",
    at: now,
    detail: "The worker stopped during the SMTP transaction; not resent automatically",
    error_code: "outcome_unknown",
    evidence: { lease_owner: r.lease_owner, lease_until: leaseUntil, reaped_by: reapedBy },
    dedupe_key: `unknown:${leaseUntil}`,
  };
}

/** Stores the events (skipping duplicates by dedupe_key) and updates messages.status / status_reason /
 * error_code of every message concerned, queuing the host-application webhooks of the changes. Runs in
 * `db`'s transaction, or opens one. Two statements whatever the batch: the row locks (unless the caller
 * holds them) and one that stores, derives and writes (store.ts insertEventsDerivingStatuses). */
export async function appendEvents(
  db: Kysely<DB>,
  events: NewMessageEvent[],
  now: Date = new Date(),
  opts: AppendOptions = {},
): Promise<AppendResult> {
  if (events.length === 0) return { inserted: 0, stored: new Set() };
  if (!db.isTransaction) return db.transaction().execute((tx) => appendEvents(tx, events, now, opts));
  assertEventTypes(events);
  // The locks serialise appends to the same messages, and the next statement sees every event committed
  // before they were granted.
  const statuses = opts.locked ?? (await lockMessages(db, [...new Set(events.map((e) => e.message_id))]));
  return insertEventsDerivingStatuses(
    db,
    opts.columns ?? events.map((e) => eventRow(e, now)),
    statuses,
    now,
    opts.report,
    opts.duplicates,
    opts.statusSubscribers,
  );
}

function assertEventTypes(events: NewMessageEvent[]) {
  for (const e of events) {
    if (!isMessageEventType(e.type)) throw new Error(`unknown message event type '${e.type}'`);
  }
}

/** Like appendEvents, for a writer that updates the same message rows itself in this transaction (the
 * sending worker): the derived statuses are returned for the caller's own UPDATE instead of being written
 * separately, which saves a second row version per message on the hot path. Must run in a transaction. */
export async function appendEventsForUpdate(
  tx: Kysely<DB>,
  events: NewMessageEvent[],
  now: Date,
  opts: { rowLocks?: boolean } = {},
): Promise<AppendResult & { statuses: Map<string, DerivedStatus> }> {
  if (!tx.isTransaction) throw new Error("appendEventsForUpdate must run inside a transaction");
  assertEventTypes(events);
  const ids = [...new Set(events.map((e) => e.message_id))];
  const current = await lockMessages(tx, ids, opts.rowLocks ?? true);
  const rows = events.map((e) => eventRow(e, now));
  const stored = await insertEventsReturningIds(tx, rows);
  const fresh = rows.flatMap((r, i) =>
    stored.has(r.id) ? [{ ...statusFields(r), machine: isMachine(events[i]) }] : [],
  );
  const statuses = await nextStatuses(tx, current, fresh);
  // Webhooks to the host application: queued for the messages whose stored status is about to change.
  await emitStatusChanges(
    tx,
    [...statuses].map(([id, d]) => ({ id, ...d })),
    now,
  );
  return { inserted: stored.size, stored, statuses };
}

/** A machine open or click (src/tracking/machine.ts flags its evidence): on the timeline, never the status.
 * The same test as store.ts makes in SQL. */
function isMachine(e: NewMessageEvent): boolean {
  if (e.type !== "opened" && e.type !== "clicked") return false;
  const ev = e.evidence;
  return typeof ev === "object" && ev !== null && (ev as Record<string, unknown>).machine === true;
}

/**
 * The statuses that change, given each locked message's cached status (the status its stored events
 * derive, maintained by every append) and the events this append stored. Derivation is the maximum over a
 * total order (status.ts), so the new status is the greater of the old deciding event and the best fresh
 * one: a fresh event ranked above every event type of the cached status wins outright, one ranked below
 * them changes nothing, and only a tie within the cached status's ranks needs the stored deciding event,
 * read then for those messages alone. The result is deriveStatus over all stored events either way.
 */
async function nextStatuses(
  tx: Kysely<DB>,
  current: Map<string, string>,
  fresh: Array<StatusEvent & { message_id: string }>,
): Promise<Map<string, DerivedStatus>> {
  const byMessage = new Map<string, StatusEvent[]>();
  for (const e of fresh) {
    const list = byMessage.get(e.message_id) ?? [];
    list.push(e);
    byMessage.set(e.message_id, list);
  }
  const out = new Map<string, DerivedStatus>();
  const ties = new Map<string, StatusEvent>();
  for (const [id, evs] of byMessage) {
    const best = decidingEvent(evs);
    if (!best) continue;
    const range = rankRangeOf(current.get(id) ?? "");
    if (range && best.rank < range.min) continue;
    if (range && best.rank > range.max) out.set(id, statusOf(best.event));
    else ties.set(id, best.event);
  }
  if (ties.size === 0) return out;
  const stored = new Map((await selectDecidingEvents(tx, [...ties.keys()])).map((r) => [r.message_id, r]));
  for (const [id, e] of ties) {
    const old = stored.get(id);
    out.set(id, statusOf(decidingEvent(old ? [old, e] : [e])?.event ?? null));
  }
  return out;
}

function statusFields(r: EventRecord): StatusEvent & { message_id: string } {
  return {
    id: r.id,
    message_id: r.message_id,
    type: r.type,
    at: r.at,
    detail: r.detail ?? null,
    error_code: r.error_code ?? null,
  };
}

/** The status of a message that is being created with these, its first events (see appendFirstEvents). */
export function statusOfNew(events: NewMessageEvent[], now: Date): DerivedStatus {
  return deriveStatus(
    events.map((e, i) => ({
      id: e.id ?? String(i),
      type: e.type,
      at: e.at ?? now,
      detail: e.detail ?? null,
      error_code: e.error_code ?? null,
    })),
  );
}

/** The opening events of messages inserted in this same transaction with status = statusOfNew(events):
 * nothing else can have been observed about them yet, so there is nothing to lock or re-derive. */
export async function appendFirstEvents(
  tx: Kysely<DB>,
  events: NewMessageEvent[],
  now: Date,
): Promise<number> {
  assertEventTypes(events);
  return insertEvents(
    tx,
    events.map((e) => eventRow(e, now)),
  );
}

function eventRow(e: NewMessageEvent, now: Date): EventRecord {
  const at = e.at ?? now;
  return {
    id: e.id ?? newId("evt", at.getTime()),
    workspace_id: e.workspace_id,
    message_id: e.message_id,
    at,
    type: e.type,
    source: e.source,
    detail: e.detail ?? null,
    evidence: e.evidence ?? null,
    dedupe_key: e.dedupe_key ?? null,
    error_code: e.error_code ?? null,
  };
}

/** A message's timeline, oldest first: every observation with its source and evidence. */
export async function timelineOf(db: Kysely<DB>, messageId: string) {
  const rows = await selectTimeline(db, messageId);
  return rows.map((e) => ({
    id: e.id,
    at: e.at,
    type: e.type,
    source: e.source,
    detail: e.detail,
    error_code: e.error_code,
    evidence: e.evidence,
  }));
}
