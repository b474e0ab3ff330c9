// Deciding (seed 003 §5.2 "Entscheidungen treffen"): the members of a linked list with their last result,
// the saved filters ("Containerfilter"), a task per subscription — offered only where it makes sense —,
// the bulk "mark all not in tool for transmission", and the review with counts per task before a transmit.
import { type RawBuilder, type SqlBool, sql } from "kysely";
import { type ActorNames, actorName, actorNames, pageWithSetByNames } from "../audit/actor-names.js";
import { activityCtx, recordActivity } from "../audit/service.js";
import { findBlocked } from "../blocklist/lookup.js";
import { bounceSources } from "../blocklist/schema.js";
import type { Database } from "../db/index.js";
import type { SubscriptionStatus, SyncTask } from "../db/schema.js";
import { decodeCursor } from "../http/pagination.js";
import { reactionFilters } from "../lists/schema.js";
import { type ReactionFilter, reactionFilterSql } from "../lists/store.js";
import type { Ctx } from "../runtime.js";
import { Conflict, NotFound } from "../util/errors.js";
import type { RemoteStatus } from "./adapter.js";
import { adapterOf, toolLabel } from "./connections.js";
import { requireLink } from "./links.js";
import { offeredTasks } from "./rules.js";
import type { MemberFilter } from "./schema.js";

function memberQuery(db: Database, listId: string) {
  return db
    .selectFrom("subscriptions as s")
    .innerJoin("contacts as c", "c.id", "s.contact_id")
    .leftJoin("subscription_sync as ss", "ss.subscription_id", "s.id")
    .select([
      "s.id",
      "s.contact_id",
      "s.status",
      "s.status_set_at",
      "s.status_set_by",
      "c.first_name",
      "c.last_name",
      "c.letter_salutation",
      "c.emails",
      "ss.remote_id",
      "ss.remote_email",
      "ss.remote_status",
      "ss.remote_status_at",
      "ss.remote_first_name",
      "ss.remote_last_name",
      "ss.remote_salutation",
      "ss.result",
      "ss.result_detail",
      "ss.result_at",
      "ss.result_run_id",
      "ss.task",
      "ss.task_set_at",
      "ss.task_set_by",
      "ss.task_reason",
      "ss.transmit_outcome",
      "ss.transmit_error",
      "ss.transmitted_at",
    ])
    .where("s.list_id", "=", listId);
}

type MemberRow = Awaited<ReturnType<ReturnType<typeof memberQuery>["execute"]>>[number];

export function taskContext(r: MemberRow) {
  return {
    crmStatus: r.status as SubscriptionStatus,
    toolStatus: (r.remote_status as RemoteStatus | null) ?? null,
    crmEmail: r.emails[0] ?? null,
    toolEmail: r.remote_email,
    crmNames: { first_name: r.first_name, last_name: r.last_name, salutation: r.letter_salutation },
    toolNames:
      r.remote_status === null
        ? null
        : { first_name: r.remote_first_name, last_name: r.remote_last_name, salutation: r.remote_salutation },
  };
}

export function memberOut(r: MemberRow, names: ActorNames) {
  return {
    subscription_id: r.id,
    contact: {
      id: r.contact_id,
      first_name: r.first_name,
      last_name: r.last_name,
      email: r.emails[0] ?? null,
    },
    status: {
      value: r.status,
      set_at: r.status_set_at,
      set_by: r.status_set_by,
      set_by_name: actorName(names, r.status_set_by),
    },
    tool:
      r.remote_status === null
        ? null
        : {
            remote_id: r.remote_id,
            email: r.remote_email,
            status: r.remote_status,
            status_changed_at: r.remote_status_at,
            first_name: r.remote_first_name,
            last_name: r.remote_last_name,
            salutation: r.remote_salutation,
          },
    result: r.result,
    result_detail: r.result_detail ?? {},
    result_at: r.result_at,
    result_run_id: r.result_run_id,
    task: r.task,
    task_set_at: r.task_set_at,
    task_set_by: r.task_set_by,
    task_reason: r.task_reason,
    transmit: r.transmit_outcome
      ? { outcome: r.transmit_outcome, error: r.transmit_error, at: r.transmitted_at }
      : null,
    offered_tasks: offeredTasks(taskContext(r)),
  };
}

