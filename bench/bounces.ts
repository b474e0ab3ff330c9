// Issue 5's bounce benchmark: every fixture in test/fixtures/bounces, in LF, CRLF and CR-only form,
// replicated to about 2,000 messages, classified by Poststelle and by Debian's sisimai (libsisimai-perl,
// the yardstick; one perl process over the whole directory, timed inside perl exactly as ours is timed
// inside node: read each file, classify it). Prints agreement of reason and hard/soft — ours with
// sisimai, and each with labels.json — and messages per second of both. Goal: at least 5× sisimai.
//
// `--dir DIR` adds an external sample set (never committed): every *.eml below DIR, in the three
// line-ending forms, once each; labels from DIR/labels.json when present, in the fixtures' format, with a list of
// labels per file (one per recipient), or in sisimai's set-of-emails form ({ "expect": [[status, code, reason,
// hard], …] }, compared as a multiset: those labels name no recipient). Its agreement is printed as a second row.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { classifyBounce } from "../src/inbound/classify.js";
import { type BenchOptions, type BenchResult, progress } from "./lib/report.js";
import { sampleRss } from "./lib/rss.js";

export const description =
  "classify ~2,000 bounce fixtures (LF/CRLF/CR); agreement and msg/s vs sisimai; --dir DIR adds an external labelled set";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test/fixtures/bounces");

/** One labelled recipient. Without `recipient` (sisimai's set-of-emails labels name none) the file's labels
 *  are compared as a multiset with the file's verdicts. */
interface Label {
  recipient?: string;
  reason: string;
  hard: boolean;
}

export interface Verdict {
  reason: string;
  hard: boolean;
}

/** file → recipient (lower-case) → verdict */
type Verdicts = Map<string, Map<string, Verdict>>;

/** A corpus on disk: its directory, and for each file the source file it is a form of. */
export interface Corpus {
  dir: string;
  origin: Map<string, string>;
  labels: Map<string, Label[]>;
}

// Both classifiers are measured in the same way, as a long-running process uses them: warm-up passes over the
// set until at least WARM_MESSAGES messages have been classified (at least one pass: perl loads sisimai's modules on
// first use, V8 compiles and optimises ours as it runs), then PASSES timed passes; the fastest counts. The first
// (cold) pass is reported too, for both.
const PASSES = 3;
const WARM_MESSAGES = 10_000;
const SISIMAI_SCRIPT = `
use strict; use warnings; use Time::HiRes qw(time); use Sisimai;
my $dir = shift; my $warm = shift; my $passes = shift;
opendir(my $dh, $dir) or die $!; my @files = sort grep { /\\.eml$/ } readdir($dh);
my @out; my $best; my $first;
for my $pass (1 .. $warm + $passes) {
  @out = (); my $t0 = time;
  for my $f (@files) {
    my $v = eval { Sisimai->make("$dir/$f", 'delivered' => 1, 'vacation' => 1) } || [];
    push @out, join("\\t", $f, $_->recipient->address, $_->reason, $_->softbounce) for @$v;
  }
  my $elapsed = time - $t0;
  $first = $elapsed if $pass == 1;
  $best = $elapsed if $pass > $warm && (!defined $best || $elapsed < $best);
}
print "$_\\n" for @out; print "#elapsed\\t$best\\t$first\\n";
`;

function variants(buf: Buffer): Array<[string, Buffer]> {
  const lf = buf.toString("latin1").replace(/\r\n?/g, "\n");
  return [
    ["lf", Buffer.from(lf, "latin1")],
    ["crlf", Buffer.from(lf.replace(/\n/g, "\r\n"), "latin1")],
    ["cr", Buffer.from(lf.replace(/\n/g, "\r"), "latin1")],
  ];
}

/** Every *.eml below `root`, as paths relative to it. */
function emlFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.name.endsWith(".eml")) out.push(r);
    }
  };
  walk("");
  return out.sort();
}

// sisimai 5.2 renamed MesgTooBig to EmailTooLarge; the issue names the reason mesgtoobig.
const renamed: Record<string, string> = { emailtoolarge: "mesgtoobig" };

