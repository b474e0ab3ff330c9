// The hook worker: its own loop, separate from sending, so a slow or dead endpoint never slows mail. Due
// deliveries are claimed with FOR UPDATE SKIP LOCKED and a lease; each runs in its own slot (bounded
// concurrency) with a 10 s timeout, so a hanging endpoint occupies one slot and nothing else.
import type { Runtime } from "../runtime.js";
import type { WorkerHandle } from "../workers.js";
import { ATTEMPT_TIMEOUT_MS, deliveryBody, MAX_ATTEMPTS, nextAttemptAt, signatureHeader } from "./events.js";
import {
  type AttemptResult,
  type ClaimedDelivery,
  claimDueDeliveries,
  deleteFinishedDeliveries,
  recordAttempt,
} from "./store.js";

const BODY_EXCERPT = 2000;
/** Succeeded and failed deliveries are kept this long, then deleted (pending ones never). */
export const KEEP_FINISHED_DAYS = 30;
const PURGE_EVERY_MS = 3600_000;

export interface HookWorkerOptions {
  /** Deliveries in flight at once. */
  concurrency?: number;
  pollMs?: number;
  timeoutMs?: number;
}

export class HookWorker {
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private nextPurge = 0;

  constructor(
    private readonly rt: Runtime,
    opts: HookWorkerOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 4;
    this.pollMs = opts.pollMs ?? 1000;
    this.timeoutMs = opts.timeoutMs ?? ATTEMPT_TIMEOUT_MS;
  }

  start(): WorkerHandle {
    this.running = this.run();
    return this;
  }

  /** Claims again as soon as a slot frees up while there is work; polls every pollMs when there is none. */
  private async run(): Promise<void> {
    while (!this.stopped) {
      let claimed = 0;
      try {
        if (Date.now() >= this.nextPurge) {
          this.nextPurge = Date.now() + PURGE_EVERY_MS;
          await this.purge();
        }
        claimed = await this.tick();
      } catch (err) {
        this.rt.log.error({ err }, "hook worker: claiming deliveries failed");
      }
      if (this.stopped) break;
      if (this.inFlight.size >= this.concurrency)
        await Promise.race([...this.inFlight.values()].map((f) => f.done));
      else if (claimed === 0) await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, this.pollMs);
    });
  }

  /** Stops claiming and aborts what is in flight (an aborted attempt is recorded and retried later). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    for (const f of this.inFlight.values()) f.abort.abort();
    await this.running;
    await Promise.all([...this.inFlight.values()].map((f) => f.done));
  }

  /** Fills the free slots with due deliveries; returns how many were started. */
  async tick(): Promise<number> {
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    const lease = Math.ceil(this.timeoutMs / 1000) + 60;
    const claimed = await claimDueDeliveries(this.rt.db, this.rt.now(), free, lease);
    for (const d of claimed) this.launch(d);
    return claimed.length;
  }

  /** Deletes finished deliveries older than KEEP_FINISHED_DAYS, in bounded chunks. */
  async purge(): Promise<number> {
    const before = new Date(this.rt.now().getTime() - KEEP_FINISHED_DAYS * 86400_000);
    let total = 0;
    for (;;) {
      const n = await deleteFinishedDeliveries(this.rt.db, before, 1000);
      total += n;
      if (n < 1000) return total;
    }
  }

  /** Sends everything due now and waits for it (tests and the CLI). */
  async drain(): Promise<number> {
    let n = 0;
    for (;;) {
      const started = await this.tick();
      n += started;
      if (this.inFlight.size === 0 && started === 0) return n;
      await Promise.race([...this.inFlight.values()].map((f) => f.done));
    }
  }

  private launch(d: ClaimedDelivery) {
    const abort = new AbortController();
    // Claimed while stopping: record the attempt as aborted at once instead of holding the lease.
    if (this.stopped) abort.abort();
    const done = this.deliver(d, abort.signal)
      .catch((err) => this.rt.log.error({ err, delivery: d.id }, "hook worker: recording an attempt failed"))
      .finally(() => this.inFlight.delete(d.id));
    this.inFlight.set(d.id, { abort, done });
  }

  private async deliver(d: ClaimedDelivery, stop: AbortSignal): Promise<void> {
    const body = deliveryBody(d);
    const started = Date.now();
    const at = this.rt.now();
    let response: { status: number; body: string } | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(d.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Poststelle-Webhooks/1",
          "poststelle-signature": signatureHeader(d.secret, body, at),
          "poststelle-event": d.event_type,
          "poststelle-delivery": d.id,
        },
        body,
        redirect: "manual",
        signal: AbortSignal.any([stop, AbortSignal.timeout(this.timeoutMs)]),
      });
      response = { status: res.status, body: (await res.text()).slice(0, BODY_EXCERPT) };
    } catch (err) {
      error = describe(err, this.timeoutMs);
    }
    await recordAttempt(this.rt.db, d.id, this.outcome(d, at, response, error, Date.now() - started));
  }

  private outcome(
    d: ClaimedDelivery,
    at: Date,
    response: { status: number; body: string } | null,
    error: string | null,
    duration: number,
  ): AttemptResult {
    const attempts = d.attempts + 1;
    const ok = response !== null && response.status >= 200 && response.status < 300;
    const next = ok ? null : nextAttemptAt(attempts, this.rt.now());
    return {
      status: ok ? "succeeded" : next ? "pending" : "failed",
      attempts,
      next_attempt_at: next,
      at,
      response_status: response?.status ?? null,
      response_body: response?.body ?? null,
      error:
        error ??
        (ok ? null : `HTTP ${response?.status}${attempts >= MAX_ATTEMPTS ? ", no attempts left" : ""}`),
      duration_ms: duration,
    };
  }
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError") return `no answer within ${timeoutMs / 1000} s`;
  if (e.name === "AbortError") return "attempt aborted (worker stopped); will be retried";
  return e.cause?.code ? `${e.cause.code}: ${e.cause.message ?? e.message}` : e.message;
}

/** The worker-role factory (src/workers.ts). */
export function startHookWorker(rt: Runtime): WorkerHandle {
  return new HookWorker(rt).start();
}