const FILTERS: Record<Exclude<MemberFilter, ReactionFilter>, RawBuilder<SqlBool>> = {
  conflicts: sql<SqlBool>`ss.result = 'conflict'`,
  conflicts_open: sql<SqlBool>`ss.result = 'conflict' and ss.task is null`,
  new_in_list: sql<SqlBool>`ss.result = 'new_in_list'`,
  new_contacts: sql<SqlBool>`ss.result = 'new_contact'`,
  not_in_tool: sql<SqlBool>`ss.result = 'not_in_tool'`,
  not_in_tool_open: sql<SqlBool>`ss.result = 'not_in_tool' and ss.task is null`,
  with_task: sql<SqlBool>`ss.task is not null`,
  // Seed 003 §5.4: also a subscription whose contact's address is marked as bouncing — on the blocklist
  // because of a bounce — while its own status is not a bounce status.
  bounces: sql<SqlBool>`(s.status like 'bounced%' or ss.remote_status = 'cleaned'
                or exists (select 1 from blocklist b where b.workspace_id = s.workspace_id and b.lifted_at is null
                           and b.kind = 'email' and b.source in (${sql.join(bounceSources.map((x) => sql.lit(x)))})
                           and lower(b.address) = any(c.email_keys)))`,
  blocklisted_not_transmitted: sql<SqlBool>`ss.transmit_outcome = 'blocklisted'`,
  blocklisted: sql<SqlBool>`exists (select 1 from blocklist b where b.workspace_id = s.workspace_id and b.lifted_at is null
                         and b.kind = 'email' and lower(b.address) = any(c.email_keys))`,
  transmit_errors: sql<SqlBool>`ss.transmit_outcome = 'error'`,
};

const isReaction = (f: MemberFilter): f is ReactionFilter =>
  (reactionFilters as readonly string[]).includes(f);

function memberFilterSql(f: MemberFilter, listId: string): RawBuilder<SqlBool> {
  return isReaction(f) ? reactionFilterSql(f, { listId }) : FILTERS[f];
}

export async function listMembers(
  ctx: Ctx,
  listId: string,
  q: { limit: number; cursor?: string; filter?: MemberFilter; email?: string },
) {
  await requireLink(ctx.rt.db, ctx.workspaceId, listId);
  const cursor = decodeCursor(q.cursor);
  let query = memberQuery(ctx.rt.db, listId);
  if (q.filter) query = query.where(memberFilterSql(q.filter, listId));
  if (q.email) query = query.where(sql<SqlBool>`${q.email.toLowerCase()} = any(c.email_keys)`);
  if (cursor) query = query.where("s.id", ">", String(cursor[0]));
  const rows = await query
    .orderBy("s.id")
    .limit(q.limit + 1)
    .execute();
  return pageWithSetByNames(ctx.rt.db, ctx.workspaceId, rows, q.limit, memberOut);
}

async function requireMember(db: Database, listId: string, subscriptionId: string) {
  const r = await memberQuery(db, listId).where("s.id", "=", subscriptionId).executeTakeFirst();
  if (!r) throw NotFound("subscription", subscriptionId);
  return r;
}

export async function getMember(ctx: Ctx, listId: string, subscriptionId: string) {
  await requireLink(ctx.rt.db, ctx.workspaceId, listId);
  const r = await requireMember(ctx.rt.db, listId, subscriptionId);
  return memberOut(r, await actorNames(ctx.rt.db, ctx.workspaceId, [r.status_set_by]));
}

const TASK_WHY: Record<SyncTask, string> = {
  transmit: "only for a subscription that is subscribed here and not subscribed in the tool",
  update_name: "only when the tool has the member with a different name or salutation",
  subscribe: "only when the member is neither subscribed nor pending in the tool",
  unsubscribe: "only when the member is subscribed or pending in the tool",
  delete: "only when the tool has the member",
  change_email: "only when the tool knows the member by another address than the contact's first one",
};

