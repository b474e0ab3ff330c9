// The one way the dashboard talks to Poststelle: fetch with the session cookie, the CSRF header on every
// write, and the error shape of DESIGN §9 turned into an ApiError the pages show (at the field for 400
// details, in a banner otherwise).

import type { FieldIssue } from "../i18n/errors";

export type { FieldError, FieldIssue } from "../i18n/errors";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
  }

  /** The 400 details by path, for messages at the form field (worded there from code and parameters). */
  fieldIssues(): Record<string, FieldIssue> {
    const out: Record<string, FieldIssue> = {};
    if (!Array.isArray(this.details)) return out;
    for (const d of this.details as FieldIssue[]) {
      if (d && typeof d.path === "string" && typeof d.message === "string" && !(d.path in out)) {
        out[d.path] = d;
      }
    }
    return out;
  }
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

export function setUnauthorizedHandler(fn: (() => void) | null) {
  onUnauthorized = fn;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
    if (body.error?.message) {
      return new ApiError(
        res.status,
        body.error.code ?? "error",
        body.error.message,
        body.error.details ?? null,
      );
    }
  } catch {
    // not JSON: a proxy's error page; fall through to the status line
  }
  return new ApiError(res.status, "http_error", `${res.status} ${res.statusText}`.trim());
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Query;
  /** Return the body as text (raw MIME). */
  text?: boolean;
  /** Return the body as a Blob (a PDF shown in the page). */
  blob?: boolean;
  /** Do not call the unauthorized handler on 401 (the session probe and the login itself). */
  quiet401?: boolean;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? "GET";
  const headers: Record<string, string> = { Accept: opts.text ? "text/plain, */*" : "application/json" };
  let body: BodyInit | undefined;
  if (opts.body instanceof FormData) body = opts.body;
  else if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), { method, headers, body, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network", "network");
  }
  if (!res.ok) {
    const err = await toApiError(res);
    if (res.status === 401 && !opts.quiet401) onUnauthorized?.();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  if (opts.text) return (await res.text()) as T;
  if (opts.blob) return (await res.blob()) as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>(path, { query }),
  post: <T>(path: string, body?: unknown) => request<T>(path, { method: "POST", body: body ?? {} }),
  patch: <T>(path: string, body: unknown) => request<T>(path, { method: "PATCH", body }),
  put: <T>(path: string, body: unknown) => request<T>(path, { method: "PUT", body }),
  del: <T>(path: string) => request<T>(path, { method: "DELETE" }),
};
