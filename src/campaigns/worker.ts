// The campaign worker (DESIGN §3.3–3.6, seed 004 "In Arbeit"): send lanes that claim recipients in batches
// with FOR UPDATE SKIP LOCKED and a lease, and one housekeeping loop that loads recipients, generates
// letters, starts scheduled sends, resumes throttled campaigns, ends runs, and reaps the leases of workers
// that died. Every state that matters is a row, so any number of processes can share the work and a
// crash loses nothing: a recipient is `sending` (with its message stored) before the SMTP transaction
// begins and `sent` after it; a lease that runs out in between leaves `unknown`, never resent by itself.
import os from "node:os";
import { logEvents } from "../audit/service.js";
import type { Row } from "../db/schema.js";
import { selectTransportsById } from "../delivery/store.js";
import {
  acquireSlots,
  releaseSends,
  releaseSlots,
  reserveSends,
  type TransportLimits,
} from "../delivery/throttle.js";
import { campaignSigner, senderDomainOf } from "../domains/service.js";
import { type DomainLimits, reserveDomainSends } from "../domains/throttle.js";
import type { Runtime } from "../runtime.js";
import { randomToken } from "../util/ids.js";
import type { WorkerHandle } from "../workers.js";
import { campaignEvent } from "./actions.js";
import {
  isScreened,
  type LazySend,
  type Prepared,
  recordEnded,
  recordOutcomes,
  renderAndMark,
  screenBatch,
} from "./batch.js";
import { Housekeeping } from "./housekeeping.js";
import {
  type ActiveCampaign,
  type ClaimedRecipient,
  campaignsWithDueRecipients,
  claimRecipients,
  extendRecipientLeases,
  releaseClaims,
} from "./queue-store.js";
import { EmailPlan, type RunSnapshot } from "./render.js";
import { CampaignSenders } from "./senders.js";
import { findRun, markRunClaimed, moveState } from "./store.js";
import { sendThroughWindow } from "./window.js";

export interface CampaignWorkerOptions {
  /** Identifies this worker in leases and evidence; host:pid:random by default. */
  owner?: string;
  batchSize?: number;
  /** Batch loops per process: while one waits for the database, another keeps the relay busy. */
  lanes?: number;
  /** SMTP transactions in flight per batch (the relay pool queues beyond its connections). */
  concurrency?: number;
  /** Housekeeping interval. */
  pollMs?: number;
  /** Recipients marked `sending` per UPDATE (default twice the SMTP transactions in flight, at least 50),
   * and outcomes recorded per transaction (window.ts; default four times, at least 100). */
  markGroup?: number;
  recordGroup?: number;
}

/** A run's compiled plan in this process: the template and MIME skeleton compiled once (DESIGN §3.5). */
export interface RunPlan {
  runId: string;
  campaignId: string;
  workspaceId: string;
  email: EmailPlan | null;
  /** Why the run cannot render at all (a snapshot that no longer compiles). */
  broken: string | null;
  transport: Row<"transports"> | null;
  /** The registered sender domain of the run's From address, with its rate limit (DESIGN §3.6). */
  senderDomain: DomainLimits | null;
  /** The snapshot names a transport that has been deleted since. */
  transportMissing: boolean;
  loadedAt: number;
}

