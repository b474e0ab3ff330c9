// Transports a workspace sends through (DESIGN §3.5): the capture outbox (the default when none is
// configured, so a new user sees every message without a server) and SMTP relays. Only admins see a
// transport's configuration, because it holds credentials (seed 002).
import { activityCtx, recordActivity } from "../audit/service.js";
import type { Database } from "../db/index.js";
import type { Row } from "../db/schema.js";
import { zodDetails } from "../http/errors.js";
import type { Ctx } from "../runtime.js";
import { Conflict, Invalid, NotFound } from "../util/errors.js";
import { newId } from "../util/ids.js";
import { maskSecrets } from "./providers/schema.js";
import {
  type CreateTransportBody,
  type TransportKind,
  transportConfigs,
  type UpdateTransportBody,
} from "./schema.js";
import {
  clearDefaultTransport,
  countUnsentOnTransport,
  deleteTransportRow,
  insertTransport,
  selectTransport,
  selectTransports,
  updateTransportRow,
} from "./store.js";

function endpointOf(t: Row<"transports">): string {
  if (t.kind !== "smtp") return t.kind;
  const c = t.config as { host?: string; port?: number; secure?: boolean };
  return `${c.secure ? "smtps" : "smtp"}://${c.host}:${c.port}`;
}

/** The transport as the API shows it: `config` (with credentials) only for admins. */
export function transportOut(t: Row<"transports">, isAdmin: boolean) {
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    is_default: t.is_default,
    endpoint: endpointOf(t),
    rate_limit: t.rate_limit,
    rate_window_seconds: t.rate_window_seconds,
    max_concurrency: t.max_concurrency,
    ...(isAdmin ? { config: t.config } : {}),
    created_at: t.created_at,
    updated_at: t.updated_at,
  };
}

/** What the activity log keeps of a transport: never the password. */
function auditView(t: Row<"transports">) {
  const c = maskSecrets(t.config) as Record<string, unknown>;
  if (c.auth && typeof c.auth === "object") c.auth = { ...(c.auth as object), pass: "***" };
  return {
    name: t.name,
    kind: t.kind,
    is_default: t.is_default,
    config: c,
    rate_limit: t.rate_limit,
    rate_window_seconds: t.rate_window_seconds,
    max_concurrency: t.max_concurrency,
  };
}

const isAdmin = (ctx: Ctx) => ctx.actor.role === "admin" || ctx.actor.role === "operator";

function parseConfig(kind: TransportKind, config: unknown) {
  const r = transportConfigs[kind].safeParse(config ?? {}, { reportInput: true });
  if (!r.success) {
    const details = zodDetails(r.error).map((d) => ({ ...d, path: d.path ? `config.${d.path}` : "config" }));
    throw Invalid(
      `Invalid ${kind} transport configuration: ${details.map((d) => `${d.path}: ${d.message}`).join("; ")}`,
      details,
    );
  }
  return r.data;
}

interface Throttle {
  rate_limit?: number | null;
  rate_window_seconds?: number | null;
  max_concurrency?: number | null;
}

/** A rate limit needs its window and a window its limit (DESIGN §3.6: messages per time window). */
function throttleOf(before: Throttle, body: Throttle): Required<Throttle> {
  const t = {
    rate_limit: body.rate_limit !== undefined ? body.rate_limit : (before.rate_limit ?? null),
    rate_window_seconds:
      body.rate_window_seconds !== undefined
        ? body.rate_window_seconds
        : (before.rate_window_seconds ?? null),
    max_concurrency:
      body.max_concurrency !== undefined ? body.max_concurrency : (before.max_concurrency ?? null),
  };
  if ((t.rate_limit === null) !== (t.rate_window_seconds === null)) {
    throw Invalid("rate_limit and rate_window_seconds go together (e.g. 500 messages per 3600 seconds).", [
      {
        path: t.rate_limit === null ? "rate_limit" : "rate_window_seconds",
        message: "give both or neither",
        code: "together",
        with: t.rate_limit === null ? "rate_window_seconds" : "rate_limit",
      },
    ]);
  }
  return t;
}

