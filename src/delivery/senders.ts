// The last step of the sending path (DESIGN §3.5): hand pre-built MIME bytes to a transport and report
// what it answered. SMTP relays go through pooled Nodemailer SMTP connections, one pool per transport kept open
// across batches (smtp-pool.ts) and replaced when the transport's configuration changes (cached by id +
// updated_at).
import fs from "node:fs/promises";
import path from "node:path";
import type { Row } from "../db/schema.js";
import { createProviderSender } from "./providers/index.js";
import { isProviderKind, type ProviderKind } from "./providers/schema.js";
import { type CaptureConfig, captureConfig, type SmtpConfig, smtpConfig } from "./schema.js";
import { SmtpPool } from "./smtp-pool.js";
import { errorCodeOf, parseReply, queueIdOf, type SmtpReply } from "./smtp-reply.js";

export interface OutgoingMail {
  messageId: string;
  workspaceId: string;
  raw: Buffer;
  /** Envelope sender: the VERP return path. */
  returnPath: string;
  to: string;
  /** Archive mailbox (seed 002): an envelope-only recipient, so the addressee never sees it. */
  archiveBcc: string | null;
}

export type SendResult =
  | { outcome: "sent"; response: string; queueId: string | null; evidence: Record<string, unknown> }
  | {
      outcome: "temporary" | "permanent";
      reply: SmtpReply;
      detail: string;
      errorCode: string | null;
      /** The earliest retry the other side asked for (an HTTP API's Retry-After). */
      retryAfterSeconds?: number;
      evidence: Record<string, unknown>;
    };

export interface MailSender {
  readonly kind: "capture" | "smtp" | ProviderKind;
  /** Shown in evidence: which transport the message went through. */
  readonly label: string;
  send(mail: OutgoingMail): Promise<SendResult>;
  close(): void;
}

// ---------------------------------------------------------------- capture

/** The local outbox: the message is stored (raw_mime) and counts as sent; nothing leaves the machine. */
export class CaptureSender implements MailSender {
  readonly kind = "capture";
  constructor(
    readonly label: string,
    private readonly config: CaptureConfig,
    private readonly dataDir: string,
  ) {}

  async send(mail: OutgoingMail): Promise<SendResult> {
    let file: string | null = null;
    if (this.config.write_files) {
      const dir = path.join(this.dataDir, "outbox", mail.workspaceId);
      await fs.mkdir(dir, { recursive: true });
      file = path.join(dir, `${mail.messageId}.eml`);
      await fs.writeFile(file, mail.raw);
    }
    return {
      outcome: "sent",
      response: "captured in the local outbox",
      queueId: null,
      evidence: {
        transport: this.label,
        response: "captured in the local outbox",
        ...(file ? { file } : {}),
      },
    };
  }

  close() {}
}

// ---------------------------------------------------------------- SMTP

/** A Nodemailer error as it arrives: the reply code and text when the server answered. */
interface SmtpError extends Error {
  code?: string;
  response?: string;
  responseCode?: number;
  command?: string;
}

// Kept below the worker's lease, and the worker renews its lease while a batch is in flight.
const TIMEOUTS = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 };

export class SmtpSender implements MailSender {
  readonly kind = "smtp";
  private readonly pool: SmtpPool;

  constructor(
    readonly label: string,
    private readonly config: SmtpConfig,
  ) {
    this.pool = new SmtpPool({
      connection: {
        host: config.host,
        port: config.port,
        secure: config.secure,
        requireTLS: !config.secure && config.starttls === "required",
        ignoreTLS: !config.secure && config.starttls === "off",
        opportunisticTLS: !config.secure && config.starttls === "opportunistic",
        name: config.helo_name,
        tls: { rejectUnauthorized: config.tls_reject_unauthorized },
        ...TIMEOUTS,
        logger: false,
      },
      auth: config.auth,
      size: config.pool_size,
      maxMessages: config.max_messages_per_connection,
    });
  }

