// A token bucket per client IP for the public form POSTs (sign-up, confirmation). Kept in memory, per
// process: it only has to slow down a script hammering one instance, and losing it on restart costs nothing.
// (With several API processes each allows its own share; a shared limit would need the database.)

export interface BucketOptions {
  /** Requests allowed in a burst. */
  capacity: number;
  /** Requests regained per second. */
  refillPerSecond: number;
  /** Buckets kept at most; full (idle) ones are dropped first when the map grows past this. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly opts: BucketOptions) {}

  private level(b: Bucket, now: number): number {
    return Math.min(this.opts.capacity, b.tokens + ((now - b.at) / 1000) * this.opts.refillPerSecond);
  }

  /** Takes one token for `key`; false (and seconds until the next token) when the bucket is empty. */
  take(key: string, now: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const b = this.buckets.get(key) ?? { tokens: this.opts.capacity, at: now };
    const tokens = this.level(b, now);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return { ok: false, retryAfterSeconds: Math.ceil((1 - tokens) / this.opts.refillPerSecond) };
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > (this.opts.maxKeys ?? 10_000)) this.prune(now);
    return { ok: true };
  }

  /** Drops buckets that have refilled completely (they hold no information), then, if a flood of
   * addresses still overfills the map, the oldest ones: memory stays bounded whatever arrives. */
  private prune(now: number) {
    const max = this.opts.maxKeys ?? 10_000;
    for (const [k, b] of this.buckets) {
      if (this.level(b, now) >= this.opts.capacity) this.buckets.delete(k);
    }
    for (const k of this.buckets.keys()) {
      if (this.buckets.size <= max) break;
      this.buckets.delete(k);
    }
  }
}
