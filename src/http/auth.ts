// Authentication: `Authorization: Bearer <api key>`. Keys are looked up by their SHA-256; the operator key
// has no workspace. Login sessions for the dashboard plug in here later.
import type { FastifyRequest } from "fastify";
import type { Actor, Ctx, Role, Runtime } from "../runtime.js";
import { Forbidden, Unauthorized } from "../util/errors.js";
import { lookupKey } from "../workspaces/service.js";
import type { AnyRoute } from "./route.js";
import { leastRole } from "./route.js";

const rank: Record<Role, number> = { viewer: 1, editor: 2, admin: 3, operator: 4 };

export async function authenticate(rt: Runtime, req: FastifyRequest, route: AnyRoute): Promise<Ctx | null> {
  if (route.auth === "public") return null;
  const header = req.headers.authorization;
  if (!header) throw Unauthorized("Missing Authorization header. Send 'Authorization: Bearer <api key>'.");
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
  const need = leastRole(route);
  if (rank[info.role] < rank[need]) {
    throw Forbidden(`Your key has the role '${info.role}'; this action needs '${need}' or higher.`);
  }
  return { rt, workspaceId: info.workspace_id, actor };
}
