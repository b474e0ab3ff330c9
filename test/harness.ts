// Test harness: a fresh, migrated database per call (cloned from the template built in global-setup),
// a Runtime around it, the Fastify app, and workspaces with keys of every role.
import fs from "node:fs";
import { type CompiledQuery, Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import pino from "pino";
import { inject } from "vitest";
import { type Config, loadConfig } from "../src/config/index.js";
import { type DbHandle, openDatabase } from "../src/db/index.js";
import { PGliteDialect } from "../src/db/pglite-dialect.js";
import type { DB } from "../src/db/schema.js";
import { buildApp } from "../src/http/app.js";
import { type Runtime, systemActor } from "../src/runtime.js";
import { newId } from "../src/util/ids.js";
import { bootstrap, createApiKey, createWorkspace, instanceSecret } from "../src/workspaces/service.js";
import { adminUrl, withDb } from "./db-urls.js";

export interface TestDb {
  handle: DbHandle;
  /** DATABASE_URL of this test database (PostgreSQL only), for starting worker processes against it. */
  url?: string;
  drop(): Promise<void>;
}

export async function createTestDb(): Promise<TestDb> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = `poststelle_t_${newId("x").slice(2).toLowerCase()}`;
    const admin = new pg.Client({ connectionString: adminUrl(url) });
    await admin.connect();
    await admin.query(`create database "${name}" template "${inject("pgTemplate")}"`);
    await admin.end();
    const dbUrl = withDb(url, name);
    const handle = await openDatabase({ databaseUrl: dbUrl });
    return {
      handle,
      url: dbUrl,
      async drop() {
        await handle.close();
        const a = new pg.Client({ connectionString: adminUrl(url) });
        await a.connect();
        await a.query(`drop database if exists "${name}" with (force)`);
        await a.end();
      },
    };
  }
  const dump = fs.readFileSync(inject("pgliteDump"));
  const handle = await openDatabase({ loadDataDir: new Blob([dump]) });
  return { handle, drop: () => handle.close() };
}

export interface TestEnv {
  rt: Runtime;
  db: TestDb;
  config: Config;
  app: Awaited<ReturnType<typeof buildApp>>;
  operatorKey: string;
  /** Workspace A with keys of every role, and workspace B for cross-workspace checks. */
  ws: { id: string; admin: string; editor: string; viewer: string };
  other: { id: string; admin: string };
  /** Pins the clock (tests of expiry, retention, backoff). */
  setNow(d: Date | null): void;
  close(): Promise<void>;
}

export async function createTestEnv(overrides: Partial<Config> = {}): Promise<TestEnv> {
  const db = await createTestDb();
  const config = loadConfig(
    {},
    { logLevel: "silent", bootstrapKey: "ps_op_test_operator_key_0001", ...overrides },
  );
  let pinned: Date | null = null;
  const rt: Runtime = {
    db: db.handle.db,
    dbKind: db.handle.kind,
    config,
    secret: await instanceSecret(db.handle.db),
    log: pino({ level: "silent" }),
    now: () => pinned ?? new Date(),
  };
  await bootstrap(rt);
  const app = await buildApp(rt, { logger: false });
  const actor = systemActor("test");
  const a = await createWorkspace(rt, actor, "Hundeschule Pfote");
  const b = await createWorkspace(rt, actor, "Praxis Dr. Scholz");
  const key = async (w: string, role: "admin" | "editor" | "viewer") =>
    (await createApiKey(rt, actor, w, role)).key;
  return {
    rt,
    db,
    config,
    app,
    operatorKey: "ps_op_test_operator_key_0001",
    ws: {
      id: a.id,
      admin: await key(a.id, "admin"),
      editor: await key(a.id, "editor"),
      viewer: await key(a.id, "viewer"),
    },
    other: { id: b.id, admin: await key(b.id, "admin") },
    setNow(d) {
      pinned = d;
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field in tests.
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
}

/** A small client over app.inject: api(env.app, key).post("/v1/contacts", {...}). */
export function api(app: TestEnv["app"], key?: string) {
  const call = async (
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse> => {
    const res = await app.inject({
      method: method as "GET",
      url,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined && typeof body !== "string" ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      payload: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    let parsed: unknown = res.body;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      /* not JSON */
    }
    return { status: res.statusCode, body: parsed, headers: res.headers, text: res.body };
  };
  return {
    get: (url: string, headers?: Record<string, string>) => call("GET", url, undefined, headers),
    post: (url: string, body?: unknown, headers?: Record<string, string>) =>
      call("POST", url, body ?? {}, headers),
    patch: (url: string, body?: unknown, headers?: Record<string, string>) =>
      call("PATCH", url, body ?? {}, headers),
    put: (url: string, body?: unknown, headers?: Record<string, string>) =>
      call("PUT", url, body ?? {}, headers),
    delete: (url: string, headers?: Record<string, string>) => call("DELETE", url, undefined, headers),
    raw: call,
  };
}

/** Connects the workspace to the Mailchimp contract fake (POST /v1/email-tools); returns the connection id. */
export async function connectMailchimp(
  admin: ReturnType<typeof api>,
  fake: { url: string; apiKey: string },
  name = "Mailchimp",
): Promise<string> {
  const c = await admin.post("/v1/email-tools", {
    name,
    tool: "mailchimp",
    base_url: fake.url,
    credentials: { api_key: fake.apiKey },
  });
  if (c.status !== 201) throw new Error(`connecting the Mailchimp fake failed: ${c.status} ${c.text}`);
  return c.body.id;
}

/**
 * A second Kysely over the test's database that records every statement it runs (those that failed too), so a
 * test can EXPLAIN what the code under test asked. `close()` ends its PostgreSQL pool; on PGlite there is nothing to close (destroying
 * the dialect would close the test's own database).
 */
export function recordingDb(env: TestEnv, maxConnections = 1) {
  const ran: CompiledQuery[] = [];
  const dialect = env.db.handle.pglite
    ? new PGliteDialect(env.db.handle.pglite)
    : new PostgresDialect({ pool: new pg.Pool({ connectionString: env.db.url, max: maxConnections }) });
  const db = new Kysely<DB>({
    dialect,
    log: (e) => {
      ran.push(e.query);
    },
  });
  return { db, ran, close: async () => (env.db.handle.pglite ? undefined : db.destroy()) };
}
