// The one HTTP client every tool adapter uses: JSON in and out, the tool's error bodies turned into
// ToolError kinds, so the engine never sees a raw fetch exception. What is repeated depends on whether
// repeating can do harm:
// - GET (idempotent): one reconnect after a broken connection (typically a kept-alive socket the tool had
//   closed); 429 and 5xx are waited out per Retry-After (or a short backoff) within a bounded budget.
// - POST / PUT / PATCH / DELETE: a 429 is repeated (the tool says it did nothing), but never a 5xx or a
//   broken connection: the write may have happened, so the caller reports that batch as failed/unknown and
//   the next fetch shows what the tool really did.
// Every request has a time limit (60 s by default); running out of it counts as a broken connection.
import { makeStorable } from "../../util/storable.js";
import { type AdapterOptions, ToolError, type ToolErrorKind } from "../adapter.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface JsonRequest {
  method: HttpMethod;
  /** Path below the base URL; may carry its own query string. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal;
}

export interface HttpClient {
  readonly baseUrl: string;
  request<T>(req: JsonRequest): Promise<T>;
}

/** The human message in the tool's error body, if it has one. */
export type ErrorReader = (body: unknown) => string | undefined;

export interface HttpClientConfig {
  /** The tool's name as users know it, at the start of every error message. */
  tool: string;
  baseUrl: string;
  headers: Record<string, string>;
  readError: ErrorReader;
  opts: AdapterOptions;
}

export const REQUEST_TIMEOUT_MS = 60_000;
/** Seconds of waiting (Retry-After and backoff) one request may spend in all before it gives up. */
export const RETRY_BUDGET_S = 60;

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(new ToolError("connection", "cancelled"));
      },
      { once: true },
    );
  });

function kindOfStatus(status: number): ToolErrorKind {
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "auth";
  if (status === 404 || status === 410) return "not_found";
  if (status >= 500) return "unavailable";
  return "invalid";
}

/** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

function urlOf(base: string, req: JsonRequest): string {
  const u = new URL(base.replace(/\/+$/, "") + req.path);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
}

/** Whether this failure may be tried again, by the rule in the file comment. */
export function mayRepeat(method: HttpMethod, kind: ToolErrorKind): boolean {
  if (kind === "rate_limited") return true;
  if (method !== "GET") return false;
  return kind === "unavailable" || kind === "connection";
}

const WRITE_UNKNOWN =
  "the change may or may not have been made in the tool; it is not repeated automatically — fetch to see the tool's state";

export function httpClient(cfg: HttpClientConfig): HttpClient {
  const { opts } = cfg;
  const baseUrl = cfg.baseUrl.replace(/\/+$/, "");
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? defaultSleep;
  const maxRetries = opts.maxRetries ?? 3;
  const maxWaitS = opts.maxRetryWaitS ?? 30;
  const budgetS = opts.retryBudgetS ?? RETRY_BUDGET_S;
  const timeoutMs = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const where = (req: JsonRequest) => `${cfg.tool}: ${req.method} ${req.path.split("?")[0]}`;

  function broken(req: JsonRequest, what: string, cause: unknown): ToolError {
    const unknownWrite = req.method === "GET" ? "" : ` (${WRITE_UNKNOWN})`;
    return new ToolError("connection", `${where(req)}: ${what}${unknownWrite}`, { cause });
  }

  async function once<T>(req: JsonRequest): Promise<T> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    let res: Response;
    let text: string;
    try {
      res = await doFetch(urlOf(baseUrl, req), {
        method: req.method,
        headers: {
          accept: "application/json",
          ...(req.body === undefined ? {} : { "content-type": "application/json" }),
          ...cfg.headers,
        },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal,
      });
      text = await res.text();
    } catch (e) {
      const what = timeout.aborted
        ? `no complete answer within ${timeoutMs >= 1000 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`}`
        : `the connection broke (${(e as Error).message})`;
      throw broken(req, what, e);
    }
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
        // A tool's text with a NUL or half a surrogate pair (only a \u escape gives either) is kept with U+FFFD
        // in its place: stored as it came, one member's broken name would abort the whole fetch.
        if (text.includes("\\u")) makeStorable(body);
      } catch (e) {
        if (res.ok) throw broken(req, "the answer is not complete JSON (cut short?)", e);
        body = text;
      }
    }
    if (res.ok) return body as T;
    const kind = kindOfStatus(res.status);
    const message = cfg.readError(body) ?? `HTTP ${res.status} ${text.slice(0, 200)}`.trim();
    const unknownWrite = kind === "unavailable" && req.method !== "GET" ? ` (${WRITE_UNKNOWN})` : "";
    throw new ToolError(kind, `${where(req)} → ${res.status} ${message}${unknownWrite}`, {
      status: res.status,
      retry_after_s: retryAfterSeconds(res.headers.get("retry-after")),
      detail: body,
    });
  }

  return {
    baseUrl,
    async request<T>(req: JsonRequest): Promise<T> {
      let waitedS = 0;
      let reconnected = false;
      for (let attempt = 0; ; attempt++) {
        try {
          return await once<T>(req);
        } catch (e) {
          if (!(e instanceof ToolError) || req.signal?.aborted || !mayRepeat(req.method, e.kind)) throw e;
          if (e.kind === "connection") {
            // One fresh connection, no more: a tool that keeps dropping it is down for this run.
            if (reconnected) throw e;
            reconnected = true;
            continue;
          }
          const waitS = e.retry_after_s ?? 2 ** attempt;
          if (attempt >= maxRetries || waitS > maxWaitS || waitedS + waitS > budgetS) throw e;
          waitedS += waitS;
          await sleep(waitS * 1000, req.signal);
        }
      }
    },
  };
}
