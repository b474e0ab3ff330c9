// A stand-in for pglite-worker.mjs that opens, then dies on the first query (as a thread that hits a fatal
// error would): pglite-thread.test.ts checks that the waiting query fails instead of hanging.
import { parentPort } from "node:worker_threads";

parentPort?.postMessage({ id: 0, ready: true });
parentPort?.on("message", () => process.exit(3));
