// `poststelle sync fetch|review|transmit LIST` (issue 6 item 10): the three steps of seed 003 §5 over the
// HTTP API, like any integrator would; fetch and transmit draw a progress bar until the run has ended.
import { SingleBar } from "cli-progress";
import { type Command, Option } from "commander";

export interface SyncClientOptions {
  url: string;
  key: string;
}

export interface SyncRunView {
  id: string;
  kind: "fetch" | "transmit";
  status: string;
  progress: { total: number | null; processed: number; rate_per_second: number };
  counts: Record<string, number>;
  error: string | null;
}

export interface ReviewView {
  tasks: Record<string, number>;
  total: number;
  will_not_transmit_blocklisted: number;
  results: Record<string, number>;
  warnings: string[];
}

export class SyncApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

async function call<T>(o: SyncClientOptions, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(new URL(path, o.url), {
    method,
    headers: {
      authorization: `Bearer ${o.key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as {
    error?: { message?: string; details?: unknown };
  } & T;
  if (!res.ok)
    throw new SyncApiError(
      `${res.status}: ${json.error?.message ?? res.statusText}`,
      res.status,
      json.error?.details,
    );
  return json;
}

const listPath = (list: string) => `/v1/lists/${encodeURIComponent(list)}`;

export const getReview = (o: SyncClientOptions, list: string) =>
  call<ReviewView>(o, "GET", `${listPath(list)}/sync/review`);

export function startRun(o: SyncClientOptions, list: string, kind: "fetch" | "transmit", confirm: boolean) {
  return call<SyncRunView>(o, "POST", `${listPath(list)}/sync/${kind}`, confirm ? { confirm: true } : {});
}

const ACTIVE = new Set(["queued", "running"]);

/** Polls the run until it has ended, drawing a progress bar on stderr; returns the last view. */
export async function followRun(
  o: SyncClientOptions,
  list: string,
  run: SyncRunView,
  f: { intervalMs?: number; stream?: NodeJS.WritableStream } = {},
): Promise<SyncRunView> {
  const bar = new SingleBar({
    format: `${run.kind} {bar} {value}/{total} | {rate}/s | {status}`,
    hideCursor: true,
    stream: f.stream ?? process.stderr,
    noTTYOutput: true,
    notTTYSchedule: f.intervalMs ?? 1000,
  });
  let r = run;
  const total = (v: SyncRunView) => Math.max(v.progress.total ?? v.progress.processed, 1);
  bar.start(total(r), r.progress.processed, { rate: r.progress.rate_per_second, status: r.status });
  try {
    while (ACTIVE.has(r.status)) {
      await new Promise((res) => setTimeout(res, f.intervalMs ?? 1000));
      r = await call<SyncRunView>(o, "GET", `${listPath(list)}/sync/runs/${r.id}`);
      bar.setTotal(total(r));
      bar.update(r.progress.processed, { rate: r.progress.rate_per_second, status: r.status });
    }
  } finally {
    bar.stop();
  }
  return r;
}

export function runSummary(r: SyncRunView): string {
  const counts = Object.entries(r.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k.replaceAll("_", " ")}`)
    .join(", ");
  return `${r.kind} ${r.id}: ${r.status}${counts ? ` — ${counts}` : ""}${r.error ? `\n${r.error}` : ""}`;
}

export function reviewSummary(v: ReviewView): string {
  const lines = Object.entries(v.tasks).map(([t, n]) => `  ${t.replaceAll("_", " ").padEnd(14)} ${n}`);
  return [`Tasks to transmit: ${v.total}`, ...lines, ...v.warnings.map((w) => `! ${w}`)].join("\n");
}

interface CliOptions {
  url?: string;
  key?: string;
  yes?: boolean;
}

function clientOptions(opts: CliOptions): SyncClientOptions {
  if (!opts.url) throw new SyncApiError("Give the API's address: --url or POSTSTELLE_URL.", 0);
  if (!opts.key) throw new SyncApiError("Give a workspace API key: --key or POSTSTELLE_API_KEY.", 0);
  return { url: opts.url, key: opts.key };
}

async function run(action: () => Promise<void>) {
  try {
    await action();
  } catch (err) {
    if (!(err instanceof SyncApiError)) throw err;
    console.error(err.message);
    process.exitCode = 1;
  }
}

export function registerSyncCommands(program: Command) {
  const sync = program
    .command("sync")
    .description("Two-way list sync with an e-mail tool, over the HTTP API");
  const withClient = (cmd: Command) =>
    cmd
      .addOption(new Option("--url <url>", "Poststelle's API address").env("POSTSTELLE_URL"))
      .addOption(new Option("--key <key>", "a workspace API key").env("POSTSTELLE_API_KEY"));

  withClient(sync.command("fetch <list>").description("Fetch the tool's members and reconcile them"))
    .option("--yes", "also when decided tasks not yet transmitted would be cleared")
    .action((list: string, opts: CliOptions) =>
      run(async () => {
        const o = clientOptions(opts);
        const r = await followRun(o, list, await startRun(o, list, "fetch", opts.yes === true));
        console.log(runSummary(r));
        if (r.status !== "done") process.exitCode = 1;
      }),
    );

  withClient(sync.command("review <list>").description("Counts per task before transmitting")).action(
    (list: string, opts: CliOptions) =>
      run(async () => {
        console.log(reviewSummary(await getReview(clientOptions(opts), list)));
      }),
  );

  withClient(
    sync.command("transmit <list>").description("Transmit the decided tasks (shows the review first)"),
  )
    .option("--yes", "transmit after showing the review, without asking again")
    .action((list: string, opts: CliOptions) =>
      run(async () => {
        const o = clientOptions(opts);
        console.log(reviewSummary(await getReview(o, list)));
        if (!opts.yes) {
          console.log("Nothing transmitted. Repeat with --yes to transmit these tasks.");
          return;
        }
        const r = await followRun(o, list, await startRun(o, list, "transmit", true));
        console.log(runSummary(r));
        if (r.status !== "done") process.exitCode = 1;
      }),
    );
}
