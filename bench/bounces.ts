// Issue 5's bounce benchmark: every fixture in test/fixtures/bounces, in LF, CRLF and CR-only form,
// replicated to about 2,000 messages, classified by Poststelle and by Debian's sisimai (libsisimai-perl,
// the yardstick; one perl process over the whole directory, timed inside perl exactly as ours is timed
// inside node: read each file, classify it). Prints agreement of reason and hard/soft — ours with
// sisimai, and each with labels.json — and messages per second of both. Goal: at least 5× sisimai.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { classifyBounce } from "../src/inbound/classify.js";
import { type BenchOptions, type BenchResult, progress } from "./lib/report.js";
import { sampleRss } from "./lib/rss.js";

export const description = "classify ~2,000 bounce fixtures (LF/CRLF/CR); agreement and msg/s vs sisimai";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test/fixtures/bounces");

interface Label {
  recipient: string;
  reason: string;
  hard: boolean;
}

interface Verdict {
  reason: string;
  hard: boolean;
}

/** file → recipient (lower-case) → verdict */
type Verdicts = Map<string, Map<string, Verdict>>;

// One warm-up pass (perl loads sisimai's modules on first use), then PASSES timed passes; the fastest
// counts, exactly as for ours.
const PASSES = 3;
const SISIMAI_SCRIPT = `
use strict; use warnings; use Time::HiRes qw(time); use Sisimai;
my $dir = shift; my $passes = shift;
opendir(my $dh, $dir) or die $!; my @files = sort grep { /\\.eml$/ } readdir($dh);
my @out; my $best;
for my $pass (0 .. $passes) {
  @out = (); my $t0 = time;
  for my $f (@files) {
    my $v = eval { Sisimai->make("$dir/$f", 'delivered' => 1, 'vacation' => 1) } || [];
    push @out, join("\\t", $f, $_->recipient->address, $_->reason, $_->softbounce) for @$v;
  }
  my $elapsed = time - $t0;
  $best = $elapsed if $pass > 0 && (!defined $best || $elapsed < $best);
}
print "$_\\n" for @out; print "#elapsed\\t$best\\t", scalar(@files), "\\n";
`;

function variants(buf: Buffer): Array<[string, Buffer]> {
  const lf = buf.toString("latin1").replace(/\r\n?/g, "\n");
  return [
    ["lf", Buffer.from(lf, "latin1")],
    ["crlf", Buffer.from(lf.replace(/\n/g, "\r\n"), "latin1")],
    ["cr", Buffer.from(lf.replace(/\n/g, "\r"), "latin1")],
  ];
}

/** Writes the corpus: returns the directory and which fixture each file is a copy of. */
function writeCorpus(target: number): { dir: string; origin: Map<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-bounces-"));
  const origin = new Map<string, string>();
  const names = fs.readdirSync(fixtures).filter((f) => f.endsWith(".eml"));
  const copies = Math.max(1, Math.round(target / (names.length * 3)));
  for (let k = 0; k < copies; k++) {
    for (const name of names) {
      for (const [ending, bytes] of variants(fs.readFileSync(path.join(fixtures, name)))) {
        const file = `${String(k).padStart(4, "0")}-${ending}-${name}`;
        fs.writeFileSync(path.join(dir, file), bytes);
        origin.set(file, name);
      }
    }
  }
  return { dir, origin };
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

/** A warm-up pass, then the fastest of PASSES timed passes. */
function classifyOurs(dir: string, files: string[]): { verdicts: Verdicts; seconds: number } {
  let best = classifyOnce(dir, files);
  best.seconds = Number.POSITIVE_INFINITY;
  for (let i = 0; i < PASSES; i++) {
    const run = classifyOnce(dir, files);
    if (run.seconds < best.seconds) best = run;
  }
  return best;
}

function classifySisimai(dir: string): { verdicts: Verdicts; seconds: number } | null {
  const script = path.join(dir, "..", `sisimai-bench-${process.pid}.pl`);
  fs.writeFileSync(script, SISIMAI_SCRIPT);
  const r = spawnSync("perl", [script, dir, String(PASSES)], {
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
  for (const line of r.stdout.split("\n")) {
    const [file, rcpt, reason, soft, count] = line.split("\t");
    if (file === "#elapsed") {
      seconds = Number(rcpt);
      void count;
      continue;
    }
    if (!file || !rcpt) continue;
    const m = verdicts.get(file) ?? new Map<string, Verdict>();
    // softbounce: 1 soft, 0 hard, -1 not a bounce.
    m.set(rcpt.toLowerCase(), { reason, hard: soft === "0" });
    verdicts.set(file, m);
  }
  return { verdicts, seconds };
}

interface Agreement {
  reason: number;
  hardsoft: number;
}

/** Share of labelled recipients on which two verdict sources agree (a missing verdict disagrees). */
function agreement(
  files: string[],
  origin: Map<string, string>,
  labels: Record<string, Label>,
  a: (file: string, rcpt: string) => Verdict | undefined,
  b: (file: string, rcpt: string) => Verdict | undefined,
): Agreement {
  let reason = 0;
  let hardsoft = 0;
  for (const f of files) {
    const label = labels[origin.get(f) ?? ""];
    if (!label) continue;
    const x = a(f, label.recipient.toLowerCase());
    const y = b(f, label.recipient.toLowerCase());
    if (x && y && x.reason === y.reason) reason++;
    if (x && y && x.hard === y.hard) hardsoft++;
  }
  return { reason: reason / files.length, hardsoft: hardsoft / files.length };
}

export async function run(
  opts: BenchOptions | { json: boolean; args?: Record<string, string> },
): Promise<BenchResult[]> {
  const target = Number(opts.args?.messages ?? 2000);
  const labels: Record<string, Label> = JSON.parse(
    fs.readFileSync(path.join(fixtures, "labels.json"), "utf8"),
  );
  const { dir, origin } = writeCorpus(target);
  try {
    const files = [...origin.keys()].sort();
    progress(`${files.length} messages in ${dir}`);
    const rss = sampleRss();
    const ours = classifyOurs(dir, files);
    const peak = rss.stop();
    progress(`ours: ${ours.seconds.toFixed(3)} s`);
    const sis = classifySisimai(dir);
    if (sis) progress(`sisimai: ${sis.seconds.toFixed(3)} s`);
    const label = (f: string): Verdict | undefined => {
      const l = labels[origin.get(f) ?? ""];
      return l ? { reason: l.reason, hard: l.hard } : undefined;
    };
    const fromOurs = (f: string, r: string) => ours.verdicts.get(f)?.get(r);
    const fromSis = (f: string, r: string) => sis?.verdicts.get(f)?.get(r);
    const oursVsLabel = agreement(files, origin, labels, fromOurs, (f) => label(f));
    const sisVsLabel = agreement(files, origin, labels, fromSis, (f) => label(f));
    const oursVsSis = agreement(files, origin, labels, fromOurs, fromSis);
    const rate = files.length / ours.seconds;
    const yardstick = sis ? files.length / sis.seconds : undefined;
    return [
      {
        bench: "bounces",
        db: "none",
        messages: files.length,
        rate,
        yardstick_rate: yardstick,
        ratio: yardstick ? rate / yardstick : undefined,
        reason_agreement: oursVsSis.reason,
        hardsoft_agreement: oursVsSis.hardsoft,
        ours_reason_vs_labels: oursVsLabel.reason,
        ours_hardsoft_vs_labels: oursVsLabel.hardsoft,
        sisimai_reason_vs_labels: sisVsLabel.reason,
        sisimai_hardsoft_vs_labels: sisVsLabel.hardsoft,
        peak_rss_mb: peak,
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
