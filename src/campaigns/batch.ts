// One claimed batch of a serial e-mail, in steps around the SMTP transactions (the sliding window of
// window.ts drives steps 3 and 4 group by group):
// 1. screenBatch: exclusions (exclusions.ts), in memory;
// 2. recordEnded: the recipients that end here (excluded, no template) are written at once;
// 3. renderAndMark: a group's messages are rendered (one that cannot be is recorded as ended), then one
//    statement makes the group `sending`, with what their messages are rendered from — before any byte of
//    them goes to the relay (DESIGN §3.4);
// 4. recordOutcomes: one transaction stores the relay's replies as events, and the messages' work state
//    and the recipients' outcome (sent, retry later, error, unknown) in one statement.
// A crash leaves `unknown` only for the groups marked and not yet recorded; the rest of the batch is still
// `claimed` and returns to pending when its lease runs out.
import { type EventLogInput, logEvents } from "../audit/service.js";
import type { SendResult } from "../delivery/senders.js";
import { messageIdHeader, verpAddress } from "../delivery/verp.js";
import { backoffSeconds } from "../delivery/worker.js";
import { appendEvents, type NewMessageEvent } from "../events/service.js";
import type { TrackedLink } from "../tracking/rewrite.js";
import { unsubscribeUrl } from "../tracking/unsubscribe.js";
import { campaignEvent } from "./actions.js";
import { type Exclusion, screenEmailRecipients } from "./exclusions.js";
import { batchIds } from "./ids.js";
import {
  type CampaignMessage,
  type ClaimedRecipient,
  isUniqueViolation,
  type MessageWrite,
  type OutcomeEvent,
  type RecipientWrite,
  writeMessages,
  writeOutcomes,
  writeRecipients,
} from "./queue-store.js";
import { campaignMessage } from "./reaped.js";
import type { EmailPlan, RecipientMerge, RenderedMessage } from "./render.js";
import type { CampaignWorker, RunPlan } from "./worker.js";

export interface Prepared {
  recipient: ClaimedRecipient;
  /** The recipient's state before SMTP: sending, or already final (excluded, error). */
  write: RecipientWrite;
  /** A message created for this attempt (null when a retry reuses the first attempt's message). */
  message: CampaignMessage | null;
  events: NewMessageEvent[];
  /** The existing message of a retry that ends here (excluded or unrenderable now). */
  endMessage: MessageWrite | null;
  send: { messageId: string; raw: Buffer; returnPath: string; to: string } | null;
  /** The links of a tracked message's HTML, stored with the message's outcome (empty or absent when untracked). */
  links?: TrackedLink[];
}

export interface BatchResult {
  prepared: Prepared & { send: NonNullable<Prepared["send"]> };
  result: SendResult;
}

type Ctx = Pick<CampaignWorker, "rt" | "owner">;

/** Messages rendered between two turns of the event loop. */
const RENDER_SLICE = 50;

function baseWrite(r: ClaimedRecipient): RecipientWrite {
  return {
    contact_id: r.contact_id,
    // Still claimed: a recipient becomes `sending` only just before its group goes (markGroup).
    status: "claimed",
    reason: null,
    detail: null,
    attempts: r.attempts,
    next_attempt_at: null,
    message_id: null,
    to_address: null,
    mime_date: null,
    merge: null,
    mime_sha256: null,
    done_at: null,
  };
}

function ended(
  w: Ctx,
  r: ClaimedRecipient,
  status: "excluded" | "error",
  reason: string,
  detail: string,
  plan: RunPlan,
): Prepared {
  const now = w.rt.now();
  const endMessage: MessageWrite | null = r.message_id
    ? {
        id: r.message_id,
        send_state: "done",
        attempts: r.attempts,
        queue_id: null,
        sent_at: null,
        derived: null,
      }
    : null;
  const events: NewMessageEvent[] = r.message_id
    ? [
        {
          message_id: r.message_id,
          workspace_id: plan.workspaceId,
          type: status === "excluded" ? "dropped" : "failed",
          source: "campaign",
          at: now,
          detail: `Not sent: ${detail}`,
          error_code: reason,
          dedupe_key: `ended:${r.attempts}`,
        },
      ]
    : [];
  return {
    recipient: r,
    write: { ...baseWrite(r), status, reason, detail, done_at: now },
    message: null,
    events,
    endMessage,
    send: null,
  };
}

