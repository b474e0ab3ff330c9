// "No manual repair" (issue 6 item 6): where seed 003 says "there is no automatism" Poststelle proposes the
// tasks itself. Blocking an address proposes "set unsubscribed" on every subscription the tool has it
// subscribed on; a changed first e-mail address proposes "change e-mail" (the tool follows on the next
// transmit instead of ending in §9 scenario A); deleting a contact whose subscriptions the tool knows first
// asks whether to unsubscribe or delete the remote members (§8.2), and does it before the contact goes.
import { sql } from "kysely";
import { type ActivityInput, type EventLogInput, logEvents, recordActivities } from "../audit/service.js";
import type { Database } from "../db/index.js";
import { type Actor, actorLabel, type Runtime } from "../runtime.js";
import { tryNormaliseEmail } from "../util/email.js";
import { Conflict } from "../util/errors.js";
import type { AdapterOptions, MemberOp } from "./adapter.js";
import { adapterOf, toolLabel, toolProblem } from "./connections.js";

interface HookCtx {
  workspaceId: string;
  actor: Actor;
  now: Date;
}

async function proposed(tx: Database, h: HookCtx, ids: string[], task: string, why: string, detail: string) {
  if (ids.length === 0) return;
  await recordActivities(
    tx,
    h,
    ids.map(
      (id): ActivityInput => ({
        action: "sync_task_proposed",
        kind: "subscription",
        recordId: id,
        summary: `Task "${task}" proposed for the next transmit: ${why}`,
        after: { task, task_reason: why },
      }),
    ),
  );
  await logEvents(
    tx,
    ids.map((id) => ({
      workspaceId: h.workspaceId,
      severity: "warning" as const,
      process: "sync",
      trigger: "procedure" as const,
      recordKind: "subscription",
      recordId: id,
      detail,
      data: { task, reason: why, by: actorLabel(h.actor) },
    })),
    h.now,
  );
}

/** The address was put on the blocklist: every linked subscription the tool has subscribed gets "unsubscribe". */
export async function proposeUnsubscribeForBlocked(tx: Database, h: HookCtx, address: string) {
  const out: { activities: ActivityInput[]; log: EventLogInput[] } = { activities: [], log: [] };
  await proposeUnsubscribeForBlockedSet(tx, h, [address], out);
  if (out.activities.length === 0) return;
  await recordActivities(tx, h, out.activities);
  await logEvents(tx, out.log, h.now);
}

/**
 * The addresses were put on the blocklist (one by the blocklist API, a batch's by the bounce rules): every linked subscription the tool has subscribed, of a contact with one of these addresses, gets
 * "set unsubscribed" proposed — once, under the first of the addresses that names it (as one address after
 * another would: the second finds the task already set). One update; activities and event-log entries are
 * collected into `out` for the caller's single inserts.
 */
export async function proposeUnsubscribeForBlockedSet(
  db: Database,
  h: HookCtx,
  addresses: string[],
  out: { activities: ActivityInput[]; log: EventLogInput[] },
) {
  const named = addresses.flatMap((address) => {
    const key = tryNormaliseEmail(address)?.key;
    return key ? [{ address, key }] : [];
  });
  if (named.length === 0) return;
  const by = actorLabel(h.actor);
  const { rows } = await sql<{ subscription_id: string; ord: string }>`
    with k as (select key, ord from unnest(${named.map((n) => n.key)}::text[]) with ordinality as k(key, ord)),
    first as (
      select distinct on (ss.subscription_id) ss.subscription_id, k.ord
        from subscription_sync ss
        join subscriptions s on s.id = ss.subscription_id
        join contacts c on c.id = s.contact_id
        join k on k.key = any(c.email_keys)
       where s.workspace_id = ${h.workspaceId} and ss.remote_status in ('subscribed', 'pending')
         and (ss.task is null or ss.task in ('transmit', 'update_name', 'subscribe', 'change_email'))
       order by ss.subscription_id, k.ord)
    update subscription_sync ss set task = 'unsubscribe', task_reason = 'blocklisted', task_set_at = ${h.now},
           task_set_by = ${by}, updated_at = ${h.now}
      from first where ss.subscription_id = first.subscription_id
    returning ss.subscription_id, first.ord`.execute(db);
  for (const r of rows) {
    const address = named[Number(r.ord) - 1]?.address;
    out.activities.push({
      action: "sync_task_proposed",
      kind: "subscription",
      recordId: r.subscription_id,
      summary: `Task "unsubscribe" proposed for the next transmit: blocklisted`,
      after: { task: "unsubscribe", task_reason: "blocklisted" },
    });
    out.log.push({
      workspaceId: h.workspaceId,
      severity: "warning",
      process: "sync",
      trigger: "procedure",
      recordKind: "subscription",
      recordId: r.subscription_id,
      detail: `${address} was put on the blocklist; "set unsubscribed" is proposed so the tool stops mailing it.`,
      data: { task: "unsubscribe", reason: "blocklisted", by },
    });
  }
}

