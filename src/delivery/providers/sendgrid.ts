// SendGrid v3 Mail Send (POST /v3/mail/send): the message as JSON (SendGrid takes no raw MIME), our message
// id in custom_args so every Event Webhook event names it, 202 Accepted with X-Message-Id on success, and
// `{ errors: [{ message, field }] }` on refusal.
import type { MailSender, OutgoingMail, SendResult } from "../senders.js";
import { accepted, callProvider, jsonOf, oneLine, refused, unpreparable, unreachable } from "./http.js";
import { type MailParts, mailParts } from "./mime-parts.js";
import { MESSAGE_ID_ARG } from "./naming.js";
import type { SendgridConfig } from "./schema.js";

/** Headers SendGrid refuses in `headers` (it sets them itself). */
const RESERVED = new Set([
  "x-sg-id",
  "x-sg-eid",
  "received",
  "dkim-signature",
  "content-type",
  "content-transfer-encoding",
  "to",
  "from",
  "subject",
  "reply-to",
  "cc",
  "bcc",
]);

export function sendgridBody(mail: OutgoingMail, p: MailParts) {
  const content = [
    ...(p.text !== undefined || p.html === undefined ? [{ type: "text/plain", value: p.text || " " }] : []),
    ...(p.html !== undefined ? [{ type: "text/html", value: p.html }] : []),
  ];
  const headers = Object.fromEntries(
    p.headers.filter((h) => !RESERVED.has(h.name.toLowerCase())).map((h) => [h.name, h.value]),
  );
  return {
    personalizations: [
      {
        to: [{ email: mail.to }],
        ...(mail.archiveBcc ? { bcc: [{ email: mail.archiveBcc }] } : {}),
      },
    ],
    from: p.from,
    ...(p.replyTo ? { reply_to: p.replyTo } : {}),
    subject: p.subject || " ",
    content,
    ...(p.attachments.length
      ? {
          attachments: p.attachments.map((a) => ({
            content: a.contentBase64,
            filename: a.filename,
            type: a.contentType,
            disposition: a.contentId ? "inline" : "attachment",
            ...(a.contentId ? { content_id: a.contentId } : {}),
          })),
        }
      : {}),
    ...(Object.keys(headers).length ? { headers } : {}),
    custom_args: { [MESSAGE_ID_ARG]: mail.messageId },
  };
}

function refusalOf(text: string) {
  const errors = jsonOf(text)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return { message: oneLine(text) || "no explanation" };
  const parts = errors.map((e) => {
    const o = (e ?? {}) as { message?: unknown; field?: unknown };
    return o.field ? `${String(o.field)}: ${String(o.message)}` : String(o.message);
  });
  return { message: oneLine(parts.join("; ")) };
}

export class SendgridSender implements MailSender {
  readonly kind = "sendgrid";
  constructor(
    readonly label: string,
    private readonly config: SendgridConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(mail: OutgoingMail): Promise<SendResult> {
    let body: ReturnType<typeof sendgridBody>;
    try {
      body = sendgridBody(mail, await mailParts(mail.raw));
    } catch (err) {
      return unpreparable("sendgrid", this.label, err);
    }
    const answer = await callProvider({
      url: `${this.config.base_url.replace(/\/$/, "")}/v3/mail/send`,
      headers: { authorization: `Bearer ${this.config.api_key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      timeoutMs: this.config.timeout_ms,
    });
    if (answer instanceof Error) return unreachable("sendgrid", this.label, answer);
    if (answer.status >= 200 && answer.status < 300) {
      return accepted("sendgrid", this.label, answer, answer.headers.get("x-message-id"));
    }
    return refused("sendgrid", this.label, answer, refusalOf(answer.text), this.now());
  }

  close() {}
}
