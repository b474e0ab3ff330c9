// The one SMTP client of Poststelle, for transactional mail and campaigns alike (RFC 5321 with RFC 2920
// PIPELINING, RFC 3207 STARTTLS, RFC 4954 AUTH PLAIN/LOGIN, RFC 3461 DSN parameters), over a pool of
// long-lived connections per transport.
//
// Why hand-written rather than Nodemailer's SMTPConnection: every message here is pre-built MIME bytes
// (delivery/mime.ts, campaigns/mime.ts), so all a transaction needs is the envelope and DATA. Nodemailer
// sends one command per round trip (it does not pipeline MAIL/RCPT/DATA, RFC 2920) and passes every
// message through its composer objects, a transform stream, a stream pipeline and abort signals —
// profiled here at roughly 350 µs of CPU per message, in the one thread that also renders and talks to the
// database. This client writes each transaction in two writes (envelope and DATA pipelined, then the body
// together with the next message's envelope) and parses only reply lines, which leaves the relay, not this
// process, as the limit. Replies are classified by failure.ts for every SMTP sender, so a message's timeline
// reads the same whichever path sent it.
import net from "node:net";
import os from "node:os";
import tls from "node:tls";
import type { SmtpConfig } from "../delivery/schema.js";
import type { MailSender, OutgoingMail, SendResult } from "../delivery/senders.js";
import { failure } from "./failure.js";
import { queueIdOf } from "./reply.js";

interface Reply {
  code: number;
  text: string;
}

interface Job {
  mail: OutgoingMail;
  resolve: (r: SendResult) => void;
}

const SOCKET_TIMEOUT_MS = 60_000;
/** A parked connection unused for longer is closed rather than reused: relays drop idle sessions, and a
 * message written into a session the relay is closing just then would fail for nothing. */
const IDLE_REUSE_MS = 30_000;
const CRLF = Buffer.from("\r\n");
const END_OF_DATA = Buffer.from(".\r\n");

