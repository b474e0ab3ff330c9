// All SQL of the blocklist. Active entries are unique per (workspace, address_hash): the partial unique
// index blocklist_active_idx makes "block" race-free; lifted entries stay as history.
import type { Kysely } from "kysely";
import type { DB, NewRow, Row } from "../db/schema.js";
import { escapeLike } from "../lists/store.js";
import type { BlockKind } from "./hash.js";

type Db = Kysely<DB>;
export type BlockEntryRow = Row<"blocklist">;

/** Inserts unless the address is already actively blocked; undefined means it already was. */
export function insertEntryIfAbsent(db: Db, row: NewRow<"blocklist">) {
  return db
    .insertInto("blocklist")
    .values(row)
    .onConflict((oc) =>
      oc.columns(["workspace_id", "address_hash"]).where("lifted_at", "is", null).doNothing(),
    )
    .returningAll()
    .executeTakeFirst();
}

export function findActiveByHash(db: Db, workspaceId: string, hash: string) {
  return db
    .selectFrom("blocklist")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("address_hash", "=", hash)
    .where("lifted_at", "is", null)
    .executeTakeFirst();
}

export function findEntry(db: Db, workspaceId: string, id: string, forUpdate = false) {
  let q = db.selectFrom("blocklist").selectAll().where("workspace_id", "=", workspaceId).where("id", "=", id);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export function markLifted(db: Db, id: string, v: { at: Date; by: string; reason: string | null }) {
  return db
    .updateTable("blocklist")
    .set({ lifted_at: v.at, lifted_by: v.by, lift_reason: v.reason })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface EntryFilter {
  q?: string;
  kind?: BlockKind;
  source?: string;
  includeLifted: boolean;
  /** id of the last entry of the previous page (newest first) */
  before?: string;
  limit: number;
}

export function selectEntries(db: Db, workspaceId: string, f: EntryFilter) {
  let q = db.selectFrom("blocklist").selectAll().where("workspace_id", "=", workspaceId);
  if (!f.includeLifted) q = q.where("lifted_at", "is", null);
  if (f.kind) q = q.where("kind", "=", f.kind);
  if (f.source) q = q.where("source", "=", f.source);
  if (f.q) q = q.where("address", "ilike", `%${escapeLike(f.q)}%`);
  if (f.before) q = q.where("id", "<", f.before);
  return q
    .orderBy("id", "desc")
    .limit(f.limit + 1)
    .execute();
}