const nameTaken = (name: string) =>
  Conflict(`A transport named '${name}' already exists; choose another name.`);

async function assertNameFree(db: Database, workspaceId: string, name: string, exceptId?: string) {
  const clash = (await selectTransports(db, workspaceId)).find((t) => t.name === name && t.id !== exceptId);
  if (clash) throw nameTaken(name);
}

/** Two requests racing for one name (or both making themselves the default): the unique index decides,
 * and the loser gets a 409 instead of a 500. */
function raceLost(err: unknown, name: string): unknown {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  if (e?.code !== "23505") return err;
  return String(e.constraint ?? "").includes("default")
    ? Conflict("Another transport became the default at the same moment; try again.")
    : nameTaken(name);
}

export async function listTransports(ctx: Ctx) {
  const rows = await selectTransports(ctx.rt.db, ctx.workspaceId);
  return { items: rows.map((t) => transportOut(t, isAdmin(ctx))), next_cursor: null };
}

export async function getTransport(ctx: Ctx, id: string) {
  const t = await selectTransport(ctx.rt.db, ctx.workspaceId, id);
  if (!t) throw NotFound("transport", id);
  return transportOut(t, isAdmin(ctx));
}

export async function createTransport(ctx: Ctx, body: CreateTransportBody) {
  const config = parseConfig(body.kind, body.config);
  const throttle = throttleOf({}, body);
  const now = ctx.rt.now();
  const created = ctx.rt.db.transaction().execute(async (tx) => {
    await assertNameFree(tx, ctx.workspaceId, body.name);
    if (body.is_default) await clearDefaultTransport(tx, ctx.workspaceId, now);
    const t = await insertTransport(tx, {
      id: newId("trp", now.getTime()),
      workspace_id: ctx.workspaceId,
      name: body.name,
      kind: body.kind,
      config: JSON.stringify(config),
      is_default: body.is_default ?? false,
      ...throttle,
      created_at: now,
      updated_at: now,
    });
    await recordActivity(tx, activityCtx(ctx), {
      action: "created",
      kind: "transport",
      recordId: t.id,
      after: auditView(t),
    });
    return transportOut(t, true);
  });
  return created.catch((err) => {
    throw raceLost(err, body.name);
  });
}

export async function updateTransport(ctx: Ctx, id: string, body: UpdateTransportBody) {
  const now = ctx.rt.now();
  return ctx.rt.db.transaction().execute(async (tx) => {
    const before = await selectTransport(tx, ctx.workspaceId, id);
    if (!before) throw NotFound("transport", id);
    if (body.name !== undefined) await assertNameFree(tx, ctx.workspaceId, body.name, id);
    const config =
      body.config === undefined
        ? undefined
        : parseConfig(before.kind as TransportKind, { ...(before.config as object), ...body.config });
    if (body.is_default) await clearDefaultTransport(tx, ctx.workspaceId, now);
    const after = await updateTransportRow(tx, ctx.workspaceId, id, {
      name: body.name,
      config: config === undefined ? undefined : JSON.stringify(config),
      is_default: body.is_default,
      ...throttleOf(before, body),
      updated_at: now,
    });
    await recordActivity(tx, activityCtx(ctx), {
      action: "updated",
      kind: "transport",
      recordId: id,
      before: auditView(before),
      after: auditView(after),
    });
    return transportOut(after, true);
  });
}

export async function deleteTransport(ctx: Ctx, id: string) {
  return ctx.rt.db.transaction().execute(async (tx) => {
    const before = await selectTransport(tx, ctx.workspaceId, id);
    if (!before) throw NotFound("transport", id);
    const unsent = await countUnsentOnTransport(tx, id);
    if (unsent > 0) {
      throw Conflict(
        `${unsent} message(s) are still waiting to be sent through '${before.name}'; delete it once they are sent.`,
        { unsent },
      );
    }
    await deleteTransportRow(tx, ctx.workspaceId, id);
    await recordActivity(tx, activityCtx(ctx), {
      action: "deleted",
      kind: "transport",
      recordId: id,
      before: auditView(before),
    });
    return { id, deleted: true };
  });
}
