// What a bounce or complaint means beyond its message (seed 000, DESIGN §4): a hard bounce puts the address
// on the blocklist and ends its subscriptions (bounced_permanent); a soft bounce marks them
// bounced_temporary, and repeated soft bounces are treated as a hard one (the escalation rule below); a
// complaint unsubscribes the address everywhere; a later delivery lifts bounced_temporary again.
// Runs inside the ingesting transaction, only for observations that are new (a duplicate report changes
// nothing, even after an admin lifted the block it once caused).
//
// The rules take a set of messages with their observations (a provider's webhook batch; the inbound path
// passes a set of one) and give the state that applying them message after message, observation after
// observation, would give: everything they need is read first (one statement per kind: workspace settings,
// soft-bounce counts, the subscriptions concerned, locked), the order-dependent part — which subscription
// is in which status after which observation — is worked out in memory, and then each kind of write is one
// statement for the whole set (blocklist entries, subscription statuses, sync proposals, activities, event
// log). consequences.test.ts holds this equal to the per-message rules for random sets.
import type { Kysely } from "kysely";
import { type ActivityInput, type EventLogInput, logEvents, recordActivities } from "../audit/service.js";
import { addressHash } from "../blocklist/hash.js";
import { normaliseBlockAddress } from "../blocklist/service.js";
import type { DB, SubscriptionStatus } from "../db/schema.js";
import { type Runtime, systemActor } from "../runtime.js";
import { proposeUnsubscribeForBlockedSet } from "../sync/hooks.js";
import { AppError } from "../util/errors.js";
import {
  type BlockRequest,
  insertBlockEntries,
  lockSubscriptionsOfAddresses,
  type SubscriptionState,
  softBounceCounts,
  updateSubscriptionStatuses,
} from "./consequence-store.js";
import type { Observation } from "./observations.js";
import { type MatchedMessage, workspaceSettings } from "./store.js";

const PROCESS = "inbound";
const actor = systemActor(PROCESS);
const DAY_MS = 86_400_000;

/** The escalation rule's defaults; a workspace changes them in its settings. */
export const SOFT_BOUNCE_DEFAULTS = { limit: 3, windowDays: 14 } as const;

/** Statuses the rules move a subscription out of; bounced_permanent and unsubscribed are never left here. */
const ACTIVE: SubscriptionStatus[] = ["subscribed", "pending", "bounced_temporary", "bounced_general"];

export interface BlockOutcome {
  entry_id: string;
  address: string;
  reason: string;
  created: boolean;
  rule: "hard_bounce" | "repeated_soft_bounces";
}

export interface ConsequenceReport {
  blocked: BlockOutcome[];
  subscriptions: Array<{ id: string; status: SubscriptionStatus }>;
  soft_bounces_in_window?: number;
}

export interface ConsequenceItem {
  message: MatchedMessage;
  observations: Observation[];
  /** Where the observations came from (inbound message id, or webhook:<provider>), for the event log. */
  inboundId: string;
}

/** One observation with consequences, in the set's order. */
interface Step {
  item: ConsequenceItem;
  report: ConsequenceReport;
  o: Observation;
  /** The address the message was sent to: that is what a later message would be sent to again. */
  address: string;
}

/** A block the rules ask for, and where its outcome goes once the entry is known. */
interface PendingBlock extends BlockRequest {
  step: Step;
  rule: BlockOutcome["rule"];
}

interface Transition {
  before: SubscriptionState;
  after: SubscriptionState;
}

export async function applyConsequences(
  tx: Kysely<DB>,
  rt: Runtime,
  message: MatchedMessage,
  observations: Observation[],
  inboundId: string,
): Promise<ConsequenceReport> {
  const [report] = await applyConsequenceSet(tx, rt, message.workspace_id, [
    { message, observations, inboundId },
  ]);
  return report as ConsequenceReport;
}

/** The rules for a set of messages of one workspace; one report per item, in the items' order. */
export async function applyConsequenceSet(
  tx: Kysely<DB>,
  rt: Runtime,
  workspaceId: string,
  items: ConsequenceItem[],
): Promise<ConsequenceReport[]> {
  const reports = items.map((): ConsequenceReport => ({ blocked: [], subscriptions: [] }));
  const steps = items.flatMap((item, n) =>
    item.observations.flatMap((o): Step[] =>
      o.consequence
        ? [
            {
              item,
              report: reports[n] as ConsequenceReport,
              o,
              address: item.message.to_address ?? o.recipient,
            },
          ]
        : [],
    ),
  );
  if (steps.length === 0) return reports;
  const now = rt.now();
  const fold = await readAndFold(tx, rt, workspaceId, steps, now);
  const log: EventLogInput[] = [...fold.complaints];
  const activities: ActivityInput[] = [];
  await writeBlocks(tx, workspaceId, fold.blocks, now, { log, activities });
  await writeTransitions(tx, fold.transitions, now, activities);
  await recordActivities(tx, { workspaceId, actor, now }, activities);
  await logEvents(tx, log, now);
  return reports;
}

