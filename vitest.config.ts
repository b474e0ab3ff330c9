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
  },
});
