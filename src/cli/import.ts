// `poststelle import contacts FILE.csv`: the CSV import of issue 3 item 3 from the command line, with a
// progress bar. It opens the runtime itself (PGlite in POSTSTELLE_DATA_DIR or DATABASE_URL), like `migrate`.
import fs from "node:fs";
import path from "node:path";
import { SingleBar } from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";
import { loadConfig } from "../config/index.js";
import { type ImportProgress, importFile, importReport, resumeImport } from "../contacts/import.js";
import { delimiterOption, type ImportMapping, onDuplicate } from "../contacts/schema.js";
import type { Row } from "../db/schema.js";
import { type Ctx, type Runtime, systemActor } from "../runtime.js";
import { openRuntime } from "../server.js";
import { AppError } from "../util/errors.js";

interface ImportContactsOptions {
  workspace: string;
  dryRun?: boolean;
  map: string[];
  delimiter?: string;
  onDuplicate: string;
}

/** Reasons printed after the run; the full report is GET /v1/imports/{id}/rows. */
const SHOWN_REASONS = 20;

function collectMap(value: string, previous: string[]): string[] {
  if (!value.includes("=")) throw new InvalidArgumentError(`--map takes column=field, got '${value}'`);
  return [...previous, value];
}

/** "Kd-Nr.=custom.kundennummer" → { "Kd-Nr.": "custom.kundennummer" }; an empty field leaves the column out. */
export function parseMapOptions(pairs: string[]): ImportMapping {
  const mapping: ImportMapping = {};
  for (const pair of pairs) {
    const at = pair.lastIndexOf("=");
    const field = pair.slice(at + 1).trim();
    mapping[pair.slice(0, at).trim()] = field === "" ? null : field;
  }
  return mapping;
}

/** The CLI's progress bar: started on the first report, then moved along. */
function progressBar() {
  const bar = new SingleBar({
    format:
      "{bar} {percentage}% | {value}/{total} rows | {created} new, {updated} updated, {skipped} skipped, {rejected} rejected | ETA {eta_formatted}",
    hideCursor: true,
  });
  let started = false;
  const onProgress = (p: ImportProgress) => {
    const payload = { created: p.created, updated: p.updated, skipped: p.skipped, rejected: p.rejected };
    if (!started) bar.start(p.total, p.processed, payload);
    started = true;
    bar.setTotal(p.total);
    bar.update(p.processed, payload);
  };
  return { bar, onProgress };
}

/** Opens the runtime, finds the workspace and runs `work` as the CLI; AppErrors become plain messages. */
async function inWorkspace(
  workspaceId: string,
  bar: SingleBar,
  work: (ctx: Ctx) => Promise<Row<"imports">>,
): Promise<void> {
  const { rt, handle } = await openRuntime(loadConfig());
  try {
    const ws = await rt.db
      .selectFrom("workspaces")
      .select("id")
      .where("id", "=", workspaceId)
      .executeTakeFirst();
    if (!ws) throw new Error(`No workspace with id '${workspaceId}'.`);
    const imp = await work({ rt, workspaceId: ws.id, actor: systemActor("cli import") });
    bar.stop();
    await printOutcome(rt, imp);
  } catch (e) {
    bar.stop();
    throw e instanceof AppError ? new Error(e.message) : e;
  } finally {
    await handle.close();
  }
}

/** The counts of a finished import and the first reasons of its rejected and skipped rows. */
async function printOutcome(rt: Runtime, imp: Row<"imports">) {
  const verb = imp.dry_run ? "would be " : "";
  console.log(
    `${imp.dry_run ? "Dry run: " : ""}${imp.processed_rows} rows: ${imp.created_count} ${verb}created, ` +
      `${imp.updated_count} ${verb}updated, ${imp.skipped_count} skipped, ${imp.rejected_count} rejected ` +
      `(import ${imp.id})`,
  );
  for (const outcome of ["rejected", "skipped"] as const) {
    const rows = await importReport(rt, imp.id, outcome, SHOWN_REASONS);
    for (const r of rows) console.log(`  ${outcome}: ${r.reason}`);
    const count = outcome === "rejected" ? imp.rejected_count : imp.skipped_count;
    if (count > rows.length)
      console.log(
        `  … and ${count - rows.length} more ${outcome} (GET /v1/imports/${imp.id}/rows?outcome=${outcome})`,
      );
  }
  if (imp.status === "failed") throw new Error(`The import failed: ${imp.error}`);
}

async function importContacts(file: string, opts: ImportContactsOptions) {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);
  const dup = onDuplicate.safeParse(opts.onDuplicate);
  if (!dup.success) throw new InvalidArgumentError("--on-duplicate must be update or skip");
  const delimiter = opts.delimiter === undefined ? undefined : delimiterOption.safeParse(opts.delimiter);
  if (delimiter && !delimiter.success) throw new InvalidArgumentError("--delimiter must be ; , tab or |");
  const { bar, onProgress } = progressBar();
  await inWorkspace(opts.workspace, bar, (ctx) =>
    importFile(
      ctx,
      {
        filePath: file,
        filename: path.basename(file),
        mapping: parseMapOptions(opts.map),
        dryRun: !!opts.dryRun,
        delimiter: delimiter?.data,
        onDuplicate: dup.data,
      },
      onProgress,
    ),
  );
}

/** `poststelle import resume ID`: goes on with an import whose process died, after its last committed row. */
async function resumeContacts(importId: string, opts: { workspace: string }) {
  const { bar, onProgress } = progressBar();
  await inWorkspace(opts.workspace, bar, (ctx) => resumeImport(ctx, importId, onProgress));
}

export function registerImportCommands(program: Command) {
  const imports = program.command("import").description("Import records from files");
  imports
    .command("contacts <file>")
    .description(
      "Import contacts from a CSV file (; , or tab; UTF-8 or Windows-1252; German or English headers)",
    )
    .requiredOption("--workspace <id>", "workspace to import into")
    .option("--dry-run", "report what would be created, updated, skipped and rejected; change nothing")
    .option(
      "--map <column=field>",
      "map a column to a field or custom.<name> (repeatable; empty field ignores it)",
      collectMap,
      [],
    )
    .option("--delimiter <char>", "field delimiter (default: detected from the header)")
    .option("--on-duplicate <what>", "update or skip contacts whose e-mail address exists", "skip")
    .action((file: string, opts: ImportContactsOptions) => importContacts(file, opts));
  imports
    .command("resume <import-id>")
    .description(
      "Resume an import whose process ended mid-file (crash, kill): it goes on after the last committed row",
    )
    .requiredOption("--workspace <id>", "workspace of the import")
    .action((importId: string, opts: { workspace: string }) => resumeContacts(importId, opts));
}
