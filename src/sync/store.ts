// The SQL of the sync engine that is more than a one-line lookup: reading a chunk of fetched members with
// what Poststelle knows of them, and writing the sync state of many subscriptions at once.
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { EventLogInput } from "../audit/service.js";
import { pgliteConnectionOf } from "../db/pglite-dialect.js";
import { binaryResultsOnPglite, prepared } from "../db/prepared.js";
import type { DB, SubscriptionStatus } from "../db/schema.js";
import { newId } from "../util/ids.js";

type Db = Kysely<DB>;

/** A subscription of the list with its contact and its last sync state. */
export interface KnownSubscription {
  sub_id: string;
  contact_id: string;
  status: SubscriptionStatus;
  status_set_at: Date;
  first_name: string | null;
  last_name: string | null;
  letter_salutation: string | null;
  emails: string[];
  /** the keys of `emails`, in the same order (contacts.email_keys) */
  email_keys: string[] | null;
  remote_id: string | null;
  remote_email: string | null;
  result_run_id: string | null;
  /** the sync state as the last fetch left it (read with a linked member only) */
  stored?: StoredSyncState | null;
  /** null when the subscription has no sync state yet (found by address); a linked one always has one */
  has_sync_state?: boolean | null;
}

/** What a linked subscription's sync state holds, to tell whether a fetch changes it at all. */
export interface StoredSyncState {
  remote_id: string | null;
  remote_email: string | null;
  remote_status: string | null;
  remote_status_at: Date | null;
  remote_first_name: string | null;
  remote_last_name: string | null;
  remote_salutation: string | null;
  result: string | null;
  /** no detail (conflicts, warnings, notes) and no task */
  plain: boolean;
}

/** A contact holding one of the fetched addresses, with its subscription on the list if it has one. */
export interface ContactByKey {
  email_key: string;
  contact_id: string;
  first_name: string | null;
  last_name: string | null;
  letter_salutation: string | null;
  emails: string[];
  email_keys: string[] | null;
  sub_id: string | null;
  status: SubscriptionStatus | null;
  status_set_at: Date | null;
  remote_id: string | null;
  remote_email: string | null;
  result_run_id: string | null;
  /** true when the subscription has a sync state, null when not (or no subscription) */
  has_sync_state: boolean | null;
}

/** A fetched member with the subscriptions its remote id was linked to at earlier fetches (normally one). */
export interface StagedMember {
  email_key: string;
  remote_id: string;
  email: string;
  status: string;
  status_changed_at: Date | null;
  first_name: string | null;
  last_name: string | null;
  salutation: string | null;
  /** the address is on the workspace's blocklist */
  blocked: boolean;
  linked: KnownSubscription[];
}

interface StagedRow extends Omit<StagedMember, "linked"> {
  sub_id: string | null;
  contact_id: string | null;
  sub_status: SubscriptionStatus | null;
  status_set_at: Date | null;
  c_first_name: string | null;
  c_last_name: string | null;
  letter_salutation: string | null;
  emails: string[] | null;
  email_keys: string[] | null;
  known_remote_id: string | null;
  remote_email: string | null;
  result_run_id: string | null;
  known_remote_status: string | null;
  known_remote_status_at: Date | null;
  known_first_name: string | null;
  known_last_name: string | null;
  known_salutation: string | null;
  known_result: string | null;
  plain: boolean;
}

/** A time read from JSON (its ISO text) or from a column (already a Date). */
const timeOf = (v: Date | string | null): Date | null => (v === null || v instanceof Date ? v : new Date(v));

/**
 * The rows of a read as ONE JSON document of positional arrays, one per row (`json_build_array` of the
 * columns, in this order): a driver parses one value per chunk instead of 5,000 rows of 30 columns one by
 * one (on PGlite that took as long as running the query), and without a key per value the document is
 * about half as long: PGlite built and parsed it in 57 instead of 82 ms per 5,000 rows of 28 columns
 * (json_agg of the whole rows). `columnIndex` gives each column's position in a row by its name.
 */
function jsonRows(columns: readonly string[], alias: string, orderBy: ReturnType<typeof sql>) {
  const cells = sql.join(columns.map((c) => sql.ref(`${alias}.${c}`)));
  return sql`coalesce(json_agg(json_build_array(${cells}) order by ${orderBy}), '[]')`;
}

/** The columns of a staged row (StagedRow), in the order stagedChunk sends them. */
const STAGED_ROW: readonly (keyof StagedRow)[] = [
  "email_key",
  "remote_id",
  "email",
  "status",
  "status_changed_at",
  "first_name",
  "last_name",
  "salutation",
  "blocked",
  "sub_id",
  "contact_id",
  "sub_status",
  "status_set_at",
  "c_first_name",
  "c_last_name",
  "letter_salutation",
  "emails",
  "email_keys",
  "known_remote_id",
  "remote_email",
  "result_run_id",
  "known_remote_status",
  "known_remote_status_at",
  "known_first_name",
  "known_last_name",
  "known_salutation",
  "known_result",
  "plain",
];

/** The member's own columns lead STAGED_ROW; a row of only these has no linked subscription. */
const OWN_COLUMNS = 9;

