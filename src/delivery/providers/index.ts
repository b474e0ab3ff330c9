// The provider transports: one sender per kind, built from a transport's validated configuration.
import type { MailSender } from "../senders.js";
import { MailgunSender } from "./mailgun.js";
import { PostmarkSender } from "./postmark.js";
import { mailgunConfig, type ProviderKind, postmarkConfig, sendgridConfig, sesConfig } from "./schema.js";
import { SendgridSender } from "./sendgrid.js";
import { SesSender } from "./ses.js";

export function createProviderSender(kind: ProviderKind, label: string, config: unknown): MailSender {
  switch (kind) {
    case "sendgrid":
      return new SendgridSender(label, sendgridConfig.parse(config));
    case "mailgun":
      return new MailgunSender(label, mailgunConfig.parse(config));
    case "postmark":
      return new PostmarkSender(label, postmarkConfig.parse(config));
    case "ses":
      return new SesSender(label, sesConfig.parse(config));
  }
}