export async function setTask(
  ctx: Ctx,
  listId: string,
  subscriptionId: string,
  task: SyncTask | null,
  opts = {},
) {
  const { connection } = await requireLink(ctx.rt.db, ctx.workspaceId, listId);
  const now = ctx.rt.now();
  return ctx.rt.db.transaction().execute(async (tx) => {
    const before = await requireMember(tx, listId, subscriptionId);
    const offered = offeredTasks(taskContext(before));
    if (task && !offered.includes(task)) {
      throw Conflict(
        `The task '${task}' does not make sense here: ${TASK_WHY[task]}. Offered: ${offered.join(", ") || "none"}.`,
        {
          offered_tasks: offered,
        },
      );
    }
    await tx
      .insertInto("subscription_sync")
      .values({
        subscription_id: subscriptionId,
        workspace_id: ctx.workspaceId,
        list_id: listId,
        task,
        task_set_at: task ? now : null,
        task_set_by: task ? ctx.actor.name : null,
        task_reason: null,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column("subscription_id").doUpdateSet({
          task,
          task_set_at: task ? now : null,
          task_set_by: task ? ctx.actor.name : null,
          task_reason: null,
          updated_at: now,
        }),
      )
      .execute();
    await recordActivity(tx, activityCtx(ctx), {
      action: "sync_task_set",
      kind: "subscription",
      recordId: subscriptionId,
      summary: task ? `Task for the next transmit: ${task}` : "Task for the next transmit cleared",
      before: { task: before.task },
      after: { task },
    });
    const r = await requireMember(tx, listId, subscriptionId);
    const out = memberOut(r, await actorNames(tx, ctx.workspaceId, [r.status_set_by]));
    return task === "delete"
      ? { ...out, warning: adapterOf(ctx.rt.secret, connection, opts).deleteBehaviour.warning }
      : out;
  });
}

/** Bulk "zum Übermitteln markieren": every not-in-tool subscription without a decision gets "transmit". */
export async function markNotInToolForTransmission(ctx: Ctx, listId: string) {
  await requireLink(ctx.rt.db, ctx.workspaceId, listId);
  const now = ctx.rt.now();
  return ctx.rt.db.transaction().execute(async (tx) => {
    const { rows } = await sql<{ subscription_id: string }>`
      update subscription_sync ss set task = 'transmit', task_set_at = ${now}, task_set_by = ${ctx.actor.name},
             task_reason = null, updated_at = ${now}
        from subscriptions s, contacts c
       where ss.list_id = ${listId} and ss.result = 'not_in_tool' and ss.task is null
         and s.id = ss.subscription_id and s.status = 'subscribed'
         and c.id = s.contact_id and cardinality(c.emails) > 0
      returning ss.subscription_id`.execute(tx);
    await recordActivity(tx, activityCtx(ctx), {
      action: "sync_tasks_marked",
      kind: "list",
      recordId: listId,
      summary: `${rows.length} subscription(s) not in the tool marked for transmission`,
      data: { task: "transmit", count: rows.length },
    });
    return { marked: rows.length };
  });
}

/** Counts per task before a transmit, and what will not go out because of the blocklist. */
export async function review(ctx: Ctx, listId: string, opts = {}) {
  const { connection, link } = await requireLink(ctx.rt.db, ctx.workspaceId, listId);
  const db = ctx.rt.db;
  const byTask = await db
    .selectFrom("subscription_sync")
    .select(["task", (eb) => eb.fn.countAll<string>().as("n")])
    .where("list_id", "=", listId)
    .where("task", "is not", null)
    .groupBy("task")
    .execute();
  const tasks = Object.fromEntries(
    (["transmit", "update_name", "subscribe", "unsubscribe", "delete", "change_email"] as const).map((t) => [
      t,
      Number(byTask.find((r) => r.task === t)?.n ?? 0),
    ]),
  );
  const blockedAmong = await countBlockedAmongTasks(ctx, listId);
  // "transmit member" decided while subscribed, the subscription changed since: not transmitted (staleTask)
  const stale = await db
    .selectFrom("subscription_sync as ss")
    .innerJoin("subscriptions as s", "s.id", "ss.subscription_id")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("ss.list_id", "=", listId)
    .where("ss.task", "=", "transmit")
    .where("s.status", "<>", "subscribed")
    .executeTakeFirstOrThrow();
  const staleTransmits = Number(stale.n);
  const results = await db
    .selectFrom("subscription_sync")
    .select(["result", (eb) => eb.fn.countAll<string>().as("n")])
    .where("list_id", "=", listId)
    .groupBy("result")
    .execute();
  const total = Object.values(tasks).reduce((a, b) => a + b, 0);
  return {
    list_id: listId,
    tool: connection.tool,
    remote_list_id: link.remote_list_id,
    tasks,
    total,
    will_not_transmit_blocklisted: blockedAmong,
    results: Object.fromEntries(results.map((r) => [r.result ?? "none", Number(r.n)])),
    warnings: [
      ...(tasks.delete > 0 ? [adapterOf(ctx.rt.secret, connection, opts).deleteBehaviour.warning] : []),
      ...(tasks.subscribe > 0
        ? [
            `"start subscription process" may send a confirmation mail from ${toolLabel(connection.tool)}; the member stays pending until it is confirmed.`,
          ]
        : []),
      ...(blockedAmong > 0
        ? [`${blockedAmong} task(s) concern blocklisted addresses and will not be transmitted.`]
        : []),
      ...(staleTransmits > 0
        ? [
            `${staleTransmits} "transmit member" task(s) will not be transmitted: their subscription is no longer subscribed here (it changed after the task was decided); decide again.`,
          ]
        : []),
    ],
  };
}

async function countBlockedAmongTasks(ctx: Ctx, listId: string) {
  let n = 0;
  let after = "";
  for (;;) {
    const rows = await ctx.rt.db
      .selectFrom("subscription_sync as ss")
      .innerJoin("subscriptions as s", "s.id", "ss.subscription_id")
      .innerJoin("contacts as c", "c.id", "s.contact_id")
      .select(["ss.subscription_id", "c.emails"])
      .where("ss.list_id", "=", listId)
      .where("ss.task", "in", ["transmit", "update_name", "subscribe", "change_email"])
      .where("ss.subscription_id", ">", after)
      .orderBy("ss.subscription_id")
      .limit(1000)
      .execute();
    if (rows.length === 0) return n;
    after = rows[rows.length - 1].subscription_id;
    const addresses = rows.map((r) => r.emails[0]).filter((e): e is string => !!e);
    n += (await findBlocked(ctx.rt.db, ctx.rt.secret, ctx.workspaceId, addresses)).size;
  }
}
