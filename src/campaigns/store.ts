// SQL of campaigns, their runs, their recipients as the user sees them, the recipient loading (one
// INSERT … SELECT) and the letter document. The work-queue statements of sending live in queue-store.ts.
import { type Kysely, sql } from "kysely";
import { idlePoll } from "../db/prepared.js";
import type { DB, NewRow, Row, RowUpdate } from "../db/schema.js";
import type { ContactFilter } from "../lists/schema.js";
import { contactFilterSql } from "../lists/store.js";
import type { CampaignState } from "./states.js";

type Db = Kysely<DB>;
export type CampaignRow = Row<"campaigns">;
export type RunRow = Row<"campaign_runs">;
export type RecipientRow = Row<"campaign_recipients">;

// ---------------------------------------------------------------- campaigns

export function insertCampaign(db: Db, row: NewRow<"campaigns">) {
  return db.insertInto("campaigns").values(row).returningAll().executeTakeFirstOrThrow();
}

export function findCampaign(db: Db, workspaceId: string, id: string, forUpdate = false) {
  let q = db.selectFrom("campaigns").selectAll().where("workspace_id", "=", workspaceId).where("id", "=", id);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export function findCampaignById(db: Db, id: string, forUpdate = false) {
  let q = db.selectFrom("campaigns").selectAll().where("id", "=", id);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export interface CampaignFilter {
  state?: string;
  kind?: string;
  afterId?: string;
  limit: number;
}

export function selectCampaigns(db: Db, workspaceId: string, f: CampaignFilter) {
  let q = db.selectFrom("campaigns").selectAll().where("workspace_id", "=", workspaceId);
  if (f.state) q = q.where("state", "=", f.state);
  if (f.kind) q = q.where("kind", "=", f.kind as "email" | "letter");
  if (f.afterId) q = q.where("id", "<", f.afterId);
  return q.orderBy("id", "desc").limit(f.limit).execute();
}

export function updateCampaignRow(db: Db, id: string, set: RowUpdate<"campaigns">) {
  return db.updateTable("campaigns").set(set).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
}

/** Moves the state only if it is still `from` (two processes may race to end a run): the row, or undefined. */
export function moveState(
  db: Db,
  id: string,
  from: CampaignState,
  to: CampaignState,
  set: RowUpdate<"campaigns">,
) {
  return db
    .updateTable("campaigns")
    .set({ ...set, state: to })
    .where("id", "=", id)
    .where("state", "=", from)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteCampaignRow(db: Db, id: string) {
  await db.deleteFrom("campaigns").where("id", "=", id).execute();
}

export function selectListsOf(db: Db, workspaceId: string, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([] as Row<"lists">[]);
  return db
    .selectFrom("lists")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", sql<string>`any(${ids}::text[])`)
    .execute();
}

// ---------------------------------------------------------------- runs

export function insertRun(db: Db, row: NewRow<"campaign_runs">) {
  return db.insertInto("campaign_runs").values(row).returningAll().executeTakeFirstOrThrow();
}

export function findRun(db: Db, id: string) {
  return db.selectFrom("campaign_runs").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The first worker to take part in a run ends its "waiting for processing". */
export async function markRunClaimed(db: Db, runId: string, now: Date) {
  await db
    .updateTable("campaign_runs")
    .set({ first_claim_at: now })
    .where("id", "=", runId)
    .where("first_claim_at", "is", null)
    .execute();
}

export async function finishRun(db: Db, runId: string, outcome: string, now: Date) {
  await db
    .updateTable("campaign_runs")
    .set({ finished_at: now, outcome })
    .where("id", "=", runId)
    .where("finished_at", "is", null)
    .execute();
}

// ---------------------------------------------------------------- recipients as the user sees them

export async function recipientCounts(db: Db, campaignId: string): Promise<Record<string, number>> {
  const r = await sql<{ status: string; n: number }>`
    select status, count(*)::int as n from campaign_recipients where campaign_id = ${campaignId} group by status`.execute(
    db,
  );
  return Object.fromEntries(r.rows.map((x) => [x.status, Number(x.n)]));
}

/** Recipients finished (sent, created, excluded, error) since `since`: the run's recent rate. */
export async function doneSince(db: Db, campaignId: string, since: Date): Promise<number> {
  const r = await sql<{ n: number }>`
    select count(*)::int as n from campaign_recipients
     where campaign_id = ${campaignId} and status in ('sent', 'created', 'excluded', 'error')
       and done_at >= ${since}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

export interface RecipientFilter {
  status?: string;
  reason?: string;
  /** Contact id of the last recipient of the previous page: the primary key's order is the load order. */
  afterContact?: string;
  limit: number;
}

export function selectRecipients(db: Db, campaignId: string, f: RecipientFilter) {
  let q = db
    .selectFrom("campaign_recipients as r")
    .leftJoin("contacts as c", "c.id", "r.contact_id")
    .select([
      "r.contact_id",
      "r.position",
      "r.list_id",
      "r.status",
      "r.reason",
      "r.detail",
      "r.message_id",
      "r.previous_message_id",
      "r.attempts",
      "r.next_attempt_at",
      "r.to_address",
      "r.done_at",
      "c.first_name",
      "c.last_name",
      sql<string | null>`c.emails[1]`.as("email"),
    ])
    .where("r.campaign_id", "=", campaignId);
  if (f.status) q = q.where("r.status", "=", f.status as Row<"campaign_recipients">["status"]);
  if (f.reason) q = q.where("r.reason", "=", f.reason);
  if (f.afterContact !== undefined) q = q.where("r.contact_id", ">", f.afterContact);
  return q.orderBy("r.contact_id").limit(f.limit).execute();
}

export async function deleteRecipients(db: Db, campaignId: string) {
  await db.deleteFrom("campaign_recipients").where("campaign_id", "=", campaignId).execute();
}

// ---------------------------------------------------------------- loading recipients

export interface LoadSource {
  campaignId: string;
  workspaceId: string;
  listIds: string[];
  filter: ContactFilter | null;
  now: Date;
}

/**
 * One INSERT … SELECT: subscribed members of the campaign's lists and the contacts matching its filter,
 * each contact once (the one with the earliest of the campaign's lists names the list), numbered in
 * contact order. The primary key (campaign_id, contact_id) makes a repeated load add nobody twice.
 */
export async function insertRecipients(db: Db, s: LoadSource): Promise<number> {
  const fromLists =
    s.listIds.length > 0
      ? sql`select sub.contact_id, sub.list_id, array_position(${s.listIds}::text[], sub.list_id) as rank
              from subscriptions sub
             where sub.workspace_id = ${s.workspaceId} and sub.list_id = any(${s.listIds}::text[])
               and sub.status = 'subscribed'`
      : null;
  const fromFilter = s.filter
    ? sql`select c.id as contact_id, null::text as list_id, 2147483647 as rank
            from contacts c where ${contactFilterSql(s.workspaceId, s.filter)}`
    : null;
  const sources = [fromLists, fromFilter].filter((x) => x !== null);
  if (sources.length === 0) return 0;
  const r = await sql`
    insert into campaign_recipients (campaign_id, workspace_id, contact_id, list_id, position, status, next_attempt_at)
    select ${s.campaignId}, ${s.workspaceId}, u.contact_id, u.list_id,
           row_number() over (order by u.contact_id), 'pending', ${s.now}::timestamptz
      from (select distinct on (contact_id) contact_id, list_id
              from (${sql.join(sources, sql` union all `)}) a
             order by contact_id, rank) u
    on conflict (campaign_id, contact_id) do nothing`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

// ---------------------------------------------------------------- background jobs (load, generate)

/** Takes one campaign whose job no live worker holds; FOR UPDATE SKIP LOCKED so workers never collide. */
export async function claimJob(db: Db, job: "load" | "generate", owner: string, now: Date, leaseUntil: Date) {
  const r = await idlePoll(sql<CampaignRow>`
    update campaigns c
       set job_owner = ${owner}, job_lease_until = ${leaseUntil}, job_claimed_at = coalesce(c.job_claimed_at, ${now})
     where c.id = (select id from campaigns
                    where job = ${job} and (job_lease_until is null or job_lease_until < ${now})
                    order by updated_at limit 1
                    for update skip locked)
     returning c.*`).execute(db);
  return r.rows[0];
}

/** Ends a job this worker holds (the campaign row locked, in the caller's transaction). */
export async function lockOwnJob(db: Db, id: string, owner: string) {
  return db
    .selectFrom("campaigns")
    .selectAll()
    .where("id", "=", id)
    .where("job_owner", "=", owner)
    .forUpdate()
    .executeTakeFirst();
}

// ---------------------------------------------------------------- the letter document

export async function upsertDocument(db: Db, row: NewRow<"campaign_documents">) {
  await db
    .insertInto("campaign_documents")
    .values(row)
    .onConflict((oc) =>
      oc.column("campaign_id").doUpdateSet({
        format: row.format,
        sort: row.sort,
        pages: row.pages,
        letters: row.letters,
        pdf: row.pdf,
        created_at: row.created_at,
      }),
    )
    .execute();
}

export function findDocumentInfo(db: Db, campaignId: string) {
  return db
    .selectFrom("campaign_documents")
    .select(["format", "sort", "pages", "letters", "created_at", sql<number>`octet_length(pdf)`.as("bytes")])
    .where("campaign_id", "=", campaignId)
    .executeTakeFirst();
}

export function findDocument(db: Db, campaignId: string) {
  return db
    .selectFrom("campaign_documents")
    .selectAll()
    .where("campaign_id", "=", campaignId)
    .executeTakeFirst();
}

// ---------------------------------------------------------------- exclusion lookups (whole batches)

/** Lower-cased addresses among `keys` that an earlier message of the workspace hard-bounced at.
 *
 * Each address is looked up on its own (a lateral subquery with a limit, which the planner cannot turn
 * into a join: the address index, by workspace and address).
 * As one `lower(to_address) = any(…)` the planner trusted statistics taken before the campaign began
 * (`messages` then held few rows of the workspace) and scanned every message of the workspace per batch,
 * comparing each with every address of the batch: a cost that grew with the campaign while it ran. */
export async function hardBouncedAddresses(
  db: Db,
  workspaceId: string,
  keys: string[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const r = await sql<{ key: string }>`
    select k.key from unnest(${keys}::text[]) as k(key)
     cross join lateral (
       select 1 from messages m
        where m.workspace_id = ${workspaceId} and lower(m.to_address) = k.key and m.status = 'hard_bounced'
        limit 1) hit`.execute(db);
  return new Set(r.rows.map((x) => x.key));
}

/** Contacts among `contactIds` whose subscription to one of `listIds` says they must not get it.
 *
 * One lookup per contact and list through the unique (list_id, contact_id) key (`offset 0` keeps the
 * planner from flattening the lateral subquery into a join it may plan otherwise): with the list alone the
 * planner (whose statistics can predate a list just imported) read every subscription of the list per
 * batch. */
export async function leftSubscriptions(db: Db, listIds: string[], contactIds: string[]) {
  if (listIds.length === 0 || contactIds.length === 0) return new Map<string, string>();
  const r = await sql<{ contact_id: string; status: string }>`
    select c.id as contact_id, min(s.status) as status
      from unnest(${contactIds}::text[]) as c(id)
      cross join lateral (
        select x.status from subscriptions x
         where x.list_id = any(${listIds}::text[]) and x.contact_id = c.id
           and x.status in ('unsubscribed', 'bounced_permanent')
        offset 0) s
     group by c.id`.execute(db);
  return new Map(r.rows.map((x) => [x.contact_id, x.status]));
}

/** Contacts among `contactIds` whose newest consent for `channel` and `purpose` in the workspace is
 * `granted` (src/contacts/store.ts grantedContactIds, asked per contact).
 *
 * One probe of the consent index (contact, channel, purpose, newest first) per contact, with a limit: as one
 * `contact_id = any(…)` with DISTINCT ON the planner scanned every consent of the workspace per batch and
 * compared each with the batch's 500 ids — ~21 ms per batch at 50,000 contacts, growing with the workspace. */
export async function consentingContacts(
  db: Db,
  workspaceId: string,
  contactIds: string[],
  channel: string,
  purpose: string,
): Promise<Set<string>> {
  if (contactIds.length === 0) return new Set();
  const r = await sql<{ contact_id: string }>`
    select c.id as contact_id from unnest(${contactIds}::text[]) as c(id)
     cross join lateral (
       select x.status from consents x
        where x.contact_id = c.id and x.channel = ${channel} and x.purpose = ${purpose}
          and x.workspace_id = ${workspaceId}
        order by x.at desc, x.id desc
        limit 1) newest
     where newest.status = 'granted'`.execute(db);
  return new Set(r.rows.map((x) => x.contact_id));
}

// ---------------------------------------------------------------- letters

/** Every recipient with its contact, in the letter order chosen (seed 004: sorted by postal code or name). */
export async function selectLetterRecipients(db: Db, campaignId: string, sort: "postal_code" | "name") {
  const order =
    sort === "postal_code"
      ? sql`coalesce(k.postal_code, ''), lower(coalesce(k.last_name, '')), lower(coalesce(k.first_name, '')), r.position`
      : sql`lower(coalesce(k.last_name, '')), lower(coalesce(k.first_name, '')), coalesce(k.postal_code, ''), r.position`;
  const r = await sql<{ contact_id: string; list_id: string | null; contact: Record<string, unknown> }>`
    select r.contact_id, r.list_id, to_jsonb(k.*) as contact
      from campaign_recipients r join contacts k on k.id = r.contact_id
     where r.campaign_id = ${campaignId}
     order by ${order}`.execute(db);
  return r.rows;
}

export interface LetterOutcome {
  contact_id: string;
  status: "created" | "excluded" | "error";
  reason: string | null;
  detail: string | null;
}

/** The outcome of a whole generation run, one statement. */
export async function writeLetterOutcomes(
  db: Db,
  campaignId: string,
  runId: string,
  rows: LetterOutcome[],
  now: Date,
) {
  if (rows.length === 0) return;
  await sql`
    update campaign_recipients r
       set status = u.status, reason = u.reason, detail = u.detail, run_id = ${runId}, done_at = ${now},
           lease_owner = null, lease_until = null
      from unnest(${rows.map((x) => x.contact_id)}::text[], ${rows.map((x) => x.status)}::text[],
                  ${rows.map((x) => x.reason)}::text[], ${rows.map((x) => x.detail)}::text[])
           as u(contact_id, status, reason, detail)
     where r.campaign_id = ${campaignId} and r.contact_id = u.contact_id`.execute(db);
}

export async function deleteDocument(db: Db, campaignId: string) {
  await db.deleteFrom("campaign_documents").where("campaign_id", "=", campaignId).execute();
}
