// Runs once before the suite: builds a migrated template database that every test file clones.
// PGlite: a dumped data directory (initdb takes seconds; loading a dump about one). PostgreSQL
// (DATABASE_URL set): a template database that CREATE DATABASE … TEMPLATE copies.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { migrate, openDatabase } from "../src/db/index.js";
import { bundleEntry } from "./bundle.js";
import { adminUrl, TEMPLATE_DB, withDb } from "./db-urls.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export default async function setup(project: TestProject) {
  // Inside node_modules so that the bundle's external packages resolve; one file per run, because worktrees
  // of one repository share node_modules (a symlink) and two runs must not start each other's code.
  const cli = path.join(ROOT, "node_modules", ".cache", "poststelle-cli", `main-${process.pid}.mjs`);
  project.provide("cliBundle", (await bundleEntry(path.join(ROOT, "src/cli/main.ts"), cli)) ? cli : "");
  const removeCli = () => fs.rmSync(cli, { force: true });
  const url = process.env.DATABASE_URL;
  if (url) {
    const admin = new pg.Client({ connectionString: adminUrl(url) });
    await admin.connect();
    // Only this run's template: other runs may share the server at the same time.
    await admin.query(`drop database if exists "${TEMPLATE_DB}" with (force)`);
    await admin.query(`create database "${TEMPLATE_DB}"`);
    await admin.end();
    const h = await openDatabase({ databaseUrl: withDb(url, TEMPLATE_DB), poolSize: 1 });
    await migrate(h.db);
    await h.close();
    project.provide("pgTemplate", TEMPLATE_DB);
    project.provide("pgliteDump", "");
    return async () => {
      const a = new pg.Client({ connectionString: adminUrl(url) });
      await a.connect();
      await a.query(`drop database if exists "${TEMPLATE_DB}" with (force)`);
      await a.end();
      removeCli();
    };
  }
  const h = await openDatabase({});
  await migrate(h.db);
  const dump = await h.pglite!.dumpDataDir("none");
  const dumpPath = path.join(os.tmpdir(), `poststelle-template-${process.pid}.tar`);
  fs.writeFileSync(dumpPath, Buffer.from(await dump.arrayBuffer()));
  await h.close();
  project.provide("pgTemplate", "");
  project.provide("pgliteDump", dumpPath);
  return () => {
    fs.rmSync(dumpPath, { force: true });
    removeCli();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    pgTemplate: string;
    pgliteDump: string;
    /** The bundled CLI entry ("" when esbuild was missing: children run under tsx). */
    cliBundle: string;
  }
}
