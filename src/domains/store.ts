// SQL of sender domains.
import type { Kysely } from "kysely";
import type { DB, NewRow, Row } from "../db/schema.js";

export type SenderDomainRow = Row<"sender_domains">;

export function insertDomain(db: Kysely<DB>, row: NewRow<"sender_domains">) {
  return db.insertInto("sender_domains").values(row).returningAll().executeTakeFirstOrThrow();
}

export function selectDomain(db: Kysely<DB>, workspaceId: string, id: string) {
  return db
    .selectFrom("sender_domains")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export function selectDomainByName(db: Kysely<DB>, workspaceId: string, domain: string) {
  return db
    .selectFrom("sender_domains")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("domain", "=", domain)
    .executeTakeFirst();
}

export function selectDomainsByName(db: Kysely<DB>, workspaceId: string, domains: string[]) {
  if (domains.length === 0) return Promise.resolve([] as SenderDomainRow[]);
  return db
    .selectFrom("sender_domains")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("domain", "in", domains)
    .execute();
}

export function selectDomains(db: Kysely<DB>, workspaceId: string, after: string | undefined, limit: number) {
  let q = db.selectFrom("sender_domains").selectAll().where("workspace_id", "=", workspaceId);
  if (after) q = q.where("id", ">", after);
  return q
    .orderBy("id")
    .limit(limit + 1)
    .execute();
}

export function updateChecks(
  db: Kysely<DB>,
  id: string,
  set: { checks: string; checked_at: Date; verified_at: Date | null; updated_at: Date },
) {
  return db
    .updateTable("sender_domains")
    .set(set)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function deleteDomain(db: Kysely<DB>, id: string) {
  return db.deleteFrom("sender_domains").where("id", "=", id).execute();
}

export function updateLimits(
  db: Kysely<DB>,
  id: string,
  set: { rate_limit: number | null; rate_window_seconds: number | null; updated_at: Date },
) {
  return db
    .updateTable("sender_domains")
    .set(set)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
