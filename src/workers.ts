// The background loops of the worker role. Each is a service with start/stop; all state lives in the
// database (DESIGN §3.3), so any number of worker processes can run side by side on PostgreSQL.
import { startCampaignWorker } from "./campaigns/worker.js";
import { startAnalyzeWorker } from "./db/analyze.js";
import { startRetentionWorker } from "./delivery/retention.js";
import { startSendingWorker } from "./delivery/worker.js";
import { startHookWorker } from "./hooks/worker.js";
import { startInboundWorker } from "./inbound/imap.js";
import type { Runtime } from "./runtime.js";
import { startSignupExpiryWorker } from "./signups/expiry.js";
import { startSyncWorker } from "./sync/worker.js";
import { startLoginPurgeWorker } from "./users/sessions.js";

export interface WorkerHandle {
  stop(): Promise<void>;
}

export type WorkerFactory = (rt: Runtime) => WorkerHandle;

/** Every loop of the worker role, in one list. */
const factories: WorkerFactory[] = [
  startSendingWorker,
  startRetentionWorker,
  startSignupExpiryWorker,
  startCampaignWorker,
  startHookWorker,
  startInboundWorker,
  startLoginPurgeWorker,
  startSyncWorker,
  startAnalyzeWorker,
];

export function startWorkers(rt: Runtime, only?: WorkerFactory[]): WorkerHandle {
  const handles = (only ?? factories).map((f) => f(rt));
  return {
    async stop() {
      await Promise.all(handles.map((h) => h.stop()));
    },
  };
}
