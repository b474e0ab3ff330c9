// Provider webhooks (issue 5 item 3, DESIGN §3.7–3.8): POST /v1/webhooks/{provider}/{workspace} verifies
// the request by the provider's scheme against the webhook settings of the workspace's transports of that
// kind, reads the provider's events, ties each to its message (our id carried back, else the provider's
// message id in messages.queue_id) and appends them through appendEvents with the provider's event id as
// dedupe key, so a repeated delivery changes nothing. A hard bounce blocks the address and marks its
// subscriptions in the same transaction. Verification failures, unknown workspaces and malformed bodies are
// answered before anything is written.

import type { Kysely } from "kysely";
import { logEvent, recordActivity } from "../audit/service.js";
import { rowLocksMatter } from "../db/index.js";
import type { DB } from "../db/schema.js";
import {
  isProviderKind,
  type ProviderConfigOf,
  type ProviderKind,
  providerConfigs,
} from "../delivery/providers/schema.js";
import { appendEvents, columnsOf, type NewMessageEvent } from "../events/service.js";
import type { MessageEventType } from "../events/status.js";
import type { Duplicates, EventColumns } from "../events/store.js";
import { applyConsequenceSet } from "../inbound/consequences.js";
import type { Consequence, Observation } from "../inbound/observations.js";
import { type Ctx, type Runtime, systemActor } from "../runtime.js";
import { type AppError, Conflict, NotFound, Unauthorized } from "../util/errors.js";
import { newId } from "../util/ids.js";
import { makeStorable } from "../util/storable.js";
import { webhookDeps } from "./deps.js";
import { type ProviderEvent, parseJson, readPayload, type WebhookRequest } from "./event.js";
import { receiveMailgun } from "./mailgun.js";
import { applyProviderOptOut, type ProviderOptOut } from "./opt-outs.js";
import { receivePostmark } from "./postmark.js";
import { receiveSendgrid } from "./sendgrid.js";
import { readSesNotification } from "./ses.js";
import { isSnsUrl, type SnsEnvelope, snsEnvelope, verifySns } from "./sns.js";
import {
  insertSubscriptionConfirmation,
  type LockedMessageKey,
  type LockedMessageKeys,
  lockMessageKeys,
  type MessageRef,
  selectMessageRefs,
  selectSubscriptionConfirmation,
  selectSubscriptionConfirmations,
  selectTransportConfigs,
  selectTransportsStamp,
  updateSubscriptionConfirmation,
} from "./store.js";

export interface WebhookSummary {
  provider: ProviderKind;
  /** Events in the request. */
  received: number;
  /** Newly stored events. */
  stored: number;
  /** Events stored before (a repeated delivery). */
  duplicates: number;
  /** Events naming no message of this workspace (logged in the event log). */
  unmatched: number;
  /** Events about another recipient of the message (the archive copy) or of a kind Poststelle does not track. */
  ignored: number;
  /** Addresses put on the blocklist by hard bounces in this request. */
  blocked: number;
}

type WebhookKind = "sendgrid" | "mailgun" | "postmark";
type WebhookSetting<K extends ProviderKind> = NonNullable<ProviderConfigOf[K]["webhook"]>;

/** The webhook settings of every transport of this kind in the workspace, and the stamp of the transports they
 * were read from (store.ts transportsStamp). */
interface Settings<K extends ProviderKind> {
  webhooks: Array<WebhookSetting<K>>;
  stamp: string;
}

async function webhookSettings<K extends ProviderKind>(
  rt: Runtime,
  workspaceId: string,
  kind: K,
): Promise<Settings<K>> {
  const { configs, stamp } = await selectTransportConfigs(rt.db, workspaceId, kind);
  const webhooks: Array<WebhookSetting<K>> = [];
  for (const row of configs) {
    const parsed = providerConfigs[kind].safeParse(row.config);
    const webhook = parsed.success ? (parsed.data as ProviderConfigOf[K]).webhook : undefined;
    if (webhook) webhooks.push(webhook as WebhookSetting<K>);
  }
  // The same answer whether the workspace does not exist or has no such webhook: nothing to learn by probing.
  if (webhooks.length === 0)
    throw NotFound(
      `${kind} webhook for workspace '${workspaceId}' (configure a ${kind} transport with a webhook section)`,
    );
  return { webhooks, stamp };
}

