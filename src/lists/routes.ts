// /v1/lists (Verteiler) and /v1/lists/:id/subscriptions (Verteilerzuordnungen).

import { pageWithSetByNames } from "../audit/actor-names.js";
import { activityCtx } from "../audit/service.js";
import { decodeCursor, toPage } from "../http/pagination.js";
import { defineRoute } from "../http/route.js";
import {
  bulkSubscribeBody,
  createListBody,
  createSubscriptionBody,
  deleteListQuery,
  deleteSubscriptionQuery,
  listIdParam,
  listQuery,
  subscriptionParams,
  subscriptionQuery,
  updateListBody,
  updateSubscriptionBody,
} from "./schema.js";
import { createList, deleteList, findLists, getList, listOut, updateList } from "./service.js";
import {
  addSubscription,
  bulkSubscribe,
  changeSubscriptionStatus,
  deleteSubscription,
  findSubscriptions,
  getSubscription,
  subscriptionOut,
} from "./subscriptions.js";

const tag = "lists";
const afterId = (cursor: string | undefined) => {
  const c = decodeCursor(cursor);
  return c ? String(c[0]) : undefined;
};

export const listRoutes = [
  defineRoute({
    method: "POST",
    url: "/v1/lists",
    auth: "workspace",
    tag,
    summary: "Create a list (Verteiler)",
    status: 201,
    body: createListBody,
    handler: ({ body, ctx }) => createList(ctx, body),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/lists",
    auth: "workspace",
    tag,
    summary: "Lists, oldest first; filter by status, type and part of the name (q)",
    query: listQuery,
    handler: async ({ query, ctx }) => {
      const rows = await findLists(ctx, { ...query, after: afterId(query.cursor) });
      return toPage(rows, query.limit, listOut, (r) => [r.id]);
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/lists/:id",
    auth: "workspace",
    tag,
    summary: "A list with its subscription counts per status",
    params: listIdParam,
    handler: ({ params, ctx }) => getList(ctx, params.id),
  }),
  defineRoute({
    method: "PATCH",
    url: "/v1/lists/:id",
    auth: "workspace",
    tag,
    summary: "Change a list's name, description, type, status, sender or reply-to",
    params: listIdParam,
    body: updateListBody,
    handler: ({ params, body, ctx }) => updateList(ctx, params.id, body),
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/lists/:id",
    auth: "workspace",
    tag,
    summary:
      "Delete a list together with all its subscriptions (the contacts stay); a list linked to an e-mail tool needs ?confirm=true, as the tool's list is not deleted",
    params: listIdParam,
    query: deleteListQuery,
    handler: ({ params, query, ctx }) => deleteList(ctx, params.id, query.confirm === "true"),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/lists/:id/subscriptions",
    auth: "workspace",
    tag,
    summary:
      "A list's subscriptions with the contact's name and first e-mail address; filter by status and by reaction to mail sent through the list (?reaction=not_opened|opened|clicked, optionally &mailing_id=)",
    params: listIdParam,
    query: subscriptionQuery,
    handler: async ({ params, query, ctx }) => {
      const rows = await findSubscriptions(ctx, params.id, {
        status: query.status,
        contactId: query.contact_id,
        reaction: query.reaction,
        mailingId: query.mailing_id,
        after: afterId(query.cursor),
        limit: query.limit,
      });
      return pageWithSetByNames(ctx.rt.db, ctx.workspaceId, rows, query.limit, (r, names) =>
        subscriptionOut(r, names, r),
      );
    },
  }),
  defineRoute({
    method: "POST",
    url: "/v1/lists/:id/subscriptions",
    auth: "workspace",
    tag,
    summary: "Add one contact to a list (409 if it is already on it; a contact is never on a list twice)",
    status: 201,
    params: listIdParam,
    body: createSubscriptionBody,
    handler: ({ params, body, ctx }) =>
      addSubscription(ctx.rt.db, activityCtx(ctx), params.id, body.contact_id, body.status),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/lists/:id/subscriptions/bulk",
    auth: "workspace",
    tag,
    summary: "Add every contact matching a filter (contacts already on the list are left as they are)",
    params: listIdParam,
    body: bulkSubscribeBody,
    handler: ({ params, body, ctx }) => bulkSubscribe(ctx, params.id, body.filter, body.status),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/lists/:id/subscriptions/:sub_id",
    auth: "workspace",
    tag,
    summary: "One subscription",
    params: subscriptionParams,
    handler: ({ params, ctx }) => getSubscription(ctx, params.id, params.sub_id),
  }),
  defineRoute({
    method: "PATCH",
    url: "/v1/lists/:id/subscriptions/:sub_id",
    auth: "workspace",
    tag,
    summary: "Set a subscription's status (records when and by whom)",
    params: subscriptionParams,
    body: updateSubscriptionBody,
    handler: ({ params, body, ctx }) => changeSubscriptionStatus(ctx, params.id, params.sub_id, body.status),
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/lists/:id/subscriptions/:sub_id",
    auth: "workspace",
    tag,
    summary:
      "Remove a contact from a list; on a linked list whose tool still lists the member, ?linked_members=delete (there too) or keep (here only) is asked for first",
    params: subscriptionParams,
    query: deleteSubscriptionQuery,
    handler: ({ params, query, ctx }) =>
      deleteSubscription(ctx, params.id, params.sub_id, query.linked_members),
  }),
];