const PLAN_TTL_MS = 5_000;
/** How often the housekeeping loop looks for expired leases (as the sending worker does). */
const REAP_INTERVAL_MS = 5_000;
const SENT = Buffer.alloc(0);
const PLAN_CACHE = 64;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class CampaignWorker {
  readonly owner: string;
  readonly senders: CampaignSenders;
  readonly housekeeping: Housekeeping;
  private readonly batchSize: number;
  private readonly lanes: number;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly markGroup: number | undefined;
  private readonly recordGroup: number | undefined;
  private readonly plans = new Map<string, RunPlan>();
  private readonly claimedRuns = new Set<string>();
  private stopping = false;
  private loops: Promise<void>[] = [];
  private wake: Array<() => void> = [];
  /** Lanes waiting for work (sendLoop). */
  private parked: Array<() => void> = [];
  private turn = 0;

  constructor(
    readonly rt: Runtime,
    opts: CampaignWorkerOptions = {},
  ) {
    this.owner = opts.owner ?? `${os.hostname()}:${process.pid}:${randomToken(4)}`;
    this.senders = new CampaignSenders(rt.config.dataDir);
    this.batchSize = opts.batchSize ?? Math.max(rt.config.workerBatchSize, 500);
    this.lanes = opts.lanes ?? 3;
    this.concurrency = opts.concurrency ?? 50;
    this.pollMs = opts.pollMs ?? rt.config.workerPollMs;
    this.markGroup = opts.markGroup;
    this.recordGroup = opts.recordGroup;
    this.housekeeping = new Housekeeping(rt, this.owner);
  }

  // ------------------------------------------------------------ loops

  start(): WorkerHandle {
    for (let i = 0; i < this.lanes; i++) this.loops.push(this.sendLoop(i));
    this.loops.push(this.housekeepingLoop());
    return { stop: () => this.stop() };
  }

  /** Finishes the batches in flight (a claimed recipient is always sent and recorded), then closes pools. */
  async stop() {
    this.stopping = true;
    for (const w of this.wake.splice(0)) w();
    this.unpark();
    await Promise.all(this.loops);
    this.senders.close();
  }

  /** While no campaign has due recipients, only lane 0 looks for them every pollMs; the other lanes wait
   * until a lane claims a batch (then there may be more to claim) or the worker stops. Three lanes polling
   * an idle queue ran three statements every pollMs in a process whose other work — on PGlite, the API
   * and the transactional sending share its one thread — paid for them. */
  private async sendLoop(lane: number) {
    while (!this.stopping) {
      try {
        if ((await this.sendBatch(lane)) === 0) await (lane === 0 ? this.idle(this.pollMs) : this.park());
      } catch (err) {
        this.rt.log.error({ err }, "campaign worker: batch failed; retrying shortly");
        await this.idle(this.pollMs * 4);
      }
    }
  }

  /** Leases are reaped every REAP_INTERVAL_MS (at most a quarter of the lease), the rest of housekeeping
   * every pollMs: a lease runs for workerLeaseSeconds, so looking for expired ones four times a second
   * found nothing almost always, at four statements a round. */
  private async housekeepingLoop() {
    let lastReap = 0;
    const reapEvery = Math.min(REAP_INTERVAL_MS, this.rt.config.workerLeaseSeconds * 250);
    while (!this.stopping) {
      try {
        const reap = Date.now() - lastReap >= reapEvery;
        if (reap) lastReap = Date.now();
        await this.housekeeping.round({ reap });
      } catch (err) {
        this.rt.log.error({ err }, "campaign worker: housekeeping failed; retrying shortly");
      }
      await this.idle(this.pollMs);
    }
  }

  /** Waits until a lane claims a batch or the worker stops. */
  private park() {
    if (this.stopping) return Promise.resolve();
    return new Promise<void>((resolve) => this.parked.push(resolve));
  }

  private unpark() {
    for (const w of this.parked.splice(0)) w();
  }

  private idle(ms: number) {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake.push(done);
    });
  }

  /** Sends and housekeeps until nothing is left to do now (tests, the CLI). Retries due later wait. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const did = (await this.housekeeping.round()) + (await this.sendBatch(0));
      total += did;
      if (did === 0) return total;
    }
  }

  // ------------------------------------------------------------ one batch

  /** Claims one batch of one campaign, sends it and records the outcomes; returns how many it claimed. */
  async sendBatch(lane = 0): Promise<number> {
    const now = this.rt.now();
    const due = await campaignsWithDueRecipients(this.rt.db, now);
    if (due.length === 0) return 0;
    const campaign = due[this.turn++ % due.length];
    const plan = await this.planFor(campaign);
    if (!plan) return 0;
    const claimed = await claimRecipients(this.rt.db, {
      campaignId: campaign.id,
      runId: plan.runId,
      owner: this.owner,
      now,
      leaseUntil: this.leaseEnd(),
      limit: this.batchSize,
    });
    if (claimed.length === 0) return 0;
    // There was work to claim, so there may be more: the waiting lanes look too.
    this.unpark();
    const admitted = await this.admit(plan, claimed, lane);
    if (admitted.recipients.length === 0) return claimed.length;
    await this.noteFirstClaim(plan);
    const heartbeat = setInterval(
      () => {
        extendRecipientLeases(
          this.rt.db,
          campaign.id,
          this.owner,
          admitted.recipients.map((r) => r.contact_id),
          this.leaseEnd(),
        ).catch((err) => this.rt.log.warn({ err }, "campaign worker: could not extend leases"));
      },
      (this.rt.config.workerLeaseSeconds * 1000) / 3,
    );
    try {
      await this.process(plan, admitted.recipients, admitted.slots);
    } finally {
      clearInterval(heartbeat);
      await releaseSlots(this.rt.db, plan.transport, this.slotOwner(lane)).catch(() => {});
    }
    return claimed.length;
  }

  private slotOwner(lane: number) {
    return `${this.owner}#${lane}`;
  }

  /**
   * Throttling (DESIGN §3.6): takes the batch's share of the transport's rate window and concurrency slots.
   * What the window cannot take goes back to pending and the campaign waits for continuation.
   */
  private async admit(plan: RunPlan, claimed: ClaimedRecipient[], lane: number) {
    const db = this.rt.db;
    const now = this.rt.now();
    const t = plan.transport as TransportLimits | null;
    const slots = await acquireSlots(db, t, this.slotOwner(lane), this.concurrency, now, this.leaseEnd());
    if (slots === 0) {
      await releaseClaims(
        db,
        plan.campaignId,
        this.owner,
        claimed.map((r) => r.contact_id),
      );
      await sleep(this.pollMs);
      return { recipients: [] as ClaimedRecipient[], slots };
    }
    const r = await this.reserve(plan, claimed.length, now);
    if (r.granted < claimed.length) {
      await releaseClaims(
        db,
        plan.campaignId,
        this.owner,
        claimed.slice(r.granted).map((x) => x.contact_id),
      );
      if (r.resumeAt) await this.pause(plan, r.resumeAt, r.limit);
    }
    const recipients = claimed.slice(0, r.granted);
    if (recipients.length === 0) await releaseSlots(db, t, this.slotOwner(lane));
    return { recipients, slots };
  }

  /** The batch's share of both rate windows: the transport's and the sender domain's. What one grants and
   * the other does not is given back; the campaign resumes when the later of the limiting windows opens. */
  private async reserve(plan: RunPlan, wanted: number, now: Date) {
    const db = this.rt.db;
    const t = plan.transport as TransportLimits | null;
    const byTransport = await reserveSends(db, t, wanted, now);
    const byDomain = await reserveDomainSends(db, plan.senderDomain, byTransport.granted, now);
    if (byDomain.granted < byTransport.granted)
      await releaseSends(db, t, byTransport.windowStart, byTransport.granted - byDomain.granted);
    const limits: string[] = [];
    let resumeAt: Date | null = null;
    for (const [res, what] of [
      [byTransport, this.transportLimit(plan)],
      [byDomain, this.domainLimit(plan)],
    ] as const) {
      if (!res.resumeAt) continue;
      limits.push(what);
      if (!resumeAt || res.resumeAt > resumeAt) resumeAt = res.resumeAt;
    }
    return { granted: byDomain.granted, resumeAt, limit: limits.join(" and ") };
  }

  private transportLimit(plan: RunPlan) {
    const t = plan.transport;
    return `the rate limit of transport '${t?.name}' (${t?.rate_limit} messages per ${t?.rate_window_seconds} s)`;
  }

  private domainLimit(plan: RunPlan) {
    const d = plan.senderDomain;
    return `the rate limit of sender domain '${d?.domain}' (${d?.rate_limit} messages per ${d?.rate_window_seconds} s)`;
  }

  /** in_progress → waiting_for_continuation, with the time the next rate window opens. */
  private async pause(plan: RunPlan, resumeAt: Date, limit: string) {
    const now = this.rt.now();
    await this.rt.db.transaction().execute(async (tx) => {
      const moved = await moveState(tx, plan.campaignId, "in_progress", "waiting_for_continuation", {
        resume_at: resumeAt,
        updated_at: now,
      });
      if (!moved) return;
      const limitText = limit.charAt(0).toUpperCase() + limit.slice(1);
      await logEvents(
        tx,
        [
          campaignEvent(
            plan.workspaceId,
            plan.campaignId,
            "information",
            `${limitText} is reached; sending continues at ${resumeAt.toISOString()}.`,
            {
              transport_id: plan.transport?.id,
              sender_domain_id: plan.senderDomain?.id,
              resume_at: resumeAt.toISOString(),
            },
          ),
        ],
        now,
      );
    });
  }

  private async noteFirstClaim(plan: RunPlan) {
    if (this.claimedRuns.has(plan.runId)) return;
    await markRunClaimed(this.rt.db, plan.runId, this.rt.now());
    this.claimedRuns.add(plan.runId);
  }

  private leaseEnd() {
    return new Date(this.rt.now().getTime() + this.rt.config.workerLeaseSeconds * 1000);
  }

  /** Screens the batch and records the recipients that end here, then sends the rest through the sliding
   * window (window.ts), each group rendered just before it is marked `sending`. */
  private async process(plan: RunPlan, recipients: ClaimedRecipient[], slots: number) {
    const decided = await screenBatch(this, plan, recipients);
    await recordEnded(
      this,
      plan,
      decided.filter((d): d is Prepared => !isScreened(d)),
    );
    const sender = this.senders.get(plan.transport);
    const sendable: LazySend[] = decided.filter(isScreened).map((screened) => ({ screened, prepared: null }));
    const inFlight = Math.max(1, Math.min(this.concurrency, slots, inFlightLimit(plan.transport)));
    await sendThroughWindow(
      sendable,
      sender,
      {
        inFlight,
        markGroup: this.markGroup ?? Math.max(2 * inFlight, 50),
        // Recorded in larger groups than marked: the outcome statement's parsing and planning (five CTEs)
        // is shared by twice the messages. The price: a crash can leave up to markGroup + inFlight +
        // 2 × recordGroup recipients per lane `unknown` (window.ts), 270 instead of 170 at 10 connections.
        recordGroup: this.recordGroup ?? Math.max(4 * inFlight, 100),
      },
      {
        key: (x) => x.screened.recipient.contact_id,
        mark: (items) => renderAndMark(this, plan, items),
        // Only recipients their group's marking held are sent, and those are rendered. The bytes are the
        // sender's from here; the item keeps what recording needs, so a sent message's bytes can go.
        mail: (x) => {
          const send = x.prepared!.send;
          x.prepared!.send = { ...send, raw: SENT };
          return {
            messageId: send.messageId,
            workspaceId: plan.workspaceId,
            raw: send.raw,
            returnPath: send.returnPath,
            to: send.to,
            archiveBcc: plan.email?.snapshot.archive_bcc ?? null,
          };
        },
        record: (results) =>
          recordOutcomes(
            this,
            plan,
            results.map((r) => ({ prepared: r.item.prepared!, result: r.result })),
            sender.kind,
          ),
      },
    );
  }

  // ------------------------------------------------------------ plans

  /** The compiled plan of the campaign's current run, from this process's cache when it is fresh. */
  private async planFor(c: ActiveCampaign): Promise<RunPlan | null> {
    const hit = this.plans.get(c.current_run_id);
    if (hit && Date.now() - hit.loadedAt < PLAN_TTL_MS) return hit;
    const run = await findRun(this.rt.db, c.current_run_id);
    if (!run) return null;
    const snapshot = run.snapshot as RunSnapshot;
    let email: EmailPlan | null = hit?.email ?? null;
    let broken: string | null = null;
    if (!email) {
      const signer = await campaignSigner(this.rt, c.workspace_id, snapshot.dkim);
      try {
        email = new EmailPlan(snapshot, signer, this.rt);
      } catch (err) {
        broken = `The run's template cannot be compiled: ${(err as Error).message}`;
      }
    }
    const [transport] = snapshot.transport_id
      ? await selectTransportsById(this.rt.db, [snapshot.transport_id])
      : [];
    const domain = await senderDomainOf(this.rt.db, c.workspace_id, snapshot.from_address);
    const plan: RunPlan = {
      runId: run.id,
      campaignId: c.id,
      workspaceId: c.workspace_id,
      email,
      broken,
      transport: transport ?? null,
      senderDomain: domain ? pick(domain, ["id", "domain", "rate_limit", "rate_window_seconds"]) : null,
      transportMissing: snapshot.transport_id !== null && !transport,
      loadedAt: Date.now(),
    };
    this.plans.delete(run.id);
    this.plans.set(run.id, plan);
    if (this.plans.size > PLAN_CACHE) this.plans.delete(this.plans.keys().next().value!);
    return plan;
  }
}

/** SMTP transactions worth having in flight per chunk: twice the relay pool's connections (one on the
 * wire, one ready behind it). More would only wait in the pool's queue, already marked `sending`, and a
 * crash would leave them all unknown. The capture outbox has no such limit. */
function inFlightLimit(t: Row<"transports"> | null): number {
  if (t?.kind !== "smtp") return Number.POSITIVE_INFINITY;
  const pool = Number((t.config as { pool_size?: unknown }).pool_size);
  return Number.isFinite(pool) && pool > 0 ? pool * 2 : 10;
}

/** The worker-role factory (src/workers.ts). */
export function startCampaignWorker(rt: Runtime): WorkerHandle {
  return new CampaignWorker(rt).start();
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;
}
