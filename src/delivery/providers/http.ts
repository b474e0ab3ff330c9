// One HTTP call to a provider's API and the translation of its answer into the worker's SendResult:
// 2xx is sent (with the provider's message id as queue id), 429 and 5xx are temporary (honouring
// Retry-After), other 4xx are permanent. A refused credential (401/403) is temporary, as EAUTH is for SMTP:
// it is our configuration that is wrong, not the message, and an admin fixing the key lets it go out.
import type { SendResult } from "../senders.js";

export interface ProviderRequest {
  url: string;
  method?: "POST" | "GET";
  headers: Record<string, string>;
  body: string | FormData;
  timeoutMs: number;
}

export interface ProviderAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** The request, or the network error that stopped it (no answer at all). */
export async function callProvider(req: ProviderRequest): Promise<ProviderAnswer | Error> {
  try {
    const res = await fetch(req.url, {
      method: req.method ?? "POST",
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Parses a JSON answer; null when it is not JSON (a proxy's HTML error page, an empty 202). */
export function jsonOf(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Retry-After in seconds (RFC 9110 §10.2.3: delay-seconds or an HTTP date). */
export function retryAfterSeconds(headers: Headers, now: Date): number | undefined {
  const v = headers.get("retry-after")?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, Math.ceil((t - now.getTime()) / 1000));
}

export interface Refusal {
  /** What the provider said, in one line. */
  message: string;
  /** The provider's own error code or type, when it names one (Postmark's ErrorCode, SES's error type). */
  providerCode?: string | null;
  /** Overrides the verdict by HTTP status (e.g. a Postmark 422 that means "try later"). */
  temporary?: boolean;
}

const TEMPORARY_STATUSES = new Set([401, 403, 408, 409, 425, 429]);

export function isTemporaryStatus(status: number): boolean {
  return status >= 500 || TEMPORARY_STATUSES.has(status);
}

/** A 2xx answer: the message is with the provider. */
export function accepted(
  provider: string,
  label: string,
  answer: ProviderAnswer,
  providerMessageId: string | null,
): SendResult {
  const response = `${answer.status} accepted by ${provider}${providerMessageId ? ` as ${providerMessageId}` : ""}`;
  return {
    outcome: "sent",
    response,
    queueId: providerMessageId,
    evidence: {
      transport: label,
      provider,
      http_status: answer.status,
      provider_message_id: providerMessageId,
    },
  };
}

/** A non-2xx answer, with what the provider said about it. */
export function refused(
  provider: string,
  label: string,
  answer: ProviderAnswer,
  why: Refusal,
  now: Date,
): SendResult {
  const temporary = why.temporary ?? isTemporaryStatus(answer.status);
  const retryAfter = retryAfterSeconds(answer.headers, now);
  const line = `${provider} answered HTTP ${answer.status}: ${why.message}`;
  return {
    outcome: temporary ? "temporary" : "permanent",
    reply: { response: line, code: null, enhanced: null },
    detail: line,
    errorCode: why.providerCode ? `${provider}:${why.providerCode}` : `${provider}:http_${answer.status}`,
    ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
    evidence: {
      transport: label,
      provider,
      http_status: answer.status,
      provider_code: why.providerCode ?? null,
      response: answer.text.slice(0, 2000),
      ...(retryAfter === undefined ? {} : { retry_after_seconds: retryAfter }),
    },
  };
}

/** No answer: connection refused, DNS, TLS, timeout. The provider may or may not have the message. */
export function unreachable(provider: string, label: string, err: Error): SendResult {
  const timedOut = err.name === "TimeoutError" || err.name === "AbortError";
  const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
  const what = timedOut ? "no answer in time" : (cause?.message ?? err.message);
  const line = `${provider} could not be reached: ${what}`;
  return {
    outcome: "temporary",
    reply: { response: line, code: null, enhanced: null },
    detail: line,
    errorCode: timedOut ? `${provider}:timeout` : `${provider}:unreachable`,
    evidence: { transport: label, provider, error: cause?.code ?? err.name, message: what },
  };
}

/** First line of a text, trimmed to a readable length. */
export function oneLine(text: string, max = 300): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The built message could not be turned into the provider's request: retrying the same bytes cannot help. */
export function unpreparable(provider: string, label: string, err: unknown): SendResult {
  const line = `The message could not be prepared for ${provider}: ${err instanceof Error ? err.message : String(err)}`;
  return {
    outcome: "permanent",
    reply: { response: line, code: null, enhanced: null },
    detail: line,
    errorCode: "mime_build_failed",
    evidence: { transport: label, provider },
  };
}
