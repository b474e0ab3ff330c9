// An in-process SMTP server (Nodemailer's smtp-server) for delivery tests: it records every transaction
// with its envelope, DSN parameters and the exact bytes received, and lets a test script the replies
// (a 451 on the first attempt, a 550 for one recipient, …).
import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerSession } from "smtp-server";

export interface Received {
  from: string;
  to: string[];
  /** RFC 3461 parameters as the server parsed them (ret, envid; notify/orcpt per recipient). */
  dsn: unknown;
  rcptDsn: unknown[];
  raw: Buffer;
}

/** A scripted reply: a code and text make the command fail; null lets it pass. */
export interface Reply {
  code: number;
  message: string;
}

export interface Script {
  rcpt?: (address: string, attempt: number) => Reply | null;
  /** null accepts with `accept` text; a Reply rejects. May wait (a slow relay). */
  data?: (raw: Buffer, attempt: number) => Reply | null | Promise<Reply | null>;
  /** The 250 text after DATA, e.g. "Ok: queued as 4F2C81A0B3". */
  accept?: (n: number) => string;
}

export interface ScriptedSmtp {
  port: number;
  received: Received[];
  /** Connections opened so far, open now, and the most open at once. */
  connections: { total: number; open: number; maxOpen: number };
  /** AUTH logins the server accepted. */
  logins: string[];
  /** Every MAIL FROM the server saw (accepted or not): a message that never started a transaction is absent. */
  mailFroms: string[];
  script: Script;
  close(): Promise<void>;
}

function replyError(r: Reply): Error {
  return Object.assign(new Error(r.message), { responseCode: r.code });
}

export interface ServerOptions {
  /** Require AUTH with this user and password (over plain text, for tests). */
  auth?: { user: string; pass: string };
  /** Close a session idle for this long (ms), as real servers do. */
  idleTimeoutMs?: number;
}

export async function startScriptedSmtp(
  script: Script = {},
  options: ServerOptions = {},
): Promise<ScriptedSmtp> {
  const received: Received[] = [];
  const mailFroms: string[] = [];
  const rcptAttempts = new Map<string, number>();
  let dataAttempts = 0;
  const state: ScriptedSmtp = {
    port: 0,
    received,
    connections: { total: 0, open: 0, maxOpen: 0 },
    logins: [],
    mailFroms,
    script,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: !options.auth,
    allowInsecureAuth: true,
    disabledCommands: options.auth ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
    hideDSN: false,
    logger: false,
    ...(options.idleTimeoutMs ? { socketTimeout: options.idleTimeoutMs } : {}),
    onAuth(auth, _session, cb) {
      if (auth.username === options.auth?.user && auth.password === options.auth?.pass) {
        state.logins.push(auth.username ?? "");
        return cb(null, { user: auth.username });
      }
      cb(Object.assign(new Error("5.7.8 Authentication credentials invalid"), { responseCode: 535 }));
    },
    onConnect(_session, cb) {
      state.connections.total++;
      state.connections.open++;
      state.connections.maxOpen = Math.max(state.connections.maxOpen, state.connections.open);
      cb();
    },
    onClose() {
      state.connections.open--;
    },
    onMailFrom(address, _session, cb) {
      mailFroms.push(address.address);
      cb();
    },
    onRcptTo(address, _session, cb) {
      const n = (rcptAttempts.get(address.address) ?? 0) + 1;
      rcptAttempts.set(address.address, n);
      const r = state.script.rcpt?.(address.address, n) ?? null;
      cb(r ? replyError(r) : null);
    },
    onData(stream, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        const raw = Buffer.concat(chunks);
        dataAttempts++;
        const r = (await state.script.data?.(raw, dataAttempts)) ?? null;
        if (r) return cb(replyError(r));
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((a) => a.address),
          dsn: (session.envelope as { dsn?: unknown }).dsn ?? null,
          rcptDsn: session.envelope.rcptTo.map((a) => (a as { dsn?: unknown }).dsn ?? null),
          raw,
        });
        cb(
          null,
          state.script.accept?.(received.length) ??
            `Ok: queued as Q${String(received.length).padStart(6, "0")}`,
        );
      });
    },
  });
  server.on("error", () => {
    /* a client that hangs up mid-session is not a test failure */
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.server.address() as AddressInfo).port;
  return state;
}
