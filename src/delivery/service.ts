// Reading messages with their delivery timeline (DESIGN §9), the exact MIME that left, and a deliberate
// resend of a message whose outcome is unknown (DESIGN §3.4: never resent automatically).
import { campaignMime } from "../campaigns/documents.js";
import { toBuffer } from "../db/index.js";
import type { Row } from "../db/schema.js";
import { appendEvents, timelineOf } from "../events/service.js";
import { decodeCursor, toPage } from "../http/pagination.js";
import { type Actor, actorLabel, type Ctx, type Runtime } from "../runtime.js";
import { canSeeCredentials } from "../users/credentials.js";
import { tryNormaliseEmail } from "../util/email.js";
import { AppError, Conflict, NotFound } from "../util/errors.js";
import { newId } from "../util/ids.js";
import { explainError } from "./explain.js";
import {
  buildMime,
  type MimeSource,
  mimeDigest,
  mimeInput,
  type StoredAttachment,
  unpackMime,
} from "./mime.js";
import type { BatchItem, MessageInput } from "./schema.js";
import {
  type MessageFilter,
  type messageListColumns,
  selectMessage,
  selectMessages,
  selectRawMime,
  selectTransports,
} from "./store.js";
import { markBlocked, type Prepared, storePrepared, submitMessages } from "./submit.js";
import { messageIdHeader, verpAddress } from "./verp.js";

export const MESSAGE = "message";

type ListedMessage = Pick<Row<"messages">, (typeof messageListColumns)[number]>;

/** The message as lists show it: everything but bodies and timeline. Where its archive copy went is for
 * admins only (null for others, with `archive_bcc_set`). */
export function messageSummary(m: ListedMessage, actor: Pick<Actor, "role">) {
  return {
    id: m.id,
    channel: m.channel,
    to: m.to_address,
    contact_id: m.contact_id,
    from: m.from_address,
    from_name: m.from_name,
    reply_to: m.reply_to,
    subject: m.subject,
    status: m.status,
    status_reason: m.status_reason,
    error_code: m.error_code,
    send_state: m.send_state,
    attempts: m.attempts,
    next_attempt_at: m.send_state === "queued" ? m.next_attempt_at : null,
    message_id: m.message_id_header,
    return_path: m.return_path,
    queue_id: m.queue_id,
    transport_id: m.transport_id,
    template_id: m.template_id,
    campaign_id: m.campaign_id,
    tags: m.tags,
    read_receipt: m.read_receipt,
    archive_bcc: canSeeCredentials(actor) ? m.archive_bcc : null,
    archive_bcc_set: m.archive_bcc !== null,
    idempotency_key: m.idempotency_key,
    resent_from: m.resent_from,
    created_at: m.created_at,
    sent_at: m.sent_at,
    updated_at: m.updated_at,
    body_purged_at: m.body_purged_at,
  };
}

function attachmentsOut(v: unknown) {
  const list = Array.isArray(v) ? (v as StoredAttachment[]) : [];
  return list.map((a) => ({
    filename: a.filename,
    content_type: a.content_type ?? null,
    size: Buffer.byteLength(a.content_base64 ?? "", "base64"),
  }));
}

export async function getMessage(ctx: Ctx, id: string, lang: "de" | "en" = "de") {
  const m = await selectMessage(ctx.rt.db, ctx.workspaceId, id);
  if (!m) throw NotFound(MESSAGE, id);
  const timeline = await timelineOf(ctx.rt.db, id);
  return {
    ...messageSummary(m, ctx.actor),
    error: await explainError(ctx.rt, ctx.workspaceId, m.error_code, lang),
    text: m.text_body,
    html: m.html_body,
    attachments: attachmentsOut(m.attachments),
    data: m.data,
    timeline,
  };
}

export interface ListQuery {
  limit: number;
  cursor?: string;
  status?: string;
  to?: string;
  contact_id?: string;
  campaign_id?: string;
  tag?: string;
  since?: string;
  until?: string;
}

export async function listMessages(ctx: Ctx, q: ListQuery) {
  const c = decodeCursor(q.cursor);
  const filter: MessageFilter = {
    status: q.status,
    // The stored address is normalised (IDN domain in punycode); so is the one asked for.
    to: q.to ? (tryNormaliseEmail(q.to)?.address ?? q.to) : undefined,
    contact_id: q.contact_id,
    campaign_id: q.campaign_id,
    tag: q.tag,
    since: q.since ? new Date(q.since) : undefined,
    until: q.until ? new Date(q.until) : undefined,
    before_id: c ? String(c[0]) : undefined,
  };
  const rows = await selectMessages(ctx.rt.db, ctx.workspaceId, filter, q.limit + 1);
  return toPage(
    rows,
    q.limit,
    (r) => messageSummary(r, ctx.actor),
    (r) => [r.id],
  );
}

/** The bytes exactly as they were handed to the transport. */
export async function getRawMime(ctx: Ctx, id: string): Promise<Buffer> {
  const m = await selectRawMime(ctx.rt.db, ctx.workspaceId, id);
  if (!m) throw NotFound(MESSAGE, id);
  return mimeOfRow(ctx.rt, ctx.workspaceId, m);
}

/** A message row's columns that tell where its MIME comes from (selectRawMime; a full row has them too). */
type MimeRow = MimeSource &
  Pick<Row<"messages">, "id" | "raw_mime" | "mime_date" | "mime_sha256" | "body_purged_at" | "send_state">;

