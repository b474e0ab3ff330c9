// Transmit the decided tasks (seed 003 §5.3) in batches; each result is recorded per subscription. A
// blocklisted address is never handed to the tool for a task that would mail it (transmit, update name,
// start subscription process, change e-mail) — it gets the outcome "blocklisted" and a warning. Stopping
// mail (set unsubscribed, delete) is still carried out. After a delete the local subscription goes too.
import { type EventLogInput, logEvents, recordActivities } from "../audit/service.js";
import { findBlocked } from "../blocklist/lookup.js";
import type { Database } from "../db/index.js";
import type { SubscriptionStatus, SyncTask } from "../db/schema.js";
import { setSubscriptionStatus } from "../lists/subscriptions.js";
import { systemActor } from "../runtime.js";
import { tryNormaliseEmail } from "../util/email.js";
import { type EmailToolAdapter, type MemberOp, type MemberOpResult, ToolError } from "./adapter.js";
import { adapterOf, toolLabel } from "./connections.js";
import { eventTrigger, type RunScope } from "./fetch.js";
import { finishRun, progress } from "./runs.js";

const BATCH = 500;

/** Tasks that hand the address to the tool for mailing: never for a blocklisted address. */
const MAILING_TASKS = new Set<SyncTask>(["transmit", "update_name", "subscribe", "change_email"]);

interface TaskRow {
  subscription_id: string;
  task: SyncTask | null;
  remote_email: string | null;
  remote_id: string | null;
  status: SubscriptionStatus;
  emails: string[];
  first_name: string | null;
  last_name: string | null;
  letter_salutation: string | null;
}

function taskBatch(db: Database, listId: string, after: string) {
  return db
    .selectFrom("subscription_sync as ss")
    .innerJoin("subscriptions as s", "s.id", "ss.subscription_id")
    .innerJoin("contacts as c", "c.id", "s.contact_id")
    .select([
      "ss.subscription_id",
      "ss.task",
      "ss.remote_email",
      "ss.remote_id",
      "s.status",
      "c.emails",
      "c.first_name",
      "c.last_name",
      "c.letter_salutation",
    ])
    .where("ss.list_id", "=", listId)
    .where("ss.task", "is not", null)
    .where("ss.subscription_id", ">", after)
    .orderBy("ss.subscription_id")
    .limit(BATCH)
    .execute() as Promise<TaskRow[]>;
}

export function opFor(r: TaskRow, adapter: EmailToolAdapter): MemberOp | { skip: string } {
  const crmEmail = r.emails[0] ?? null;
  const names = { first_name: r.first_name, last_name: r.last_name, salutation: r.letter_salutation };
  const known = r.remote_email ?? crmEmail;
  switch (r.task) {
    case "transmit":
      return crmEmail
        ? { op: "upsert", ref: r.subscription_id, email: crmEmail, ...names }
        : { skip: "the contact has no e-mail address" };
    case "subscribe":
      return crmEmail
        ? { op: "subscribe_double_opt_in", ref: r.subscription_id, email: crmEmail, ...names }
        : { skip: "the contact has no e-mail address" };
    case "update_name":
      return known
        ? { op: "update_name", ref: r.subscription_id, email: known, ...names }
        : { skip: "the tool does not know the member" };
    case "unsubscribe":
      return known
        ? { op: "unsubscribe", ref: r.subscription_id, email: known }
        : { skip: "the tool does not know the member" };
    case "delete":
      return known
        ? { op: adapter.deleteBehaviour.op, ref: r.subscription_id, email: known }
        : { skip: "the tool does not know the member" };
    case "change_email":
      return r.remote_email && crmEmail
        ? { op: "change_email", ref: r.subscription_id, email: r.remote_email, new_email: crmEmail }
        : { skip: "nothing to change" };
    default:
      return { skip: "no task" };
  }
}

const keyOf = (e: string) => tryNormaliseEmail(e)?.key ?? e.toLowerCase();

/** What the subscription here becomes once the tool carried out the task. */
const LOCAL_STATUS: Partial<Record<SyncTask, SubscriptionStatus>> = {
  transmit: "subscribed",
  subscribe: "pending",
  unsubscribe: "unsubscribed",
};

const TASK_TEXT: Record<SyncTask, string> = {
  transmit: "transmit member",
  update_name: "update name",
  subscribe: "start subscription process",
  unsubscribe: "set unsubscribed",
  delete: "delete",
  change_email: "change e-mail address",
};

