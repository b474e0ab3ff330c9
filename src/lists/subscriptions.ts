// Subscriptions (Verteilerzuordnungen, seed 003 §4.2): a contact on a list, never twice (the unique
// (list_id, contact_id) constraint decides, also under concurrent requests), with a status and when and
// by whom it was set (DESIGN §4). setSubscriptionStatus is the one way any process changes a status:
// the API, unsubscribe links, bounce handling and list sync all go through it.
import { type ActorNames, actorName, actorNames } from "../audit/actor-names.js";
import { type ActivityInput, activityCtx, recordActivities, recordActivity } from "../audit/service.js";
import type { Database } from "../db/index.js";
import type { SubscriptionStatus } from "../db/schema.js";
import { type Actor, actorLabel, type Ctx } from "../runtime.js";
import { type LinkedMemberChoice, settleLinkedSubscription } from "../sync/hooks.js";
import { Conflict, NotFound } from "../util/errors.js";
import { newId } from "../util/ids.js";
import type { ContactFilter } from "./schema.js";
import { requireList } from "./service.js";
import {
  contactFilterSql,
  countContacts,
  deleteSubscriptionRow,
  findContact,
  findSubscription,
  findSubscriptionOf,
  insertSubscriptionIfAbsent,
  insertSubscriptionsFor,
  inTransaction,
  isMailingOfList,
  lockSubscriptions,
  type SubscriptionFilter,
  type SubscriptionRow,
  selectSubscriptions,
  updateSubscriptionStatus,
} from "./store.js";

/** Who acts and when, as the activity log needs it (see activityCtx). */
export interface ActivityCtx {
  workspaceId: string;
  actor: Actor;
  now: Date;
}

interface ContactSummary {
  first_name: string | null;
  last_name: string | null;
  email: string | null;
}

export function subscriptionOut(s: SubscriptionRow, names: ActorNames, c?: ContactSummary) {
  return {
    id: s.id,
    list_id: s.list_id,
    contact_id: s.contact_id,
    status: s.status,
    status_set_at: s.status_set_at,
    status_set_by: s.status_set_by,
    /** The user's or API key's name behind status_set_by; null for processes and recipients. */
    status_set_by_name: actorName(names, s.status_set_by),
    created_at: s.created_at,
    updated_at: s.updated_at,
    ...(c ? { contact: contactOut(c) } : {}),
  };
}

function contactOut(c: ContactSummary) {
  const name = [c.first_name, c.last_name].filter(Boolean).join(" ");
  return { first_name: c.first_name, last_name: c.last_name, name: name || null, email: c.email };
}

function subscriptionFields(s: SubscriptionRow) {
  return {
    list_id: s.list_id,
    contact_id: s.contact_id,
    status: s.status,
    status_set_at: s.status_set_at,
    status_set_by: s.status_set_by,
  };
}

const subscriptionActivity = (
  s: SubscriptionRow,
  input: Omit<ActivityInput, "kind" | "recordId">,
): ActivityInput => ({ kind: "subscription", recordId: s.id, ...input });

/**
 * Puts one contact on a list. A contact already on the list is a 409 conflict naming the existing
 * subscription: the status of an existing subscription changes only through setSubscriptionStatus,
 * never as a side effect of "add".
 */
export async function addSubscription(
  db: Database,
  actx: ActivityCtx,
  listId: string,
  contactId: string,
  status: SubscriptionStatus = "subscribed",
) {
  return inTransaction(db, async (tx) => {
    await requireList(tx, actx.workspaceId, listId);
    const contact = await findContact(tx, actx.workspaceId, contactId);
    if (!contact) throw NotFound("contact", contactId);
    const s = await insertSubscriptionIfAbsent(tx, {
      id: newId("sub", actx.now.getTime()),
      workspace_id: actx.workspaceId,
      list_id: listId,
      contact_id: contactId,
      status,
      status_set_at: actx.now,
      status_set_by: actorLabel(actx.actor),
      created_at: actx.now,
      updated_at: actx.now,
    });
    if (!s) {
      const existing = await findSubscriptionOf(tx, listId, contactId);
      throw Conflict(
        `Contact '${contactId}' is already on this list (status '${existing?.status}'); change its status with PATCH /v1/lists/${listId}/subscriptions/${existing?.id}.`,
        { subscription_id: existing?.id, status: existing?.status },
      );
    }
    await recordActivity(
      tx,
      actx,
      subscriptionActivity(s, {
        action: "created",
        summary: `Contact added to list with status '${status}'`,
        after: subscriptionFields(s),
      }),
    );
    return subscriptionOut(s, await actorNames(tx, actx.workspaceId, [s.status_set_by]), contact);
  });
}

export async function findSubscriptions(ctx: Ctx, listId: string, filter: SubscriptionFilter) {
  await requireList(ctx.rt.db, ctx.workspaceId, listId);
  if (filter.mailingId) await requireMailingOfList(ctx.rt.db, ctx.workspaceId, listId, filter.mailingId);
  return selectSubscriptions(ctx.rt.db, listId, filter);
}

/** A reaction filter's mailing must be a campaign sent to this list or a tool mailing of it: 404 otherwise
 * (also for another workspace's id), rather than an empty page that looks like "nobody opened". */
export async function requireMailingOfList(db: Database, workspaceId: string, listId: string, id: string) {
  if (!(await isMailingOfList(db, workspaceId, listId, id))) throw NotFound("mailing", id);
}

