// Live changes from e-mail tools: the secret URL per linked list (admins create and delete it) and the
// public endpoint Mailchimp calls (GET once to validate, POST per change; the secret in the URL is the
// authentication, as Mailchimp signs nothing).
import { z } from "zod";
import { defineRoute } from "../../http/route.js";
import {
  createToolWebhook,
  deleteToolWebhook,
  receiveMailchimpWebhook,
  validateMailchimpWebhook,
} from "./service.js";

const tag = "list sync";
const listParam = z.strictObject({ id: z.string().min(1).max(100) });
const hookParams = z.strictObject({
  workspace: z.string().min(1).max(100),
  secret: z.string().min(1).max(200),
});

export const toolWebhookRoutes = [
  defineRoute({
    method: "POST",
    url: "/v1/lists/:id/webhook",
    auth: "workspace",
    role: "admin",
    tag,
    summary:
      "Create (or replace) the secret URL Mailchimp calls with live changes of the linked audience (subscribe, unsubscribe, profile, upemail, cleaned); shown once. listmonk sends no such calls (409)",
    status: 201,
    params: listParam,
    handler: ({ params, ctx }) => createToolWebhook(ctx, params.id),
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/lists/:id/webhook",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "Delete the list's webhook URL; calls to it are refused from then on",
    params: listParam,
    handler: ({ params, ctx }) => deleteToolWebhook(ctx, params.id),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/webhooks/mailchimp/:workspace/:secret",
    auth: "public",
    tag,
    summary: "Mailchimp's validation call when the webhook is saved (200 for a valid URL, 404 otherwise)",
    params: hookParams,
    handler: ({ params, ctx }) => validateMailchimpWebhook(ctx.rt, params.workspace, params.secret),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/webhooks/mailchimp/:workspace/:secret",
    auth: "public",
    tag,
    summary:
      "A live change from Mailchimp (application/x-www-form-urlencoded type, fired_at, data[…]); recorded on its subscription at once; a retried call changes nothing twice",
    params: hookParams,
    rawBody: true,
    handler: ({ params, req, ctx }) =>
      receiveMailchimpWebhook(ctx.rt, params.workspace, params.secret, req.rawBody ?? Buffer.alloc(0)),
  }),
];
