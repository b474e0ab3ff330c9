// The sending worker (DESIGN §3.3–3.5): claim a batch of due messages with FOR UPDATE SKIP LOCKED and a
// lease, re-check the blocklist, build each MIME once, send with bounded concurrency over pooled
// connections, and record the whole batch's outcomes in one transaction. A lease that runs out while
// `sending` means a worker died mid-transaction: the reaper marks the outcome unknown and nothing is
// resent automatically ("never send twice", §3.4).
import os from "node:os";
import { type EventLogInput, logEvents } from "../audit/service.js";
import { findBlocked } from "../blocklist/lookup.js";
import { type Database, rowLocksMatter, toBuffer } from "../db/index.js";
import type { Row } from "../db/schema.js";
import { signForSender } from "../domains/service.js";
import { admitByDomainLimit } from "../domains/throttle.js";
import {
  appendEvents,
  appendEventsForUpdate,
  type NewMessageEvent,
  unknownOutcomeEvent,
} from "../events/service.js";
import type { Runtime } from "../runtime.js";
import { newId, randomToken } from "../util/ids.js";
import type { WorkerHandle } from "../workers.js";
import { buildMime, mimeDigest, mimeInput, packMime, unpackMime } from "./mime.js";
import { type MailSender, SenderCache, type SendResult } from "./senders.js";
import {
  type ClaimedMessage,
  claimDueMessages,
  extendLeases,
  markExpiredLeasesUnknown,
  type Outcome,
  planForKeyLookups,
  recordOutcomes,
  releaseClaims,
  selectTransportsById,
} from "./store.js";
import { admitByRateLimit } from "./throttle.js";

const PROCESS = "sending";
/** Longest wait between two attempts, however many there were. */
const MAX_BACKOFF_SECONDS = 6 * 3600;
/** How often a worker looks for leases that ran out. */
const REAP_INTERVAL_MS = 5_000;

export interface SendingWorkerOptions {
  /** Identifies this worker in leases and evidence; host:pid:random by default. */
  owner?: string;
  batchSize?: number;
  /** Batch loops per process: while one lane waits for the database, another keeps the relay busy. */
  lanes?: number;
  /** SMTP transactions in flight per batch (the relay pool queues beyond its connections). */
  concurrency?: number;
}

interface Plan {
  /** message id → blocklist reason */
  blocked: Map<string, string>;
  transports: Map<string, Row<"transports">>;
  /** message id → when its transport's rate window has room again (DESIGN §3.6, shared with campaigns) */
  waiting: Map<string, Date>;
}

/** What is stored of a MIME built in this attempt: its bytes, or its recipe. */
type MimeStore = Partial<Pick<Outcome, "raw_mime" | "mime_date" | "mime_sha256">>;

interface Mime {
  raw: Buffer;
  /** null when the first attempt already stored it */
  store: MimeStore | null;
}

/** What one message's attempt produced, before it is written. */
interface Result {
  outcome: Outcome;
  events: NewMessageEvent[];
  log: EventLogInput | null;
}

export function backoffSeconds(base: number, attemptsBefore: number): number {
  return Math.min(base * 2 ** attemptsBefore, MAX_BACKOFF_SECONDS);
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}

export class SendingWorker {
  readonly owner: string;
  private readonly senders: SenderCache;
  private readonly batchSize: number;
  private readonly lanes: number;
  private readonly concurrency: number;
  private stopping = false;
  private loops: Promise<void>[] = [];
  private wake: Array<() => void> = [];
  private lastReap = 0;

  constructor(
    private readonly rt: Runtime,
    opts: SendingWorkerOptions = {},
  ) {
    this.owner = opts.owner ?? `${os.hostname()}:${process.pid}:${randomToken(4)}`;
    this.senders = new SenderCache(rt.config.dataDir);
    // PGlite: every statement of a batch runs in this process's main thread, and a batch costs about ten
    // whatever its size (claim, blocklist, plan, locks, events, webhooks, outcome): batches of at least 500,
    // as campaigns use everywhere, took CPU per message from 957–1,023 to 767–801 µs in the benchmark.
    this.batchSize =
      opts.batchSize ??
      (rt.dbKind === "pglite" ? Math.max(rt.config.workerBatchSize, 500) : rt.config.workerBatchSize);
    this.lanes = opts.lanes ?? 2;
    this.concurrency = opts.concurrency ?? 50;
  }

