// The last step of the sending path (DESIGN §3.5): hand pre-built MIME bytes to a transport and report
// what it answered. SMTP relays go through the one pipelining SMTP client (src/smtp/client.ts) that
// campaigns use too, one pool per transport kept open across batches and replaced when the transport's
// configuration changes (cached by id + updated_at).
import fs from "node:fs/promises";
import path from "node:path";
import type { Row } from "../db/schema.js";
import { PipelinedSmtpSender } from "../smtp/client.js";
import type { SmtpReply } from "../smtp/reply.js";
import { createProviderSender } from "./providers/index.js";
import { isProviderKind, type ProviderKind } from "./providers/schema.js";
import { type CaptureConfig, captureConfig, smtpConfig } from "./schema.js";

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
    if (t.kind === "smtp") return new PipelinedSmtpSender(label, smtpConfig.parse(t.config));
    if (isProviderKind(t.kind)) return createProviderSender(t.kind, label, t.config);
    return new CaptureSender(label, captureConfig.parse(t.config ?? {}), this.dataDir);
  }

  close() {
    for (const { sender } of this.senders.values()) sender.close();
    this.senders.clear();
  }
}
