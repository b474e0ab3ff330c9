// Authentication: `Authorization: Bearer <api key>`, or on workspace routes the dashboard's session cookie.
// Keys are looked up by their SHA-256; the operator key has no workspace. A cookie request that writes must
// carry the session's CSRF token (X-CSRF-Token); Bearer requests need none, since a browser never adds that
// header by itself. Operator routes never accept a cookie.
import type { FastifyRequest } from "fastify";
import type { Actor, Ctx, Role, Runtime } from "../runtime.js";
import { userActor } from "../users/service.js";
import { checkCsrf, NO_SESSION, resolveSession, sessionToken } from "../users/sessions.js";
import { Forbidden, Unauthorized } from "../util/errors.js";
import { lookupKey } from "../workspaces/service.js";
import type { AnyRoute } from "./route.js";
import { leastRole } from "./route.js";

const rank: Record<Role, number> = { viewer: 1, editor: 2, admin: 3, operator: 4 };

function requireRole(have: Role, route: AnyRoute, what: string) {
  const need = leastRole(route);
  if (rank[have] < rank[need]) {
    throw Forbidden(`Your ${what} has the role '${have}'; this action needs '${need}' or higher.`);
  }
}

async function sessionCtx(rt: Runtime, req: FastifyRequest, route: AnyRoute, token: string): Promise<Ctx> {
  const session = await resolveSession(rt, token);
  if (!session) throw Unauthorized(NO_SESSION);
  checkCsrf(session, req.method, req.headers);
  requireRole(session.role, route, "user");
  return { rt, workspaceId: session.workspaceId, actor: userActor(session) };
}

export async function authenticate(rt: Runtime, req: FastifyRequest, route: AnyRoute): Promise<Ctx | null> {
  if (route.auth === "public") return null;
  const header = req.headers.authorization;
  if (!header) {
    const token = route.auth === "workspace" ? sessionToken(req) : null;
    if (token) return sessionCtx(rt, req, route, token);
    throw Unauthorized("Missing Authorization header. Send 'Authorization: Bearer <api key>'.");
  }
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw Unauthorized("The Authorization header must be 'Bearer <api key>'.");
  const info = await lookupKey(rt, m[1]);
  if (!info) throw Unauthorized("The API key is unknown or has been revoked.");
  const actor: Actor = {
    type: info.role === "operator" ? "operator" : "api_key",
    id: info.id,
    name: info.name ?? info.key_prefix,
    role: info.role,
  };
  if (route.auth === "operator") {
    if (info.role !== "operator") throw Forbidden("This action needs the operator key.");
    return { rt, workspaceId: "", actor };
  }
  if (!info.workspace_id) {
    throw Forbidden("The operator key manages workspaces; use a workspace API key for this route.");
  }
  requireRole(info.role, route, "key");
  return { rt, workspaceId: info.workspace_id, actor };
}
