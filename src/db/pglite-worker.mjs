// The embedded database's own thread: PGlite (PostgreSQL in WASM) runs here, so its query execution and its
// JavaScript protocol layer (encoding parameters, decoding every field of every row) use the second core
// while the main thread serves the API, builds MIME and talks SMTP. src/db/pglite-thread.ts owns this
// thread and speaks to it by messages; the Kysely dialect on the main side is unchanged.
//
// Plain JavaScript (ESM with JSDoc types) on purpose: a Worker runs its file with Node's own loader, and
// this file is started alike under `tsx` (npm start, the benchmarks), under Vitest's forks and from
// bin/poststelle.js. A TypeScript worker would need tsx's loader registered in the thread, which depends on
// how the parent was started; a .mjs needs nothing but the package it imports.
//
// Messages in:  { id, sql, params }            → { id, rows, affectedRows }
//               { id, sql, exec: true }        → { id, rows }  (several statements, simple protocol; last rows)
//               { id, op: "dump" }             → { id, tar }   (an ArrayBuffer, transferred)
//               { id, op: "close" }            → { id }        and the thread ends
// A failure answers { id, error } with every own field of PostgreSQL's error (code, constraint, detail, …).
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

/** @typedef {{ dataDir?: string, loadDataDir?: ArrayBuffer, pgliteWasmModule?: WebAssembly.Module, initdbWasmModule?: WebAssembly.Module }} OpenData */
/** @typedef {{ id: number, sql?: string, params?: unknown[], exec?: boolean, op?: "dump" | "close" }} Request */

const port = parentPort;
if (!port) throw new Error("pglite-worker.mjs runs as a worker thread (src/db/pglite-thread.ts starts it)");

/** @type {OpenData} */
const data = workerData;

/** The fields of an error that can cross the thread boundary (structured clone keeps an Error's message
 * and stack but drops PostgreSQL's fields, which callers read: code 23505, constraint, detail, …). */
function errorFields(/** @type {unknown} */ err) {
  if (!(err instanceof Error)) return { message: String(err) };
  /** @type {Record<string, unknown>} */
  const out = { message: err.message, name: err.name };
  for (const [k, v] of Object.entries(err)) {
    if (v === undefined || typeof v === "function") continue;
    out[k] = v;
  }
  return out;
}

async function open() {
  const options = {
    pgliteWasmModule: data.pgliteWasmModule,
    initdbWasmModule: data.initdbWasmModule,
  };
  if (data.loadDataDir) return new PGlite({ ...options, loadDataDir: new Blob([data.loadDataDir]) });
  return new PGlite({ ...options, dataDir: data.dataDir });
}

/** @param {PGlite} pg @param {Request} m */
async function answer(pg, m) {
  if (m.op === "dump") {
    const tar = await (await pg.dumpDataDir("none")).arrayBuffer();
    port.postMessage({ id: m.id, tar }, [tar]);
    return;
  }
  if (m.op === "close") {
    await pg.close();
    port.postMessage({ id: m.id });
    port.close();
    return;
  }
  if (m.exec) {
    const all = await pg.exec(/** @type {string} */ (m.sql));
    port.postMessage({ id: m.id, rows: all[all.length - 1]?.rows ?? [] });
    return;
  }
  const res = await pg.query(/** @type {string} */ (m.sql), m.params);
  port.postMessage({ id: m.id, rows: res.rows, affectedRows: res.affectedRows });
}

try {
  const pg = await open();
  await pg.waitReady;
  port.on("message", (/** @type {Request} */ m) => {
    answer(pg, m).catch((err) => port.postMessage({ id: m.id, error: errorFields(err) }));
  });
  port.postMessage({ id: 0, ready: true });
} catch (err) {
  port.postMessage({ id: 0, error: errorFields(err) });
  port.close();
}
