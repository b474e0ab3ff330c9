// Tracking applied to one message at send time (issue 5 item 5): its HTML with click redirects and the open
// pixel, and the links to store in message_links (in the same transaction as the message). Pure: one scan
// and two HMACs per link, no database, so campaigns can call it per recipient on their hot path.
//
// When tracking applies: the workspace setting `tracking` (default off: in Germany opening and click
// tracking need the recipient's consent, so a workspace turns it on deliberately), and for campaigns their own
// `tracking` flag on top (the campaign decides; see trackingEnabled).
import type { Kysely } from "kysely";
import type { DB } from "../db/schema.js";
import type { Runtime } from "../runtime.js";
import { insertMessageLinks } from "./engagement-store.js";
import { clickTokenFor, MAX_LINKS, openTokenFor } from "./engagement-token.js";
import {
  type InstrumentationPlan,
  planInstrumentation,
  renderInstrumented,
  type TrackedLink,
} from "./rewrite.js";

/** What instrumenting needs of the runtime: the public URL the links point to and the tokens' secret. */
type TrackingRuntime = Pick<Runtime, "config" | "secret">;

export interface TrackedHtml {
  html: string;
  links: TrackedLink[];
}

/** Workspace setting and (for campaign mail) the campaign's flag; transactional mail has no flag. */
export function trackingEnabled(
  workspaceTracking: boolean | null | undefined,
  campaignTracking?: boolean | null,
) {
  return workspaceTracking === true && campaignTracking !== false;
}

export function openUrl(rt: TrackingRuntime, messageId: string): string {
  return `${rt.config.publicUrl}/o/${openTokenFor(rt.secret, messageId)}.gif`;
}

export function clickUrl(rt: TrackingRuntime, messageId: string, idx: number): string {
  return `${rt.config.publicUrl}/c/${clickTokenFor(rt.secret, messageId, idx)}`;
}

// One-entry memo: consecutive messages of a campaign often share their HTML exactly (no merge field in the
// body), and then the scan is done once. A string compare of equal strings is far cheaper than the scan.
let last: { html: string; prefix: string; plan: InstrumentationPlan } | null = null;

function planFor(rt: TrackingRuntime, html: string): InstrumentationPlan {
  const prefix = `${rt.config.publicUrl}/u/`;
  if (last && last.prefix === prefix && last.html === html) return last.plan;
  // Our own unsubscribe link stays as it is: it must work without tracking, and a scanner following it
  // through a redirect would only see the confirmation page anyway.
  const plan = planInstrumentation(html, (url) => url.startsWith(prefix));
  if (plan.links.length > MAX_LINKS + 1) {
    // Beyond what a token can name: leave the HTML untracked rather than fail the message.
    return { parts: [html], links: [], tail: "" };
  }
  last = { html, prefix, plan };
  return plan;
}

/** The message's HTML instrumented for tracking, and its links (message_links rows via linkRows). */
export function trackingFor(rt: TrackingRuntime, messageId: string, html: string): TrackedHtml {
  const plan = planFor(rt, html);
  return {
    html: renderInstrumented(plan, openUrl(rt, messageId), (idx) => clickUrl(rt, messageId, idx)),
    links: plan.links,
  };
}

/** Stores the links of tracked messages; call in the transaction that inserts the messages. */
export async function storeMessageLinks(
  db: Kysely<DB>,
  messages: Array<{ messageId: string; workspaceId: string; links: TrackedLink[] }>,
): Promise<void> {
  await insertMessageLinks(
    db,
    messages.flatMap((m) =>
      m.links.map((l) => ({ message_id: m.messageId, workspace_id: m.workspaceId, idx: l.idx, url: l.url })),
    ),
  );
}