/** Retries go to the address of their first attempt, whatever the contact holds now. */
function candidate(r: ClaimedRecipient) {
  return {
    contact_id: r.contact_id,
    contact: r.to_address ? { ...r.contact, emails: [r.to_address] } : r.contact,
  };
}

/** A recipient the screening let through: its address and message id are decided; its message is rendered
 * only when its group is about to be marked `sending` (renderAndMark), not for the whole batch at once, so
 * a lane holds rendered bytes for the groups near the window instead of for all 500 recipients. */
export interface Screened {
  recipient: ClaimedRecipient;
  address: string;
  messageId: string;
  now: Date;
}

/** A screened recipient on its way through the window; `prepared` is set when its group is rendered. */
export interface LazySend {
  screened: Screened;
  prepared: (Prepared & { send: NonNullable<Prepared["send"]> }) | null;
}

export const isScreened = (d: Prepared | Screened): d is Screened => "address" in d;

/** Decides every recipient of the batch, in batch order: ended (excluded, no template, no transport) or
 * screened for sending; no database writes. */
export async function screenBatch(
  w: Ctx,
  plan: RunPlan,
  batch: ClaimedRecipient[],
): Promise<Array<Prepared | Screened>> {
  if (plan.broken || !plan.email) {
    return batch.map((r) => ended(w, r, "error", "template_invalid", plan.broken ?? "no template", plan));
  }
  if (plan.transportMissing) {
    const detail = "The transport this campaign was sent through no longer exists.";
    return batch.map((r) => ended(w, r, "error", "transport_missing", detail, plan));
  }
  const s = plan.email.snapshot;
  const screened = await screenEmailRecipients(
    w.rt.db,
    w.rt.secret,
    { workspaceId: plan.workspaceId, purpose: s.purpose, listIds: Object.keys(s.lists) },
    batch.map(candidate),
  );
  const now = w.rt.now();
  const fresh = batchIds("msg", batch.length, now.getTime());
  return batch.map((r, i) => {
    const verdict = screened.get(r.contact_id);
    if (!verdict || "reason" in verdict) {
      const x: Exclusion = verdict ?? { reason: "no_address", detail: "The contact no longer exists." };
      return ended(w, r, "excluded", x.reason, x.detail, plan);
    }
    return { recipient: r, address: verdict.address, messageId: r.message_id ?? fresh[i], now };
  });
}

/** Renders one screened recipient (screenBatch gives Screened only for a plan that has its email). */
export function renderScreened(w: Ctx, plan: RunPlan, x: Screened): Prepared {
  return render(w, plan, plan.email!, x.recipient, x.address, x.messageId, x.now);
}

/** Decides every recipient of the batch and renders the messages; no database writes. */
export async function prepareBatch(w: Ctx, plan: RunPlan, batch: ClaimedRecipient[]): Promise<Prepared[]> {
  const decided = await screenBatch(w, plan, batch);
  const out: Prepared[] = [];
  for (let i = 0; i < decided.length; i++) {
    // Rendering is the one long stretch of CPU: let replies of other lanes' SMTP transactions in between.
    if (i > 0 && i % RENDER_SLICE === 0) await new Promise((r) => setImmediate(r));
    const d = decided[i];
    out.push(isScreened(d) ? renderScreened(w, plan, d) : d);
  }
  return out;
}

