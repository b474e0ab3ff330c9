// HTTP for tool adapters: JSON in and out, the tool's error bodies turned into ToolError kinds, 429 waited out
// per Retry-After and 5xx retried a few times (never a POST, which may have been applied), a broken
// connection reported as such (the engine then aborts the run and applies nothing half).
import { type AdapterOptions, ToolError, type ToolErrorKind } from "../adapter.js";

export interface ToolHttpConfig {
  tool: string;
  baseUrl: string;
  headers: Record<string, string>;
  /** The human message in the tool's error body, if it has one. */
  errorMessage: (body: unknown) => string | undefined;
  opts: AdapterOptions;
}

const REQUEST_TIMEOUT_MS = 60_000;

function kindOf(status: number): ToolErrorKind {
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "auth";
  if (status === 404 || status === 410) return "not_found";
  if (status >= 500) return "unavailable";
  return "invalid";
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
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
}

/** Seconds from a Retry-After header (delta seconds or an HTTP date). */
export function retryAfterSeconds(v: string | null, now = Date.now()): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, Math.ceil((t - now) / 1000));
}

export class ToolHttp {
  readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly maxRetries: number;
  private readonly maxWaitS: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly cfg: ToolHttpConfig) {
    this.baseUrl = cfg.baseUrl;
    this.fetchFn = cfg.opts.fetch ?? fetch;
    this.maxRetries = cfg.opts.maxRetries ?? 3;
    this.maxWaitS = cfg.opts.maxRetryWaitS ?? 30;
    this.sleep = cfg.opts.sleep ?? defaultSleep;
  }

  async json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.send(method, path, body, signal);
      const text = await this.readText(res, method, path);
      if (res.ok) return this.parse<T>(text, method, path);
      const kind = kindOf(res.status);
      const retryAfter = retryAfterSeconds(res.headers.get("retry-after"));
      const retryable = kind === "rate_limited" || (kind === "unavailable" && method !== "POST");
      if (retryable && attempt < this.maxRetries && (retryAfter ?? 0) <= this.maxWaitS) {
        const waitS = retryAfter ?? 2 ** attempt;
        await this.sleep(waitS * 1000, signal);
        continue;
      }
      let detail: unknown = text;
      try {
        detail = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      const message = this.cfg.errorMessage(detail) ?? `HTTP ${res.status}`;
      throw new ToolError(
        kind,
        `${this.cfg.tool}: ${method} ${path.split("?")[0]} → ${res.status} ${message}`,
        {
          status: res.status,
          retry_after_s: retryAfter,
          detail,
        },
      );
    }
  }

  private async send(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    try {
      return await this.fetchFn(`${this.baseUrl}${path}`, {
        method,
        headers: {
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...this.cfg.headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      throw new ToolError("connection", `${this.cfg.tool}: ${method} ${path.split("?")[0]}: ${String(err)}`, {
        cause: err,
      });
    }
  }

  private async readText(res: Response, method: string, path: string): Promise<string> {
    try {
      return await res.text();
    } catch (err) {
      throw new ToolError(
        "connection",
        `${this.cfg.tool}: ${method} ${path.split("?")[0]}: the answer broke off`,
        {
          cause: err,
        },
      );
    }
  }

  private parse<T>(text: string, method: string, path: string): T {
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new ToolError(
        "connection",
        `${this.cfg.tool}: ${method} ${path.split("?")[0]}: incomplete JSON`,
        {
          cause: err,
        },
      );
    }
  }
}
