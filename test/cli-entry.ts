// The real command-line entry (src/cli/main.ts) for tests that start it as a child process.
//
// Started as `node --import tsx src/cli/main.ts`, every child compiles and loads the app's few hundred modules
// through tsx's loader hooks again: about five seconds of CPU each, ten to fifteen seconds of wall time on CI's
// two busy cores, and the suite starts some twenty such children. So the suite's global setup bundles the entry
// once (bundleCli in global-setup.ts) and the children run the bundle with plain node; without esbuild they run
// under tsx as before.
import { type SpawnSyncOptions, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The node arguments that start the CLI (before its own arguments); run with `cwd: ROOT`. */
export function cliArgs(): string[] {
  const bundled = inject("cliBundle");
  return bundled ? [bundled] : ["--import", "tsx", "src/cli/main.ts"];
}

/** Runs `poststelle ARGS…` to its end in the repository's directory, as a user's shell would. */
export function runCli(args: string[], opts: SpawnSyncOptions = {}) {
  return spawnSync(process.execPath, [...cliArgs(), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    ...opts,
  }) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };
}
