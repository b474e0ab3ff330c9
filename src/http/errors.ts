// Maps every error to the DESIGN §9 body { error: { code, message, details } }. Anything unexpected is
// logged and answered as 500 without internals; everything a client can cause is a 4xx.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ZodError } from "zod";
import { AppError, type ErrorCode } from "../util/errors.js";

export function zodDetails(err: ZodError) {
  return err.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
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
