// A private Postfix on loopback for tests, plus Postfix's smtp-sink and smtp-source (the throughput
// yardstick, DESIGN §8). Every instance lives in its own temp directory (config, queue, data, log), so it
// never touches /etc/postfix or the machine's own Postfix; recipe in shared/PEERS.md. What is started here
// is stopped by stop(), and by an exit hook if a test process ends without calling it.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { POSTFIX_BIN, SMTP_SINK_BIN, SMTP_SOURCE_BIN } from "./peers.js";

/** A TCP port nobody listens on right now (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: "127.0.0.1" });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitForPort(port: number, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await canConnect(port)) return;
    await sleep(50);
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

// Whatever is still running when the process exits is stopped synchronously here.
const exitHooks = new Set<() => void>();
process.once("exit", () => {
  for (const h of exitHooks) h();
});

export interface PostfixOptions {
  /** transport_maps entries, e.g. { "sink.test": "smtp:[127.0.0.1]:2525", "nowhere.test": "error:5.4.4 …" } */
  transports?: Record<string, string>;
  /** Further main.cf settings (short queue timers for bounce tests, …); they win over the defaults. */
  settings?: Record<string, string>;
  /** The smtpd port; a free one when not given. */
  port?: number;
}

export interface PostfixInstance {
  port: number;
  dir: string;
  configDir: string;
  logFile: string;
  /** The mail log so far. */
  log(): string;
  /** Resolves with the first match of re in the mail log. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

/** Every uncommented inet service (and its -o continuation lines) is replaced by one smtpd on our port. */
function masterCf(port: number): string {
  const lines = fs.readFileSync("/etc/postfix/master.cf", "utf8").split("\n");
  const kept: string[] = [];
  let droppingService = false;
  for (const line of lines) {
    if (/^\S+\s+inet\s/.test(line)) {
      droppingService = true;
      continue;
    }
    if (droppingService && /^\s+\S/.test(line)) continue;
    droppingService = false;
    kept.push(line);
  }
  kept.push(`127.0.0.1:${port} inet n - n - - smtpd`);
  return `${kept.join("\n")}\n`;
}

function mainCf(dir: string, settings: Record<string, string>): string {
  const base: Record<string, string> = {
    compatibility_level: "3.6",
    queue_directory: path.join(dir, "queue"),
    data_directory: path.join(dir, "data"),
    // Must differ from the name Poststelle's own SMTP listener announces, or Postfix sees a mail loop.
    myhostname: "mailhub.localdomain",
    mydomain: "localdomain",
    inet_interfaces: "loopback-only",
    inet_protocols: "ipv4",
    mynetworks: "127.0.0.0/8",
    // Unknown local users are accepted and then bounced by local(8): a real DSN.
    local_recipient_maps: "",
    alias_maps: "",
    alias_database: "",
    smtpd_relay_restrictions: "permit_mynetworks reject",
    transport_maps: `hash:${path.join(dir, "etc", "transport")}`,
    maillog_file: path.join(dir, "maillog"),
    maillog_file_prefixes: dir,
    biff: "no",
    append_dot_mydomain: "no",
    smtputf8_enable: "yes",
  };
  const all = { ...base, ...settings };
  return `${Object.entries(all)
    .map(([k, v]) => `${k} = ${v}`)
    .join("\n")}\n`;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr || r.stdout || r.error}`);
  }
}

function masterPid(dir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, "queue", "pid", "master.pid"), "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** A zombie (no init reaps it in some containers) counts as gone. */
function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

export async function startPostfix(opts: PostfixOptions = {}): Promise<PostfixInstance> {
  const port = opts.port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-postfix-"));
  // The daemons run as the postfix user and must reach the queue below this directory.
  fs.chmodSync(dir, 0o755);
  const configDir = path.join(dir, "etc");
  fs.mkdirSync(configDir);
  fs.mkdirSync(path.join(dir, "queue"));
  fs.mkdirSync(path.join(dir, "data"));
  run("chown", ["postfix", path.join(dir, "data")]);
  fs.writeFileSync(path.join(configDir, "master.cf"), masterCf(port));
  fs.writeFileSync(path.join(configDir, "main.cf"), mainCf(dir, opts.settings ?? {}));
  const transport = Object.entries(opts.transports ?? {})
    .map(([domain, t]) => `${domain} ${t}`)
    .join("\n");
  fs.writeFileSync(path.join(configDir, "transport"), `${transport}\n`);
  run("/usr/sbin/postmap", [path.join(configDir, "transport")]);
  // Chroot off for every service: nothing to copy into a jail.
  run("/usr/sbin/postconf", ["-c", configDir, "-F", "*/*/chroot = n"]);

  const logFile = path.join(dir, "maillog");
  let stopped = false;
  const abortNow = () => {
    if (stopped) return;
    stopped = true;
    spawnSync(POSTFIX_BIN, ["-c", configDir, "abort"], { stdio: "ignore" });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  exitHooks.add(abortNow);
  try {
    run(POSTFIX_BIN, ["-c", configDir, "start"]);
    await waitForPort(port, "Postfix smtpd");
  } catch (err) {
    abortNow();
    exitHooks.delete(abortNow);
    throw err;
  }

  const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");
  return {
    port,
    dir,
    configDir,
    logFile,
    log,
    async waitForLog(re, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const m = log().match(re);
        if (m) return m;
        if (Date.now() > until) throw new Error(`Postfix log has no ${re} after ${timeoutMs} ms:\n${log()}`);
        await sleep(50);
      }
    },
    async stop() {
      if (stopped) return;
      const pid = masterPid(dir);
      spawnSync(POSTFIX_BIN, ["-c", configDir, "stop"], { stdio: "ignore" });
      const until = Date.now() + 10_000;
      while (pid && processAlive(pid) && Date.now() < until) await sleep(50);
      abortNow();
      exitHooks.delete(abortNow);
    },
  };
}

/** Postfix's queue id for a message, read from the cleanup line `QID: message-id=<…>` of its log. */
export function queueIdOf(log: string, messageIdHeader: string): string | null {
  const bare = messageIdHeader.replace(/^<|>$/g, "");
  for (const line of log.split("\n")) {
    const m = line.match(/: ([0-9A-Za-z]+): message-id=<([^>]*)>/);
    if (m && m[2] === bare) return m[1];
  }
  return null;
}

export interface SmtpSink {
  port: number;
  /** Messages the sink has accepted so far (its -c counter; after stop(), the final count). */
  received(): number;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Postfix's smtp-sink: accepts and discards every message, as fast as SMTP allows. */
export async function startSmtpSink(opts: { port?: number; backlog?: number } = {}): Promise<SmtpSink> {
  const port = opts.port ?? (await freePort());
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const args = [
    "-c",
    ...(asRoot ? ["-u", "postfix"] : []),
    `127.0.0.1:${port}`,
    String(opts.backlog ?? 1000),
  ];
  // -c writes "sess=N quit=N mesg=N\r" after every event: megabytes in a benchmark. It goes to a file, not
  // a pipe, so that reading it costs this process nothing; received() reads the file's tail.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-sink-"));
  const counterFile = path.join(dir, "counter");
  const out = fs.openSync(counterFile, "w");
  const child = spawn(SMTP_SINK_BIN, args, { stdio: ["ignore", out, "pipe"] });
  fs.closeSync(out);
  const cleanUp = () => {
    child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  };
  exitHooks.add(cleanUp);
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4096);
  });
  try {
    await waitForPort(port, "smtp-sink", 10_000);
  } catch (err) {
    cleanUp();
    exitHooks.delete(cleanUp);
    throw new Error(`${(err as Error).message}; smtp-sink said: ${stderr}`);
  }
  const received = () => {
    const fd = fs.openSync(counterFile, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(Math.min(size, 256));
      fs.readSync(fd, buf, 0, buf.length, size - buf.length);
      const all = [...buf.toString("latin1").matchAll(/mesg=(\d+)/g)];
      return all.length ? Number(all[all.length - 1][1]) : 0;
    } finally {
      fs.closeSync(fd);
    }
  };
  let final: number | null = null;
  return {
    port,
    received: () => final ?? received(),
    async stop() {
      if (final !== null) return;
      await stopChild(child);
      final = received();
      cleanUp();
      exitHooks.delete(cleanUp);
    },
  };
}

export interface SmtpSourceOptions {
  port: number;
  sessions?: number;
  messages?: number;
  /** Message size in bytes. */
  size?: number;
  from?: string;
  to?: string;
}

/** Runs smtp-source against 127.0.0.1:port and resolves with the wall time it took. */
export function runSmtpSource(opts: SmtpSourceOptions): Promise<{ messages: number; ms: number }> {
  const messages = opts.messages ?? 20_000;
  const args = [
    "-s",
    String(opts.sessions ?? 10),
    "-m",
    String(messages),
    "-l",
    String(opts.size ?? 5120),
    "-f",
    opts.from ?? "yardstick@example.test",
    "-t",
    opts.to ?? "sink@example.test",
    `127.0.0.1:${opts.port}`,
  ];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(SMTP_SOURCE_BIN, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (c: string) => {
      stderr = (stderr + c).slice(-4096);
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve({ messages, ms: performance.now() - started });
      else reject(new Error(`smtp-source exited with ${code}: ${stderr}`));
    });
  });
}