/** The columns of a ContactByKey, in the order contactsByKeys sends them. */
const CONTACT_BY_KEY: readonly (keyof ContactByKey)[] = [
  "email_key",
  "contact_id",
  "first_name",
  "last_name",
  "letter_salutation",
  "emails",
  "email_keys",
  "sub_id",
  "status",
  "status_set_at",
  "remote_id",
  "remote_email",
  "result_run_id",
  "has_sync_state",
];

/** Each column's position in a row of `columns` (jsonRows), by its name. */
function columnIndex<K extends string>(columns: readonly K[]): Record<K, number> {
  return Object.fromEntries(columns.map((c, i) => [c, i])) as Record<K, number>;
}

const S = columnIndex(STAGED_ROW);
const K = columnIndex(CONTACT_BY_KEY);

/*
 * The readers below build each object as one literal from its row's cells. A generic reader assigning
 * 28 properties by computed name made every row a dictionary-mode object (V8 gives up on fast properties
 * after a dozen keyed stores), slow to make and to read, and three more objects per member on the way
 * (row, row with its times, member) — garbage the first fetch made 100,000 times.
 */

/** A staged row's linked subscription, or null when it has none (the LEFT JOIN found nothing). */
function linkedOf(a: unknown[]): KnownSubscription | null {
  const sub_id = a[S.sub_id] as string | null;
  const contact_id = a[S.contact_id] as string | null;
  const status = a[S.sub_status] as SubscriptionStatus | null;
  const status_set_at = timeOf(a[S.status_set_at] as string | null);
  if (!sub_id || !contact_id || !status || !status_set_at) return null;
  const remote_id = a[S.known_remote_id] as string | null;
  const remote_email = a[S.remote_email] as string | null;
  return {
    sub_id,
    contact_id,
    status,
    status_set_at,
    first_name: a[S.c_first_name] as string | null,
    last_name: a[S.c_last_name] as string | null,
    letter_salutation: a[S.letter_salutation] as string | null,
    emails: (a[S.emails] as string[] | null) ?? [],
    email_keys: a[S.email_keys] as string[] | null,
    remote_id,
    remote_email,
    result_run_id: a[S.result_run_id] as string | null,
    has_sync_state: true,
    stored: {
      remote_id,
      remote_email,
      remote_status: a[S.known_remote_status] as string | null,
      remote_status_at: timeOf(a[S.known_remote_status_at] as string | null),
      remote_first_name: a[S.known_first_name] as string | null,
      remote_last_name: a[S.known_last_name] as string | null,
      remote_salutation: a[S.known_salutation] as string | null,
      result: a[S.known_result] as string | null,
      plain: a[S.plain] as boolean,
    },
  };
}

/** One member per key from the staged rows (one per linked subscription, a member's rows together). */
function stagedMembersOf(rows: unknown[][]): StagedMember[] {
  const out: StagedMember[] = [];
  for (const a of rows) {
    const last = out[out.length - 1];
    const linked = linkedOf(a);
    const email_key = a[S.email_key] as string;
    if (last && last.email_key === email_key) {
      if (linked) last.linked.push(linked);
      continue;
    }
    out.push({
      email_key,
      remote_id: a[S.remote_id] as string,
      email: a[S.email] as string,
      status: a[S.status] as string,
      status_changed_at: timeOf(a[S.status_changed_at] as string | null),
      first_name: a[S.first_name] as string | null,
      last_name: a[S.last_name] as string | null,
      salutation: a[S.salutation] as string | null,
      blocked: a[S.blocked] as boolean,
      linked: linked ? [linked] : [],
    });
  }
  return out;
}

/** The contacts by key as contactsByKeys reads them. */
function contactsOf(rows: unknown[][]): ContactByKey[] {
  const out: ContactByKey[] = [];
  for (const a of rows) {
    out.push({
      email_key: a[K.email_key] as string,
      contact_id: a[K.contact_id] as string,
      first_name: a[K.first_name] as string | null,
      last_name: a[K.last_name] as string | null,
      letter_salutation: a[K.letter_salutation] as string | null,
      emails: a[K.emails] as string[],
      email_keys: a[K.email_keys] as string[] | null,
      sub_id: a[K.sub_id] as string | null,
      status: a[K.status] as SubscriptionStatus | null,
      status_set_at: timeOf(a[K.status_set_at] as string | null),
      remote_id: a[K.remote_id] as string | null,
      remote_email: a[K.remote_email] as string | null,
      result_run_id: a[K.result_run_id] as string | null,
      has_sync_state: a[K.has_sync_state] as boolean | null,
    });
  }
  return out;
}

/**
 * The two reads of every chunk (stagedChunk, contactsByKeys) are kept prepared on PGlite: parsed and
 * analysed once instead of per chunk, and once the server settles on a generic plan (after five
 * executions, plan_cache_mode auto; again after a table they read is analysed) planned once too —
 * 6.5 ms of planning each per chunk of 5,000 in EXPLAIN (session 13), ~0.26 s of a first fetch of 100,000. Every probe in them is pinned by LATERAL …
 * OFFSET 0, so the generic plan is the same walk (src/sync/store.test.ts EXPLAINs it). PostgreSQL keeps
 * planning each: its pool's connections are many and the statements few per fetch.
 */
const keptOnPglite = <T>(statement: RawBuilder<T>) => prepared(statement, { pglite: true, postgres: false });

