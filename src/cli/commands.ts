// Subcommands of the domains (import, send, bounces, sync, …), each in its own file, registered here.
import type { Command } from "commander";
import { registerBounceCommands } from "./bounces.js";
import { registerCampaignCommands } from "./campaign.js";
import { registerImportCommands } from "./import.js";
import { registerSyncCommands } from "./sync.js";
import { registerUserCommands } from "./users.js";

export function registerCommands(program: Command) {
  registerBounceCommands(program);
  registerCampaignCommands(program);
  registerImportCommands(program);
  registerUserCommands(program);
  registerSyncCommands(program);
}
