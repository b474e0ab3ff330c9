// What a campaign produced, for download: the generated letter PDF, and the exact MIME of each message.
// Campaign messages do not store their 5 KB of MIME (100,000 of them would weigh 500 MB): the run's
// snapshot plus each recipient's merge data and Date header render it again byte for byte, and the stored
// SHA-256 of what left proves that the bytes shown are those bytes.
import { hash } from "node:crypto";
import { sql } from "kysely";
import { toBuffer } from "../db/index.js";
import { messageIdHeader } from "../delivery/verp.js";
import { campaignSigner } from "../domains/service.js";
import type { Ctx, Runtime } from "../runtime.js";
import { AppError, NotFound } from "../util/errors.js";
import { EmailPlan, type RecipientMerge, type RunSnapshot } from "./render.js";
import { CAMPAIGN, requireCampaign } from "./service.js";
import { findDocument, findRun } from "./store.js";

export async function getDocument(ctx: Ctx, id: string) {
  const c = await requireCampaign(ctx.rt.db, ctx.workspaceId, id);
  const doc = await findDocument(ctx.rt.db, c.id);
  if (!doc) {
    throw new AppError(
      "not_found",
      c.kind === "letter"
        ? `Campaign '${c.name}' has no document yet; generate it (POST /v1/campaigns/${id}/generate).`
        : `Campaign '${c.name}' is a serial e-mail; it has no printed document.`,
    );
  }
  const safeName = c.name.replace(/[^\w.-]+/g, "_").slice(0, 80) || c.id;
  return { pdf: toBuffer(doc.pdf)!, filename: `${safeName}-${doc.format}.pdf` };
}

/**
 * The MIME of a campaign message as it left, rendered again from the run's snapshot and the recipient's
 * stored merge data; null when the message is not a campaign message rendered this way (its recipient row,
 * found through the message's campaign and contact, names another message, or the contact was erased or
 * deleted). Throws a conflict when the rebuilt bytes differ from the SHA-256 recorded at sending (the
 * renderer changed since).
 */
export async function campaignMime(
  rt: Runtime,
  workspaceId: string,
  messageId: string,
  campaignId?: string,
): Promise<Buffer | null> {
  const r = await sql<{
    campaign_id: string;
    run_id: string | null;
    list_id: string | null;
    to_address: string | null;
    mime_date: Date | null;
    merge: unknown;
    mime_sha256: string | null;
  }>`select r.campaign_id, r.run_id, r.list_id, r.to_address, r.mime_date, r.merge, r.mime_sha256
       from messages m
       join campaign_recipients r on r.campaign_id = m.campaign_id and r.contact_id = m.contact_id
      where m.id = ${messageId} and m.workspace_id = ${workspaceId} and r.message_id = m.id`.execute(rt.db);
  const row = r.rows[0];
  if (campaignId && row?.campaign_id !== campaignId) return null;
  if (!row?.run_id || !row.mime_date || !row.merge || !row.to_address) return null;
  const run = await findRun(rt.db, row.run_id);
  if (!run) return null;
  const snapshot = run.snapshot as RunSnapshot;
  const input = {
    messageId,
    messageIdHeader: messageIdHeader(messageId, snapshot.from_address),
    to: row.to_address,
    listId: row.list_id,
    date: new Date(row.mime_date),
    merge: row.merge as RecipientMerge,
  };
  // Signed when the run's sender domain still has its key; a message that left unsigned (the key was gone
  // when it was sent) is found by trying without the signature too.
  const signer = await campaignSigner(rt, workspaceId, snapshot.dkim);
  const plans = signer
    ? [new EmailPlan(snapshot, signer, rt), new EmailPlan(snapshot, null, rt)]
    : [new EmailPlan(snapshot, null, rt)];
  let raw: Buffer | null = null;
  for (const plan of plans) {
    raw = plan.render(input).raw;
    if (!row.mime_sha256 || hash("sha256", raw, "hex") === row.mime_sha256) return raw;
  }
  throw new AppError(
    "conflict",
    `The MIME of message '${messageId}' cannot be rebuilt exactly any more (its SHA-256 at sending was ${row.mime_sha256}); the message's timeline and evidence are unaffected.`,
  );
}

export async function getCampaignMessageRaw(ctx: Ctx, campaignId: string, messageId: string) {
  const c = await requireCampaign(ctx.rt.db, ctx.workspaceId, campaignId);
  const raw = await campaignMime(ctx.rt, c.workspace_id, messageId, c.id);
  if (!raw) throw NotFound(`message of ${CAMPAIGN} '${c.id}'`, messageId);
  return raw;
}
