// The campaign worker's housekeeping round: everything that is not sending a batch. Each step finds its
// work in the database (so any process may do it, and a crash loses nothing) and is cheap when there is
// none: reap expired leases, end runs with nothing left, resume throttled campaigns, start scheduled sends,
// load recipients, generate letters.
import { activityCtx, logEvents, recordActivity } from "../audit/service.js";
import { appendEvents, unknownOutcomeEvent } from "../events/service.js";
import type { ContactFilter } from "../lists/schema.js";
import type { Ctx, Runtime } from "../runtime.js";
import { campaignEvent, startScheduledSend, workerActor } from "./actions.js";
import { generateDocument } from "./generate.js";
import { describeCounts, endStateOf } from "./outcomes.js";
import {
  campaignsRunDone,
  campaignsToResume,
  markExpiredSendingUnknown,
  markMessagesUnknown,
  purgeMergeOfPurgedMessages,
  returnExpiredClaims,
  scheduledDue,
} from "./queue-store.js";
import { writeReapedMessages } from "./reaped.js";
import { CAMPAIGN, campaignFields } from "./service.js";
import { type CampaignState, transition } from "./states.js";
import {
  type CampaignRow,
  claimJob,
  findCampaignById,
  finishRun,
  insertRecipients,
  lockOwnJob,
  moveState,
  recipientCounts,
} from "./store.js";

/** How often merge data of purged messages is looked for. */
const PURGE_INTERVAL_MS = 60_000;

export class Housekeeping {
  private lastPurge = 0;

  constructor(
    private readonly rt: Runtime,
    private readonly owner: string,
  ) {}

  private ctx(workspaceId: string): Ctx {
    return { rt: this.rt, workspaceId, actor: workerActor };
  }

  /** One round; returns how many things it did (0: nothing to do now). `reap: false` leaves the expired
   * leases for a later round (the worker's loop reaps on the lease's time scale, not every round). */
  async round(opts: { reap?: boolean } = {}): Promise<number> {
    let did = 0;
    if (opts.reap ?? true) did += await this.reap();
    did += await this.finishRuns();
    did += await this.resume();
    did += await this.startScheduled();
    did += await this.loadRecipients();
    did += await this.generate();
    if (Date.now() - this.lastPurge >= PURGE_INTERVAL_MS) {
      this.lastPurge = Date.now();
      await this.purgeMerge();
    }
    return did;
  }

  /** Retention (delivery/retention.ts) empties message bodies; the data to render them again goes with them. */
  async purgeMerge(): Promise<number> {
    let total = 0;
    for (
      let n = await purgeMergeOfPurgedMessages(this.rt.db);
      n > 0;
      n = await purgeMergeOfPurgedMessages(this.rt.db)
    ) {
      total += n;
    }
    return total;
  }

  private leaseEnd() {
    return new Date(this.rt.now().getTime() + this.rt.config.workerLeaseSeconds * 1000);
  }

  // ------------------------------------------------------------ crash safety

  /** Claimed-but-unsent recipients of dead workers go back to pending; those that were `sending` become
   * unknown, with an `unknown` event on their message and one event-log entry per campaign. */
  async reap(): Promise<number> {
    const now = this.rt.now();
    const returned = await returnExpiredClaims(this.rt.db, now);
    const unknown = await this.rt.db.transaction().execute(async (tx) => {
      const rows = await markExpiredSendingUnknown(tx, now);
      if (rows.length === 0) return 0;
      const withMessage = rows.filter((r) => r.message_id !== null);
      // The dead worker may not have written the messages yet (it writes them with the reply).
      const queued = await writeReapedMessages(tx, this.rt, rows, now);
      await markMessagesUnknown(
        tx,
        withMessage.map((r) => r.message_id!),
        now,
      );
      const detail = "The worker stopped during the SMTP transaction; not resent automatically";
      await appendEvents(
        tx,
        [
          ...queued,
          ...withMessage.map((r) =>
            unknownOutcomeEvent({ ...r, message_id: r.message_id! }, this.owner, now),
          ),
        ],
        now,
      );
      const perCampaign = new Map<string, { ws: string; n: number }>();
      for (const r of rows) {
        const e = perCampaign.get(r.campaign_id) ?? { ws: r.workspace_id, n: 0 };
        e.n++;
        perCampaign.set(r.campaign_id, e);
      }
      await logEvents(
        tx,
        [...perCampaign].map(([id, e]) =>
          campaignEvent(
            e.ws,
            id,
            "error",
            `${e.n} recipient(s): ${detail}. Check the relay's log; resend them deliberately with POST /v1/campaigns/${id}/send {"include_unknown": true} if needed.`,
          ),
        ),
        now,
      );
      return rows.length;
    });
    return returned + unknown;
  }

  // ------------------------------------------------------------ state moves

