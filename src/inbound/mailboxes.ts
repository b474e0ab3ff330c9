// The IMAP mailboxes a workspace has Poststelle poll (seed 002): the bounce mailbox, and the archive mailbox
// every message is BCC'd to. Admins only; the password is shown once on creation and masked afterwards,
// and reading it again (seed 002: "only admins see the archive's credentials") is itself logged.
import { type ActivityInput, activityCtx, recordActivity } from "../audit/service.js";
import type { Ctx } from "../runtime.js";
import { Conflict, Invalid, NotFound } from "../util/errors.js";
import { newId } from "../util/ids.js";
import {
  deleteMailboxRow,
  findMailbox,
  findMailboxByName,
  insertMailbox,
  type MailboxRow,
  selectMailboxes,
  updateMailboxRow,
} from "./mailbox-store.js";
import type { CreateMailbox, UpdateMailbox } from "./schema.js";

export const MASKED_PASSWORD = "********";

export function mailboxOut(m: MailboxRow, reveal = false) {
  return {
    id: m.id,
    name: m.name,
    host: m.host,
    port: m.port,
    tls: m.tls,
    user: m.username,
    password: reveal ? m.password : MASKED_PASSWORD,
    folder: m.folder,
    purpose: m.purpose,
    after: m.after,
    move_to: m.move_to,
    poll_seconds: m.poll_seconds,
    enabled: m.enabled,
    next_poll_at: m.next_poll_at,
    last_polled_at: m.last_polled_at,
    last_ingested: m.last_ingested,
    last_error: m.last_error,
    last_error_at: m.last_error_at,
    created_at: m.created_at,
    updated_at: m.updated_at,
  };
}

/** What the activity log keeps of a mailbox: everything but the password. */
function fields(m: MailboxRow) {
  return {
    name: m.name,
    host: m.host,
    port: m.port,
    tls: m.tls,
    user: m.username,
    folder: m.folder,
    purpose: m.purpose,
    after: m.after,
    move_to: m.move_to,
    poll_seconds: m.poll_seconds,
    enabled: m.enabled,
  };
}

const activity = (m: MailboxRow, input: Omit<ActivityInput, "kind" | "recordId">): ActivityInput => ({
  kind: "inbound_mailbox",
  recordId: m.id,
  ...input,
});

export async function createMailbox(ctx: Ctx, body: CreateMailbox) {
  const actx = activityCtx(ctx);
  return ctx.rt.db.transaction().execute(async (tx) => {
    const row = await insertMailbox(tx, {
      id: newId("imb", actx.now.getTime()),
      workspace_id: ctx.workspaceId,
      name: body.name,
      host: body.host,
      port: body.port,
      tls: body.tls,
      username: body.user,
      password: body.password,
      folder: body.folder,
      purpose: body.purpose,
      after: body.after,
      move_to: body.move_to ?? null,
      poll_seconds: body.poll_seconds,
      enabled: body.enabled,
      next_poll_at: actx.now,
      created_at: actx.now,
      updated_at: actx.now,
    });
    if (!row) throw nameTaken(ctx, body.name, await findMailboxByName(tx, ctx.workspaceId, body.name));
    await recordActivity(
      tx,
      actx,
      activity(row, {
        action: "created",
        summary: `IMAP mailbox '${row.name}' (${row.purpose}) added`,
        after: fields(row),
      }),
    );
    // The admin who just typed the password sees it once more; afterwards it is masked.
    return mailboxOut(row, true);
  });
}

function nameTaken(_ctx: Ctx, name: string, existing: { id: string } | undefined) {
  return Conflict(`A mailbox named '${name}' already exists in this workspace; choose another name.`, {
    id: existing?.id,
  });
}

export async function listMailboxes(ctx: Ctx, f: { before?: string; limit: number }) {
  return selectMailboxes(ctx.rt.db, ctx.workspaceId, f);
}

export async function getMailbox(ctx: Ctx, id: string) {
  const m = await findMailbox(ctx.rt.db, ctx.workspaceId, id);
  if (!m) throw NotFound("inbound mailbox", id);
  return mailboxOut(m);
}

/** The credentials in clear, for an admin who wants to open the mailbox directly (seed 002); logged. */
export async function revealCredentials(ctx: Ctx, id: string) {
  const actx = activityCtx(ctx);
  return ctx.rt.db.transaction().execute(async (tx) => {
    const m = await findMailbox(tx, ctx.workspaceId, id);
    if (!m) throw NotFound("inbound mailbox", id);
    await recordActivity(
      tx,
      actx,
      activity(m, {
        action: "credentials_viewed",
        summary: `Credentials of IMAP mailbox '${m.name}' viewed`,
      }),
    );
    return {
      id: m.id,
      host: m.host,
      port: m.port,
      tls: m.tls,
      user: m.username,
      password: m.password,
      folder: m.folder,
    };
  });
}

export async function updateMailbox(ctx: Ctx, id: string, patch: UpdateMailbox) {
  const actx = activityCtx(ctx);
  return ctx.rt.db.transaction().execute(async (tx) => {
    const before = await findMailbox(tx, ctx.workspaceId, id, true);
    if (!before) throw NotFound("inbound mailbox", id);
    const after = patch.after ?? before.after;
    const moveTo = patch.move_to === undefined ? before.move_to : patch.move_to;
    if (after === "move" && !moveTo) {
      throw Invalid("after: 'move' needs move_to, the folder processed mail is moved to.", [
        {
          path: "move_to",
          message: "required when after is 'move'",
          code: "required",
          when: { after: "move" },
        },
      ]);
    }
    if (patch.name && patch.name !== before.name) {
      const other = await findMailboxByName(tx, ctx.workspaceId, patch.name);
      if (other) throw nameTaken(ctx, patch.name, other);
    }
    const row = await updateMailboxRow(tx, id, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.host !== undefined ? { host: patch.host } : {}),
      ...(patch.port !== undefined ? { port: patch.port } : {}),
      ...(patch.tls !== undefined ? { tls: patch.tls } : {}),
      ...(patch.user !== undefined ? { username: patch.user } : {}),
      ...(patch.password !== undefined ? { password: patch.password } : {}),
      ...(patch.folder !== undefined ? { folder: patch.folder } : {}),
      ...(patch.purpose !== undefined ? { purpose: patch.purpose } : {}),
      ...(patch.poll_seconds !== undefined ? { poll_seconds: patch.poll_seconds } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      after,
      move_to: moveTo,
      // A changed mailbox is polled at once, so a fixed password shows its effect without waiting.
      next_poll_at: actx.now,
      updated_at: actx.now,
    });
    await recordActivity(
      tx,
      actx,
      activity(row, {
        action: "updated",
        summary: `IMAP mailbox '${row.name}' changed${patch.password !== undefined ? " (new password)" : ""}`,
        before: fields(before),
        after: fields(row),
        data: patch.password !== undefined ? { password_changed: true } : undefined,
      }),
    );
    return mailboxOut(row);
  });
}

export async function deleteMailbox(ctx: Ctx, id: string) {
  const actx = activityCtx(ctx);
  return ctx.rt.db.transaction().execute(async (tx) => {
    const m = await findMailbox(tx, ctx.workspaceId, id, true);
    if (!m) throw NotFound("inbound mailbox", id);
    await deleteMailboxRow(tx, id);
    await recordActivity(
      tx,
      actx,
      activity(m, { action: "deleted", summary: `IMAP mailbox '${m.name}' removed`, before: fields(m) }),
    );
    return { id, deleted: true };
  });
}
