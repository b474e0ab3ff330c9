#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx poststelle …` works from a checkout without a build step.
// `bounces classify` runs from a bundle of the classifier instead, without loading the rest (classify.js).
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { classifyFast } from "./classify.js";

const args = process.argv.slice(2);
const fast = args[0] === "bounces" && args[1] === "classify" ? await classifyFast(args.slice(2)) : undefined;
if (fast !== undefined) {
  process.exitCode = fast;
} else {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], {
    stdio: "inherit",
  });
  process.exit(r.status ?? 1);
}