/** Renders one recipient's message: a first attempt from the contact now, a retry from what was stored. */
function render(
  w: Ctx,
  plan: RunPlan,
  email: EmailPlan,
  r: ClaimedRecipient,
  address: string,
  messageId: string,
  now: Date,
): Prepared {
  const s = email.snapshot;
  const retry = r.message_id !== null;
  const date = r.mime_date ?? now;
  const to = r.to_address ?? address;
  const merge: RecipientMerge = retry
    ? (r.merge as RecipientMerge)
    : {
        contact: email.contactMerge(r.contact),
        unsubscribe_url: email.marketing
          ? unsubscribeUrl(w.rt, {
              workspaceId: plan.workspaceId,
              contactId: r.contact_id,
              listId: r.list_id,
              campaignId: plan.campaignId,
              messageId,
            })
          : null,
      };
  const header = messageIdHeader(messageId, s.from_address);
  let rendered: RenderedMessage;
  try {
    rendered = email.render({ messageId, messageIdHeader: header, to, listId: r.list_id, date, merge });
  } catch (err) {
    return ended(w, r, "error", "template_render_failed", (err as Error).message, plan);
  }
  const message: CampaignMessage | null = retry
    ? null
    : campaignMessage(w.rt.secret, s, {
        messageId,
        workspaceId: plan.workspaceId,
        campaignId: plan.campaignId,
        contactId: r.contact_id,
        to,
        subject: rendered.subject,
        resentFrom: r.previous_message_id,
        owner: w.owner,
        createdAt: now,
      });
  // A first attempt's row carries its VERP return path already (one HMAC per message, not two).
  const returnPath = message?.return_path ?? verpAddress(w.rt.secret, messageId, s.bounce_domain);
  return {
    recipient: r,
    write: {
      ...baseWrite(r),
      message_id: messageId,
      to_address: to,
      mime_date: date,
      merge: retry ? null : merge,
      mime_sha256: rendered.sha256,
    },
    message,
    events: [],
    endMessage: null,
    send: { messageId, raw: rendered.raw, returnPath, to },
    links: rendered.links,
  };
}

/** Step 2: recipients that end before SMTP (excluded, or their message cannot be rendered). */
export async function recordEnded(w: Ctx, plan: RunPlan, prepared: Prepared[]) {
  const ended = prepared.filter((p) => !p.send);
  if (ended.length === 0) return;
  const now = w.rt.now();
  await w.rt.db.transaction().execute(async (tx) => {
    const held = await writeRecipients(
      tx,
      plan.campaignId,
      w.owner,
      ended.map((p) => p.write),
    );
    const kept = ended.filter((p) => held.has(p.recipient.contact_id));
    await appendEvents(
      tx,
      kept.flatMap((p) => p.events),
      now,
    );
    await writeMessages(
      tx,
      kept.flatMap((p) => (p.endMessage ? [p.endMessage] : [])),
      now,
    );
  });
}

/** Step 3: the group becomes `sending`, with what its messages are rendered from (DESIGN §3.4: the record
 * that they may leave); returns the recipients still held. The messages are written with the replies. */
export function markSendingGroup(w: Ctx, plan: RunPlan, group: Prepared[]): Promise<Set<string>> {
  return writeRecipients(
    w.rt.db,
    plan.campaignId,
    w.owner,
    group.map((p) => ({ ...p.write, status: "sending" })),
  );
}

/** Step 3 for a group of the window: renders its messages now (a message that cannot be rendered ends
 * here as `error`, as in recordEnded) and marks the rest `sending`; returns the recipients still held. */
export async function renderAndMark(w: Ctx, plan: RunPlan, group: LazySend[]): Promise<Set<string>> {
  const rendered: Prepared[] = [];
  const failed: Prepared[] = [];
  for (const item of group) {
    const p = renderScreened(w, plan, item.screened);
    if (p.send) {
      item.prepared = p as LazySend["prepared"];
      rendered.push(p);
    } else failed.push(p);
  }
  if (failed.length > 0) await recordEnded(w, plan, failed);
  return markSendingGroup(w, plan, rendered);
}

