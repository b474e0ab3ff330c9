// `poststelle campaign send ID [--follow]` and `poststelle campaign status ID [--follow]` (issue 4 item 8):
// talk to a running Poststelle over its HTTP API (POSTSTELLE_URL and POSTSTELLE_API_KEY, or --url/--key),
// like any integrator would, and show the progress with a bar, the rate and the expected end.
import { SingleBar } from "cli-progress";
import { type Command, Option } from "commander";

export interface CampaignClientOptions {
  url: string;
  key: string;
}

interface Progress {
  total: number;
  done: number;
  counts: Record<string, number>;
  rate_per_second: number;
  expected_end: string | null;
  waiting_for_processing: boolean;
  resume_at: string | null;
}

export interface CampaignView {
  id: string;
  name: string;
  state: string;
  progress: Progress;
}

/** States in which workers are still busy with the campaign. */
const BUSY = new Set(["loading_recipients", "in_progress", "waiting_for_continuation"]);

export class ApiError extends Error {}

async function call(
  o: CampaignClientOptions,
  method: string,
  path: string,
  body?: unknown,
): Promise<CampaignView> {
  const res = await fetch(new URL(path, o.url), {
    method,
    headers: {
      authorization: `Bearer ${o.key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as { error?: { message?: string } } & CampaignView;
  if (!res.ok) throw new ApiError(`${res.status}: ${json.error?.message ?? res.statusText}`);
  return json;
}

export function getCampaign(o: CampaignClientOptions, id: string) {
  return call(o, "GET", `/v1/campaigns/${encodeURIComponent(id)}`);
}

export function startSend(o: CampaignClientOptions, id: string, includeUnknown: boolean) {
  return call(o, "POST", `/v1/campaigns/${encodeURIComponent(id)}/send`, { include_unknown: includeUnknown });
}

/** One line of what the campaign is doing, beside the bar. */
export function describeState(c: CampaignView): string {
  const p = c.progress;
  if (p.waiting_for_processing) return "waiting for processing";
  if (c.state === "waiting_for_continuation" && p.resume_at) {
    return `waiting for continuation until ${new Date(p.resume_at).toLocaleTimeString()}`;
  }
  return c.state.replaceAll("_", " ");
}

function etaOf(p: Progress): string {
  if (!p.expected_end) return "–";
  const s = Math.max(0, Math.round((new Date(p.expected_end).getTime() - Date.now()) / 1000));
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${s % 60}s`
      : `${s}s`;
}

export interface FollowOptions {
  intervalMs?: number;
  /** Where the bar is drawn (stderr by default, so stdout keeps the final summary). */
  stream?: NodeJS.WritableStream;
}

/** Polls the campaign until the workers are done with it, drawing a progress bar; returns the last view. */
export async function follow(
  o: CampaignClientOptions,
  id: string,
  f: FollowOptions = {},
): Promise<CampaignView> {
  let c = await getCampaign(o, id);
  const bar = new SingleBar({
    format: "{bar} {percentage}% | {value}/{total} | {rate} msg/s | ETA {eta_end} | {state}",
    hideCursor: true,
    stream: f.stream ?? process.stderr,
    // Drawn also when the output is not a terminal (logs, tests), once per update.
    noTTYOutput: true,
    notTTYSchedule: f.intervalMs ?? 1000,
  });
  const payload = (v: CampaignView) => ({
    rate: v.progress.rate_per_second.toFixed(1),
    eta_end: etaOf(v.progress),
    state: describeState(v),
  });
  bar.start(Math.max(c.progress.total, 1), c.progress.done, payload(c));
  try {
    while (BUSY.has(c.state)) {
      await new Promise((r) => setTimeout(r, f.intervalMs ?? 1000));
      c = await getCampaign(o, id);
      bar.setTotal(Math.max(c.progress.total, 1));
      bar.update(c.progress.done, payload(c));
    }
  } finally {
    bar.stop();
  }
  return c;
}

export function summary(c: CampaignView): string {
  const counts = Object.entries(c.progress.counts)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
  return `${c.name} (${c.id}): ${c.state.replaceAll("_", " ")}${counts ? ` — ${counts}` : ""}`;
}

interface CliOptions {
  url?: string;
  key?: string;
  follow?: boolean;
  includeUnknown?: boolean;
}

function clientOptions(opts: CliOptions): CampaignClientOptions {
  if (!opts.url) throw new ApiError("Give the API's address: --url or POSTSTELLE_URL.");
  if (!opts.key) throw new ApiError("Give a workspace API key: --key or POSTSTELLE_API_KEY.");
  return { url: opts.url, key: opts.key };
}

async function run(action: () => Promise<void>) {
  try {
    await action();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    console.error(err.message);
    process.exitCode = 1;
  }
}

export function registerCampaignCommands(program: Command) {
  const campaign = program.command("campaign").description("Serial correspondence over the HTTP API");
  const withClient = (cmd: Command) =>
    cmd
      .addOption(new Option("--url <url>", "Poststelle's API address").env("POSTSTELLE_URL"))
      .addOption(new Option("--key <key>", "a workspace API key").env("POSTSTELLE_API_KEY"))
      .option("--follow", "show a progress bar until the workers are done");

  withClient(
    campaign.command("send <id>").description("Send a serial e-mail (again: only recipients not yet sent)"),
  )
    .option("--include-unknown", "also resend recipients whose outcome is unknown (deliberately)")
    .action((id: string, opts: CliOptions) =>
      run(async () => {
        const o = clientOptions(opts);
        let c = await startSend(o, id, opts.includeUnknown === true);
        if (opts.follow) c = await follow(o, id);
        console.log(summary(c));
      }),
    );

  withClient(campaign.command("status <id>").description("Show a campaign's state and progress")).action(
    (id: string, opts: CliOptions) =>
      run(async () => {
        const o = clientOptions(opts);
        const c = opts.follow ? await follow(o, id) : await getCampaign(o, id);
        console.log(summary(c));
      }),
  );
}