// ---------------------------------------------------------------- reading and the in-memory fold

const reasonText = (reason: string | undefined, diagnostic: string | undefined) =>
  `${reason ?? "undefined"}: ${diagnostic || "no diagnostic given"}`.slice(0, 500);

async function softBounceRule(tx: Kysely<DB>, workspaceId: string) {
  const settings = await workspaceSettings(tx, workspaceId);
  const limit = settings.soft_bounce_limit;
  const days = settings.soft_bounce_window_days;
  return {
    limit: typeof limit === "number" ? limit : SOFT_BOUNCE_DEFAULTS.limit,
    windowDays: typeof days === "number" ? days : SOFT_BOUNCE_DEFAULTS.windowDays,
  };
}

/** Reads what the rules need, then replays the steps in order against the subscriptions in memory. */
async function readAndFold(tx: Kysely<DB>, rt: Runtime, workspaceId: string, steps: Step[], now: Date) {
  const secret = rt.secret;
  const soft = steps.filter((s) => s.o.consequence === "soft");
  const rule = soft.length ? await softBounceRule(tx, workspaceId) : SOFT_BOUNCE_DEFAULTS;
  // The batch's own soft bounces are stored before the rules run and nothing here stores events, so one
  // count per address serves every step.
  const counts = soft.length
    ? await softBounceCounts(
        tx,
        workspaceId,
        soft.map((s) => s.address),
        new Date(now.getTime() - rule.windowDays * DAY_MS),
      )
    : new Map<string, number>();
  const subscriptions = await lockSubscriptionsOfAddresses(tx, workspaceId, {
    contactIds: steps.flatMap((s) => (s.item.message.contact_id ? [s.item.message.contact_id] : [])),
    keys: steps.map((s) => s.address.toLowerCase()),
    statuses: ACTIVE,
  });
  const fold = new Fold(subscriptions, now, secret);
  for (const s of steps) fold.apply(s, rule, counts.get(s.address.toLowerCase()) ?? 0);
  return fold;
}

class Fold {
  readonly blocks: PendingBlock[] = [];
  readonly transitions: Transition[] = [];
  readonly complaints: EventLogInput[] = [];
  private readonly state: SubscriptionState[];

  constructor(
    subscriptions: SubscriptionState[],
    private readonly now: Date,
    private readonly secret: string,
  ) {
    this.state = subscriptions.map((s) => ({ ...s }));
  }

  apply(s: Step, rule: { limit: number; windowDays: number }, softCount: number) {
    switch (s.o.consequence) {
      case "hard":
        this.block(s, reasonText(s.o.reason, s.o.diagnostic), "hard_bounce");
        this.setStatus(s, s.address, ACTIVE, "bounced_permanent", "hard_bounce");
        return;
      case "soft": {
        this.setStatus(s, s.address, ["subscribed"], "bounced_temporary", "soft_bounce");
        s.report.soft_bounces_in_window = softCount;
        if (softCount < rule.limit) return;
        const reason = `repeated soft bounces: ${softCount} within ${rule.windowDays} days (last: ${reasonText(s.o.reason, s.o.diagnostic)})`;
        this.block(s, reason.slice(0, 500), "repeated_soft_bounces");
        this.setStatus(s, s.address, ACTIVE, "bounced_permanent", "soft_bounce_escalation");
        return;
      }
      case "complaint":
        this.complaint(s);
        return;
      case "delivered":
        if (s.item.message.to_address)
          this.setStatus(s, s.item.message.to_address, ["bounced_temporary"], "subscribed", "delivery");
        return;
    }
  }

  private complaint(s: Step) {
    const changed = this.setStatus(s, s.address, ACTIVE, "unsubscribed", "complaint");
    const m = s.item.message;
    this.complaints.push({
      workspaceId: m.workspace_id,
      severity: "warning",
      process: PROCESS,
      trigger: "procedure",
      recordKind: "message",
      recordId: m.id,
      detail: `Complaint (spam report) from ${s.address} about message ${m.id}; unsubscribed from ${changed} list(s).`,
      data: { inbound_id: s.item.inboundId, address: s.address, unsubscribed: changed },
    });
  }

