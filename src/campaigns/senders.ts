// The senders a campaign uses: SMTP relays through the pipelining client (smtp-pipeline.ts), everything
// else (the capture outbox, provider APIs) through delivery's own senders. One sender per transport, kept
// across batches and replaced when the transport's configuration changes.
import type { Row } from "../db/schema.js";
import { smtpConfig } from "../delivery/schema.js";
import { type MailSender, SenderCache } from "../delivery/senders.js";
import { PipelinedSmtpSender } from "./smtp-pipeline.js";

export class CampaignSenders {
  private readonly smtp = new Map<string, { version: number; sender: PipelinedSmtpSender }>();
  private readonly others: SenderCache;

  constructor(dataDir: string) {
    this.others = new SenderCache(dataDir);
  }

  get(t: Row<"transports"> | null): MailSender {
    if (t?.kind !== "smtp") return this.others.get(t);
    const version = new Date(t.updated_at).getTime();
    const hit = this.smtp.get(t.id);
    if (hit && hit.version === version) return hit.sender;
    hit?.sender.close();
    const sender = new PipelinedSmtpSender(`${t.kind}:${t.name}`, smtpConfig.parse(t.config));
    this.smtp.set(t.id, { version, sender });
    return sender;
  }

  close() {
    for (const { sender } of this.smtp.values()) sender.close();
    this.smtp.clear();
    this.others.close();
  }
}
