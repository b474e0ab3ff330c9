// Lists (Verteiler, seed 003 §3.1/§4.1): a living distribution list with type, status, sender and
// reply-to. Each write records its activity in the same transaction. Deleting a list removes its
// subscriptions with it (nothing else references a list yet); the activity says how many.
import { type ActivityInput, activityCtx, recordActivity } from "../audit/service.js";
import type { Database } from "../db/index.js";
import type { Ctx } from "../runtime.js";
import { settleLinkBeforeListDelete } from "../sync/links.js";
import { Conflict, NotFound } from "../util/errors.js";
import { newId } from "../util/ids.js";
import { type CreateList, subscriptionStatuses, type UpdateList } from "./schema.js";
import {
  countByStatus,
  deleteListRow,
  findList,
  findToolLink,
  insertList,
  type ListFilter,
  type ListRow,
  selectLists,
  updateListRow,
} from "./store.js";

export function listOut(l: ListRow) {
  return {
    id: l.id,
    name: l.name,
    description: l.description,
    type: l.type,
    status: l.status,
    sender_name: l.sender_name,
    sender_email: l.sender_email,
    reply_to: l.reply_to,
    record_reactions: l.record_reactions,
    created_at: l.created_at,
    updated_at: l.updated_at,
  };
}

/** The fields an activity compares (timestamps are left out by diff()). */
function listFields(l: ListRow) {
  const { id: _id, workspace_id: _ws, ...fields } = l;
  return fields;
}

const listActivity = (l: ListRow, input: Omit<ActivityInput, "kind" | "recordId">): ActivityInput => ({
  kind: "list",
  recordId: l.id,
  ...input,
});

/** Throws 404 for an unknown id and for another workspace's list alike. */
export async function requireList(db: Database, workspaceId: string, id: string, forUpdate = false) {
  const l = await findList(db, workspaceId, id, forUpdate);
  if (!l) throw NotFound("list", id);
  return l;
}

export async function createList(ctx: Ctx, input: CreateList) {
  const now = ctx.rt.now();
  return ctx.rt.db.transaction().execute(async (tx) => {
    const l = await insertList(tx, {
      id: newId("list", now.getTime()),
      workspace_id: ctx.workspaceId,
      name: input.name,
      description: input.description ?? null,
      type: input.type,
      status: input.status,
      sender_name: input.sender_name ?? null,
      sender_email: input.sender_email ?? null,
      reply_to: input.reply_to ?? null,
      record_reactions: input.record_reactions,
      created_at: now,
      updated_at: now,
    });
    await recordActivity(
      tx,
      activityCtx(ctx),
      listActivity(l, { action: "created", summary: `List '${l.name}' created`, after: listFields(l) }),
    );
    return listOut(l);
  });
}

/** Subscription counts per status, every status present (0 when none). */
export async function subscriptionCounts(db: Database, listId: string) {
  const byStatus = await countByStatus(db, listId);
  const counts = Object.fromEntries(subscriptionStatuses.map((s) => [s, byStatus.get(s) ?? 0])) as Record<
    (typeof subscriptionStatuses)[number],
    number
  >;
  const total = [...byStatus.values()].reduce((a, b) => a + b, 0);
  return { total, ...counts };
}

export async function getList(ctx: Ctx, id: string) {
  const l = await requireList(ctx.rt.db, ctx.workspaceId, id);
  return { ...listOut(l), counts: await subscriptionCounts(ctx.rt.db, l.id) };
}

export function findLists(ctx: Ctx, filter: ListFilter) {
  return selectLists(ctx.rt.db, ctx.workspaceId, filter);
}

/** The header fields the e-mail tool owns once a list is linked to it (seed 003 §4.3). */
const TOOL_OWNED = ["sender_name", "sender_email", "reply_to"] as const;

/** Where each tool keeps the sender, so the refusal can say where to change it instead. */
const SENDER_IN_TOOL: Record<string, string> = {
  mailchimp:
    "Mailchimp keeps them with the audience: change them there (Audience → Settings → Audience name and defaults)",
  listmonk: "listmonk sets them per campaign: enter them in listmonk when you create the campaign",
};

/** A linked list's sender and reply-to come from the tool; changing them here would silently disagree with
 * what the tool sends. A PATCH that repeats the current values is no change and passes. */
async function refuseToolOwnedChange(db: Database, before: ListRow, patch: UpdateList) {
  const changed = TOOL_OWNED.filter((f) => patch[f] !== undefined && (patch[f] ?? null) !== before[f]);
  if (changed.length === 0) return;
  const link = await findToolLink(db, before.id);
  if (!link) return;
  const tool = link.tool === "mailchimp" ? "Mailchimp" : link.tool;
  throw Conflict(
    `The list '${before.name}' is linked to ${tool} (connection '${link.connection_name}'), which owns its sender name, sender address and reply-to; they cannot be changed here (${changed.join(", ")}). ${SENDER_IN_TOOL[link.tool] ?? "Change them in the tool"}. To manage them here again, detach the list first (POST /v1/lists/${before.id}/link/detach with confirm: true).`,
    { fields: changed, tool: link.tool, link_id: link.id },
  );
}

export async function updateList(ctx: Ctx, id: string, patch: UpdateList) {
  const now = ctx.rt.now();
  return ctx.rt.db.transaction().execute(async (tx) => {
    const before = await requireList(tx, ctx.workspaceId, id, true);
    await refuseToolOwnedChange(tx, before, patch);
    const after = await updateListRow(tx, ctx.workspaceId, id, { ...patch, updated_at: now });
    await recordActivity(
      tx,
      activityCtx(ctx),
      listActivity(after, { action: "updated", before: listFields(before), after: listFields(after) }),
    );
    return listOut(after);
  });
}

/** Deletes the list and, with it, all its subscriptions. */
export async function deleteList(ctx: Ctx, id: string, confirm = false) {
  await requireList(ctx.rt.db, ctx.workspaceId, id);
  // List sync (seed 003 §8.3): a linked list is deleted here only, knowing the tool's list stays.
  const linked = await settleLinkBeforeListDelete(ctx.rt, ctx.workspaceId, id, confirm, async () => ({
    subscriptions: (await subscriptionCounts(ctx.rt.db, id)).total,
  }));
  return ctx.rt.db.transaction().execute(async (tx) => {
    const before = await requireList(tx, ctx.workspaceId, id, true);
    const { total } = await subscriptionCounts(tx, id);
    await deleteListRow(tx, ctx.workspaceId, id);
    await recordActivity(
      tx,
      activityCtx(ctx),
      listActivity(before, {
        action: "deleted",
        summary: `List '${before.name}' deleted with its ${total} subscription(s)${linked ? `; ${linked.tool_list_kept.note}` : ""}`,
        before: listFields(before),
        data: { subscriptions_removed: total, ...(linked ?? {}) },
      }),
    );
    return { id, deleted: true, subscriptions_removed: total, ...(linked ?? {}) };
  });
}
