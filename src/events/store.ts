// SQL of the message event log: append (a repeated observation is a no-op through dedupe_key), read the
// events of many messages at once, and write the derived status of many messages in one statement.
import { type Kysely, sql } from "kysely";
import type { DB, NewRow, Row } from "../db/schema.js";
import type { DerivedStatus } from "./status.js";

/** Locks the message rows in id order, so that two writers appending to the same messages serialise
 * (and cannot deadlock) and each derives the status from every event committed before it. */
export async function lockMessages(db: Kysely<DB>, messageIds: string[]) {
  await sql`select id from messages where id = any(${messageIds}::text[]) order by id for update`.execute(db);
}

/** Inserts the events; those whose (message_id, dedupe_key) is already stored are skipped. */
export async function insertEvents(db: Kysely<DB>, rows: NewRow<"message_events">[]): Promise<number> {
  if (rows.length === 0) return 0;
  const res = await db
    .insertInto("message_events")
    .values(rows)
    .onConflict((oc) =>
      oc.columns(["message_id", "dedupe_key"]).where("dedupe_key", "is not", null).doNothing(),
    )
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0);
}

export type StatusEventRow = Pick<
  Row<"message_events">,
  "id" | "message_id" | "type" | "at" | "detail" | "error_code"
> & { machine: boolean };

export async function selectStatusEvents(db: Kysely<DB>, messageIds: string[]): Promise<StatusEventRow[]> {
  if (messageIds.length === 0) return [];
  return (
    db
      .selectFrom("message_events")
      .select(["id", "message_id", "type", "at", "detail", "error_code"])
      // Machine opens and clicks (src/tracking/machine.ts) carry evidence.machine = true; status ignores them.
      .select(
        sql<boolean>`(type in ('opened', 'clicked') and coalesce(evidence -> 'machine' = 'true'::jsonb, false))`.as(
          "machine",
        ),
      )
      .where("message_id", "=", sql<string>`any(${messageIds}::text[])`)
      .execute()
  );
}

/** One UPDATE for any number of messages; rows whose cached status is already right are not touched. */
export async function updateDerivedStatuses(
  db: Kysely<DB>,
  derived: Array<{ id: string } & DerivedStatus>,
  now: Date,
): Promise<void> {
  if (derived.length === 0) return;
  await sql`
    update messages m
       set status = u.status, status_reason = u.reason, error_code = u.code, updated_at = ${now}
      from unnest(${derived.map((d) => d.id)}::text[], ${derived.map((d) => d.status)}::text[],
                  ${derived.map((d) => d.status_reason)}::text[], ${derived.map((d) => d.error_code)}::text[])
           as u(id, status, reason, code)
     where m.id = u.id
       and (m.status is distinct from u.status or m.status_reason is distinct from u.reason
            or m.error_code is distinct from u.code)`.execute(db);
}

export function selectTimeline(db: Kysely<DB>, messageId: string) {
  return (
    db
      .selectFrom("message_events")
      .select(["id", "at", "type", "source", "detail", "evidence", "error_code"])
      .where("message_id", "=", messageId)
      // Observations made in the same instant keep the order in which they were stored.
      .orderBy("at")
      .orderBy("created_at")
      .orderBy("id")
      .execute()
  );
}
