// Machine opens and clicks in provider events (issue 5 item 5, DESIGN §3.9): where the provider says so
// itself (Mailgun's client-info.bot, SendGrid's sg_machine_open) its word counts; otherwise the user agent and
// client address it reports are judged by the same rules as our own pixel and redirect (src/tracking/machine.ts).
// The verdict goes into the evidence as `machine` and `machine_reason`; status derivation skips such events.
import { judgeClick, judgeOpen, type MachineReason, type Verdict } from "../tracking/machine.js";

/** Mailgun's client-info.bot values ("Open and Click Bot Detection" in its user manual). */
const MAILGUN_BOTS: Record<string, { open: MachineReason; click: MachineReason }> = {
  apple: { open: "apple_mail_privacy_protection", click: "apple_mail_privacy_protection" },
  gmail: { open: "google_image_proxy", click: "link_scanner" },
  generic: { open: "bot", click: "link_scanner" },
};

/** What the provider saw of the client: its user agent and address, and its own bot verdict if any. */
export interface ClientSeen {
  userAgent: string | null;
  ip: string | null;
  /** the provider's bot label; empty or absent when it detected none */
  bot?: string | null;
}

export function judgeProviderEngagement(kind: "open" | "click", c: ClientSeen, at: Date): Verdict {
  const bot = c.bot?.trim().toLowerCase();
  if (bot) {
    const known = MAILGUN_BOTS[bot];
    return { machine: true, machine_reason: known ? known[kind] : kind === "open" ? "bot" : "link_scanner" };
  }
  // Without a user agent there is nothing to judge by: such an event is taken as the provider reports it.
  if (c.userAgent === null) return { machine: false, machine_reason: null };
  const hit = { method: "GET", userAgent: c.userAgent, ip: c.ip ?? "", at };
  // The send and delivery times are not in the provider's click event; its scanners are judged by agent.
  return kind === "open" ? judgeOpen(hit) : judgeClick(hit, []);
}

/** The detail line of an open or click event, saying when it was judged a machine's. */
export function engagementDetail(provider: string, what: string, v: Verdict): string {
  return v.machine ? `${what} by a machine (${provider}: ${v.machine_reason})` : `${what} (${provider})`;
}
