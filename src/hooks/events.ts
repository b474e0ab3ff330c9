// The events the host application can subscribe to, and how a delivery's row becomes its POST.
import { hmac } from "../util/crypto.js";

export const hookEventTypes = [
  "message.status_changed",
  "message.bounced",
  "message.complained",
  "contact.unsubscribed",
  "consent.changed",
  "campaign.state_changed",
] as const;
export type HookEventType = (typeof hookEventTypes)[number];

/** Waits after the 1st, 2nd … failed attempt: 1m, 5m, 30m, 2h, 6h, 12h, 24h — about 44.6 h in all, so an
 * endpoint that is down for a day still gets everything. After the last wait comes the final attempt. */
export const RETRY_SCHEDULE_SECONDS = [60, 300, 1800, 7200, 21600, 43200, 86400];
export const MAX_ATTEMPTS = RETRY_SCHEDULE_SECONDS.length + 1;
export const ATTEMPT_TIMEOUT_MS = 10_000;

/** When the next attempt is due after `attempts` failed ones, or null when there is none left. */
export function nextAttemptAt(attempts: number, now: Date): Date | null {
  if (attempts >= MAX_ATTEMPTS) return null;
  return new Date(now.getTime() + RETRY_SCHEDULE_SECONDS[attempts - 1] * 1000);
}

/** `Poststelle-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` */
export function signatureHeader(secret: string, body: string, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${hmac(secret, `${t}.${body}`, "hex")}`;
}

export function deliveryBody(d: {
  id: string;
  event_type: string;
  workspace_id: string;
  created_at: Date;
  payload: unknown;
}): string {
  return JSON.stringify({
    id: d.id,
    type: d.event_type,
    workspace_id: d.workspace_id,
    created_at: new Date(d.created_at).toISOString(),
    data: d.payload,
  });
}
