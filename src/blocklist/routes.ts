// /v1/blocklist (Sperrliste): block, look up, check, and lift (admins only) addresses.
import { decodeCursor, toPage } from "../http/pagination.js";
import { defineRoute } from "../http/route.js";
import { Conflict } from "../util/errors.js";
import { blockIdParam, blocklistQuery, checkQuery, createBlockBody, liftBody, liftQuery } from "./schema.js";
import { blockAddress, checkAddress, entryOut, findEntries, getEntry, liftBlock } from "./service.js";

const tag = "blocklist";

export const blocklistRoutes = [
  defineRoute({
    method: "POST",
    url: "/v1/blocklist",
    auth: "workspace",
    tag,
    summary: "Block an e-mail address or phone number (409 if it is already blocked)",
    status: 201,
    body: createBlockBody,
    handler: async ({ body, ctx }) => {
      const { entry, created } = await blockAddress(ctx.rt.db, ctx.rt, ctx.workspaceId, {
        kind: body.kind ?? "email",
        address: body.address,
        reason: body.reason,
        source: "manual",
        actor: ctx.actor,
      });
      if (!created) {
        throw Conflict(`This address is already blocked by entry '${entry.id}' (${entry.reason}).`, {
          id: entry.id,
          entry,
        });
      }
      return entry;
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/blocklist",
    auth: "workspace",
    tag,
    summary: "Blocklist entries, newest first; include_lifted=true also lists lifted ones",
    query: blocklistQuery,
    handler: async ({ query, ctx }) => {
      const c = decodeCursor(query.cursor);
      const rows = await findEntries(ctx.rt.db, ctx.workspaceId, {
        q: query.q,
        kind: query.kind,
        source: query.source,
        includeLifted: query.include_lifted === "true",
        before: c ? String(c[0]) : undefined,
        limit: query.limit,
      });
      return toPage(rows, query.limit, entryOut, (r) => [r.id]);
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/blocklist/check",
    auth: "workspace",
    tag,
    summary: "Is this address blocked now? { blocked, entry? }",
    query: checkQuery,
    handler: ({ query, ctx }) => checkAddress(ctx.rt.db, ctx.rt, ctx.workspaceId, query.address, query.kind),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/blocklist/:id",
    auth: "workspace",
    tag,
    summary: "One blocklist entry (address is null and erased true after a DSGVO erasure)",
    params: blockIdParam,
    handler: ({ params, ctx }) => getEntry(ctx.rt.db, ctx.workspaceId, params.id),
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/blocklist/:id",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "Lift a block (admins only; the entry stays as history with who, when and why)",
    params: blockIdParam,
    query: liftQuery,
    body: liftBody,
    handler: ({ params, query, body, ctx }) =>
      liftBlock(ctx.rt.db, ctx.rt, ctx.workspaceId, params.id, {
        actor: ctx.actor,
        reason: body?.reason ?? query.reason,
      }),
  }),
];
