// Fetch and reconcile (seed 003 §5.1/§5.2). The tool's members are read page by page into a staging table;
// only when the whole list has been read are they reconciled, chunk by chunk, in ONE transaction — so a
// connection that breaks mid-run applies nothing (every subscription shows "aborted" and the run can be
// repeated), and memory stays flat however long the list is.
import { type ActivityInput, type EventLogInput, logEvents, recordActivities } from "../audit/service.js";
import { findBlocked } from "../blocklist/lookup.js";
import { contactOut, newContactData, newContactRow } from "../contacts/contact.js";
import type { Database } from "../db/index.js";
import type { NewRow, Row, SubscriptionStatus, SyncResult, SyncTask } from "../db/schema.js";
import { setSubscriptionStatus } from "../lists/subscriptions.js";
import { type Actor, type Runtime, systemActor } from "../runtime.js";
import { tryNormaliseEmail } from "../util/email.js";
import { newId } from "../util/ids.js";
import { type AdapterOptions, type RemoteStatus, ToolError } from "./adapter.js";
import { adapterOf, toolLabel } from "./connections.js";
import type { LinkRow } from "./links.js";
import {
  type Candidate,
  decideStatus,
  type FieldConflict,
  isListMember,
  localStatusOf,
  nameConflicts,
  pickContact,
} from "./rules.js";
import { finishRun, progress, type RunRow } from "./runs.js";
import {
  type ContactByKey,
  contactsByKeys,
  insertEvents,
  type KnownSubscription,
  knownByRemoteId,
  markAborted,
  markUnseen,
  stagedChunk,
  stageMembers,
  upsertSyncState,
} from "./store.js";

const CHUNK = 1000;

type Staged = Row<"sync_fetched_members">;
type Connection = Row<"email_tool_connections">;

export interface RunScope {
  rt: Runtime;
  run: RunRow;
  link: LinkRow;
  connection: Connection;
  opts: AdapterOptions;
}

export const eventTrigger = (run: RunRow) =>
  (run.trigger === "user" ? "user" : "process") as "user" | "process";

const syncActor = (c: Connection): Actor => systemActor(`sync:${c.tool}`);

/** Reads every member of the remote list into sync_fetched_members. Throws ToolError when the tool fails. */
async function readMembers(s: RunScope, pageSize?: number) {
  const { rt, run } = s;
  await rt.db.deleteFrom("sync_fetched_members").where("run_id", "=", run.id).execute();
  const adapter = adapterOf(rt.secret, s.connection, s.opts);
  let read = 0;
  let unusable = 0;
  for await (const page of adapter.members(s.link.remote_list_id, { pageSize })) {
    const rows = [];
    for (const m of page) {
      const n = tryNormaliseEmail(m.email);
      if (!n) {
        unusable++;
        continue;
      }
      rows.push({
        run_id: run.id,
        email_key: n.key,
        remote_id: m.remote_id,
        email: n.address,
        status: m.status,
        status_changed_at: m.status_changed_at,
        first_name: m.first_name,
        last_name: m.last_name,
        salutation: m.salutation,
      });
    }
    await stageMembers(rt.db, rows);
    read += page.length;
    await progress(rt.db, run.id, { processed: read, now: rt.now() });
  }
  return { read, unusable };
}

export async function executeFetch(s: RunScope, pageSize?: number) {
  const { rt, run, connection } = s;
  let read: { read: number; unusable: number };
  try {
    read = await readMembers(s, pageSize);
  } catch (e) {
    return abortFetch(s, e);
  }
  const counts = await rt.db.transaction().execute((tx) => reconcile(tx, s, read.read));
  if (read.unusable > 0) counts.unusable_addresses = read.unusable;
  await rt.db.deleteFrom("sync_fetched_members").where("run_id", "=", run.id).execute();
  await rt.db
    .updateTable("list_links")
    .set({ last_fetch_at: rt.now() })
    .where("id", "=", s.link.id)
    .execute();
  rt.log.info({ run: run.id, counts, tool: connection.tool }, "sync fetch done");
  return finishRun(rt.db, run.id, { status: "done", counts, now: rt.now() });
}

