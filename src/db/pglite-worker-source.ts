// The embedded database's own thread: PGlite (PostgreSQL in WASM) runs there, so its query execution and its
// JavaScript protocol layer (encoding parameters, decoding every field of every row) use the second core
// while the main thread serves the API, builds MIME and talks SMTP. pglite-thread.ts starts the thread and
// speaks to it by messages; the Kysely dialect on the main side is unchanged.
//
// Why the thread's program is a string here rather than a file beside this one: a Worker started from a
// file needs that file's path at run time, and this module runs under tsx (npm start, the benchmarks,
// bin/poststelle.js), under Vitest, and bundled elsewhere by esbuild (test/fault bundles its worker process,
// and the bundle's import.meta.url no longer points into src/db/). A string travels with the module in all
// of them, needs no TypeScript loader in the thread (Node runs it as plain CommonJS: `eval: true`) and
// loads PGlite by the absolute path the main side resolved. pglite-thread.test.ts runs every path of it.
//
// Messages in:  { id, sql, params }            → { id, rows, affectedRows, json? }
//               { id, sql, exec: true }        → { id, rows, json? }  (several statements; the last rows)
//               { id, op: "dump" }             → { id, tar }   (an ArrayBuffer, transferred)
//               { id, op: "close" }            → { id }        and the thread ends
// json and jsonb values stay text here and the answer names their columns ({ …, json: [names] }): the main
// side parses them, as PGlite did there before. A json_agg document (a sync chunk: 5,000 members) then
// crosses as one string instead of being parsed here and its many small objects cloned field by field.
// A failure answers { id, error } with every own field of PostgreSQL's error (code, constraint, detail, …):
// structured clone keeps an Error's message but drops those fields, which callers read.
// workerData: { pglite (the package's resolved path), dataDir?, loadDataDir? (ArrayBuffer),
//               pgliteWasmModule?, initdbWasmModule? (compiled once per process) }.
export const PGLITE_WORKER_SOURCE = String.raw`
"use strict";
const { parentPort: port, workerData: data } = require("node:worker_threads");

function errorFields(err) {
  if (!(err instanceof Error)) return { message: String(err) };
  const out = { message: err.message, name: err.name };
  for (const [k, v] of Object.entries(err)) {
    if (v !== undefined && typeof v !== "function") out[k] = v;
  }
  return out;
}

const JSON_TYPES = new Set([114, 3802]);
const asText = (v) => v;

/** The names of a result's json/jsonb columns, or undefined when it has none. */
function jsonColumns(fields) {
  let names;
  for (const f of fields) if (JSON_TYPES.has(f.dataTypeID)) (names ??= []).push(f.name);
  return names;
}

function open() {
  const { PGlite } = require(data.pglite);
  const options = {
    pgliteWasmModule: data.pgliteWasmModule,
    initdbWasmModule: data.initdbWasmModule,
    parsers: { 114: asText, 3802: asText },
  };
  if (data.loadDataDir) return new PGlite({ ...options, loadDataDir: new Blob([data.loadDataDir]) });
  return new PGlite({ ...options, dataDir: data.dataDir });
}

async function answer(pg, m) {
  if (m.op === "dump") {
    const tar = await (await pg.dumpDataDir("none")).arrayBuffer();
    port.postMessage({ id: m.id, tar }, [tar]);
  } else if (m.op === "close") {
    await pg.close();
    port.postMessage({ id: m.id });
    port.close();
  } else if (m.exec) {
    const last = (await pg.exec(m.sql)).at(-1);
    port.postMessage({ id: m.id, rows: last ? last.rows : [], json: last && jsonColumns(last.fields) });
  } else {
    const res = await pg.query(m.sql, m.params);
    const json = jsonColumns(res.fields);
    port.postMessage({ id: m.id, rows: res.rows, affectedRows: res.affectedRows, json });
  }
}

(async () => {
  try {
    const pg = open();
    await pg.waitReady;
    port.on("message", (m) => {
      answer(pg, m).catch((err) => port.postMessage({ id: m.id, error: errorFields(err) }));
    });
    port.postMessage({ id: 0, ready: true });
  } catch (err) {
    port.postMessage({ id: 0, error: errorFields(err) });
    port.close();
  }
})();
`;