/**
 * The rows of contactsByKeys for the keys in `keyRows` (a relation `k` of contact_email_keys rows): each
 * contact holding the address, its subscription on the list, whether that has a sync state.
 */
function contactRows(keyRows: RawBuilder<unknown>, listId: string, where: RawBuilder<unknown>) {
  return sql`
    select k.email_key, c.id as contact_id, c.first_name, c.last_name, c.letter_salutation, c.emails, c.email_keys,
           s.id as sub_id, s.status, s.status_set_at, ss.remote_id, ss.remote_email, ss.result_run_id,
           ss.has_sync_state
      from ${keyRows}
      -- LATERAL with OFFSET 0: one probe of the contact's key per address. As a join it was planned as a
      -- hash of every contact of the database (a sequential scan of 100,000 contacts per chunk of 5,000
      -- addresses: ~90 of ~180 ms per chunk on PGlite)
      join lateral (
        select x.id, x.first_name, x.last_name, x.letter_salutation, x.emails, x.email_keys from contacts x
         where x.id = k.contact_id
        offset 0) c on true
      left join subscriptions s on s.contact_id = c.id and s.list_id = ${listId}
      -- LATERAL with OFFSET 0: one probe of the key per contact. As a join it was planned as a hash of the
      -- whole sync state, which a first fetch grows by 5,000 rows per chunk (read whole for every chunk).
      left join lateral (
        select y.remote_id, y.remote_email, y.result_run_id, true as has_sync_state from subscription_sync y
         where y.subscription_id = s.id
        offset 0) ss on true
     ${where}`;
}

/** A chunk of staged members, and the contacts holding the address of each member no subscription is linked to. */
export interface StagedChunk {
  members: StagedMember[];
  /**
   * With `unlinkedContacts` asked: contactsByKeys for the key of every member without a linked
   * subscription (whatever its status) — the lookup by address such a member needs (decide.ts
   * addressKeysNeeded), read in the same statement. Otherwise empty.
   */
  unlinkedContacts: ContactByKey[];
}

/**
 * The next `size` fetched members in e-mail key order, each with the subscriptions of the list its remote
 * id is linked to (normally one; newest first) and whether the address is blocklisted (by the hash staged
 * with it), and when asked the contacts by key of the members linked to none (on a first fetch, every
 * member): one query. Its rows come as JSON documents of arrays (jsonRows).
 *
 * The contacts in the same statement are for PGlite: there a chunk's second statement cost its parse and
 * plan, a 5,000-key array parameter escaped element by element in JavaScript and taken apart by the
 * server, and a second document (main thread per member of a first fetch, two statements → one, four
 * back-to-back pairs at load 2–4: 112 → 91, 89 → 94, 117 → 87, 89 → 86 µs). PostgreSQL's server spent
 * more on the merged statement than on the two (two pairs: 40 → 54, 45 → 61 µs per member), so there
 * contactsByKeys is asked as before.
 *
 * `linkable: false` says that no member can be linked: no sync state of the list carried a remote id when
 * the reconcile transaction began, and only that transaction writes one meanwhile (PGlite's one
 * connection). A first fetch after attaching a list is that case: its 5,000 probes of the sync state per
 * chunk all came back empty. Then the chunk is read without them, and its rows hold the member's own
 * columns only (StagedRow's first nine: the linked subscription's nineteen were nulls).
 */
export async function stagedChunk(
  db: Db,
  v: {
    runId: string;
    workspaceId: string;
    listId: string;
    afterKey: string | null;
    size: number;
    unlinkedContacts: boolean;
    linkable: boolean;
  },
): Promise<StagedChunk> {
  const staged = sql`
      from (select * from sync_fetched_members
             where run_id = ${v.runId} and email_key > ${v.afterKey ?? ""}
             order by email_key
             limit ${v.size}) f`;
  const blocked = sql`
           exists (select 1 from blocklist b
                    where b.workspace_id = ${v.workspaceId} and b.lifted_at is null
                      and b.address_hash = f.block_hash) as blocked`;
  const own = sql`
      select f.email_key, f.remote_id, f.email, f.status, f.status_changed_at, f.first_name, f.last_name,
             f.salutation, ${blocked}`;
  const linkedColumns = sql`,
           k.sub_id, k.contact_id, k.sub_status, k.status_set_at, k.c_first_name, k.c_last_name,
           k.letter_salutation, k.emails, k.email_keys, k.known_remote_id, k.remote_email, k.result_run_id,
           k.known_remote_status, k.known_remote_status_at, k.known_first_name, k.known_last_name,
           k.known_salutation, k.known_result, k.plain
      ${staged}
      -- LATERAL with OFFSET 0: an index lookup per member whatever the statistics say. subscription_sync
      -- grows by thousands of rows per chunk within the run, unanalysed; planned as a join it was read whole
      -- for every member (seconds per chunk, growing with the list).
      left join lateral (
        select s.id as sub_id, s.contact_id, s.status as sub_status, s.status_set_at,
               c.first_name as c_first_name, c.last_name as c_last_name, c.letter_salutation, c.emails,
               c.email_keys, ss.remote_id as known_remote_id, ss.remote_email, ss.result_run_id,
               ss.remote_status as known_remote_status, ss.remote_status_at as known_remote_status_at,
               ss.remote_first_name as known_first_name, ss.remote_last_name as known_last_name,
               ss.remote_salutation as known_salutation, ss.result as known_result,
               (ss.result_detail = '{}'::jsonb and ss.task is null and ss.task_reason is null
                and ss.task_set_at is null and ss.task_set_by is null) as plain
          from subscription_sync ss
          join subscriptions s on s.id = ss.subscription_id
          join contacts c on c.id = s.contact_id
         where ss.list_id = ${v.listId} and ss.remote_id = f.remote_id
        offset 0) k on true`;
  const members = v.linkable ? sql`${own}${linkedColumns}` : sql`${own} ${staged}`;
  if (v.unlinkedContacts) return stagedChunkWithContacts(db, v, members);
  const columns = v.linkable ? STAGED_ROW : STAGED_ROW.slice(0, OWN_COLUMNS);
  const order = v.linkable ? sql`r.email_key, r.sub_id desc` : sql`r.email_key`;
  const { rows } = await keptOnPglite(sql<{ rows: unknown[][] }>`
    with r as not materialized (${members})
    select ${jsonRows(columns, "r", order)} as rows from r`).execute(db);
  return { members: stagedMembersOf(rows[0].rows), unlinkedContacts: [] };
}

