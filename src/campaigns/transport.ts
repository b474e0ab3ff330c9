// Which transport a campaign goes through: the one it names, else the workspace's default, else the
// built-in capture outbox (null), as for transactional mail (DESIGN §3.5).
import type { Database } from "../db/index.js";
import { selectTransports } from "../delivery/store.js";
import { Invalid } from "../util/errors.js";

export async function transportIdByName(db: Database, workspaceId: string, name: string): Promise<string> {
  const all = await selectTransports(db, workspaceId);
  const t = all.find((x) => x.name === name);
  if (t) return t.id;
  const names = all.map((x) => x.name);
  throw Invalid(
    `transport: no transport named '${name}' exists${names.length ? ` (there are: ${names.join(", ")})` : ""}.`,
    [{ path: "transport", message: "unknown transport", code: "unknown_reference", kind: "transport" }],
  );
}

export async function effectiveTransportId(
  db: Database,
  workspaceId: string,
  named: string | null,
): Promise<string | null> {
  const all = await selectTransports(db, workspaceId);
  if (named && all.some((t) => t.id === named)) return named;
  return all.find((t) => t.is_default)?.id ?? null;
}
