// How an SMTP failure is judged (RFC 5321 §4.2.1), for every sender that speaks SMTP: the reply, the
// enhanced status code, and whether the message may be tried again.
import type { SendResult } from "../delivery/senders.js";
import { errorCodeOf, parseReply } from "./reply.js";

/** A failed SMTP step as it arrives from the client: the reply code and text when the server answered. */
export interface SmtpErrorLike extends Error {
  code?: string;
  response?: string;
  responseCode?: number;
  command?: string;
}

// Codes of failures that say nothing about the message: the connection, TLS or our credentials.
// Retrying is right; giving up on the message because of our own configuration would not be.
const CONNECTION_CODES = new Set([
  "ECONNECTION",
  "ETIMEDOUT",
  "ESOCKET",
  "EDNS",
  "ETLS",
  "EPROXY",
  "EAUTH",
  "ENOAUTH",
]);

/** RFC 5321 §4.2.1: 5yz is permanent, 4yz and a lost connection are temporary. 503 (bad sequence) is a
 * session problem, not a verdict on the message. */
export function failure(err: SmtpErrorLike, label: string): SendResult {
  const reply = parseReply(err.response, err.responseCode);
  const permanent =
    !CONNECTION_CODES.has(err.code ?? "") && reply.code !== null && reply.code >= 500 && reply.code !== 503;
  const connectionLost = reply.code === null;
  const detail = connectionLost
    ? `No reply from the relay (${err.code ?? "error"}): ${err.message}`
    : reply.response;
  return {
    outcome: permanent ? "permanent" : "temporary",
    reply,
    detail,
    errorCode: errorCodeOf(reply) ?? (err.code ? err.code.toLowerCase() : "connection_lost"),
    evidence: {
      transport: label,
      response: reply.response || null,
      code: reply.code,
      enhanced_code: reply.enhanced,
      command: err.command ?? null,
      error: err.code ?? null,
    },
  };
}
