// DSGVO (issue 3 item 11): Art. 15 — everything stored about a contact as one JSON document; Art. 17 — erase
// it. Erasure removes the personal data from the contact, its messages and the logs, and keeps only what
// carries none: the message timelines (addresses inside replaced by "[erased]") and the blocklist's keyed hash,
// so that an erased address that was blocked stays blocked.
import { domainToUnicode } from "node:url";
import { actorName, actorNames } from "../audit/actor-names.js";
import { activityCtx, recordActivity } from "../audit/service.js";
import { addressHash } from "../blocklist/hash.js";
import type { Database } from "../db/index.js";
import type { Row } from "../db/schema.js";
import { dropQueuedForErasure, refuseWhileInFlight } from "../delivery/erase.js";
import { exportedMime } from "../delivery/service.js";
import type { Ctx } from "../runtime.js";
import { AppError } from "../util/errors.js";
import { consentOut } from "./consent.js";
import { contactOut } from "./contact.js";
import {
  activitiesAbout,
  blocklistByHash,
  contactMessageIds,
  importRowsOf,
  literalPattern,
  messagesWithTimeline,
  scrubActivities,
  scrubBlocklist,
  scrubEventLog,
  scrubImportRows,
  scrubMessageEvents,
  scrubMessages,
  subscriptionsOf,
} from "./privacy-store.js";
import { CONTACT, consentHistoryRows, deleteContactRow, requireContact } from "./store.js";

/** The contact's addresses as written and with a Unicode domain (an SMTP reply may quote either). */
function addressForms(emails: string[]): string[] {
  return emails.flatMap((e) => {
    const at = e.lastIndexOf("@");
    const unicode = `${e.slice(0, at)}@${domainToUnicode(e.slice(at + 1))}`;
    return unicode === e ? [e] : [e, unicode];
  });
}

function phones(c: Row<"contacts">): string[] {
  return [c.phone, c.mobile].filter((p): p is string => !!p);
}

/** Keyed hashes of every address of the contact, as the blocklist stores them. */
function blocklistHashes(secret: string, c: Row<"contacts">): string[] {
  return [
    ...c.emails.map((e) => addressHash(secret, "email", e)),
    ...phones(c).map((p) => addressHash(secret, "phone", p)),
  ];
}

function messageOut(m: Row<"messages">, raw: Buffer | null, events: Row<"message_events">[]) {
  return {
    id: m.id,
    channel: m.channel,
    to: m.to_address,
    from: m.from_address,
    from_name: m.from_name,
    reply_to: m.reply_to,
    subject: m.subject,
    text: m.text_body,
    html: m.html_body,
    attachments: m.attachments,
    data: m.data,
    tags: m.tags,
    status: m.status,
    status_reason: m.status_reason,
    campaign_id: m.campaign_id,
    message_id_header: m.message_id_header,
    created_at: m.created_at,
    sent_at: m.sent_at,
    raw_mime_base64: raw ? raw.toString("base64") : null,
    timeline: events
      .filter((e) => e.message_id === m.id)
      .map((e) => ({ at: e.at, type: e.type, source: e.source, detail: e.detail, evidence: e.evidence })),
  };
}

