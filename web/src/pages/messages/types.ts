// The message shapes of GET /v1/messages and GET /v1/messages/{id} (DESIGN §9).
export const messageStatuses = [
  "queued",
  "processed",
  "deferred",
  "unknown",
  "sent",
  "soft_bounced",
  "delivered",
  "opened",
  "clicked",
  "read",
  "hard_bounced",
  "blocked",
  "failed",
  "dropped",
] as const;

export interface MessageSummary {
  id: string;
  to: string;
  contact_id: string | null;
  from: string;
  subject: string | null;
  status: string;
  status_reason: string | null;
  error_code: string | null;
  campaign_id: string | null;
  tags: string[];
  created_at: string;
  sent_at: string | null;
}

export interface TimelineEvent {
  id: string;
  at: string;
  type: string;
  source: string;
  detail: string | null;
  error_code: string | null;
  evidence: unknown;
}

export interface MessageDetail extends MessageSummary {
  from_name: string | null;
  reply_to: string | null;
  message_id: string | null;
  return_path: string | null;
  read_receipt: boolean;
  archive_bcc: string | null;
  resent_from: string | null;
  body_purged_at: string | null;
  error: { code: string; label?: string; explanation: string; remedy: string } | null;
  timeline: TimelineEvent[];
}
