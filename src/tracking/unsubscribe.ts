// The per-recipient unsubscribe link and the headers that carry it (issue 4 item 6): RFC 2369
// List-Unsubscribe and RFC 8058 List-Unsubscribe-Post for one-click unsubscribing. Campaigns call
// unsubscribeUrl once per message, so building the link is pure computation (one HMAC, no database).
import type { Runtime } from "../runtime.js";
import { IdReader, openToken, packId, signToken } from "./token.js";

const PURPOSE = "unsubscribe";
const VERSION = 1;

/** Flag bits of the first payload byte; its high nibble holds the version. */
const WITHDRAW = 1;
const HAS_LIST = 2;
const HAS_CAMPAIGN = 4;
const HAS_MESSAGE = 8;

/** The prefixes src/util/ids.ts gives these records; an id with another prefix still packs, only longer. */
const PREFIX = { contact: "con", list: "list", campaign: "cmp", message: "msg" } as const;

export interface UnsubscribeLink {
  workspaceId: string;
  contactId: string;
  listId?: string | null;
  campaignId?: string | null;
  messageId?: string | null;
  /** Using the link also withdraws the e-mail marketing consent. */
  withdrawConsent?: boolean;
}

/** What a verified token says. The workspace is not in the token: the contact id (globally unique)
 * determines it, which keeps every mail's link shorter. */
export interface UnsubscribeToken {
  contactId: string;
  listId: string | null;
  campaignId: string | null;
  messageId: string | null;
  withdrawConsent: boolean;
}

export function unsubscribeToken(secret: string, p: Omit<UnsubscribeLink, "workspaceId">): string {
  const flags =
    (p.withdrawConsent ? WITHDRAW : 0) |
    (p.listId ? HAS_LIST : 0) |
    (p.campaignId ? HAS_CAMPAIGN : 0) |
    (p.messageId ? HAS_MESSAGE : 0);
  const parts = [Buffer.of((VERSION << 4) | flags), packId(p.contactId, PREFIX.contact)];
  if (p.listId) parts.push(packId(p.listId, PREFIX.list));
  if (p.campaignId) parts.push(packId(p.campaignId, PREFIX.campaign));
  if (p.messageId) parts.push(packId(p.messageId, PREFIX.message));
  return signToken(secret, PURPOSE, Buffer.concat(parts));
}

/** The signed link `${publicUrl}/u/<token>` for one recipient of one message. */
export function unsubscribeUrl(
  rt: Runtime,
  p: {
    workspaceId: string;
    contactId: string;
    listId?: string | null;
    campaignId?: string | null;
    messageId?: string | null;
    withdrawConsent?: boolean;
  },
): string {
  return `${rt.config.publicUrl}/u/${unsubscribeToken(rt.secret, p)}`;
}

/** RFC 2369 §3.2 List-Unsubscribe (angle-bracketed URIs, most preferred first) and RFC 8058 §3.1
 * List-Unsubscribe-Post, which tells the mailbox provider it may POST to the https URI without asking. */
export function listUnsubscribeHeaders(url: string, mailto?: string): Record<string, string> {
  const mailtoUri = mailto ? (mailto.startsWith("mailto:") ? mailto : `mailto:${mailto}`) : null;
  return {
    "List-Unsubscribe": mailtoUri ? `<${url}>, <${mailtoUri}>` : `<${url}>`,
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
  };
}

/** The token's content, or null when it is forged, altered, truncated or not an unsubscribe token. */
export function readUnsubscribeToken(secret: string, token: string): UnsubscribeToken | null {
  const payload = openToken(secret, PURPOSE, token);
  if (!payload) return null;
  try {
    const r = new IdReader(payload);
    const head = r.byte();
    if (head >> 4 !== VERSION) return null;
    const out: UnsubscribeToken = {
      contactId: r.id(PREFIX.contact),
      listId: head & HAS_LIST ? r.id(PREFIX.list) : null,
      campaignId: head & HAS_CAMPAIGN ? r.id(PREFIX.campaign) : null,
      messageId: head & HAS_MESSAGE ? r.id(PREFIX.message) : null,
      withdrawConsent: (head & WITHDRAW) !== 0,
    };
    return r.done() ? out : null;
  } catch {
    // Signed by us but unreadable can only mean a version mix-up; treat it as invalid, never crash.
    return null;
  }
}
