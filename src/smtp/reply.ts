// Reading SMTP replies (RFC 5321 §4.2, RFC 3463 enhanced status codes): the reply code, the enhanced
// code, and the relay's queue id ("250 2.0.0 Ok: queued as 4F2C81A0B3" from Postfix, "id=1tX…" from Exim),
// which is the evidence that ties our message to the relay's log.

export interface SmtpReply {
  /** The reply line(s) as the server sent them. */
  response: string;
  code: number | null;
  /** RFC 3463 enhanced status code, e.g. "5.1.1". */
  enhanced: string | null;
}

export function parseReply(response: string | undefined | null, code?: number | null): SmtpReply {
  const text = (response ?? "").trim();
  const m = /^(\d{3})(?:[ -](\d\.\d{1,3}\.\d{1,3}))?/.exec(text);
  const parsedCode = m ? Number(m[1]) : null;
  return { response: text, code: code ?? parsedCode, enhanced: m?.[2] ?? null };
}

const QUEUE_ID_PATTERNS = [
  /\bqueued as ([A-Za-z0-9][A-Za-z0-9._-]*)/i, // Postfix, smtp-server, many others
  /\bid=([A-Za-z0-9][A-Za-z0-9._-]*)/i, // Exim
  /\b(?:ok|queued)\s*[<(]?([A-Za-z0-9]{8,}[A-Za-z0-9._-]*)[>)]?\s*$/i, // "250 OK <id>" style relays
];

/** The relay's queue id in a 250 reply, when it names one. */
export function queueIdOf(response: string): string | null {
  for (const p of QUEUE_ID_PATTERNS) {
    const m = p.exec(response);
    if (m) return m[1];
  }
  return null;
}

/** The error code stored with a failure: the enhanced code when the server gave one, else smtp_<code>. */
export function errorCodeOf(reply: SmtpReply): string | null {
  if (reply.enhanced) return reply.enhanced;
  return reply.code ? `smtp_${reply.code}` : null;
}
