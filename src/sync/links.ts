// Linking a list to a list in the tool (seed 003 §4.3): create it there from the list's settings, or attach
// an existing one. The link is lasting; the settings sent are kept read-only. The expert options of §5.5
// (detach, enter the remote id by hand, choose again) each need confirm: true, warn, and write an activity.
import { activityCtx, recordActivity } from "../audit/service.js";
import type { Database } from "../db/index.js";
import type { Row } from "../db/schema.js";
import { requireList } from "../lists/service.js";
import type { Ctx, Runtime } from "../runtime.js";
import { Conflict, Invalid, NotFound } from "../util/errors.js";
import { newId } from "../util/ids.js";
import type { AdapterOptions, ListSettings, RemoteList } from "./adapter.js";
import { adapterOf, requireConnection, toolLabel, toolProblem } from "./connections.js";
import type { LinkInput } from "./schema.js";
import { releaseToolWebhook } from "./webhooks/service.js";

export type LinkRow = Row<"list_links">;

export const EXPERT_WARNINGS = {
  detach:
    "Detaching ends the link to the list in the tool: the reconciliation results and tasks of every subscription are dropped, the list in the tool stays as it is. Only do this right after attaching the wrong list.",
  relink:
    "Linking another remote list drops the reconciliation results and tasks of every subscription; the next fetch compares against the new list. Only do this right after attaching the wrong list.",
  entered:
    "A remote id entered by hand must be the technical id of a list in the tool (it is checked with the tool before it is used).",
} as const;

export function linkOut(l: LinkRow, connection?: Row<"email_tool_connections">) {
  return {
    id: l.id,
    list_id: l.list_id,
    connection_id: l.connection_id,
    tool: connection?.tool,
    remote_list_id: l.remote_list_id,
    remote_list_name: l.remote_list_name,
    how: l.how,
    /** what was sent to (or read from) the tool when linking; read-only from now on */
    settings: l.settings,
    fetch_every_minutes: l.fetch_every_minutes,
    next_fetch_at: l.next_fetch_at,
    last_fetch_at: l.last_fetch_at,
    last_transmit_at: l.last_transmit_at,
    created_at: l.created_at,
    created_by: l.created_by,
    expert_options: EXPERT_WARNINGS,
  };
}

export async function findLink(db: Database, workspaceId: string, listId: string) {
  return db
    .selectFrom("list_links")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("list_id", "=", listId)
    .executeTakeFirst();
}

/** The link of a list of this workspace with its connection; 404 when the list is foreign or not linked. */
export async function requireLink(db: Database, workspaceId: string, listId: string) {
  await requireList(db, workspaceId, listId);
  const link = await findLink(db, workspaceId, listId);
  if (!link) throw NotFound("link to an e-mail tool for list", listId);
  const connection = await requireConnection(db, workspaceId, link.connection_id);
  return { link, connection };
}

export async function getLink(ctx: Ctx, listId: string) {
  const { link, connection } = await requireLink(ctx.rt.db, ctx.workspaceId, listId);
  return linkOut(link, connection);
}

function settingsFromList(l: Row<"lists">, input: Extract<LinkInput, { mode: "create" }>): ListSettings {
  const missing = (["sender_name", "sender_email"] as const).filter((k) => !l[k]);
  if (missing.length > 0) {
    throw Invalid(
      `The tool needs every list setting to create the list: set ${missing.join(" and ")} on the list first (PATCH /v1/lists/${l.id}).`,
      missing.map((path) => ({ path, message: "required to create the list in the tool" })),
    );
  }
  return {
    name: l.name,
    description: l.description,
    from_name: l.sender_name ?? "",
    from_email: l.sender_email ?? "",
    reply_to: l.reply_to,
    track_reactions: l.record_reactions,
    contact: input.contact,
    permission_reminder: input.permission_reminder,
    double_opt_in: input.double_opt_in,
  };
}

const settingsFromRemote = (r: RemoteList) => ({
  name: r.name,
  description: r.description ?? null,
  from_name: r.from_name ?? null,
  from_email: r.from_email ?? null,
  reply_to: r.reply_to ?? null,
  track_reactions: r.track_reactions ?? null,
});

