// A private Dovecot IMAP server on loopback for tests (recipe in shared/PEERS.md). Everything lives in its
// own temp directory — config, runtime sockets, log and the maildirs — so it never touches /etc/dovecot or
// a system instance. The mail user runs as `nobody` (no account is created on the machine). What is
// started here is stopped by stop(), and by an exit hook if a test process ends without calling it.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, waitForPort } from "./postfix.js";

export const DOVECOT_BIN = "/usr/sbin/dovecot";
export const DOVEADM_BIN = "/usr/bin/doveadm";

const MAIL_UID = 65534;
const MAIL_GID = 65534;

export interface DovecotInstance {
  port: number;
  dir: string;
  configFile: string;
  /** Creates a folder of a user's mailbox. */
  createFolder(user: string, folder: string): void;
  /** Drops a message into a folder, as a local delivery would (doveadm save). */
  save(user: string, folder: string, message: string | Buffer): void;
  log(): string;
  stop(): Promise<void>;
}

const exitHooks = new Set<() => void>();
process.once("exit", () => {
  for (const h of exitHooks) h();
});

function run(cmd: string, args: string[], input?: string | Buffer) {
  const r = spawnSync(cmd, args, { input });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr?.toString() || r.error}`);
  }
}

/** The daemon keeps its inherited descriptors open, so its output goes to a file, not to a pipe that
 * spawnSync would wait on forever. */
function startDaemon(configFile: string, outFile: string) {
  const out = fs.openSync(outFile, "w");
  try {
    const r = spawnSync(DOVECOT_BIN, ["-c", configFile], { stdio: ["ignore", out, out] });
    if (r.status !== 0)
      throw new Error(`dovecot failed to start (${r.status}): ${fs.readFileSync(outFile, "utf8")}`);
  } finally {
    fs.closeSync(out);
  }
}

function config(dir: string, port: number): string {
  return `
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = ${MAIL_UID}
first_valid_gid = ${MAIL_GID}
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = ${dir}/users
}
userdb {
  driver = passwd-file
  args = ${dir}/users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  inet_listener http {
    port = 0
  }
}
`;
}

/** Starts Dovecot with the given users (name → password). */
export async function startDovecot(users: Record<string, string>): Promise<DovecotInstance> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-dovecot-"));
  // Dovecot's own users (dovecot, dovenull) and the mail user must reach what lies below.
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(path.join(dir, "mail"));
  const lines = Object.entries(users).map(([name, pass]) => {
    const home = path.join(dir, "mail", name);
    fs.mkdirSync(home);
    fs.chownSync(home, MAIL_UID, MAIL_GID);
    return `${name}:{PLAIN}${pass}:${MAIL_UID}:${MAIL_GID}::${home}`;
  });
  fs.writeFileSync(path.join(dir, "users"), `${lines.join("\n")}\n`, { mode: 0o644 });
  const configFile = path.join(dir, "dovecot.conf");
  fs.writeFileSync(configFile, config(dir, port));

  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    spawnSync(DOVEADM_BIN, ["-c", configFile, "stop"], { stdio: "ignore" });
    const pid = masterPid(dir);
    if (pid) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  exitHooks.add(stopNow);
  const logFile = path.join(dir, "dovecot.log");
  const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");
  try {
    startDaemon(configFile, path.join(dir, "start.log"));
    await waitForPort(port, "Dovecot imap-login");
  } catch (err) {
    const l = log();
    stopNow();
    exitHooks.delete(stopNow);
    throw new Error(`${(err as Error).message}\n${l}`);
  }
  return {
    port,
    dir,
    configFile,
    createFolder(user, folder) {
      run(DOVEADM_BIN, ["-c", configFile, "mailbox", "create", "-u", user, folder]);
    },
    save(user, folder, message) {
      run(DOVEADM_BIN, ["-c", configFile, "save", "-u", user, "-m", folder], message);
    },
    log,
    async stop() {
      if (stopped) return;
      const pid = masterPid(dir);
      spawnSync(DOVEADM_BIN, ["-c", configFile, "stop"], { stdio: "ignore" });
      const until = Date.now() + 10_000;
      while (pid && alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      stopNow();
      exitHooks.delete(stopNow);
    },
  };
}

function masterPid(dir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, "run", "master.pid"), "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** A zombie (no init reaps it in some containers) counts as gone. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
