// The shapes of /v1/lists as the list pages use them, and the list labels in the user's language.
import { useI18n } from "../../i18n";
import { listDicts } from "../../i18n/lists";

export interface List {
  id: string;
  name: string;
  description: string | null;
  type: "email_list" | "one_time";
  status: "running" | "ended";
  sender_name: string | null;
  sender_email: string | null;
  reply_to: string | null;
  record_reactions: boolean;
  created_at: string;
  updated_at: string;
}

export type ListWithCounts = List & { counts: Record<string, number> & { total: number } };

export interface Subscription {
  id: string;
  list_id: string;
  contact_id: string;
  status: string;
  status_set_at: string | null;
  status_set_by: string | null;
  status_set_by_name?: string | null;
  created_at: string;
  contact?: {
    first_name: string | null;
    last_name: string | null;
    name: string | null;
    email: string | null;
  };
}

export interface BulkResult {
  matched: number;
  added: number;
  already_present: number;
}

export const subscriptionStatuses = [
  "subscribed",
  "unsubscribed",
  "pending",
  "bounced_permanent",
  "bounced_temporary",
  "bounced_general",
] as const;

export function useListText() {
  const i18n = useI18n();
  return { ...i18n, l: listDicts[i18n.lang] };
}

/** The name a member is shown by: the contact's name, else the address, else the id. */
export function memberName(s: Subscription): string {
  return s.contact?.name || s.contact?.email || s.contact_id;
}

/** GET /v1/lists/:id/link: the list's link to a list in an e-mail tool. */
export interface Link {
  id: string;
  list_id: string;
  connection_id: string;
  tool?: string;
  remote_list_id: string;
  remote_list_name: string | null;
  how: string;
  settings: Record<string, unknown>;
  fetch_every_minutes: number | null;
  last_fetch_at: string | null;
  last_transmit_at: string | null;
}

/** A row of GET /v1/lists/:id/sync/members: a subscription with its reconciliation result and task. */
export interface SyncMember {
  subscription_id: string;
  contact: { id: string; first_name: string | null; last_name: string | null; email: string | null };
  status: { value: string; set_at: string | null; set_by: string | null; set_by_name?: string | null };
  tool: {
    remote_id: string | null;
    email: string | null;
    status: string;
    status_changed_at: string | null;
    first_name: string | null;
    last_name: string | null;
    salutation: string | null;
  } | null;
  result: string | null;
  result_detail: { conflicts?: { field: string; crm: unknown; tool: unknown }[]; warnings?: string[] };
  result_at: string | null;
  task: string | null;
  task_set_at: string | null;
  task_set_by: string | null;
  task_reason: string | null;
  transmit: { outcome: string; error: string | null; at: string | null } | null;
  offered_tasks: string[];
}

/** One member row as the members table shows it, from either source. */
export interface MemberRow {
  subscriptionId: string;
  contactId: string;
  name: string;
  email: string | null;
  status: string;
  setAt: string | null;
  setBy: string | null;
  /** The user's or API key's name behind setBy, as the API resolved it. */
  setByName: string | null;
  result: string | null;
  task: string | null;
}

export function rowOfSubscription(s: Subscription): MemberRow {
  return {
    subscriptionId: s.id,
    contactId: s.contact_id,
    name: memberName(s),
    email: s.contact?.email ?? null,
    status: s.status,
    setAt: s.status_set_at,
    setBy: s.status_set_by,
    setByName: s.status_set_by_name ?? null,
    result: null,
    task: null,
  };
}

export function rowOfSyncMember(m: SyncMember): MemberRow {
  const name = [m.contact.first_name, m.contact.last_name].filter(Boolean).join(" ");
  return {
    subscriptionId: m.subscription_id,
    contactId: m.contact.id,
    name: name || m.contact.email || m.contact.id,
    email: m.contact.email,
    status: m.status.value,
    setAt: m.status.set_at,
    setBy: m.status.set_by,
    setByName: m.status.set_by_name ?? null,
    result: m.result,
    task: m.task,
  };
}
