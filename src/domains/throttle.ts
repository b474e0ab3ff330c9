// Per-sender-domain rate limits (DESIGN §3.6: "per transport and per sender domain", held in the database):
// at most rate_limit messages from the domain per fixed window of rate_window_seconds, whatever transport
// and whichever process sends them. Counted exactly like the transports' windows (delivery/throttle.ts):
// the grant is computed from the window's row locked FOR UPDATE, so two processes asking at once never
// together exceed the limit. A domain without a limit costs no database round trip.
import { type Kysely, sql } from "kysely";
import type { DB } from "../db/schema.js";
import { type Reservation, windowOf } from "../delivery/throttle.js";
import { domainOf } from "../util/email.js";

type Db = Kysely<DB>;

export interface DomainLimits {
  id: string;
  domain: string;
  rate_limit: number | null;
  rate_window_seconds: number | null;
}

export function isDomainLimited(d: DomainLimits | null | undefined): d is DomainLimits & {
  rate_limit: number;
  rate_window_seconds: number;
} {
  return !!d && d.rate_limit !== null && d.rate_limit > 0 && !!d.rate_window_seconds;
}

/** Takes up to `wanted` messages from the domain's current window. */
export async function reserveDomainSends(
  db: Db,
  d: DomainLimits | null,
  wanted: number,
  now: Date,
): Promise<Reservation> {
  if (!isDomainLimited(d) || wanted <= 0) return { granted: wanted, windowStart: null, resumeAt: null };
  const { start, end } = windowOf(now, d.rate_window_seconds);
  const created = await sql`
    insert into sender_domain_windows (sender_domain_id, window_start, used) values (${d.id}, ${start}, 0)
    on conflict do nothing returning used`.execute(db);
  if (created.rows.length > 0) {
    await sql`
      delete from sender_domain_windows where sender_domain_id = ${d.id} and window_start < ${start}`.execute(
      db,
    );
  }
  const r = await sql<{ n: number }>`
    update sender_domain_windows w set used = w.used + g.n
      from (select least(${wanted}::int, ${d.rate_limit}::int - used) as n from sender_domain_windows
             where sender_domain_id = ${d.id} and window_start = ${start} for update) g
     where w.sender_domain_id = ${d.id} and w.window_start = ${start} and g.n > 0
     returning g.n`.execute(db);
  const granted = Number(r.rows[0]?.n ?? 0);
  return { granted, windowStart: start, resumeAt: granted < wanted ? end : null };
}

/** Gives back what a reservation did not use (another limit granted fewer). */
export async function releaseDomainSends(
  db: Db,
  d: DomainLimits | null,
  windowStart: Date | null,
  unused: number,
) {
  if (!isDomainLimited(d) || windowStart === null || unused <= 0) return;
  await sql`
    update sender_domain_windows set used = greatest(used - ${unused}::int, 0)
     where sender_domain_id = ${d.id} and window_start = ${windowStart}`.execute(db);
}

/** Messages counted in the domain's current window (for the API and tests). */
export async function usedInDomainWindow(db: Db, d: DomainLimits, now: Date): Promise<number> {
  if (!isDomainLimited(d)) return 0;
  const { start } = windowOf(now, d.rate_window_seconds);
  const r = await sql<{ used: number }>`
    select used from sender_domain_windows where sender_domain_id = ${d.id} and window_start = ${start}`.execute(
    db,
  );
  return Number(r.rows[0]?.used ?? 0);
}

/**
 * The transactional worker's side of the sender-domain limits (campaigns reserve per run, in
 * campaigns/worker.ts): of a claimed batch, which messages the limits of their sender domains let go now,
 * and when the others may. One query finds the limited domains among the batch's `from` domains (none
 * limited: nothing more happens), then one reservation per limited domain; what is beyond its grant waits
 * for the next window. `giveBack` returns the budget of admitted messages another limit then held back.
 */
export async function admitByDomainLimit<
  M extends { id: string; workspace_id: string; from_address: string },
>(
  db: Db,
  messages: M[],
  now: Date,
): Promise<{
  admitted: M[];
  waiting: Map<string, Date>;
  giveBack: (heldIds: Iterable<string>) => Promise<void>;
}> {
  const waiting = new Map<string, Date>();
  const taken: Array<{ d: DomainLimits; windowStart: Date | null; ids: Set<string> }> = [];
  const giveBack = async (heldIds: Iterable<string>) => {
    const held = new Set(heldIds);
    for (const t of taken) {
      const unused = [...t.ids].filter((id) => held.has(id)).length;
      await releaseDomainSends(db, t.d, t.windowStart, unused);
    }
  };
  if (messages.length === 0) return { admitted: messages, waiting, giveBack };
  const key = (workspaceId: string, domain: string) => `${workspaceId} ${domain}`;
  const limited = await sql<DomainLimits & { workspace_id: string }>`
    select id, workspace_id, domain, rate_limit, rate_window_seconds from sender_domains
     where rate_limit is not null
       and (workspace_id, domain) in (select * from unnest(${messages.map((m) => m.workspace_id)}::text[],
                                                            ${messages.map((m) => domainOf(m.from_address))}::text[]))`.execute(
    db,
  );
  if (limited.rows.length === 0) return { admitted: messages, waiting, giveBack };
  const domains = new Map(limited.rows.map((d) => [key(d.workspace_id, d.domain), d]));
  const byDomain = new Map<string, M[]>();
  const admitted: M[] = [];
  for (const m of messages) {
    const d = domains.get(key(m.workspace_id, domainOf(m.from_address)));
    if (!d) admitted.push(m);
    else byDomain.set(d.id, [...(byDomain.get(d.id) ?? []), m]);
  }
  for (const d of domains.values()) {
    const list = byDomain.get(d.id) ?? [];
    const r = await reserveDomainSends(db, d, list.length, now);
    const granted = list.slice(0, r.granted);
    admitted.push(...granted);
    taken.push({ d, windowStart: r.windowStart, ids: new Set(granted.map((m) => m.id)) });
    for (const m of list.slice(r.granted)) waiting.set(m.id, r.resumeAt ?? now);
  }
  return { admitted, waiting, giveBack };
}
