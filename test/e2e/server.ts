// A freshly started Poststelle for the browser tests: `poststelle serve` as its own process on a random
// port, with its own data directory (PGlite) or a cloned database (DATABASE_URL), the capture transport,
// and a known operator key. stop() ends it and removes what it created.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cliArgs } from "../cli-entry.js";
import { createTestDb, type TestDb } from "../harness.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const OPERATOR_KEY = "e2e-operator-key-0123456789abcdef";

export interface E2EServer {
  url: string;
  operatorKey: string;
  stop(): Promise<void>;
}

/** Builds web/dist when it is missing or older than web/src (the same check as `npm start`). */
export function buildDashboardIfStale() {
  const r = spawnSync(process.execPath, [path.join(ROOT, "web", "build-if-stale.mjs")], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`building the dashboard failed:\n${r.stdout}\n${r.stderr}`);
}

function waitForUrl(child: ChildProcess, log: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log.join("")}`)), 150_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      log.push(text);
      const m = log.join("").match(/API at (http:\/\/[^\s,]+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (c: Buffer) => log.push(c.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log.join("")}`));
    });
  });
}

/** `env`: settings for this server on top of the test's (e.g. a known POSTSTELLE_INBOUND_PORT). */
export async function startServer(opts: { env?: Record<string, string> } = {}): Promise<E2EServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-e2e-"));
  let db: TestDb | undefined;
  if (process.env.DATABASE_URL) db = await createTestDb();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: "0",
    HOST: "127.0.0.1",
    POSTSTELLE_DATA_DIR: dataDir,
    POSTSTELLE_BOOTSTRAP_KEY: OPERATOR_KEY,
    POSTSTELLE_INBOUND_PORT: "0",
    POSTSTELLE_WORKER_POLL_MS: "100",
    LOG_LEVEL: "warn",
    DATABASE_URL: db?.url ?? "",
    ...opts.env,
  };
  const child = spawn(process.execPath, [...cliArgs(), "serve"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log: string[] = [];
  const url = await waitForUrl(child, log).catch(async (e) => {
    child.kill("SIGKILL");
    await db?.drop();
    throw e;
  });
  return {
    url,
    operatorKey: OPERATOR_KEY,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await db?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A JSON call to the server's API (test setup: workspaces, users, messages). */
export async function call<T = Record<string, unknown>>(
  server: E2EServer,
  key: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(server.url + url, {
    method,
    headers: {
      Authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}
