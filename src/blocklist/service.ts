// Blocklist (Sperrliste, DESIGN §4/§9): addresses that are never sent to and never exported. Entries are
// found by a keyed hash of the normalised address (hash.ts), so an entry keeps blocking after a DSGVO
// erasure has removed the address itself. Lifting keeps the row as history (lifted_at/by/reason).
import { type ActivityInput, recordActivity } from "../audit/service.js";
import type { Database } from "../db/index.js";
import { inTransaction } from "../lists/store.js";
import { type Actor, actorLabel } from "../runtime.js";
import { proposeUnsubscribeForBlocked } from "../sync/hooks.js";
import { normaliseEmail } from "../util/email.js";
import { Conflict, Invalid, NotFound } from "../util/errors.js";
import { newId } from "../util/ids.js";
import { addressHash, type BlockKind, canonicalAddress } from "./hash.js";
import {
  type BlockEntryRow,
  type EntryFilter,
  findActiveByHash,
  findEntry,
  insertEntryIfAbsent,
  markLifted,
  selectEntries,
} from "./store.js";

/** What the blocklist needs of the runtime: the instance secret (hashes) and the clock. */
export interface BlockRuntime {
  secret: string;
  now(): Date;
}

export function entryOut(e: BlockEntryRow) {
  return {
    id: e.id,
    kind: e.kind,
    /** null after a DSGVO erasure: the entry still blocks through its hash */
    address: e.address,
    erased: e.address === null,
    reason: e.reason,
    source: e.source,
    created_at: e.created_at,
    created_by: e.created_by,
    active: e.lifted_at === null,
    lifted_at: e.lifted_at,
    lifted_by: e.lifted_by,
    lift_reason: e.lift_reason,
  };
}
export type BlockEntry = ReturnType<typeof entryOut>;

// E.164 allows at most 15 digits; fewer than 6 is no dialable number anywhere.
const PHONE_CHARS = /^\+?[0-9][0-9 ()\-./]*$/;

/** A phone number in canonical form: "+<digits>" for international numbers (+49… and 0049… alike),
 * the bare digits for national ones. */
export function normalisePhone(input: string, field = "address"): string {
  const t = input.trim();
  const canonical = canonicalAddress("phone", t);
  const digits = canonical.replace(/^\+/, "");
  if (!PHONE_CHARS.test(t) || digits.length < 6 || digits.length > 15) {
    throw Invalid(
      `${field}: '${input}' is not a valid phone number; give 6 to 15 digits, optionally with a leading + or 00 (e.g. +49 30 1234567).`,
      [{ path: field, message: "invalid phone number", code: "invalid_format", format: "phone" }],
    );
  }
  return canonical;
}

/** The address as stored: e-mail normalised (domain lower-cased, IDN as punycode), phone canonical. */
export function normaliseBlockAddress(kind: BlockKind, address: string): string {
  return kind === "email" ? normaliseEmail(address).address : normalisePhone(address);
}

/** The kind of an address when the caller does not say: e-mail if it has an '@'. */
export const kindOf = (address: string): BlockKind => (address.includes("@") ? "email" : "phone");

const entryActivity = (e: BlockEntryRow, input: Omit<ActivityInput, "kind" | "recordId">): ActivityInput => ({
  kind: "blocklist_entry",
  recordId: e.id,
  ...input,
});

export interface BlockInput {
  kind: BlockKind;
  address: string;
  reason: string;
  /** manual, hard_bounce, complaint, sync, … */
  source: string;
  actor: Actor;
}

/**
 * Blocks an address. Idempotent: when it is already actively blocked, the existing entry is returned
 * with created = false and nothing is written. Joins the caller's transaction when given one (the
 * bounce handler blocks hard-bounced addresses with source "hard_bounce").
 */
export async function blockAddress(
  db: Database,
  rt: BlockRuntime,
  workspaceId: string,
  input: BlockInput,
): Promise<{ entry: BlockEntry; created: boolean }> {
  const address = normaliseBlockAddress(input.kind, input.address);
  const hash = addressHash(rt.secret, input.kind, address);
  const now = rt.now();
  return inTransaction(db, async (tx) => {
    const row = await insertEntryIfAbsent(tx, {
      id: newId("blk", now.getTime()),
      workspace_id: workspaceId,
      kind: input.kind,
      address,
      address_hash: hash,
      reason: input.reason,
      source: input.source,
      created_at: now,
      created_by: actorLabel(input.actor),
    });
    if (!row) {
      const existing = await findActiveByHash(tx, workspaceId, hash);
      // Lifted between our insert and this read: rare enough that the caller may simply retry.
      if (!existing) throw Conflict("The address was lifted from the blocklist at this moment; try again.");
      return { entry: entryOut(existing), created: false };
    }
    // List sync: the tools that have the address subscribed get "set unsubscribed" proposed (issue 6 item 6).
    if (input.kind === "email") {
      await proposeUnsubscribeForBlocked(tx, { workspaceId, actor: input.actor, now }, address);
    }
    await recordActivity(
      tx,
      { workspaceId, actor: input.actor, now },
      entryActivity(row, {
        action: "created",
        summary: `${input.kind === "email" ? "E-mail address" : "Phone number"} blocked (${input.source}): ${input.reason}`,
        after: { kind: row.kind, address, reason: row.reason, source: row.source },
      }),
    );
    return { entry: entryOut(row), created: true };
  });
}

/** Lifts an active entry (admins only, enforced by the route). The row stays as history. */
export async function liftBlock(
  db: Database,
  rt: BlockRuntime,
  workspaceId: string,
  id: string,
  v: { actor: Actor; reason?: string },
) {
  const now = rt.now();
  return inTransaction(db, async (tx) => {
    const before = await findEntry(tx, workspaceId, id, true);
    if (!before) throw NotFound("blocklist entry", id);
    if (before.lifted_at) {
      throw Conflict(`This entry was already lifted at ${before.lifted_at.toISOString()}.`, {
        id,
        lifted_at: before.lifted_at,
        lifted_by: before.lifted_by,
      });
    }
    const after = await markLifted(tx, id, { at: now, by: actorLabel(v.actor), reason: v.reason ?? null });
    await recordActivity(
      tx,
      { workspaceId, actor: v.actor, now },
      entryActivity(after, {
        action: "lifted",
        summary: `Blocklist entry lifted${v.reason ? `: ${v.reason}` : ""}`,
        before: { lifted_at: null, lifted_by: null, lift_reason: null },
        after: { lifted_at: after.lifted_at, lifted_by: after.lifted_by, lift_reason: after.lift_reason },
      }),
    );
    return entryOut(after);
  });
}

/** Is this address blocked now? Looked up by hash, so erased addresses are found too. */
export async function checkAddress(
  db: Database,
  rt: BlockRuntime,
  workspaceId: string,
  address: string,
  kind: BlockKind = kindOf(address),
): Promise<{ blocked: boolean; entry?: BlockEntry }> {
  const normalised = normaliseBlockAddress(kind, address);
  const row = await findActiveByHash(db, workspaceId, addressHash(rt.secret, kind, normalised));
  return row ? { blocked: true, entry: entryOut(row) } : { blocked: false };
}

export async function getEntry(db: Database, workspaceId: string, id: string) {
  const row = await findEntry(db, workspaceId, id);
  if (!row) throw NotFound("blocklist entry", id);
  return entryOut(row);
}

export function findEntries(db: Database, workspaceId: string, filter: EntryFilter) {
  return selectEntries(db, workspaceId, filter);
}
