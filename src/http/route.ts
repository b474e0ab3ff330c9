// Route definitions as data: each route names its auth, role, and zod schemas. The same definitions
// validate requests, generate /openapi.json, and let tests walk every route (404 for foreign ids,
// 403 for viewers, an activity for every write).
import type { FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { Ctx, Role } from "../runtime.js";

export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface HandlerInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  ctx: Ctx;
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteDef<B = unknown, Q = unknown, P = unknown> {
  method: Method;
  /** Fastify path syntax, e.g. /v1/contacts/:id */
  url: string;
  /** workspace: a workspace key (or session); operator: the operator key; public: no auth (signed links, webhooks) */
  auth: "workspace" | "operator" | "public";
  /** Least role for workspace routes. Default: viewer for GET, editor otherwise. */
  role?: Exclude<Role, "operator">;
  summary: string;
  tag: string;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  /** HTTP status of a successful answer (default 200). */
  status?: number;
  /** The body is not JSON (multipart upload, raw MIME download): skip JSON body validation. */
  rawBody?: boolean;
  handler: (input: HandlerInput<B, Q, P>) => Promise<unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of routes with their own generic types.
export type AnyRoute = RouteDef<any, any, any>;

/** Identity helper that keeps the generic types of one route together. */
export function defineRoute<B = undefined, Q = undefined, P = undefined>(r: RouteDef<B, Q, P>): AnyRoute {
  return r as AnyRoute;
}

export function leastRole(r: AnyRoute): Exclude<Role, "operator"> {
  return r.role ?? (r.method === "GET" ? "viewer" : "editor");
}