/** Art. 15: one JSON document with everything stored about the contact. */
export async function exportContact(ctx: Ctx, id: string) {
  const db = ctx.rt.db;
  const ws = ctx.workspaceId;
  const c = await requireContact(db, ws, id);
  const messageIds = await contactMessageIds(db, ws, id, c.email_keys);
  const { messages, events } = await messagesWithTimeline(db, ws, messageIds);
  return {
    exported_at: ctx.rt.now(),
    workspace_id: ws,
    contact: contactOut(c),
    consents: (await consentHistoryRows(db, ws, id)).map(consentOut),
    subscriptions: await subscriptionsWithNames(db, ws, id),
    messages: await Promise.all(
      messages.map(async (m) => messageOut(m, await exportedMime(ctx.rt, ws, m), events)),
    ),
    blocklist: (await blocklistByHash(db, ws, blocklistHashes(ctx.rt.secret, c))).map((b) => ({
      id: b.id,
      kind: b.kind,
      address: b.address,
      reason: b.reason,
      source: b.source,
      created_at: b.created_at,
      created_by: b.created_by,
      lifted_at: b.lifted_at,
      lifted_by: b.lifted_by,
    })),
    activities: (await activitiesAbout(db, ws, id)).map((a) => ({
      id: a.id,
      at: a.at,
      action: a.action,
      kind: a.kind,
      record_id: a.record_id,
      summary: a.summary,
      actor: { type: a.actor_type, id: a.actor_id, name: a.actor_name },
      changes: a.changes,
      data: a.data,
    })),
    import_rows: (await importRowsOf(db, id)).map((r) => ({
      import_id: r.import_id,
      row_number: r.row_number,
      outcome: r.outcome,
      reason: r.reason,
      raw: r.raw,
    })),
  };
}

/** How long an erasure waits for messages being sent to the contact right now (see refuseWhileInFlight). */
const IN_FLIGHT_WAIT_MS = 10_000;
const IN_FLIGHT_POLL_MS = 500;

/**
 * Art. 17: erases the contact and its personal data everywhere, in one transaction. A message a worker is
 * sending right now is waited for (up to IN_FLIGHT_WAIT_MS); if it is still in flight the answer is 409.
 */
export async function eraseContact(ctx: Ctx, id: string, waitMs = IN_FLIGHT_WAIT_MS) {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await eraseNow(ctx, id);
    } catch (e) {
      const inFlight =
        e instanceof AppError && !!(e.details as { in_flight?: number } | undefined)?.in_flight;
      if (!inFlight || Date.now() >= deadline) throw e;
      await new Promise((r) => setTimeout(r, IN_FLIGHT_POLL_MS));
    }
  }
}

async function eraseNow(ctx: Ctx, id: string) {
  const ws = ctx.workspaceId;
  return ctx.rt.db.transaction().execute(async (tx) => {
    const c = await requireContact(tx, ws, id, true);
    const addressPattern = literalPattern([...addressForms(c.emails), ...phones(c)]);
    const namePattern = literalPattern(
      [c.first_name, c.last_name].filter((n): n is string => !!n && n.length >= 3),
    );
    const messageIds = await contactMessageIds(tx, ws, id, c.email_keys);
    // Still-queued messages end `dropped` before their addresses go: none of them is sent afterwards.
    const dropped = await dropQueuedForErasure(tx, ws, messageIds, ctx.rt.now());
    await refuseWhileInFlight(tx, ws, id, messageIds);
    const counts = {
      queued_messages_dropped: dropped,
      messages: await scrubMessages(tx, ws, messageIds),
      message_events: addressPattern ? await scrubMessageEvents(tx, ws, addressPattern) : 0,
      activities: await scrubActivities(tx, ws, id, addressPattern, namePattern),
      event_log: await scrubEventLog(tx, ws, id, addressPattern, namePattern),
      blocklist: await scrubBlocklist(tx, ws, blocklistHashes(ctx.rt.secret, c), addressPattern),
      import_rows: await scrubImportRows(tx, ws, id, addressPattern, c.email_keys),
    };
    // Consent history and subscriptions go with the row (on delete cascade).
    await deleteContactRow(tx, ws, id);
    await recordActivity(tx, activityCtx(ctx), {
      action: "erased",
      kind: CONTACT,
      recordId: id,
      summary: "Contact erased (DSGVO Art. 17)",
      data: counts,
    });
    return { id, erased: true, scrubbed: counts };
  });
}

/** The contact's subscriptions, each with the name of the user or API key that set its status. */
async function subscriptionsWithNames(db: Database, ws: string, id: string) {
  const rows = await subscriptionsOf(db, ws, id);
  const names = await actorNames(
    db,
    ws,
    rows.map((r) => r.status_set_by),
  );
  return rows.map((r) => ({ ...r, status_set_by_name: actorName(names, r.status_set_by) }));
}
