// Amazon SES API v2 SendEmail (POST /v2/email/outbound-emails, SigV4-signed for service "ses"): the built
// message goes as raw MIME (Content.Raw.Data), the envelope recipients in Destination, our message id as
// a message tag, which SES event publishing returns in mail.tags. Success is 200 { MessageId }; refusals
// name their type in the x-amzn-ErrorType header and explain themselves in { message }.
import type { MailSender, OutgoingMail, SendResult } from "../senders.js";
import { accepted, callProvider, jsonOf, oneLine, refused, unreachable } from "./http.js";
import { MESSAGE_ID_ARG } from "./naming.js";
import type { SesConfig } from "./schema.js";
import { signRequest } from "./sigv4.js";

/** Error types that say "later", not "never": throttling, a paused account, SES's own trouble. */
const TEMPORARY_TYPES = new Set([
  "TooManyRequestsException",
  "LimitExceededException",
  "ThrottlingException",
  "SendingPausedException",
  "AccountSuspendedException",
  "InternalFailure",
  "ServiceUnavailable",
]);

export function sesBody(mail: OutgoingMail, configurationSet: string | undefined) {
  return {
    Content: { Raw: { Data: mail.raw.toString("base64") } },
    Destination: {
      ToAddresses: [mail.to],
      ...(mail.archiveBcc ? { BccAddresses: [mail.archiveBcc] } : {}),
    },
    EmailTags: [{ Name: MESSAGE_ID_ARG, Value: mail.messageId }],
    ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
  };
}

/** "MessageRejected:http://internal.amazon.com/coral/…" → "MessageRejected". */
function errorTypeOf(header: string | null, json: Record<string, unknown> | null): string | null {
  const raw = header ?? (typeof json?.__type === "string" ? json.__type : null);
  if (!raw) return null;
  return raw.split(":")[0].split("#").pop() ?? null;
}

export class SesSender implements MailSender {
  readonly kind = "ses";
  private readonly url: URL;

  constructor(
    readonly label: string,
    private readonly config: SesConfig,
    private readonly now: () => Date = () => new Date(),
  ) {
    const base = (config.base_url ?? `https://email.${config.region}.amazonaws.com`).replace(/\/$/, "");
    this.url = new URL(`${base}/v2/email/outbound-emails`);
  }

  async send(mail: OutgoingMail): Promise<SendResult> {
    const body = JSON.stringify(sesBody(mail, this.config.configuration_set));
    const { host: _host, ...headers } = signRequest({
      method: "POST",
      url: this.url,
      headers: { "content-type": "application/json" },
      body,
      region: this.config.region,
      service: "ses",
      credentials: {
        accessKeyId: this.config.access_key_id,
        secretAccessKey: this.config.secret_access_key,
        sessionToken: this.config.session_token,
      },
      now: this.now(),
    });
    const answer = await callProvider({
      url: this.url.href,
      headers,
      body,
      timeoutMs: this.config.timeout_ms,
    });
    if (answer instanceof Error) return unreachable("ses", this.label, answer);
    const json = jsonOf(answer.text);
    if (answer.status >= 200 && answer.status < 300) {
      return accepted("ses", this.label, answer, typeof json?.MessageId === "string" ? json.MessageId : null);
    }
    const type = errorTypeOf(answer.headers.get("x-amzn-errortype"), json);
    const message = json?.message ?? json?.Message ?? answer.text;
    return refused(
      "ses",
      this.label,
      answer,
      {
        message: oneLine(String(message)) || "no explanation",
        providerCode: type,
        ...(type && TEMPORARY_TYPES.has(type) ? { temporary: true } : {}),
      },
      this.now(),
    );
  }

  close() {}
}
