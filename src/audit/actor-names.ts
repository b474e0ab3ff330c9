// The names behind actor labels ("user:usr_…", "api_key:key_…", as `status_set_by` stores who set a
// subscription's status): the dashboard shows who did it, not an id. One query per kind per page of rows.
// Labels of other kinds (system processes, recipients, e-mail tools, bounces) have no name here; the
// dashboard words them. Only this workspace's users and keys are looked up.
import type { Database } from "../db/index.js";
import { toPage } from "../http/pagination.js";

export type ActorNames = ReadonlyMap<string, string>;

export async function actorNames(
  db: Database,
  workspaceId: string,
  labels: Iterable<string | null | undefined>,
): Promise<ActorNames> {
  const users = new Set<string>();
  const keys = new Set<string>();
  for (const label of labels) {
    if (label?.startsWith("user:")) users.add(label.slice("user:".length));
    else if (label?.startsWith("api_key:")) keys.add(label.slice("api_key:".length));
  }
  const names = new Map<string, string>();
  if (users.size > 0) {
    const rows = await db
      .selectFrom("users")
      .select(["id", "name", "email"])
      .where("workspace_id", "=", workspaceId)
      .where("id", "in", [...users])
      .execute();
    for (const u of rows) names.set(`user:${u.id}`, u.name || u.email);
  }
  if (keys.size > 0) {
    const rows = await db
      .selectFrom("api_keys")
      .select(["id", "name"])
      .where("workspace_id", "=", workspaceId)
      .where("id", "in", [...keys])
      .execute();
    for (const k of rows) if (k.name) names.set(`api_key:${k.id}`, k.name);
  }
  return names;
}

/** The name of who set something, for a JSON answer: null where the label names no user or key of ours. */
export const actorName = (names: ActorNames, label: string | null | undefined) =>
  (label && names.get(label)) ?? null;

/** A page of rows keyed by id, each answered with the names of who set its status: one lookup per page. */
export async function pageWithSetByNames<R extends { id: string; status_set_by: string | null }, T>(
  db: Database,
  workspaceId: string,
  rows: R[],
  limit: number,
  out: (r: R, names: ActorNames) => T,
) {
  const names = await actorNames(
    db,
    workspaceId,
    rows.map((r) => r.status_set_by),
  );
  return toPage(
    rows,
    limit,
    (r) => out(r, names),
    (r) => [r.id],
  );
}
