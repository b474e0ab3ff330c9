// The yardstick (DESIGN §8): Postfix's smtp-source into smtp-sink, 10 sessions, 5 KB messages, 20,000
// messages. Benchmarks measure it in the same run as themselves and report their ratio to it, because the
// figure varies by ±20% from run to run on the same machine.
import { peerMissing } from "../test/peers/peers.js";
import { runSmtpSource, startSmtpSink } from "../test/peers/postfix.js";
import type { BenchOptions, BenchResult } from "./lib/report.js";
import { progress } from "./lib/report.js";
import { sampleRss } from "./lib/rss.js";

export const description = "smtp-source → smtp-sink, 10 sessions × 5 KB × 20,000 messages (msg/s)";

/** The yardstick's size as DESIGN §8 measured it. */
export const YARDSTICK_MESSAGES = 20_000;

export interface YardstickOptions {
  messages?: number;
  sessions?: number;
  size?: number;
}

/** Messages per second from smtp-source into the sink listening on port. */
export async function measureYardstick(port: number, o: YardstickOptions = {}): Promise<number> {
  const r = await runSmtpSource({
    port,
    messages: o.messages ?? YARDSTICK_MESSAGES,
    sessions: o.sessions ?? 10,
    size: o.size ?? 5120,
  });
  return r.messages / (r.ms / 1000);
}

export function requireSmtpTools(): void {
  const why = peerMissing("postfix");
  if (why) throw new Error(`this benchmark needs Postfix's smtp-sink and smtp-source: ${why}`);
}

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  requireSmtpTools();
  const messages = Number(opts.args.messages ?? YARDSTICK_MESSAGES);
  const sink = await startSmtpSink();
  const rss = sampleRss();
  try {
    progress(`smtp-source → smtp-sink: ${messages} messages`);
    const rate = await measureYardstick(sink.port, { messages });
    return [{ bench: "yardstick", db: null, rate, messages, peak_rss_mb: rss.stop() }];
  } finally {
    rss.stop();
    await sink.stop();
  }
}
