// Reconciling the staged members of a fetch with the list, chunk by chunk in ONE transaction (seed 003
// §5.2): a chunk costs one read (its members with their linked subscriptions and blocklist flags), a
// lookup by address only for the members that need one (new, or no longer linked), and a handful of
// set-based writes (sync state and event-log entries; contacts, subscriptions, status changes and
// activities only for what changed). While one chunk is written the next one is decided, so the database
// and the decisions work at the same time; memory holds two chunks.
import { type ActivityInput, type EventLogInput, recordActivities } from "../audit/service.js";
import { contactOut } from "../contacts/contact.js";
import { type Database, rowLocksMatter } from "../db/index.js";
import type { SubscriptionStatus, SyncResult } from "../db/schema.js";
import { setSubscriptionStatus } from "../lists/subscriptions.js";
import { systemActor } from "../runtime.js";
import { tryNormaliseEmail } from "../util/email.js";
import { newId } from "../util/ids.js";
import type { RemoteStatus } from "./adapter.js";
import {
  addressKeysNeeded,
  type ChunkReads,
  type ChunkWork,
  type Claims,
  type Decision,
  decideChunk,
  noClaims,
  unchanged,
} from "./decide.js";
import type { RunScope } from "./fetch.js";
import { type FieldConflict, isListMember } from "./rules.js";
import { eventTrigger } from "./runs.js";
import {
  anyRemoteId,
  type ContactByKey,
  contactsByKeys,
  insertEvents,
  insertFoundEntries,
  insertSyncState,
  markUnseen,
  notInToolChunk,
  stagedChunk,
  stampSyncState,
  upsertSyncState,
} from "./store.js";

/** Members reconciled per round trip: few statements per fetch, a few MB of memory. */
export const RECONCILE_CHUNK = 5000;

// ---- reading a chunk ----

/**
 * A chunk's members with the contacts of those linked to no subscription (read together), then the
 * contacts of any other member that may be matched by address (usually none).
 */
