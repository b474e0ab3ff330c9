// The message row of a campaign recipient, built the same way by the sending worker (with the SMTP outcome)
// and by the reaper (for a worker that died between marking a recipient `sending` and recording the
// reply). The worker writes a first attempt's message only with its outcome (queue-store.ts), so a dead
// worker's messages may not exist yet; the reaper writes them as `unknown` from what the recipient row
// keeps — the run's snapshot, the address, the Date and the merge data the message was rendered from.
import type { Database } from "../db/index.js";
import { messageIdHeader, verpAddress } from "../delivery/verp.js";
import type { NewMessageEvent } from "../events/service.js";
import type { Runtime } from "../runtime.js";
import { insertMessageLinks, type MessageLinkRow } from "../tracking/engagement-store.js";
import {
  type CampaignMessage,
  existingMessages,
  insertUnknownMessages,
  type ReapedRecipient,
} from "./queue-store.js";
import {
  EmailPlan,
  type RecipientMerge,
  type RenderedMessage,
  type RunSnapshot,
  type TrackingRuntime,
} from "./render.js";
import { findRun } from "./store.js";

export interface MessageFields {
  messageId: string;
  workspaceId: string;
  campaignId: string;
  contactId: string;
  to: string;
  subject: string | null;
  resentFrom: string | null;
  owner: string;
  createdAt: Date;
}

/** A campaign message's row: what the run's snapshot fixes, and the recipient's own fields. */
export function campaignMessage(secret: string, s: RunSnapshot, f: MessageFields): CampaignMessage {
  return {
    id: f.messageId,
    workspace_id: f.workspaceId,
    contact_id: f.contactId,
    to_address: f.to,
    from_address: s.from_address,
    from_name: s.from_name,
    reply_to: s.reply_to,
    subject: f.subject,
    template_id: s.template.id,
    campaign_id: f.campaignId,
    transport_id: s.transport_id,
    message_id_header: messageIdHeader(f.messageId, s.from_address),
    return_path: verpAddress(secret, f.messageId, s.bounce_domain),
    archive_bcc: s.archive_bcc,
    resent_from: f.resentFrom,
    owner: f.owner,
    created_at: f.createdAt,
  };
}

/** The message as it was rendered for this recipient (its subject, and a tracked run's links); null when
 * the run cannot render it any more. */
function rendered(
  plan: EmailPlan | null,
  s: RunSnapshot,
  r: ReapedRecipient & { message_id: string },
): RenderedMessage | null {
  if (!plan || !r.to_address || !r.merge || !r.mime_date) return null;
  try {
    return plan.render({
      messageId: r.message_id,
      messageIdHeader: messageIdHeader(r.message_id, s.from_address),
      to: r.to_address,
      listId: r.list_id,
      date: new Date(r.mime_date),
      merge: r.merge as RecipientMerge,
    });
  } catch {
    return null;
  }
}

async function runPlans(db: Database, rt: TrackingRuntime, runIds: string[]) {
  const plans = new Map<string, { snapshot: RunSnapshot; plan: EmailPlan | null }>();
  for (const id of new Set(runIds)) {
    const run = await findRun(db, id);
    if (!run) continue;
    const snapshot = run.snapshot as RunSnapshot;
    let plan: EmailPlan | null = null;
    try {
      plan = new EmailPlan(snapshot, null, rt);
    } catch {
      // A snapshot that no longer compiles still gives every field but the subject.
    }
    plans.set(id, { snapshot, plan });
  }
  return plans;
}

/**
 * Writes the messages of reaped recipients that their worker never wrote, as `unknown` (with a tracked
 * run's links: the message may have left, and its recipient may click); returns their `queued` events for
 * the caller to append with the `unknown` ones (which derive the status).
 */
export async function writeReapedMessages(
  db: Database,
  rt: Pick<Runtime, "secret" | "config">,
  rows: ReapedRecipient[],
  now: Date,
): Promise<NewMessageEvent[]> {
  const withMessage = rows.filter(
    (r): r is ReapedRecipient & { message_id: string } => r.message_id !== null,
  );
  const existing = await existingMessages(
    db,
    withMessage.map((r) => r.message_id),
  );
  const missing = withMessage.filter((r) => !existing.has(r.message_id) && r.run_id && r.to_address);
  if (missing.length === 0) return [];
  const plans = await runPlans(
    db,
    rt,
    missing.map((r) => r.run_id!),
  );
  const links: MessageLinkRow[] = [];
  const created = missing.flatMap((r) => {
    const run = plans.get(r.run_id!);
    if (!run) return [];
    const createdAt = r.mime_date ? new Date(r.mime_date) : now;
    const again = rendered(run.plan, run.snapshot, r);
    for (const l of again?.links ?? []) {
      links.push({ message_id: r.message_id, workspace_id: r.workspace_id, idx: l.idx, url: l.url });
    }
    const message = campaignMessage(rt.secret, run.snapshot, {
      messageId: r.message_id,
      workspaceId: r.workspace_id,
      campaignId: r.campaign_id,
      contactId: r.contact_id,
      to: r.to_address!,
      subject: again?.subject ?? null,
      resentFrom: r.previous_message_id,
      owner: r.lease_owner ?? "",
      createdAt,
    });
    return [
      { ...message, send_state: "unknown" as const, attempts: r.attempts + 1, queue_id: null, sent_at: null },
    ];
  });
  await insertUnknownMessages(db, created, now);
  await insertMessageLinks(db, links);
  return created.map((m) => ({
    message_id: m.id,
    workspace_id: m.workspace_id,
    type: "queued",
    source: "campaign",
    at: m.created_at,
    detail: "Prepared for the campaign; its worker stopped before it recorded the relay's reply",
    evidence: { campaign_id: m.campaign_id, worker: m.owner },
  }));
}