type Outcome =
  | { row: TaskRow; kind: "ok"; op: MemberOp; result: MemberOpResult }
  /** stale: the task no longer fits the subscription; it is dropped instead of kept for another try */
  | { row: TaskRow; kind: "error"; message: string; stale?: true }
  | { row: TaskRow; kind: "blocklisted"; message: string };

/**
 * A task is decided earlier than it is transmitted. "Transmit member" is a hard subscribe in the tool and
 * sets the subscription here to subscribed: once the subscription is no longer subscribed here (the person
 * unsubscribed, bounced, or the tool's newer status was taken since), carrying it out would override that
 * decision on both sides — so it is not transmitted, and the task is dropped to be decided again.
 */
export function staleTask(r: Pick<TaskRow, "task" | "status">): string | null {
  if (r.task === "transmit" && r.status !== "subscribed")
    return `the subscription here is now '${r.status}' (changed after the task was decided); "transmit member" would subscribe it again in the tool and here — decide again`;
  return null;
}

async function recordOutcomes(tx: Database, s: RunScope, outcomes: Outcome[], now: Date) {
  const actor = systemActor(`sync:${s.connection.tool}`);
  const actx = { workspaceId: s.run.workspace_id, actor, now };
  const events: EventLogInput[] = [];
  const base = {
    workspaceId: s.run.workspace_id,
    process: `sync:${s.connection.tool}`,
    trigger: eventTrigger(s.run),
    groupId: s.run.id,
    recordKind: "subscription",
    at: now,
  };
  const deleted: Outcome[] = [];
  const statusChanges = new Map<SubscriptionStatus, string[]>();
  for (const o of outcomes) {
    const task = o.row.task as SyncTask;
    const data = { run_id: s.run.id, task, triggered_by: s.run.triggered_by };
    if (o.kind !== "ok") {
      await tx
        .updateTable("subscription_sync")
        .set({
          transmit_outcome: o.kind,
          transmit_error: o.message,
          transmitted_at: now,
          transmit_run_id: s.run.id,
          // a refused task stays decided, so it can be sent again; a blocklisted or stale one cannot be carried out
          ...(o.kind === "blocklisted" || (o.kind === "error" && o.stale)
            ? { task: null, task_set_at: null, task_set_by: null, task_reason: null }
            : {}),
          updated_at: now,
        })
        .where("subscription_id", "=", o.row.subscription_id)
        .execute();
      events.push({
        ...base,
        recordId: o.row.subscription_id,
        severity: o.kind === "blocklisted" || o.stale ? "warning" : "error",
        detail: `"${TASK_TEXT[task]}" not transmitted: ${o.message}`,
        data,
      });
      continue;
    }
    if (task === "delete") {
      deleted.push(o);
      continue;
    }
    const op = o.op;
    const newEmail = op.op === "change_email" ? (op.new_email ?? op.email) : op.email;
    await tx
      .updateTable("subscription_sync")
      .set((eb) => ({
        task: null,
        task_set_at: null,
        task_set_by: null,
        task_reason: null,
        transmit_outcome: "ok",
        transmit_error: null,
        transmitted_at: now,
        transmit_run_id: s.run.id,
        remote_email: newEmail,
        remote_id: o.result.remote_id ?? eb.ref("remote_id"),
        remote_status: o.result.status ?? eb.ref("remote_status"),
        updated_at: now,
      }))
      .where("subscription_id", "=", o.row.subscription_id)
      .execute();
    const local = LOCAL_STATUS[task];
    if (local && o.row.status !== local)
      statusChanges.set(local, [...(statusChanges.get(local) ?? []), o.row.subscription_id]);
    events.push({
      ...base,
      recordId: o.row.subscription_id,
      severity: "information",
      detail: `"${TASK_TEXT[task]}" transmitted for ${newEmail}.`,
      data,
    });
  }
  for (const [status, ids] of statusChanges) {
    await setSubscriptionStatus(tx, actx, ids, status, `system:sync:${s.connection.tool}`);
  }
  if (deleted.length > 0) {
    const ids = deleted.map((o) => o.row.subscription_id);
    const rows = await tx.deleteFrom("subscriptions").where("id", "in", ids).returningAll().execute();
    await recordActivities(
      tx,
      actx,
      rows.map((r) => ({
        action: "deleted",
        kind: "subscription",
        recordId: r.id,
        summary: `Removed from the list after the member was deleted in ${toolLabel(s.connection.tool)} (${s.connection.tool === "mailchimp" ? "archived" : "deleted"})`,
        before: { list_id: r.list_id, contact_id: r.contact_id, status: r.status },
      })),
    );
    for (const o of deleted) {
      events.push({
        ...base,
        recordId: o.row.subscription_id,
        severity: "information",
        detail: `"delete" transmitted for ${o.row.remote_email ?? o.row.emails[0]}; the subscription was removed here.`,
        data: { run_id: s.run.id, task: "delete", triggered_by: s.run.triggered_by },
      });
    }
  }
  await logEvents(tx, events, now);
}

