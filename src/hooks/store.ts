// SQL of webhook endpoints and their deliveries, including the hook worker's claim with a lease.
import { type Kysely, sql } from "kysely";
import type { DB, NewRow, Row, RowUpdate } from "../db/schema.js";

export type EndpointRow = Row<"webhook_endpoints">;
export type DeliveryRow = Row<"webhook_deliveries">;

export const insertEndpoint = (db: Kysely<DB>, row: NewRow<"webhook_endpoints">) =>
  db.insertInto("webhook_endpoints").values(row).returningAll().executeTakeFirstOrThrow();

export const selectEndpoint = (db: Kysely<DB>, workspaceId: string, id: string) =>
  db
    .selectFrom("webhook_endpoints")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();

export function selectEndpoints(
  db: Kysely<DB>,
  workspaceId: string,
  after: string | undefined,
  limit: number,
) {
  let q = db.selectFrom("webhook_endpoints").selectAll().where("workspace_id", "=", workspaceId);
  if (after) q = q.where("id", ">", after);
  return q
    .orderBy("id")
    .limit(limit + 1)
    .execute();
}

export const updateEndpoint = (db: Kysely<DB>, id: string, set: RowUpdate<"webhook_endpoints">) =>
  db.updateTable("webhook_endpoints").set(set).where("id", "=", id).returningAll().executeTakeFirstOrThrow();

export const deleteEndpoint = (db: Kysely<DB>, id: string) =>
  db.deleteFrom("webhook_endpoints").where("id", "=", id).execute();

/** Newest first. */
export function selectDeliveries(
  db: Kysely<DB>,
  endpointId: string,
  opts: { before?: string; status?: string; limit: number },
) {
  let q = db.selectFrom("webhook_deliveries").selectAll().where("endpoint_id", "=", endpointId);
  if (opts.before) q = q.where("id", "<", opts.before);
  if (opts.status) q = q.where("status", "=", opts.status as DeliveryRow["status"]);
  return q
    .orderBy("id", "desc")
    .limit(opts.limit + 1)
    .execute();
}

export const selectDelivery = (db: Kysely<DB>, workspaceId: string, id: string) =>
  db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();

export const requeueDelivery = (db: Kysely<DB>, id: string, now: Date) =>
  db
    .updateTable("webhook_deliveries")
    .set({ status: "pending", next_attempt_at: now, lease_until: null })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();

export interface ClaimedDelivery extends DeliveryRow {
  url: string;
  secret: string;
}

/** Claims up to `limit` due deliveries for `leaseSeconds`; a worker that dies leaves them to the next one
 * once the lease has run out. Disabled or deleted endpoints' deliveries are not claimed. */
export async function claimDueDeliveries(
  db: Kysely<DB>,
  now: Date,
  limit: number,
  leaseSeconds: number,
): Promise<ClaimedDelivery[]> {
  const until = new Date(now.getTime() + leaseSeconds * 1000);
  const r = await sql<ClaimedDelivery>`
    update webhook_deliveries d
       set lease_until = ${until}
      from webhook_endpoints e
     where d.id = any(array(
             select x.id from webhook_deliveries x
              where x.status = 'pending' and x.next_attempt_at <= ${now}
                and (x.lease_until is null or x.lease_until < ${now})
                and exists (select 1 from webhook_endpoints y where y.id = x.endpoint_id and y.enabled)
              order by x.next_attempt_at
              limit ${limit}
              for update skip locked))
       and e.id = d.endpoint_id
     returning d.*, e.url, e.secret`.execute(db);
  return r.rows;
}

export interface AttemptResult {
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  next_attempt_at: Date | null;
  at: Date;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  duration_ms: number;
}

export const recordAttempt = (db: Kysely<DB>, id: string, r: AttemptResult) =>
  db
    .updateTable("webhook_deliveries")
    .set({
      status: r.status,
      attempts: r.attempts,
      next_attempt_at: r.next_attempt_at,
      lease_until: null,
      last_attempt_at: r.at,
      last_response_status: r.response_status,
      last_response_body: r.response_body,
      last_error: r.error,
      last_duration_ms: r.duration_ms,
    })
    .where("id", "=", id)
    .execute();

/** Finished deliveries older than `before` (what was sent and answered stays listable for a while). */
export async function deleteFinishedDeliveries(db: Kysely<DB>, before: Date, limit: number): Promise<number> {
  const r = await sql`
    delete from webhook_deliveries
     where id = any(array(select id from webhook_deliveries
                           where status <> 'pending' and created_at < ${before}
                           limit ${limit}))`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