/**
 * The settings last read per workspace and provider, in this process. A provider posts batch after batch, and
 * reading and parsing the transports for each was a statement and a schema check per request (events
 * benchmark: ~2.5 ms of a batch's ~95 on PGlite). A request is verified against the kept settings, and the
 * transaction that stores its events reads the transports' stamp again in its first statement (the lock
 * read): when a transport changed meanwhile — in this process or another — nothing is stored, the settings
 * are read afresh and the request verified again, so a key taken away is refused at once. A request the kept
 * settings refuse is verified again against fresh ones, so a new key is accepted at once.
 */
const keptSettings = new WeakMap<Runtime, Map<string, Settings<WebhookKind>>>();

function keptOf(rt: Runtime) {
  let kept = keptSettings.get(rt);
  if (!kept) {
    kept = new Map();
    keptSettings.set(rt, kept);
  }
  return kept;
}

async function freshSettings<K extends WebhookKind>(rt: Runtime, workspaceId: string, kind: K) {
  const kept = keptOf(rt);
  kept.delete(`${kind}\n${workspaceId}`);
  const settings = await webhookSettings(rt, workspaceId, kind);
  // A bounded map: a request for an unknown workspace throws above and keeps nothing.
  if (kept.size >= 1000) kept.clear();
  kept.set(`${kind}\n${workspaceId}`, settings as Settings<WebhookKind>);
  return settings;
}

/** The transports changed between verifying a request and storing its events: verify it again. */
class SettingsChanged extends Error {}

interface Reading {
  events: ProviderEvent[];
  ignored: number;
}

/** Verifies and reads a request against the kept settings (fresh ones when there are none, or when the kept ones
 * refuse it), and stores its events — again from the start when the transports changed in between. */
async function receiveEvents<K extends WebhookKind>(
  rt: Runtime,
  workspaceId: string,
  kind: K,
  read: (webhooks: Array<WebhookSetting<K>>) => Reading,
): Promise<WebhookSummary> {
  let settings = keptOf(rt).get(`${kind}\n${workspaceId}`) as Settings<K> | undefined;
  let reading: Reading | undefined;
  if (settings) {
    try {
      reading = read(settings.webhooks);
    } catch (err) {
      if ((err as AppError).status !== 401) throw err;
      settings = undefined;
    }
  }
  for (let attempt = 0; ; attempt++) {
    if (!settings || !reading) {
      settings = await freshSettings(rt, workspaceId, kind);
      reading = read(settings.webhooks);
    }
    try {
      return await storeEvents(rt, workspaceId, kind, reading.events, reading.ignored, settings.stamp);
    } catch (err) {
      if (!(err instanceof SettingsChanged)) throw err;
      // Transports changing under every attempt: nothing was stored; the provider sends the batch again.
      if (attempt >= 3)
        throw Conflict(
          `the ${kind} transports of this workspace changed while the request was stored; send it again`,
        );
      settings = undefined;
    }
  }
}

/** A provider's text as it can be stored: its events' NULs and broken surrogates become U+FFFD (a bounce reason
 * with a NUL in it is still a bounce; refusing it would lose the batch). */
function storableReading(r: Reading): Reading {
  makeStorable(r.events);
  return r;
}

export async function receiveWebhook(
  rt: Runtime,
  provider: string,
  workspaceId: string,
  req: WebhookRequest,
): Promise<WebhookSummary | SubscriptionAnswer> {
  if (!isProviderKind(provider))
    throw NotFound(`webhook provider '${provider}' (use sendgrid, mailgun, postmark or ses)`);
  const now = rt.now();
  // A NUL or half a surrogate pair reaches a JSON body only through a \u escape; a body without one is not walked.
  const storable = req.raw.indexOf("\\u") === -1 ? (r: Reading) => r : storableReading;
  switch (provider) {
    case "sendgrid":
      return receiveEvents(rt, workspaceId, provider, (w) => storable(receiveSendgrid(req, w, now)));
    case "mailgun":
      return receiveEvents(rt, workspaceId, provider, (w) => storable(receiveMailgun(req, w, now)));
    case "postmark":
      return receiveEvents(rt, workspaceId, provider, (w) => storable(receivePostmark(req, w, now)));
    case "ses":
      return receiveSns(rt, workspaceId, req, now);
  }
}

