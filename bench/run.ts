// `npm run bench -- NAME [--json] [--db pglite|postgres|both] [--pg-url URL] [--NAME VALUE …]` runs
// bench/NAME.ts; with no NAME it lists the benchmarks. Each benchmark module exports `description` and
// `run(options)`, and returns its result rows; this file parses the arguments and prints them.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BenchDb, type Benchmark, type BenchOptions, printResults } from "./lib/report.js";

const benchDir = path.dirname(fileURLToPath(import.meta.url));

function benchNames(): string[] {
  return fs
    .readdirSync(benchDir)
    .filter((f) => f.endsWith(".ts") && f !== "run.ts")
    .map((f) => f.slice(0, -3))
    .sort();
}

async function load(name: string): Promise<Benchmark> {
  return (await import(pathToFileURL(path.join(benchDir, `${name}.ts`)).href)) as Benchmark;
}

function parseDb(v: string): BenchDb[] {
  if (v === "both") return ["pglite", "postgres"];
  if (v === "pglite" || v === "postgres") return [v];
  throw new Error(`--db must be pglite, postgres or both, not "${v}"`);
}

export function parseArgs(argv: string[]): { name?: string; opts: BenchOptions } {
  const opts: BenchOptions = { json: false, db: ["pglite", "postgres"], args: {} };
  let name: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") opts.json = true;
    else if (a === "--db") opts.db = parseDb(argv[++i] ?? "");
    else if (a === "--pg-url") opts.pgUrl = argv[++i];
    else if (a.startsWith("--")) opts.args[a.slice(2)] = argv[++i] ?? "";
    else if (!name) name = a;
    else throw new Error(`unexpected argument "${a}"`);
  }
  opts.pgUrl ??= process.env.DATABASE_URL || undefined;
  return { name, opts };
}

async function list(): Promise<void> {
  console.log("Benchmarks (npm run bench -- NAME [--json] [--db pglite|postgres|both] [--pg-url URL]):");
  for (const n of benchNames()) console.log(`  ${n.padEnd(16)} ${(await load(n)).description}`);
}

async function main(): Promise<void> {
  const { name, opts } = parseArgs(process.argv.slice(2));
  if (!name) return list();
  if (!benchNames().includes(name)) {
    throw new Error(`no benchmark "${name}"; there are: ${benchNames().join(", ")}`);
  }
  const results = await (await load(name)).run(opts);
  printResults(results, opts.json);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
