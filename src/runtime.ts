// The runtime every service receives: database, configuration, clock, the instance secret and the logger.
// Services never reach for globals; tests build a Runtime with a pinned clock and a throwaway database.
import type { Logger } from "pino";
import type { Config } from "./config/index.js";
import type { Database, DbKind } from "./db/index.js";

export type Role = "operator" | "admin" | "editor" | "viewer";

export interface Actor {
  /** api_key, user, operator, system (a named process), recipient (someone following a link in a mail) */
  type: "api_key" | "user" | "operator" | "system" | "recipient";
  id: string | null;
  name: string;
  role: Role;
}

export interface Runtime {
  db: Database;
  dbKind: DbKind;
  config: Config;
  /** Instance secret for HMAC signatures (links, VERP tokens, blocklist hashes). */
  secret: string;
  log: Logger;
  now(): Date;
}

/** A request's view: which workspace, who acts. */
export interface Ctx {
  rt: Runtime;
  workspaceId: string;
  actor: Actor;
}

export const systemActor = (name: string): Actor => ({ type: "system", id: name, name, role: "admin" });

export function actorLabel(a: Actor): string {
  return `${a.type}:${a.id ?? a.name}`;
}
