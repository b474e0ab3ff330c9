// Operator routes (workspaces and their keys) and the workspace's own settings.

import { defineRoute } from "../http/route.js";
import { redactArchiveCopy } from "../users/credentials.js";
import { NotFound } from "../util/errors.js";
import { createKeyBody, createWorkspaceBody, idParam, updateWorkspaceBody, wsKeyParams } from "./schema.js";
import {
  createApiKey,
  createWorkspace,
  getWorkspace,
  listApiKeys,
  revokeApiKey,
  updateWorkspace,
  workspaceOut,
} from "./service.js";

const tag = "workspaces";

export const workspaceRoutes = [
  defineRoute({
    method: "POST",
    url: "/v1/workspaces",
    auth: "operator",
    tag,
    summary: "Create a workspace",
    status: 201,
    body: createWorkspaceBody,
    handler: ({ body, ctx }) => createWorkspace(ctx.rt, ctx.actor, body.name, body.settings),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/workspaces",
    auth: "operator",
    tag,
    summary: "List workspaces",
    handler: async ({ ctx }) => {
      const rows = await ctx.rt.db.selectFrom("workspaces").selectAll().orderBy("id").execute();
      return { items: rows.map(workspaceOut), next_cursor: null };
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/workspaces/:id",
    auth: "operator",
    tag,
    summary: "Get a workspace",
    params: idParam,
    handler: async ({ params, ctx }) => workspaceOut(await getWorkspace(ctx.rt.db, params.id)),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/workspaces/:id/api-keys",
    auth: "operator",
    tag,
    summary: "Create an API key for a workspace (the key is shown once)",
    status: 201,
    params: idParam,
    body: createKeyBody,
    handler: ({ params, body, ctx }) => createApiKey(ctx.rt, ctx.actor, params.id, body.role, body.name),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/workspaces/:id/api-keys",
    auth: "operator",
    tag,
    summary: "List a workspace's API keys (never the keys themselves)",
    params: idParam,
    handler: async ({ params, ctx }) => {
      await getWorkspace(ctx.rt.db, params.id);
      return { items: await listApiKeys(ctx.rt.db, params.id), next_cursor: null };
    },
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/workspaces/:id/api-keys/:key_id",
    auth: "operator",
    tag,
    summary: "Revoke an API key",
    params: wsKeyParams,
    handler: ({ params, ctx }) => revokeApiKey(ctx.rt, ctx.actor, params.id, params.key_id),
  }),
  // The workspace's own view, with a workspace key.
  defineRoute({
    method: "GET",
    url: "/v1/workspace",
    auth: "workspace",
    tag,
    summary: "The workspace of this key, with its settings",
    handler: async ({ ctx }) =>
      redactArchiveCopy(ctx.actor, workspaceOut(await getWorkspace(ctx.rt.db, ctx.workspaceId))),
  }),
  defineRoute({
    method: "PATCH",
    url: "/v1/workspace",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "Change the workspace's name or settings (admins)",
    body: updateWorkspaceBody,
    handler: ({ body, ctx }) => updateWorkspace(ctx.rt, ctx.actor, ctx.workspaceId, body),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/api-keys",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "List this workspace's API keys (admins)",
    handler: async ({ ctx }) => ({ items: await listApiKeys(ctx.rt.db, ctx.workspaceId), next_cursor: null }),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/api-keys",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "Create an API key in this workspace (admins; the key is shown once)",
    status: 201,
    body: createKeyBody,
    handler: ({ body, ctx }) => createApiKey(ctx.rt, ctx.actor, ctx.workspaceId, body.role, body.name),
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/api-keys/:id",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "Revoke an API key of this workspace (admins)",
    params: idParam,
    handler: async ({ params, ctx }) => {
      if (!params.id) throw NotFound("API key", params.id);
      return revokeApiKey(ctx.rt, ctx.actor, ctx.workspaceId, params.id);
    },
  }),
];
