// The IMAP poller (DESIGN §3.8, seed 002): polls each workspace's bounce and archive mailboxes, takes in
// every message it has not processed yet, and only after the message is stored (ingestInbound committed)
// flags it (\Seen and the keyword $PoststelleProcessed) or moves it to the configured folder — so a crash
// at any point leaves the message in the mailbox to be taken in again, never lost. A message stored once
// but not flagged (the connection broke) is recognised by (mailbox, UIDVALIDITY, UID) and only flagged.
// Mailboxes are claimed with a lease, so several worker processes share the polling; failures go to the
// event log (once per new error, and once more when the mailbox works again).
import os from "node:os";
import { ImapFlow, type MailboxObject } from "imapflow";
import { logEvent } from "../audit/service.js";
import type { Runtime } from "../runtime.js";
import { randomToken } from "../util/ids.js";
import type { WorkerHandle } from "../workers.js";
import { type IngestOutcome, ingestInbound, retryUnprocessed } from "./ingest.js";
import { claimDueMailboxes, finishPoll, type MailboxRow } from "./mailbox-store.js";

/** The IMAP keyword Poststelle sets on what it has taken in (RFC 3501 §2.3.2 keywords). */
export const PROCESSED_KEYWORD = "$PoststelleProcessed";
const PROCESS = "imap";
/** Messages fetched per round trip: sources are held in memory until stored. */
const CHUNK = 10;
/** Longer than any poll may take; a process that dies mid-poll frees its mailboxes after this. */
const LEASE_MS = 10 * 60_000;
const TICK_MS = 5_000;
const RETRY_INTERVAL_MS = 5 * 60_000;

export interface PollResult {
  mailbox_id: string;
  /** Messages newly stored. */
  ingested: number;
  /** Messages stored by an earlier poll and now only flagged or moved. */
  already_stored: number;
  /** Messages flagged or moved. */
  finished: number;
  error: string | null;
}

function clientFor(m: MailboxRow): ImapFlow {
  return new ImapFlow({
    host: m.host,
    port: m.port,
    secure: m.tls,
    auth: { user: m.username, pass: m.password },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 30_000,
    greetingTimeout: 15_000,
    socketTimeout: 120_000,
  });
}

/** Can this mailbox keep our keyword? Otherwise \Seen alone marks what was taken in. */
function keepsKeyword(mb: MailboxObject | false): boolean {
  if (!mb) return false;
  const flags = mb.permanentFlags;
  return !flags || flags.has("\\*") || flags.has(PROCESSED_KEYWORD);
}

