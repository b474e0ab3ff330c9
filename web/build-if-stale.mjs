// Builds the dashboard when web/dist is missing or older than anything under web/src (or the build's own
// config, or the server file it shares), so `npm install && npm start` stays one command. Used by `prestart` and the e2e global setup.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const webDir = path.dirname(fileURLToPath(import.meta.url));
const builtMarker = path.join(webDir, "dist", "index.html");

function newestMtime(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

export function webIsStale() {
  if (!fs.existsSync(builtMarker)) return true;
  // The words of who acted are shared with the server (src/audit/actor-words.ts).
  const inputs = ["src", "index.html", "vite.config.ts", "../src/audit/actor-words.ts"].map((f) =>
    path.join(webDir, f),
  );
  const newestInput = Math.max(...inputs.filter((f) => fs.existsSync(f)).map(newestMtime));
  return newestInput > fs.statSync(builtMarker).mtimeMs;
}

export function buildWebIfStale({ force = false } = {}) {
  if (!force && !webIsStale()) return false;
  const vite = path.join(webDir, "..", "node_modules", "vite", "bin", "vite.js");
  // NODE_ENV decides React's build and the JSX runtime together: a test runner's NODE_ENV=test must not
  // give a bundle of development JSX on React's production build.
  const r = spawnSync(process.execPath, [vite, "build", "--logLevel", "warn"], {
    cwd: webDir,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (r.status !== 0) throw new Error(`building the dashboard failed (vite exited with ${r.status})`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const built = buildWebIfStale({ force: process.argv.includes("--force") });
  if (built) console.log("dashboard built into web/dist");
}
