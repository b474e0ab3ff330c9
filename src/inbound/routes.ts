// /v1/inbound: the inbound mail Poststelle took in (bounces, delivery and read receipts, complaints,
// auto-replies, archive copies) with what was derived from it; /v1/inbound/unmatched: the operator's view
// of listener mail that matched no message; /v1/inbound-mailboxes: the IMAP mailboxes polled (admins).
import type { FastifyReply } from "fastify";
import { decodeCursor, toPage } from "../http/pagination.js";
import { defineRoute } from "../http/route.js";
import {
  createMailbox,
  deleteMailbox,
  getMailbox,
  listMailboxes,
  mailboxOut,
  revealCredentials,
  updateMailbox,
} from "./mailboxes.js";
import {
  createMailboxBody,
  idParam,
  inboundQuery,
  mailboxQuery,
  unmatchedQuery,
  updateMailboxBody,
} from "./schema.js";
import { findInboundMail, getInbound, getInboundRaw, inboundOut } from "./service.js";

const tag = "inbound";

const afterCursor = (cursor: string | undefined) => {
  const c = decodeCursor(cursor);
  return c ? String(c[0]) : undefined;
};

function sendRaw(reply: FastifyReply, id: string, r: { raw: Buffer; truncated: boolean; size: number }) {
  reply
    .status(200)
    .type("message/rfc822")
    .header("content-disposition", `attachment; filename="${id}.eml"`)
    .header("x-poststelle-raw-size", String(r.size))
    .header("x-poststelle-raw-truncated", String(r.truncated))
    .send(r.raw);
}

export const inboundRoutes = [
  defineRoute({
    method: "GET",
    url: "/v1/inbound",
    auth: "workspace",
    role: "editor",
    tag,
    summary:
      "Inbound mail of this workspace, newest first: reports matched to its messages and everything found in its own IMAP mailboxes (matched=false: what matched no message)",
    query: inboundQuery,
    handler: async ({ query, ctx }) => {
      const rows = await findInboundMail(ctx.rt.db, {
        workspaceId: ctx.workspaceId,
        matched: query.matched === undefined ? undefined : query.matched === "true",
        kind: query.kind,
        source: query.source,
        messageId: query.message_id,
        before: afterCursor(query.cursor),
        limit: query.limit,
      });
      return toPage(rows, query.limit, inboundOut, (r) => [r.id]);
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/inbound/unmatched",
    auth: "operator",
    tag,
    summary:
      "Operator: mail at the inbound listener that matched no message and so belongs to no workspace, newest first",
    query: unmatchedQuery,
    handler: async ({ query, ctx }) => {
      const rows = await findInboundMail(ctx.rt.db, {
        workspaceId: null,
        matched: false,
        kind: query.kind,
        before: afterCursor(query.cursor),
        limit: query.limit,
      });
      return toPage(rows, query.limit, inboundOut, (r) => [r.id]);
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/inbound/unmatched/:id/raw",
    auth: "operator",
    tag,
    summary: "Operator: the raw source of an unmatched inbound mail (message/rfc822; the first 2 MB)",
    params: idParam,
    handler: async ({ params, ctx, reply }) => {
      sendRaw(reply, params.id, await getInboundRaw(ctx.rt.db, null, params.id));
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/inbound/:id",
    auth: "workspace",
    role: "editor",
    tag,
    summary: "One inbound mail: its classification, the message it matched and the events it produced",
    params: idParam,
    handler: ({ params, ctx }) => getInbound(ctx.rt.db, ctx.workspaceId, params.id),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/inbound/:id/raw",
    auth: "workspace",
    role: "editor",
    tag,
    summary:
      "The raw source of an inbound mail (message/rfc822; the first 2 MB, see x-poststelle-raw-truncated)",
    params: idParam,
    handler: async ({ params, ctx, reply }) => {
      sendRaw(reply, params.id, await getInboundRaw(ctx.rt.db, ctx.workspaceId, params.id));
    },
  }),

  // ---- IMAP mailboxes ----
  defineRoute({
    method: "POST",
    url: "/v1/inbound-mailboxes",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "Add an IMAP mailbox to poll (bounce or archive); the password is shown in this answer only",
    status: 201,
    body: createMailboxBody,
    handler: ({ body, ctx }) => createMailbox(ctx, body),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/inbound-mailboxes",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "The IMAP mailboxes polled, with the state of their last poll (passwords masked)",
    query: mailboxQuery,
    handler: async ({ query, ctx }) => {
      const rows = await listMailboxes(ctx, { before: afterCursor(query.cursor), limit: query.limit });
      return toPage(
        rows,
        query.limit,
        (m) => mailboxOut(m),
        (m) => [m.id],
      );
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/inbound-mailboxes/:id",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "One IMAP mailbox (password masked)",
    params: idParam,
    handler: ({ params, ctx }) => getMailbox(ctx, params.id),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/inbound-mailboxes/:id/credentials",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "The mailbox's credentials in clear, to open it directly (seed 002); the viewing is logged",
    params: idParam,
    handler: ({ params, ctx }) => revealCredentials(ctx, params.id),
  }),
  defineRoute({
    method: "PATCH",
    url: "/v1/inbound-mailboxes/:id",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "Change an IMAP mailbox (it is polled again at once)",
    params: idParam,
    body: updateMailboxBody,
    handler: ({ params, body, ctx }) => updateMailbox(ctx, params.id, body),
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/inbound-mailboxes/:id",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "Stop polling an IMAP mailbox and forget its credentials (mail already taken in stays)",
    params: idParam,
    handler: ({ params, ctx }) => deleteMailbox(ctx, params.id),
  }),
];
