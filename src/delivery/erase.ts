// DSGVO Art. 17 and the work queue: the messages of an erased contact that still wait to be sent are
// cancelled in the erasure's transaction, so none of them leaves afterwards (with its address scrubbed it
// could not, and must not). They end `dropped`, with no SMTP transaction. A message a worker holds at that
// moment (`sending`, or a campaign recipient claimed for sending) may be on the wire already: it cannot be
// called back, and its outcome — written after the erasure — would bring the address back into the
// timeline. So an erasure waits for such messages to settle and is refused (409, nothing changed) if they
// do not settle within a few seconds; see inFlightForErasure.
import { sql } from "kysely";
import type { Database } from "../db/index.js";
import { appendEvents } from "../events/service.js";
import { Conflict } from "../util/errors.js";

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

/**
 * Refuses (409) when a worker holds one of the contact's messages right now. Runs in the erasure's
 * transaction after dropQueuedForErasure: its row locks keep workers from claiming those messages, and the
 * contact's campaign recipients are locked here, so nothing can be claimed between this check and the
 * commit (claims skip locked rows).
 */
export async function refuseWhileInFlight(
  db: Database,
  workspaceId: string,
  contactId: string,
  messageIds: string[],
): Promise<void> {
  const recipients = await sql<{ status: string }>`
    select status from campaign_recipients where workspace_id = ${workspaceId} and contact_id = ${contactId}
       for update`.execute(db);
  const claimed = recipients.rows.filter((r) => r.status === "claimed" || r.status === "sending").length;
  const sending =
    messageIds.length === 0
      ? 0
      : (
          await sql<{ n: number }>`
          select count(*)::int as n from messages
           where workspace_id = ${workspaceId} and id = any(${messageIds}::text[]) and send_state = 'sending'`.execute(
            db,
          )
        ).rows[0].n;
  if (claimed + sending > 0)
    throw Conflict(
      `${claimed + sending} message(s) to this contact are being sent right now; erasing it now would let their outcome bring the address back. Try again in a minute: nothing was changed.`,
      { in_flight: claimed + sending },
    );
}