/** One entry of labels.json: `{ recipient, reason, hard }`, a list of them, or sisimai's set-of-emails form
 *  `{ "expect": [[status, reply code, reason, hard], …] }` (one row per recipient, no address). */
function labelsOf(file: string, name: string, entry: unknown): Label[] {
  const bad = (why: string) =>
    new Error(
      `${file}: the labels of ${JSON.stringify(name)} ${why}; expected { "recipient", "reason", "hard" }, a list of ` +
        `them, or { "expect": [[status, code, reason, hard], …] }`,
    );
  const reasonOf = (r: unknown) => {
    if (typeof r !== "string" || !r) throw bad("have no reason");
    const lower = r.toLowerCase();
    return renamed[lower] ?? lower;
  };
  if (entry && typeof entry === "object" && !Array.isArray(entry) && "expect" in entry) {
    const rows = (entry as { expect: unknown }).expect;
    if (!Array.isArray(rows)) throw bad("have an expect that is not a list");
    return rows.map((row) => {
      if (!Array.isArray(row) || typeof row[3] !== "boolean")
        throw bad("have an expect row that is not [status, code, reason, hard]");
      return { reason: reasonOf(row[2]), hard: row[3] };
    });
  }
  return (Array.isArray(entry) ? entry : [entry]).map((l) => {
    if (!l || typeof l !== "object") throw bad("are not objects");
    const { recipient, reason, hard } = l as Record<string, unknown>;
    if (typeof recipient !== "string" || !recipient) throw bad("have no recipient");
    if (typeof hard !== "boolean") throw bad("have no hard flag (true or false)");
    return { recipient, reason: reasonOf(reason), hard };
  });
}

export function readLabels(file: string): Map<string, Label[]> {
  const out = new Map<string, Label[]>();
  if (!fs.existsSync(file)) return out;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file} is not JSON: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    throw new Error(`${file} must be an object keyed by file name`);
  for (const [name, entry] of Object.entries(raw)) out.set(name, labelsOf(file, name, entry));
  return out;
}

/** Writes `copies` copies of every source file in each line-ending form into a fresh directory. */
function writeCorpus(source: string, copies: number): Corpus {
  const labels = readLabels(path.join(source, "labels.json"));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-bounces-"));
  const origin = new Map<string, string>();
  const names = emlFiles(source);
  for (let k = 0; k < copies; k++) {
    for (const name of names) {
      for (const [ending, bytes] of variants(fs.readFileSync(path.join(source, name)))) {
        const file = `${String(k).padStart(4, "0")}-${ending}-${name.replace(/\//g, "__")}`;
        fs.writeFileSync(path.join(dir, file), bytes);
        origin.set(file, name);
      }
    }
  }
  return { dir, origin, labels };
}

