// One error family for the whole program. Services throw these; src/http/errors.ts maps them to the
// DESIGN §9 error body `{ error: { code, message, details } }` in one place.
export type ErrorCode =
  | "invalid"
  | "not_found"
  | "conflict"
  | "forbidden"
  | "unauthorized"
  | "too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "internal";

const statusOf: Record<ErrorCode, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.status = statusOf[code];
  }
}

export const Invalid = (message: string, details?: unknown) => new AppError("invalid", message, details);
export const NotFound = (kind: string, id?: string) =>
  new AppError(
    "not_found",
    id ? `No ${kind} with id '${id}' exists in this workspace.` : `${kind} not found.`,
  );
export const Conflict = (message: string, details?: unknown) => new AppError("conflict", message, details);
export const Forbidden = (message: string) => new AppError("forbidden", message);
export const Unauthorized = (message: string) => new AppError("unauthorized", message);
