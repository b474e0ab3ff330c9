// /v1/sender-domains: the domains a workspace sends from, their DKIM keys' DNS records and the DNS check.
import { decodeCursor, toPage } from "../http/pagination.js";
import { defineRoute } from "../http/route.js";
import type { WorkspaceSettings } from "../workspaces/schema.js";
import { createDomainBody, domainIdParam, domainsQuery, updateDomainBody } from "./schema.js";
import {
  createDomain,
  domainOut,
  getDomain,
  removeDomain,
  updateDomainLimits,
  verifyDomain,
} from "./service.js";
import { selectDomains } from "./store.js";

const tag = "sender-domains";

export const senderDomainRoutes = [
  defineRoute({
    method: "POST",
    url: "/v1/sender-domains",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "Register a sender domain; generates its DKIM key and shows the DNS records to publish",
    status: 201,
    body: createDomainBody,
    handler: ({ body, ctx }) => createDomain(ctx, body.domain),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/sender-domains",
    auth: "workspace",
    tag,
    summary: "Sender domains with their DNS records and last check",
    query: domainsQuery,
    handler: async ({ query, ctx }) => {
      const c = decodeCursor(query.cursor);
      const rows = await selectDomains(ctx.rt.db, ctx.workspaceId, c ? String(c[0]) : undefined, query.limit);
      const w = await ctx.rt.db
        .selectFrom("workspaces")
        .select("settings")
        .where("id", "=", ctx.workspaceId)
        .executeTakeFirst();
      const settings = (w?.settings ?? {}) as WorkspaceSettings;
      return toPage(
        rows,
        query.limit,
        (d) => domainOut(ctx.rt, settings, d),
        (d) => [d.id],
      );
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/sender-domains/:id",
    auth: "workspace",
    tag,
    summary: "One sender domain (the DKIM private key is never shown)",
    params: domainIdParam,
    handler: ({ params, ctx }) => getDomain(ctx, params.id),
  }),
  defineRoute({
    method: "PATCH",
    url: "/v1/sender-domains/:id",
    auth: "workspace",
    role: "admin",
    tag,
    summary:
      "Set the domain's rate limit (messages per window, across all processes and transports), or null to remove it",
    params: domainIdParam,
    body: updateDomainBody,
    handler: ({ params, body, ctx }) => updateDomainLimits(ctx, params.id, body),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/sender-domains/:id/verify",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "Check the DKIM, SPF, DMARC and bounce records in DNS; per record ok / missing / mismatch",
    params: domainIdParam,
    handler: ({ params, ctx }) => verifyDomain(ctx, params.id),
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/sender-domains/:id",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "Remove a sender domain and its DKIM key",
    status: 204,
    params: domainIdParam,
    handler: async ({ params, ctx }) => {
      await removeDomain(ctx, params.id);
    },
  }),
];
