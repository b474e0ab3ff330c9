// The main thread's side of the send thread (send-thread.ts): a batch of messages goes over as one
// postMessage, their outcomes come back as one. The sending worker uses it where the database shares the
// process's main thread (PGlite): there every microsecond of MIME building and socket writing was taken from
// the database, the API and the worker's own statements, while the machine's second core idled.
//
// A thread that fails or exits with batches in flight fails those batches: their messages stay `sending`
// until their leases run out and the reaper marks them `unknown` — some of them may have been handed over,
// so none is sent again by itself (DESIGN §3.4). The next batch starts a new thread.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Row } from "../db/schema.js";
import type { MimeInput } from "./mime.js";
import type { MailSender, OutgoingMail, SendResult } from "./senders.js";

/** One message to send: its bytes, or the recipe the thread builds them from (a first attempt, unsigned). */
export interface LaneSend {
  /** null: the built-in capture outbox (a workspace without a transport). */
  transportId: string | null;
  mail: Omit<OutgoingMail, "raw">;
  raw?: Uint8Array;
  recipe?: { input: MimeInput; date: Date };
}

export type LaneOutcome =
  | { kind: MailSender["kind"]; result: SendResult; digest?: string }
  | { failed: "transport_invalid" | "mime_build_failed" | "internal"; message: string };

export interface LaneBatch {
  type?: undefined;
  id: number;
  transports: Row<"transports">[];
  items: LaneSend[];
  /** SMTP transactions in flight for this batch. */
  concurrency: number;
}

export type LaneRequest = LaneBatch | { type: "close" };

interface Pending {
  resolve: (outcomes: LaneOutcome[]) => void;
  reject: (err: Error) => void;
}

/** How the thread's program is loaded: a .ts file (run through tsx, as the CLI and the tests run) needs
 * tsx's loader registered in the thread first; a built .js file loads as it is. */
function threadProgram(): string {
  const entry = new URL(`./send-thread${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);
  if (!entry.pathname.endsWith(".ts")) return `import(${JSON.stringify(entry.href)});`;
  // tsx's ESM entry: the package's "import" condition; require.resolve answers with the CommonJS one.
  const api = createRequire(import.meta.url)
    .resolve("tsx/esm/api")
    .replace(/index\.cjs$/, "index.mjs");
  return `import(${JSON.stringify(pathToFileURL(api).href)})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
}

export class SendLane {
  private thread: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly dataDir: string) {}

  /** Sends a batch in the thread; resolves with one outcome per item, in order. */
  send(transports: Row<"transports">[], items: LaneSend[], concurrency: number): Promise<LaneOutcome[]> {
    if (items.length === 0) return Promise.resolve([]);
    const thread = this.started();
    const id = this.nextId++;
    const transfer = items.flatMap((i) => (i.raw ? [i.raw.buffer as ArrayBuffer] : []));
    return new Promise<LaneOutcome[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      thread.ref();
      const batch: LaneBatch = { id, transports, items, concurrency };
      thread.postMessage(batch, transfer);
    });
  }

  /** Closes the thread's connections (QUIT to the relays) and waits until it has ended; a thread still busy
   * after `graceMs` (a transaction that never ends) is terminated. */
  async close(graceMs = 5_000): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    this.thread = null;
    const ended = new Promise<void>((resolve) => thread.once("exit", () => resolve()));
    thread.postMessage({ type: "close" } satisfies LaneRequest);
    const timer = setTimeout(() => void thread.terminate(), graceMs);
    await ended;
    clearTimeout(timer);
  }

  private started(): Worker {
    if (this.thread) return this.thread;
    const thread = new Worker(threadProgram(), { eval: true, workerData: { dataDir: this.dataDir } });
    thread.on("message", (m: { id: number; outcomes: LaneOutcome[] }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      // An idle thread must not keep the process alive (a CLI run, a test that never stops its worker).
      if (this.pending.size === 0) thread.unref();
      p?.resolve(m.outcomes);
    });
    const fail = (err: Error) => {
      if (this.thread === thread) this.thread = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    thread.on("error", fail);
    thread.on("exit", (code) => fail(new Error(`the send thread ended (exit code ${code})`)));
    thread.unref();
    this.thread = thread;
    return thread;
  }
}
