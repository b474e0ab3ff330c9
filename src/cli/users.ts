// `poststelle users create`: a workspace's first admin (or any user) from the command line. The password
// comes from stdin with --password-stdin (never from an argument, which `ps` and shell history would show),
// or is generated and printed once.
import { type Command, InvalidArgumentError } from "commander";
import { loadConfig } from "../config/index.js";
import { systemActor } from "../runtime.js";
import { openRuntime } from "../server.js";
import { createUserBody } from "../users/schema.js";
import { createUser } from "../users/service.js";

interface CreateUserOptions {
  workspace: string;
  email: string;
  role: string;
  name?: string;
  language?: string;
  passwordStdin?: boolean;
}

/** The first line of stdin, without its line end. */
async function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) {
    text += chunk.toString();
    if (text.includes("\n")) break;
  }
  return text.split(/\r?\n/)[0];
}

/** The validated request, as POST /v1/users would take it. */
export function userInput(opts: CreateUserOptions, password: string | undefined) {
  const r = createUserBody.safeParse({
    email: opts.email,
    role: opts.role,
    ...(opts.name ? { name: opts.name } : {}),
    ...(opts.language ? { language: opts.language } : {}),
    ...(password !== undefined ? { password } : {}),
  });
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ");
    throw new InvalidArgumentError(why.replace(/^email:/, "--email:").replace(/^role:/, "--role:"));
  }
  return r.data;
}

export function registerUserCommands(program: Command) {
  program
    .command("users")
    .description("Manage the users who log in to the dashboard")
    .command("create")
    .description(
      "Create a user (e.g. the workspace's first admin) and print its id, and the password if generated",
    )
    .requiredOption("--workspace <id>", "workspace id")
    .requiredOption("--email <address>", "e-mail address to log in with")
    .requiredOption("--role <role>", "admin, editor or viewer")
    .option("--name <name>", "the user's name")
    .option("--language <lang>", "de (default) or en")
    .option("--password-stdin", "read the password from the first line of stdin instead of generating one")
    .action(async (opts: CreateUserOptions) => {
      const password = opts.passwordStdin ? await readFirstLine(process.stdin) : undefined;
      const input = userInput(opts, password);
      const { rt, handle } = await openRuntime(loadConfig());
      try {
        const u = await createUser(rt, systemActor("cli"), opts.workspace, input);
        console.log(`User ${u.id} (${u.email}, ${u.role}) created in workspace ${u.workspace_id}.`);
        if ("password" in u) console.log(`Password (shown once, store it now):\n  ${u.password}`);
      } finally {
        await handle.close();
      }
    });
}
