// Bundling a program for the tests that start it as a child process (test/global-setup.ts: the CLI;
// test/fault/no-double-send.test.ts: its worker process).
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** A program (the CLI entry, a test's worker process) as one esbuild bundle into `out`, so that a child process
 * starts it with plain node instead of tsx compiling every module again (cli-entry.ts says what that costs);
 * false when esbuild is missing or the build fails, and the caller runs the program under tsx.
 * Packages stay external, resolved from node_modules as in production. Each module keeps its own
 * `import.meta.url` (its source file's URL), so that paths resolved from it — the migrations, the built
 * dashboard, a worker thread's program — are exactly those of a tsx run. */
export async function bundleEntry(entry: string, out: string): Promise<boolean> {
  try {
    const { build } = await import("esbuild");
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      outfile: out,
      logLevel: "warning",
      plugins: [
        {
          name: "own-import-meta",
          setup(b) {
            b.onLoad({ filter: /\.ts$/ }, async (args) => {
              const source = await fs.promises.readFile(args.path, "utf8");
              const contents = source
                .replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href))
                .replaceAll("import.meta.dirname", JSON.stringify(path.dirname(args.path)))
                .replaceAll("import.meta.filename", JSON.stringify(args.path));
              return { contents, loader: "ts" };
            });
          },
        },
      ],
    });
    return true;
  } catch (e) {
    console.warn(`bundling ${entry} failed, its child processes run under tsx: ${(e as Error).message}`);
    return false;
  }
}