export async function createLink(ctx: Ctx, listId: string, input: LinkInput, opts: AdapterOptions = {}) {
  const db = ctx.rt.db;
  const list = await requireList(db, ctx.workspaceId, listId);
  const connection = await requireConnection(db, ctx.workspaceId, input.connection_id);
  const existing = await findLink(db, ctx.workspaceId, listId);
  if (existing) {
    throw Conflict(
      `The list is linked already (remote list ${existing.remote_list_id}); use the expert options to detach or choose again.`,
      { link_id: existing.id },
    );
  }
  const adapter = adapterOf(ctx.rt.secret, connection, opts);
  const label = toolLabel(connection.tool);
  let remote: RemoteList;
  let settings: Record<string, unknown>;
  try {
    if (input.mode === "create") {
      const s = settingsFromList(list, input);
      remote = await adapter.createList(s);
      settings = { ...s };
    } else {
      remote = await adapter.getList(input.remote_list_id);
      settings = settingsFromRemote(remote);
    }
  } catch (e) {
    throw toolProblem(e, label);
  }
  const now = ctx.rt.now();
  return db.transaction().execute(async (tx) => {
    const link = await tx
      .insertInto("list_links")
      .values({
        id: newId("lnk", now.getTime()),
        workspace_id: ctx.workspaceId,
        list_id: listId,
        connection_id: connection.id,
        remote_list_id: remote.id,
        remote_list_name: remote.name,
        how: input.mode === "create" ? "created" : "attached",
        settings: JSON.stringify(settings),
        created_at: now,
        created_by: ctx.actor.name,
        updated_at: now,
      })
      .onConflict((oc) => oc.column("list_id").doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!link) throw Conflict("The list was linked by someone else at this moment.");
    // A list created in the tool is filled with the members here: every subscribed one is marked for
    // transmission (seed 003 §4.3 "Liste neu erstellen" sends the list with all its members).
    const marked = input.mode === "create" ? await markAllSubscribed(tx, ctx, listId, now) : 0;
    await recordActivity(tx, activityCtx(ctx), {
      action: "linked",
      kind: "list",
      recordId: listId,
      summary:
        input.mode === "create"
          ? `List created in ${label} as '${remote.name}' (${remote.id}); ${marked} subscription(s) marked for transmission`
          : `List attached to '${remote.name}' (${remote.id}) in ${label}`,
      after: { connection_id: connection.id, remote_list_id: remote.id, how: link.how, settings },
    });
    return { ...linkOut(link, connection), marked_for_transmission: marked };
  });
}

async function markAllSubscribed(tx: Database, ctx: Ctx, listId: string, now: Date) {
  const rows = await tx
    .insertInto("subscription_sync")
    .columns([
      "subscription_id",
      "workspace_id",
      "list_id",
      "task",
      "task_set_at",
      "task_set_by",
      "task_reason",
      "updated_at",
    ])
    .expression((eb) =>
      eb
        .selectFrom("subscriptions")
        .select((s) => [
          s.ref("id").as("subscription_id"),
          s.ref("workspace_id").as("workspace_id"),
          s.ref("list_id").as("list_id"),
          s.val("transmit").as("task"),
          s.val(now).as("task_set_at"),
          s.val(ctx.actor.name).as("task_set_by"),
          s.val("list_created").as("task_reason"),
          s.val(now).as("updated_at"),
        ])
        .where("list_id", "=", listId)
        .where("status", "=", "subscribed"),
    )
    .onConflict((oc) => oc.column("subscription_id").doNothing())
    .returning("subscription_id")
    .execute();
  return rows.length;
}

function requireConfirm(confirm: boolean | undefined, warning: string) {
  if (!confirm) throw Conflict(`${warning} Repeat the request with confirm: true to go ahead.`, { warning });
}

async function dropSyncState(tx: Database, listId: string) {
  await tx.deleteFrom("subscription_sync").where("list_id", "=", listId).execute();
}

export async function detachLink(ctx: Ctx, listId: string, confirm: boolean) {
  const { link, connection } = await requireLink(ctx.rt.db, ctx.workspaceId, listId);
  requireConfirm(confirm, EXPERT_WARNINGS.detach);
  await assertNoActiveRun(ctx.rt.db, listId);
  // The live-changes URL goes with the link: its registration in the tool is removed first.
  const webhook = await releaseToolWebhook(ctx.rt, ctx.workspaceId, listId);
  return ctx.rt.db.transaction().execute(async (tx) => {
    await assertNoActiveRun(tx, listId);
    await dropSyncState(tx, listId);
    await tx.deleteFrom("list_links").where("id", "=", link.id).execute();
    await recordActivity(tx, activityCtx(ctx), {
      action: "detached",
      kind: "list",
      recordId: listId,
      summary: `Link to '${link.remote_list_name}' (${link.remote_list_id}) in ${toolLabel(connection.tool)} removed`,
      before: { connection_id: link.connection_id, remote_list_id: link.remote_list_id, how: link.how },
      data: { warning: EXPERT_WARNINGS.detach },
    });
    return {
      list_id: listId,
      detached: true,
      warning: EXPERT_WARNINGS.detach,
      ...(webhook ? { webhook } : {}),
    };
  });
}

