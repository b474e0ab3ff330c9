// Consent (Kommunikationsstatus / Einwilligung, issue 3 item 2): an append-only history per contact, channel
// and purpose with its evidence (when, by whom, source, wording, IP). The current state is the newest entry.
import { activityCtx, recordActivity } from "../audit/service.js";
import type { Database } from "../db/index.js";
import type { Row } from "../db/schema.js";
import { emitHookEvent } from "../hooks/emit.js";
import type { Ctx } from "../runtime.js";
import { Invalid } from "../util/errors.js";
import { newId } from "../util/ids.js";
import type { Channel, RecordConsentInput } from "./schema.js";
import {
  consentHistoryRows,
  currentConsentRows,
  existingContactIds,
  grantedContactIds,
  insertConsent,
  requireContact,
} from "./store.js";

/** Purposes that never need consent: mail the recipient needs to do business with the sender (an
 * invoice, a booking confirmation) rests on the contract (DSGVO Art. 6(1)(b)), not on consent. */
export const CONSENT_FREE_PURPOSES: ReadonlySet<string> = new Set(["transactional"]);

/** A consent entry may be back-dated (a paper form signed last week) but not dated in the future. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

export function consentOut(r: Row<"consents">) {
  return {
    id: r.id,
    channel: r.channel,
    purpose: r.purpose,
    status: r.status,
    at: r.at,
    by: r.by,
    source: r.source,
    wording: r.wording,
    ip: r.ip,
    recorded_at: r.created_at,
  };
}
export type ConsentOut = ReturnType<typeof consentOut>;

export async function currentConsents(db: Database, workspaceId: string, contactId: string) {
  return (await currentConsentRows(db, workspaceId, [contactId])).map(consentOut);
}

export async function recordConsent(ctx: Ctx, contactId: string, input: RecordConsentInput) {
  const now = ctx.rt.now();
  const at = input.at ? new Date(input.at) : now;
  if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    throw Invalid(`at: ${input.at} lies in the future; record consent when it is given.`, [
      { path: "at", message: "lies in the future", code: "in_future" },
    ]);
  }
  return ctx.rt.db.transaction().execute(async (tx) => {
    await requireContact(tx, ctx.workspaceId, contactId);
    const row = await insertConsent(tx, {
      id: newId("cns", now.getTime()),
      workspace_id: ctx.workspaceId,
      contact_id: contactId,
      channel: input.channel,
      purpose: input.purpose,
      status: input.status,
      at,
      by: input.by ?? ctx.actor.name,
      source: input.source,
      wording: input.wording ?? null,
      ip: input.ip ?? null,
      created_at: now,
    });
    const out = consentOut(row);
    await recordActivity(tx, activityCtx(ctx), {
      action: "created",
      kind: "consent",
      recordId: row.id,
      summary: `Consent ${input.channel}/${input.purpose} ${input.status}`,
      after: { ...out, contact_id: contactId },
      data: { contact_id: contactId },
    });
    await emitHookEvent(tx, ctx.workspaceId, "consent.changed", { ...out, contact_id: contactId }, now);
    return out;
  });
}

export async function consentState(ctx: Ctx, contactId: string) {
  await requireContact(ctx.rt.db, ctx.workspaceId, contactId);
  const history = (await consentHistoryRows(ctx.rt.db, ctx.workspaceId, contactId)).map(consentOut);
  return {
    contact_id: contactId,
    current: await currentConsents(ctx.rt.db, ctx.workspaceId, contactId),
    history,
  };
}

/**
 * The contacts among `contactIds` that may be sent to on `channel` for `purpose`: those whose current
 * consent is `granted` (one query for the whole batch, for campaigns and sends). A transactional purpose
 * never needs consent, so every contact of the workspace among the ids is returned for it; withdrawn
 * marketing consent does not stop an invoice.
 */
export async function hasConsent(
  db: Database,
  workspaceId: string,
  contactIds: string[],
  channel: Channel,
  purpose: string,
): Promise<Set<string>> {
  if (contactIds.length === 0) return new Set();
  if (CONSENT_FREE_PURPOSES.has(purpose)) {
    return new Set(await existingContactIds(db, workspaceId, contactIds));
  }
  return new Set(await grantedContactIds(db, workspaceId, contactIds, channel, purpose));
}
