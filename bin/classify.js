// `poststelle bounces classify` without the rest of the CLI. Started through tsx, the command loads and compiles
// the whole application (the HTTP server, both database drivers, the workers) before it reads its first file:
// ~1.2 s on this machine, where Debian's sisimai classifies a single file in 0.04 s. A program that classifies
// one bounce at a time (a mail filter, a script over a mailbox) pays that on every call. So the classifier
// (src/cli/bounces.ts and the modules it imports, no packages) is bundled once by esbuild into node_modules/.cache
// and imported from there with plain node: ~0.1 s for one file. The bundle is made again when any of its
// source files changed (their sizes and modification times are kept beside it). Without esbuild, or without a
// writable cache, the caller runs the full CLI as before.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ENTRY = "src/cli/bounces.ts";

/** The command's own arguments (after `bounces classify`: files, --json, --mbox) as runClassify takes them, or
 * undefined for anything the full CLI must answer: help, an unknown option, no file. */
export function classifyArguments(args) {
  const files = [];
  const opts = {};
  let operands = false;
  for (const a of args) {
    if (operands || !a.startsWith("-") || a === "-") files.push(a);
    else if (a === "--") operands = true;
    else if (a === "--json") opts.json = true;
    else if (a === "--mbox") opts.mbox = true;
    else return undefined;
  }
  return files.length ? { files, opts } : undefined;
}

/** Whether the bundle's manifest still describes its sources: every input of the build with the same size and
 * modification time. */
export function isFresh(manifest, root = ROOT) {
  if (!manifest || manifest.root !== root || typeof manifest.inputs !== "object" || manifest.inputs === null)
    return false;
  const inputs = Object.entries(manifest.inputs);
  if (inputs.length === 0) return false;
  for (const [file, [size, mtime]] of inputs) {
    let st;
    try {
      st = fs.statSync(path.join(root, file));
    } catch {
      return false;
    }
    if (st.size !== size || st.mtimeMs !== mtime) return false;
  }
  return true;
}

function readManifest(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** Builds the bundle and its manifest under `dir`; each is written beside itself and renamed into place, so a
 * process reading them meanwhile sees either the old pair or the new bundle. */
async function build(dir, bundle, manifestFile) {
  const { build: esbuild } = await import("esbuild");
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${bundle}.${process.pid}.tmp`;
  const result = await esbuild({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outfile: tmp,
    metafile: true,
    logLevel: "silent",
  });
  const inputs = {};
  for (const file of Object.keys(result.metafile.inputs)) {
    const st = fs.statSync(path.join(ROOT, file));
    inputs[file] = [st.size, st.mtimeMs];
  }
  fs.renameSync(tmp, bundle);
  const tmpManifest = `${manifestFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmpManifest, JSON.stringify({ root: ROOT, entry: ENTRY, inputs }));
  fs.renameSync(tmpManifest, manifestFile);
}

/** Runs `bounces classify ARGS…` from the bundle and answers its exit code; undefined when the full CLI must
 * run it instead (see classifyArguments, and the file's head). */
export async function classifyFast(args) {
  const parsed = classifyArguments(args);
  if (!parsed) return undefined;
  const dir = path.join(ROOT, "node_modules", ".cache", "poststelle");
  const bundle = path.join(dir, "bounces.mjs");
  const manifestFile = path.join(dir, "bounces.json");
  const load = async () =>
    (await import(`${pathToFileURL(bundle).href}?${fs.statSync(bundle).mtimeMs}`)).runClassify;
  let runClassify;
  try {
    if (!isFresh(readManifest(manifestFile))) await build(dir, bundle, manifestFile);
    runClassify = await load();
  } catch {
    // A bundle removed or damaged behind its manifest's back (a cache cleaned, a disk full) is made again once.
    try {
      await build(dir, bundle, manifestFile);
      runClassify = await load();
    } catch {
      return undefined;
    }
  }
  return runClassify(parsed.files, parsed.opts);
}
