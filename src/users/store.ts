// SQL of users, login sessions and failed logins.
import { type Kysely, sql } from "kysely";
import type { DB, NewRow, Row, RowUpdate } from "../db/schema.js";

export type UserRow = Row<"users">;
export type SessionRow = Row<"user_sessions">;

export function insertUser(db: Kysely<DB>, row: NewRow<"users">) {
  return db.insertInto("users").values(row).returningAll().executeTakeFirstOrThrow();
}

export function selectUserByEmail(db: Kysely<DB>, email: string) {
  return db
    .selectFrom("users")
    .selectAll()
    .where(sql<string>`lower(email)`, "=", email.toLowerCase())
    .executeTakeFirst();
}

export function selectUser(db: Kysely<DB>, workspaceId: string, id: string) {
  return db
    .selectFrom("users")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** The row locked for the rest of the transaction (role changes and the last-admin rule). */
export function selectUserForUpdate(db: Kysely<DB>, workspaceId: string, id: string) {
  return db
    .selectFrom("users")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
}

export function selectUsers(db: Kysely<DB>, workspaceId: string, limit: number, after?: string) {
  let q = db.selectFrom("users").selectAll().where("workspace_id", "=", workspaceId);
  if (after) q = q.where("id", ">", after);
  return q.orderBy("id").limit(limit).execute();
}

/** Active admins of a workspace, locked so two concurrent demotions cannot both pass the last-admin check. */
export async function lockActiveAdmins(db: Kysely<DB>, workspaceId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("users")
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("role", "=", "admin")
    .where("disabled", "=", false)
    .orderBy("id")
    .forUpdate()
    .execute();
  return rows.map((r) => r.id);
}

export function updateUserRow(db: Kysely<DB>, id: string, set: RowUpdate<"users">) {
  return db.updateTable("users").set(set).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
}

export function deleteUserRow(db: Kysely<DB>, id: string) {
  return db.deleteFrom("users").where("id", "=", id).execute();
}

export function insertSession(db: Kysely<DB>, row: NewRow<"user_sessions">) {
  return db.insertInto("user_sessions").values(row).execute();
}

/** The session of a token hash with its user, if neither idle nor absolute expiry has passed. */
export function selectLiveSession(db: Kysely<DB>, tokenHash: string, now: Date, idleSince: Date) {
  return db
    .selectFrom("user_sessions as s")
    .innerJoin("users as u", "u.id", "s.user_id")
    .innerJoin("workspaces as w", "w.id", "s.workspace_id")
    .select([
      "s.id as session_id",
      "s.csrf_token",
      "s.last_seen_at",
      "u.id",
      "u.workspace_id",
      "u.email",
      "u.name",
      "u.role",
      "u.language",
      "u.disabled",
      "w.name as workspace_name",
    ])
    .where("s.token_hash", "=", tokenHash)
    .where("s.expires_at", ">", now)
    .where("s.last_seen_at", ">", idleSince)
    .executeTakeFirst();
}

export function touchSession(db: Kysely<DB>, sessionId: string, now: Date) {
  return db.updateTable("user_sessions").set({ last_seen_at: now }).where("id", "=", sessionId).execute();
}

export function deleteSessionByHash(db: Kysely<DB>, tokenHash: string) {
  return db.deleteFrom("user_sessions").where("token_hash", "=", tokenHash).execute();
}

/** Ends a user's sessions (password reset, disabling, deletion), optionally keeping the current one. */
export function deleteSessionsOfUser(db: Kysely<DB>, userId: string, keepSessionId?: string) {
  let q = db.deleteFrom("user_sessions").where("user_id", "=", userId);
  if (keepSessionId) q = q.where("id", "!=", keepSessionId);
  return q.execute();
}

export function deleteExpiredSessions(db: Kysely<DB>, now: Date, idleSince: Date) {
  return db
    .deleteFrom("user_sessions")
    .where((eb) => eb.or([eb("expires_at", "<=", now), eb("last_seen_at", "<=", idleSince)]))
    .execute();
}

export function insertLoginFailures(db: Kysely<DB>, rows: NewRow<"login_failures">[]) {
  return db.insertInto("login_failures").values(rows).execute();
}

/** Failures of one subject since a time: their count and the oldest (it decides when the limit lifts). */
export async function countLoginFailures(
  db: Kysely<DB>,
  scope: "email" | "ip",
  subject: string,
  since: Date,
) {
  const r = await db
    .selectFrom("login_failures")
    .select((eb) => [eb.fn.countAll<string>().as("n"), eb.fn.min("at").as("oldest")])
    .where("scope", "=", scope)
    .where("subject", "=", subject)
    .where("at", ">", since)
    .executeTakeFirstOrThrow();
  return { count: Number(r.n), oldest: r.oldest ? new Date(r.oldest) : null };
}

export function clearLoginFailures(db: Kysely<DB>, scope: "email" | "ip", subject: string) {
  return db.deleteFrom("login_failures").where("scope", "=", scope).where("subject", "=", subject).execute();
}

export function deleteOldLoginFailures(db: Kysely<DB>, before: Date) {
  return db.deleteFrom("login_failures").where("at", "<=", before).execute();
}
