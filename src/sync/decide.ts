// What a fetch decides for each member of a chunk (seed 003 §5.2), as a pure function of what the chunk's
// reads returned: matched to a subscription (success / conflict, the status rule, e-mail changes, the
// blocklist), new in list, or new contact. Nothing here touches the database, so the decisions can be made
// while the previous chunk is still being written.
import { newContactData, newContactRow } from "../contacts/contact.js";
import type { NewRow, SubscriptionStatus, SyncResult, SyncTask } from "../db/schema.js";
import { tryNormaliseEmail } from "../util/email.js";
import { newId } from "../util/ids.js";
import type { RemoteStatus } from "./adapter.js";
import {
  type Candidate,
  decideStatus,
  type FieldConflict,
  isListMember,
  localStatusOf,
  nameConflicts,
  pickContact,
} from "./rules.js";
import type { ContactByKey, KnownSubscription, StagedMember, StoredSyncState } from "./store.js";

/** Who decides: the run and the list it reconciles. */
export interface DecideScope {
  runId: string;
  workspaceId: string;
  listId: string;
  /** "mailchimp", "listmonk": who set a status or created a subscription */
  tool: string;
}

export interface Decision {
  subscriptionId: string;
  result: SyncResult;
  member: StagedMember;
  conflicts: FieldConflict[];
  warnings: string[];
  notes: string[];
  task: SyncTask | null;
  taskReason: string | null;
  statusChange: SubscriptionStatus | null;
  /** the matched subscription's sync state before this fetch (a linked member only) */
  stored: StoredSyncState | null;
  /** the subscription has a sync state row (false: a new subscription, or one never reconciled) */
  hasSyncState: boolean;
}

export interface EmailFollow {
  contactId: string;
  emails: string[];
  before: string[];
}

export interface ChunkWork {
  contacts: NewRow<"contacts">[];
  subscriptions: NewRow<"subscriptions">[];
  emailFollows: EmailFollow[];
  decisions: Decision[];
}

/**
 * The subscriptions (and contacts given a new subscription) that a chunk took. The next chunk's reads may
 * have been made before this chunk was written, so it is told what this chunk claimed; what it reads
 * from earlier chunks carries this run's id instead.
 */
export interface Claims {
  subscriptions: Set<string>;
  contacts: Set<string>;
}

export const noClaims = (): Claims => ({ subscriptions: new Set(), contacts: new Set() });

/**
 * What the chunk's reads returned: its members (each with its linked subscription and blocklist flag)
 * and, for the members that may be matched by address (addressKeysNeeded), the contacts by key.
 */
