// Named prepared statements on PostgreSQL for the few long statements of the sending path.
//
// Kysely's pg driver sends every statement unnamed, so the server parses, analyses and plans it again at
// each execution. For the campaign outcome statement (five CTEs, ~5 KB of SQL) that was ~3 ms of planning
// per group of 100 messages, about as much as writing them. A statement whose text starts with
// PREPARED_MARK (see `prepared`) is sent under a name derived from its text instead: each connection
// parses it once, and after five executions the server may keep one generic plan (plan_cache_mode auto).
// Other statements are passed through untouched. PGlite ignores the mark: it is an SQL comment. A statement
// marked with PGLITE_PREPARED_MARK as well (prepared(…, { pglite: true })) is kept prepared by PGlite's wire
// path (pglite-wire.ts) under the same name; with { postgres: false } only there.
import { createHash } from "node:crypto";
import { type RawBuilder, sql } from "kysely";
import type pg from "pg";

export const PREPARED_MARK = "/* prepared */ ";

/** Marks a statement to be kept prepared on PGlite (src/db/pglite-wire.ts); PostgreSQL's pool ignores it. */
export const PGLITE_PREPARED_MARK = "/* prepared on pglite */ ";

/**
 * Marks a statement whose results PGlite's wire path asks in binary form (pglite-wire.ts): for reads that
 * answer a few columns of large arrays (one per column of thousands of rows), which the server sends as
 * each element's length and bytes and the wire path reads in place — no text form of each value to make
 * there and to parse here. Every column's type must be one the wire path reads in binary. PostgreSQL's
 * pool ignores it (an SQL comment).
 */
export const PGLITE_BINARY_MARK = "/* binary results on pglite */ ";

/** Whether PGlite's wire path asks this statement's results in binary form: PGLITE_BINARY_MARK after any
 * prepared marks (binaryOnPglite inside prepared). */
export function binaryOnPglite(text: string): boolean {
  let at = text.startsWith(PREPARED_MARK) ? PREPARED_MARK.length : 0;
  if (text.startsWith(PGLITE_PREPARED_MARK, at)) at += PGLITE_PREPARED_MARK.length;
  return text.startsWith(PGLITE_BINARY_MARK, at);
}

/** A statement whose results PGlite's wire path reads in binary form (PGLITE_BINARY_MARK). */
export function binaryResultsOnPglite<T>(statement: RawBuilder<T>): RawBuilder<T> {
  return sql<T>`${sql.raw(PGLITE_BINARY_MARK)}${statement}`;
}

/** Whether PGlite keeps this statement prepared: PGLITE_PREPARED_MARK at its start, or right after PREPARED_MARK. */
export function preparedOnPglite(text: string): boolean {
  return text.startsWith(PGLITE_PREPARED_MARK, text.startsWith(PREPARED_MARK) ? PREPARED_MARK.length : 0);
}

/** Marks a statement to be kept prepared per connection: on PostgreSQL unless `postgres` is false, on PGlite
 * when `pglite` is true. Its text must not embed values that vary from call to call (those go as
 * parameters), or every call would prepare a new statement. On PGlite it is opt-in per statement: a kept
 * statement is parsed and described once instead of at every call, and after five calls the server may plan
 * it once for good (a generic plan, plan_cache_mode auto), which changes the plans of the statements that
 * opt in. */
export function prepared<T>(
  statement: RawBuilder<T>,
  opts: { pglite?: boolean; postgres?: boolean } = {},
): RawBuilder<T> {
  const mark = `${opts.postgres === false ? "" : PREPARED_MARK}${opts.pglite ? PGLITE_PREPARED_MARK : ""}`;
  return sql<T>`${sql.raw(mark)}${statement}`;
}

/** A statement a worker runs every poll interval whether or not there is work (the campaign worker's
 * housekeeping and its look for due recipients): kept prepared on PGlite, where each call was parsed,
 * analysed and planned again in the one thread that also serves the API and sends transactional mail
 * (~2.8 ms of CPU per idle round of six such statements). PostgreSQL is left as it was. */
export function idlePoll<T>(statement: RawBuilder<T>): RawBuilder<T> {
  return prepared(statement, { pglite: true, postgres: false });
}

/** Statements kept per connection at most; beyond that a marked statement runs unnamed (a connection's
 * prepared statements live as long as it does). */
export const PER_CONNECTION = 64;
const names = new Map<string, string>();

/** The name a marked statement is kept under: derived from its text, the same on every connection. */
export function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `ps_${createHash("sha1").update(text).digest("base64url")}`;
    if (names.size >= 4 * PER_CONNECTION) names.clear();
    names.set(text, name);
  }
  return name;
}

type Query = pg.PoolClient["query"];

/** The pool as Kysely's PostgresDialect sees it, with marked statements sent as named ones. */
export function preparingPool(pool: pg.Pool) {
  const wrapped = new WeakMap<pg.PoolClient, pg.PoolClient>();
  const wrap = (client: pg.PoolClient): pg.PoolClient => {
    const known = wrapped.get(client);
    if (known) return known;
    const kept = new Set<string>();
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    const proxy = Object.create(client) as pg.PoolClient;
    proxy.query = ((text: unknown, values?: unknown) => {
      if (typeof text !== "string" || !text.startsWith(PREPARED_MARK)) return query(text, values);
      const name = nameOf(text);
      if (!kept.has(name)) {
        if (kept.size >= PER_CONNECTION) return query(text, values);
        kept.add(name);
      }
      return query({ name, text, values });
    }) as Query;
    proxy.release = (err?: Error | boolean) => client.release(err);
    wrapped.set(client, proxy);
    return proxy;
  };
  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
