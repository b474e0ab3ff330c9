// A PostgreSQL database for one benchmark run: a fresh database on the server given (--pg-url or
// DATABASE_URL), or on a temporary cluster started with scripts/pg-temp.sh (the one CI uses) and
// stopped afterwards. Durability stays on: figures are measured as a deployment would run.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { progress } from "./report.js";

const pgTemp = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "scripts", "pg-temp.sh");

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function adminQuery(serverUrl: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: withDb(serverUrl, "postgres") });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

function startTemporaryCluster(): { url: string; stop(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-bench-pg-"));
  progress(`no PostgreSQL given (--pg-url or DATABASE_URL): starting a temporary cluster in ${dir}`);
  const url = execFileSync("bash", [pgTemp, "start", dir], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  })
    .trim()
    .split("\n")
    .pop()!;
  return {
    url,
    stop() {
      execFileSync("bash", [pgTemp, "stop", dir], { stdio: ["ignore", "ignore", "inherit"] });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function benchDatabase(serverUrl?: string): Promise<BenchDatabase> {
  const cluster = serverUrl ? null : startTemporaryCluster();
  const server = serverUrl ?? cluster!.url;
  const name = `poststelle_bench_${process.pid}_${Date.now()}`;
  try {
    await adminQuery(server, `create database "${name}"`);
  } catch (err) {
    cluster?.stop();
    throw err;
  }
  return {
    url: withDb(server, name),
    async drop() {
      try {
        await adminQuery(server, `drop database if exists "${name}" with (force)`);
      } finally {
        cluster?.stop();
      }
    },
  };
}