/** The arrays of stagedChunkWithContacts: one per column, null where no row was read. */
interface ChunkColumns {
  rows: unknown[][] | null;
  email_key: string[] | null;
  remote_id: string[] | null;
  email: string[] | null;
  status: string[] | null;
  status_changed_at: (Date | null)[] | null;
  first_name: (string | null)[] | null;
  last_name: (string | null)[] | null;
  salutation: (string | null)[] | null;
  blocked: boolean[] | null;
  c_email_key: string[] | null;
  c_contact_id: string[] | null;
  c_first_name: (string | null)[] | null;
  c_last_name: (string | null)[] | null;
  c_letter_salutation: (string | null)[] | null;
  /** each contact's addresses as the text of its array ({a,b}: textArrayOf) */
  c_emails: (string | null)[] | null;
  c_email_keys: (string | null)[] | null;
  c_sub_id: (string | null)[] | null;
  c_status: (SubscriptionStatus | null)[] | null;
  c_status_set_at: (Date | null)[] | null;
  c_remote_id: (string | null)[] | null;
  c_remote_email: (string | null)[] | null;
  c_result_run_id: (string | null)[] | null;
  c_has_sync_state: (boolean | null)[] | null;
}

/**
 * A one-dimensional text[] from its text form (array_out): `{a,b}`, an element in double quotes when it
 * holds a delimiter, brace, quote, backslash or white space, is empty or reads NULL (`"…"`, with `\\` before
 * a quote or backslash), an unquoted NULL for a null element, and `[2:3]={…}` when the lower bound is not 1.
 */
export function textArrayOf(literal: string | null): (string | null)[] | null {
  if (literal === null) return null;
  let at = literal.indexOf("{");
  if (literal.length - at === 2) return [];
  // the usual case: no element needed quotes
  if (at === 0 && !literal.includes('"')) {
    const items: (string | null)[] = literal.slice(1, -1).split(",");
    for (let i = 0; i < items.length; i++) if (items[i] === "NULL") items[i] = null;
    return items;
  }
  const out: (string | null)[] = [];
  at++;
  for (;;) {
    let item = "";
    if (literal[at] === '"') {
      at++;
      for (;;) {
        const c = literal[at++];
        if (c === '"') break;
        item += c === "\\" ? literal[at++] : c;
      }
      out.push(item);
    } else {
      const end = Math.min(...[literal.indexOf(",", at), literal.indexOf("}", at)].filter((i) => i >= 0));
      item = literal.slice(at, end);
      out.push(item === "NULL" ? null : item);
      at = end;
    }
    if (literal[at++] === "}") return out;
  }
}

/**
 * stagedChunk with the contacts of the unlinked members (PGlite): the chunk's members and those contacts
 * come as ONE row of arrays, one per column (array_agg, every aggregate in the same order), read by the wire
 * path in binary form (binaryResultsOnPglite). As two JSON documents of positional rows, the server wrote
 * every value's text and escaped it (json_build_array asks each value's type how to write it, per value),
 * and this side decoded and parsed ~1.2 MB per chunk and the time of every row from its text. A contact's
 * addresses (text[], one per contact and of any length) go flattened, with each contact's count. On a
 * linkable list the members' rows (with their linked subscriptions) still come as one JSON document.
 */