export interface ChunkReads {
  members: StagedMember[];
  byKey: Map<string, ContactByKey[]>;
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

/** The key of the contact's first address: stored beside it (contacts.email_keys), computed only if not. */
const crmKeyOf = (k: KnownSubscription) => k.email_keys?.[0] ?? keyOf(k.emails[0]);

/** The last address the tool had; normalising it is skipped when the tool still has the same one. */
const lastKnownKeyOf = (k: KnownSubscription, m: StagedMember) =>
  k.remote_email === m.email ? m.email_key : keyOf(k.remote_email);

const subscribedThere = (status: RemoteStatus) => status === "subscribed" || status === "pending";

function blocklistTask(d: Decision, m: StagedMember) {
  d.task = "unsubscribe";
  d.taskReason = "blocklisted";
  d.warnings.push(`${m.email} is on the blocklist but subscribed in the tool: "set unsubscribed" proposed`);
}

/** The address differs here and there: followed, proposed for transmission, or a conflict (seed 003 §9). */
function decideEmail(k: KnownSubscription, m: StagedMember, d: Decision, work: ChunkWork) {
  const crmEmail = k.emails[0] ?? null;
  const crmKey = crmKeyOf(k);
  if (crmKey === m.email_key) return;
  const lastKnown = lastKnownKeyOf(k, m);
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

/** A member matched to an existing subscription: names, status rule, e-mail changes, blocklist. */
function decideExisting(k: KnownSubscription, m: StagedMember, blocked: boolean, work: ChunkWork): Decision {
  const d = blankDecision(k.sub_id, "success", m);
  d.stored = k.stored ?? null;
  // only a lookup that saw no sync state says "none"; anything else counts as having one (upserted)
  d.hasSyncState = k.has_sync_state !== null;
  d.conflicts = nameConflicts(namesOf(k), {
    first_name: m.first_name,
    last_name: m.last_name,
    salutation: m.salutation,
  });
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
  decideEmail(k, m, d, work);
  if (blocked && subscribedThere(remoteStatus) && !d.task) blocklistTask(d, m);
  if (d.conflicts.length > 0) d.result = "conflict";
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
  scope: DecideScope,
  contactId: string,
  status: SubscriptionStatus,
  now: Date,
): NewRow<"subscriptions"> {
  return {
    id: newId("sub", now.getTime()),
    workspace_id: scope.workspaceId,
    list_id: scope.listId,
    contact_id: contactId,
    status,
    status_set_at: now,
    status_set_by: `system:sync:${scope.tool}`,
    created_at: now,
    updated_at: now,
  };
}

function blankDecision(subscriptionId: string, result: SyncResult, m: StagedMember): Decision {
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
    stored: null,
    hasSyncState: false,
  };
}

/** Claims of this run: from earlier chunks (the run's id, or the previous chunk's claims) and this one. */
class RunClaims {
  constructor(
    private readonly runId: string,
    readonly mine: Claims,
    private readonly previous: Claims,
  ) {}
  subscription(subId: string, resultRunId: string | null) {
    return (
      resultRunId === this.runId ||
      this.mine.subscriptions.has(subId) ||
      this.previous.subscriptions.has(subId)
    );
  }
  /** A contact row: its subscription was claimed, or it was given a new one in this run. */
  row(r: ContactByKey) {
    if (r.sub_id) return this.subscription(r.sub_id, r.result_run_id);
    return this.mine.contacts.has(r.contact_id) || this.previous.contacts.has(r.contact_id);
  }
}

function newContact(scope: DecideScope, m: StagedMember, now: Date, work: ChunkWork) {
  const contactId = newId("con", now.getTime());
  const data = newContactData({
    first_name: m.first_name ?? undefined,
    last_name: m.last_name ?? undefined,
    emails: [m.email],
    ...(m.salutation ? { letter_salutation: m.salutation } : {}),
  } as Parameters<typeof newContactData>[0]);
  work.contacts.push(newContactRow(data, contactId, scope.workspaceId, now));
  return contactId;
}

/** A member not (or no longer) linked: found by address among the contacts, or a new contact. */
function decideByAddress(
  scope: DecideScope,
  m: StagedMember,
  rows: ContactByKey[],
  blocked: boolean,
  claims: RunClaims,
  work: ChunkWork,
  now: Date,
): Decision {
  const remoteStatus = m.status as RemoteStatus;
  const picked = pickContact(candidatesOf(rows), m);
  const row = picked ? rows.find((r) => r.contact_id === picked.contact.id) : undefined;
  let d: Decision;
  if (row?.sub_id && row.status && row.status_set_at) {
    claims.mine.subscriptions.add(row.sub_id);
    d = decideExisting(
      { ...row, sub_id: row.sub_id, status: row.status, status_set_at: row.status_set_at },
      m,
      blocked,
      work,
    );
  } else {
    const contactId = picked ? picked.contact.id : newContact(scope, m, now, work);
    const sub = newSubscription(scope, contactId, localStatusOf(remoteStatus), now);
    work.subscriptions.push(sub);
    claims.mine.subscriptions.add(sub.id);
    claims.mine.contacts.add(contactId);
    d = blankDecision(sub.id, picked ? "new_in_list" : "new_contact", m);
    if (blocked && subscribedThere(remoteStatus)) blocklistTask(d, m);
  }
  if (picked?.ambiguous) {
    d.warnings.push(
      `several contacts have ${m.email} and first and last name do not tell them apart; contact ${picked.contact.id} was taken`,
    );
  }
  return d;
}

const sameTime = (a: Date | null, b: Date | null) =>
  a === null || b === null ? a === b : a.getTime() === b.getTime();

/**
 * The decision leaves the subscription's sync state as it was, but for the run's stamp: found again with
 * the same remote state, a plain success before and now (no detail, no task, no status change).
 */
export function unchanged(d: Decision): boolean {
  const k = d.stored;
  const m = d.member;
  if (!k?.plain) return false;
  return (
    d.result === "success" &&
    k.result === "success" &&
    d.conflicts.length === 0 &&
    d.warnings.length === 0 &&
    d.notes.length === 0 &&
    d.task === null &&
    d.statusChange === null &&
    k.remote_id === m.remote_id &&
    k.remote_email === m.email &&
    k.remote_status === m.status &&
    sameTime(k.remote_status_at, m.status_changed_at) &&
    k.remote_first_name === m.first_name &&
    k.remote_last_name === m.last_name &&
    k.remote_salutation === m.salutation
  );
}

/**
 * The members that decideChunk may match by address: those not linked to a subscription, those whose
 * linked subscription an earlier chunk took, and those whose linked subscription another member of the
 * chunk may take first (given the contacts already found by address). Steady-state members are linked and
 * need no lookup by address. Returns the keys still to look up; empty once every one is known.
 */
export function addressKeysNeeded(
  runId: string,
  members: StagedMember[],
  previous: Claims,
  found: Map<string, ContactByKey[]>,
  asked: Set<string>,
): string[] {
  // A linked subscription may be taken first by a member matched by address, or by another member the
  // tool lists under the same remote id.
  const maybeTaken = new Set<string>();
  for (const rows of found.values()) for (const r of rows) if (r.sub_id) maybeTaken.add(r.sub_id);
  const linkedOnce = new Set<string>();
  for (const m of members) {
    for (const k of m.linked) {
      if (linkedOnce.has(k.sub_id)) maybeTaken.add(k.sub_id);
      linkedOnce.add(k.sub_id);
    }
  }
  const out = new Set<string>();
  for (const m of members) {
    if (asked.has(m.email_key) || !isListMember(m.status as RemoteStatus)) continue;
    const mayFallThrough =
      m.linked.length === 0 ||
      m.linked.some(
        (k) => k.result_run_id === runId || previous.subscriptions.has(k.sub_id) || maybeTaken.has(k.sub_id),
      );
    if (mayFallThrough) out.add(m.email_key);
  }
  return [...out];
}

/**
 * Decides every member of a chunk; writes nothing. `previous` is what the chunk before claimed (its writes
 * may not be visible to this chunk's reads). Returns the work and this chunk's claims.
 */
export function decideChunk(
  scope: DecideScope,
  reads: ChunkReads,
  previous: Claims,
  now: Date,
): { work: ChunkWork; claims: Claims } {
  const work: ChunkWork = { contacts: [], subscriptions: [], emailFollows: [], decisions: [] };
  const claims = new RunClaims(scope.runId, noClaims(), previous);
  for (const m of reads.members) {
    const remoteStatus = m.status as RemoteStatus;
    const isBlocked = m.blocked;
    // Normally one; should two subscriptions carry the member's remote id, the newest not yet taken.
    const linked = m.linked.find((k) => !claims.subscription(k.sub_id, k.result_run_id));
    if (linked) {
      if (!isListMember(remoteStatus)) continue; // archived in the tool: the subscription becomes "not in tool"
      claims.mine.subscriptions.add(linked.sub_id);
      work.decisions.push(decideExisting(linked, m, isBlocked, work));
      continue;
    }
    if (!isListMember(remoteStatus)) continue;
    const rows = (reads.byKey.get(m.email_key) ?? []).filter((r) => !claims.row(r));
    work.decisions.push(decideByAddress(scope, m, rows, isBlocked, claims, work, now));
  }
  return { work, claims: claims.mine };
}