export async function relink(
  ctx: Ctx,
  listId: string,
  input: { remote_list_id: string; how: "chosen" | "entered"; confirm?: boolean },
  opts: AdapterOptions = {},
) {
  const { link, connection } = await requireLink(ctx.rt.db, ctx.workspaceId, listId);
  const warning =
    input.how === "entered" ? `${EXPERT_WARNINGS.relink} ${EXPERT_WARNINGS.entered}` : EXPERT_WARNINGS.relink;
  requireConfirm(input.confirm, warning);
  let remote: RemoteList;
  try {
    remote = await adapterOf(ctx.rt.secret, connection, opts).getList(input.remote_list_id);
  } catch (e) {
    throw toolProblem(e, toolLabel(connection.tool));
  }
  await assertNoActiveRun(ctx.rt.db, listId);
  // A live-changes URL registered on the old remote list would report another list's changes: it goes.
  const webhook =
    remote.id === link.remote_list_id ? null : await releaseToolWebhook(ctx.rt, ctx.workspaceId, listId);
  const now = ctx.rt.now();
  return ctx.rt.db.transaction().execute(async (tx) => {
    await assertNoActiveRun(tx, listId);
    await dropSyncState(tx, listId);
    const after = await tx
      .updateTable("list_links")
      .set({
        remote_list_id: remote.id,
        remote_list_name: remote.name,
        how: input.how === "entered" ? "entered" : "attached",
        settings: JSON.stringify(settingsFromRemote(remote)),
        updated_at: now,
      })
      .where("id", "=", link.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordActivity(tx, activityCtx(ctx), {
      action: input.how === "entered" ? "remote_id_entered" : "relinked",
      kind: "list",
      recordId: listId,
      summary: `Link moved from '${link.remote_list_name}' (${link.remote_list_id}) to '${remote.name}' (${remote.id})`,
      before: { remote_list_id: link.remote_list_id, how: link.how },
      after: { remote_list_id: after.remote_list_id, how: after.how },
      data: { warning },
    });
    return {
      ...linkOut(after, connection),
      warning,
      ...(webhook
        ? {
            webhook: {
              ...webhook,
              note: `The webhook URL of the old list was removed; create one for the new list (POST /v1/lists/${listId}/webhook).`,
            },
          }
        : {}),
    };
  });
}

export async function setSchedule(ctx: Ctx, listId: string, everyMinutes: number | null) {
  const { link, connection } = await requireLink(ctx.rt.db, ctx.workspaceId, listId);
  const now = ctx.rt.now();
  return ctx.rt.db.transaction().execute(async (tx) => {
    const after = await tx
      .updateTable("list_links")
      .set({
        fetch_every_minutes: everyMinutes,
        next_fetch_at: everyMinutes === null ? null : new Date(now.getTime() + everyMinutes * 60_000),
        updated_at: now,
      })
      .where("id", "=", link.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordActivity(tx, activityCtx(ctx), {
      action: "updated",
      kind: "list_link",
      recordId: link.id,
      summary:
        everyMinutes === null
          ? "Scheduled fetch switched off"
          : `Fetch scheduled every ${everyMinutes} minutes (never transmits by itself)`,
      before: { fetch_every_minutes: link.fetch_every_minutes },
      after: { fetch_every_minutes: after.fetch_every_minutes },
    });
    return linkOut(after, connection);
  });
}

export async function assertNoActiveRun(db: Database, listId: string) {
  const active = await db
    .selectFrom("sync_runs")
    .select(["id", "kind"])
    .where("list_id", "=", listId)
    .where("status", "in", ["queued", "running"])
    .executeTakeFirst();
  if (active)
    throw Conflict(`A ${active.kind} of this list is running (${active.id}); wait for it to end.`, {
      run_id: active.id,
    });
}

/**
 * Before a linked list is deleted here (seed 003 §8.3): the list in the tool cannot be deleted through the
 * interface — it stays, and the deletion is confirmed knowing that and what goes with it (the
 * subscriptions; mailing records stay without their list). A running fetch or transmit is waited for; the
 * tool's webhook registration for the list is removed. Null for a list without a link.
 */
export async function settleLinkBeforeListDelete(
  rt: Runtime,
  workspaceId: string,
  listId: string,
  confirm: boolean,
  counts: () => Promise<{ subscriptions: number }>,
) {
  const link = await findLink(rt.db, workspaceId, listId);
  if (!link) return null;
  const connection = await requireConnection(rt.db, workspaceId, link.connection_id);
  const tool = toolLabel(connection.tool);
  const kept = {
    tool: connection.tool,
    remote_list_id: link.remote_list_id,
    remote_list_name: link.remote_list_name,
    note: `The list '${link.remote_list_name}' (${link.remote_list_id}) in ${tool} is not deleted: the interface cannot delete a list in the tool. Delete it there by hand if it is no longer needed.`,
  };
  if (!confirm) {
    const { subscriptions } = await counts();
    const mailings = await rt.db
      .selectFrom("mailings")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("workspace_id", "=", workspaceId)
      .where("list_id", "=", listId)
      .executeTakeFirstOrThrow();
    throw Conflict(
      `The list is linked to '${link.remote_list_name}' (${link.remote_list_id}) in ${tool}. Deleting it here does not delete that list in ${tool} — the interface cannot; delete it there by hand if it is no longer needed. ${subscriptions} subscription(s) go with the list here; ${Number(mailings.n)} mailing record(s) stay, without their list. Delete with ?confirm=true.`,
      { ...kept, subscriptions, mailings: Number(mailings.n) },
    );
  }
  await assertNoActiveRun(rt.db, listId);
  const webhook = await releaseToolWebhook(rt, workspaceId, listId);
  return { tool_list_kept: kept, ...(webhook ? { webhook } : {}) };
}