async function abortFetch(s: RunScope, e: unknown) {
  const { rt, run, connection } = s;
  const label = toolLabel(connection.tool);
  const kind = e instanceof ToolError ? e.kind : "internal";
  const error = `${label}: the fetch broke off (${kind}) — nothing was applied; fetch again. ${(e as Error).message}`;
  const now = rt.now();
  await rt.db.transaction().execute(async (tx) => {
    await tx.deleteFrom("sync_fetched_members").where("run_id", "=", run.id).execute();
    await markAborted(tx, { listId: run.list_id, runId: run.id, now, error });
    await logEvents(
      tx,
      [
        {
          workspaceId: run.workspace_id,
          severity: "error",
          process: `sync:${connection.tool}`,
          trigger: eventTrigger(run),
          groupId: run.id,
          recordKind: "list",
          recordId: run.list_id,
          detail: error,
          data: { run_id: run.id, triggered_by: run.triggered_by, tool_error: kind },
        },
      ],
      now,
    );
  });
  if (!(e instanceof ToolError)) rt.log.error({ err: e, run: run.id }, "sync fetch failed");
  return finishRun(rt.db, run.id, { status: "aborted", counts: { aborted: 1 }, error, now: rt.now() });
}

// ---- reconciliation of one member ----

interface Decision {
  subscriptionId: string;
  result: SyncResult;
  member: Staged;
  conflicts: FieldConflict[];
  warnings: string[];
  notes: string[];
  task: SyncTask | null;
  taskReason: string | null;
  statusChange: SubscriptionStatus | null;
}

interface ChunkWork {
  contacts: NewRow<"contacts">[];
  subscriptions: NewRow<"subscriptions">[];
  emailFollows: { contactId: string; emails: string[]; before: string[] }[];
  decisions: Decision[];
}

const namesOf = (k: {
  first_name: string | null;
  last_name: string | null;
  letter_salutation: string | null;
}) => ({
  first_name: k.first_name,
  last_name: k.last_name,
  salutation: k.letter_salutation,
});

const keyOf = (email: string | null | undefined) =>
  email ? (tryNormaliseEmail(email)?.key ?? email.toLowerCase()) : null;

/** A member matched to an existing subscription: names, status rule, e-mail changes, blocklist. */
function decideExisting(
  k: KnownSubscription,
  m: Staged,
  now: Date,
  blocked: boolean,
  work: ChunkWork,
): Decision {
  const d: Decision = {
    subscriptionId: k.sub_id,
    result: "success",
    member: m,
    conflicts: nameConflicts(namesOf(k), {
      first_name: m.first_name,
      last_name: m.last_name,
      salutation: m.salutation,
    }),
    warnings: [],
    notes: [],
    task: null,
    taskReason: null,
    statusChange: null,
  };
  const remoteStatus = m.status as RemoteStatus;
  const status = decideStatus(
    { status: k.status, at: k.status_set_at },
    { status: remoteStatus, at: m.status_changed_at },
  );
  if (status.kind === "take_tool") {
    d.statusChange = status.status;
    d.notes.push(
      `status '${status.status}' taken from the tool (changed there ${m.status_changed_at?.toISOString()}, here ${k.status_set_at.toISOString()})`,
    );
  } else if (status.kind === "conflict") {
    d.conflicts.push({ field: "status", crm: k.status, tool: remoteStatus });
  }
  const crmEmail = k.emails[0] ?? null;
  const crmKey = keyOf(crmEmail);
  const lastKnown = keyOf(k.remote_email);
  if (crmKey !== m.email_key) {
    if (lastKnown && lastKnown !== m.email_key && lastKnown === crmKey) {
      // The address changed in the tool (seed 003 §9 scenario B): follow it here instead of a new contact.
      const emails = [m.email, ...k.emails.filter((e) => keyOf(e) !== m.email_key && keyOf(e) !== crmKey)];
      work.emailFollows.push({ contactId: k.contact_id, emails, before: k.emails });
      d.notes.push(`e-mail address changed in the tool from ${k.remote_email} to ${m.email}; followed here`);
    } else if (lastKnown === m.email_key && crmEmail) {
      // Changed here (scenario A): the tool follows on the next transmit.
      d.task = "change_email";
      d.taskReason = "email_changed";
      d.notes.push(
        `e-mail address changed here to ${crmEmail}; the tool still has ${m.email} ("change e-mail" proposed)`,
      );
    } else {
      d.conflicts.push({ field: "email", crm: crmEmail, tool: m.email });
    }
  }
  if (blocked && (remoteStatus === "subscribed" || remoteStatus === "pending") && !d.task) {
    d.task = "unsubscribe";
    d.taskReason = "blocklisted";
    d.warnings.push(`${m.email} is on the blocklist but subscribed in the tool: "set unsubscribed" proposed`);
  }
  if (d.conflicts.length > 0) d.result = "conflict";
  void now;
  return d;
}

