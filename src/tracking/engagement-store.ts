// SQL of open and click tracking: the links recorded per message, and what a hit needs to know about its
// message (workspace, when it was sent and delivered).
import { type Kysely, sql } from "kysely";
import type { DB } from "../db/schema.js";

export interface MessageLinkRow {
  message_id: string;
  workspace_id: string;
  idx: number;
  url: string;
}

/** Stores the links of tracked messages; storing the same message twice changes nothing. */
export async function insertMessageLinks(db: Kysely<DB>, rows: MessageLinkRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto("message_links")
    .values(rows)
    .onConflict((oc) => oc.columns(["message_id", "idx"]).doNothing())
    .execute();
}

export interface HitTarget {
  workspace_id: string;
  sent_at: Date | null;
  /** The latest delivered event, the other moment from which a scanner's click comes "too soon". */
  delivered_at: Date | null;
}

const deliveredAt = sql<Date | null>`(select max(e.at) from message_events e
  where e.message_id = m.id and e.type = 'delivered')`;

export async function findOpenTarget(db: Kysely<DB>, messageId: string): Promise<HitTarget | null> {
  const row = await db
    .selectFrom("messages as m")
    .select(["m.workspace_id", "m.sent_at"])
    .select(deliveredAt.as("delivered_at"))
    .where("m.id", "=", messageId)
    .executeTakeFirst();
  return row ?? null;
}

/** The message and the URL recorded for its link `idx`; null when either is unknown. */
export async function findClickTarget(
  db: Kysely<DB>,
  messageId: string,
  idx: number,
): Promise<(HitTarget & { url: string }) | null> {
  const row = await db
    .selectFrom("message_links as l")
    .innerJoin("messages as m", (j) =>
      j.onRef("m.id", "=", "l.message_id").onRef("m.workspace_id", "=", "l.workspace_id"),
    )
    .select(["m.workspace_id", "m.sent_at", "l.url"])
    .select(deliveredAt.as("delivered_at"))
    .where("l.message_id", "=", messageId)
    .where("l.idx", "=", idx)
    .executeTakeFirst();
  return row ?? null;
}

export async function linksOfMessage(db: Kysely<DB>, workspaceId: string, messageId: string) {
  return db
    .selectFrom("message_links")
    .select(["idx", "url"])
    .where("workspace_id", "=", workspaceId)
    .where("message_id", "=", messageId)
    .orderBy("idx")
    .execute();
}