interface Outcome {
  recipient: RecipientWrite;
  message: MessageWrite;
  event: Omit<OutcomeEvent, "id" | "evidence"> & { evidence: unknown };
}

function outcomeOf(w: Ctx, plan: RunPlan, b: BatchResult, source: string): Outcome {
  const { rt } = w;
  const now = rt.now();
  const r = b.result;
  const p = b.prepared;
  const attempts = p.recipient.attempts + 1;
  const id = p.send.messageId;
  const common = { attempt: attempts, worker: w.owner, campaign_id: plan.campaignId };
  // What the message is rendered from (id, address, Date, merge, digest) was stored when the group was
  // marked `sending`; the outcome leaves it as it is (null keeps the stored value).
  const base = {
    ...p.write,
    status: "sending" as const,
    attempts,
    message_id: null,
    to_address: null,
    mime_date: null,
    merge: null,
    mime_sha256: null,
  };
  const event = (
    type: "sent" | "deferred" | "failed" | "unknown",
    detail: string,
    extra: { evidence: unknown; error_code?: string | null },
  ): Outcome["event"] => ({
    message_id: id,
    workspace_id: plan.workspaceId,
    type,
    source,
    detail,
    dedupe_key: `attempt:${attempts}`,
    error_code: extra.error_code ?? null,
    evidence: extra.evidence,
  });
  if (r.outcome === "sent") {
    return {
      recipient: { ...base, status: "sent", done_at: now },
      message: { id, send_state: "done", attempts, queue_id: r.queueId, sent_at: now, derived: null },
      event: event(
        "sent",
        source === "capture" ? "Captured in the local outbox" : `Accepted by the relay: ${r.response}`,
        { evidence: { ...r.evidence, queue_id: r.queueId, ...common } },
      ),
    };
  }
  const evidence = { ...r.evidence, ...common };
  if (r.evidence.after_data === true) {
    // The connection broke after the whole message was sent: it may have arrived. Never resent by itself.
    return {
      recipient: { ...base, status: "unknown", reason: "outcome_unknown", detail: r.detail, done_at: now },
      message: { id, send_state: "unknown", attempts, queue_id: null, sent_at: null, derived: null },
      event: event("unknown", `The connection broke after the message was handed over: ${r.detail}`, {
        error_code: "outcome_unknown",
        evidence,
      }),
    };
  }
  if (r.outcome === "temporary" && attempts < rt.config.maxAttempts) {
    const next = new Date(
      now.getTime() + backoffSeconds(rt.config.retryBaseSeconds, p.recipient.attempts) * 1000,
    );
    return {
      recipient: {
        ...base,
        status: "pending",
        reason: r.errorCode,
        detail: `Deferred (attempt ${attempts}): ${r.detail}`,
        next_attempt_at: next,
      },
      message: { id, send_state: "sending", attempts, queue_id: null, sent_at: null, derived: null },
      event: event("deferred", r.detail, {
        error_code: r.errorCode,
        evidence: { ...evidence, next_attempt_at: next.toISOString() },
      }),
    };
  }
  const detail =
    r.outcome === "temporary" ? `Gave up after ${attempts} attempts; last reply: ${r.detail}` : r.detail;
  return {
    recipient: { ...base, status: "error", reason: r.errorCode ?? "smtp_failed", detail, done_at: now },
    message: { id, send_state: "done", attempts, queue_id: null, sent_at: null, derived: null },
    event: event("failed", detail, {
      error_code: r.errorCode,
      evidence: { ...evidence, retries_exhausted: r.outcome === "temporary" },
    }),
  };
}

