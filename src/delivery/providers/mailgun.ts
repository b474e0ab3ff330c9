// Mailgun Messages API, MIME form (POST /v3/{domain}/messages.mime, HTTP basic auth "api:<key>"): the built
// message goes as it is, with the envelope recipients in `to` and our message id as a user variable
// (v:poststelle_message_id), which every webhook event carries back in event-data.user-variables.
// Success is 200 { id: "<…@domain>", message: "Queued. Thank you." }; refusals are { message }.
import type { MailSender, OutgoingMail, SendResult } from "../senders.js";
import { accepted, callProvider, jsonOf, oneLine, refused, unreachable } from "./http.js";
import { MESSAGE_ID_ARG } from "./naming.js";
import type { MailgunConfig } from "./schema.js";

const REGION_URLS = { us: "https://api.mailgun.net", eu: "https://api.eu.mailgun.net" } as const;

/** Mailgun's message id without its angle brackets: the form its events use (message.headers.message-id). */
export function bareMessageId(id: string): string {
  return id.trim().replace(/^<|>$/g, "");
}

export class MailgunSender implements MailSender {
  readonly kind = "mailgun";
  private readonly endpoint: string;
  private readonly authorization: string;

  constructor(
    readonly label: string,
    private readonly config: MailgunConfig,
    private readonly now: () => Date = () => new Date(),
  ) {
    const base = (config.base_url ?? REGION_URLS[config.region]).replace(/\/$/, "");
    this.endpoint = `${base}/v3/${encodeURIComponent(config.domain)}/messages.mime`;
    this.authorization = `Basic ${Buffer.from(`api:${config.api_key}`).toString("base64")}`;
  }

  async send(mail: OutgoingMail): Promise<SendResult> {
    const form = new FormData();
    form.append("to", mail.to);
    if (mail.archiveBcc) form.append("to", mail.archiveBcc);
    form.append(`v:${MESSAGE_ID_ARG}`, mail.messageId);
    form.append("message", new Blob([new Uint8Array(mail.raw)], { type: "message/rfc822" }), "message.eml");
    const answer = await callProvider({
      url: this.endpoint,
      headers: { authorization: this.authorization },
      body: form,
      timeoutMs: this.config.timeout_ms,
    });
    if (answer instanceof Error) return unreachable("mailgun", this.label, answer);
    const json = jsonOf(answer.text);
    if (answer.status >= 200 && answer.status < 300) {
      const id = typeof json?.id === "string" ? bareMessageId(json.id) : null;
      return accepted("mailgun", this.label, answer, id);
    }
    const message = typeof json?.message === "string" ? json.message : answer.text;
    return refused(
      "mailgun",
      this.label,
      answer,
      { message: oneLine(message) || "no explanation" },
      this.now(),
    );
  }

  close() {}
}
