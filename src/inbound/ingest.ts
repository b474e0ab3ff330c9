// Taking in one inbound mail (issue 5 item 1, DESIGN §3.8): store it raw first — whatever happens next,
// nothing is lost — then classify it (classify.ts), match it to the message it speaks of (match.ts), turn
// what it says into delivery events (observations.ts) and their consequences (consequences.ts), all in one
// transaction. A row whose processing failed stays unprocessed and is tried again by the inbound worker.

import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import { logEvent } from "../audit/service.js";
import { toBuffer } from "../db/index.js";
import type { DB } from "../db/schema.js";
import { appendEvents, type EventSource } from "../events/service.js";
import type { Runtime } from "../runtime.js";
import { newId } from "../util/ids.js";
import { makeStorable, storableText } from "../util/storable.js";
import { type BounceReport, classifyBounce } from "./classify.js";
import { applyConsequences, type ConsequenceReport } from "./consequences.js";
import {
  candidatesOf,
  findMatch,
  inboundHeaders,
  type Match,
  type MatchedBy,
  messageIdsOf,
} from "./match.js";
import { decodeWords, type HeaderMap, header } from "./mime.js";
import { archiveObservation, type Observation, observationsOf } from "./observations.js";
import {
  findInboundRaw,
  findStoredImapMessage,
  type InboundRow,
  insertInbound,
  lockMessage,
  lockUnprocessed,
  markProcessed,
  selectUnprocessed,
  storedDedupeKeys,
} from "./store.js";

export type InboundSource = "smtp" | "imap" | "archive";

/** Where an inbound mail came from: the SMTP envelope at the listener, or the IMAP mailbox it was found in. */
export interface InboundEnvelope {
  mailFrom?: string | null;
  rcptTo: string[];
  source: InboundSource;
  /** The IMAP mailbox's workspace: matching stays inside it, and unmatched mail belongs to it. */
  workspaceId?: string;
  mailbox?: { id: string; name: string; folder: string; uid: number; uidValidity: string };
  remoteAddress?: string;
}

/** The envelope as stored (snake_case, like every JSON the API shows). */
interface StoredEnvelope {
  mail_from: string | null;
  rcpt_to: string[];
  remote_address?: string;
  mailbox?: { id: string; name: string; folder: string; uid: number; uid_validity: string };
}

/** Bytes kept of each inbound mail; reports put their evidence first, the rest is the returned original. */
export const RAW_LIMIT = 2 * 1024 * 1024;
const PROCESS = "inbound";

export interface IngestOutcome {
  id: string;
  /** false: this IMAP message was stored by an earlier poll (its flag could not be set then). */
  stored: boolean;
  processed: boolean;
  kind: string;
  message_id: string | null;
  matched_by: MatchedBy | null;
  /** New events on the message's timeline (0 for a duplicate report). */
  events: number;
  duplicate: boolean;
}

/** Stores, classifies, matches and records one inbound mail. Never throws for what the mail contains; it
 * throws only when the raw mail could not be stored (then the sender must keep it and try again). */
export async function ingestInbound(
  rt: Runtime,
  raw: Buffer,
  envelope: InboundEnvelope,
): Promise<IngestOutcome> {
  const now = rt.now();
  const id = newId("inb", now.getTime());
  const mb = envelope.mailbox;
  const imapKey = mb ? `${mb.folder}:${mb.uidValidity}:${mb.uid}` : null;
  const inserted = await insertInbound(rt.db, {
    id,
    workspace_id: envelope.workspaceId ?? null,
    received_at: now,
    source: envelope.source,
    envelope: JSON.stringify(makeStorable(storedEnvelope(envelope))),
    raw: raw.length > RAW_LIMIT ? raw.subarray(0, RAW_LIMIT) : raw,
    raw_size: raw.length,
    raw_truncated: raw.length > RAW_LIMIT,
    fingerprint: fingerprintOf(raw),
    mailbox_id: mb?.id ?? null,
    imap_key: imapKey,
  });
  if (!inserted && mb && imapKey) return alreadyStored(rt, mb.id, imapKey);
  try {
    return (await processInbound(rt, id, raw)) ?? pendingOutcome(id);
  } catch (err) {
    await reportFailure(rt, id, envelope.workspaceId ?? null, err);
    return pendingOutcome(id);
  }
}