/** RFC 3461 §4: xtext for ENVID and ORCPT values. */
function xtext(s: string): string {
  return s.replace(
    /[^\x21-\x2a\x2c-\x3c\x3e-\x7e]/g,
    (c) => `+${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
}

/** RFC 5321 §4.5.2: a line that starts with "." gets a second one. Campaign bodies never need it (their
 * quoted-printable encodes such a dot), so the common case costs one indexOf. */
function dotStuffed(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  if (raw[0] === 0x2e) {
    parts.push(Buffer.from("."));
  }
  for (let i = raw.indexOf("\n.", 0, "latin1"); i !== -1; i = raw.indexOf("\n.", i + 2, "latin1")) {
    parts.push(raw.subarray(from, i + 1), Buffer.from("."));
    from = i + 1;
  }
  if (parts.length === 0) return raw;
  parts.push(raw.subarray(from));
  return Buffer.concat(parts);
}

class SmtpError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly response?: string,
    readonly responseCode?: number,
    readonly command?: string,
  ) {
    super(message);
  }
}

function replyError(r: Reply, command: string): SmtpError {
  return new SmtpError(r.text, command === "AUTH" ? "EAUTH" : "EPROTOCOL", r.text, r.code, command);
}

/** One connection: reads replies line by line and serves one transaction at a time. */
class Connection {
  private socket: net.Socket;
  private buffered = "";
  private lines: string[] = [];
  private waiters: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  private replies: Reply[] = [];
  private closedWith: Error | null = null;
  private capabilities = new Set<string>();
  private authMethods = new Set<string>();
  transactions = 0;
  /** When this connection last finished serving (Date.now()). */
  lastUsed = Date.now();

  constructor(
    private readonly config: SmtpConfig,
    private readonly label: string,
  ) {
    this.socket = this.connect();
  }

  get closed() {
    return this.closedWith !== null;
  }

  private connect(): net.Socket {
    const c = this.config;
    const socket = c.secure
      ? tls.connect({
          host: c.host,
          port: c.port,
          servername: c.host,
          rejectUnauthorized: c.tls_reject_unauthorized,
        })
      : net.connect({ host: c.host, port: c.port });
    this.attach(socket);
    return socket;
  }

  private attach(socket: net.Socket) {
    socket.setNoDelay(true);
    socket.setTimeout(SOCKET_TIMEOUT_MS, () =>
      socket.destroy(new SmtpError("The relay did not answer in time", "ETIMEDOUT")),
    );
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", (err) =>
      this.fail(new SmtpError(err.message, (err as { code?: string }).code ?? "ESOCKET")),
    );
    socket.on("close", () => this.fail(new SmtpError("The relay closed the connection", "ESOCKET")));
  }

  private onData(chunk: string) {
    this.buffered += chunk;
    let nl = this.buffered.indexOf("\n");
    while (nl !== -1) {
      const line = this.buffered.slice(0, nl).replace(/\r$/, "");
      this.buffered = this.buffered.slice(nl + 1);
      this.lines.push(line);
      // "250-…" continues a reply, "250 …" (or a bare code) ends it.
      if (line.length < 4 || line[3] === " ") {
        const text = this.lines.join("\n");
        this.lines = [];
        this.deliver({ code: Number(line.slice(0, 3)) || 0, text });
      }
      nl = this.buffered.indexOf("\n");
    }
  }

  private deliver(r: Reply) {
    const w = this.waiters.shift();
    if (w) w.resolve(r);
    else this.replies.push(r);
  }

  private fail(err: Error) {
    if (this.closedWith) return;
    this.closedWith = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private next(): Promise<Reply> {
    const r = this.replies.shift();
    if (r) return Promise.resolve(r);
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private write(data: string | Buffer) {
    if (this.closedWith) throw this.closedWith;
    this.socket.write(data);
  }

  private async command(line: string, name: string, expect: number): Promise<Reply> {
    this.write(`${line}\r\n`);
    const r = await this.next();
    if (Math.floor(r.code / 100) !== expect) throw replyError(r, name);
    return r;
  }

  private async ehlo() {
    const name = this.config.helo_name ?? os.hostname();
    const r = await this.command(`EHLO ${name}`, "EHLO", 2);
    this.capabilities = new Set(
      r.text
        .split("\n")
        .slice(1)
        .map((l) => l.slice(4).trim().toUpperCase()),
    );
    const auth = [...this.capabilities].find((c) => c.startsWith("AUTH "));
    this.authMethods = new Set(auth ? auth.slice(5).split(/\s+/) : []);
  }

  /** Greeting, EHLO, STARTTLS as configured, AUTH when credentials are given. */
  async open() {
    const greeting = await this.next();
    if (greeting.code !== 220)
      throw new SmtpError(greeting.text, "EPROTOCOL", greeting.text, greeting.code, "CONN");
    await this.ehlo();
    const c = this.config;
    if (!c.secure && c.starttls !== "off" && this.capabilities.has("STARTTLS")) await this.startTls();
    else if (!c.secure && c.starttls === "required") {
      throw new SmtpError("The relay does not offer STARTTLS, which this transport requires", "ETLS");
    }
    if (c.auth) await this.authenticate(c.auth.user, c.auth.pass);
  }

  private async startTls() {
    await this.command("STARTTLS", "STARTTLS", 2);
    const plain = this.socket;
    plain.removeAllListeners("data");
    plain.removeAllListeners("close");
    plain.removeAllListeners("error");
    plain.setTimeout(0);
    const secure = tls.connect({
      socket: plain,
      servername: this.config.host,
      rejectUnauthorized: this.config.tls_reject_unauthorized,
    });
    this.attach(secure);
    this.socket = secure;
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", () => resolve());
      secure.once("error", reject);
    });
    await this.ehlo();
  }

  private async authenticate(user: string, pass: string) {
    if (this.authMethods.has("PLAIN") || !this.authMethods.has("LOGIN")) {
      await this.command(`AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString("base64")}`, "AUTH", 2);
      return;
    }
    await this.command("AUTH LOGIN", "AUTH", 3);
    await this.command(Buffer.from(user).toString("base64"), "AUTH", 3);
    await this.command(Buffer.from(pass).toString("base64"), "AUTH", 2);
  }

  /** MAIL, RCPT(s) and DATA of one message, as one pipelined group (RFC 2920 §3.1). */
  private envelope(mail: OutgoingMail): { text: string; rcpts: number } {
    const dsn = this.config.dsn && this.capabilities.has("DSN");
    const rcpts = mail.archiveBcc ? [mail.to, mail.archiveBcc] : [mail.to];
    // ORCPT names the addressee only when it is the sole recipient: a DSN about the archive copy must not
    // count as delivery (as in senders.ts).
    const notify = (r: string) =>
      dsn ? ` NOTIFY=SUCCESS,FAILURE,DELAY${mail.archiveBcc ? "" : ` ORCPT=rfc822;${xtext(r)}`}` : "";
    const lines = [
      `MAIL FROM:<${mail.returnPath}>${dsn ? ` RET=HDRS ENVID=${xtext(mail.messageId)}` : ""}`,
      ...rcpts.map((r) => `RCPT TO:<${r}>${notify(r)}`),
      "DATA",
    ];
    return { text: `${lines.join("\r\n")}\r\n`, rcpts: rcpts.length };
  }

  /** The envelope's replies; without PIPELINING the commands go one by one and stop at the first refusal. */
  private async envelopeReplies(mail: OutgoingMail, alreadySent: boolean): Promise<Reply[]> {
    const env = this.envelope(mail);
    const count = env.rcpts + 2;
    const replies: Reply[] = [];
    if (this.pipelining) {
      if (!alreadySent) this.write(env.text);
      for (let i = 0; i < count; i++) {
        try {
          replies.push(await this.next());
        } catch (err) {
          // A relay that refuses with 421 closes the session before answering the rest of the group:
          // its refusal, not the closed line, is the message's outcome.
          if (replies.some((r) => Math.floor(r.code / 100) !== 2)) break;
          throw err;
        }
      }
      return replies;
    }
    for (const line of env.text.split("\r\n").slice(0, count)) {
      this.write(`${line}\r\n`);
      const r = await this.next();
      replies.push(r);
      if (Math.floor(r.code / 100) !== 2 && r.code !== 354) break;
    }
    return replies;
  }

  get pipelining() {
    return this.capabilities.has("PIPELINING");
  }

  /**
   * Serves jobs from the pool's queue until it is empty. With PIPELINING the next message's envelope goes
   * out in the same write as this message's body (RFC 2920 allows the message content to start a group),
   * so each message costs one round trip. A connection that fails mid-way fails the messages it holds:
   * temporarily, since a message whose body was not acknowledged may be retried without being sent twice
   * only if its DATA never completed — which is exactly the case for the pipelined next envelope; the
   * current one's outcome is reported as the relay left it (no reply: temporary).
   */
  async serve(take: () => Job | undefined): Promise<void> {
    let job = take();
    let envelopeSent = false;
    while (job) {
      const current = job;
      let pipelined: Job | undefined;
      let bodyWritten = false;
      try {
        this.transactions++;
        const replies = await this.envelopeReplies(current.mail, envelopeSent);
        envelopeSent = false;
        const verdict = this.envelopeVerdict(current.mail, replies);
        if (verdict.send) {
          pipelined =
            this.pipelining && this.transactions < this.config.max_messages_per_connection
              ? take()
              : undefined;
          this.write(
            this.bodyBytes(
              current.mail.raw,
              pipelined ? Buffer.from(this.envelope(pipelined.mail).text) : null,
            ),
          );
          bodyWritten = true;
          const final = await this.next();
          current.resolve(verdict.result ?? this.finalResult(current.mail, final));
          envelopeSent = pipelined !== undefined;
          job = pipelined;
        } else {
          // The refusal is the outcome, even if the session then breaks on RSET (a 421 closes it).
          current.resolve(verdict.result!);
          await this.reset();
          job = this.transactions < this.config.max_messages_per_connection ? take() : undefined;
        }
      } catch (err) {
        const result = failure(err as SmtpError, this.label);
        // After the whole body went out, the relay may have taken the message before the line broke:
        // that outcome is unknown (RFC 1047), and must not be retried as if nothing had left.
        current.resolve(
          bodyWritten ? { ...result, evidence: { ...result.evidence, after_data: true } } : result,
        );
        pipelined?.resolve(result);
        this.destroy();
        return;
      }
    }
  }

  /** Whether the body goes (DATA accepted) and, when the message already failed, why. */
  private envelopeVerdict(
    mail: OutgoingMail,
    replies: Reply[],
  ): { send: boolean; result: SendResult | null } {
    const rcpts = mail.archiveBcc ? 2 : 1;
    const [mailReply, addressee] = replies;
    const data = replies[rcpts + 1];
    const accepted = data?.code === 354;
    if (!mailReply || Math.floor(mailReply.code / 100) !== 2) {
      // With pipelining DATA was sent too; should a server accept it anyway, the body goes and is refused.
      return {
        send: accepted,
        result: failure(replyError(mailReply ?? { code: 0, text: "" }, "MAIL FROM"), this.label),
      };
    }
    if (!addressee || Math.floor(addressee.code / 100) !== 2) {
      // The archive copy may still go (as Nodemailer would send it), when DATA was accepted for it.
      return {
        send: accepted,
        result: failure(replyError(addressee ?? { code: 0, text: "" }, "RCPT TO"), this.label),
      };
    }
    if (!accepted)
      return { send: false, result: failure(replyError(data ?? { code: 0, text: "" }, "DATA"), this.label) };
    return { send: true, result: null };
  }

  private finalResult(mail: OutgoingMail, final: Reply): SendResult {
    if (Math.floor(final.code / 100) !== 2) return failure(replyError(final, "DATA"), this.label);
    return {
      outcome: "sent",
      response: final.text,
      queueId: queueIdOf(final.text),
      evidence: { transport: this.label, response: final.text, accepted: [mail.to] },
    };
  }

  /** The body as DATA sends it, and the next message's pipelined envelope (if any) in the same buffer: one
   * copy of the message per transaction. */
  private bodyBytes(raw: Buffer, next: Buffer | null): Buffer {
    const stuffed = dotStuffed(raw);
    const endsWithCrlf =
      stuffed.length >= 2 && stuffed[stuffed.length - 2] === 0x0d && stuffed[stuffed.length - 1] === 0x0a;
    const parts = endsWithCrlf ? [stuffed, END_OF_DATA] : [stuffed, CRLF, END_OF_DATA];
    if (next) parts.push(next);
    return Buffer.concat(parts);
  }

  /** Ends a transaction that went wrong before DATA (every pipelined reply has been read), so the
   * connection can carry the next one. */
  private async reset() {
    await this.command("RSET", "RSET", 2);
  }

  quit() {
    if (this.closedWith) return;
    try {
      this.write("QUIT\r\n");
    } catch {
      /* already gone */
    }
    this.socket.end();
    this.fail(new SmtpError("closed", "ECLOSED"));
  }

  destroy() {
    this.socket.destroy();
  }
}

/** A pool of pipelining connections behind the MailSender interface of src/delivery/senders.ts: at most
 * `pool_size` connections per transport, each retired after `max_messages_per_connection`. */
export class PipelinedSmtpSender implements MailSender {
  readonly kind = "smtp" as const;
  private readonly queue: Job[] = [];
  private readonly idle: Connection[] = [];
  private opening = 0;
  private busy = 0;
  private closed = false;

  constructor(
    readonly label: string,
    private readonly config: SmtpConfig,
  ) {}

  send(mail: OutgoingMail): Promise<SendResult> {
    return new Promise((resolve) => {
      this.queue.push({ mail, resolve });
      this.pump();
    });
  }

  private pump() {
    const now = Date.now();
    while (this.queue.length > 0 && this.idle.length > 0) {
      const conn = this.idle.pop()!;
      if (conn.closed) continue;
      if (now - conn.lastUsed > IDLE_REUSE_MS) {
        conn.quit();
        continue;
      }
      void this.serveWith(conn);
    }
    const wanted = Math.min(
      this.queue.length,
      this.config.pool_size - this.busy - this.opening - this.idle.length,
    );
    for (let i = 0; i < wanted; i++) void this.openConnection();
  }

  private async openConnection() {
    this.opening++;
    const conn = new Connection(this.config, this.label);
    try {
      await conn.open();
      this.opening--;
      void this.serveWith(conn);
    } catch (err) {
      this.opening--;
      conn.destroy();
      // No working connection: the relay cannot be reached or refused us. Every waiting message learns why
      // (and is retried later); while other connections work, the waiting ones stay queued for them.
      if (this.busy + this.idle.length === 0) {
        const result = failure(err as SmtpError, this.label);
        for (const job of this.queue.splice(0)) job.resolve(result);
      }
      this.pump();
    }
  }

  /** Lets a connection work through the queue, then parks it (or retires it after its message quota). */
  private async serveWith(conn: Connection) {
    this.busy++;
    await conn.serve(() => this.queue.shift());
    this.busy--;
    conn.lastUsed = Date.now();
    if (conn.closed || this.closed) conn.destroy();
    else if (conn.transactions >= this.config.max_messages_per_connection) conn.quit();
    else this.idle.push(conn);
    this.pump();
  }

  close() {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.quit();
  }
}
