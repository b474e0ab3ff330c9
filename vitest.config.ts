import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Peer tests and fault injection start real processes; two cores, so keep the fan-out small.
    maxWorkers: 2,
    fileParallelism: true,
    // A worker runs its files one after another in one process and keeps the modules it loaded: every file
    // opens its own database (harness.ts) and stops what it started, so nothing else carries over, and the
    // app's few hundred modules are not loaded again per file (16 files at load 16: 134 → 88 s of CPU,
    // import 171 → 45 s).
    isolate: false,
  },
});