// ---------------------------------------------------------------- events

interface Resolved {
  rows: Array<NewMessageEvent & { id: string }>;
  /** Events that may mean something beyond their message (bounces, complaints, deliveries). */
  consequential: Array<{ messageId: string; eventId: string; observation: Observation }>;
  optOuts: Array<Omit<ProviderOptOut, "message"> & { messageId: string; id: string }>;
  unmatched: ProviderEvent[];
  otherRecipient: number;
  /** The rows are the draft's, every one (resolve's draft): its insert parameters are theirs. */
  draftHolds: boolean;
}

const lower = (s: string) => s.trim().toLowerCase();

const CONSEQUENCES: Partial<Record<MessageEventType, Consequence>> = {
  hard_bounced: "hard",
  soft_bounced: "soft",
  delivered: "delivered",
};

/** Events that change what may be sent to the contact (opt-outs.ts). */
const OPT_OUTS: Partial<Record<MessageEventType, ProviderOptOut["kind"]>> = {
  unsubscribed: "unsubscribe",
  complained: "complaint",
};

/** The event as the bounce rules (src/inbound/consequences.ts) read observations. */
function observationOf(e: ProviderEvent, m: LockedMessageKey, consequence: Consequence): Observation {
  return {
    type: e.type,
    recipient: e.recipient ?? m.to_address ?? "",
    detail: e.detail,
    error_code: e.errorCode,
    evidence: e.evidence,
    consequence,
    reason: e.bounce?.reason,
    diagnostic: e.bounce?.diagnostic || e.detail,
  };
}

/** The message an event is about: our id where the provider carried it back, else the provider's ids. */
function refOf(
  e: ProviderEvent,
  byId: Map<string, LockedMessageKey>,
  byQueueId: Map<string, LockedMessageKey>,
) {
  return (
    (e.messageId ? byId.get(e.messageId) : undefined) ??
    e.providerMessageIds.map((id) => byQueueId.get(id)).find((r) => r !== undefined)
  );
}

/** The stored row of an event about message `messageId`. */
function rowOf(
  workspaceId: string,
  provider: ProviderKind,
  e: ProviderEvent,
  messageId: string,
  id: string,
): Resolved["rows"][number] {
  return {
    id,
    message_id: messageId,
    workspace_id: workspaceId,
    type: e.type,
    source: "provider_webhook",
    at: e.at,
    detail: e.detail,
    error_code: e.errorCode,
    evidence: e.evidence,
    dedupe_key: `${provider}:${e.eventId}`,
  };
}

/** The rows of the usual batch — every event about the message whose id it carries back — and the insert's
 * parameters of them, made before the lock read answers which messages there are; resolve uses them when it
 * ties every event to that message (Resolved.draftHolds). */
interface Draft {
  rows: Resolved["rows"];
  columns: EventColumns;
}

/** The batch's draft; undefined when an event carries no id of ours (it is found by the provider's id). */
function draftOf(
  workspaceId: string,
  provider: ProviderKind,
  events: ProviderEvent[],
  now: Date,
): Draft | undefined {
  const rows: Resolved["rows"] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (!e.messageId) return undefined;
    rows[i] = rowOf(workspaceId, provider, e, e.messageId, newId("evt", e.at.getTime()));
  }
  return { rows, columns: columnsOf(rows, now) };
}

/** Ties each event to its message; events about no message of the workspace are set aside. A delivery
 * matters beyond its message only where it can lift a temporary bounce. With a draft, each event keeps the
 * id drafted for it, and `draftHolds` says whether the rows are the draft's exactly. */
