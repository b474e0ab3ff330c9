import { z } from "zod";
// /v1/messages (transactional e-mail with its timeline) and /v1/transports (capture outbox, SMTP relays).
import { defineRoute } from "../http/route.js";
import { Invalid } from "../util/errors.js";
import {
  batchBody,
  createTransportBody,
  idParam,
  messageInput,
  messageListQuery,
  resendBody,
  updateTransportBody,
} from "./schema.js";
import {
  getMessage,
  getRawMime,
  listMessages,
  resendMessage,
  submitBatch,
  submitMessage,
} from "./service.js";
import {
  createTransport,
  deleteTransport,
  getTransport,
  listTransports,
  updateTransport,
} from "./transports.js";

const tag = "messages";

/** The Idempotency-Key header: one key names one message; a repeat answers the first. */
function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const v = Array.isArray(header) ? header[0] : header;
  if (!v || v.length > 255) throw Invalid("The Idempotency-Key header must be 1 to 255 characters.");
  return v;
}

export const messageRoutes = [
  defineRoute({
    method: "POST",
    url: "/v1/messages",
    auth: "workspace",
    tag,
    summary: "Send a message (202); a repeated Idempotency-Key returns the first message (200)",
    status: 202,
    body: messageInput,
    handler: async ({ body, ctx, req, reply }) => {
      const r = await submitMessage(ctx, body, idempotencyKey(req.headers["idempotency-key"]));
      if (r.replayed) reply.header("idempotent-replayed", "true").status(200).send(r.message);
      return r.message;
    },
  }),
  defineRoute({
    method: "POST",
    url: "/v1/messages/batch",
    auth: "workspace",
    tag,
    summary: "Send up to 500 messages in one request (all or none are accepted)",
    status: 202,
    body: batchBody,
    handler: ({ body, ctx }) => submitBatch(ctx, body.messages),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/messages",
    auth: "workspace",
    tag,
    summary: "List messages, newest first (filters: status, to, contact_id, campaign_id, tag, since, until)",
    query: messageListQuery,
    handler: ({ query, ctx }) => listMessages(ctx, query),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/messages/:id",
    auth: "workspace",
    tag,
    summary:
      "A message with its derived status, delivery timeline and the error registry's explanation (?lang=de|en)",
    params: idParam,
    query: z.strictObject({ lang: z.enum(["de", "en"]).default("de") }),
    handler: ({ params, query, ctx }) => getMessage(ctx, params.id, query.lang),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/messages/:id/raw",
    auth: "workspace",
    tag,
    summary: "The exact MIME message that left (message/rfc822)",
    params: idParam,
    handler: async ({ params, ctx, reply }) => {
      const raw = await getRawMime(ctx, params.id);
      reply
        .status(200)
        .type("message/rfc822")
        .header("content-disposition", `attachment; filename="${params.id}.eml"`)
        .send(raw);
    },
  }),
  defineRoute({
    method: "POST",
    url: "/v1/messages/:id/resend",
    auth: "workspace",
    tag,
    summary: "Resend a message deliberately (a new message linked by resent_from)",
    status: 202,
    params: idParam,
    body: resendBody,
    handler: ({ params, ctx }) => resendMessage(ctx, params.id),
  }),
];

const ttag = "transports";

export const transportRoutes = [
  defineRoute({
    method: "GET",
    url: "/v1/transports",
    auth: "workspace",
    tag: ttag,
    summary: "List transports (the configuration with credentials is shown to admins only)",
    handler: ({ ctx }) => listTransports(ctx),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/transports",
    auth: "workspace",
    role: "admin",
    tag: ttag,
    summary: "Create a transport: capture (local outbox) or smtp (relay) (admins)",
    status: 201,
    body: createTransportBody,
    handler: ({ body, ctx }) => createTransport(ctx, body),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/transports/:id",
    auth: "workspace",
    tag: ttag,
    summary: "A transport (its configuration only for admins)",
    params: idParam,
    handler: ({ params, ctx }) => getTransport(ctx, params.id),
  }),
  defineRoute({
    method: "PATCH",
    url: "/v1/transports/:id",
    auth: "workspace",
    role: "admin",
    tag: ttag,
    summary: "Change a transport's name, configuration or default flag (admins)",
    params: idParam,
    body: updateTransportBody,
    handler: ({ params, body, ctx }) => updateTransport(ctx, params.id, body),
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/transports/:id",
    auth: "workspace",
    role: "admin",
    tag: ttag,
    summary: "Delete a transport no queued message still needs (admins)",
    params: idParam,
    handler: ({ params, ctx }) => deleteTransport(ctx, params.id),
  }),
];
