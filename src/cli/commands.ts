// Subcommands of the domains (import, send, bounces, sync, …), each in its own file, registered here.
import type { Command } from "commander";

export function registerCommands(_program: Command) {}
