// What a tool adapter offers for mailings sent by the tool (issue 6 item 7, seed 003 §6): the tool's
// mailings of a list, their general statistics, bounces and per-recipient reactions. Adapters that can
// implement MailingTool beside EmailToolAdapter; supportsMailings() tells the service which can.
import type { EmailToolAdapter } from "../adapter.js";

export interface RemoteMailing {
  id: string;
  name: string;
  subject: string | null;
  /** The tool's own word (sent, sending, draft, finished, …). */
  status: string;
  list_ids: string[];
  sent_at: Date | null;
  /** How many the tool sent it to, where known. */
  recipients: number | null;
}

export interface RemoteMailingReport {
  /** Recipients the tool sent to. */
  recipients: number;
  bounces: number;
  /** Recipients who opened (unique) — or, where counts_events, open events. */
  opens: number;
  clicks: number;
  /** null where the tool keeps no per-mailing count. */
  unsubscribes: number | null;
  /** The tool counts events, not people (listmonk): rates are then upper bounds. */
  counts_events?: boolean;
}

/** permanent = hard bounce, temporary = soft bounce, general = the tool does not tell them apart. */
export type BounceKind = "permanent" | "temporary" | "general";

export interface RemoteBounce {
  email: string;
  kind: BounceKind;
  at: Date | null;
  reason: string | null;
}

export interface RemoteReaction {
  email: string;
  reaction: "opened" | "clicked";
}

export interface MailingTool {
  mailings(listId: string, signal?: AbortSignal): Promise<RemoteMailing[]>;
  mailing(id: string, signal?: AbortSignal): Promise<RemoteMailing>;
  mailingReport(id: string, signal?: AbortSignal): Promise<RemoteMailingReport>;
  mailingBounces(id: string, signal?: AbortSignal): AsyncIterable<RemoteBounce[]>;
  /** Who opened and who clicked (a clicker may appear under both). */
  mailingReactions(id: string, signal?: AbortSignal): AsyncIterable<RemoteReaction[]>;
}

export function supportsMailings(a: EmailToolAdapter): a is EmailToolAdapter & MailingTool {
  const m = a as Partial<MailingTool>;
  return (
    typeof m.mailings === "function" &&
    typeof m.mailingReport === "function" &&
    typeof m.mailingBounces === "function" &&
    typeof m.mailingReactions === "function"
  );
}
