// /v1/webhook-endpoints and /v1/webhook-deliveries: webhooks to the host application (admins only).
import { decodeCursor, toPage } from "../http/pagination.js";
import { defineRoute } from "../http/route.js";
import { createEndpointBody, deliveriesQuery, idParam, listQuery, updateEndpointBody } from "./schema.js";
import {
  changeEndpoint,
  createEndpoint,
  deliveryOut,
  endpointOut,
  mustGetEndpoint,
  removeEndpoint,
  replayDelivery,
} from "./service.js";
import { selectDeliveries, selectEndpoints } from "./store.js";

const tag = "webhook-endpoints";
const role = "admin" as const;

export const hookRoutes = [
  defineRoute({
    method: "POST",
    url: "/v1/webhook-endpoints",
    auth: "workspace",
    role,
    tag,
    summary: "Subscribe a URL to events; the answer carries the signing secret, shown this once",
    status: 201,
    body: createEndpointBody,
    handler: ({ body, ctx }) => createEndpoint(ctx, body),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/webhook-endpoints",
    auth: "workspace",
    role,
    tag,
    summary: "Webhook endpoints (without their secrets)",
    query: listQuery,
    handler: async ({ query, ctx }) => {
      const c = decodeCursor(query.cursor);
      const rows = await selectEndpoints(
        ctx.rt.db,
        ctx.workspaceId,
        c ? String(c[0]) : undefined,
        query.limit,
      );
      return toPage(rows, query.limit, endpointOut, (e) => [e.id]);
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/webhook-endpoints/:id",
    auth: "workspace",
    role,
    tag,
    summary: "One webhook endpoint (without its secret)",
    params: idParam,
    handler: async ({ params, ctx }) => endpointOut(await mustGetEndpoint(ctx, params.id)),
  }),
  defineRoute({
    method: "PATCH",
    url: "/v1/webhook-endpoints/:id",
    auth: "workspace",
    role,
    tag,
    summary: "Change an endpoint's URL, events, description or switch it off",
    params: idParam,
    body: updateEndpointBody,
    handler: ({ params, body, ctx }) => changeEndpoint(ctx, params.id, body),
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/webhook-endpoints/:id",
    auth: "workspace",
    role,
    tag,
    summary: "Delete an endpoint and its deliveries",
    status: 204,
    params: idParam,
    handler: async ({ params, ctx }) => {
      await removeEndpoint(ctx, params.id);
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/webhook-endpoints/:id/deliveries",
    auth: "workspace",
    role,
    tag,
    summary: "The endpoint's deliveries, newest first, with the last response of each",
    params: idParam,
    query: deliveriesQuery,
    handler: async ({ params, query, ctx }) => {
      await mustGetEndpoint(ctx, params.id);
      const c = decodeCursor(query.cursor);
      const rows = await selectDeliveries(ctx.rt.db, params.id, {
        before: c ? String(c[0]) : undefined,
        status: query.status,
        limit: query.limit,
      });
      return toPage(rows, query.limit, deliveryOut, (d) => [d.id]);
    },
  }),
  defineRoute({
    method: "POST",
    url: "/v1/webhook-deliveries/:id/replay",
    auth: "workspace",
    role,
    tag,
    summary: "Send one delivery again",
    params: idParam,
    handler: ({ params, ctx }) => replayDelivery(ctx, params.id),
  }),
];
