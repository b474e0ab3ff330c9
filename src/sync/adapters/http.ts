// What every tool adapter needs from HTTP: JSON requests with retries on 429 (honouring Retry-After) and
// 5xx, and every failure turned into a ToolError, so the engine never sees a raw fetch exception.
import { type AdapterOptions, ToolError, type ToolErrorKind } from "../adapter.js";

export interface JsonRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal;
}

export interface HttpClient {
  request<T>(req: JsonRequest): Promise<T>;
}

export type ErrorReader = (status: number, body: unknown, text: string) => string;

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(new ToolError("connection", "Aborted"));
      },
      { once: true },
    );
  });

function kindOfStatus(status: number): ToolErrorKind {
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "auth";
  if (status === 404) return "not_found";
  if (status >= 500) return "unavailable";
  return "invalid";
}

/** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return s;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

function urlOf(base: string, req: JsonRequest): string {
  const u = new URL(base.replace(/\/$/, "") + req.path);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
}

export function httpClient(
  base: string,
  headers: Record<string, string>,
  opts: AdapterOptions,
  readError: ErrorReader,
  toolLabel: string,
): HttpClient {
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? defaultSleep;
  const maxRetries = opts.maxRetries ?? 3;
  const maxWait = opts.maxRetryWaitS ?? 30;

  async function once<T>(req: JsonRequest): Promise<T> {
    let res: Response;
    let text: string;
    try {
      res = await doFetch(urlOf(base, req), {
        method: req.method,
        headers: {
          accept: "application/json",
          ...headers,
          ...(req.body ? { "content-type": "application/json" } : {}),
        },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: req.signal,
      });
      text = await res.text();
    } catch (e) {
      throw new ToolError("connection", `${toolLabel} could not be reached: ${(e as Error).message}`, {
        cause: e,
      });
    }
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        if (res.ok)
          throw new ToolError("connection", `${toolLabel} sent a reply that is not JSON (cut short?)`);
      }
    }
    if (res.ok) return body as T;
    throw new ToolError(kindOfStatus(res.status), `${toolLabel}: ${readError(res.status, body, text)}`, {
      status: res.status,
      retry_after_s: retryAfterSeconds(res.headers.get("retry-after")),
      detail: body,
    });
  }

  return {
    async request<T>(req: JsonRequest): Promise<T> {
      for (let attempt = 0; ; attempt++) {
        try {
          return await once<T>(req);
        } catch (e) {
          const err = e as ToolError;
          // A GET is safe to repeat after a broken connection (e.g. a kept-alive socket the tool had closed).
          const reconnect = err.kind === "connection" && req.method === "GET" && !req.signal?.aborted;
          const retriable = err.kind === "rate_limited" || err.kind === "unavailable" || reconnect;
          if (!retriable || attempt >= maxRetries) throw err;
          const wait = reconnect ? 0.25 * 2 ** attempt : Math.min(maxWait, err.retry_after_s ?? 2 ** attempt);
          await sleep(wait * 1000, req.signal);
        }
      }
    },
  };
}
