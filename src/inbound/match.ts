// Which message an inbound report speaks of (DESIGN §3.8). In order of certainty:
//   1. the VERP return path bounce+<id>-<hmac>@… it was sent to (the envelope recipient at the listener, the
//      Delivered-To / X-Original-To / To headers in a mailbox) — signed, so it cannot point at a wrong message;
//   2. the Message-ID of the original (RFC 3462 returned headers, an MDN's Original-Message-ID) or the
//      report's own References / In-Reply-To (RFC 5322 §3.6.4: auto-replies and read receipts cite them);
//   3. the Original-Envelope-Id (RFC 3461 §4.4): Poststelle sends its message id as ENVID.
// An archive copy (seed 002) is our own message: its own Message-ID is the match.
import type { Kysely } from "kysely";
import type { DB } from "../db/schema.js";
import { parseVerp } from "../delivery/verp.js";
import type { BounceReport } from "./classify.js";
import { type HeaderMap, header, parseHeaders, splitHeaderBody } from "./mime.js";
import { byteString } from "./parse.js";
import { type MatchedMessage, messagesByIds, messagesByMessageIdHeader } from "./store.js";

export type MatchedBy = "verp" | "message_id" | "envelope_id" | "archive_copy";

export interface Match {
  message: MatchedMessage;
  by: MatchedBy;
}

export interface MatchCandidates {
  /** Addresses that may be a VERP return path, most certain first. */
  verp: string[];
  /** Message-IDs (with angle brackets) of the original, most certain first. */
  messageIds: string[];
  envelopeId: string | null;
  /** The inbound message's own Message-ID (an archive copy's is the message's). */
  ownMessageId: string | null;
}

/** The headers of the inbound message itself (only its head is read). */
export function inboundHeaders(raw: Buffer): HeaderMap {
  const head = byteString(raw.subarray(0, 256 * 1024));
  return parseHeaders(splitHeaderBody(head).head);
}

const ADDRESS = /[^\s<>,;:"()[\]]+@[^\s<>,;:"()[\]]+/g;
const MESSAGE_ID = /<[^<>\s]{1,250}>/g;

function addressesOf(values: Array<string | undefined>): string[] {
  return values.flatMap((v) => (v ? (v.match(ADDRESS) ?? []) : []));
}

/** Every <…> token of the values, in order, without repeats. */
export function messageIdsOf(values: Array<string | undefined>): string[] {
  const out: string[] = [];
  for (const v of values) for (const id of v?.match(MESSAGE_ID) ?? []) if (!out.includes(id)) out.push(id);
  return out;
}

export function candidatesOf(
  report: BounceReport,
  headers: HeaderMap,
  envelope: { rcptTo: string[] },
): MatchCandidates {
  const all = (n: string) => headers.get(n) ?? [];
  const verp = [
    ...envelope.rcptTo,
    ...addressesOf([
      ...all("delivered-to"),
      ...all("x-original-to"),
      ...all("envelope-to"),
      ...all("x-envelope-to"),
      ...all("to"),
      report.original.return_path,
    ]),
  ];
  const original = report.original.message_id;
  const messageIds = messageIdsOf([
    original,
    ...all("in-reply-to"),
    // References name the thread's oldest first; the newest is the message answered.
    ...all("references").map((r) => (r.match(MESSAGE_ID) ?? []).reverse().join(" ")),
  ]).slice(0, 50);
  const envelopeId = report.original.envelope_id?.trim() || null;
  const own = messageIdsOf([header(headers, "message-id")])[0] ?? null;
  return { verp: [...new Set(verp)].slice(0, 50), messageIds, envelopeId, ownMessageId: own };
}

/** Our message ids are `<prefix>_<base32>`; anything else in an ENVID is not one of ours. */
const OUR_ID = /^[a-z]{2,10}_[0-9a-z]{10,60}$/;

/**
 * Finds the message. `workspaceId` confines the search (a workspace's own IMAP mailbox never matches
 * another workspace's messages); without it the whole instance is searched (the listener at the bounce
 * domain serves every workspace, and VERP tokens are unique across all of them).
 */
export async function findMatch(
  db: Kysely<DB>,
  secret: string,
  c: MatchCandidates,
  opts: { workspaceId?: string; archiveCopy?: boolean } = {},
): Promise<Match | null> {
  const ws = opts.workspaceId;
  if (opts.archiveCopy && c.ownMessageId) {
    const [m] = await messagesByMessageIdHeader(db, [c.ownMessageId], ws);
    if (m) return { message: m, by: "archive_copy" };
  }
  const verpIds = [...new Set(c.verp.map((a) => parseVerp(secret, a)?.messageId).filter(isString))];
  for (const id of verpIds) {
    const [m] = await messagesByIds(db, [id], ws);
    if (m) return { message: m, by: "verp" };
  }
  if (c.messageIds.length) {
    const found = await messagesByMessageIdHeader(db, c.messageIds, ws);
    // The first candidate (the original's own Message-ID) wins over thread references.
    for (const mid of c.messageIds) {
      const m = found.find((x) => x.message_id_header === mid);
      if (m) return { message: m, by: "message_id" };
    }
  }
  if (c.envelopeId && OUR_ID.test(c.envelopeId)) {
    const [m] = await messagesByIds(db, [c.envelopeId], ws);
    if (m) return { message: m, by: "envelope_id" };
  }
  return null;
}

function isString(v: string | undefined): v is string {
  return typeof v === "string";
}