/** Polls one mailbox once: stores each new message, then flags or moves it. Throws on IMAP failures. */
export async function pollMailbox(rt: Runtime, m: MailboxRow): Promise<PollResult> {
  const result: PollResult = { mailbox_id: m.id, ingested: 0, already_stored: 0, finished: 0, error: null };
  const client = clientFor(m);
  // An error event without a listener would crash the process; the awaited calls report it anyway.
  client.on("error", (err: Error) => rt.log.warn({ err, mailbox: m.id }, "imap: connection error"));
  await client.connect();
  try {
    const lock = await client.getMailboxLock(m.folder);
    try {
      const keyword = keepsKeyword(client.mailbox);
      const uidValidity = client.mailbox ? String(client.mailbox.uidValidity) : "0";
      const query =
        m.after === "move" ? { all: true } : keyword ? { unKeyword: PROCESSED_KEYWORD } : { seen: false };
      const uids = (await client.search(query, { uid: true })) || [];
      for (let i = 0; i < uids.length; i += CHUNK) {
        const chunk = uids.slice(i, i + CHUNK);
        const done = await ingestChunk(rt, client, m, chunk, uidValidity, result);
        if (done.length) await finish(client, m, done, keyword);
        result.finished += done.length;
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return result;
}

async function ingestChunk(
  rt: Runtime,
  client: ImapFlow,
  m: MailboxRow,
  uids: number[],
  uidValidity: string,
  result: PollResult,
): Promise<number[]> {
  const messages = await client.fetchAll(uids.join(","), { uid: true, source: true }, { uid: true });
  const done: number[] = [];
  for (const msg of messages) {
    const outcome: IngestOutcome = await ingestInbound(rt, msg.source ?? Buffer.alloc(0), {
      source: m.purpose === "archive" ? "archive" : "imap",
      rcptTo: [],
      workspaceId: m.workspace_id,
      mailbox: { id: m.id, name: m.name, folder: m.folder, uid: msg.uid, uidValidity },
    });
    if (outcome.stored) result.ingested++;
    else result.already_stored++;
    done.push(msg.uid);
  }
  return done;
}

/** Marks stored messages: \Seen plus our keyword, or a move to the processed folder. */
async function finish(client: ImapFlow, m: MailboxRow, uids: number[], keyword: boolean) {
  const range = uids.join(",");
  if (m.after === "move" && m.move_to) {
    const moved = await client.messageMove(range, m.move_to, { uid: true });
    if (!moved) throw new Error(`could not move processed mail to '${m.move_to}' (does the folder exist?)`);
    return;
  }
  await client.messageFlagsAdd(range, keyword ? ["\\Seen", PROCESSED_KEYWORD] : ["\\Seen"], { uid: true });
}

/** Claims the due mailboxes (all of them, or `only` these) and polls each once, recording the outcome. */
export async function pollDueMailboxes(
  rt: Runtime,
  opts: { owner?: string; only?: string[]; limit?: number } = {},
): Promise<PollResult[]> {
  const owner = opts.owner ?? `${os.hostname()}:${process.pid}:${randomToken(4)}`;
  const now = rt.now();
  const claimed = await claimDueMailboxes(rt.db, {
    owner,
    now,
    leaseUntil: new Date(now.getTime() + LEASE_MS),
    limit: opts.limit ?? 5,
    only: opts.only,
  });
  const results: PollResult[] = [];
  for (const m of claimed) results.push(await pollAndRecord(rt, m, owner));
  return results;
}

async function pollAndRecord(rt: Runtime, m: MailboxRow, owner: string): Promise<PollResult> {
  let result: PollResult;
  try {
    result = await pollMailbox(rt, m);
  } catch (err) {
    result = { mailbox_id: m.id, ingested: 0, already_stored: 0, finished: 0, error: describe(err) };
  }
  const at = rt.now();
  await finishPoll(rt.db, m.id, owner, {
    nextPollAt: new Date(at.getTime() + m.poll_seconds * 1000),
    polledAt: at,
    ingested: result.ingested,
    error: result.error,
  });
  await logPoll(rt, m, result, at);
  return result;
}

function describe(err: unknown): string {
  const e = err as Error & { responseText?: string; code?: string; authenticationFailed?: boolean };
  if (e.authenticationFailed) return "the server refused the user name or password";
  return (e.responseText || e.message || String(err)).slice(0, 500);
}

/** The event log hears of a new error, of recovery after one, and of mail taken in. */
async function logPoll(rt: Runtime, m: MailboxRow, r: PollResult, at: Date) {
  const base = {
    workspaceId: m.workspace_id,
    process: PROCESS,
    trigger: "process" as const,
    recordKind: "inbound_mailbox",
    recordId: m.id,
  };
  if (r.error && r.error !== m.last_error) {
    await logEvent(
      rt.db,
      {
        ...base,
        severity: "error",
        detail: `Polling IMAP mailbox '${m.name}' (${m.host}:${m.port}, ${m.folder}) failed: ${r.error}`,
        data: r,
      },
      at,
    );
  } else if (!r.error && m.last_error) {
    await logEvent(
      rt.db,
      { ...base, severity: "information", detail: `IMAP mailbox '${m.name}' works again.`, data: r },
      at,
    );
  }
  if (r.ingested > 0) {
    await logEvent(
      rt.db,
      {
        ...base,
        severity: "information",
        detail: `Took in ${r.ingested} message(s) from IMAP mailbox '${m.name}' (${m.purpose}).`,
        data: r,
      },
      at,
    );
  }
}

/** The worker-role loop (src/workers.ts): polls due mailboxes, and now and then retries inbound mail whose
 * processing failed. */
export function startInboundWorker(rt: Runtime, opts: { tickMs?: number } = {}): WorkerHandle {
  const owner = `${os.hostname()}:${process.pid}:${randomToken(4)}`;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();
  let lastRetry = 0;
  const tick = async () => {
    await pollDueMailboxes(rt, { owner });
    if (Date.now() - lastRetry >= RETRY_INTERVAL_MS) {
      lastRetry = Date.now();
      await retryUnprocessed(rt);
    }
  };
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      running = tick()
        .catch((err) => rt.log.error({ err }, "inbound worker: a round failed"))
        .finally(() => {
          if (!stopped) schedule(opts.tickMs ?? TICK_MS);
        });
    }, ms);
  };
  schedule(opts.tickMs ?? TICK_MS);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
