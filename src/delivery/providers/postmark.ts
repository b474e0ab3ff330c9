// Postmark Email API (POST /email with X-Postmark-Server-Token): the message as JSON (Postmark takes no raw
// MIME), our message id in Metadata so every webhook record names it. Postmark answers 200 with
// { MessageID, ErrorCode: 0 } on success and 422 with { ErrorCode, Message } when it refuses the message.
import type { MailSender, OutgoingMail, SendResult } from "../senders.js";
import { accepted, callProvider, jsonOf, oneLine, refused, unpreparable, unreachable } from "./http.js";
import { formatAddress, type MailParts, mailParts } from "./mime-parts.js";
import { MESSAGE_ID_ARG } from "./naming.js";
import type { PostmarkConfig } from "./schema.js";

/** Postmark API error codes that mean "not now" rather than "never" (account or server state). */
const TEMPORARY_CODES = new Set([10, 405, 412, 413, 429]);

export function postmarkBody(mail: OutgoingMail, p: MailParts, stream: string) {
  return {
    From: formatAddress(p.from),
    To: mail.to,
    ...(mail.archiveBcc ? { Bcc: mail.archiveBcc } : {}),
    ...(p.replyTo ? { ReplyTo: formatAddress(p.replyTo) } : {}),
    Subject: p.subject,
    ...(p.text !== undefined ? { TextBody: p.text } : {}),
    ...(p.html !== undefined ? { HtmlBody: p.html } : {}),
    Headers: p.headers.map((h) => ({ Name: h.name, Value: h.value })),
    Attachments: p.attachments.map((a) => ({
      Name: a.filename,
      Content: a.contentBase64,
      ContentType: a.contentType,
      ...(a.contentId ? { ContentID: `cid:${a.contentId}` } : {}),
    })),
    Metadata: { [MESSAGE_ID_ARG]: mail.messageId },
    MessageStream: stream,
  };
}

export class PostmarkSender implements MailSender {
  readonly kind = "postmark";
  constructor(
    readonly label: string,
    private readonly config: PostmarkConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(mail: OutgoingMail): Promise<SendResult> {
    let body: ReturnType<typeof postmarkBody>;
    try {
      body = postmarkBody(mail, await mailParts(mail.raw), this.config.message_stream);
    } catch (err) {
      return unpreparable("postmark", this.label, err);
    }
    const answer = await callProvider({
      url: `${this.config.base_url.replace(/\/$/, "")}/email`,
      headers: {
        accept: "application/json",
        "content-type": "application/json",
        "x-postmark-server-token": this.config.server_token,
      },
      body: JSON.stringify(body),
      timeoutMs: this.config.timeout_ms,
    });
    if (answer instanceof Error) return unreachable("postmark", this.label, answer);
    const json = jsonOf(answer.text);
    const code = typeof json?.ErrorCode === "number" ? json.ErrorCode : null;
    if (answer.status >= 200 && answer.status < 300 && (code === null || code === 0)) {
      return accepted(
        "postmark",
        this.label,
        answer,
        typeof json?.MessageID === "string" ? json.MessageID : null,
      );
    }
    return refused(
      "postmark",
      this.label,
      answer,
      {
        message: oneLine(String(json?.Message ?? answer.text)) || "no explanation",
        providerCode: code === null ? null : String(code),
        ...(code !== null && TEMPORARY_CODES.has(code) ? { temporary: true } : {}),
      },
      this.now(),
    );
  }

  close() {}
}
