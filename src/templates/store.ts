// SQL of templates. Every query is scoped to one workspace.
import { sql } from "kysely";
import type { Database } from "../db/index.js";
import type { NewRow, Row, RowUpdate } from "../db/schema.js";
import type { ListTemplatesQuery } from "./schema.js";

export type TemplateRow = Row<"templates">;

export async function insertTemplate(db: Database, row: NewRow<"templates">): Promise<TemplateRow> {
  return db.insertInto("templates").values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findTemplate(
  db: Database,
  workspaceId: string,
  id: string,
  forUpdate = false,
): Promise<TemplateRow | undefined> {
  let q = db.selectFrom("templates").selectAll().where("workspace_id", "=", workspaceId).where("id", "=", id);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** Just enough to tell whether a cached compiled template is still current. */
export async function findTemplateVersion(db: Database, workspaceId: string, id: string) {
  return db
    .selectFrom("templates")
    .select(["id", "version", "updated_at"])
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export async function nameTaken(db: Database, workspaceId: string, name: string, exceptId?: string) {
  let q = db
    .selectFrom("templates")
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("name", "=", name);
  if (exceptId) q = q.where("id", "<>", exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

export async function updateTemplateRow(
  db: Database,
  workspaceId: string,
  id: string,
  patch: RowUpdate<"templates">,
): Promise<TemplateRow> {
  return db
    .updateTable("templates")
    .set({ ...patch, version: sql<number>`version + 1` })
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteTemplateRow(db: Database, workspaceId: string, id: string) {
  await db.deleteFrom("templates").where("workspace_id", "=", workspaceId).where("id", "=", id).execute();
}

export async function listTemplateRows(
  db: Database,
  workspaceId: string,
  query: ListTemplatesQuery,
  afterId: string | null,
): Promise<TemplateRow[]> {
  let q = db.selectFrom("templates").selectAll().where("workspace_id", "=", workspaceId);
  if (query.kind) q = q.where("kind", "=", query.kind);
  if (query.q) q = q.where(sql<boolean>`strpos(lower(name), lower(${query.q})) > 0`);
  if (afterId) q = q.where("id", ">", afterId);
  return q
    .orderBy("id")
    .limit(query.limit + 1)
    .execute();
}

/** The contact a preview or test send is rendered for (read-only; contacts own their writes). */
export async function findContactForMerge(db: Database, workspaceId: string, id: string) {
  return db
    .selectFrom("contacts")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}
