// Open and click tokens (DESIGN §3.9): the message id (and, for a click, the link's position) packed into
// bytes and signed with the instance secret, on the same compact scheme as the unsubscribe link
// (./token.ts). The purpose is signed too, so an open token never passes as a click token or vice versa.
// A click token carries no URL: the redirect target is looked up from message_links.
import { IdReader, openToken, packId, signToken } from "./token.js";

const VERSION = 1;
const MESSAGE_PREFIX = "msg";
/** Two bytes of link index: no e-mail has 65,536 links, and a longer one is refused when instrumenting. */
export const MAX_LINKS = 0xffff;

export function openTokenFor(secret: string, messageId: string): string {
  return signToken(secret, "open", Buffer.concat([Buffer.of(VERSION), packId(messageId, MESSAGE_PREFIX)]));
}

export function clickTokenFor(secret: string, messageId: string, idx: number): string {
  if (!Number.isInteger(idx) || idx < 0 || idx > MAX_LINKS) throw new Error(`link index ${idx} out of range`);
  return signToken(
    secret,
    "click",
    Buffer.concat([Buffer.of(VERSION), packId(messageId, MESSAGE_PREFIX), Buffer.of(idx >> 8, idx & 0xff)]),
  );
}

/** Reads a verified payload; null for a version mix-up or stray bytes (never throws). */
function read<T>(payload: Buffer | null, body: (r: IdReader) => T): T | null {
  if (!payload) return null;
  try {
    const r = new IdReader(payload);
    if (r.byte() !== VERSION) return null;
    const out = body(r);
    return r.done() ? out : null;
  } catch {
    return null;
  }
}

/** The message of an open token, or null when it is forged, altered or not an open token. */
export function readOpenToken(secret: string, token: string): { messageId: string } | null {
  return read(openToken(secret, "open", token), (r) => ({ messageId: r.id(MESSAGE_PREFIX) }));
}

/** The message and link index of a click token, or null when it is forged, altered or not a click token. */
export function readClickToken(secret: string, token: string): { messageId: string; idx: number } | null {
  return read(openToken(secret, "click", token), (r) => ({
    messageId: r.id(MESSAGE_PREFIX),
    idx: (r.byte() << 8) | r.byte(),
  }));
}
