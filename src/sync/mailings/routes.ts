// /v1/mailings: mailings sent by an external e-mail tool — the record with its intended recipients, the
// assignment to the tool's mailing, and fetching bounces, statistics and per-recipient reactions.
import { defineRoute } from "../../http/route.js";
import {
  createMailingBody,
  deleteMailingQuery,
  fetchMailingBody,
  mailingIdParam,
  mailingQuery,
  recipientQuery,
  updateMailingBody,
} from "./schema.js";
import {
  createMailing,
  deleteMailing,
  fetchMailing,
  getMailing,
  listMailings,
  MAILING_CAVEAT,
  mailingRecipients,
  toolMailings,
  updateMailing,
} from "./service.js";

const tag = "mailings";

export const mailingRoutes = [
  defineRoute({
    method: "POST",
    url: "/v1/mailings",
    auth: "workspace",
    tag,
    summary: `Create a mailing record for a list: its subscribed contacts now become the intended recipients. ${MAILING_CAVEAT}`,
    status: 201,
    body: createMailingBody,
    handler: ({ body, ctx }) => createMailing(ctx, body),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/mailings",
    auth: "workspace",
    tag,
    summary: "Mailing records, newest first; filter by list_id",
    query: mailingQuery,
    handler: ({ query, ctx }) => listMailings(ctx, query),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/mailings/:id",
    auth: "workspace",
    tag,
    summary: "One mailing record with its statistics and its recipients counted by reaction and bounce",
    params: mailingIdParam,
    handler: ({ params, ctx }) => getMailing(ctx, params.id),
  }),
  defineRoute({
    method: "PATCH",
    url: "/v1/mailings/:id",
    auth: "workspace",
    tag,
    summary:
      "Rename a mailing record or assign it to the tool's mailing (remote_mailing_id, checked with the tool)",
    params: mailingIdParam,
    body: updateMailingBody,
    handler: ({ params, body, ctx }) => updateMailing(ctx, params.id, body),
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/mailings/:id",
    auth: "workspace",
    tag,
    summary:
      "Delete a mailing record here (?confirm=true when it has recipients); the tool's mailing cannot be deleted through the interface",
    params: mailingIdParam,
    query: deleteMailingQuery,
    handler: ({ params, query, ctx }) => deleteMailing(ctx, params.id, query.confirm === "true"),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/mailings/:id/recipients",
    auth: "workspace",
    tag,
    summary:
      "The intended recipients with their reaction (not_opened, opened, clicked) and bounce; filter by either",
    params: mailingIdParam,
    query: recipientQuery,
    handler: ({ params, query, ctx }) => mailingRecipients(ctx, params.id, query),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/mailings/:id/fetch",
    auth: "workspace",
    tag,
    summary:
      "Fetch from the tool: general statistics, bounces (a permanent bounce blocklists the address and marks its subscription bounced_permanent) and per-recipient reactions (lists that record them); all three unless chosen",
    params: mailingIdParam,
    body: fetchMailingBody,
    handler: ({ params, body, ctx }) => fetchMailing(ctx, params.id, body),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/lists/:id/tool-mailings",
    auth: "workspace",
    tag,
    summary: "The linked tool's mailings sent to this list, to assign one to a mailing record",
    params: mailingIdParam,
    handler: ({ params, ctx }) => toolMailings(ctx, params.id),
  }),
];
