// SQL of the activity log and the event log.
import type { Kysely } from "kysely";
import type { DB, NewRow } from "../db/schema.js";

export async function insertActivities(db: Kysely<DB>, rows: NewRow<"activities">[]) {
  if (rows.length) await db.insertInto("activities").values(rows).execute();
}

export async function insertEventLog(db: Kysely<DB>, rows: NewRow<"event_log">[]) {
  if (rows.length) await db.insertInto("event_log").values(rows).execute();
}
