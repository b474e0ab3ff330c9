// Addresses that tie every later observation to exactly one message (DESIGN §3.8): the Message-ID header
// and the VERP return path `bounce+<message id>-<signature>@<bounce domain>`. The signature is a short
// HMAC with the instance secret, so a forged or mangled bounce address maps to no message at all.
import { hmac, safeEqual } from "../util/crypto.js";
import { domainOf } from "../util/email.js";

const PREFIX = "bounce+";
/** 12 hex digits = 48 bits: far beyond guessing for a bounce address, short enough for a local part. */
const SIG_LENGTH = 12;

function signature(secret: string, messageId: string): string {
  return hmac(secret, `verp:${messageId}`, "hex").slice(0, SIG_LENGTH);
}

/** The envelope sender of a message: bounces (DSNs) come back to it. Lower-case only, because some
 * relays lower-case the local part on the way. */
export function verpAddress(secret: string, messageId: string, bounceDomain: string): string {
  return `${PREFIX}${messageId}-${signature(secret, messageId)}@${bounceDomain.toLowerCase()}`;
}

/** The message id of a VERP address, or null when the address is not one of ours or its signature does
 * not verify. The domain is not checked: a workspace may change its bounce domain while bounces for older
 * messages are still arriving. */
export function parseVerp(secret: string, address: string): { messageId: string } | null {
  const a = address.trim().replace(/^<|>$/g, "").toLowerCase();
  const at = a.lastIndexOf("@");
  if (at < 0) return null;
  const local = a.slice(0, at);
  if (!local.startsWith(PREFIX)) return null;
  const token = local.slice(PREFIX.length);
  const dash = token.lastIndexOf("-");
  if (dash <= 0) return null;
  const messageId = token.slice(0, dash);
  const sig = token.slice(dash + 1);
  if (sig.length !== SIG_LENGTH || !safeEqual(sig, signature(secret, messageId))) return null;
  return { messageId };
}

/** RFC 5322 Message-ID: the message's own id at the sender's domain, so it is unique and recognisable. */
export function messageIdHeader(messageId: string, fromAddress: string): string {
  return `<${messageId}@${domainOf(fromAddress)}>`;
}

/** The message id inside a Message-ID this instance wrote (messageIdHeader), or null for any other shape.
 * Messages are looked up by it, not by an index on the header (migration 205). */
export function messageIdInHeader(header: string): string | null {
  const m = /^<([a-z]{2,10}_[0-9a-z]{10,60})@[^<>@\s]+>$/.exec(header);
  return m ? m[1] : null;
}
