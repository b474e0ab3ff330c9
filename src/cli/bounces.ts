// `poststelle bounces classify FILE…`: one line per recipient — file, recipient, reason, hard|soft and
// the enhanced status code — so the classifier can be compared with others (sisimai). Needs no database.
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { type BounceReport, classifyBounce } from "../inbound/classify.js";
import { mboxMessages } from "./mbox.js";

interface ClassifyOptions {
  json?: boolean;
  /** Each file is an mbox: every message classified on its own (mbox.ts). */
  mbox?: boolean;
}

/** The files named, a directory standing for every file under it (sorted by name, depth first; names starting
 * with a dot left out, as a Maildir's or a corpus checkout's bookkeeping). A name that is neither comes back
 * as it is, for the reader to report. */
function* filesOf(names: string[], seen = new Set<string>()): Generator<string> {
  for (const name of names) {
    let entries: fs.Dirent[];
    if (name === "-") {
      yield name;
      continue;
    }
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

/** Classifies one file and writes its lines; false when it could not be read. With `mbox`, each message of the
 * file is classified on its own and named FILE#N (N from 1). */
function classifyFile(
  file: string,
  opts: ClassifyOptions,
  out: (line: string) => void,
  err: (line: string) => void,
): boolean {
  const cannotRead = (e: unknown) => {
    err(`${file}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  };
  if (opts.mbox) {
    let fd: number;
    try {
      fd = file === "-" ? 0 : fs.openSync(file, "r");
    } catch (e) {
      return cannotRead(e);
    }
    try {
      let n = 0;
      for (const message of mboxMessages(fd))
        writeReport(`${file}#${++n}`, classifyBounce(message), opts, out, err);
    } catch (e) {
      return cannotRead(e);
    } finally {
      if (fd !== 0) fs.closeSync(fd);
    }
    return true;
  }
  let raw: Buffer;
  try {
    // "-" is standard input: a mail filter pipes the message in.
    raw = fs.readFileSync(file === "-" ? 0 : file);
  } catch (e) {
    return cannotRead(e);
  }
  writeReport(file, classifyBounce(raw), opts, out, err);
  return true;
}

function writeReport(
  name: string,
  report: BounceReport,
  opts: ClassifyOptions,
  out: (line: string) => void,
  err: (line: string) => void,
) {
  if (report.recipients.length === 0) {
    err(
      `${name}: no recipient found (${report.kind === "unknown" ? "not a report we recognise" : report.kind})`,
    );
    return;
  }
  for (const r of report.recipients) {
    if (opts.json) {
      out(JSON.stringify({ file: name, kind: report.kind, ...r, original: report.original }));
    } else {
      out([name, r.recipient, r.reason, r.hard ? "hard" : "soft", r.status ?? ""].join("\t"));
    }
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
  for (const file of filesOf(files)) if (!classifyFile(file, opts, out, err)) failed++;
  return failed;
}

/** `poststelle bounces classify`: the lines on stdout (written in blocks), what could not be read or named no
 * recipient on stderr; the exit code is 1 when a file could not be read. When the reader of stdout goes away
 * (`| head`), it stops quietly. Also the entry of bin/classify.js's bundle, which runs it without loading the
 * rest of the CLI. */
export async function runClassify(files: string[], opts: ClassifyOptions): Promise<number> {
  let closed = false;
  const onError = (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    closed = true;
  };
  process.stdout.on("error", onError);
  const lines: string[] = [];
  // Each block is followed by a turn of the event loop, where a closed pipe's EPIPE arrives.
  const flush = async () => {
    if (lines.length) process.stdout.write(`${lines.join("\n")}\n`);
    lines.length = 0;
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  const out = (l: string) => lines.push(l);
  const err = (l: string) => {
    if (lines.length) process.stdout.write(`${lines.join("\n")}\n`);
    lines.length = 0;
    process.stderr.write(`${l}\n`);
  };
  let failed = 0;
  try {
    for (const file of filesOf(files)) {
      if (!classifyFile(file, opts, out, err)) failed++;
      if (lines.length >= 256) await flush();
      if (closed) return 0;
    }
    await flush();
  } finally {
    process.stdout.off("error", onError);
  }
  return failed > 0 && !closed ? 1 : 0;
}

export function registerBounceCommands(program: Command) {
  const bounces = program
    .command("bounces")
    .description("Bounces, delivery notifications, receipts, complaints");
  bounces
    .command("classify <files...>")
    .description(
      "Print file, recipient, reason, hard|soft and status code for each recipient of each file (a directory: every file under it; -: standard input); exit code 1 when a file could not be read",
    )
    .option("--json", "one JSON object per line instead of tab-separated columns")
    .option(
      "--mbox",
      "each file (or standard input) is an mbox: every message classified on its own, named FILE#N",
    )
    .action(async (files: string[], opts: ClassifyOptions) => {
      process.exitCode = await runClassify(files, opts);
    });
}