  async send(mail: OutgoingMail): Promise<SendResult> {
    const to = mail.archiveBcc ? [mail.to, mail.archiveBcc] : [mail.to];
    try {
      const info = await this.pool.send(
        {
          from: mail.returnPath,
          to,
          size: mail.raw.length,
          // RFC 3461: the relay's success DSN is what turns `sent` into `delivered`. NOTIFY and ORCPT apply
          // to every recipient of the transaction, so ORCPT is only named when the addressee is the only
          // one; a DSN about the archive copy names the archive in Final-Recipient and is no delivery.
          dsn: this.config.dsn
            ? {
                id: mail.messageId,
                return: "headers",
                notify: ["success", "failure", "delay"],
                ...(mail.archiveBcc ? {} : { recipient: mail.to }),
              }
            : undefined,
        },
        mail.raw,
      );
      const rejected = rejectionOf(info, mail.to);
      if (rejected) return failure(rejected, this.label);
      const response = String(info.response ?? "");
      return {
        outcome: "sent",
        response,
        queueId: queueIdOf(response),
        evidence: { transport: this.label, response, accepted: info.accepted },
      };
    } catch (err) {
      return failure(err as SmtpError, this.label);
    }
  }

  close() {
    this.pool.close();
  }
}

/** The addressee may be refused while the archive copy is accepted: that is a failure for this message. */
function rejectionOf(info: { rejected?: unknown; rejectedErrors?: unknown }, to: string): SmtpError | null {
  const rejected = Array.isArray(info.rejected) ? (info.rejected as string[]) : [];
  if (!rejected.some((r) => r.toLowerCase() === to.toLowerCase())) return null;
  const errors = Array.isArray(info.rejectedErrors)
    ? (info.rejectedErrors as Array<SmtpError & { recipient?: string }>)
    : [];
  return (
    errors.find((e) => e.recipient?.toLowerCase() === to.toLowerCase()) ?? {
      name: "Error",
      message: "recipient rejected",
      code: "EENVELOPE",
    }
  );
}

// Nodemailer codes of failures that say nothing about the message: the connection, TLS or our credentials.
// Retrying is right; giving up on the message because of our own configuration would not be.
const CONNECTION_CODES = new Set([
  "ECONNECTION",
  "ETIMEDOUT",
  "ESOCKET",
  "EDNS",
  "ETLS",
  "EPROXY",
  "EAUTH",
  "ENOAUTH",
]);

/** RFC 5321 §4.2.1: 5yz is permanent, 4yz and a lost connection are temporary. 503 (bad sequence) is a
 * session problem, not a verdict on the message. */
export function failure(err: SmtpError, label: string): SendResult {
  const reply = parseReply(err.response, err.responseCode);
  const permanent =
    !CONNECTION_CODES.has(err.code ?? "") && reply.code !== null && reply.code >= 500 && reply.code !== 503;
  const connectionLost = reply.code === null;
  const detail = connectionLost
    ? `No reply from the relay (${err.code ?? "error"}): ${err.message}`
    : reply.response;
  return {
    outcome: permanent ? "permanent" : "temporary",
    reply,
    detail,
    errorCode: errorCodeOf(reply) ?? (err.code ? err.code.toLowerCase() : "connection_lost"),
    evidence: {
      transport: label,
      response: reply.response || null,
      code: reply.code,
      enhanced_code: reply.enhanced,
      command: err.command ?? null,
      error: err.code ?? null,
    },
  };
}

// ---------------------------------------------------------------- the cache

/** One sender per transport, reused across batches; a changed transport (new updated_at) gets a new pool. */
export class SenderCache {
  private readonly senders = new Map<string, { version: number; sender: MailSender }>();
  private readonly builtIn: CaptureSender;

  constructor(private readonly dataDir: string) {
    this.builtIn = new CaptureSender("capture (built-in)", { write_files: false }, dataDir);
  }

  /** The sender of a transport row; null means the workspace has none configured: the built-in outbox. */
  get(t: Row<"transports"> | null): MailSender {
    if (!t) return this.builtIn;
    const version = new Date(t.updated_at).getTime();
    const hit = this.senders.get(t.id);
    if (hit && hit.version === version) return hit.sender;
    hit?.sender.close();
    const sender = this.create(t);
    this.senders.set(t.id, { version, sender });
    return sender;
  }

  private create(t: Row<"transports">): MailSender {
    const label = `${t.kind}:${t.name}`;
    if (t.kind === "smtp") return new SmtpSender(label, smtpConfig.parse(t.config));
    if (isProviderKind(t.kind)) return createProviderSender(t.kind, label, t.config);
    return new CaptureSender(label, captureConfig.parse(t.config ?? {}), this.dataDir);
  }

  close() {
    for (const { sender } of this.senders.values()) sender.close();
    this.senders.clear();
  }
}