function resolve(
  workspaceId: string,
  provider: ProviderKind,
  events: ProviderEvent[],
  refs: LockedMessageKey[],
  draft?: Draft,
): Resolved {
  const byId = new Map(refs.map((r) => [r.id, r]));
  const byQueueId = new Map(refs.flatMap((r) => (r.queue_id ? [[r.queue_id, r] as const] : [])));
  const out: Resolved = {
    rows: [],
    consequential: [],
    optOuts: [],
    unmatched: [],
    otherRecipient: 0,
    draftHolds: draft !== undefined,
  };
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const ref = refOf(e, byId, byQueueId);
    if (!ref) {
      out.unmatched.push(e);
      out.draftHolds = false;
      continue;
    }
    // The archive copy travels in the same send: its events are not about the addressee.
    if (e.recipient && ref.to_address && lower(e.recipient) !== lower(ref.to_address)) {
      out.otherRecipient++;
      out.draftHolds = false;
      continue;
    }
    // The id is chosen here (or in the draft) so that what this append stored (not a repeat) can be told afterwards.
    const drafted = draft?.rows[i];
    let row: Resolved["rows"][number];
    if (drafted && drafted.message_id === ref.id) row = drafted;
    else {
      row = rowOf(workspaceId, provider, e, ref.id, drafted?.id ?? newId("evt", e.at.getTime()));
      out.draftHolds = false;
    }
    out.rows.push(row);
    const optOut = OPT_OUTS[e.type];
    if (optOut)
      out.optOuts.push({ kind: optOut, messageId: ref.id, eventId: e.eventId, detail: e.detail, id: row.id });
    const consequence = CONSEQUENCES[e.type];
    if (consequence && (consequence !== "delivered" || ref.temporarily_bounced))
      out.consequential.push({
        messageId: ref.id,
        eventId: row.id,
        observation: observationOf(e, ref, consequence),
      });
  }
  return out;
}

function unmatchedLog(workspaceId: string, provider: ProviderKind, unmatched: ProviderEvent[]) {
  return {
    workspaceId,
    severity: "warning" as const,
    process: "provider_webhook",
    trigger: "process" as const,
    detail: `${unmatched.length} ${provider} event(s) name no message of this workspace; they were not stored.`,
    data: unmatched.slice(0, 20).map((e) => ({
      event_id: e.eventId,
      type: e.type,
      message_id: e.messageId,
      provider_message_ids: e.providerMessageIds,
      recipient: e.recipient,
    })),
  };
}

/** The consequential events this request stored (a replay must not undo an admin's lifting a block),
 * grouped per message. */
function freshConsequences(r: Resolved, stored: Set<string>) {
  const perMessage = new Map<string, { messageId: string; observations: Observation[] }>();
  for (const c of r.consequential) {
    if (!stored.has(c.eventId)) continue;
    const entry = perMessage.get(c.messageId) ?? { messageId: c.messageId, observations: [] };
    entry.observations.push(c.observation);
    perMessage.set(c.messageId, entry);
  }
  return [...perMessage.values()];
}