function candidatesOf(rows: ContactByKey[]): Candidate[] {
  const seen = new Map<string, Candidate>();
  for (const r of rows) {
    if (!seen.has(r.contact_id)) {
      seen.set(r.contact_id, {
        id: r.contact_id,
        first_name: r.first_name,
        last_name: r.last_name,
        onList: r.sub_id !== null,
      });
    }
  }
  return [...seen.values()];
}

function newSubscription(
  s: RunScope,
  contactId: string,
  status: SubscriptionStatus,
  now: Date,
): NewRow<"subscriptions"> {
  return {
    id: newId("sub", now.getTime()),
    workspace_id: s.run.workspace_id,
    list_id: s.run.list_id,
    contact_id: contactId,
    status,
    status_set_at: now,
    status_set_by: `system:sync:${s.connection.tool}`,
    created_at: now,
    updated_at: now,
  };
}

function blankDecision(subscriptionId: string, result: SyncResult, m: Staged): Decision {
  return {
    subscriptionId,
    result,
    member: m,
    conflicts: [],
    warnings: [],
    notes: [],
    task: null,
    taskReason: null,
    statusChange: null,
  };
}

/** Decides every member of a chunk; writes nothing. */
function decideChunk(
  s: RunScope,
  chunk: Staged[],
  byRemote: Map<string, KnownSubscription>,
  byKey: Map<string, ContactByKey[]>,
  blocked: Set<string>,
  now: Date,
): ChunkWork {
  const work: ChunkWork = { contacts: [], subscriptions: [], emailFollows: [], decisions: [] };
  const claimed = new Set<string>();
  for (const m of chunk) {
    const remoteStatus = m.status as RemoteStatus;
    const linked = byRemote.get(m.remote_id);
    const isBlocked = blocked.has(m.email_key);
    if (linked && linked.result_run_id !== s.run.id && !claimed.has(linked.sub_id)) {
      if (!isListMember(remoteStatus)) continue; // archived in the tool: the subscription becomes "not in tool"
      claimed.add(linked.sub_id);
      work.decisions.push(decideExisting(linked, m, now, isBlocked, work));
      continue;
    }
    if (!isListMember(remoteStatus)) continue;
    const rows = (byKey.get(m.email_key) ?? []).filter(
      (r) => r.result_run_id !== s.run.id && !(r.sub_id && claimed.has(r.sub_id)),
    );
    const picked = pickContact(candidatesOf(rows), m);
    const warnings = picked?.ambiguous
      ? [
          `several contacts have ${m.email} and first and last name do not tell them apart; contact ${picked.contact.id} was taken`,
        ]
      : [];
    const blockWarning = (d: Decision) => {
      if (isBlocked && (remoteStatus === "subscribed" || remoteStatus === "pending")) {
        d.task = "unsubscribe";
        d.taskReason = "blocklisted";
        d.warnings.push(
          `${m.email} is on the blocklist but subscribed in the tool: "set unsubscribed" proposed`,
        );
      }
      return d;
    };
    if (!picked) {
      const contactId = newId("con", now.getTime());
      const data = newContactData({
        first_name: m.first_name ?? undefined,
        last_name: m.last_name ?? undefined,
        emails: [m.email],
        ...(m.salutation ? { letter_salutation: m.salutation } : {}),
      } as Parameters<typeof newContactData>[0]);
      work.contacts.push(newContactRow(data, contactId, s.run.workspace_id, now));
      const sub = newSubscription(s, contactId, localStatusOf(remoteStatus), now);
      work.subscriptions.push(sub);
      work.decisions.push(blockWarning(blankDecision(sub.id, "new_contact", m)));
      continue;
    }
    const row = rows.find((r) => r.contact_id === picked.contact.id);
    if (row?.sub_id && row.status && row.status_set_at) {
      claimed.add(row.sub_id);
      const d = decideExisting(
        { ...row, sub_id: row.sub_id, status: row.status, status_set_at: row.status_set_at },
        m,
        now,
        isBlocked,
        work,
      );
      d.warnings.push(...warnings);
      work.decisions.push(d);
      continue;
    }
    const sub = newSubscription(s, picked.contact.id, localStatusOf(remoteStatus), now);
    work.subscriptions.push(sub);
    const d = blockWarning(blankDecision(sub.id, "new_in_list", m));
    d.warnings.push(...warnings);
    work.decisions.push(d);
  }
  return work;
}

