// Workspaces (tenants) and their API keys. Keys are shown once at creation and stored as SHA-256.
import { sql } from "kysely";
import { recordActivity } from "../audit/service.js";
import type { Database } from "../db/index.js";
import type { Row } from "../db/schema.js";
import type { Actor, Role, Runtime } from "../runtime.js";
import { sha256 } from "../util/crypto.js";
import { NotFound } from "../util/errors.js";
import { newId, randomToken } from "../util/ids.js";
import type { WorkspaceSettings } from "./schema.js";

export function workspaceOut(w: Row<"workspaces">) {
  return {
    id: w.id,
    name: w.name,
    settings: w.settings as WorkspaceSettings,
    created_at: w.created_at,
    updated_at: w.updated_at,
  };
}

export async function createWorkspace(
  rt: Runtime,
  actor: Actor,
  name: string,
  settings: WorkspaceSettings = {},
) {
  const now = rt.now();
  const id = newId("ws", now.getTime());
  return rt.db.transaction().execute(async (tx) => {
    const w = await tx
      .insertInto("workspaces")
      .values({ id, name, settings: JSON.stringify(settings), created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordActivity(
      tx,
      { workspaceId: id, actor, now },
      { action: "created", kind: "workspace", recordId: id, after: { name, settings } },
    );
    return workspaceOut(w);
  });
}

export async function getWorkspace(db: Database, id: string) {
  const w = await db.selectFrom("workspaces").selectAll().where("id", "=", id).executeTakeFirst();
  if (!w) throw NotFound("workspace", id);
  return w;
}

export async function updateWorkspace(
  rt: Runtime,
  actor: Actor,
  id: string,
  patch: { name?: string; settings?: WorkspaceSettings },
) {
  return rt.db.transaction().execute(async (tx) => {
    const before = await getWorkspace(tx, id);
    const settings = { ...(before.settings as WorkspaceSettings), ...(patch.settings ?? {}) };
    const now = rt.now();
    const w = await tx
      .updateTable("workspaces")
      .set({ name: patch.name ?? before.name, settings: JSON.stringify(settings), updated_at: now })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordActivity(
      tx,
      { workspaceId: id, actor, now },
      {
        action: "updated",
        kind: "workspace",
        recordId: id,
        before: { name: before.name, settings: before.settings as Record<string, unknown> },
        after: { name: w.name, settings },
      },
    );
    return workspaceOut(w);
  });
}

function keyOut(k: Row<"api_keys">) {
  return {
    id: k.id,
    workspace_id: k.workspace_id,
    role: k.role,
    name: k.name,
    key_prefix: k.key_prefix,
    created_at: k.created_at,
    revoked_at: k.revoked_at,
    last_used_at: k.last_used_at,
  };
}

export async function createApiKey(
  rt: Runtime,
  actor: Actor,
  workspaceId: string | null,
  role: Role,
  name?: string,
  fixedKey?: string,
) {
  if (workspaceId) await getWorkspace(rt.db, workspaceId);
  const key = fixedKey ?? `ps_${role === "operator" ? "op" : "ws"}_${randomToken(24)}`;
  const now = rt.now();
  const id = newId("key", now.getTime());
  return rt.db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto("api_keys")
      .values({
        id,
        workspace_id: workspaceId,
        role,
        name: name ?? null,
        key_hash: sha256(key),
        key_prefix: key.slice(0, 10),
        created_at: now,
        created_by: actor.id,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordActivity(
      tx,
      { workspaceId, actor, now },
      {
        action: "created",
        kind: "api_key",
        recordId: id,
        after: { role, name: name ?? null, key_prefix: row.key_prefix },
      },
    );
    return { ...keyOut(row), key };
  });
}

export async function listApiKeys(db: Database, workspaceId: string) {
  const rows = await db
    .selectFrom("api_keys")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .orderBy("id")
    .execute();
  return rows.map(keyOut);
}

export async function revokeApiKey(rt: Runtime, actor: Actor, workspaceId: string, keyId: string) {
  return rt.db.transaction().execute(async (tx) => {
    const now = rt.now();
    const row = await tx
      .updateTable("api_keys")
      .set({ revoked_at: now })
      .where("id", "=", keyId)
      .where("workspace_id", "=", workspaceId)
      .where("revoked_at", "is", null)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw NotFound("active API key", keyId);
    await recordActivity(
      tx,
      { workspaceId, actor, now },
      { action: "deleted", kind: "api_key", recordId: keyId, summary: "API key revoked" },
    );
    clearKeyCache();
    return keyOut(row);
  });
}

/** First start: the operator key (from POSTSTELLE_BOOTSTRAP_KEY or generated) and the instance secret.
 * Returns the generated key exactly once, so the caller can print it. */
export async function bootstrap(
  rt: Pick<Runtime, "db" | "now" | "log"> & { config: { bootstrapKey?: string } },
) {
  const existing = await rt.db
    .selectFrom("api_keys")
    .select("id")
    .where("role", "=", "operator")
    .executeTakeFirst();
  if (existing) return { createdKey: null as string | null, generated: false };
  const key = rt.config.bootstrapKey ?? `ps_op_${randomToken(24)}`;
  const now = rt.now();
  await rt.db
    .insertInto("api_keys")
    .values({
      id: newId("key", now.getTime()),
      workspace_id: null,
      role: "operator",
      name: "operator",
      key_hash: sha256(key),
      key_prefix: key.slice(0, 10),
      created_at: now,
      created_by: "bootstrap",
    })
    .onConflict((oc) => oc.column("key_hash").doNothing())
    .execute();
  return { createdKey: key, generated: !rt.config.bootstrapKey };
}

/** The instance secret signs tokens; it is created once and kept in the database so all processes share it. */
export async function instanceSecret(db: Database): Promise<string> {
  await sql`insert into instance_settings (key, value) values ('secret', ${randomToken(32)}) on conflict (key) do nothing`.execute(
    db,
  );
  const row = await db
    .selectFrom("instance_settings")
    .select("value")
    .where("key", "=", "secret")
    .executeTakeFirstOrThrow();
  return row.value;
}

export interface KeyInfo {
  id: string;
  workspace_id: string | null;
  role: Role;
  name: string | null;
  key_prefix: string;
}

// A short cache keeps the hot path (batch submission, benchmarks) from one lookup per request;
// revocation takes effect within its lifetime.
const CACHE_MS = 5_000;
const cache = new Map<string, { info: KeyInfo | null; until: number }>();

export async function lookupKey(rt: Runtime, key: string): Promise<KeyInfo | null> {
  const hash = sha256(key);
  const hit = cache.get(hash);
  const now = Date.now();
  if (hit && hit.until > now) return hit.info;
  const row = await rt.db
    .selectFrom("api_keys")
    .select(["id", "workspace_id", "role", "name", "key_prefix", "last_used_at"])
    .where("key_hash", "=", hash)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  const info = row ?? null;
  if (row && (!row.last_used_at || now - new Date(row.last_used_at).getTime() > 60_000)) {
    await rt.db.updateTable("api_keys").set({ last_used_at: rt.now() }).where("id", "=", row.id).execute();
  }
  cache.set(hash, { info, until: now + CACHE_MS });
  return info;
}

export function clearKeyCache() {
  cache.clear();
}