/** The contact's first address changed: where the tool knows the member by another one, "change e-mail". */
export async function proposeEmailChange(
  tx: Database,
  h: HookCtx,
  contactId: string,
  firstEmail: string | null,
) {
  const key = firstEmail ? tryNormaliseEmail(firstEmail)?.key : null;
  if (!key) return [];
  const { rows } = await sql<{ subscription_id: string }>`
    update subscription_sync ss set task = 'change_email', task_reason = 'email_changed', task_set_at = ${h.now},
           task_set_by = ${actorLabel(h.actor)}, updated_at = ${h.now}
      from subscriptions s
     where s.id = ss.subscription_id and s.contact_id = ${contactId} and s.workspace_id = ${h.workspaceId}
       and ss.remote_email is not null and lower(ss.remote_email) <> ${key}
       and ss.remote_status is not null and ss.remote_status not in ('archived', 'transactional')
       and (ss.task is null or ss.task in ('update_name', 'change_email'))
    returning ss.subscription_id`.execute(tx);
  const ids = rows.map((r) => r.subscription_id);
  await proposed(
    tx,
    h,
    ids,
    "change_email",
    "email_changed",
    `The e-mail address changed to ${firstEmail}; the tool's member follows on the next transmit.`,
  );
  return ids;
}

interface LinkedMember {
  subscription_id: string;
  list_id: string;
  remote_email: string;
  remote_list_id: string;
  connection_id: string;
}

/** The subscriptions of a contact (or one subscription) whose member a linked tool knows and still lists. */
async function linkedMembers(
  db: Database,
  workspaceId: string,
  of: { contactId: string } | { subscriptionId: string },
): Promise<LinkedMember[]> {
  const which = "contactId" in of ? sql`s.contact_id = ${of.contactId}` : sql`s.id = ${of.subscriptionId}`;
  const { rows } = await sql<LinkedMember>`
    select ss.subscription_id, s.list_id, ss.remote_email, l.remote_list_id, l.connection_id
      from subscriptions s
      join subscription_sync ss on ss.subscription_id = s.id
      join list_links l on l.list_id = s.list_id
     where s.workspace_id = ${workspaceId} and ${which}
       and ss.remote_email is not null and ss.remote_status not in ('archived', 'transactional')
     order by s.list_id`.execute(db);
  return rows;
}

export type LinkedMembersChoice = "unsubscribe" | "delete" | "keep";

/**
 * Before a contact is deleted (seed 003 §8.2): when tools know its subscriptions, ask which of unsubscribe,
 * delete or keep — and carry out the first two in the tools now, since afterwards nothing would be left to
 * transmit. A tool that fails stops the deletion (nothing half done).
 */