export async function getSubscription(ctx: Ctx, listId: string, id: string) {
  await requireList(ctx.rt.db, ctx.workspaceId, listId);
  const s = await findSubscription(ctx.rt.db, ctx.workspaceId, listId, id);
  if (!s) throw NotFound("subscription", id);
  const c = await findContact(ctx.rt.db, ctx.workspaceId, s.contact_id);
  return subscriptionOut(s, await actorNames(ctx.rt.db, ctx.workspaceId, [s.status_set_by]), c);
}

/**
 * Adds every contact matching `filter` in one INSERT … SELECT; contacts already on the list are
 * left as they are. One summary activity records the counts.
 */
export async function bulkSubscribe(
  ctx: Ctx,
  listId: string,
  filter: ContactFilter,
  status: SubscriptionStatus = "subscribed",
) {
  const actx = activityCtx(ctx);
  return ctx.rt.db.transaction().execute(async (tx) => {
    const list = await requireList(tx, ctx.workspaceId, listId);
    if (filter.from_list_id) await requireList(tx, ctx.workspaceId, filter.from_list_id);
    const where = contactFilterSql(ctx.workspaceId, filter);
    const matched = await countContacts(tx, where);
    const added = await insertSubscriptionsFor(tx, where, {
      workspaceId: ctx.workspaceId,
      listId,
      status,
      setBy: actorLabel(ctx.actor),
      now: actx.now,
    });
    const result = { matched, added, already_present: Math.max(0, matched - added) };
    await recordActivity(tx, actx, {
      action: "subscriptions_added",
      kind: "list",
      recordId: list.id,
      summary: `${added} contact(s) added to list '${list.name}' with status '${status}' (${result.already_present} already on it)`,
      data: { filter, status, ...result },
    });
    return result;
  });
}

/** Which subscriptions a status change applies to: ids, one contact on one list, or a contact on
 * every list (a hard bounce concerns the address, not one list). */
export type StatusTarget = string[] | { contactId: string; listId?: string };

/**
 * Sets the status of the targeted subscriptions of this workspace, with status_set_at = now and
 * status_set_by = setBy. Subscriptions that already have the status are left untouched, so their
 * set-at keeps the time of the original decision (list sync compares it, seed 003 §5.2).
 * Returns the subscriptions that changed; each change writes an activity. Joins the caller's
 * transaction when given one.
 */
export async function setSubscriptionStatus(
  db: Database,
  actx: ActivityCtx,
  target: StatusTarget,
  status: SubscriptionStatus,
  setBy: string = actorLabel(actx.actor),
): Promise<SubscriptionRow[]> {
  if (Array.isArray(target) && target.length === 0) return [];
  return inTransaction(db, async (tx) => {
    const found = await lockSubscriptions(
      tx,
      actx.workspaceId,
      Array.isArray(target) ? { ids: target } : target,
    );
    const changing = found.filter((s) => s.status !== status);
    if (changing.length === 0) return [];
    const after = await updateSubscriptionStatus(
      tx,
      changing.map((s) => s.id),
      status,
      setBy,
      actx.now,
    );
    const beforeById = new Map(changing.map((s) => [s.id, s]));
    await recordActivities(
      tx,
      actx,
      after.map((s) =>
        subscriptionActivity(s, {
          action: "updated",
          summary: `Subscription status set to '${status}' by ${setBy}`,
          before: subscriptionFields(beforeById.get(s.id) ?? s),
          after: subscriptionFields(s),
        }),
      ),
    );
    return after;
  });
}

/** PATCH of one subscription through the API: the list and the subscription must both be this workspace's. */
export async function changeSubscriptionStatus(
  ctx: Ctx,
  listId: string,
  id: string,
  status: SubscriptionStatus,
) {
  return ctx.rt.db.transaction().execute(async (tx) => {
    await requireList(tx, ctx.workspaceId, listId);
    const s = await findSubscription(tx, ctx.workspaceId, listId, id);
    if (!s) throw NotFound("subscription", id);
    const [changed] = await setSubscriptionStatus(tx, activityCtx(ctx), [id], status);
    const c = await findContact(tx, ctx.workspaceId, s.contact_id);
    const out = changed ?? s;
    return subscriptionOut(out, await actorNames(tx, ctx.workspaceId, [out.status_set_by]), c);
  });
}

export async function deleteSubscription(
  ctx: Ctx,
  listId: string,
  id: string,
  linkedMember?: LinkedMemberChoice,
) {
  await requireList(ctx.rt.db, ctx.workspaceId, listId);
  if (!(await findSubscription(ctx.rt.db, ctx.workspaceId, listId, id))) throw NotFound("subscription", id);
  // List sync (seed 003 §8.1): a member the tool still lists is deleted there first, or kept, as asked.
  const inTool = await settleLinkedSubscription(ctx.rt, ctx.workspaceId, id, linkedMember);
  return ctx.rt.db.transaction().execute(async (tx) => {
    await requireList(tx, ctx.workspaceId, listId);
    const s = await findSubscription(tx, ctx.workspaceId, listId, id);
    if (!s) throw NotFound("subscription", id);
    await deleteSubscriptionRow(tx, id);
    await recordActivity(
      tx,
      activityCtx(ctx),
      subscriptionActivity(s, {
        action: "deleted",
        summary: inTool
          ? `Contact removed from list; its member in ${inTool.tool} was ${inTool.done} first`
          : "Contact removed from list",
        before: subscriptionFields(s),
        ...(inTool ? { data: { member_in_tool: inTool.done } } : {}),
      }),
    );
    return { id, deleted: true, ...(inTool ? { member_in_tool: inTool.done } : {}) };
  });
}
