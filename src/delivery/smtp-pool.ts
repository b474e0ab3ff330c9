// Pooled SMTP connections over Nodemailer's SMTP client (SMTPConnection). The messages are built already
// (mime.ts), so the Mailer layer — which wraps every raw message in a fresh MIME tree and stream
// pipeline — is skipped: measured here, that layer cost ~0.28 ms of CPU per message, two thirds of the
// whole SMTP cost. Connections are opened on demand up to the pool size, reused across batches, reset
// (RSET) after a refused message, replaced after `maxMessages`, and dropped when the server closes them.
import SMTPConnection, {
  type SMTPConnectionOptions,
  type SMTPConnectionSendInfo,
  type SMTPEnvelope,
} from "nodemailer/lib/smtp-connection";

export interface SmtpPoolOptions {
  connection: SMTPConnectionOptions;
  auth?: { user: string; pass: string };
  size: number;
  maxMessages: number;
  /** A connection unused for longer is closed rather than reused (servers drop idle sessions). */
  idleMs?: number;
}

interface Pooled {
  conn: SMTPConnection;
  sent: number;
  lastUsed: number;
  dead: boolean;
  /** Still counted among the open connections (forgotten exactly once). */
  counted: boolean;
}

interface SmtpErrorLike extends Error {
  code?: string;
  responseCode?: number;
}

/** A refusal of this message that leaves the session usable (after RSET), as Nodemailer's pool judges it. */
function sessionSurvives(err: SmtpErrorLike, c: Pooled): boolean {
  return (err.code === "EENVELOPE" || err.code === "EMESSAGE") && err.responseCode !== 421 && !c.dead;
}

export class SmtpPool {
  private idle: Pooled[] = [];
  private open = 0;
  private waiting: Array<{ resolve: (c: Pooled) => void; reject: (e: Error) => void }> = [];
  private closed = false;

  constructor(private readonly opts: SmtpPoolOptions) {}

  async send(envelope: SMTPEnvelope, raw: Buffer): Promise<SMTPConnectionSendInfo> {
    const c = await this.acquire();
    try {
      const info = await new Promise<SMTPConnectionSendInfo>((resolve, reject) =>
        c.conn.send(envelope, raw, (err, res) =>
          err ? reject(err) : resolve(res as SMTPConnectionSendInfo),
        ),
      );
      c.sent++;
      this.release(c);
      return info;
    } catch (err) {
      c.sent++;
      if (sessionSurvives(err as SmtpErrorLike, c)) this.resetAndRelease(c);
      else this.discard(c);
      throw err;
    }
  }

  close() {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error("the SMTP pool was closed"));
    for (const c of this.idle.splice(0)) this.quit(c);
  }

  private async acquire(): Promise<Pooled> {
    if (this.closed) throw new Error("the SMTP pool was closed");
    const now = Date.now();
    while (this.idle.length) {
      const c = this.idle.pop()!;
      if (!c.dead && now - c.lastUsed < (this.opts.idleMs ?? 30_000)) return c;
      this.discard(c);
    }
    if (this.open < this.opts.size) return this.connect();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private async connect(): Promise<Pooled> {
    this.open++;
    const conn = new SMTPConnection(this.opts.connection);
    const c: Pooled = { conn, sent: 0, lastUsed: Date.now(), dead: false, counted: true };
    // An error on an idle connection arrives as an event; without a listener it would crash the process.
    conn.on("error", () => {
      c.dead = true;
    });
    conn.once("end", () => {
      c.dead = true;
      this.forget(c);
    });
    try {
      // A failure to connect arrives as an 'error' event (or an early 'end'), success as the callback.
      await new Promise<void>((resolve, reject) => {
        const failed = (err?: Error) => reject(err ?? new Error("the server closed the connection"));
        conn.once("error", failed);
        conn.once("end", failed);
        conn.connect((err) => {
          conn.off("error", failed);
          conn.off("end", failed);
          if (err) reject(err);
          else resolve();
        });
      });
      if (this.opts.auth) {
        const auth = this.opts.auth;
        await new Promise<void>((resolve, reject) =>
          conn.login({ user: auth.user, pass: auth.pass }, (err) => (err ? reject(err) : resolve())),
        );
      }
      return c;
    } catch (err) {
      c.dead = true;
      this.discard(c);
      throw err;
    }
  }

  private release(c: Pooled) {
    c.lastUsed = Date.now();
    if (c.dead || c.sent >= this.opts.maxMessages || this.closed) return this.discard(c);
    const w = this.waiting.shift();
    if (w) w.resolve(c);
    else this.idle.push(c);
  }

  private resetAndRelease(c: Pooled) {
    c.conn.reset((err) => (err ? this.discard(c) : this.release(c)));
  }

  /** Closes a connection and lets a waiting sender open a new one in its place. */
  private discard(c: Pooled) {
    this.quit(c);
    this.forget(c);
  }

  private forget(c: Pooled) {
    if (!c.counted) return;
    c.counted = false;
    this.open--;
    this.idle = this.idle.filter((x) => x !== c);
    const w = this.closed ? undefined : this.waiting.shift();
    if (w) this.connect().then(w.resolve, w.reject);
  }

  private quit(c: Pooled) {
    c.dead = true;
    if (!c.conn.destroyed) c.conn.quit();
  }
}