function classifyOnce(dir: string, files: string[]): { verdicts: Verdicts; seconds: number } {
  const verdicts: Verdicts = new Map();
  const t0 = process.hrtime.bigint();
  for (const f of files) {
    const r = classifyBounce(fs.readFileSync(path.join(dir, f)));
    const m = new Map<string, Verdict>();
    for (const x of r.recipients) m.set(x.recipient.toLowerCase(), { reason: x.reason, hard: x.hard });
    verdicts.set(f, m);
  }
  return { verdicts, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** Passes over `count` messages that classify at least `warm` of them, and at least one. */
export function warmPasses(count: number, warm: number): number {
  return count > 0 ? Math.max(1, Math.ceil(warm / count)) : 1;
}

interface Timed {
  verdicts: Verdicts;
  /** the fastest timed pass */
  seconds: number;
  /** the first, cold pass */
  firstSeconds: number;
}

/** Warm-up passes, then the fastest of PASSES timed passes. */
function classifyOurs(dir: string, files: string[], warm: number): Timed {
  const first = classifyOnce(dir, files);
  for (let i = 1; i < warm; i++) classifyOnce(dir, files);
  let best = { ...first, seconds: Number.POSITIVE_INFINITY };
  for (let i = 0; i < PASSES; i++) {
    const run = classifyOnce(dir, files);
    if (run.seconds < best.seconds) best = run;
  }
  return { ...best, firstSeconds: first.seconds };
}

function classifySisimai(dir: string, warm: number): Timed | null {
  const script = path.join(dir, "..", `sisimai-bench-${process.pid}.pl`);
  fs.writeFileSync(script, SISIMAI_SCRIPT);
  const r = spawnSync("perl", [script, dir, String(warm), String(PASSES)], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  fs.rmSync(script, { force: true });
  if (r.status !== 0) {
    progress(`sisimai did not run (apt-get install libsisimai-perl): ${r.stderr.slice(0, 300)}`);
    return null;
  }
  const verdicts: Verdicts = new Map();
  let seconds = 0;
  let firstSeconds = 0;
  for (const line of r.stdout.split("\n")) {
    const [file, rcpt, reason, soft] = line.split("\t");
    if (file === "#elapsed") {
      seconds = Number(rcpt);
      firstSeconds = Number(reason);
      continue;
    }
    if (!file || !rcpt) continue;
    const m = verdicts.get(file) ?? new Map<string, Verdict>();
    // softbounce: 1 soft, 0 hard, -1 not a bounce.
    m.set(rcpt.toLowerCase(), { reason, hard: soft === "0" });
    verdicts.set(file, m);
  }
  return { verdicts, seconds, firstSeconds };
}

interface Agreement {
  reason: number;
  hardsoft: number;
  /** labelled recipients compared */
  count: number;
  /** "file recipient: a≠b" for each disagreement on the reason (first occurrence per source file) */
  misses: string[];
}

/** A verdict source: the recipients' verdicts of one classified file (lower-case address → verdict). */
export type Source = (file: string) => Map<string, Verdict> | undefined;

/** Share of labelled recipients on which `a` agrees with `b` (a missing verdict disagrees). Labels that name their
 *  recipient are compared by address; the others (sisimai's form) as a multiset: a label counts as agreed when
 *  `a`'s remaining verdicts hold a `b` verdict with its reason (resp. hard flag), each verdict used once. */
export function agreement(corpus: Corpus, files: string[], a: Source, b: Source): Agreement {
  let reason = 0;
  let hardsoft = 0;
  let count = 0;
  const misses = new Set<string>();
  for (const f of files) {
    const name = corpus.origin.get(f) ?? "";
    const labels = corpus.labels.get(name) ?? [];
    if (labels.length === 0) continue;
    const va = a(f);
    const vb = b(f);
    const named = labels.filter((l) => l.recipient !== undefined);
    for (const label of named) {
      const rcpt = (label.recipient as string).toLowerCase();
      const x = va?.get(rcpt);
      const y = vb?.get(rcpt);
      count++;
      if (x && y && x.reason === y.reason) reason++;
      else misses.add(`${name} ${rcpt}: ${x?.reason ?? "-"} ≠ ${y?.reason ?? "-"}`);
      if (x && y && x.hard === y.hard) hardsoft++;
    }
    const unnamed = labels.length - named.length;
    if (unnamed === 0) continue;
    const ra = [...(va?.values() ?? [])];
    const rb = [...(vb?.values() ?? [])];
    const reasonsA = ra.map((v) => v.reason);
    const hardsA = ra.map((v) => v.hard);
    for (let i = 0; i < unnamed; i++) {
      count++;
      const y = rb[i];
      const ri = y ? reasonsA.indexOf(y.reason) : -1;
      if (ri >= 0) {
        reason++;
        reasonsA.splice(ri, 1);
      } else misses.add(`${name} #${i + 1}: ${ra[i]?.reason ?? "-"} ≠ ${y?.reason ?? "-"}`);
      const hi = y ? hardsA.indexOf(y.hard) : -1;
      if (hi >= 0) {
        hardsoft++;
        hardsA.splice(hi, 1);
      }
    }
  }
  return { reason: reason / (count || 1), hardsoft: hardsoft / (count || 1), count, misses: [...misses] };
}

/** The labels as a verdict source; labels without a recipient are keyed by their position. */
export function labelOf(corpus: Corpus): Source {
  const cache = new Map<string, Map<string, Verdict>>();
  return (f) => {
    const name = corpus.origin.get(f) ?? "";
    let m = cache.get(name);
    if (!m) {
      m = new Map();
      for (const [i, l] of (corpus.labels.get(name) ?? []).entries())
        m.set(l.recipient?.toLowerCase() ?? `#${i}`, { reason: l.reason, hard: l.hard });
      cache.set(name, m);
    }
    return m;
  };
}

function measure(bench: string, corpus: Corpus, warmMessages: number): BenchResult {
  const files = [...corpus.origin.keys()].sort();
  const warm = warmPasses(files.length, warmMessages);
  progress(
    `${bench}: ${files.length} messages in ${corpus.dir}; ${warm} warm-up pass(es), then ${PASSES} timed`,
  );
  const rss = sampleRss();
  const ours = classifyOurs(corpus.dir, files, warm);
  const peak = rss.stop();
  progress(`ours: ${ours.seconds.toFixed(3)} s (first pass ${ours.firstSeconds.toFixed(3)} s)`);
  const sis = classifySisimai(corpus.dir, warm);
  if (sis) progress(`sisimai: ${sis.seconds.toFixed(3)} s (first pass ${sis.firstSeconds.toFixed(3)} s)`);
  const label = labelOf(corpus);
  const fromOurs: Source = (f) => ours.verdicts.get(f);
  const fromSis: Source = (f) => sis?.verdicts.get(f);
  const oursVsLabel = agreement(corpus, files, fromOurs, label);
  const sisVsLabel = agreement(corpus, files, fromSis, label);
  // Ours against sisimai over the same labelled recipients: by address, or as a multiset where labels name none.
  const oursVsSis = agreement(corpus, files, fromOurs, fromSis);
  if (process.env.BENCH_VERBOSE) for (const m of oursVsLabel.misses) progress(`ours ≠ label: ${m}`);
  const rate = files.length / ours.seconds;
  const yardstick = sis ? files.length / sis.seconds : undefined;
  const firstRate = files.length / ours.firstSeconds;
  const firstYardstick = sis ? files.length / sis.firstSeconds : undefined;
  return {
    bench,
    db: "none",
    messages: files.length,
    labelled: oursVsLabel.count,
    rate,
    yardstick_rate: yardstick,
    ratio: yardstick ? rate / yardstick : undefined,
    warmup_passes: warm,
    first_pass_rate: firstRate,
    yardstick_first_pass_rate: firstYardstick,
    first_pass_ratio: firstYardstick ? firstRate / firstYardstick : undefined,
    reason_agreement: oursVsSis.reason,
    hardsoft_agreement: oursVsSis.hardsoft,
    ours_reason_vs_labels: oursVsLabel.reason,
    ours_hardsoft_vs_labels: oursVsLabel.hardsoft,
    sisimai_reason_vs_labels: sisVsLabel.reason,
    sisimai_hardsoft_vs_labels: sisVsLabel.hardsoft,
    peak_rss_mb: peak,
  };
}

export async function run(
  opts: BenchOptions | { json: boolean; args?: Record<string, string> },
): Promise<BenchResult[]> {
  const target = Number(opts.args?.messages ?? 2000);
  const warmMessages = Number(opts.args?.["warm-messages"] ?? WARM_MESSAGES);
  if (!Number.isInteger(warmMessages) || warmMessages < 0)
    throw new Error(`--warm-messages must be a whole number ≥ 0, not ${opts.args?.["warm-messages"]}`);
  const external = opts.args?.dir;
  const results: BenchResult[] = [];
  const count = emlFiles(fixtures).length;
  const corpus = writeCorpus(fixtures, Math.max(1, Math.round(target / (count * 3))));
  try {
    results.push(measure("bounces", corpus, warmMessages));
  } finally {
    fs.rmSync(corpus.dir, { recursive: true, force: true });
  }
  if (external) {
    const other = writeCorpus(path.resolve(external), 1);
    try {
      results.push(measure(`bounces:${path.basename(path.resolve(external))}`, other, warmMessages));
    } finally {
      fs.rmSync(other.dir, { recursive: true, force: true });
    }
  }
  return results;
}
