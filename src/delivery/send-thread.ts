// The send thread's program (started by send-lane.ts): builds the MIME of a batch's first attempts and hands
// every message to its transport, in a node:worker_threads thread of the worker's process. The database
// stays in the main thread — claim, blocklist, outcomes — so with PGlite (the database inside the process)
// the building and the SMTP sockets run on the second core instead of between the database's statements.
// One message crosses per batch each way; nothing here touches the database or the clock of the runtime.
import { parentPort, workerData } from "node:worker_threads";
import type { Row } from "../db/schema.js";
import { buildMime, mimeDigest } from "./mime.js";
import type { LaneBatch, LaneOutcome, LaneRequest, LaneSend } from "./send-lane.js";
import { type MailSender, SenderCache } from "./senders.js";

const port = parentPort;
if (!port) throw new Error("send-thread.ts runs as a worker thread (see send-lane.ts)");
const senders = new SenderCache((workerData as { dataDir: string }).dataDir);

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}

/** One message: its transport's sender, its bytes (built here from the recipe, or as given), the send.
 * Never throws: each failure says which step failed, as the in-process path tells them apart. */
async function sendOne(item: LaneSend, transports: Map<string, Row<"transports">>): Promise<LaneOutcome> {
  let sender: MailSender;
  try {
    const t = item.transportId === null ? null : transports.get(item.transportId);
    if (t === undefined) throw new Error("the transport was not handed to the send thread");
    sender = senders.get(t);
  } catch (err) {
    return { failed: "transport_invalid", message: (err as Error).message };
  }
  let raw: Buffer;
  let digest: string | undefined;
  try {
    if (item.recipe) {
      raw = buildMime(item.recipe.input, item.recipe.date);
      digest = mimeDigest(raw);
    } else raw = Buffer.from(item.raw!.buffer, item.raw!.byteOffset, item.raw!.byteLength);
  } catch (err) {
    return { failed: "mime_build_failed", message: (err as Error).message };
  }
  try {
    const result = await sender.send({ ...item.mail, raw });
    return { kind: sender.kind, result, digest };
  } catch (err) {
    return { failed: "internal", message: (err as Error).message };
  }
}

async function serve(batch: LaneBatch) {
  const transports = new Map(batch.transports.map((t) => [t.id, t]));
  const outcomes = await mapLimit(batch.items, batch.concurrency, (item) => sendOne(item, transports));
  port!.postMessage({ id: batch.id, outcomes });
}

port.on("message", (req: LaneRequest) => {
  if (req.type === "close") {
    senders.close();
    port.close();
    return;
  }
  void serve(req);
});