// ---- writing a chunk ----

function syncStateRow(s: RunScope, d: Decision, now: Date) {
  const m = d.member;
  const detail: Record<string, unknown> = {};
  if (d.conflicts.length)
    detail.conflicts = d.conflicts.map((c) =>
      c.field === "status" ? { ...c, tool_at: m.status_changed_at } : c,
    );
  if (d.warnings.length) detail.warnings = d.warnings;
  if (d.notes.length) detail.notes = d.notes;
  return {
    subscription_id: d.subscriptionId,
    workspace_id: s.run.workspace_id,
    list_id: s.run.list_id,
    remote_id: m.remote_id,
    remote_email: m.email,
    remote_status: m.status,
    remote_status_at: m.status_changed_at,
    remote_first_name: m.first_name,
    remote_last_name: m.last_name,
    remote_salutation: m.salutation,
    result: d.result,
    result_detail: detail,
    result_at: now,
    result_run_id: s.run.id,
    task: d.task,
    task_set_at: d.task ? now : null,
    task_set_by: d.task ? `system:sync:${s.connection.tool}` : null,
    task_reason: d.taskReason,
    updated_at: now,
  };
}

const RESULT_TEXT: Record<SyncResult, (email: string) => string> = {
  success: (e) => `A subscription for the address "${e}" was found.`,
  conflict: (e) => `A subscription for the address "${e}" was found; its data differ from the tool's.`,
  new_in_list: (e) =>
    `"${e}" is subscribed in the tool; the known contact was added to the list (new in list).`,
  new_contact: (e) =>
    `"${e}" is subscribed in the tool and was unknown here; a contact was created (new contact).`,
  not_in_tool: (e) => `"${e}" is subscribed here but not in the tool (not in tool).`,
  aborted: () => "The fetch broke off.",
};

const FIELD_TEXT: Record<FieldConflict["field"], string> = {
  first_name: "first name",
  last_name: "last name",
  salutation: "salutation",
  status: "status",
  email: "e-mail address",
};

function eventsOf(s: RunScope, d: Decision, now: Date): EventLogInput[] {
  const base = {
    workspaceId: s.run.workspace_id,
    process: `sync:${s.connection.tool}`,
    trigger: eventTrigger(s.run),
    groupId: s.run.id,
    recordKind: "subscription",
    recordId: d.subscriptionId,
    at: now,
  };
  const data = { run_id: s.run.id, list_id: s.run.list_id, triggered_by: s.run.triggered_by };
  const out: EventLogInput[] = [
    {
      ...base,
      severity: "information",
      detail: RESULT_TEXT[d.result](d.member.email),
      data: { ...data, result: d.result },
    },
  ];
  for (const c of d.conflicts) {
    out.push({
      ...base,
      severity: "warning",
      detail: `The ${FIELD_TEXT[c.field]} differs — here: ${c.crm ?? "(empty)"}, in the tool: ${c.tool ?? "(empty)"}.`,
      data: { ...data, conflict: c },
    });
  }
  for (const w of d.warnings) out.push({ ...base, severity: "warning", detail: w, data });
  for (const n of d.notes) out.push({ ...base, severity: "information", detail: n, data });
  return out;
}

