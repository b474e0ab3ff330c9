// Users of a workspace (issue 7 item 1–2): created by the operator (the first admin), the CLI or workspace
// admins; changed, disabled and deleted by admins; a workspace never loses its last active admin.
import type { Kysely } from "kysely";
import { activityCtx, recordActivity } from "../audit/service.js";
import type { DB } from "../db/schema.js";
import type { Actor, Ctx, Runtime } from "../runtime.js";
import { Conflict, Invalid, NotFound } from "../util/errors.js";
import { newId } from "../util/ids.js";
import { generatePassword, hashPassword, verifyPassword } from "./password.js";
import type { CreateUser, UpdateMe, UpdateUser } from "./schema.js";
import type { SessionUser } from "./sessions.js";
import {
  deleteSessionsOfUser,
  deleteUserRow,
  insertUser,
  lockActiveAdmins,
  selectUser,
  selectUserByEmail,
  selectUserForUpdate,
  selectUsers,
  type UserRow,
  updateUserRow,
} from "./store.js";

/** The API's view of a user: never the password hash. */
export function userOut(u: UserRow) {
  return {
    id: u.id,
    workspace_id: u.workspace_id,
    email: u.email,
    name: u.name,
    role: u.role,
    language: u.language,
    disabled: u.disabled,
    last_login_at: u.last_login_at,
    created_at: u.created_at,
    updated_at: u.updated_at,
  };
}

/** What the activity log keeps of a user. */
function auditView(u: UserRow) {
  return { email: u.email, name: u.name, role: u.role, language: u.language, disabled: u.disabled };
}

/** The actor of a logged-in user in the activity log: its id, and its name with the e-mail. */
export function userActor(s: Pick<SessionUser, "id" | "email" | "name" | "role">): Actor {
  return { type: "user", id: s.id, name: s.name ? `${s.name} <${s.email}>` : s.email, role: s.role };
}

export async function createUser(rt: Runtime, actor: Actor, workspaceId: string, input: CreateUser) {
  const ws = await rt.db
    .selectFrom("workspaces")
    .select("id")
    .where("id", "=", workspaceId)
    .executeTakeFirst();
  if (!ws) throw NotFound("workspace", workspaceId);
  const existing = await selectUserByEmail(rt.db, input.email);
  // Instance-wide uniqueness: do not say in which workspace the address is taken.
  if (existing) throw Conflict(`A user with the e-mail address '${input.email}' already exists.`);
  const generated = input.password === undefined ? generatePassword() : null;
  const passwordHash = await hashPassword(input.password ?? (generated as string));
  const now = rt.now();
  return rt.db.transaction().execute(async (tx) => {
    const row = await insertUser(tx, {
      id: newId("usr", now.getTime()),
      workspace_id: workspaceId,
      email: input.email,
      name: input.name ?? "",
      role: input.role,
      language: input.language ?? "de",
      password_hash: passwordHash,
      created_at: now,
      updated_at: now,
    }).catch((e: unknown) => {
      if (isUniqueViolation(e))
        throw Conflict(`A user with the e-mail address '${input.email}' already exists.`);
      throw e;
    });
    await recordActivity(
      tx,
      { workspaceId, actor, now },
      { action: "created", kind: "user", recordId: row.id, after: auditView(row) },
    );
    return { ...userOut(row), ...(generated ? { password: generated } : {}) };
  });
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: string }).code === "23505";
}

export async function getUser(ctx: Ctx, id: string) {
  const u = await selectUser(ctx.rt.db, ctx.workspaceId, id);
  if (!u) throw NotFound("user", id);
  return u;
}

export async function listUsers(ctx: Ctx, limit: number, after?: string) {
  return selectUsers(ctx.rt.db, ctx.workspaceId, limit + 1, after);
}

/** 409 if the change would leave the workspace without an active admin. */
async function keepAnAdmin(tx: Kysely<DB>, before: UserRow, stillActiveAdmin: boolean) {
  const wasActiveAdmin = before.role === "admin" && !before.disabled;
  if (!wasActiveAdmin || stillActiveAdmin) return;
  const admins = await lockActiveAdmins(tx, before.workspace_id);
  if (admins.filter((id) => id !== before.id).length === 0) {
    throw Conflict("This is the workspace's last active admin; make another user admin first.");
  }
}

export async function updateUser(ctx: Ctx, id: string, patch: UpdateUser) {
  const passwordHash = patch.password ? await hashPassword(patch.password) : undefined;
  return ctx.rt.db.transaction().execute(async (tx) => {
    const before = await selectUserForUpdate(tx, ctx.workspaceId, id);
    if (!before) throw NotFound("user", id);
    const role = patch.role ?? before.role;
    const disabled = patch.disabled ?? before.disabled;
    await keepAnAdmin(tx, before, role === "admin" && !disabled);
    const now = ctx.rt.now();
    const after = await updateUserRow(tx, id, {
      name: patch.name ?? before.name,
      role,
      language: patch.language ?? before.language,
      disabled,
      ...(passwordHash ? { password_hash: passwordHash } : {}),
      updated_at: now,
    });
    // A reset password, a disabled user or a lower role must not live on in open sessions.
    if (passwordHash || disabled || role !== before.role) await deleteSessionsOfUser(tx, id);
    await recordActivity(tx, activityCtx(ctx), {
      action: "updated",
      kind: "user",
      recordId: id,
      summary: passwordHash ? "Password reset by an admin" : undefined,
      before: auditView(before),
      after: auditView(after),
    });
    return userOut(after);
  });
}

export async function deleteUser(ctx: Ctx, id: string) {
  return ctx.rt.db.transaction().execute(async (tx) => {
    const before = await selectUserForUpdate(tx, ctx.workspaceId, id);
    if (!before) throw NotFound("user", id);
    await keepAnAdmin(tx, before, false);
    await deleteUserRow(tx, id);
    await recordActivity(tx, activityCtx(ctx), {
      action: "deleted",
      kind: "user",
      recordId: id,
      before: auditView(before),
    });
  });
}

/** A user changes their own name, language or password (the current one is required for a new one). */
export async function updateMe(rt: Runtime, session: SessionUser, patch: UpdateMe) {
  const ctx: Ctx = { rt, workspaceId: session.workspaceId, actor: userActor(session) };
  const current = await getUser(ctx, session.id);
  let passwordHash: string | undefined;
  if (patch.new_password !== undefined) {
    if (!(await verifyPassword(current.password_hash, patch.current_password ?? ""))) {
      throw Invalid("current_password: the current password is wrong.", [
        { path: "current_password", message: "the current password is wrong", code: "wrong_password" },
      ]);
    }
    passwordHash = await hashPassword(patch.new_password);
  }
  return rt.db.transaction().execute(async (tx) => {
    const now = rt.now();
    const after = await updateUserRow(tx, session.id, {
      name: patch.name ?? current.name,
      language: patch.language ?? current.language,
      ...(passwordHash ? { password_hash: passwordHash } : {}),
      updated_at: now,
    });
    // A new password ends the user's other sessions (a stolen cookie stops working).
    if (passwordHash) await deleteSessionsOfUser(tx, session.id, session.sessionId);
    await recordActivity(tx, activityCtx(ctx), {
      action: "updated",
      kind: "user",
      recordId: session.id,
      summary: passwordHash ? "Password changed" : undefined,
      before: auditView(current),
      after: auditView(after),
    });
    return userOut(after);
  });
}