async function stagedChunkWithContacts(
  db: Db,
  v: { runId: string; workspaceId: string; listId: string; linkable: boolean },
  members: RawBuilder<unknown>,
): Promise<StagedChunk> {
  const unlinkedKeys = sql`
    (select r.email_key from r ${v.linkable ? sql`where r.sub_id is null` : sql``}) m
    -- LATERAL with OFFSET 0: one probe of the address key per member
    join lateral (
      select e.email_key, e.contact_id from contact_email_keys e
       where e.workspace_id = ${v.workspaceId} and e.email_key = m.email_key
      offset 0) k on true`;
  // contactsByKeys's order, made total (a contact holding two of the chunk's keys is two rows): the same
  // order in every aggregate, so the server sorts the rows once for all of them and the arrays line up
  const byContact = sql`order by u.contact_id, u.email_key`;
  const agg = (column: string) => sql`array_agg(${sql.ref(`u.${column}`)} ${byContact})`;
  const memberColumns = v.linkable
    ? sql`${jsonRows(STAGED_ROW, "r", sql`r.email_key, r.sub_id desc`)} as rows`
    : sql.join(
        STAGED_ROW.slice(0, OWN_COLUMNS).map(
          (c) => sql`array_agg(${sql.ref(`r.${c}`)} order by r.email_key) as ${sql.ref(c)}`,
        ),
      );
  const { rows } = await keptOnPglite(
    binaryResultsOnPglite(sql<ChunkColumns>`
    with r as materialized (${members}),
    u as materialized (${contactRows(unlinkedKeys, v.listId, sql``)})
    select m.*, c.*
      from (select ${memberColumns} from r) m,
           (select ${agg("email_key")} as c_email_key, ${agg("contact_id")} as c_contact_id,
                   ${agg("first_name")} as c_first_name, ${agg("last_name")} as c_last_name,
                   ${agg("letter_salutation")} as c_letter_salutation,
                   array_agg(u.emails::text ${byContact}) as c_emails,
                   array_agg(u.email_keys::text ${byContact}) as c_email_keys,
                   ${agg("sub_id")} as c_sub_id, ${agg("status")} as c_status,
                   ${agg("status_set_at")} as c_status_set_at, ${agg("remote_id")} as c_remote_id,
                   ${agg("remote_email")} as c_remote_email, ${agg("result_run_id")} as c_result_run_id,
                   ${agg("has_sync_state")} as c_has_sync_state
              from u) c`),
  ).execute(db);
  const a = rows[0];
  const out: StagedMember[] = [];
  if (v.linkable) out.push(...stagedMembersOf(a.rows ?? []));
  else if (a.email_key && a.remote_id && a.email && a.status && a.status_changed_at) {
    const { first_name, last_name, salutation, blocked } = a as Required<ChunkColumns>;
    for (let i = 0; i < a.email_key.length; i++) {
      out.push({
        email_key: a.email_key[i],
        remote_id: a.remote_id[i],
        email: a.email[i],
        status: a.status[i],
        status_changed_at: a.status_changed_at[i],
        first_name: first_name?.[i] ?? null,
        last_name: last_name?.[i] ?? null,
        salutation: salutation?.[i] ?? null,
        blocked: blocked?.[i] ?? false,
        linked: [],
      });
    }
  }
  const contacts: ContactByKey[] = [];
  const keys = a.c_email_key;
  if (keys) {
    const c = a as { [K in keyof ChunkColumns]-?: NonNullable<ChunkColumns[K]> };
    for (let i = 0; i < keys.length; i++) {
      contacts.push({
        email_key: keys[i],
        contact_id: c.c_contact_id[i],
        first_name: c.c_first_name[i],
        last_name: c.c_last_name[i],
        letter_salutation: c.c_letter_salutation[i],
        emails: textArrayOf(c.c_emails[i]) as string[],
        email_keys: textArrayOf(c.c_email_keys[i]) as string[] | null,
        sub_id: c.c_sub_id[i],
        status: c.c_status[i],
        status_set_at: c.c_status_set_at[i],
        remote_id: c.c_remote_id[i],
        remote_email: c.c_remote_email[i],
        result_run_id: c.c_result_run_id[i],
        has_sync_state: c.c_has_sync_state[i],
      });
    }
  }
  return { members: out, unlinkedContacts: contacts };
}

/**
 * Whether any sync state of the list carries a remote id: one probe of subscription_sync_remote_idx (its
 * nulls sort last). None (a list whose first fetch this is) means no member can be linked by remote id.
 */
