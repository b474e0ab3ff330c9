// The per-message bounce rules as they were before they became set-based (consequences.ts at 8a87f8a),
// kept only as the oracle of consequences.test.ts: applying a batch through applyConsequenceSet must leave
// the same database state as applying these, message after message. Not used by the product.
import type { Kysely } from "kysely";
import { logEvent } from "../audit/service.js";
import { blockAddress } from "../blocklist/service.js";
import type { DB, SubscriptionStatus } from "../db/schema.js";
import { setSubscriptionStatus } from "../lists/subscriptions.js";
import { type Runtime, systemActor } from "../runtime.js";
import { AppError } from "../util/errors.js";
import type { Observation } from "./observations.js";
import { countSoftBounces, type MatchedMessage, subscriptionsOfAddress, workspaceSettings } from "./store.js";

const PROCESS = "inbound";
const actor = systemActor(PROCESS);
const DAY_MS = 86_400_000;

/** The escalation rule's defaults; a workspace changes them in its settings. */
const SOFT_BOUNCE_DEFAULTS = { limit: 3, windowDays: 14 } as const;

interface BlockOutcome {
  entry_id: string;
  address: string;
  reason: string;
  created: boolean;
  rule: "hard_bounce" | "repeated_soft_bounces";
}

interface ConsequenceReport {
  blocked: BlockOutcome[];
  subscriptions: Array<{ id: string; status: SubscriptionStatus }>;
  soft_bounces_in_window?: number;
}

interface Step {
  tx: Kysely<DB>;
  rt: Runtime;
  message: MatchedMessage;
  inboundId: string;
  out: ConsequenceReport;
}

export async function applyConsequencesOneByOne(
  tx: Kysely<DB>,
  rt: Runtime,
  message: MatchedMessage,
  observations: Observation[],
  inboundId: string,
): Promise<ConsequenceReport> {
  const step: Step = { tx, rt, message, inboundId, out: { blocked: [], subscriptions: [] } };
  for (const o of observations) {
    if (o.consequence === "hard") await hardBounce(step, o);
    else if (o.consequence === "soft") await softBounce(step, o);
    else if (o.consequence === "complaint") await complaint(step, o);
    else if (o.consequence === "delivered") await delivered(step);
  }
  return step.out;
}

/** The address the message was sent to: that is what a later message would be sent to again. */
const addressOf = (s: Step, o: Observation) => s.message.to_address ?? o.recipient;

const reasonText = (reason: string | undefined, diagnostic: string | undefined) =>
  `${reason ?? "undefined"}: ${diagnostic || "no diagnostic given"}`.slice(0, 500);

async function hardBounce(s: Step, o: Observation) {
  await block(s, addressOf(s, o), reasonText(o.reason, o.diagnostic), "hard_bounce");
  await setStatus(
    s,
    addressOf(s, o),
    ["subscribed", "pending", "bounced_temporary", "bounced_general"],
    "bounced_permanent",
    "hard_bounce",
  );
}

async function softBounce(s: Step, o: Observation) {
  const address = addressOf(s, o);
  await setStatus(s, address, ["subscribed"], "bounced_temporary", "soft_bounce");
  const rule = await softBounceRule(s);
  const since = new Date(s.rt.now().getTime() - rule.windowDays * DAY_MS);
  const count = await countSoftBounces(s.tx, s.message.workspace_id, address, since);
  s.out.soft_bounces_in_window = count;
  if (count < rule.limit) return;
  const reason = `repeated soft bounces: ${count} within ${rule.windowDays} days (last: ${reasonText(o.reason, o.diagnostic)})`;
  await block(s, address, reason.slice(0, 500), "repeated_soft_bounces");
  await setStatus(
    s,
    address,
    ["subscribed", "pending", "bounced_temporary", "bounced_general"],
    "bounced_permanent",
    "soft_bounce_escalation",
  );
}

async function softBounceRule(s: Step) {
  const settings = await workspaceSettings(s.tx, s.message.workspace_id);
  const limit = settings.soft_bounce_limit;
  const days = settings.soft_bounce_window_days;
  return {
    limit: typeof limit === "number" ? limit : SOFT_BOUNCE_DEFAULTS.limit,
    windowDays: typeof days === "number" ? days : SOFT_BOUNCE_DEFAULTS.windowDays,
  };
}

async function complaint(s: Step, o: Observation) {
  const address = addressOf(s, o);
  const changed = await setStatus(
    s,
    address,
    ["subscribed", "pending", "bounced_temporary", "bounced_general"],
    "unsubscribed",
    "complaint",
  );
  await logEvent(
    s.tx,
    {
      workspaceId: s.message.workspace_id,
      severity: "warning",
      process: PROCESS,
      trigger: "procedure",
      recordKind: "message",
      recordId: s.message.id,
      detail: `Complaint (spam report) from ${address} about message ${s.message.id}; unsubscribed from ${changed} list(s).`,
      data: { inbound_id: s.inboundId, address, unsubscribed: changed },
    },
    s.rt.now(),
  );
}

async function delivered(s: Step) {
  if (!s.message.to_address) return;
  await setStatus(s, s.message.to_address, ["bounced_temporary"], "subscribed", "delivery");
}

async function block(s: Step, address: string, reason: string, rule: BlockOutcome["rule"]) {
  let result: Awaited<ReturnType<typeof blockAddress>>;
  try {
    result = await blockAddress(s.tx, s.rt, s.message.workspace_id, {
      kind: "email",
      address,
      reason,
      source: rule,
      actor,
    });
  } catch (err) {
    // An address that does not normalise cannot be blocked; the bounce is still on the timeline.
    if (err instanceof AppError && err.code === "invalid") return;
    throw err;
  }
  const { entry, created } = result;
  s.out.blocked.push({ entry_id: entry.id, address, reason, created, rule });
  if (!created) return;
  const why = rule === "hard_bounce" ? "after a hard bounce" : "after repeated soft bounces";
  await logEvent(
    s.tx,
    {
      workspaceId: s.message.workspace_id,
      severity: "warning",
      process: PROCESS,
      trigger: "procedure",
      recordKind: "blocklist_entry",
      recordId: entry.id,
      detail: `Blocked ${address} ${why} of message ${s.message.id} (${reason}). An admin can lift the block.`,
      data: { inbound_id: s.inboundId, message_id: s.message.id, address, reason, rule },
    },
    s.rt.now(),
  );
}

async function setStatus(
  s: Step,
  address: string,
  from: SubscriptionStatus[],
  to: SubscriptionStatus,
  setBy: string,
): Promise<number> {
  const ids = await subscriptionsOfAddress(s.tx, s.message.workspace_id, {
    contactId: s.message.contact_id,
    address,
    statuses: from,
  });
  if (ids.length === 0) return 0;
  const actx = { workspaceId: s.message.workspace_id, actor, now: s.rt.now() };
  const changed = await setSubscriptionStatus(s.tx, actx, ids, to, setBy);
  for (const c of changed) s.out.subscriptions.push({ id: c.id, status: c.status });
  return changed.length;
}
