// Per-transport throttling held in the database, so it holds across any number of processes (DESIGN §3.6,
// seed 004 "Warten auf Fortsetzung"): a message budget per fixed time window (transports.rate_limit per
// rate_window_seconds), counted atomically, and a maximum of concurrent SMTP transactions
// (transports.max_concurrency) as leased slots. Campaigns and the transactional worker draw on the same
// budget. A transport without limits costs no database round trip.
import { type Kysely, sql } from "kysely";
import type { DB } from "../db/schema.js";

type Db = Kysely<DB>;

export interface TransportLimits {
  id: string;
  rate_limit: number | null;
  rate_window_seconds: number | null;
  max_concurrency: number | null;
}

export interface Reservation {
  /** How many messages may go now (0 … wanted). */
  granted: number;
  /** The window the grant was taken from (to give back what was not used). */
  windowStart: Date | null;
  /** When the next window opens, if this one could not grant everything asked for. */
  resumeAt: Date | null;
}

export function isRateLimited(t: TransportLimits | null | undefined): t is TransportLimits & {
  rate_limit: number;
  rate_window_seconds: number;
} {
  return !!t && t.rate_limit !== null && t.rate_limit > 0 && !!t.rate_window_seconds;
}

/** The fixed window `now` falls in: windows start at multiples of their length since the epoch. */
export function windowOf(now: Date, seconds: number): { start: Date; end: Date } {
  const ms = seconds * 1000;
  const start = Math.floor(now.getTime() / ms) * ms;
  return { start: new Date(start), end: new Date(start + ms) };
}

/**
 * Takes up to `wanted` messages from the transport's current window. The grant is computed from the row
 * locked FOR UPDATE, so two processes asking at once never together exceed the limit.
 */
export async function reserveSends(
  db: Db,
  t: TransportLimits | null,
  wanted: number,
  now: Date,
): Promise<Reservation> {
  if (!isRateLimited(t) || wanted <= 0) return { granted: wanted, windowStart: null, resumeAt: null };
  const { start, end } = windowOf(now, t.rate_window_seconds);
  const created = await sql`
    insert into transport_windows (transport_id, window_start, used) values (${t.id}, ${start}, 0)
    on conflict do nothing returning used`.execute(db);
  if (created.rows.length > 0) {
    // A new window began: the older ones have no use any more.
    await sql`delete from transport_windows where transport_id = ${t.id} and window_start < ${start}`.execute(
      db,
    );
  }
  const r = await sql<{ n: number }>`
    update transport_windows w set used = w.used + g.n
      from (select least(${wanted}::int, ${t.rate_limit}::int - used) as n from transport_windows
             where transport_id = ${t.id} and window_start = ${start} for update) g
     where w.transport_id = ${t.id} and w.window_start = ${start} and g.n > 0
     returning g.n`.execute(db);
  const granted = Number(r.rows[0]?.n ?? 0);
  return { granted, windowStart: start, resumeAt: granted < wanted ? end : null };
}

/** Gives back what a reservation did not use (fewer recipients were due than reserved). */
export async function releaseSends(
  db: Db,
  t: TransportLimits | null,
  windowStart: Date | null,
  unused: number,
) {
  if (!isRateLimited(t) || windowStart === null || unused <= 0) return;
  await sql`
    update transport_windows set used = greatest(used - ${unused}::int, 0)
     where transport_id = ${t.id} and window_start = ${windowStart}`.execute(db);
}

/** Messages counted in the transport's current window (for progress and tests). */
export async function usedInWindow(db: Db, t: TransportLimits, now: Date): Promise<number> {
  if (!isRateLimited(t)) return 0;
  const { start } = windowOf(now, t.rate_window_seconds);
  const r = await sql<{ used: number }>`
    select used from transport_windows where transport_id = ${t.id} and window_start = ${start}`.execute(db);
  return Number(r.rows[0]?.used ?? 0);
}

/**
 * Claims up to `wanted` concurrency slots of the transport for `owner` until `leaseUntil`; returns how many
 * it got (0 when other processes hold all of them). Slots of a process that died expire with its lease.
 */
export async function acquireSlots(
  db: Db,
  t: TransportLimits | null,
  owner: string,
  wanted: number,
  now: Date,
  leaseUntil: Date,
): Promise<number> {
  if (!t || t.max_concurrency === null || t.max_concurrency <= 0) return wanted;
  const max = t.max_concurrency;
  return db.transaction().execute(async (tx) => {
    // Serialises the acquirers of one transport; NO KEY UPDATE leaves foreign-key checks unblocked.
    await sql`select id from transports where id = ${t.id} for no key update`.execute(tx);
    const held = await sql<{ n: number }>`
      select coalesce(sum(slots), 0)::int as n from transport_slots
       where transport_id = ${t.id} and owner <> ${owner} and lease_until > ${now}`.execute(tx);
    const granted = Math.max(0, Math.min(wanted, max - Number(held.rows[0]?.n ?? 0)));
    if (granted === 0) return 0;
    await sql`
      insert into transport_slots (transport_id, owner, slots, lease_until) values (${t.id}, ${owner}, ${granted}, ${leaseUntil})
      on conflict (transport_id, owner) do update set slots = excluded.slots, lease_until = excluded.lease_until`.execute(
      tx,
    );
    return granted;
  });
}

export async function releaseSlots(db: Db, t: TransportLimits | null, owner: string) {
  if (!t || t.max_concurrency === null) return;
  await sql`delete from transport_slots where transport_id = ${t.id} and owner = ${owner}`.execute(db);
}

/**
 * For a batch of messages over several transports: which may go now, and when the others may. One
 * reservation per rate-limited transport; messages beyond its grant wait for the next window.
 */
export async function admitByRateLimit<M extends { id: string; transport_id: string | null }>(
  db: Db,
  messages: M[],
  transports: Map<string, TransportLimits>,
  now: Date,
): Promise<{ admitted: M[]; waiting: Map<string, Date> }> {
  const byTransport = new Map<string, M[]>();
  const admitted: M[] = [];
  for (const m of messages) {
    const t = m.transport_id ? transports.get(m.transport_id) : undefined;
    if (!isRateLimited(t)) {
      admitted.push(m);
      continue;
    }
    byTransport.set(t.id, [...(byTransport.get(t.id) ?? []), m]);
  }
  const waiting = new Map<string, Date>();
  for (const [id, list] of byTransport) {
    const r = await reserveSends(db, transports.get(id)!, list.length, now);
    admitted.push(...list.slice(0, r.granted));
    for (const m of list.slice(r.granted)) waiting.set(m.id, r.resumeAt ?? now);
  }
  return { admitted, waiting };
}