async function applyChunk(tx: Database, s: RunScope, work: ChunkWork, now: Date) {
  const actor = syncActor(s.connection);
  const actx = { workspaceId: s.run.workspace_id, actor, now };
  const activities: ActivityInput[] = [];
  if (work.contacts.length > 0) {
    const rows = await tx.insertInto("contacts").values(work.contacts).returningAll().execute();
    for (const r of rows) {
      const { id: _i, created_at: _c, updated_at: _u, ...after } = contactOut(r);
      activities.push({
        action: "created",
        kind: "contact",
        recordId: r.id,
        summary: "Contact created by list sync (new contact)",
        after,
      });
    }
  }
  if (work.subscriptions.length > 0) {
    await tx.insertInto("subscriptions").values(work.subscriptions).execute();
    for (const sub of work.subscriptions) {
      activities.push({
        action: "created",
        kind: "subscription",
        recordId: sub.id,
        summary: `Added to the list by list sync with status '${sub.status}'`,
        after: { list_id: sub.list_id, contact_id: sub.contact_id, status: sub.status },
      });
    }
  }
  for (const f of work.emailFollows) {
    await tx
      .updateTable("contacts")
      .set({ emails: f.emails, email_keys: f.emails.map((e) => keyOf(e) ?? e), updated_at: now })
      .where("id", "=", f.contactId)
      .execute();
    activities.push({
      action: "updated",
      kind: "contact",
      recordId: f.contactId,
      summary: "E-mail address changed in the tool; followed by list sync",
      before: { emails: f.before },
      after: { emails: f.emails },
    });
  }
  await recordActivities(tx, actx, activities);
  const byStatus = new Map<SubscriptionStatus, string[]>();
  for (const d of work.decisions) {
    if (d.statusChange)
      byStatus.set(d.statusChange, [...(byStatus.get(d.statusChange) ?? []), d.subscriptionId]);
  }
  for (const [status, ids] of byStatus) {
    await setSubscriptionStatus(tx, actx, ids, status, `system:sync:${s.connection.tool}`);
  }
  await upsertSyncState(
    tx,
    work.decisions.map((d) => syncStateRow(s, d, now)),
  );
  await insertEvents(
    tx,
    work.decisions.flatMap((d) => eventsOf(s, d, now)),
    now,
  );
}

async function reconcile(tx: Database, s: RunScope, total: number): Promise<Record<string, number>> {
  const { rt, run } = s;
  const now = rt.now();
  const counts: Record<string, number> = {
    success: 0,
    new_in_list: 0,
    new_contact: 0,
    not_in_tool: 0,
    conflict: 0,
    members_read: total,
  };
  let after: string | null = null;
  for (;;) {
    const chunk = await stagedChunk(tx, run.id, after, CHUNK);
    if (chunk.length === 0) break;
    after = chunk[chunk.length - 1].email_key;
    const keys = chunk.map((m) => m.email_key);
    const byRemote = new Map(
      (await knownByRemoteId(tx, run.list_id, [...new Set(chunk.map((m) => m.remote_id))])).map((k) => [
        k.remote_id ?? "",
        k,
      ]),
    );
    const byKey = new Map<string, ContactByKey[]>();
    for (const r of await contactsByKeys(tx, run.workspace_id, run.list_id, keys)) {
      byKey.set(r.email_key, [...(byKey.get(r.email_key) ?? []), r]);
    }
    const blocked = new Set((await findBlocked(tx, rt.secret, run.workspace_id, keys)).keys());
    const work = decideChunk(s, chunk, byRemote, byKey, blocked, now);
    await applyChunk(tx, s, work, now);
    for (const d of work.decisions) counts[d.result] = (counts[d.result] ?? 0) + 1;
  }
  const unseen = await markUnseen(tx, { listId: run.list_id, runId: run.id, now });
  const notInTool = unseen.filter((u) => u.result === "not_in_tool");
  counts.not_in_tool += notInTool.length;
  counts.success += unseen.length - notInTool.length;
  await logNotInTool(
    tx,
    s,
    notInTool.map((u) => u.subscription_id),
    now,
  );
  return counts;
}

async function logNotInTool(tx: Database, s: RunScope, ids: string[], now: Date) {
  for (let i = 0; i < ids.length; i += CHUNK) {
    const part = ids.slice(i, i + CHUNK);
    const rows = await tx
      .selectFrom("subscriptions as s")
      .innerJoin("contacts as c", "c.id", "s.contact_id")
      .select(["s.id", "c.emails"])
      .where("s.id", "in", part)
      .execute();
    await logEvents(
      tx,
      rows.map((r) => ({
        workspaceId: s.run.workspace_id,
        severity: "information" as const,
        process: `sync:${s.connection.tool}`,
        trigger: eventTrigger(s.run),
        groupId: s.run.id,
        recordKind: "subscription",
        recordId: r.id,
        detail: RESULT_TEXT.not_in_tool(r.emails[0] ?? "(no address)"),
        data: {
          run_id: s.run.id,
          list_id: s.run.list_id,
          result: "not_in_tool",
          triggered_by: s.run.triggered_by,
        },
      })),
      now,
    );
  }
}
