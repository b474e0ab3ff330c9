// /v1/activities (Aktivitäten) and /v1/event-log (Ereignisprotokoll).

import type { Row } from "../db/schema.js";
import { decodeCursor, toPage } from "../http/pagination.js";
import { defineRoute } from "../http/route.js";
import { escapeLike } from "../lists/store.js";
import type { Actor } from "../runtime.js";
import { redactArchiveCopy } from "../users/credentials.js";
import { NotFound } from "../util/errors.js";
import { newId } from "../util/ids.js";
import { actorsWorded } from "./actor-words.js";
import { activityQuery, checkEventBody, createActivityBody, eventLogQuery, idParam } from "./schema.js";
import { recordActivity } from "./service.js";

const tag = "logs";

/** An activity; the archive address in a workspace change only for admins (redactArchiveCopy). */
export function activityOut(a: Row<"activities">, actor: Pick<Actor, "role">) {
  return redactArchiveCopy(actor, {
    id: a.id,
    at: a.at,
    action: a.action,
    kind: a.kind,
    record_id: a.record_id,
    summary: a.summary,
    actor: { type: a.actor_type, id: a.actor_id, name: a.actor_name },
    changes: a.changes,
    data: a.data,
  });
}

export function eventOut(e: Row<"event_log">) {
  return {
    id: e.id,
    at: e.at,
    severity: e.severity,
    group_id: e.group_id,
    process: e.process,
    trigger: e.trigger,
    record_kind: e.record_kind,
    record_id: e.record_id,
    detail: e.detail,
    data: e.data,
    checked: e.checked,
    checked_by: e.checked_by,
    checked_at: e.checked_at,
  };
}

export const auditRoutes = [
  defineRoute({
    method: "GET",
    url: "/v1/activities",
    auth: "workspace",
    tag,
    summary: "The activity log: every change to every record, newest first",
    query: activityQuery,
    handler: async ({ query, ctx }) => {
      let q = ctx.rt.db.selectFrom("activities").selectAll().where("workspace_id", "=", ctx.workspaceId);
      if (query.kind) q = q.where("kind", "=", query.kind);
      if (query.action) q = q.where("action", "=", query.action);
      if (query.record_id) q = q.where("record_id", "=", query.record_id);
      if (query.actor) {
        const a = query.actor;
        q = q.where((eb) =>
          eb.or([eb("actor_id", "=", a), eb("actor_name", "=", a), eb("actor_type", "=", a)]),
        );
      }
      if (query.actor_contains) {
        // Escaped, any case. The users and API keys of the workspace are few: their ids are found by their
        // current names there, so a renamed user's older entries are found too. A process is found by the
        // words the dashboard shows for it (German or English), a kind of actor by its word ("System").
        const p = `%${escapeLike(query.actor_contains)}%`;
        const ws = ctx.workspaceId;
        const worded = actorsWorded(query.actor_contains);
        q = q.where((eb) =>
          eb.or([
            eb("actor_name", "ilike", p),
            ...(worded.processes.length > 0
              ? [
                  eb.and([
                    eb("actor_type", "=", "system"),
                    eb.or([eb("actor_id", "in", worded.processes), eb("actor_name", "in", worded.processes)]),
                  ]),
                ]
              : []),
            ...(worded.types.length > 0 ? [eb("actor_type", "in", worded.types)] : []),
            eb(
              "actor_id",
              "in",
              eb
                .selectFrom("users")
                .select("id")
                .where("workspace_id", "=", ws)
                .where((u) => u.or([u("name", "ilike", p), u("email", "ilike", p)])),
            ),
            eb(
              "actor_id",
              "in",
              eb.selectFrom("api_keys").select("id").where("workspace_id", "=", ws).where("name", "ilike", p),
            ),
          ]),
        );
      }
      if (query.since) q = q.where("at", ">=", new Date(query.since));
      if (query.until) q = q.where("at", "<", new Date(query.until));
      const c = decodeCursor(query.cursor);
      if (c) q = q.where("id", "<", String(c[0]));
      const rows = await q
        .orderBy("id", "desc")
        .limit(query.limit + 1)
        .execute();
      return toPage(
        rows,
        query.limit,
        (r) => activityOut(r, ctx.actor),
        (r) => [r.id],
      );
    },
  }),
  defineRoute({
    method: "POST",
    url: "/v1/activities",
    auth: "workspace",
    tag,
    summary: "Log an activity of the host application's own records (bookings, resources, services)",
    status: 201,
    body: createActivityBody,
    handler: async ({ body, ctx }) => {
      const at = body.at ? new Date(body.at) : ctx.rt.now();
      const row = await ctx.rt.db
        .insertInto("activities")
        .values({
          id: newId("act", at.getTime()),
          workspace_id: ctx.workspaceId,
          at,
          actor_type: ctx.actor.type,
          actor_id: ctx.actor.id,
          actor_name: body.actor_name ?? ctx.actor.name,
          action: body.action,
          kind: body.kind,
          record_id: body.record_id ?? null,
          summary: body.summary ?? null,
          changes: body.changes ? JSON.stringify(body.changes) : null,
          data: body.data ? JSON.stringify(body.data) : null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return activityOut(row, ctx.actor);
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/event-log",
    auth: "workspace",
    tag,
    summary: "The event log: what processes reported, newest first",
    query: eventLogQuery,
    handler: async ({ query, ctx }) => {
      let q = ctx.rt.db.selectFrom("event_log").selectAll().where("workspace_id", "=", ctx.workspaceId);
      if (query.severity) q = q.where("severity", "=", query.severity);
      if (query.group_id) q = q.where("group_id", "=", query.group_id);
      if (query.process) q = q.where("process", "=", query.process);
      if (query.record_kind) q = q.where("record_kind", "=", query.record_kind);
      if (query.record_id) q = q.where("record_id", "=", query.record_id);
      if (query.checked) q = q.where("checked", "=", query.checked === "true");
      if (query.since) q = q.where("at", ">=", new Date(query.since));
      if (query.until) q = q.where("at", "<", new Date(query.until));
      const c = decodeCursor(query.cursor);
      if (c) q = q.where("id", "<", String(c[0]));
      const rows = await q
        .orderBy("id", "desc")
        .limit(query.limit + 1)
        .execute();
      return toPage(rows, query.limit, eventOut, (r) => [r.id]);
    },
  }),
  defineRoute({
    method: "PATCH",
    url: "/v1/event-log/:id",
    auth: "workspace",
    tag,
    summary: "Mark an event-log entry as checked (or not)",
    params: idParam,
    body: checkEventBody,
    handler: async ({ params, body, ctx }) => {
      const now = ctx.rt.now();
      return ctx.rt.db.transaction().execute(async (tx) => {
        const before = await tx
          .selectFrom("event_log")
          .selectAll()
          .where("id", "=", params.id)
          .where("workspace_id", "=", ctx.workspaceId)
          .executeTakeFirst();
        if (!before) throw NotFound("event-log entry", params.id);
        const row = await tx
          .updateTable("event_log")
          .set({
            checked: body.checked,
            checked_by: body.checked ? ctx.actor.name : null,
            checked_at: body.checked ? now : null,
          })
          .where("id", "=", params.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordActivity(
          tx,
          { workspaceId: ctx.workspaceId, actor: ctx.actor, now },
          {
            action: "updated",
            kind: "event_log_entry",
            recordId: params.id,
            before: { checked: before.checked },
            after: { checked: row.checked },
          },
        );
        return eventOut(row);
      });
    },
  }),
];
