// Connections to external e-mail tools (/v1/email-tools, seed 003 §2): one per tool account and workspace.
// The credentials are encrypted at rest and shown to admins only; everyone else sees a hint.
import { activityCtx, recordActivity } from "../audit/service.js";
import type { Database } from "../db/index.js";
import type { Row } from "../db/schema.js";
import type { Ctx } from "../runtime.js";
import { AppError, Conflict, Invalid, NotFound } from "../util/errors.js";
import { newId } from "../util/ids.js";
import { type AdapterOptions, type EmailToolAdapter, type ToolCredentials, ToolError } from "./adapter.js";
import { adapterFor } from "./adapters/index.js";
import { credentialsHint, decryptCredentials, encryptCredentials } from "./credentials.js";
import type { CreateConnection, UpdateConnection } from "./schema.js";

export type ConnectionRow = Row<"email_tool_connections">;

const TOOL_LABEL = { mailchimp: "Mailchimp", listmonk: "listmonk" } as const;
export const toolLabel = (tool: ConnectionRow["tool"]) => TOOL_LABEL[tool];

export function connectionOut(c: ConnectionRow, secret: string, isAdmin: boolean) {
  return {
    id: c.id,
    name: c.name,
    tool: c.tool,
    base_url: c.base_url,
    account: c.account,
    verified_at: c.verified_at,
    credentials_hint: c.credentials_hint,
    ...(isAdmin ? { credentials: publicCredentials(decryptCredentials(secret, c.credentials_enc)) } : {}),
    created_at: c.created_at,
    created_by: c.created_by,
    updated_at: c.updated_at,
  };
}

function publicCredentials(c: ToolCredentials) {
  const { kind: _kind, ...rest } = c;
  return rest;
}

/** A tool failure as the API reports it: what the tool said, and whether trying again may help. */
export function toolProblem(e: unknown, label: string): AppError {
  if (!(e instanceof ToolError)) return e as AppError;
  const details = { tool_error: e.kind, status: e.status, retry_after_s: e.retry_after_s };
  switch (e.kind) {
    case "auth":
      return Invalid(
        `${label} refused the credentials: ${e.message}. Check the API key of the connection.`,
        details,
      );
    case "not_found":
      return new AppError("not_found", `${label} does not know it: ${e.message}`, details);
    case "invalid":
      return Invalid(`${label} refused the request: ${e.message}`, details);
    case "rate_limited":
      return new AppError(
        "rate_limited",
        `${label} asks to slow down; try again later. ${e.message}`,
        details,
      );
    default:
      return Conflict(
        `${label} could not be reached or failed (${e.kind}); nothing was changed, try again. ${e.message}`,
        details,
      );
  }
}

function credentialsOf(tool: ConnectionRow["tool"], input: CreateConnection["credentials"]): ToolCredentials {
  if (tool === "mailchimp") {
    if (!input.api_key) throw Invalid("credentials.api_key: Mailchimp needs an API key (…-us21).");
    return { kind: "mailchimp", api_key: input.api_key };
  }
  if (!input.username || !input.token) {
    throw Invalid("credentials: listmonk needs username and token (an API user).");
  }
  return { kind: "listmonk", username: input.username, token: input.token };
}

export function adapterOf(secret: string, c: ConnectionRow, opts: AdapterOptions = {}): EmailToolAdapter {
  return adapterFor(
    {
      id: c.id,
      tool: c.tool,
      base_url: c.base_url,
      credentials: decryptCredentials(secret, c.credentials_enc),
    },
    opts,
  );
}

export async function requireConnection(db: Database, workspaceId: string, id: string) {
  const c = await db
    .selectFrom("email_tool_connections")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!c) throw NotFound("e-mail tool connection", id);
  return c;
}

async function verifyWith(adapter: EmailToolAdapter, label: string) {
  try {
    return (await adapter.verify()).account;
  } catch (e) {
    throw toolProblem(e, label);
  }
}

const isAdmin = (ctx: Ctx) => ctx.actor.role === "admin";

