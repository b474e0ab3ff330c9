// The shapes of /v1/campaigns as the pages use them, and the campaign labels in the user's language.

import { useI18n } from "../../i18n";
import { type CampaignDict, campaignDicts } from "../../i18n/campaigns";

export interface Progress {
  total: number;
  counts: Record<string, number>;
  done: number;
  rate_per_second: number;
  expected_end: string | null;
  waiting_for_processing: boolean;
  resume_at: string | null;
}

export interface LetterOptions {
  sender: { name: string; street: string; postal_code: string; city: string; country?: string };
  [k: string]: unknown;
}

export interface Campaign {
  id: string;
  name: string;
  kind: "email" | "letter";
  state: string;
  purpose: string;
  list_ids: string[];
  filter: ContactFilter | null;
  template_id: string | null;
  subject: string | null;
  from: string | null;
  from_name: string | null;
  reply_to: string | null;
  scheduled_at: string | null;
  send_scheduled: boolean;
  /** Open and click tracking when the workspace's setting is on too. */
  tracking: boolean;
  sort: string;
  letter_options: LetterOptions | null;
  recipient_count: number;
  run_count: number;
  frozen: boolean;
  created_at: string;
  updated_at: string;
  progress?: Progress;
  document?: {
    format: string;
    sort: string;
    pages: number;
    letters: number;
    bytes: number;
    created_at: string;
  } | null;
}

export interface Recipient {
  contact_id: string;
  position: number;
  name: string | null;
  email: string | null;
  status: string;
  reason: string | null;
  detail: string | null;
  to: string | null;
  message_id: string | null;
  attempts: number;
  next_attempt_at: string | null;
  done_at: string | null;
}

export interface ListSummary {
  id: string;
  name: string;
  sender_email: string | null;
  sender_name: string | null;
}

export interface TemplateSummary {
  id: string;
  name: string;
  kind: string;
  subject: string;
}

/** States in which a worker is on it: the page polls and nothing may be changed. */
export const activeStates = new Set(["loading_recipients", "in_progress", "waiting_for_continuation"]);
/** States after a run from which the user may send again. */
export const resendStates = new Set(["incomplete_sent", "failed_sending"]);
export const finishedStates = new Set([
  "completed_automatic",
  "incomplete_sent",
  "failed_sending",
  "created",
  "incomplete_created",
  "failed_creating",
  "completed",
]);

export function stateTone(state: string): string {
  if (state === "completed_automatic" || state === "created" || state === "completed") return "ok";
  if (state.startsWith("failed")) return "bad";
  if (state.startsWith("incomplete") || state === "waiting_for_continuation") return "warn";
  return "info";
}

export function useCampaignText() {
  const i18n = useI18n();
  return { ...i18n, c: campaignDicts[i18n.lang] };
}

/** The contact filter of a campaign (the API's, as for adding contacts to a list). */
export interface ContactFilter {
  q?: string;
  has_email?: boolean;
  consent?: { channel: string; purpose: string };
  custom_field?: string;
  custom_value?: string;
  from_list_id?: string;
  contact_ids?: string[];
  email?: string;
}

/** "Name enthält „Mül“; mit E-Mail-Adresse" — a filter in the user's words; "alle Kontakte" when empty. */
export function filterSummary(
  f: ContactFilter,
  c: Pick<CampaignDict, "filterAll" | "filterSummary">,
  listName: (id: string) => string,
): string {
  const w = c.filterSummary;
  const parts: string[] = [];
  if (f.q) parts.push(w.q(f.q));
  if (f.has_email) parts.push(w.hasEmail);
  if (f.consent) parts.push(w.consent(f.consent.channel, f.consent.purpose));
  if (f.custom_field) parts.push(w.field(f.custom_field, f.custom_value));
  if (f.from_list_id) parts.push(w.list(listName(f.from_list_id)));
  if (f.email) parts.push(f.email);
  if (f.contact_ids) parts.push(w.contacts(f.contact_ids.length));
  return parts.length ? parts.join("; ") : c.filterAll;
}
