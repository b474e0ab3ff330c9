// Issue 3's import benchmark: a generated 100,000-row contacts CSV as Excel writes it in a German locale
// (BOM, ";", CRLF, umlauts; a few invalid addresses and duplicates among them) imported into an empty
// workspace through the same path as `poststelle import contacts`, on PGlite in a fresh data directory and on
// a fresh PostgreSQL database. Goal (issue 3): under 60 s on PGlite, with memory that does not grow with the
// file (compare peak_rss_mb with rss_before_mb).

import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../src/config/index.js";
import { importFile } from "../src/contacts/import.js";
import { systemActor } from "../src/runtime.js";
import { openRuntime } from "../src/server.js";
import { createWorkspace } from "../src/workspaces/service.js";
import { benchDatabase } from "./lib/postgres.js";
import { type BenchDb, type BenchOptions, type BenchResult, progress } from "./lib/report.js";
import { sampleRss } from "./lib/rss.js";

export const description = "100,000-row German Excel CSV imported into contacts (rows/s; goal under 60 s)";

const GOAL_SECONDS = 60;
const firstNames = ["Jürgen", "Anna", "Özlem", "Björn", "Marie", "Lukas", "Sophie", "Jörg", "Zoë", "Paul"];
const lastNames = ["Müller", "Schmidt", "Weiß", "Bäcker", "Groß", "Köhler", "Yılmaz", "Hoffmann", "Schäfer"];
const cities = [
  ["10115", "Berlin"],
  ["80331", "München"],
  ["50667", "Köln"],
  ["70173", "Stuttgart"],
];

/** Row i of the file: every 997th address is invalid, every 499th repeats an earlier row's address. */
function row(i: number): string {
  const first = firstNames[i % firstNames.length];
  const last = lastNames[(i * 7) % lastNames.length];
  const [plz, city] = cities[i % cities.length];
  const n = i % 499 === 0 && i > 0 ? i - 17 : i;
  const email = i % 997 === 0 ? `kunde${i}@` : `Kunde.${n}@Beispiel-${n % 50}.de`;
  const salutation = i % 3 === 0 ? "Frau" : i % 3 === 1 ? "Herr" : "";
  const title = i % 11 === 0 ? "Dr." : "";
  const street = `"Hauptstraße ${i % 200}; Hinterhaus"`;
  return [
    salutation,
    title,
    first,
    last,
    email,
    street,
    plz,
    city,
    "Deutschland",
    `0711 ${100000 + i}`,
    `K-${i}`,
  ].join(";");
}

async function writeCsv(file: string, rows: number): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write("\uFEFFAnrede;Titel;Vorname;Nachname;E-Mail;Straße;PLZ;Ort;Land;Telefon;Kundennummer\r\n");
  for (let i = 0; i < rows; i++) {
    if (!out.write(`${row(i)}\r\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

async function runOn(
  db: BenchDb,
  csv: string,
  rows: number,
  pgUrl: string | undefined,
): Promise<BenchResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-bench-import-"));
  const database = db === "postgres" ? await benchDatabase(pgUrl) : null;
  try {
    const config = loadConfig(process.env, { dataDir, databaseUrl: database?.url, logLevel: "warn" });
    const { rt, handle } = await openRuntime(config);
    try {
      const ws = await createWorkspace(rt, systemActor("bench"), "Import-Benchmark");
      const ctx = { rt, workspaceId: ws.id, actor: systemActor("bench") };
      const rssBefore = process.memoryUsage().rss / (1024 * 1024);
      const rss = sampleRss();
      progress(`${db}: importing ${rows} rows`);
      let reported = 0;
      const t0 = performance.now();
      const imp = await importFile(
        ctx,
        { filePath: csv, filename: path.basename(csv), dryRun: false, onDuplicate: "skip", mapping: {} },
        (p) => {
          if (p.processed - reported >= 20_000) {
            reported = p.processed;
            progress(
              `${db}:   ${p.processed} of ${p.total} rows, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
            );
          }
        },
      );
      const seconds = (performance.now() - t0) / 1000;
      const peak = rss.stop();
      if (imp.status !== "completed") throw new Error(`the import ended ${imp.status}: ${imp.error}`);
      return {
        bench: "import",
        db,
        rate: imp.processed_rows / seconds,
        seconds,
        peak_rss_mb: peak,
        rss_before_mb: rssBefore,
        rows: imp.processed_rows,
        created: imp.created_count,
        skipped: imp.skipped_count,
        rejected: imp.rejected_count,
        goal_met: db === "pglite" ? seconds < GOAL_SECONDS : null,
      };
    } finally {
      await handle.close();
    }
  } finally {
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const rows = Number(opts.args.rows ?? 100_000);
  if (!Number.isInteger(rows) || rows < 1) throw new Error("--rows must be a positive whole number");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-bench-csv-"));
  try {
    const csv = path.join(dir, "kontakte.csv");
    await writeCsv(csv, rows);
    progress(`generated ${csv}: ${rows} rows, ${(fs.statSync(csv).size / 1024 / 1024).toFixed(1)} MB`);
    const results: BenchResult[] = [];
    for (const db of opts.db) results.push(await runOn(db, csv, rows, opts.pgUrl));
    return results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
