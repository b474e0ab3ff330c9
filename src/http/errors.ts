// Maps every error to the DESIGN §9 body { error: { code, message, details } }. Anything unexpected is
// logged and answered as 500 without internals; everything a client can cause is a 4xx.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ZodError } from "zod";
import { AppError, type ErrorCode } from "../util/errors.js";

/** One field-level issue of a 400 (DESIGN §9, README "Errors"): where (`path`, dotted), what (`message`, English),
 * and — since session 17 — `code` with its parameters, so a client can word it in its own language. Zod's
 * issues keep zod's code and parameters (`too_small` + `origin`, `minimum`, `inclusive`; `invalid_type` +
 * `expected`, `received`; `invalid_format` + `format`; `invalid_value` + `values`; `unrecognized_keys` + `keys`;
 * `custom` + `params` …); the checks outside zod use the same vocabulary where it fits (`invalid_format`,
 * `required`) and a few codes of their own. Never the input itself. */
export interface FieldIssue {
  path: string;
  message: string;
  code?: string;
  [param: string]: unknown;
}

/** The parameters of a zod issue that are copied into its detail (the input and nested issues are not). */
const zodParams = [
  "expected",
  "origin",
  "minimum",
  "maximum",
  "inclusive",
  "exact",
  "format",
  "pattern",
  "prefix",
  "suffix",
  "includes",
  "divisor",
  "keys",
  "values",
  "discriminator",
  "params",
] as const;

/** What kind of value was received, as zod words it ("undefined", "null", "array", …), never the value. */
export function receivedKind(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "array";
  if (input instanceof Date) return "date";
  if (typeof input === "number" && Number.isNaN(input)) return "nan";
  return typeof input;
}

function jsonSafe(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) return v.map(jsonSafe);
  return v;
}

/** A ZodError's issues as 400 details. `received` is there when the parse ran with `reportInput: true`. */
export function zodDetails(err: ZodError): FieldIssue[] {
  return err.issues.map((i) => {
    const d: FieldIssue = { path: i.path.join("."), message: i.message, code: i.code };
    const raw = i as unknown as Record<string, unknown>;
    for (const k of zodParams) if (raw[k] !== undefined) d[k] = jsonSafe(raw[k]);
    if (i.code === "invalid_type" && "input" in raw) d.received = receivedKind(raw.input);
    return d;
  });
}

export function zodMessage(where: string, err: ZodError): string {
  const parts = err.issues.slice(0, 5).map((i) => {
    const p = i.path.join(".");
    return p ? `${p}: ${i.message}` : i.message;
  });
  return `Invalid ${where}: ${parts.join("; ")}${err.issues.length > 5 ? ` (and ${err.issues.length - 5} more)` : ""}`;
}

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "invalid",
  FST_ERR_CTP_EMPTY_JSON_BODY: "invalid",
  FST_ERR_CTP_INVALID_JSON_BODY: "invalid",
};

export function sendError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details?: unknown,
) {
  return reply
    .status(status)
    .type("application/json; charset=utf-8")
    .send({ error: { code, message, ...(details === undefined ? {} : { details }) } });
}

export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof AppError) return sendError(reply, err.status, err.code, err.message, err.details);
  if (err instanceof ZodError)
    return sendError(reply, 400, "invalid", zodMessage("request", err), zodDetails(err));
  const fe = err as FastifyError;
  if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return sendError(reply, 413, "too_large", "The request body is too large for this endpoint.");
  }
  if (fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    return sendError(
      reply,
      415,
      "unsupported_media_type",
      `Unsupported Content-Type; send application/json.`,
    );
  }
  if (err instanceof SyntaxError || fe.code === "FST_ERR_CTP_INVALID_JSON_BODY") {
    return sendError(reply, 400, "invalid", `Malformed JSON in the request body: ${err.message}`);
  }
  const status = fe.statusCode;
  if (status && status >= 400 && status < 500) {
    const code =
      fastifyCodes[fe.code] ?? (status === 413 ? "too_large" : status === 404 ? "not_found" : "invalid");
    return sendError(reply, status, code, err.message);
  }
  req.log.error({ err }, "unhandled error");
  return sendError(reply, 500, "internal", "Something went wrong on the server; it has been logged.");
}
