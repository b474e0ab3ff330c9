// Retention (DSGVO, issue 3 item 11): after the workspace's retention_days, the bodies of finished
// messages — text, HTML, attachments, merge data and the stored MIME — are purged. The timeline and its
// evidence stay, so "what happened to this message" can still be answered; what it said cannot.
import { logEvent, recordActivity } from "../audit/service.js";
import { type Runtime, systemActor } from "../runtime.js";
import { newId } from "../util/ids.js";
import { startPeriodic } from "../util/periodic.js";
import type { WorkerHandle } from "../workers.js";
import { purgeBodies, selectRetentionWorkspaces } from "./store.js";

const PROCESS = "retention";
const CHUNK = 2000;
const DAY_MS = 86_400_000;
/** The purge is cheap when there is nothing to do; hourly keeps bodies at most an hour past their term. */
const INTERVAL_MS = 3_600_000;
const FIRST_RUN_MS = 30_000;

export interface PurgeReport {
  workspaceId: string;
  retentionDays: number;
  purged: number;
}

/** One run over every workspace with a retention period. Chunked, so a large backlog never holds one huge
 * transaction; several processes may run it at once (SKIP LOCKED). */
export async function purgeExpiredBodies(rt: Runtime): Promise<PurgeReport[]> {
  const reports: PurgeReport[] = [];
  for (const ws of await selectRetentionWorkspaces(rt.db)) {
    const now = rt.now();
    const cutoff = new Date(now.getTime() - ws.retention_days * DAY_MS);
    let purged = 0;
    for (;;) {
      const n = await purgeBodies(rt.db, ws.id, cutoff, now, CHUNK);
      purged += n;
      if (n < CHUNK) break;
    }
    if (purged > 0) {
      reports.push({ workspaceId: ws.id, retentionDays: ws.retention_days, purged });
      await recordPurge(rt, ws.id, ws.retention_days, purged, cutoff);
    }
  }
  return reports;
}

async function recordPurge(rt: Runtime, workspaceId: string, days: number, purged: number, cutoff: Date) {
  const now = rt.now();
  const detail = `Purged the content of ${purged} message(s) created before ${cutoff.toISOString()} (retention period ${days} days); their timelines are kept.`;
  await rt.db.transaction().execute(async (tx) => {
    await recordActivity(
      tx,
      { workspaceId, actor: systemActor(PROCESS), now },
      { action: "purged", kind: "message", recordId: null, summary: detail, data: { purged, cutoff, days } },
    );
    await logEvent(
      tx,
      {
        workspaceId,
        severity: "information",
        process: PROCESS,
        trigger: "procedure",
        groupId: newId("run", now.getTime()),
        detail,
        data: { purged, cutoff: cutoff.toISOString(), retention_days: days },
      },
      now,
    );
  });
}

/** The worker-role loop (src/workers.ts). */
export function startRetentionWorker(rt: Runtime): WorkerHandle {
  return startPeriodic(rt.log, "retention purge", { firstMs: FIRST_RUN_MS, intervalMs: INTERVAL_MS }, () =>
    purgeExpiredBodies(rt),
  );
}
