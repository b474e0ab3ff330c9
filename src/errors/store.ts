// SQL of the error registry: a workspace's own entries and overrides (050_error_registry.sql).
import type { Kysely } from "kysely";
import type { DB, NewRow, Row } from "../db/schema.js";

export type EntryRow = Row<"error_registry_entries">;

export function findRows(db: Kysely<DB>, workspaceId: string): Promise<EntryRow[]> {
  return db
    .selectFrom("error_registry_entries")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .execute();
}

export function findRow(db: Kysely<DB>, workspaceId: string, code: string): Promise<EntryRow | undefined> {
  return db
    .selectFrom("error_registry_entries")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("code", "=", code)
    .executeTakeFirst();
}

export async function upsertRow(db: Kysely<DB>, row: NewRow<"error_registry_entries">): Promise<EntryRow> {
  const { workspace_id: _w, code: _c, created_at: _a, ...changes } = row;
  return db
    .insertInto("error_registry_entries")
    .values(row)
    .onConflict((oc) => oc.columns(["workspace_id", "code"]).doUpdateSet(changes))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteRow(db: Kysely<DB>, workspaceId: string, code: string): Promise<void> {
  await db
    .deleteFrom("error_registry_entries")
    .where("workspace_id", "=", workspaceId)
    .where("code", "=", code)
    .execute();
}