async function alreadyStored(rt: Runtime, mailboxId: string, imapKey: string): Promise<IngestOutcome> {
  const row = await findStoredImapMessage(rt.db, mailboxId, imapKey);
  return {
    id: row?.id ?? "",
    stored: false,
    processed: !!row?.processed_at,
    kind: row?.kind ?? "pending",
    message_id: row?.message_id ?? null,
    matched_by: null,
    events: 0,
    duplicate: true,
  };
}

const pendingOutcome = (id: string): IngestOutcome => ({
  id,
  stored: true,
  processed: false,
  kind: "pending",
  message_id: null,
  matched_by: null,
  events: 0,
  duplicate: false,
});

async function reportFailure(rt: Runtime, id: string, workspaceId: string | null, err: unknown) {
  rt.log.error(
    { err, inbound_id: id },
    "inbound: processing failed; the raw mail is stored and will be retried",
  );
  try {
    await logEvent(
      rt.db,
      {
        workspaceId,
        severity: "error",
        process: PROCESS,
        trigger: "process",
        recordKind: "inbound_message",
        recordId: id,
        detail: `Inbound mail ${id} is stored but could not be processed (${(err as Error).message}); it will be tried again.`,
      },
      rt.now(),
    );
  } catch {
    /* the database itself failed: the pino line above is all there is */
  }
}

function storedEnvelope(e: InboundEnvelope): StoredEnvelope {
  return {
    mail_from: e.mailFrom ?? null,
    rcpt_to: e.rcptTo.slice(0, 100),
    ...(e.remoteAddress ? { remote_address: e.remoteAddress } : {}),
    ...(e.mailbox
      ? {
          mailbox: {
            id: e.mailbox.id,
            name: e.mailbox.name,
            folder: e.mailbox.folder,
            uid: e.mailbox.uid,
            uid_validity: e.mailbox.uidValidity,
          },
        }
      : {}),
  };
}

/** The same report read twice (a retry by the sending MTA, the listener and a mailbox) has the same
 * fingerprint: its own Message-ID, or, without one, its bytes. */
export function fingerprintOf(raw: Buffer): string {
  let own: string | undefined;
  try {
    own = messageIdsOf([header(inboundHeaders(raw), "message-id")])[0];
  } catch {
    own = undefined;
  }
  const h = createHash("sha256");
  if (own) h.update(`message-id:${own}`);
  else h.update(raw);
  return h.digest("hex");
}

/** Processes a stored inbound mail: classify, match, record. null when another process has it or it is
 * processed already. */
export async function processInbound(rt: Runtime, id: string, raw: Buffer): Promise<IngestOutcome | null> {
  // What the mail says is stored as text: a NUL (a raw byte, or decoded from quoted-printable, base64 or an
  // encoded word) or a broken surrogate becomes U+FFFD, or the mail could never be processed.
  const report = makeStorable(classifyBounce(raw));
  const headers = storableHeaders(inboundHeaders(raw));
  return rt.db.transaction().execute(async (tx) => {
    const row = await lockUnprocessed(tx, id);
    if (!row) return null;
    const envelope = row.envelope as StoredEnvelope;
    const candidates = candidatesOf(report, headers, { rcptTo: envelope.rcpt_to ?? [] });
    const match = await findMatch(tx, rt.secret, candidates, {
      workspaceId: row.workspace_id ?? undefined,
      archiveCopy: row.source === "archive",
    });
    const kind = match?.by === "archive_copy" ? "archive" : report.kind;
    const recorded = match
      ? await record(tx, rt, row, match, observationsFor(report, match, envelope))
      : null;
    const result = {
      summary: summaryOf(headers),
      report: reportOut(report),
      events: recorded?.events ?? [],
      duplicate: recorded?.duplicate ?? false,
      consequences: recorded?.consequences ?? null,
    };
    await markProcessed(tx, id, {
      workspaceId: match?.message.workspace_id ?? row.workspace_id,
      kind,
      messageId: match?.message.id ?? null,
      matchedBy: match?.by ?? null,
      result,
      at: rt.now(),
    });
    return {
      id,
      stored: true,
      processed: true,
      kind,
      message_id: match?.message.id ?? null,
      matched_by: match?.by ?? null,
      events: recorded?.events.filter((e) => e.new).length ?? 0,
      duplicate: result.duplicate,
    };
  });
}

