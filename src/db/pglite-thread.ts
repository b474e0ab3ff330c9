// PGlite in a worker thread owned by this process (its program: pglite-worker-source.ts). On the embedded default one
// thread used to run the HTTP API, MIME building, SMTP sockets and PostgreSQL-in-WASM; with the database in
// its own thread the second core executes the queries. Values cross by structured clone, which keeps every
// type the schema returns as PGlite gives it (Date, Uint8Array for bytea, bigint/number, parsed json, null).
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { PGLITE_WORKER_SOURCE } from "./pglite-worker-source.js";

export interface EngineResult<R> {
  rows: R[];
  affectedRows?: number;
}

/** What the Kysely dialect needs of the engine: one connection's worth of statements, in order. */
export interface PGliteEngine {
  query<R>(sql: string, params: readonly unknown[]): Promise<EngineResult<R>>;
  /** Several statements in one string (a migration file): the simple query protocol; the last rows. */
  exec<R>(sql: string): Promise<EngineResult<R>>;
  close(): Promise<void>;
}

export interface PGliteThreadOptions {
  /** The data directory; none: in memory. */
  dataDir?: string;
  /** A tar made by dumpDataDir, loaded instead of a data directory (tests clone a migrated database). */
  loadDataDir?: Blob | Uint8Array;
  /** The thread's program (CommonJS source); tests start a stand-in that dies. */
  workerSource?: string;
}

interface Pending {
  resolve(v: Reply): void;
  reject(e: Error): void;
}

interface Reply {
  id: number;
  rows?: unknown[];
  affectedRows?: number;
  tar?: ArrayBuffer;
  /** The columns holding json/jsonb text, which this side parses. */
  json?: string[];
  ready?: boolean;
  error?: Record<string, unknown> & { message: string };
}

/** PostgreSQL's error as the worker sent it, rebuilt with every field callers read (code, constraint,
 * detail, …) and a stack from this side, where the query was made. */
function rebuildError(fields: Reply["error"] & object): Error {
  const e = new Error(fields.message);
  Object.assign(e, fields);
  return e;
}

/** json/jsonb values as PGlite would have given them: parsed (the thread sends them as text). */
function parseJsonColumns(rows: Record<string, unknown>[], names: string[]) {
  for (const row of rows) {
    for (const name of names) {
      const v = row[name];
      if (typeof v === "string") row[name] = JSON.parse(v);
    }
  }
}

// The compiled WASM modules, shared by every database this process opens: each thread would otherwise
// compile PostgreSQL again (PGlite caches them per thread), which is most of the cost of opening one.
let modules:
  | Promise<{ pgliteWasmModule: WebAssembly.Module; initdbWasmModule: WebAssembly.Module }>
  | undefined;
/** PGlite's entry point as this module resolves it; the thread loads PGlite from there. */
const pgliteEntry = createRequire(import.meta.url).resolve("@electric-sql/pglite");

function compiledModules() {
  modules ??= (async () => {
    const dist = path.dirname(pgliteEntry);
    const [pglite, initdb] = await Promise.all(
      ["pglite.wasm", "initdb.wasm"].map(async (f) =>
        WebAssembly.compile(await fs.promises.readFile(path.join(dist, f))),
      ),
    );
    return { pgliteWasmModule: pglite, initdbWasmModule: initdb };
  })();
  return modules;
}

/** The parent's Node flags a database thread keeps: profiling and memory limits, not loaders. The thread
 * runs plain JavaScript, and tsx's loader (inherited by default under `tsx`, npm start and the benchmarks)
 * would start a hooks thread and resolve every import of PGlite through it, adding seconds to each open. */
function threadExecArgv(): string[] {
  return process.execArgv.filter((a) =>
    /^--(cpu-prof|heap-prof|max-old-space-size|stack-size|expose-gc)/.test(a),
  );
}

export class PGliteThread implements PGliteEngine {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the thread is gone: every later call fails with it at once. */
  private dead: Error | null = null;
  /** Closing: the thread stays referenced until it has ended, so the caller's await is kept. */
  private closing = false;

  private constructor(private readonly worker: Worker) {
    worker.on("message", (m: Reply) => this.settle(m));
    worker.on("error", (err) => this.fail(`PGlite's thread failed: ${err.message}`));
    worker.on("exit", (code) => this.fail(`PGlite's thread ended (exit code ${code})`));
    worker.on("messageerror", (err) => this.fail(`a message from PGlite's thread could not be read: ${err}`));
  }

  static async open(opts: PGliteThreadOptions): Promise<PGliteThread> {
    // Bytes are copied to the thread as they are (one memcpy); a Blob is read first (Node reads a 43 MB Blob
    // in ~0.2 s, a cost the test harness avoids by passing the file's bytes) and its buffer handed over.
    const blob = opts.loadDataDir instanceof Blob ? await opts.loadDataDir.arrayBuffer() : undefined;
    const loadDataDir = blob ?? opts.loadDataDir;
    const worker = new Worker(opts.workerSource ?? PGLITE_WORKER_SOURCE, {
      eval: true,
      execArgv: threadExecArgv(),
      workerData: { pglite: pgliteEntry, dataDir: opts.dataDir, loadDataDir, ...(await compiledModules()) },
      transferList: blob ? [blob] : [],
    });
    const thread = new PGliteThread(worker);
    // The opening answers as message 0; until it does, the thread keeps the process alive.
    await thread.request(0, undefined);
    return thread;
  }

  query<R>(sql: string, params: readonly unknown[]): Promise<EngineResult<R>> {
    return this.call({ sql, params }) as Promise<EngineResult<R>>;
  }

  exec<R>(sql: string): Promise<EngineResult<R>> {
    return this.call({ sql, exec: true }) as Promise<EngineResult<R>>;
  }

  /** The data directory as an uncompressed tar (test/global-setup.ts clones the migrated template from it). */
  async dumpDataDir(): Promise<Uint8Array> {
    const r = await this.call({ op: "dump" });
    return new Uint8Array(r.tar!);
  }

  /** PGlite closes (a checkpoint: the data directory reopens cleanly) and the thread ends. */
  async close(): Promise<void> {
    if (this.dead) return;
    const exited = new Promise<void>((r) => this.worker.once("exit", () => r()));
    this.closing = true;
    await this.call({ op: "close" });
    await exited;
  }

  private call(body: Record<string, unknown>): Promise<Reply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    const answered = this.request(id, body);
    return answered;
  }

  private request(id: number, body: Record<string, unknown> | undefined): Promise<Reply> {
    // A thread with nothing asked of it must not keep the process alive (a CLI that forgot close() still
    // exits); while an answer is awaited it must, or a short-lived process could end mid-query.
    if (this.pending.size === 0) this.worker.ref();
    const p = new Promise<Reply>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    if (body) this.worker.postMessage({ id, ...body });
    return p;
  }

  private settle(m: Reply) {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0 && !this.closing) this.worker.unref();
    if (m.error) return p.reject(rebuildError(m.error));
    if (m.json && m.rows) parseJsonColumns(m.rows as Record<string, unknown>[], m.json);
    p.resolve(m);
  }

  private fail(why: string) {
    this.dead ??= new Error(`${why}; the embedded database is unavailable`);
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
    this.worker.unref();
  }
}