export async function createConnection(ctx: Ctx, input: CreateConnection, opts: AdapterOptions = {}) {
  const credentials = credentialsOf(input.tool, input.credentials);
  const now = ctx.rt.now();
  const base = { tool: input.tool, base_url: input.base_url ?? null };
  const account = input.verify
    ? await verifyWith(adapterFor({ id: "new", ...base, credentials }, opts), TOOL_LABEL[input.tool])
    : null;
  return ctx.rt.db.transaction().execute(async (tx) => {
    const clash = await tx
      .selectFrom("email_tool_connections")
      .select("id")
      .where("workspace_id", "=", ctx.workspaceId)
      .where("name", "=", input.name)
      .executeTakeFirst();
    if (clash) throw Conflict(`A connection named '${input.name}' exists already (${clash.id}).`);
    const row = await tx
      .insertInto("email_tool_connections")
      .values({
        id: newId("etc", now.getTime()),
        workspace_id: ctx.workspaceId,
        name: input.name,
        ...base,
        credentials_enc: encryptCredentials(ctx.rt.secret, credentials),
        credentials_hint: credentialsHint(credentials),
        account,
        verified_at: account ? now : null,
        created_at: now,
        created_by: ctx.actor.name,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordActivity(tx, activityCtx(ctx), {
      action: "created",
      kind: "email_tool_connection",
      recordId: row.id,
      summary: `Connection '${row.name}' to ${TOOL_LABEL[row.tool]} created${account ? ` (account ${account})` : ""}`,
      after: { name: row.name, tool: row.tool, base_url: row.base_url, credentials: row.credentials_hint },
    });
    return connectionOut(row, ctx.rt.secret, true);
  });
}

export async function listConnections(ctx: Ctx) {
  const rows = await ctx.rt.db
    .selectFrom("email_tool_connections")
    .selectAll()
    .where("workspace_id", "=", ctx.workspaceId)
    .orderBy("id")
    .execute();
  return { items: rows.map((r) => connectionOut(r, ctx.rt.secret, isAdmin(ctx))), next_cursor: null };
}

export async function getConnection(ctx: Ctx, id: string) {
  return connectionOut(await requireConnection(ctx.rt.db, ctx.workspaceId, id), ctx.rt.secret, isAdmin(ctx));
}

export async function updateConnection(
  ctx: Ctx,
  id: string,
  patch: UpdateConnection,
  opts: AdapterOptions = {},
) {
  const before = await requireConnection(ctx.rt.db, ctx.workspaceId, id);
  const credentials = patch.credentials
    ? credentialsOf(before.tool, patch.credentials)
    : decryptCredentials(ctx.rt.secret, before.credentials_enc);
  const baseUrl = patch.base_url === undefined ? before.base_url : patch.base_url;
  const account = patch.verify
    ? await verifyWith(
        adapterFor({ id, tool: before.tool, base_url: baseUrl, credentials }, opts),
        TOOL_LABEL[before.tool],
      )
    : before.account;
  const now = ctx.rt.now();
  return ctx.rt.db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable("email_tool_connections")
      .set({
        name: patch.name ?? before.name,
        base_url: baseUrl,
        credentials_enc: encryptCredentials(ctx.rt.secret, credentials),
        credentials_hint: credentialsHint(credentials),
        account,
        verified_at: patch.verify ? now : before.verified_at,
        updated_at: now,
      })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordActivity(tx, activityCtx(ctx), {
      action: "updated",
      kind: "email_tool_connection",
      recordId: id,
      summary: patch.credentials ? "Connection changed, with new credentials" : "Connection changed",
      before: { name: before.name, base_url: before.base_url, credentials: before.credentials_hint },
      after: { name: row.name, base_url: row.base_url, credentials: row.credentials_hint },
    });
    return connectionOut(row, ctx.rt.secret, true);
  });
}

export async function deleteConnection(ctx: Ctx, id: string) {
  return ctx.rt.db.transaction().execute(async (tx) => {
    const before = await requireConnection(tx, ctx.workspaceId, id);
    const linked = await tx
      .selectFrom("list_links")
      .select(["list_id"])
      .where("connection_id", "=", id)
      .execute();
    if (linked.length > 0) {
      throw Conflict(
        `The connection links ${linked.length} list(s); detach them first (DELETE /v1/lists/{id}/link).`,
        { list_ids: linked.map((l) => l.list_id) },
      );
    }
    await tx.deleteFrom("email_tool_connections").where("id", "=", id).execute();
    await recordActivity(tx, activityCtx(ctx), {
      action: "deleted",
      kind: "email_tool_connection",
      recordId: id,
      summary: `Connection '${before.name}' deleted`,
      before: {
        name: before.name,
        tool: before.tool,
        base_url: before.base_url,
        credentials: before.credentials_hint,
      },
    });
    return { id, deleted: true };
  });
}

/** The tool's lists, to choose one when attaching. */
export async function remoteLists(ctx: Ctx, id: string, opts: AdapterOptions = {}) {
  const c = await requireConnection(ctx.rt.db, ctx.workspaceId, id);
  try {
    return { items: await adapterOf(ctx.rt.secret, c, opts).lists(), next_cursor: null };
  } catch (e) {
    throw toolProblem(e, TOOL_LABEL[c.tool]);
  }
}