export async function settleLinkedMembers(
  rt: Runtime,
  workspaceId: string,
  contactId: string,
  choice: LinkedMembersChoice | undefined,
  opts: AdapterOptions = {},
) {
  const linked = await linkedMembers(rt.db, workspaceId, { contactId });
  if (linked.length === 0 || choice === "keep") return { linked: linked.length, done: 0 };
  if (!choice) {
    throw Conflict(
      `The contact is a member of ${linked.length} linked list(s) in an e-mail tool. Delete it with ?linked_members=unsubscribe or ?linked_members=delete to settle the members in the tool first, or ?linked_members=keep to leave them (the next fetch then shows them as new contacts).`,
      {
        linked_members: linked.map((l) => ({
          list_id: l.list_id,
          subscription_id: l.subscription_id,
          email: l.remote_email,
        })),
        options: ["unsubscribe", "delete", "keep"],
      },
    );
  }
  return {
    linked: linked.length,
    done: await carryOut(rt, linked, choice, opts, "The contact was not deleted."),
  };
}

export type LinkedMemberChoice = "delete" | "keep";

/**
 * Before one subscription of a linked list is deleted here (seed 003 §8.1): when the tool still lists its
 * member, ask — delete the member in the tool too (done now, then the subscription goes: both sides clean),
 * or delete here only (the next fetch shows the member as "new in list" again). Not deleting and setting
 * "set unsubscribed" instead is the seed's third way; the question names it. A tool that fails stops the
 * deletion. Answers the tool's word for what it did (e.g. "archived"), or null when nothing was asked of it.
 */
export async function settleLinkedSubscription(
  rt: Runtime,
  workspaceId: string,
  subscriptionId: string,
  choice: LinkedMemberChoice | undefined,
  opts: AdapterOptions = {},
): Promise<{ tool: string; done: "archived" | "deleted" } | null> {
  const linked = await linkedMembers(rt.db, workspaceId, { subscriptionId });
  const [m] = linked;
  if (!m || choice === "keep") return null;
  const connection = await connectionOf(rt, m.connection_id);
  const behaviour = adapterOf(rt.secret, connection, opts).deleteBehaviour;
  const tool = toolLabel(connection.tool);
  if (!choice) {
    throw Conflict(
      `${tool} still lists ${m.remote_email} on the linked list. Delete with ?linked_members=delete to delete the member in ${tool} too (now, before the subscription goes here: then both sides are clean), or with ?linked_members=keep to delete it here only (the next fetch then shows it as "new in list" again). To keep the subscription and stop the mailing instead, set the task "unsubscribe" (PUT /v1/lists/${m.list_id}/sync/members/${m.subscription_id}/task) and transmit.`,
      {
        linked_members: [{ list_id: m.list_id, subscription_id: m.subscription_id, email: m.remote_email }],
        options: ["delete", "keep"],
        delete_in_tool: behaviour.warning,
      },
    );
  }
  await carryOut(rt, linked, choice, opts, "The subscription was not deleted.");
  // Mailchimp archives the member; listmonk takes the subscriber off this list (its word: deleted).
  return {
    tool,
    done: connection.tool === "mailchimp" && behaviour.op === "archive" ? "archived" : "deleted",
  };
}

const connectionOf = (rt: Runtime, id: string) =>
  rt.db.selectFrom("email_tool_connections").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

/** Unsubscribes or deletes each member in its tool, one after another; the first refusal or failure throws. */
async function carryOut(
  rt: Runtime,
  linked: LinkedMember[],
  choice: "unsubscribe" | "delete",
  opts: AdapterOptions,
  notDone: string,
) {
  let done = 0;
  for (const m of linked) {
    const connection = await connectionOf(rt, m.connection_id);
    const adapter = adapterOf(rt.secret, connection, opts);
    const op: MemberOp = {
      op: choice === "delete" ? adapter.deleteBehaviour.op : "unsubscribe",
      ref: m.subscription_id,
      email: m.remote_email,
    };
    let ok = false;
    let error = "";
    try {
      const [r] = await adapter.apply(m.remote_list_id, [op]);
      ok = !!r?.ok;
      error = r?.error?.message ?? "";
    } catch (e) {
      throw toolProblem(e, toolLabel(connection.tool));
    }
    if (!ok)
      throw Conflict(
        `${toolLabel(connection.tool)} refused to ${choice} ${m.remote_email}: ${error}. ${notDone}`,
      );
    done++;
  }
  return done;
}