  async finishRuns(): Promise<number> {
    let n = 0;
    for (const c of await campaignsRunDone(this.rt.db)) n += await this.finishRun(c.id);
    return n;
  }

  /** in_progress → completed_automatic | incomplete_sent | failed_sending, once nothing is left open. */
  async finishRun(id: string): Promise<number> {
    const now = this.rt.now();
    return this.rt.db.transaction().execute(async (tx) => {
      const c = await findCampaignById(tx, id, true);
      if (c?.state !== "in_progress" || c.kind !== "email") return 0;
      const counts = await recipientCounts(tx, id);
      if ((counts.pending ?? 0) + (counts.claimed ?? 0) + (counts.sending ?? 0) > 0) return 0;
      const to = endStateOf(counts);
      transition(c, to);
      const after = await moveState(tx, id, "in_progress", to, { resume_at: null, updated_at: now });
      if (!after) return 0;
      if (c.current_run_id) await finishRun(tx, c.current_run_id, to, now);
      const summary = `Campaign '${c.name}' ${to === "completed_automatic" ? "completed" : to === "failed_sending" ? "failed" : "sent incompletely"}: ${describeCounts(counts)}`;
      await logEvents(
        tx,
        [
          campaignEvent(
            c.workspace_id,
            id,
            to === "failed_sending" ? "error" : to === "incomplete_sent" ? "warning" : "information",
            summary,
            { counts, state: to },
          ),
        ],
        now,
      );
      await this.activity(tx, c, after, "run_finished", summary);
      return 1;
    });
  }

  private async activity(
    tx: Runtime["db"],
    before: CampaignRow,
    after: CampaignRow,
    action: string,
    summary: string,
  ) {
    await recordActivity(tx, activityCtx(this.ctx(before.workspace_id)), {
      action,
      kind: CAMPAIGN,
      recordId: before.id,
      summary,
      before: campaignFields(before),
      after: campaignFields(after),
    });
  }

  /** waiting_for_continuation → in_progress when the rate window has reopened. */
  async resume(): Promise<number> {
    const now = this.rt.now();
    let n = 0;
    for (const c of await campaignsToResume(this.rt.db, now)) {
      n += await this.rt.db.transaction().execute(async (tx) => {
        const moved = await moveState(tx, c.id, "waiting_for_continuation", "in_progress", {
          resume_at: null,
          updated_at: now,
        });
        if (!moved) return 0;
        await logEvents(
          tx,
          [campaignEvent(c.workspace_id, c.id, "information", `Campaign '${moved.name}' continues sending.`)],
          now,
        );
        return 1;
      });
    }
    return n;
  }

  async startScheduled(): Promise<number> {
    let n = 0;
    for (const c of await scheduledDue(this.rt.db, this.rt.now())) {
      if (await startScheduledSend(this.ctx(c.workspace_id), c.id)) n++;
    }
    return n;
  }

  // ------------------------------------------------------------ background jobs

  /** Seed 004 "Empfänger einlesen": one INSERT … SELECT, then `ready` and an event-log entry naming the
   * campaign, so the user hears of it wherever they are. */
  async loadRecipients(): Promise<number> {
    const now = this.rt.now();
    const job = await claimJob(this.rt.db, "load", this.owner, now, this.leaseEnd());
    if (!job) return 0;
    await this.rt.db.transaction().execute(async (tx) => {
      const c = await lockOwnJob(tx, job.id, this.owner);
      if (c?.job !== "load") return;
      const loaded = await insertRecipients(tx, {
        campaignId: c.id,
        workspaceId: c.workspace_id,
        listIds: c.list_ids,
        filter: (c.filter ?? null) as ContactFilter | null,
        now,
      });
      const total = Object.values(await recipientCounts(tx, c.id)).reduce((a, b) => a + b, 0);
      const clear = {
        job: null,
        job_owner: null,
        job_lease_until: null,
        recipient_count: total,
        loaded_at: now,
        updated_at: now,
      };
      const after =
        c.state === "loading_recipients"
          ? await moveState(tx, c.id, "loading_recipients", "ready", clear)
          : await moveState(tx, c.id, c.state as CampaignState, c.state as CampaignState, clear);
      const detail = `Campaign '${c.name}': ${total} recipient(s) loaded; it is ready.`;
      await logEvents(
        tx,
        [
          {
            ...campaignEvent(c.workspace_id, c.id, "information", detail, {
              recipients: total,
              inserted: loaded,
            }),
            trigger: "process",
          },
        ],
        now,
      );
      if (after) await this.activity(tx, c, after, "recipients_loaded", detail);
    });
    return 1;
  }

  async generate(): Promise<number> {
    const now = this.rt.now();
    const job = await claimJob(this.rt.db, "generate", this.owner, now, this.leaseEnd());
    if (!job) return 0;
    await generateDocument(this.rt, job, this.owner, (tx, before, after, summary) =>
      this.activity(tx, before, after, "generated", summary),
    );
    return 1;
  }
}