/** The bytes that left for the DSGVO export (Art. 15): stored, or built again from the message's recipe or
 * its campaign run, as GET /raw shows them; null when they cannot be shown (purged, not built yet, no longer
 * reproducible exactly) — the export then still holds the message's content and timeline. */
export async function exportedMime(rt: Runtime, workspaceId: string, m: MimeRow): Promise<Buffer | null> {
  try {
    return await mimeOfRow(rt, workspaceId, m);
  } catch (err) {
    if (err instanceof AppError) return null;
    throw err;
  }
}

async function mimeOfRow(rt: Runtime, workspaceId: string, m: MimeRow): Promise<Buffer> {
  const id = m.id;
  const stored = toBuffer(m.raw_mime);
  if (stored) return unpackMime(stored);
  if (m.body_purged_at) {
    throw new AppError(
      "not_found",
      `The content of message '${id}' was purged on ${m.body_purged_at.toISOString()} under the workspace's retention period; the timeline is kept.`,
    );
  }
  if (m.mime_date && m.mime_sha256) return rebuiltMime(m, id);
  // A campaign message stores no MIME of its own: it is rendered again from its run (src/campaigns).
  const rebuilt = await campaignMime(rt, workspaceId, id);
  if (rebuilt) return rebuilt;
  throw new AppError(
    "not_found",
    `Message '${id}' has not been built yet (it is ${m.send_state}); the MIME exists once the worker has sent it.`,
  );
}

/** An unsigned message's bytes, built again from its recipe (migration 201) and shown only when their digest
 * is that of the bytes that left. */
function rebuiltMime(m: MimeSource & { mime_date: Date | null; mime_sha256: string | null }, id: string) {
  const again = buildMime(mimeInput(m), new Date(m.mime_date!));
  if (mimeDigest(again) === m.mime_sha256) return again;
  throw new AppError(
    "not_found",
    `The MIME of message '${id}' can no longer be reproduced exactly (its content was erased or changed since it was sent); its timeline is kept.`,
  );
}

/** POST /v1/messages: one message; with an Idempotency-Key, a repeat answers the first message. */
export async function submitMessage(ctx: Ctx, input: MessageInput, idempotencyKey?: string) {
  const [accepted] = await submitMessages(ctx, [{ ...input, idempotency_key: idempotencyKey }]);
  return { message: await getMessage(ctx, accepted.id), replayed: accepted.idempotent_replay };
}

export async function submitBatch(ctx: Ctx, items: BatchItem[]) {
  return { items: await submitMessages(ctx, items) };
}

/** A deliberate resend: a new message with the same content (new Message-ID and return path) that points
 * back at the original; the original's timeline records it. */
export async function resendMessage(ctx: Ctx, id: string) {
  const m = await selectMessage(ctx.rt.db, ctx.workspaceId, id);
  if (!m) throw NotFound(MESSAGE, id);
  if (m.send_state === "queued" || m.send_state === "sending") {
    throw Conflict(
      `Message '${id}' is still ${m.send_state === "queued" ? "waiting to be sent" : "being sent"}; it needs no resend.`,
    );
  }
  if (m.body_purged_at) {
    throw Conflict(
      `The content of message '${id}' was purged under the retention period; it cannot be resent.`,
    );
  }
  const p = copyOf(ctx, m, await currentTransportId(ctx, m.transport_id));
  await markBlocked(ctx, [p]);
  const stored = await storePrepared(ctx, [p]);
  await appendEvents(
    ctx.rt.db,
    [
      {
        message_id: id,
        workspace_id: ctx.workspaceId,
        type: "resent",
        source: "api",
        detail: `Resent as ${p.row.id}`,
        evidence: { resent_as: p.row.id, by: actorLabel(ctx.actor) },
      },
    ],
    ctx.rt.now(),
  );
  return getMessage(ctx, stored.get(0)!.id);
}

/** The original's transport if it still exists, else today's default (null: the built-in outbox). */
async function currentTransportId(ctx: Ctx, original: string | null): Promise<string | null> {
  const transports = await selectTransports(ctx.rt.db, ctx.workspaceId);
  if (original && transports.some((t) => t.id === original)) return original;
  return transports.find((t) => t.is_default)?.id ?? null;
}

function copyOf(ctx: Ctx, m: Row<"messages">, transportId: string | null): Prepared {
  const now = ctx.rt.now();
  const newIdValue = newId("msg", now.getTime());
  const bounceDomain = m.return_path.slice(m.return_path.lastIndexOf("@") + 1);
  return {
    index: 0,
    row: {
      ...m,
      id: newIdValue,
      attachments: JSON.stringify(m.attachments ?? []),
      data: m.data === null ? null : JSON.stringify(m.data),
      message_id_header: messageIdHeader(newIdValue, m.from_address),
      return_path: verpAddress(ctx.rt.secret, newIdValue, bounceDomain),
      idempotency_key: null,
      idempotency_fingerprint: null,
      resent_from: m.id,
      transport_id: transportId,
      send_state: "queued",
      attempts: 0,
      next_attempt_at: now,
      lease_owner: null,
      lease_until: null,
      status: "queued",
      status_reason: null,
      error_code: null,
      raw_mime: null,
      mime_date: null,
      mime_sha256: null,
      queue_id: null,
      created_at: now,
      updated_at: now,
      sent_at: null,
      body_purged_at: null,
    },
    events: [
      {
        message_id: newIdValue,
        workspace_id: ctx.workspaceId,
        type: "queued",
        source: "api",
        at: now,
        detail: `Accepted for sending (a deliberate resend of ${m.id})`,
        evidence: { by: actorLabel(ctx.actor), resent_from: m.id },
      },
    ],
  };
}
