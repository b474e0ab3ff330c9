// Expiry of unconfirmed sign-ups (issue 4 item 5): after expires_at the pending subscription a sign-up made
// is undone — removed when the sign-up created it, set back to what it was otherwise — unless a newer
// sign-up for the same list is still waiting. Each run is written to the event log per workspace.
import { logEvent, recordActivities, recordActivity } from "../audit/service.js";
import type { Database } from "../db/index.js";
import { setSubscriptionStatus } from "../lists/subscriptions.js";
import { type Runtime, systemActor } from "../runtime.js";
import { newId } from "../util/ids.js";
import { startPeriodic } from "../util/periodic.js";
import type { WorkerHandle } from "../workers.js";
import { SIGNUP } from "./service.js";
import {
  deletePendingSubscription,
  hasLiveSignup,
  lockExpiredSignups,
  lockSubscriptionOf,
  markExpired,
  type SignupRow,
} from "./store.js";

const PROCESS = "signup-expiry";
const CHUNK = 500;
const INTERVAL_MS = 5 * 60_000;
const FIRST_RUN_MS = 10_000;

export interface ExpiryReport {
  workspaceId: string;
  expired: number;
  removed: number;
  restored: number;
}

type Actx = { workspaceId: string; actor: ReturnType<typeof systemActor>; now: Date };

/** Undoes one expired sign-up's pending subscription; what it did, for the report. */
async function undoPending(tx: Database, actx: Actx, s: SignupRow): Promise<"removed" | "restored" | null> {
  if (await hasLiveSignup(tx, s.list_id, s.contact_id, actx.now)) return null;
  const sub = await lockSubscriptionOf(tx, s.list_id, s.contact_id);
  if (sub?.status !== "pending") return null;
  if (s.created_subscription) {
    const gone = await deletePendingSubscription(tx, sub.id);
    if (!gone) return null;
    await recordActivity(tx, actx, {
      action: "deleted",
      kind: "subscription",
      recordId: gone.id,
      summary: "Pending subscription removed: the sign-up was not confirmed in time",
      before: { list_id: gone.list_id, contact_id: gone.contact_id, status: gone.status },
      data: { signup_id: s.id },
    });
    return "removed";
  }
  if (!s.previous_status || s.previous_status === "pending") return null;
  await setSubscriptionStatus(tx, actx, [sub.id], s.previous_status);
  return "restored";
}

/** One chunk in one transaction: the sign-ups, their subscriptions, the activities and the event-log
 * entry commit together. */
async function expireChunk(
  rt: Runtime,
  groupId: string,
): Promise<{ count: number; reports: ExpiryReport[] }> {
  const now = rt.now();
  return rt.db.transaction().execute(async (tx) => {
    const due = await lockExpiredSignups(tx, now, CHUNK);
    await markExpired(
      tx,
      due.map((s) => s.id),
      now,
    );
    const reports: ExpiryReport[] = [];
    for (const [workspaceId, group] of groupBy(due, (s) => s.workspace_id)) {
      const actx = { workspaceId, actor: systemActor(PROCESS), now };
      const r: ExpiryReport = { workspaceId, expired: group.length, removed: 0, restored: 0 };
      for (const s of group) {
        const done = await undoPending(tx, actx, s);
        if (done) r[done]++;
      }
      await recordActivities(
        tx,
        actx,
        group.map((s) => ({
          action: "expired",
          kind: SIGNUP,
          recordId: s.id,
          summary: "Sign-up expired without confirmation",
          data: { list_id: s.list_id, contact_id: s.contact_id, expires_at: s.expires_at },
        })),
      );
      await logEvent(
        tx,
        {
          workspaceId,
          severity: "information",
          process: PROCESS,
          trigger: "procedure",
          groupId,
          detail: `${r.expired} unconfirmed sign-up(s) expired; ${r.removed} pending subscription(s) removed, ${r.restored} set back to their earlier status.`,
          data: { ...r, signup_ids: group.map((s) => s.id) },
        },
        now,
      );
      reports.push(r);
    }
    return { count: due.length, reports };
  });
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const i of items) out.set(key(i), [...(out.get(key(i)) ?? []), i]);
  return out;
}

/** One run: expires every due sign-up in chunks (several processes may run it at once: SKIP LOCKED). */
export async function expireSignups(rt: Runtime): Promise<ExpiryReport[]> {
  const groupId = newId("run", rt.now().getTime());
  const reports: ExpiryReport[] = [];
  for (;;) {
    const chunk = await expireChunk(rt, groupId);
    reports.push(...chunk.reports);
    if (chunk.count < CHUNK) return reports;
  }
}

/** The worker-role loop (src/workers.ts). */
export function startSignupExpiryWorker(rt: Runtime): WorkerHandle {
  return startPeriodic(rt.log, "sign-up expiry", { firstMs: FIRST_RUN_MS, intervalMs: INTERVAL_MS }, () =>
    expireSignups(rt),
  );
}
