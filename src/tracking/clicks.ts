// The click redirect (issue 5 item 5, DESIGN §3.9): GET /c/<token> answers 302 to the URL recorded for that
// message and link when it was sent — never to anything the request carries, so the redirect cannot be
// turned into an open redirect — and appends a `clicked` event. Link scanners are flagged (./machine.ts).
import { appendEvents } from "../events/service.js";
import type { Runtime } from "../runtime.js";
import { findClickTarget } from "./engagement-store.js";
import { readClickToken } from "./engagement-token.js";
import { type Hit, judgeClick } from "./machine.js";
import { hitDedupeKey, hitEvidence, machineNote } from "./opens.js";

/** The recorded target of a valid click token (the click is recorded); null for a forged token or an
 * unknown message or link (nothing recorded). */
export async function recordClick(rt: Runtime, token: string, hit: Hit): Promise<string | null> {
  const t = readClickToken(rt.secret, token);
  if (!t) return null;
  const target = await findClickTarget(rt.db, t.messageId, t.idx);
  if (!target) return null;
  const verdict = judgeClick(hit, [target.sent_at, target.delivered_at]);
  await appendEvents(
    rt.db,
    [
      {
        message_id: t.messageId,
        workspace_id: target.workspace_id,
        type: "clicked",
        source: "click",
        at: hit.at,
        detail: `Clicked ${target.url}${machineNote(verdict)}`,
        evidence: { ...hitEvidence(hit, verdict), url: target.url, link_index: t.idx },
        dedupe_key: hitDedupeKey(`click:${t.idx}`, t.messageId, hit),
      },
    ],
    hit.at,
  );
  return target.url;
}