/** One event-log entry per batch for its errors and deferrals (not one per recipient). */
function batchLog(plan: RunPlan, outcomes: Outcome[]): EventLogInput[] {
  const out: EventLogInput[] = [];
  for (const status of ["error", "pending"] as const) {
    const hit = outcomes.filter((o) => o.recipient.status === status);
    if (hit.length === 0) continue;
    const codes = new Map<string, number>();
    for (const o of hit)
      codes.set(o.recipient.reason ?? "?", (codes.get(o.recipient.reason ?? "?") ?? 0) + 1);
    const list = [...codes].map(([c, n]) => `${c} ×${n}`).join(", ");
    out.push(
      campaignEvent(
        plan.workspaceId,
        plan.campaignId,
        status === "error" ? "error" : "warning",
        status === "error"
          ? `${hit.length} recipient(s) could not be sent (${list}); first: ${hit[0].recipient.detail}`
          : `${hit.length} recipient(s) deferred by the relay and retried later (${list}); first: ${hit[0].recipient.detail}`,
        { contact_ids: hit.slice(0, 20).map((o) => o.recipient.contact_id) },
      ),
    );
  }
  return out;
}

/** Step 3, in one transaction, retried: the messages were sent, so losing the record would turn known
 * outcomes into unknown ones. */
export async function recordOutcomes(w: Ctx, plan: RunPlan, results: BatchResult[], source: string) {
  if (results.length === 0) return;
  const outcomes = results.map((b) => outcomeOf(w, plan, b, source));
  // First attempts' messages are written now, once, in the state the reply left them (queue-store.ts).
  const created = results.flatMap((b, i) => {
    const m = b.prepared.message;
    if (!m) return [];
    const { send_state, attempts, queue_id, sent_at } = outcomes[i].message;
    return [{ ...m, send_state, attempts, queue_id, sent_at }];
  });
  const firstIds = new Set(created.map((m) => m.id));
  // Tracked messages' links go with their rows (message_links refers to messages), in the same statement.
  // An untracked run (the default) skips this with one check per group.
  const links = !plan.email?.snapshot.tracking
    ? []
    : results.flatMap((b) =>
        b.prepared.links
          ? b.prepared.links.map((l) => ({
              message_id: b.prepared.send.messageId,
              workspace_id: plan.workspaceId,
              idx: l.idx,
              url: l.url,
            }))
          : [],
      );
  // Plain inserts first; a group that meets rows written already is written again tolerantly (queue-store.ts).
  let tolerant = false;
  for (let attempt = 1; ; attempt++) {
    try {
      const now = w.rt.now();
      const ids = batchIds("evt", outcomes.length, now.getTime());
      const events = outcomes.map((o, i) => ({
        ...o.event,
        id: ids[i],
        evidence: JSON.stringify(o.event.evidence),
      }));
      const queued =
        created.length === 0
          ? null
          : {
              ids: batchIds("evt", created.length, created[0].created_at.getTime()),
              detail: `Prepared for campaign '${plan.email?.snapshot.campaign.name ?? plan.campaignId}'`,
              evidence: JSON.stringify({ campaign_id: plan.campaignId, run_id: plan.runId, worker: w.owner }),
            };
      const write = (db: typeof w.rt.db) =>
        writeOutcomes(
          db,
          { campaignId: plan.campaignId, owner: w.owner },
          {
            created,
            updated: outcomes.flatMap((o) => (firstIds.has(o.message.id) ? [] : [o.message])),
            queued,
            events,
            recipients: outcomes.map((o) => o.recipient),
            links,
          },
          now,
          tolerant,
        );
      const logs = batchLog(plan, outcomes);
      // One statement; a transaction only when the event log gets entries too (errors, deferrals).
      if (logs.length === 0) await write(w.rt.db);
      else {
        await w.rt.db.transaction().execute(async (tx) => {
          await write(tx);
          await logEvents(tx, logs, now);
        });
      }
      return;
    } catch (err) {
      if (!tolerant && isUniqueViolation(err)) {
        tolerant = true;
        continue;
      }
      if (attempt >= 5) throw err;
      w.rt.log.warn({ err, attempt }, "campaign worker: recording outcomes failed; retrying");
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
}
