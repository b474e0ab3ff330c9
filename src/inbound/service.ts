// Reading inbound mail back: a workspace sees what matched its messages and what arrived in its own IMAP
// mailboxes (matched or not); mail at the listener that matched no message belongs to no workspace — it may
// concern any of them, or none — so only the operator sees it (GET /v1/inbound/unmatched), raw source
// included. Nothing here changes anything: inbound mail is evidence.
import { type Database, toBuffer } from "../db/index.js";
import { NotFound } from "../util/errors.js";
import { findInbound, type InboundFilter, type InboundListRow, selectInbound } from "./store.js";

export function inboundOut(r: InboundListRow) {
  return {
    id: r.id,
    received_at: r.received_at,
    source: r.source,
    kind: r.kind,
    matched: r.message_id !== null,
    message_id: r.message_id,
    matched_by: r.matched_by,
    envelope: r.envelope,
    raw_size: r.raw_size,
    raw_truncated: r.raw_truncated,
    processed_at: r.processed_at,
    result: r.result,
  };
}
export type InboundOut = ReturnType<typeof inboundOut>;

/** Newest first; fetches limit + 1 rows (the caller pages them). */
export function findInboundMail(db: Database, f: InboundFilter) {
  return selectInbound(db, f);
}

/** workspaceId null: the operator's view of mail that belongs to no workspace. */
export async function getInbound(db: Database, workspaceId: string | null, id: string) {
  const r = await findInbound(db, { workspaceId }, id);
  if (!r) throw NotFound("inbound mail", id);
  return inboundOut(r);
}

export async function getInboundRaw(db: Database, workspaceId: string | null, id: string) {
  const r = await findInbound(db, { workspaceId }, id);
  if (!r) throw NotFound("inbound mail", id);
  return { raw: toBuffer(r.raw) ?? Buffer.alloc(0), truncated: r.raw_truncated, size: r.raw_size };
}