function observationsFor(report: BounceReport, match: Match, envelope: StoredEnvelope): Observation[] {
  if (match.by !== "archive_copy") return observationsOf(report, match.message);
  const mb = envelope.mailbox;
  return [archiveObservation(match.message, { mailbox: mb?.name, folder: mb?.folder, uid: mb?.uid })];
}

interface Recorded {
  events: Array<{ type: string; recipient: string; dedupe_key: string; new: boolean }>;
  duplicate: boolean;
  consequences: ConsequenceReport;
}

/** Appends the observations that are new (by dedupe key) and applies their consequences. */
async function record(
  tx: Kysely<DB>,
  rt: Runtime,
  row: InboundRow,
  match: Match,
  observations: Observation[],
): Promise<Recorded> {
  const message = match.message;
  await lockMessage(tx, message.id);
  const keyed = observations.map((o) => ({ o, key: dedupeKey(row.fingerprint, o) }));
  const stored = await storedDedupeKeys(
    tx,
    message.id,
    keyed.map((k) => k.key),
  );
  const seen = new Set(stored);
  const fresh = keyed.filter((k) => {
    if (seen.has(k.key)) return false;
    seen.add(k.key);
    return true;
  });
  await appendEvents(
    tx,
    fresh.map(({ o, key }) => ({
      message_id: message.id,
      workspace_id: message.workspace_id,
      type: o.type,
      source: sourceOf(o),
      at: new Date(row.received_at),
      detail: o.detail,
      error_code: o.error_code,
      evidence: { ...o.evidence, inbound_id: row.id, matched_by: match.by, via: row.source },
      dedupe_key: key,
    })),
    rt.now(),
  );
  const consequences = await applyConsequences(
    tx,
    rt,
    message,
    fresh.map((f) => f.o),
    row.id,
  );
  const freshKeys = new Set(fresh.map((f) => f.key));
  return {
    events: keyed.map(({ o, key }) => ({
      type: o.type,
      recipient: o.recipient,
      dedupe_key: key,
      new: freshKeys.has(key),
    })),
    duplicate: keyed.length > 0 && fresh.length === 0,
    consequences,
  };
}

/** One observation of one report about one recipient: the same report read again has the same key. */
function dedupeKey(fingerprint: string, o: Observation): string {
  return `inbound:${fingerprint.slice(0, 32)}:${o.type}:${o.recipient.toLowerCase().slice(0, 200)}`;
}

function sourceOf(o: Observation): EventSource {
  switch (o.type) {
    case "read":
      return "mdn";
    case "complained":
      return "arf";
    case "archived":
      return "imap_archive";
    default:
      return "inbound_dsn";
  }
}

function storableHeaders(h: HeaderMap): HeaderMap {
  for (const [name, values] of h) h.set(name, makeStorable(values));
  return h;
}

function summaryOf(h: HeaderMap) {
  const one = (n: string) => {
    const v = header(h, n);
    return v ? storableText(decodeWords(v).slice(0, 300)) : null;
  };
  return {
    from: one("from"),
    to: one("to"),
    subject: one("subject"),
    date: one("date"),
    message_id: one("message-id"),
  };
}

function reportOut(r: BounceReport) {
  return {
    kind: r.kind,
    recipients: r.recipients.slice(0, 20),
    recipient_count: r.recipients.length,
    original: r.original,
    ...(r.disposition ? { disposition: r.disposition } : {}),
    ...(r.feedback_type ? { feedback_type: r.feedback_type } : {}),
    ...(r.notice ? { notice: r.notice, notice_reason: r.notice_reason ?? "onhold" } : {}),
  };
}

/** Processes what is still unprocessed (a failure, or a process that died mid-way), oldest first. Mail
 * older than a day is left alone: it stays visible as kind "pending" with its raw source. */
export async function retryUnprocessed(rt: Runtime, opts: { olderThanMs?: number; limit?: number } = {}) {
  const now = rt.now().getTime();
  const before = new Date(now - (opts.olderThanMs ?? 60_000));
  const rows = await selectUnprocessed(
    rt.db,
    { after: new Date(now - 86_400_000), before },
    opts.limit ?? 50,
  );
  let processed = 0;
  for (const { id } of rows) {
    const stored = await findInboundRaw(rt.db, id);
    const raw = toBuffer(stored?.raw);
    if (!raw) continue;
    try {
      if (await processInbound(rt, id, raw)) processed++;
    } catch (err) {
      await reportFailure(rt, id, stored?.workspace_id ?? null, err);
    }
  }
  return processed;
}
