// How every benchmark reports (DESIGN §9): a readable table, or with --json one JSON line per database.
export type BenchDb = "pglite" | "postgres";

export interface BenchOptions {
  json: boolean;
  db: BenchDb[];
  /** A PostgreSQL server to create the benchmark's database on; a temporary cluster when absent. */
  pgUrl?: string;
  /** Further --name value pairs a benchmark may read (e.g. --messages 2000). */
  args: Record<string, string>;
}

export interface BenchResult {
  bench: string;
  /** "none" for benchmarks that use no database (e.g. bounce classification). */
  db: BenchDb | "none" | null;
  rate: number;
  yardstick_rate?: number;
  ratio?: number;
  peak_rss_mb: number;
  [more: string]: string | number | boolean | null | undefined;
}

export interface Benchmark {
  description: string;
  run(opts: BenchOptions): Promise<BenchResult[]>;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Rates to whole messages per second, ratios to three places, megabytes to one. */
export function tidy(r: BenchResult): BenchResult {
  const out: BenchResult = { ...r };
  for (const [k, v] of Object.entries(out)) {
    if (typeof v !== "number") continue;
    const fraction =
      k === "ratio" || k.endsWith("_ratio") || k.endsWith("_agreement") || k.endsWith("_vs_labels");
    out[k] = fraction ? round(v, 3) : k.endsWith("_mb") || k.endsWith("_s") ? round(v, 1) : round(v, 0);
  }
  return out;
}

export function printResults(results: BenchResult[], json: boolean): void {
  if (json) {
    for (const r of results) console.log(JSON.stringify(tidy(r)));
    return;
  }
  const rows = results.map(tidy);
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (v === undefined || v === null ? "" : String(v));
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join("  ");
  console.log(line(keys));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of rows) console.log(line(keys.map((k) => cell(r[k]))));
}

/** Progress goes to stderr, so that --json leaves stdout to the result lines. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