async function readChunk(
  tx: Database,
  s: RunScope,
  afterKey: string | null,
  size: number,
  previous: Claims,
  linkable: boolean,
) {
  const { run } = s;
  // PGlite only: PostgreSQL's server spent more on the merged statement (store.ts stagedChunk)
  const withContacts = s.rt.dbKind === "pglite";
  const { members, unlinkedContacts } = await stagedChunk(tx, {
    runId: run.id,
    workspaceId: run.workspace_id,
    listId: run.list_id,
    afterKey,
    size,
    unlinkedContacts: withContacts,
    linkable,
  });
  if (members.length === 0) return null;
  const byKey = new Map<string, ContactByKey[]>();
  const asked = new Set<string>();
  if (withContacts) {
    // The keys addressKeysNeeded asks first whatever else it finds (a list member linked to nothing):
    // their contacts came with the chunk. The read holds every member linked to nothing; only these are
    // taken, so the keys asked and the contacts found are those of the loop below on its own.
    for (const m of members)
      if (m.linked.length === 0 && isListMember(m.status as RemoteStatus)) asked.add(m.email_key);
    for (const r of unlinkedContacts) {
      if (!asked.has(r.email_key)) continue;
      const rows = byKey.get(r.email_key);
      if (rows) rows.push(r);
      else byKey.set(r.email_key, [r]);
    }
  }
  for (;;) {
    const keys = addressKeysNeeded(run.id, members, previous, byKey, asked);
    if (keys.length === 0) break;
    for (const k of keys) asked.add(k);
    for (const r of await contactsByKeys(tx, { workspaceId: run.workspace_id, listId: run.list_id, keys })) {
      const rows = byKey.get(r.email_key);
      if (rows) rows.push(r);
      else byKey.set(r.email_key, [r]);
    }
  }
  const reads: ChunkReads = { members, byKey };
  return { reads, lastKey: members[members.length - 1].email_key };
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
    // as text: the rows of a chunk then share one '{}' (store.ts sends a shared value once)
    result_detail: JSON.stringify(detail),
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

/** The result texts as templates of the "found" entries (insertFoundEntries). */
const RESULT_TEMPLATES = Object.fromEntries(
  Object.entries(RESULT_TEXT).map(([result, text]) => [result, text("{email}")]),
);

/** What every entry of a run's group shares (seed 003 §7): who wrote it, why, and the run's data. */
function entryCommon(s: RunScope) {
  return {
    workspaceId: s.run.workspace_id,
    groupId: s.run.id,
    process: `sync:${s.connection.tool}`,
    trigger: eventTrigger(s.run),
    data: { run_id: s.run.id, list_id: s.run.list_id, triggered_by: s.run.triggered_by },
  };
}

/** The "found" entry of every decision (seed 003 §7), one statement per chunk. */
async function foundEntries(tx: Database, s: RunScope, decisions: Decision[], now: Date) {
  const ms = now.getTime();
  const rows = {
    ids: [] as string[],
    subscriptionIds: [] as string[],
    emails: [] as string[],
    results: [] as string[],
  };
  for (const d of decisions) {
    rows.ids.push(newId("evl", ms));
    rows.subscriptionIds.push(d.subscriptionId);
    rows.emails.push(d.member.email);
    rows.results.push(d.result);
  }
  await insertFoundEntries(tx, { ...entryCommon(s), at: now, texts: RESULT_TEMPLATES }, rows);
}

/** A subscription's further entries in the run's group (seed 003 §7): each conflict, warnings, notes. */
function furtherEventsOf(s: RunScope, d: Decision, now: Date): EventLogInput[] {
  // most members have none: nothing is built for them
  if (d.conflicts.length + d.warnings.length + d.notes.length === 0) return [];
  const { data, ...shared } = entryCommon(s);
  const base = { ...shared, recordKind: "subscription", recordId: d.subscriptionId, at: now };
  const out: EventLogInput[] = [];
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

const keyOf = (email: string) => tryNormaliseEmail(email)?.key ?? email.toLowerCase();

/** New contacts and subscriptions, addresses followed from the tool: the rare writes, with activities. */
async function applyRecordChanges(tx: Database, work: ChunkWork, now: Date): Promise<ActivityInput[]> {
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
      .set({ emails: f.emails, email_keys: f.emails.map(keyOf), updated_at: now })
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
  return activities;
}

async function applyChunk(tx: Database, s: RunScope, work: ChunkWork, now: Date) {
  const actx = { workspaceId: s.run.workspace_id, actor: systemActor(`sync:${s.connection.tool}`), now };
  const activities = await applyRecordChanges(tx, work, now);
  if (activities.length > 0) await recordActivities(tx, actx, activities);
  const byStatus = new Map<SubscriptionStatus, string[]>();
  for (const d of work.decisions) {
    if (!d.statusChange) continue;
    const ids = byStatus.get(d.statusChange);
    if (ids) ids.push(d.subscriptionId);
    else byStatus.set(d.statusChange, [d.subscriptionId]);
  }
  for (const [status, ids] of byStatus) {
    await setSubscriptionStatus(tx, actx, ids, status, `system:sync:${s.connection.tool}`);
  }
  // A member found as the last fetch left it only gets the run's stamp; the rest are written whole: a
  // plain insert for subscriptions without a sync state where nothing else can write one meanwhile (the
  // same premise as rowLocksMatter: on PGlite no other transaction interleaves with this one).
  const firstInsert = !rowLocksMatter(s.rt.dbKind);
  const stamped: string[] = [];
  const written: ReturnType<typeof syncStateRow>[] = [];
  const inserted: ReturnType<typeof syncStateRow>[] = [];
  for (const d of work.decisions) {
    if (unchanged(d)) stamped.push(d.subscriptionId);
    else if (firstInsert && !d.hasSyncState) inserted.push(syncStateRow(s, d, now));
    else written.push(syncStateRow(s, d, now));
  }
  await insertSyncState(tx, inserted);
  await upsertSyncState(tx, written);
  await stampSyncState(tx, { ids: stamped, runId: s.run.id, now });
  // the "found" entries first: their ids are made first, so each lists before its subscription's others
  await foundEntries(tx, s, work.decisions, now);
  await insertEvents(
    tx,
    work.decisions.flatMap((d) => furtherEventsOf(s, d, now)),
    now,
  );
}

// ---- the run ----

/** Keeps a promise that is awaited later from counting as unhandled when it fails first. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/**
 * Reconciles every staged member, `chunkSize` at a time. Chunk N+1 is read before chunk N is written and
 * decided while it is: the database writes while the decisions are made. Its reads cannot see chunk N's
 * writes, so it is handed chunk N's claims (decide.ts); everything earlier is committed to the transaction.
 */
export async function reconcile(
  tx: Database,
  s: RunScope,
  total: number,
  chunkSize = RECONCILE_CHUNK,
  /** tests: probe the sync state for linked members whatever the list holds (otherwise decided below) */
  probeLinks?: boolean,
): Promise<Record<string, number>> {
  const now = s.rt.now();
  const counts: Record<string, number> = {
    success: 0,
    new_in_list: 0,
    new_contact: 0,
    not_in_tool: 0,
    conflict: 0,
    members_read: total,
  };
  const scope = {
    runId: s.run.id,
    workspaceId: s.run.workspace_id,
    listId: s.run.list_id,
    tool: s.connection.tool,
  };
  // Whether a member may be linked to a subscription by its remote id. On PGlite, when no sync state of
  // the list carries one as the transaction begins, none can: nothing but this transaction writes one
  // meanwhile, and what it writes carries this run's id, which claims the subscription for this run
  // (decide.ts RunClaims) — a member linked only to those is matched by address all the same. So the
  // chunks are read without their probes of the sync state (a first fetch: 5,000 empty probes each).
  const linkable = probeLinks ?? (rowLocksMatter(s.rt.dbKind) || (await anyRemoteId(tx, s.run.list_id)));
  let next = await readChunk(tx, s, null, chunkSize, noClaims(), linkable);
  let decided = next ? decideChunk(scope, next.reads, noClaims(), now) : null;
  let writing: Promise<void> = Promise.resolve();
  while (next && decided) {
    await writing;
    const current = decided;
    const following = await readChunk(tx, s, next.lastKey, chunkSize, current.claims, linkable);
    writing = quiet(applyChunk(tx, s, current.work, now));
    for (const d of current.work.decisions) counts[d.result] = (counts[d.result] ?? 0) + 1;
    next = following;
    decided = next ? decideChunk(scope, next.reads, current.claims, now) : null;
  }
  await writing;
  await finishUnseen(tx, s, counts, now, chunkSize);
  return counts;
}

/** Subscriptions this run did not find: "not in tool" (with its event-log entry) or in step. */
async function finishUnseen(
  tx: Database,
  s: RunScope,
  counts: Record<string, number>,
  now: Date,
  chunkSize: number,
) {
  const unseen = await markUnseen(tx, { listId: s.run.list_id, runId: s.run.id, now });
  counts.not_in_tool += unseen.not_in_tool;
  counts.success += unseen.success;
  let after: string | null = null;
  for (;;) {
    const rows = await notInToolChunk(tx, { listId: s.run.list_id, runId: s.run.id, after, size: chunkSize });
    if (rows.length === 0) break;
    after = rows[rows.length - 1].subscription_id;
    await insertEvents(
      tx,
      rows.map((r) => ({
        workspaceId: s.run.workspace_id,
        severity: "information" as const,
        process: `sync:${s.connection.tool}`,
        trigger: eventTrigger(s.run),
        groupId: s.run.id,
        recordKind: "subscription",
        recordId: r.subscription_id,
        at: now,
        detail: RESULT_TEXT.not_in_tool(r.email ?? "(no address)"),
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