export async function executeTransmit(s: RunScope) {
  const { rt, run, connection } = s;
  const adapter = adapterOf(rt.secret, connection, s.opts);
  const totalRow = await rt.db
    .selectFrom("subscription_sync")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("list_id", "=", run.list_id)
    .where("task", "is not", null)
    .executeTakeFirstOrThrow();
  const counts: Record<string, number> = { ok: 0, error: 0, blocklisted: 0 };
  await progress(rt.db, run.id, { processed: 0, total: Number(totalRow.n), now: rt.now() });
  let after = "";
  let processed = 0;
  let broke: string | null = null;
  for (;;) {
    const rows = await taskBatch(rt.db, run.list_id, after);
    if (rows.length === 0) break;
    after = rows[rows.length - 1].subscription_id;
    const addresses = rows.flatMap((r) => [r.emails[0], r.remote_email].filter((e): e is string => !!e));
    const blocked = await findBlocked(rt.db, rt.secret, run.workspace_id, addresses);
    const outcomes: Outcome[] = [];
    const ops: { op: MemberOp; row: TaskRow }[] = [];
    for (const r of rows) {
      const stale = staleTask(r);
      if (stale) {
        outcomes.push({ row: r, kind: "error", message: stale, stale: true });
        continue;
      }
      const op = opFor(r, adapter);
      if ("skip" in op) {
        outcomes.push({ row: r, kind: "error", message: op.skip });
        continue;
      }
      const hit =
        [op.email, op.new_email].some((e) => e && blocked.has(e)) ||
        (r.emails[0] && blocked.has(r.emails[0]));
      if (hit && MAILING_TASKS.has(r.task as SyncTask)) {
        outcomes.push({
          row: r,
          kind: "blocklisted",
          message: `${r.emails[0]} is on the blocklist; it is never handed to the tool`,
        });
        continue;
      }
      ops.push({ op, row: r });
    }
    if (ops.length > 0 && !broke) {
      try {
        const results = new Map(
          (
            await adapter.apply(
              s.link.remote_list_id,
              ops.map((o) => o.op),
            )
          ).map((r) => [r.ref, r]),
        );
        for (const { op, row } of ops) {
          const res = results.get(op.ref);
          if (res?.ok) outcomes.push({ row, kind: "ok", op, result: res });
          else
            outcomes.push({
              row,
              kind: "error",
              message: res?.error ? `${res.error.code}: ${res.error.message}` : "no result from the tool",
            });
        }
      } catch (e) {
        if (!(e instanceof ToolError)) throw e;
        broke = `${toolLabel(connection.tool)}: the transmit broke off (${e.kind}); the tasks not yet sent stay decided — transmit again. ${e.message}`;
        // What the tool carried out before it broke off is recorded as done (a delete removes the
        // subscription here too); the rest stays decided.
        const done = new Map(e.done.map((r) => [r.ref, r]));
        for (const { op, row } of ops) {
          const res = done.get(op.ref);
          if (res?.ok) outcomes.push({ row, kind: "ok", op, result: res });
          else if (res?.error)
            outcomes.push({ row, kind: "error", message: `${res.error.code}: ${res.error.message}` });
          else outcomes.push({ row, kind: "error", message: broke });
        }
      }
    }
    const now = rt.now();
    await rt.db.transaction().execute((tx) => recordOutcomes(tx, s, outcomes, now));
    for (const o of outcomes) counts[o.kind]++;
    processed += rows.length;
    await progress(rt.db, run.id, { processed, now });
    if (broke) break;
  }
  await rt.db
    .updateTable("list_links")
    .set({ last_transmit_at: rt.now() })
    .where("id", "=", s.link.id)
    .execute();
  return finishRun(rt.db, run.id, {
    status: broke ? "aborted" : "done",
    counts,
    error: broke,
    now: rt.now(),
  });
}

export const keyOfAddress = keyOf;
