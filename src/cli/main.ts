// The `poststelle` command (DESIGN §3.13). Every subcommand calls services; none holds logic of its own.
import { Command, InvalidArgumentError } from "commander";
import { loadConfig, serveRoles } from "../config/index.js";
import { systemActor } from "../runtime.js";
import { openRuntime, serve } from "../server.js";
import { createApiKey, createWorkspace } from "../workspaces/service.js";
import { registerCommands } from "./commands.js";

const program = new Command();
program.name("poststelle").description("Self-hosted mailing and delivery-truth hub").showHelpAfterError();

program
  .command("serve")
  .description("Run Poststelle: the HTTP API, the workers, or both")
  .option("--role <role>", `one of ${serveRoles.join(", ")}`, "all")
  .option("--port <port>", "HTTP port (default: PORT or 8025)")
  .action(async (opts: { role: string; port?: string }) => {
    if (!(serveRoles as readonly string[]).includes(opts.role)) {
      throw new InvalidArgumentError(`--role must be one of ${serveRoles.join(", ")}`);
    }
    const config = loadConfig(process.env, opts.port ? { port: Number(opts.port) } : {});
    const s = await serve(config, opts.role as (typeof serveRoles)[number]);
    const where = config.databaseUrl ? "PostgreSQL" : `PGlite in ${config.dataDir}`;
    console.log(`Poststelle (${opts.role}) on ${where}${s.url ? `, API at ${s.url}` : ""}`);
    if (s.operatorKey) {
      console.log(`\nOperator key (shown once, store it now):\n  ${s.operatorKey}\n`);
    }
    const shutdown = async () => {
      await s.stop();
      process.exit(0);
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  });

program
  .command("migrate")
  .description("Create or update the database schema and exit")
  .action(async () => {
    const { handle } = await openRuntime(loadConfig());
    await handle.close();
    console.log("Database is up to date.");
  });

const ws = program.command("workspaces").description("Manage workspaces");
ws.command("create <name>")
  .description("Create a workspace and print its id")
  .action(async (name: string) => {
    const { rt, handle } = await openRuntime(loadConfig());
    const w = await createWorkspace(rt, systemActor("cli"), name);
    await handle.close();
    console.log(w.id);
  });

program
  .command("keys")
  .description("Manage API keys")
  .command("create")
  .requiredOption("--workspace <id>", "workspace id")
  .requiredOption("--role <role>", "admin, editor or viewer")
  .option("--name <name>", "a label for the key")
  .action(async (opts: { workspace: string; role: string; name?: string }) => {
    if (!["admin", "editor", "viewer"].includes(opts.role))
      throw new InvalidArgumentError("--role must be admin, editor or viewer");
    const { rt, handle } = await openRuntime(loadConfig());
    const k = await createApiKey(rt, systemActor("cli"), opts.workspace, opts.role as "admin", opts.name);
    await handle.close();
    console.log(k.key);
  });

registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
