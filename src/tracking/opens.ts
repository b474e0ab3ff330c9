// The open pixel (issue 5 item 5, DESIGN §3.9): GET /o/<token>.gif answers a 1×1 transparent GIF and
// appends an `opened` event with its evidence. Opens by privacy proxies are stored flagged as machine opens
// (./machine.ts); status derivation and the statistics do not count them as the recipient's.
import { appendEvents } from "../events/service.js";
import type { Runtime } from "../runtime.js";
import { sha256 } from "../util/crypto.js";
import { findOpenTarget } from "./engagement-store.js";
import { readOpenToken } from "./engagement-token.js";
import { type Hit, judgeOpen, truncateIp, type Verdict } from "./machine.js";

/** The smallest transparent GIF89a: 1×1, one transparent palette entry (43 bytes). */
export const PIXEL_GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

/** Longer user agents are cut: evidence, not a place to store whatever a client sends. */
const MAX_AGENT_CHARS = 512;

export function hitEvidence(hit: Hit, verdict: Verdict) {
  return {
    user_agent: hit.userAgent.slice(0, MAX_AGENT_CHARS),
    ip: truncateIp(hit.ip),
    method: hit.method,
    machine: verdict.machine,
    machine_reason: verdict.machine_reason,
  };
}

const REASON_TEXT: Record<string, string> = {
  apple_mail_privacy_protection: "Apple Mail Privacy Protection",
  google_image_proxy: "Google image proxy",
  yahoo_mail_proxy: "Yahoo mail proxy",
  head_request: "HEAD request",
  link_scanner: "link scanner",
  bot: "automated client",
  too_soon_after_sending: "within seconds of sending",
};

/** One event per client, link and minute: a reloading mail client or a script hammering a link adds one
 * row a minute, not one per request (the repeated hit is a no-op through the event's dedupe_key). */
export function hitDedupeKey(kind: string, messageId: string, hit: Hit): string {
  const client = sha256(`${messageId}\0${hit.method}\0${hit.userAgent}\0${hit.ip}`).slice(0, 24);
  return `${kind}:${client}:${Math.floor(hit.at.getTime() / 60_000)}`;
}

export function machineNote(verdict: Verdict): string {
  return verdict.machine_reason ? ` by a machine (${REASON_TEXT[verdict.machine_reason]})` : "";
}

/** Records an open for a valid token; false (and nothing recorded) for a forged one or an unknown message. */
export async function recordOpen(rt: Runtime, token: string, hit: Hit): Promise<boolean> {
  const t = readOpenToken(rt.secret, token);
  if (!t) return false;
  const target = await findOpenTarget(rt.db, t.messageId);
  if (!target) return false;
  const verdict = judgeOpen(hit);
  await appendEvents(
    rt.db,
    [
      {
        message_id: t.messageId,
        workspace_id: target.workspace_id,
        type: "opened",
        source: "open_pixel",
        at: hit.at,
        detail: `Opened${machineNote(verdict)}`,
        evidence: hitEvidence(hit, verdict),
        dedupe_key: hitDedupeKey("open", t.messageId, hit),
      },
    ],
    hit.at,
  );
  return true;
}
