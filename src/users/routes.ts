// Login (/v1/auth/*), the user's own settings, and user administration (/v1/users, admins; the operator
// creates a workspace's first admin). Session routes are "public" in the route table because they read the
// session cookie themselves: no API key has a user.
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { decodeCursor, pageQuery, toPage } from "../http/pagination.js";
import { defineRoute } from "../http/route.js";
import type { Runtime } from "../runtime.js";
import { AppError } from "../util/errors.js";
import { createUserBody, loginBody, updateMeBody, updateUserBody, userIdParam } from "./schema.js";
import { createUser, deleteUser, getUser, listUsers, updateMe, updateUser, userOut } from "./service.js";
import {
  LoginThrottled,
  login,
  logout,
  requireSession,
  SESSION_COOKIE,
  sessionOut,
  sessionToken,
} from "./sessions.js";

const tag = "users";

function setSessionCookie(rt: Runtime, req: FastifyRequest, reply: FastifyReply, token: string) {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    // Behind a TLS-terminating proxy this relies on X-Forwarded-Proto from a trusted proxy (POSTSTELLE_TRUST_PROXY).
    secure: req.protocol === "https",
    maxAge: rt.config.sessionMaxHours * 3600,
  });
}

function clearSessionCookie(req: FastifyRequest, reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    secure: req.protocol === "https",
  });
}

const usersQuery = z.strictObject({ ...pageQuery });

export const authRoutes = [
  defineRoute({
    method: "POST",
    url: "/v1/auth/login",
    auth: "public",
    tag,
    summary: "Log in with e-mail and password: sets the session cookie, returns the user and the CSRF token",
    body: loginBody,
    handler: async ({ body, ctx, req, reply }) => {
      // Only JSON: an HTML form on another site could otherwise log a browser into the attacker's account.
      if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) {
        throw new AppError(
          "unsupported_media_type",
          "Send the login as JSON (Content-Type: application/json).",
        );
      }
      try {
        const old = sessionToken(req);
        if (old) await logout(ctx.rt, old);
        const { token, session } = await login(ctx.rt, body, {
          ip: req.ip ?? "",
          userAgent: req.headers["user-agent"],
        });
        setSessionCookie(ctx.rt, req, reply, token);
        return sessionOut(session);
      } catch (e) {
        if (!(e instanceof LoginThrottled)) throw e;
        return reply
          .status(429)
          .header("retry-after", String(e.retryAfterSeconds))
          .send({ error: { code: "too_many_requests", message: e.message } });
      }
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/auth/session",
    auth: "public",
    tag,
    summary: "The logged-in user and the CSRF token (401 without a live session)",
    handler: async ({ ctx, req }) => sessionOut(await requireSession(ctx.rt, req)),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/auth/logout",
    auth: "public",
    tag,
    summary: "Log out: ends the session and clears the cookie (needs X-CSRF-Token)",
    status: 204,
    handler: async ({ ctx, req, reply }) => {
      const token = sessionToken(req);
      if (token) {
        await requireSession(ctx.rt, req).then(
          () => logout(ctx.rt, token),
          // An ended session is logged out already; anything else (a missing CSRF token) is refused.
          (e: unknown) => {
            if ((e as { code?: string }).code !== "unauthorized") throw e;
          },
        );
      }
      clearSessionCookie(req, reply);
    },
  }),
  defineRoute({
    method: "PATCH",
    url: "/v1/auth/me",
    auth: "public",
    tag,
    summary: "Change the logged-in user's language, name or password (needs X-CSRF-Token)",
    body: updateMeBody,
    handler: async ({ body, ctx, req }) => {
      const session = await requireSession(ctx.rt, req);
      return { ...(await updateMe(ctx.rt, session, body)), workspace_name: session.workspaceName };
    },
  }),
];

export const userRoutes = [
  defineRoute({
    method: "GET",
    url: "/v1/users",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "List the workspace's users (admins)",
    query: usersQuery,
    handler: async ({ query, ctx }) => {
      const after = decodeCursor(query.cursor)?.[0];
      const rows = await listUsers(ctx, query.limit, typeof after === "string" ? after : undefined);
      return toPage(rows, query.limit, userOut, (u) => [u.id]);
    },
  }),
  defineRoute({
    method: "POST",
    url: "/v1/users",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "Create a user (admins; without a password one is generated and returned once)",
    status: 201,
    body: createUserBody,
    handler: ({ body, ctx }) => createUser(ctx.rt, ctx.actor, ctx.workspaceId, body),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/users/:id",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "Get a user (admins)",
    params: userIdParam,
    handler: async ({ params, ctx }) => userOut(await getUser(ctx, params.id)),
  }),
  defineRoute({
    method: "PATCH",
    url: "/v1/users/:id",
    auth: "workspace",
    role: "admin",
    tag,
    summary:
      "Change a user's role, name, language, disabled flag or password (admins; 409 for the last admin)",
    params: userIdParam,
    body: updateUserBody,
    handler: ({ params, body, ctx }) => updateUser(ctx, params.id, body),
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/users/:id",
    auth: "workspace",
    role: "admin",
    tag,
    summary: "Delete a user (admins; 409 for the last admin)",
    status: 204,
    params: userIdParam,
    handler: ({ params, ctx }) => deleteUser(ctx, params.id),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/workspaces/:id/users",
    auth: "operator",
    tag,
    summary: "Create a user in a workspace, e.g. its first admin (operator)",
    status: 201,
    params: userIdParam,
    body: createUserBody,
    handler: ({ params, body, ctx }) => createUser(ctx.rt, ctx.actor, params.id, body),
  }),
];