  private block(s: Step, reason: string, rule: BlockOutcome["rule"]) {
    let address: string;
    try {
      address = normaliseBlockAddress("email", s.address);
    } catch (err) {
      // An address that does not normalise cannot be blocked; the bounce is still on the timeline.
      if (err instanceof AppError && err.code === "invalid") return;
      throw err;
    }
    const address_hash = addressHash(this.secret, "email", address);
    this.blocks.push({ step: s, rule, address, address_hash, reason, source: rule });
  }

  /** The message's contact's subscriptions and those of every contact whose mailing address (first
   * e-mail) is this address, in one of `from`, move to `to`; answers how many did. */
  private setStatus(
    s: Step,
    address: string,
    from: SubscriptionStatus[],
    to: SubscriptionStatus,
    setBy: string,
  ) {
    const contactId = s.item.message.contact_id;
    const key = address.toLowerCase();
    let changed = 0;
    for (const sub of this.state) {
      if (!from.includes(sub.status) || sub.status === to) continue;
      if (sub.contact_id !== contactId && sub.first_key !== key) continue;
      const before = { ...sub };
      sub.status = to;
      sub.status_set_at = this.now;
      sub.status_set_by = setBy;
      this.transitions.push({ before, after: { ...sub } });
      s.report.subscriptions.push({ id: sub.id, status: to });
      changed++;
    }
    return changed;
  }
}

// ---------------------------------------------------------------- writing, one statement per kind

interface Collected {
  log: EventLogInput[];
  activities: ActivityInput[];
}

/** Blocklist entries for the blocks asked for: the first request for an address creates its entry (when it
 * is not actively blocked already), later ones in the set find it, as they would one after another. */
async function writeBlocks(
  tx: Kysely<DB>,
  workspaceId: string,
  blocks: PendingBlock[],
  now: Date,
  out: Collected,
) {
  if (blocks.length === 0) return;
  const { entries, created } = await insertBlockEntries(tx, workspaceId, blocks, { now, actor });
  const createdFirst = new Set<string>();
  for (const b of blocks) {
    const entry = entries.get(b.address_hash);
    if (!entry) continue;
    const isCreator = created.has(entry.id) && !createdFirst.has(entry.id);
    if (isCreator) createdFirst.add(entry.id);
    b.step.report.blocked.push({
      entry_id: entry.id,
      address: b.step.address,
      reason: b.reason,
      created: isCreator,
      rule: b.rule,
    });
    if (!isCreator) continue;
    out.activities.push({
      action: "created",
      kind: "blocklist_entry",
      recordId: entry.id,
      summary: `E-mail address blocked (${b.source}): ${b.reason}`,
      after: { kind: entry.kind, address: b.address, reason: entry.reason, source: entry.source },
    });
    const why = b.rule === "hard_bounce" ? "after a hard bounce" : "after repeated soft bounces";
    const m = b.step.item.message;
    out.log.push({
      workspaceId,
      severity: "warning",
      process: PROCESS,
      trigger: "procedure",
      recordKind: "blocklist_entry",
      recordId: entry.id,
      detail: `Blocked ${b.step.address} ${why} of message ${m.id} (${b.reason}). An admin can lift the block.`,
      data: {
        inbound_id: b.step.item.inboundId,
        message_id: m.id,
        address: b.step.address,
        reason: b.reason,
        rule: b.rule,
      },
    });
  }
  // List sync: the tools that have a newly blocked address subscribed get "set unsubscribed" proposed.
  const newlyBlocked = blocks.filter((b) => createdFirst.has(entries.get(b.address_hash)?.id ?? ""));
  await proposeUnsubscribeForBlockedSet(
    tx,
    { workspaceId, actor, now },
    [...new Set(newlyBlocked.map((b) => b.address))],
    out,
  );
}

/** Each subscription that changed gets its last status in one update; every change its activity. */
async function writeTransitions(tx: Kysely<DB>, transitions: Transition[], now: Date, out: ActivityInput[]) {
  if (transitions.length === 0) return;
  const last = new Map<string, SubscriptionState>();
  for (const t of transitions) last.set(t.after.id, t.after);
  await updateSubscriptionStatuses(tx, [...last.values()], now);
  for (const { before, after } of transitions)
    out.push({
      action: "updated",
      kind: "subscription",
      recordId: after.id,
      summary: `Subscription status set to '${after.status}' by ${after.status_set_by}`,
      before: subscriptionFields(before),
      after: subscriptionFields(after),
    });
}

const subscriptionFields = (s: SubscriptionState) => ({
  list_id: s.list_id,
  contact_id: s.contact_id,
  status: s.status,
  status_set_at: s.status_set_at,
  status_set_by: s.status_set_by,
});
