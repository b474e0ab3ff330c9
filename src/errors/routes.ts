// /v1/error-registry (Fehlerverzeichnis): the shipped catalogue with the workspace's own entries and
// overrides; PUT adds or overrides, DELETE removes an own entry or resets an override to the shipped text.
import { defineRoute } from "../http/route.js";
import { codeParam, langQuery, putEntryBody, registryQuery } from "./schema.js";
import { getEntry, listEntries, putEntry, resetEntry } from "./service.js";

const tag = "error-registry";

export const errorRegistryRoutes = [
  defineRoute({
    method: "GET",
    url: "/v1/error-registry",
    auth: "workspace",
    tag,
    summary: "The error registry: every code with label, explanation and remedy (q= filters, lang=de|en)",
    query: registryQuery,
    handler: ({ query, ctx }) => listEntries(ctx, query),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/error-registry/:code",
    auth: "workspace",
    tag,
    summary: "One error-registry entry",
    params: codeParam,
    query: langQuery,
    handler: ({ params, query, ctx }) => getEntry(ctx, params.code, query.lang),
  }),
  defineRoute({
    method: "PUT",
    url: "/v1/error-registry/:code",
    auth: "workspace",
    tag,
    summary: "Add an own entry or override the texts of a shipped one (null resets a field)",
    params: codeParam,
    body: putEntryBody,
    handler: ({ params, body, ctx }) => putEntry(ctx, params.code, body),
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/error-registry/:code",
    auth: "workspace",
    tag,
    summary: "Delete an own entry, or reset an overridden entry to the shipped text",
    params: codeParam,
    handler: ({ params, ctx }) => resetEntry(ctx, params.code),
  }),
];
