// `poststelle bounces classify FILE…`: one line per recipient — file, recipient, reason, hard|soft and
// the enhanced status code — so the classifier can be compared with others (sisimai). Needs no database.
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { classifyBounce } from "../inbound/classify.js";

interface ClassifyOptions {
  json?: boolean;
}

/** The files named, a directory standing for every file under it (sorted by name, depth first; names starting
 * with a dot left out, as a Maildir's or a corpus checkout's bookkeeping). A name that is neither comes back
 * as it is, for the reader to report. */
function* filesOf(names: string[], seen = new Set<string>()): Generator<string> {
  for (const name of names) {
    let entries: fs.Dirent[];
    try {
      if (!fs.statSync(name).isDirectory()) {
        yield name;
        continue;
      }
      // A link back to a directory above is walked once.
      const real = fs.realpathSync(name);
      if (seen.has(real)) continue;
      seen.add(real);
      entries = fs.readdirSync(name, { withFileTypes: true });
    } catch {
      yield name;
      continue;
    }
    const inside = entries
      .filter((e) => !e.name.startsWith(".") && (e.isFile() || e.isDirectory() || e.isSymbolicLink()))
      .map((e) => path.join(name, e.name))
      .sort();
    yield* filesOf(inside, seen);
  }
}

/** Classifies each file (every file under a directory) and writes the lines; returns how many files could
 * not be read. */
export function classifyFiles(
  files: string[],
  opts: ClassifyOptions,
  out: (line: string) => void,
  err: (line: string) => void,
): number {
  let failed = 0;
  for (const file of filesOf(files)) {
    let raw: Buffer;
    try {
      raw = fs.readFileSync(file);
    } catch (e) {
      failed++;
      err(`${file}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const report = classifyBounce(raw);
    if (report.recipients.length === 0) {
      err(
        `${file}: no recipient found (${report.kind === "unknown" ? "not a report we recognise" : report.kind})`,
      );
      continue;
    }
    for (const r of report.recipients) {
      if (opts.json) {
        out(JSON.stringify({ file, kind: report.kind, ...r, original: report.original }));
      } else {
        out([file, r.recipient, r.reason, r.hard ? "hard" : "soft", r.status ?? ""].join("\t"));
      }
    }
  }
  return failed;
}

export function registerBounceCommands(program: Command) {
  const bounces = program
    .command("bounces")
    .description("Bounces, delivery notifications, receipts, complaints");
  bounces
    .command("classify <files...>")
    .description(
      "Print file, recipient, reason, hard|soft and status code for each recipient of each file (a directory: every file under it)",
    )
    .option("--json", "one JSON object per line instead of tab-separated columns")
    .action((files: string[], opts: ClassifyOptions) => {
      const lines: string[] = [];
      const flush = () => {
        if (lines.length) process.stdout.write(`${lines.join("\n")}\n`);
        lines.length = 0;
      };
      classifyFiles(
        files,
        opts,
        (l) => {
          lines.push(l);
          if (lines.length >= 256) flush();
        },
        (l) => {
          flush();
          process.stderr.write(`${l}\n`);
        },
      );
      flush();
    });
}
