// The reconciliation rules of seed 003 §5.2 as pure functions: the status rule (the newer status wins if
// it comes from the tool; a newer differing status here is a conflict and nothing changes), the field
// comparison, the duplicate rule and which tasks make sense for a subscription.
import type { SubscriptionStatus, SyncTask } from "../db/schema.js";
import type { RemoteStatus } from "./adapter.js";

/** What a tool status means for the subscription here. pending stays pending (counts as not subscribed). */
export function localStatusOf(remote: RemoteStatus): SubscriptionStatus {
  switch (remote) {
    case "subscribed":
      return "subscribed";
    case "pending":
      return "pending";
    case "cleaned":
      return "bounced_permanent";
    default:
      return "unsubscribed";
  }
}

/** Archived members left the list in the tool; transactional ones were never on it. */
export const isListMember = (remote: RemoteStatus) => remote !== "archived" && remote !== "transactional";

export type StatusDecision =
  | { kind: "same" }
  | { kind: "take_tool"; status: SubscriptionStatus }
  | { kind: "conflict"; crm: SubscriptionStatus; tool: RemoteStatus };

/**
 * Seed 003 §5.2: if the statuses differ, the tool's wins when it is newer; when ours is newer (or as old,
 * or the tool does not say when it changed) it is a conflict and nothing changes.
 */
export function decideStatus(
  crm: { status: SubscriptionStatus; at: Date },
  tool: { status: RemoteStatus; at: Date | null },
): StatusDecision {
  const toolAsLocal = localStatusOf(tool.status);
  if (toolAsLocal === crm.status) return { kind: "same" };
  if (tool.at && tool.at.getTime() > crm.at.getTime()) return { kind: "take_tool", status: toolAsLocal };
  return { kind: "conflict", crm: crm.status, tool: tool.status };
}

export interface FieldConflict {
  field: "first_name" | "last_name" | "salutation" | "status" | "email";
  crm: string | null;
  tool: string | null;
}

const norm = (v: string | null | undefined) => (v ?? "").trim();

export interface Names {
  first_name: string | null;
  last_name: string | null;
  salutation: string | null;
}

/** Names that differ. A tool that holds no salutation for the member (null) is not a difference. */
export function nameConflicts(crm: Names, tool: Names): FieldConflict[] {
  const out: FieldConflict[] = [];
  for (const field of ["first_name", "last_name", "salutation"] as const) {
    if (field === "salutation" && tool.salutation === null) continue;
    if (norm(crm[field]) !== norm(tool[field])) out.push({ field, crm: crm[field], tool: tool[field] });
  }
  return out;
}

export interface Candidate {
  id: string;
  first_name: string | null;
  last_name: string | null;
  /** the contact already has a subscription on this list */
  onList: boolean;
}

/**
 * The duplicate rule (seed 003 §5.2): the e-mail address decides; several contacts with it are told
 * apart by first and last name; if that still leaves several (or none), one is taken — the one already on
 * the list, then the oldest — and `ambiguous` asks for a warning in the event log.
 */
export function pickContact(
  candidates: Candidate[],
  tool: { first_name: string | null; last_name: string | null },
): { contact: Candidate; ambiguous: boolean } | null {
  if (candidates.length === 0) return null;
  if (candidates.length === 1) return { contact: candidates[0], ambiguous: false };
  const byName = candidates.filter(
    (c) =>
      norm(c.first_name).toLowerCase() === norm(tool.first_name).toLowerCase() &&
      norm(c.last_name).toLowerCase() === norm(tool.last_name).toLowerCase(),
  );
  if (byName.length === 1) return { contact: byName[0], ambiguous: false };
  const pool = byName.length > 1 ? byName : candidates;
  const sorted = [...pool].sort((a, b) => Number(b.onList) - Number(a.onList) || a.id.localeCompare(b.id));
  return { contact: sorted[0], ambiguous: true };
}

/** What Poststelle knows of a subscription when it decides which tasks make sense. */
export interface TaskContext {
  crmStatus: SubscriptionStatus;
  /** The tool's status at the last fetch; null when the member is not in the tool. */
  toolStatus: RemoteStatus | null;
  crmEmail: string | null;
  toolEmail: string | null;
  crmNames: Names;
  toolNames: Names | null;
}

/** The tasks offered for one subscription (seed 003: "only the options that apply are offered"). */
export function offeredTasks(t: TaskContext): SyncTask[] {
  const inTool = t.toolStatus !== null && isListMember(t.toolStatus);
  const out: SyncTask[] = [];
  if (t.crmStatus === "subscribed" && t.toolStatus !== "subscribed" && t.crmEmail) out.push("transmit");
  if (inTool && t.toolNames && nameConflicts(t.crmNames, t.toolNames).length > 0) out.push("update_name");
  if (t.toolStatus !== "subscribed" && t.toolStatus !== "pending" && t.crmEmail) out.push("subscribe");
  if (inTool && (t.toolStatus === "subscribed" || t.toolStatus === "pending")) out.push("unsubscribe");
  if (inTool) out.push("delete");
  if (inTool && t.crmEmail && t.toolEmail && t.crmEmail.toLowerCase() !== t.toolEmail.toLowerCase()) {
    out.push("change_email");
  }
  return out;
}