/** The opt-outs this request stored (a replay changes nothing), one per message and kind. */
function freshOptOuts(r: Resolved, stored: Set<string>) {
  const seen = new Set<string>();
  return r.optOuts.filter((o) => {
    const key = `${o.messageId}\n${o.kind}`;
    if (!stored.has(o.id) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The messages (as the bounce rules and opt-outs read them) of what this request stored has consequences
 * for: usually none or a few of the batch's messages. */
async function refsFor(tx: Kysely<DB>, workspaceId: string, ids: string[]): Promise<Map<string, MessageRef>> {
  const refs = await selectMessageRefs(tx, workspaceId, [...new Set(ids)]);
  return new Map(refs.map((m) => [m.id, m]));
}

function refOfId(refs: Map<string, MessageRef>, id: string): MessageRef {
  const ref = refs.get(id);
  // Locked in this transaction since it was found: it cannot have gone.
  if (!ref) throw new Error(`message ${id} disappeared while locked`);
  return ref;
}

/** The messages the events name, locked in this transaction: by our id where the provider carried it back
 * (one primary-key lookup for the batch, the usual case), and by the provider's message id only for the
 * events that named none of ours. Whether a delivery can lift a temporary bounce is read with them, for the
 * messages a delivery names. */
async function lockedMessageKeys(
  tx: Kysely<DB>,
  workspaceId: string,
  events: ProviderEvent[],
  rowLocks: boolean,
  stampOf?: ProviderKind,
): Promise<LockedMessageKeys> {
  const deliveredIds = new Set(
    events.flatMap((e) => (e.type === "delivered" && e.messageId ? [e.messageId] : [])),
  );
  const ours = [...new Set(events.flatMap((e) => (e.messageId ? [e.messageId] : [])))];
  // The transports' stamp (store.ts transportsStamp) rides along with the usual read by our ids.
  const first = ours.length
    ? await lockMessageKeys(
        tx,
        workspaceId,
        { ids: ours, deliveredIds: [...deliveredIds] },
        rowLocks,
        stampOf,
      )
    : { keys: [], transportsStamp: null, statusSubscribers: null };
  const { keys: refs, transportsStamp } = first;
  const found = new Set(refs.map((r) => r.id));
  const rest = events.filter((e) => !e.messageId || !found.has(e.messageId));
  const theirs = [...new Set(rest.flatMap((e) => e.providerMessageIds))];
  if (theirs.length === 0) return first;
  const deliveredProviderIds = rest.flatMap((e) => (e.type === "delivered" ? e.providerMessageIds : []));
  const more = await lockMessageKeys(
    tx,
    workspaceId,
    { providerIds: theirs, except: [...found], deliveredProviderIds },
    rowLocks,
  );
  const keys = await withDeliveriesByProviderId(
    tx,
    workspaceId,
    rest,
    [...refs, ...more.keys],
    { found, deliveredIds },
    rowLocks,
  );
  return { keys, transportsStamp, statusSubscribers: first.statusSubscribers ?? more.statusSubscribers };
}

/** A delivery that named no message of ours by id but by the provider's id a message another event named
 * by ours: the one case the two lookups above do not ask about; asked here (none in the usual batch). */
async function withDeliveriesByProviderId(
  tx: Kysely<DB>,
  workspaceId: string,
  rest: ProviderEvent[],
  keys: LockedMessageKey[],
  ours: { found: Set<string>; deliveredIds: Set<string> },
  rowLocks: boolean,
): Promise<LockedMessageKey[]> {
  const byId = new Map(keys.map((k) => [k.id, k]));
  const byQueueId = new Map(keys.flatMap((k) => (k.queue_id ? [[k.queue_id, k] as const] : [])));
  const unasked = new Set<string>();
  for (const e of rest) {
    const ref = e.type === "delivered" ? refOf(e, byId, byQueueId) : undefined;
    // Found by our id and not named by a delivery there: not asked yet (those found by the provider's id were).
    if (ref && ours.found.has(ref.id) && !ours.deliveredIds.has(ref.id)) unasked.add(ref.id);
  }
  if (unasked.size === 0) return keys;
  const { keys: asked } = await lockMessageKeys(
    tx,
    workspaceId,
    { ids: [...unasked], deliveredIds: [...unasked] },
    rowLocks,
  );
  const answers = new Map(asked.map((k) => [k.id, k.temporarily_bounced]));
  return keys.map((k) => (answers.has(k.id) ? { ...k, temporarily_bounced: answers.get(k.id) ?? false } : k));
}

/** Stores the events in one transaction. A provider's delivery is almost always new, so the events are first
 * inserted as new (events/store.ts Duplicates "fail": no per-row ON CONFLICT work); when one of them is
 * stored already — a repeated delivery, or an event repeated within the request — that fails the statement,
 * and the transaction runs again, skipping what is stored. */
async function storeEvents(
  rt: Runtime,
  workspaceId: string,
  provider: ProviderKind,
  events: ProviderEvent[],
  ignored: number,
  stamp: string | null = null,
): Promise<WebhookSummary> {
  try {
    return await storeEventsOnce(rt, workspaceId, provider, events, ignored, "fail", stamp);
  } catch (err) {
    if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
    return storeEventsOnce(rt, workspaceId, provider, events, ignored, "skip", stamp);
  }
}

const UNIQUE_VIOLATION = "23505";

async function storeEventsOnce(
  rt: Runtime,
  workspaceId: string,
  provider: ProviderKind,
  events: ProviderEvent[],
  ignored: number,
  duplicates: Duplicates,
  stamp: string | null,
): Promise<WebhookSummary> {
  const now = rt.now();
  return withDeadlockRetry(() =>
    rt.db.transaction().execute(async (tx) => {
      const locking = lockedMessageKeys(
        tx,
        workspaceId,
        events,
        rowLocksMatter(rt.dbKind),
        stamp === null ? undefined : provider,
      );
      // Awaited below; this only keeps a failure while the draft is made from counting as unhandled.
      locking.catch(() => {});
      // The insert's parameters (~3 ms a batch of 1,000) are made while the database answers the lock read.
      const draft = await besideQuery(rt, () => draftOf(workspaceId, provider, events, now));
      const locked0 = await locking;
      // The request was verified against settings read before this transaction: still the stored ones?
      if (stamp !== null) {
        const current = locked0.transportsStamp ?? (await selectTransportsStamp(tx, workspaceId, provider));
        if (current !== stamp) throw new SettingsChanged();
      }
      const keys = locked0.keys;
      const r = resolve(workspaceId, provider, events, keys, draft);
      const locked = new Map(keys.map((k) => [k.id, k.status]));
      // Only whether the events with consequences were stored (not repeats) matters beyond the count.
      const report = [...r.consequential.map((c) => c.eventId), ...r.optOuts.map((o) => o.id)];
      const { inserted, stored } = await appendEvents(tx, r.rows, now, {
        locked,
        report,
        duplicates,
        // Read with the locks: without a subscribed endpoint the store statement leaves the host webhooks out.
        statusSubscribers: locked0.statusSubscribers ?? undefined,
        columns: r.draftHolds ? draft?.columns : undefined,
      });
      const optOuts = freshOptOuts(r, stored);
      const consequences = freshConsequences(r, stored);
      const refs = await refsFor(
        tx,
        workspaceId,
        [...optOuts, ...consequences].map((x) => x.messageId),
      );
      for (const { messageId, ...o } of optOuts)
        await applyProviderOptOut(tx, rt, provider, { ...o, message: refOfId(refs, messageId) });
      // The same rules as for inbound reports, applied to the batch's messages at once: block on a hard
      // bounce, mark or escalate soft bounces, lift a temporary bounce on delivery.
      const reports = await applyConsequenceSet(
        tx,
        rt,
        workspaceId,
        consequences.map((c) => ({
          message: refOfId(refs, c.messageId),
          observations: c.observations,
          inboundId: `webhook:${provider}`,
        })),
      );
      const blocked = reports.flatMap((r) => r.blocked).filter((b) => b.created).length;
      if (r.unmatched.length) await logEvent(tx, unmatchedLog(workspaceId, provider, r.unmatched), now);
      return {
        provider,
        received: events.length + ignored,
        stored: inserted,
        duplicates: r.rows.length - inserted,
        unmatched: r.unmatched.length,
        ignored: ignored + r.otherRecipient,
        blocked,
      };
    }),
  );
}

/**
 * Runs `work` while PostgreSQL executes the statement just started, in its own process: Kysely passes a
 * statement to the driver a few promise steps after it is called, and the driver writes it to the socket
 * then, so the work waits for those steps (setImmediate runs after every pending promise step). PGlite
 * executes in this thread, so nothing could overlap there: the work runs at once, before the statement.
 */
async function besideQuery<T>(rt: Runtime, work: () => T): Promise<T> {
  if (rt.dbKind === "postgres") await new Promise<void>((resolve) => setImmediate(resolve));
  return work();
}

/** Runs the transaction again once when PostgreSQL ended it to break a deadlock: the messages found by the
 * provider's id are locked after those found by ours, so two requests naming the same messages both ways
 * can deadlock; the retry finds the other's events stored. */
async function withDeadlockRetry<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if ((err as { code?: string }).code !== "40P01") throw err;
    return run();
  }
}

// ---------------------------------------------------------------- Amazon SNS (SES)

export interface SubscriptionAnswer {
  provider: "ses";
  subscription: { id: string | null; topic_arn: string; status: string; detail: string | null };
}

async function receiveSns(rt: Runtime, workspaceId: string, req: WebhookRequest, now: Date) {
  const settings = (await webhookSettings(rt, workspaceId, "ses")).webhooks;
  const message = readPayload(snsEnvelope, parseJson(req.raw), "Amazon SNS message");
  const setting = settings.find((s) => s.topic_arns.includes(message.TopicArn));
  if (!setting)
    throw Unauthorized(
      `The SNS topic '${message.TopicArn}' is not among this workspace's SES webhook topics.`,
    );
  await verifySns(message, webhookDeps(rt), now, setting.max_age_seconds);
  if (message.Type === "Notification") {
    const reading = storableReading(readSesNotification(message, now));
    return storeEvents(rt, workspaceId, "ses", reading.events, reading.ignored);
  }
  if (message.Type === "UnsubscribeConfirmation") {
    await logEvent(rt.db, {
      workspaceId,
      severity: "warning",
      process: "provider_webhook",
      trigger: "process",
      detail: `Amazon SNS reports that the subscription to ${message.TopicArn} was ended.`,
      data: { sns_message_id: message.MessageId, topic_arn: message.TopicArn },
    });
    return {
      provider: "ses" as const,
      subscription: { id: null, topic_arn: message.TopicArn, status: "ended", detail: null },
    };
  }
  return confirmSubscription(rt, workspaceId, message, setting.confirm_subscriptions, now);
}

/** Records a SubscriptionConfirmation and, when allowed, confirms it by visiting SubscribeURL. */
async function confirmSubscription(
  rt: Runtime,
  workspaceId: string,
  m: SnsEnvelope,
  confirm: boolean,
  now: Date,
): Promise<SubscriptionAnswer> {
  const actx = { workspaceId, actor: systemActor("webhook:ses"), now };
  const url = m.SubscribeURL ?? "";
  const acceptable = isSnsUrl(url);
  const status = !acceptable ? "refused" : "pending";
  const row = await rt.db.transaction().execute(async (tx) => {
    const r = await insertSubscriptionConfirmation(tx, {
      id: newId("sns", now.getTime()),
      workspace_id: workspaceId,
      provider: "ses",
      topic_arn: m.TopicArn,
      sns_message_id: m.MessageId,
      subscribe_url: url,
      status,
      detail: acceptable ? null : "SubscribeURL is not an https URL on an SNS host; not visited.",
      received_at: now,
      confirmed_at: null,
    });
    if (r) {
      await recordActivity(tx, actx, {
        action: "created",
        kind: "provider_subscription",
        recordId: r.id,
        summary: `Amazon SNS asks to confirm the subscription to ${m.TopicArn}`,
        after: { topic_arn: r.topic_arn, status: r.status },
      });
    }
    return r;
  });
  // A repeated confirmation request (SNS retries) is answered from what was recorded the first time.
  if (row?.status !== "pending" || !confirm) {
    const known = row ?? (await selectSubscriptionConfirmation(rt.db, workspaceId, m.MessageId));
    return {
      provider: "ses",
      subscription: {
        id: known?.id ?? null,
        topic_arn: m.TopicArn,
        status: known?.status ?? "pending",
        detail: known?.detail ?? null,
      },
    };
  }
  let outcome: { status: "confirmed" | "failed"; detail: string | null };
  try {
    await webhookDeps(rt).confirmSubscription(url);
    outcome = { status: "confirmed", detail: null };
  } catch (err) {
    outcome = { status: "failed", detail: `Visiting SubscribeURL failed: ${(err as Error).message}` };
  }
  await rt.db.transaction().execute(async (tx) => {
    await updateSubscriptionConfirmation(tx, row.id, {
      ...outcome,
      confirmed_at: outcome.status === "confirmed" ? rt.now() : null,
    });
    await recordActivity(
      tx,
      { ...actx, now: rt.now() },
      {
        action: "updated",
        kind: "provider_subscription",
        recordId: row.id,
        summary: `Subscription to ${m.TopicArn}: ${outcome.status}`,
        before: { status: "pending" },
        after: { status: outcome.status },
      },
    );
  });
  return {
    provider: "ses",
    subscription: { id: row.id, topic_arn: m.TopicArn, status: outcome.status, detail: outcome.detail },
  };
}

/** The SNS subscription confirmations received for the workspace (newest first), for admins. */
export async function listSubscriptionConfirmations(ctx: Ctx) {
  const rows = await selectSubscriptionConfirmations(ctx.rt.db, ctx.workspaceId);
  return {
    items: rows.map((r) => ({
      id: r.id,
      provider: r.provider,
      topic_arn: r.topic_arn,
      status: r.status,
      detail: r.detail,
      received_at: r.received_at,
      confirmed_at: r.confirmed_at,
    })),
    next_cursor: null,
  };
}
