// DSGVO Art. 17 and the work queue: the messages of an erased contact that still wait to be sent are
// cancelled in the erasure's transaction, so none of them leaves afterwards (with its address scrubbed it
// could not, and must not). They end `dropped`, with no SMTP transaction. A message a worker holds at that
// moment (`sending`) is already in the relay's hands; its outcome is recorded as it comes.
import { sql } from "kysely";
import type { Database } from "../db/index.js";
import { appendEvents } from "../events/service.js";

export const ERASED_REASON = "contact_erased";

/** Drops the still-queued messages among `messageIds`; returns how many. Runs in `db`'s transaction. */
export async function dropQueuedForErasure(
  db: Database,
  workspaceId: string,
  messageIds: string[],
  now: Date,
): Promise<number> {
  if (messageIds.length === 0) return 0;
  const r = await sql<{ id: string }>`
    update messages set send_state = 'done', lease_owner = null, lease_until = null, updated_at = ${now}
     where workspace_id = ${workspaceId} and id = any(${messageIds}::text[]) and send_state = 'queued'
     returning id`.execute(db);
  await appendEvents(
    db,
    r.rows.map((m) => ({
      message_id: m.id,
      workspace_id: workspaceId,
      type: "dropped" as const,
      source: "api",
      at: now,
      detail: "Not sent: the contact was erased (DSGVO Art. 17)",
      error_code: ERASED_REASON,
      evidence: { reason: "erased" },
      dedupe_key: "dropped:erased",
    })),
    now,
  );
  return r.rows.length;
}
