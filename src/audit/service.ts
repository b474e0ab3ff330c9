// Activity log (seed 000: who changed what, when) and event log (seed 003 §7: what processes report).
// Every mutating service call writes its activity in the same transaction as the change itself.
import type { Kysely } from "kysely";
import type { DB } from "../db/schema.js";
import type { Actor, Ctx } from "../runtime.js";
import { newId } from "../util/ids.js";
import { insertActivities, insertEventLog } from "./store.js";

export type ActivityAction = "created" | "updated" | "deleted" | "cancelled" | string;

type Plain = Record<string, unknown>;

/** Fields that differ between before and after, as { field: { before, after } }. */
export function diff(before: Plain | null | undefined, after: Plain | null | undefined): Plain {
  const out: Plain = {};
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const k of keys) {
    if (k === "updated_at" || k === "created_at") continue;
    const b = before?.[k];
    const a = after?.[k];
    if (JSON.stringify(b) !== JSON.stringify(a)) out[k] = { before: b ?? null, after: a ?? null };
  }
  return out;
}

export interface ActivityInput {
  action: ActivityAction;
  kind: string;
  recordId: string | null;
  summary?: string;
  before?: Plain | null;
  after?: Plain | null;
  data?: unknown;
}

export async function recordActivity(
  db: Kysely<DB>,
  ctx: { workspaceId: string | null; actor: Actor; now: Date },
  input: ActivityInput,
) {
  await recordActivities(db, ctx, [input]);
}

export async function recordActivities(
  db: Kysely<DB>,
  ctx: { workspaceId: string | null; actor: Actor; now: Date },
  inputs: ActivityInput[],
) {
  const at = ctx.now;
  await insertActivities(
    db,
    inputs.map((input) => {
      const changes = input.before || input.after ? diff(input.before, input.after) : null;
      return {
        id: newId("act", at.getTime()),
        workspace_id: ctx.workspaceId,
        at,
        actor_type: ctx.actor.type,
        actor_id: ctx.actor.id,
        actor_name: ctx.actor.name,
        action: input.action,
        kind: input.kind,
        record_id: input.recordId,
        summary: input.summary ?? null,
        changes: changes ? JSON.stringify(changes) : null,
        data: input.data === undefined ? null : JSON.stringify(input.data),
      };
    }),
  );
}

/** Shorthand used by services: the activity of a request context. */
export function activityCtx(ctx: Ctx) {
  return { workspaceId: ctx.workspaceId, actor: ctx.actor, now: ctx.rt.now() };
}

export type Severity = "information" | "warning" | "error";

export interface EventLogInput {
  workspaceId: string | null;
  severity: Severity;
  process: string;
  /** user, process (a scheduled/background run) or procedure (an automatic rule) */
  trigger: "user" | "process" | "procedure";
  groupId?: string | null;
  recordKind?: string | null;
  recordId?: string | null;
  detail: string;
  data?: unknown;
  at?: Date;
}

export async function logEvents(db: Kysely<DB>, inputs: EventLogInput[], now: Date = new Date()) {
  await insertEventLog(
    db,
    inputs.map((e) => ({
      id: newId("evl", (e.at ?? now).getTime()),
      workspace_id: e.workspaceId,
      at: e.at ?? now,
      severity: e.severity,
      group_id: e.groupId ?? null,
      process: e.process,
      trigger: e.trigger,
      record_kind: e.recordKind ?? null,
      record_id: e.recordId ?? null,
      detail: e.detail,
      data: e.data === undefined ? null : JSON.stringify(e.data),
    })),
  );
}

export const logEvent = (db: Kysely<DB>, input: EventLogInput, now?: Date) => logEvents(db, [input], now);