export async function anyRemoteId(db: Db, listId: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    select exists (select 1 from subscription_sync where list_id = ${listId} and remote_id is not null)
           as found`.execute(db);
  return rows[0]?.found === true;
}

/** Every contact holding one of the addresses (keys), with its subscription on the list and its sync state. */
export async function contactsByKeys(
  db: Db,
  v: { workspaceId: string; listId: string; keys: string[] },
): Promise<ContactByKey[]> {
  if (v.keys.length === 0) return [];
  const where = sql`where k.workspace_id = ${v.workspaceId} and k.email_key = any(${v.keys}::text[])`;
  const { rows } = await keptOnPglite(sql<{ rows: unknown[][] }>`
    select ${jsonRows(CONTACT_BY_KEY, "r", sql`r.contact_id`)} as rows
      from (${contactRows(sql`contact_email_keys k`, v.listId, where)}) r`).execute(db);
  // one JSON document, as stagedChunk reads its rows
  return contactsOf(rows[0].rows);
}

/** A column of a bulk write and its SQL type. */
export interface Column {
  name: string;
  type: "text" | "timestamptz" | "jsonb" | "boolean";
}

/** A cell as text for its column's array: timestamps as ISO strings, jsonb as JSON text. */
function cellText(type: Column["type"], v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (type === "jsonb") return typeof v === "string" ? v : JSON.stringify(v);
  return String(v);
}

/** A value as it compares: a time by its instant, anything else as it is (objects never equal). */
const sameness = (v: unknown) => (v instanceof Date ? v.getTime() : v === undefined ? null : v);

/** True when every row gives the first row's value (before any of them is made text). */
function allSame(column: string, rows: readonly Record<string, unknown>[]) {
  const first = sameness(rows[0][column]);
  if (typeof first === "object" && first !== null) return false;
  for (let i = 1; i < rows.length; i++) if (sameness(rows[i][column]) !== first) return false;
  return true;
}

/**
 * A value every row of a write shares, as a text parameter cast in SQL. A time is read once for the
 * statement (a scalar subquery: an InitPlan), not once per row: timestamptz's input function depends on
 * the session's time zone (stable, not immutable), so the planner does not fold the cast of a parameter
 * to a constant as it does for text, jsonb and boolean, and the executor parsed the same text again for
 * every row: two per sync state (result_at, updated_at) and one per "found" entry, 300,000 parses
 * (~0.8 µs each on PGlite) in a first fetch of 100,000 members.
 */
function sharedValue(type: Column["type"], v: unknown) {
  const value = sql`cast(cast(${cellText(type, v)} as text) as ${sql.raw(type)})`;
  return type === "timestamptz" ? sql`(select ${value})` : value;
}

/**
 * Many rows in ONE statement with one text[] parameter per column (unnest), each cast to its column's type
 * in SQL. The hot path of a fetch writes two rows per member; PostgreSQL reads an array of 5,000 values
 * several times faster than it takes the same rows apart as a JSON document (json_populate_recordset), and
 * the arrays are text on both drivers, so no driver re-encodes a jsonb or timestamp value on the way.
 * A column whose value is the same in every row (the workspace, the run, the time) is sent once as a
 * scalar instead of 5,000 times: less to encode here and less to take apart there.
 * Rows give a value (or null / undefined) for every column.
 */
export async function insertColumns(
  db: Db,
  table: keyof DB,
  columns: readonly Column[],
  rows: readonly Record<string, unknown>[],
  onConflict: ReturnType<typeof sql> = sql``,
) {
  if (rows.length === 0) return;
  const names = sql.join(columns.map((c) => sql.ref(c.name)));
  const varying: (string | null)[][] = [];
  const values = columns.map((c) => {
    // a text parameter cast in SQL, as the arrays are: no driver serialises it by the column's type
    if (rows.length > 1 && allSame(c.name, rows)) return sharedValue(c.type, rows[0][c.name]);
    varying.push(rows.map((r) => cellText(c.type, r[c.name])));
    return sql.raw(`u.c${varying.length - 1}::${c.type}`);
  });
  // unnest needs one array, which gives the number of rows
  if (varying.length === 0) varying.push(rows.map(() => null));
  const arrays = sql.join(varying.map((cells) => sql`cast(${cells} as text[])`));
  const aliases = varying.map((_, i) => `c${i}`).join(", ");
  await sql`insert into ${sql.table(table)} (${names})
    select ${sql.join(values)} from unnest(${arrays}) as u(${sql.raw(aliases)})
    ${onConflict}`.execute(db);
}

const text = (name: string): Column => ({ name, type: "text" });
const at = (name: string): Column => ({ name, type: "timestamptz" });

const SYNC_STATE_COLUMNS: readonly Column[] = [
  text("remote_id"),
  text("remote_email"),
  text("remote_status"),
  at("remote_status_at"),
  text("remote_first_name"),
  text("remote_last_name"),
  text("remote_salutation"),
  text("result"),
  { name: "result_detail", type: "jsonb" },
  at("result_at"),
  text("result_run_id"),
  text("task"),
  at("task_set_at"),
  text("task_set_by"),
  text("task_reason"),
  at("updated_at"),
];

/**
 * Subscriptions a fetch found exactly as the last one left them: only this run's stamp is written (the
 * time and the run; no indexed column, so PostgreSQL can keep the row version on its page — a HOT update).
 */
export async function stampSyncState(db: Db, v: { ids: string[]; runId: string; now: Date }) {
  if (v.ids.length === 0) return;
  await sql`update subscription_sync
               set result_at = ${v.now}, result_run_id = ${v.runId}, updated_at = ${v.now}
             where subscription_id = any(cast(${v.ids} as text[]))`.execute(db);
}

const SYNC_STATE_ROW: readonly Column[] = [
  text("subscription_id"),
  text("workspace_id"),
  text("list_id"),
  ...SYNC_STATE_COLUMNS,
];

/**
 * The first sync state of subscriptions that have none (read in the same transaction): a plain insert.
 * ON CONFLICT makes every row a speculative insertion (a probe of the key before, a confirmation record
 * after): 20 % of the statement for the 100,000 rows of a first fetch on PGlite (2.5 instead of 3.1 s CPU
 * per 100,000 rows). Only where nothing can write a sync state between the read and this insert: PGlite,
 * whose one connection the reconcile transaction holds.
 */
export async function insertSyncState(db: Db, rows: Record<string, unknown>[]) {
  await insertColumns(db, "subscription_sync", SYNC_STATE_ROW, rows);
}

/** Writes the reconciliation state of many subscriptions (insert or replace everything but transmit_*). */
export async function upsertSyncState(db: Db, rows: Record<string, unknown>[]) {
  const update = sql.join(
    SYNC_STATE_COLUMNS.map((c) => sql`${sql.ref(c.name)} = excluded.${sql.ref(c.name)}`),
  );
  await insertColumns(
    db,
    "subscription_sync",
    SYNC_STATE_ROW,
    rows,
    sql`on conflict (subscription_id) do update set ${update}`,
  );
}

const EVENT_COLUMNS: readonly Column[] = [
  text("id"),
  text("workspace_id"),
  at("at"),
  text("severity"),
  text("group_id"),
  text("process"),
  text("trigger"),
  text("record_kind"),
  text("record_id"),
  text("detail"),
  { name: "data", type: "jsonb" },
  { name: "checked", type: "boolean" },
];

/** The event-log entries of a run, many at once (same rows as audit's logEvents writes). */
export async function insertEvents(db: Db, events: EventLogInput[], now: Date) {
  await insertColumns(
    db,
    "event_log",
    EVENT_COLUMNS,
    events.map((e) => ({
      id: newId("evl", (e.at ?? now).getTime()),
      workspace_id: e.workspaceId,
      at: e.at ?? now,
      severity: e.severity,
      group_id: e.groupId ?? null,
      process: e.process,
      trigger: e.trigger,
      record_kind: e.recordKind ?? null,
      record_id: e.recordId ?? null,
      detail: e.detail,
      data: e.data ?? null,
      checked: false,
    })),
  );
}

/** What every "found" entry of a chunk shares (seed 003 §7: one per subscription and fetch). */
export interface FoundEntries {
  workspaceId: string;
  at: Date;
  groupId: string;
  process: string;
  trigger: string;
  /** the entry's data but its result (which each entry adds) */
  data: Record<string, unknown>;
  /** the entry's text per result, "{email}" standing for the member's address */
  texts: Record<string, string>;
}

/**
 * The "found" entries of a chunk, one per subscription: the same rows as insertEvents writes, but built
 * in SQL from four arrays (id, subscription, address, result) — the text from its result's template, the
 * data from the shared part and the result — instead of twelve columns of 5,000 objects made here.
 */
export async function insertFoundEntries(
  db: Db,
  v: FoundEntries,
  rows: { ids: string[]; subscriptionIds: string[]; emails: string[]; results: string[] },
) {
  if (rows.ids.length === 0) return;
  await sql`
    insert into event_log (id, workspace_id, at, severity, group_id, process, trigger, record_kind, record_id,
                           detail, data, checked)
    select u.id, ${v.workspaceId}, ${sharedValue("timestamptz", v.at)}, 'information',
           ${v.groupId}, ${v.process}, ${v.trigger}, 'subscription', u.subscription_id,
           replace(cast(${JSON.stringify(v.texts)} as jsonb) ->> u.result, '{email}', u.email),
           cast(${JSON.stringify(v.data)} as jsonb) || jsonb_build_object('result', u.result), false
      from unnest(cast(${rows.ids} as text[]), cast(${rows.subscriptionIds} as text[]),
                  cast(${rows.emails} as text[]), cast(${rows.results} as text[]))
             as u(id, subscription_id, email, result)`.execute(db);
}

const STAGED_COLUMNS: readonly Column[] = [
  text("run_id"),
  text("email_key"),
  text("remote_id"),
  text("email"),
  text("status"),
  at("status_changed_at"),
  text("first_name"),
  text("last_name"),
  text("salutation"),
  text("block_hash"),
];

/** A value in COPY's text format: \N for null, backslash, tab and line breaks escaped. */
function copyText(type: Column["type"], v: unknown): string {
  const t = cellText(type, v);
  if (t === null) return "\\N";
  return /[\\\t\n\r]/.test(t)
    ? t.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r")
    : t;
}

/**
 * The rows as the body of a COPY in text format, built by appending to one string: half the CPU of an
 * array of cells joined per row and the rows joined per page (~100 against ~200 ms per 100,000 staged
 * members, measured alone), and less garbage.
 */
function copyBody(columns: readonly Column[], rows: readonly Record<string, unknown>[]) {
  let body = "";
  const last = columns.length - 1;
  for (const r of rows) {
    for (let i = 0; i <= last; i++) {
      const c = columns[i];
      body += copyText(c.type, r[c.name]);
      body += i === last ? "\n" : "\t";
    }
  }
  return body;
}

const UNIQUE_VIOLATION = "23505";

/**
 * Stages a page of members (first one per key wins). On PGlite the page goes in as ONE `COPY … FROM
 * '/dev/blob'` (PGlite's file device): PGlite's JavaScript layer escapes array parameters element by
 * element and the executor takes 5,000 rows apart from ten arrays, where COPY parses one text (30–40 %
 * cheaper per page, measured). COPY has no ON CONFLICT: a page holding a key staged before (the same
 * address twice in the tool, rare) fails as a whole, writes nothing, and is staged again by the insert
 * that skips the duplicates. PostgreSQL keeps the array insert (no blob device there).
 */
export async function stageMembers(db: Db, rows: Record<string, unknown>[]) {
  if (rows.length === 0) return;
  const copied = await db.getExecutor().provideConnection(async (connection) => {
    const pglite = pgliteConnectionOf(connection);
    if (!pglite) return false;
    const names = STAGED_COLUMNS.map((c) => c.name).join(", ");
    try {
      await pglite.copyFromText(
        `copy sync_fetched_members (${names}) from '/dev/blob'`,
        copyBody(STAGED_COLUMNS, rows),
      );
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === UNIQUE_VIOLATION) return false;
      throw e;
    }
  });
  if (copied) return;
  await insertColumns(
    db,
    "sync_fetched_members",
    STAGED_COLUMNS,
    rows,
    sql`on conflict (run_id, email_key) do nothing`,
  );
}

/**
 * Removes a finished fetch's staged members. PGlite runs no autovacuum: 100,000 deleted rows per fetch
 * stayed in the table and its key for good (tens of MB per fetch of a 100,000-member list), and
 * the next one staged into an ever larger table). When no other run has members staged, the table is
 * emptied with TRUNCATE instead (new files, nothing left behind; also cheaper than deleting the rows).
 * A run staging at the same time keeps its rows: then only this run's are deleted. PostgreSQL's
 * autovacuum takes care of the deleted rows, and a TRUNCATE there would wait for every other fetch.
 */
export async function clearStaged(db: Db, v: { runId: string; embedded: boolean }) {
  if (!v.embedded) {
    await db.deleteFrom("sync_fetched_members").where("run_id", "=", v.runId).execute();
    return;
  }
  await db.transaction().execute(async (tx) => {
    // two probes of the key on either side of this run: one connection, nothing stages meanwhile
    const { rows } = await sql<{ others: boolean }>`
      select exists (select 1 from sync_fetched_members where run_id < ${v.runId})
          or exists (select 1 from sync_fetched_members where run_id > ${v.runId}) as others`.execute(tx);
    if (rows[0]?.others) await tx.deleteFrom("sync_fetched_members").where("run_id", "=", v.runId).execute();
    else await sql`truncate sync_fetched_members`.execute(tx);
  });
}

/**
 * Every subscription of the list that this run did not find: "not in tool" when it is subscribed (or
 * pending) here, otherwise nothing to do ("success": absent there, not subscribed here). Answers how many
 * of each, not the rows: a list the tool has emptied must not be held in memory.
 */
export async function markUnseen(db: Db, v: { listId: string; runId: string; now: Date }) {
  const { rows } = await sql<{ not_in_tool: number; success: number }>`
    with marked as (
      insert into subscription_sync (subscription_id, workspace_id, list_id, result, result_detail, result_at,
                                     result_run_id, updated_at)
      select s.id, s.workspace_id, s.list_id,
             case when s.status in ('subscribed', 'pending') then 'not_in_tool' else 'success' end,
             case when s.status in ('subscribed', 'pending') then '{}'::jsonb
                  else '{"notes":["not in the tool and not subscribed here: in step"]}'::jsonb end,
             ${v.now}, ${v.runId}, ${v.now}
        from subscriptions s
        left join subscription_sync ss on ss.subscription_id = s.id
       where s.list_id = ${v.listId} and ss.result_run_id is distinct from ${v.runId}
      on conflict (subscription_id) do update set
        result = excluded.result, result_detail = excluded.result_detail, result_at = excluded.result_at,
        result_run_id = excluded.result_run_id, updated_at = excluded.updated_at,
        remote_id = null, remote_email = null, remote_status = null, remote_status_at = null,
        remote_first_name = null, remote_last_name = null, remote_salutation = null,
        task = null, task_set_at = null, task_set_by = null, task_reason = null
      returning result)
    select count(*) filter (where result = 'not_in_tool')::int as not_in_tool,
           count(*) filter (where result <> 'not_in_tool')::int as success
      from marked`.execute(db);
  return rows[0] ?? { not_in_tool: 0, success: 0 };
}

/** The run's "not in tool" subscriptions after `after` (by id) with the contact's first address. */
export async function notInToolChunk(
  db: Db,
  v: { listId: string; runId: string; after: string | null; size: number },
) {
  const { rows } = await sql<{ subscription_id: string; email: string | null }>`
    select ss.subscription_id, c.emails[1] as email
      from subscription_sync ss
      join subscriptions s on s.id = ss.subscription_id
      join contacts c on c.id = s.contact_id
     where ss.list_id = ${v.listId} and ss.result = 'not_in_tool' and ss.result_run_id = ${v.runId}
       and ss.subscription_id > ${v.after ?? ""}
     order by ss.subscription_id
     limit ${v.size}`.execute(db);
  return rows;
}

/** A fetch that broke: every subscription of the list shows "aborted"; tasks and remote state stay. */
export async function markAborted(db: Db, v: { listId: string; runId: string; now: Date; error: string }) {
  await sql`
    insert into subscription_sync (subscription_id, workspace_id, list_id, result, result_detail, result_at,
                                   result_run_id, updated_at)
    select s.id, s.workspace_id, s.list_id, 'aborted', ${JSON.stringify({ error: v.error })}::jsonb, ${v.now},
           ${v.runId}, ${v.now}
      from subscriptions s where s.list_id = ${v.listId}
    on conflict (subscription_id) do update set
      result = excluded.result, result_detail = excluded.result_detail, result_at = excluded.result_at,
      result_run_id = excluded.result_run_id, updated_at = excluded.updated_at`.execute(db);
}

/** Decided tasks a fetch would clear: those a person set (Poststelle's own proposals are derived again). */
export async function countUserTasks(db: Db, listId: string) {
  const r = await db
    .selectFrom("subscription_sync")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("list_id", "=", listId)
    .where("task", "is not", null)
    .where((eb) =>
      eb.or([eb("task_reason", "is", null), eb("task_reason", "not in", ["blocklisted", "email_changed"])]),
    )
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