  // ------------------------------------------------------------ the loop

  start(): WorkerHandle {
    for (let i = 0; i < this.lanes; i++) this.loops.push(this.loop());
    return { stop: () => this.stop() };
  }

  /** Finishes the batches in flight (a claimed message is always sent and recorded), then closes pools. */
  async stop() {
    this.stopping = true;
    for (const w of this.wake.splice(0)) w();
    await Promise.all(this.loops);
    this.senders.close();
  }

  private async loop() {
    while (!this.stopping) {
      try {
        if (Date.now() - this.lastReap >= REAP_INTERVAL_MS) {
          this.lastReap = Date.now();
          await this.reapExpiredLeases();
        }
        if ((await this.sendBatch()) === 0) await this.idle(this.rt.config.workerPollMs);
      } catch (err) {
        this.rt.log.error({ err }, "sending worker: batch failed; retrying shortly");
        await this.idle(this.rt.config.workerPollMs * 4);
      }
    }
  }

  private idle(ms: number) {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wake = this.wake.filter((w) => w !== done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake.push(done);
    });
  }

  /** Sends until nothing is due (tests, the CLI). Messages deferred into the future are left waiting. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.sendBatch();
      if (n === 0) return total;
      total += n;
    }
  }

  // ------------------------------------------------------------ one batch

  /** Claims one batch, sends it and records the outcomes; returns how many messages it claimed. */
  async sendBatch(): Promise<number> {
    const now = this.rt.now();
    const claim = (db: Database) =>
      claimDueMessages(db, this.owner, now, this.leaseEnd(), this.batchSize, rowLocksMatter(this.rt.dbKind));
    // PGlite plans without statistics (no autovacuum) and sorted the whole queue per claim; PostgreSQL's
    // autovacuum keeps messages_work_idx's estimate right, and a transaction would cost it two round trips.
    const claimed =
      this.rt.dbKind === "pglite"
        ? await this.rt.db.transaction().execute(async (tx) => {
            await planForKeyLookups(tx);
            return claim(tx);
          })
        : await claim(this.rt.db);
    if (claimed.length === 0) return 0;
    const heartbeat = setInterval(
      () => {
        extendLeases(
          this.rt.db,
          this.owner,
          claimed.map((m) => m.id),
          this.leaseEnd(),
        ).catch((err) => this.rt.log.warn({ err }, "sending worker: could not extend leases"));
      },
      (this.rt.config.workerLeaseSeconds * 1000) / 3,
    );
    try {
      const plan = await this.plan(claimed).catch(async (err) => {
        // Nothing has been handed to a transport yet: give the messages back instead of letting their
        // leases run out into `unknown`.
        await releaseClaims(
          this.rt.db,
          this.owner,
          claimed.map((m) => m.id),
          this.rt.now(),
        );
        throw err;
      });
      const results = await mapLimit(claimed, this.concurrency, (m) => this.attemptSafely(m, plan));
      await this.record(results);
    } finally {
      clearInterval(heartbeat);
    }
    return claimed.length;
  }

  private leaseEnd() {
    return new Date(this.rt.now().getTime() + this.rt.config.workerLeaseSeconds * 1000);
  }

  /** What the batch needs to know before sending: who is blocked now, and the transports. */
  private async plan(claimed: ClaimedMessage[]): Promise<Plan> {
    const blocked = await this.blockedNow(claimed);
    const ids = [...new Set(claimed.flatMap((m) => m.transport_id ?? []))];
    const transports = new Map((await selectTransportsById(this.rt.db, ids)).map((t) => [t.id, t]));
    const sendable = claimed.filter((m) => !blocked.has(m.id));
    // The sender domain's limit first: what it holds back takes nothing from the transport's window.
    const byDomain = await admitByDomainLimit(this.rt.db, sendable, this.rt.now());
    const { waiting } = await admitByRateLimit(this.rt.db, byDomain.admitted, transports, this.rt.now());
    await byDomain.giveBack(waiting.keys());
    for (const [id, at] of byDomain.waiting) waiting.set(id, at);
    return { blocked, transports, waiting };
  }

  /** Never throws: a message that met an unexpected error was not handed over, so it is deferred. */
  private async attemptSafely(m: ClaimedMessage, plan: Plan): Promise<Result> {
    const reason = plan.blocked.get(m.id);
    if (reason) return this.dropped(m, reason);
    const later = plan.waiting.get(m.id);
    if (later)
      return { outcome: this.outcome(m, "queued", { next_attempt_at: later }), events: [], log: null };
    try {
      return await this.attempt(m, plan.transports);
    } catch (err) {
      const detail = `Not sent: ${(err as Error).message}`;
      const failure: SendResult = {
        outcome: "temporary",
        reply: { response: "", code: null, enhanced: null },
        detail,
        errorCode: "internal_error",
        evidence: { error: (err as Error).message },
      };
      return this.resultOf(m, "worker", failure, null);
    }
  }

  /** The blocklist may have changed since the message was accepted: look again, per workspace. */
  private async blockedNow(claimed: ClaimedMessage[]): Promise<Map<string, string>> {
    const byWorkspace = new Map<string, ClaimedMessage[]>();
    for (const m of claimed) {
      const list = byWorkspace.get(m.workspace_id);
      if (list) list.push(m);
      else byWorkspace.set(m.workspace_id, [m]);
    }
    const out = new Map<string, string>();
    for (const [ws, list] of byWorkspace) {
      const hits = await findBlocked(this.rt.db, this.rt.secret, ws, [
        ...new Set(list.map((m) => m.to_address ?? "")),
      ]);
      for (const m of list) {
        const h = hits.get(m.to_address ?? "");
        if (h) out.set(m.id, h.reason);
      }
    }
    return out;
  }

  private dropped(m: ClaimedMessage, reason: string): Result {
    return {
      outcome: this.outcome(m, "done", { attempts: m.attempts }),
      events: [
        this.event(m, "dropped", "blocklist", `Not sent: the address is on the blocklist (${reason})`, {
          error_code: "blocklisted",
          evidence: { reason, checked_by: this.owner },
          dedupe_key: `dropped:${m.attempts}`,
        }),
      ],
      log: null,
    };
  }

  private async attempt(m: ClaimedMessage, transports: Map<string, Row<"transports">>): Promise<Result> {
    let sender: MailSender;
    try {
      const t = m.transport_id ? transports.get(m.transport_id) : null;
      if (t === undefined)
        return this.cannotSend(
          m,
          "The transport this message was to go through no longer exists.",
          "transport_missing",
          null,
        );
      sender = this.senders.get(t);
    } catch (err) {
      return this.cannotSend(
        m,
        `The transport's configuration is unusable: ${(err as Error).message}`,
        "transport_invalid",
        null,
      );
    }
    let mime: Mime;
    try {
      mime = await this.mimeOf(m);
    } catch (err) {
      return this.cannotSend(
        m,
        `The message could not be built: ${(err as Error).message}`,
        "mime_build_failed",
        null,
      );
    }
    const result = await sender.send({
      messageId: m.id,
      workspaceId: m.workspace_id,
      raw: mime.raw,
      returnPath: m.return_path,
      to: m.to_address ?? "",
      archiveBcc: m.archive_bcc,
    });
    return this.resultOf(m, sender.kind, result, mime.store);
  }

  /** The bytes of this attempt and what is stored of them. A retry sends the bytes of the first attempt:
   * stored as they were, or built again from the recipe and proven equal by their digest. A first attempt
   * builds them; a DKIM-signed message is stored as bytes (its signature cannot be made again once the
   * key changed), an unsigned one as its recipe — the Date, and the digest (migration 201). */
  private async mimeOf(m: ClaimedMessage): Promise<Mime> {
    const stored = toBuffer(m.raw_mime);
    if (stored) return { raw: unpackMime(stored), store: null };
    if (m.mime_date && m.mime_sha256) {
      const again = buildMime(mimeInput(m), new Date(m.mime_date));
      if (mimeDigest(again) === m.mime_sha256) return { raw: again, store: null };
      // Built differently since the first attempt (another version of the builder): these bytes are
      // what leaves now, so they are kept as bytes.
      return { raw: again, store: { raw_mime: this.storedForm(again) } };
    }
    const date = this.rt.now();
    const built = buildMime(mimeInput(m), date);
    // DKIM before storing: what is stored is exactly what left.
    const signed = await signForSender(this.rt, m.workspace_id, m.from_address, built);
    if (signed !== built) return { raw: signed, store: { raw_mime: this.storedForm(signed) } };
    return { raw: built, store: { mime_date: date, mime_sha256: mimeDigest(built) } };
  }

  /** PGlite runs in this process: every byte handed to it costs here, so it gets them gzipped. A PostgreSQL
   * server compresses on its own cores. */
  private storedForm(raw: Buffer): Buffer {
    return this.rt.dbKind === "pglite" ? packMime(raw) : raw;
  }

  /** `raw` is what to store of the MIME built in this attempt (null when it was stored before). */
  private resultOf(m: ClaimedMessage, source: string, r: SendResult, raw: MimeStore | null): Result {
    const attempts = m.attempts + 1;
    const now = this.rt.now();
    const common = { attempt: attempts, worker: this.owner };
    if (r.outcome === "sent") {
      const detail =
        source === "capture" ? "Captured in the local outbox" : `Accepted by the relay: ${r.response}`;
      return {
        outcome: this.outcome(m, "done", { attempts, queue_id: r.queueId, sent_at: now, ...raw }),
        events: [
          this.event(m, "sent", source, detail, {
            evidence: { ...r.evidence, queue_id: r.queueId, ...common },
            dedupe_key: `attempt:${attempts}`,
          }),
        ],
        log: null,
      };
    }
    const evidence = { ...r.evidence, ...common };
    if (r.evidence.after_data === true) {
      // The connection broke after the whole message went out: it may have arrived, so it is never resent
      // by itself (DESIGN §3.4), exactly as when the worker dies during the transaction.
      const detail = `The connection broke after the message was handed over: ${r.detail}`;
      return {
        outcome: this.outcome(m, "unknown", { attempts, ...raw }),
        events: [
          this.event(m, "unknown", source, detail, {
            error_code: "outcome_unknown",
            evidence,
            dedupe_key: `attempt:${attempts}`,
          }),
        ],
        log: this.log(
          m,
          "error",
          `${detail}. Check the recipient's mailbox or the relay's log, then resend deliberately if needed (POST /v1/messages/${m.id}/resend).`,
          evidence,
        ),
      };
    }
    if (r.outcome === "temporary" && attempts < this.rt.config.maxAttempts) {
      // A provider's Retry-After (HTTP 429) is the earliest moment a retry can succeed.
      const wait = Math.max(
        backoffSeconds(this.rt.config.retryBaseSeconds, m.attempts),
        r.retryAfterSeconds ?? 0,
      );
      const next = new Date(now.getTime() + wait * 1000);
      return {
        outcome: this.outcome(m, "queued", { attempts, next_attempt_at: next, ...raw }),
        events: [
          this.event(m, "deferred", source, r.detail, {
            error_code: r.errorCode,
            evidence: { ...evidence, next_attempt_at: next.toISOString() },
            dedupe_key: `attempt:${attempts}`,
          }),
        ],
        log: this.log(
          m,
          "warning",
          `Attempt ${attempts} deferred; next attempt in ${wait} s. ${r.detail}`,
          evidence,
        ),
      };
    }
    const detail =
      r.outcome === "temporary" ? `Gave up after ${attempts} attempts; last reply: ${r.detail}` : r.detail;
    return {
      outcome: this.outcome(m, "done", { attempts, ...raw }),
      events: [
        this.event(m, "failed", source, detail, {
          error_code: r.errorCode,
          evidence: { ...evidence, retries_exhausted: r.outcome === "temporary" },
          dedupe_key: `attempt:${attempts}`,
        }),
      ],
      log: this.log(m, "error", `Sending failed: ${detail}`, evidence),
    };
  }

  /** A problem on our side that retrying the same message cannot fix. */
  private cannotSend(m: ClaimedMessage, detail: string, code: string, raw: MimeStore | null): Result {
    return {
      outcome: this.outcome(m, "done", { attempts: m.attempts, ...raw }),
      events: [this.event(m, "failed", "worker", detail, { error_code: code, dedupe_key: `failed:${code}` })],
      log: this.log(m, "error", detail, { error_code: code }),
    };
  }

  private outcome(m: ClaimedMessage, send_state: Outcome["send_state"], o: Partial<Outcome>): Outcome {
    return {
      id: m.id,
      send_state,
      attempts: o.attempts ?? m.attempts,
      next_attempt_at: o.next_attempt_at ?? null,
      queue_id: o.queue_id ?? null,
      sent_at: o.sent_at ?? null,
      raw_mime: o.raw_mime ?? null,
      mime_date: o.mime_date ?? null,
      mime_sha256: o.mime_sha256 ?? null,
      status: null,
    };
  }

  private event(
    m: ClaimedMessage,
    type: NewMessageEvent["type"],
    source: string,
    detail: string,
    extra: Partial<NewMessageEvent> = {},
  ): NewMessageEvent {
    return {
      message_id: m.id,
      workspace_id: m.workspace_id,
      type,
      source,
      detail,
      at: this.rt.now(),
      ...extra,
    };
  }

  private log(
    m: ClaimedMessage,
    severity: EventLogInput["severity"],
    detail: string,
    data: unknown,
  ): EventLogInput {
    return {
      workspaceId: m.workspace_id,
      severity,
      process: PROCESS,
      trigger: "process",
      recordKind: "message",
      recordId: m.id,
      detail,
      data,
    };
  }

  /** One transaction per batch: events (and the derived statuses), work state, event log. Retried, because
   * the messages were sent: losing the record would turn known outcomes into unknown ones. */
  private async record(results: Result[]) {
    const groupId = newId("run");
    for (let attempt = 1; ; attempt++) {
      try {
        await this.rt.db.transaction().execute(async (tx) => {
          const now = this.rt.now();
          const pglite = this.rt.dbKind === "pglite";
          // Every statement below names its messages by id: key lookups, whatever the statistics say (PGlite
          // has none for its first minute; PostgreSQL's autovacuum keeps them, and its plans are unchanged).
          // For the whole transaction, as each of its statements gains or keeps its plan (EXPLAIN at 4,000 and
          // 12,000 messages: the row locks, the events insert, the webhook insert with an endpoint subscribed,
          // the deciding events of ties, the event log and the outcome); plans.test.ts pins them all.
          if (pglite) await planForKeyLookups(tx);
          // One row version per message: the derived status goes into the same UPDATE as the work state.
          const { statuses } = await appendEventsForUpdate(
            tx,
            results.flatMap((r) => r.events),
            now,
            { rowLocks: rowLocksMatter(this.rt.dbKind) },
          );
          await recordOutcomes(
            tx,
            this.owner,
            results.map((r) => ({ ...r.outcome, status: statuses.get(r.outcome.id) ?? null })),
            now,
            { mimeAsBase64: pglite, keyLookups: pglite },
          );
          const logs = results.flatMap((r) => (r.log ? [{ ...r.log, groupId }] : []));
          if (logs.length) await logEvents(tx, logs, now);
        });
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
        this.rt.log.warn({ err, attempt }, "sending worker: recording outcomes failed; retrying");
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  // ------------------------------------------------------------ crash safety

  /** Messages whose lease ran out while `sending`: a worker died during the SMTP transaction. */
  async reapExpiredLeases(): Promise<number> {
    const now = this.rt.now();
    return this.rt.db.transaction().execute(async (tx) => {
      const rows = await markExpiredLeasesUnknown(tx, now);
      if (rows.length === 0) return 0;
      const detail = "The worker stopped during the SMTP transaction; not resent automatically";
      await appendEvents(
        tx,
        rows.map((r) => unknownOutcomeEvent({ ...r, message_id: r.id }, this.owner, now)),
        now,
      );
      await logEvents(
        tx,
        rows.map((r) => ({
          workspaceId: r.workspace_id,
          severity: "error" as const,
          process: PROCESS,
          trigger: "process" as const,
          recordKind: "message",
          recordId: r.id,
          detail: `${detail}. Check the recipient's mailbox or the relay's log, then resend deliberately if needed (POST /v1/messages/${r.id}/resend).`,
          data: { lease_owner: r.lease_owner },
        })),
        now,
      );
      return rows.length;
    });
  }
}

/** The worker-role factory (src/workers.ts). */
export function startSendingWorker(rt: Runtime): WorkerHandle {
  return new SendingWorker(rt).start();
}
