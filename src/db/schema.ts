// Kysely table types for the SQL in migrations/. Keep in step with the migrations: one interface per table.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type TimestampNullable = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
export type Json = ColumnType<unknown, string | undefined, string>;
export type JsonNullable = ColumnType<unknown | null, string | null | undefined, string | null>;

export interface InstanceSettingsTable {
  key: string;
  value: string;
}

export interface WorkspacesTable {
  id: string;
  name: string;
  settings: Json;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ApiKeysTable {
  id: string;
  workspace_id: string | null;
  role: "operator" | "admin" | "editor" | "viewer";
  name: string | null;
  key_hash: string;
  key_prefix: string;
  created_at: Generated<Date>;
  created_by: string | null;
  revoked_at: TimestampNullable;
  last_used_at: TimestampNullable;
}

export interface ContactsTable {
  id: string;
  workspace_id: string;
  salutation: string | null;
  title: string | null;
  first_name: string | null;
  last_name: string | null;
  letter_salutation: string | null;
  letter_salutation_custom: Generated<boolean>;
  emails: ColumnType<string[], string[] | undefined, string[]>;
  email_keys: ColumnType<string[], string[] | undefined, string[]>;
  phone: string | null;
  mobile: string | null;
  street: string | null;
  postal_code: string | null;
  city: string | null;
  country: string | null;
  language: Generated<string>;
  custom_fields: Json;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ConsentsTable {
  id: string;
  workspace_id: string;
  contact_id: string;
  channel: string;
  purpose: string;
  status: "granted" | "withdrawn";
  at: Timestamp;
  by: string | null;
  source: string | null;
  wording: string | null;
  ip: string | null;
  created_at: Generated<Date>;
}

export interface ListsTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string | null;
  type: Generated<"email_list" | "one_time">;
  status: Generated<"running" | "ended">;
  sender_name: string | null;
  sender_email: string | null;
  reply_to: string | null;
  record_reactions: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type SubscriptionStatus =
  | "subscribed"
  | "unsubscribed"
  | "pending"
  | "bounced_permanent"
  | "bounced_temporary"
  | "bounced_general";

export interface SubscriptionsTable {
  id: string;
  workspace_id: string;
  list_id: string;
  contact_id: string;
  status: SubscriptionStatus;
  status_set_at: Timestamp;
  status_set_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface BlocklistTable {
  id: string;
  workspace_id: string;
  kind: "email" | "phone";
  address: string | null;
  address_hash: string;
  reason: string;
  source: Generated<string>;
  created_at: Timestamp;
  created_by: string;
  lifted_at: TimestampNullable;
  lifted_by: string | null;
  lift_reason: string | null;
}

export interface TransportsTable {
  id: string;
  workspace_id: string;
  name: string;
  kind: string;
  config: Json;
  is_default: Generated<boolean>;
  rate_limit: number | null;
  rate_window_seconds: number | null;
  max_concurrency: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type SendState = "queued" | "sending" | "done" | "unknown";

export interface MessagesTable {
  id: string;
  workspace_id: string;
  channel: Generated<string>;
  contact_id: string | null;
  to_address: string | null;
  from_address: string;
  from_name: string | null;
  reply_to: string | null;
  subject: string | null;
  text_body: string | null;
  html_body: string | null;
  attachments: Json;
  template_id: string | null;
  data: JsonNullable;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  read_receipt: Generated<boolean>;
  archive_bcc: string | null;
  campaign_id: string | null;
  transport_id: string | null;
  message_id_header: string;
  return_path: string;
  idempotency_key: string | null;
  send_state: Generated<SendState>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  lease_owner: string | null;
  lease_until: TimestampNullable;
  status: Generated<string>;
  status_reason: string | null;
  error_code: string | null;
  raw_mime: ColumnType<Buffer | null, Buffer | null | undefined, Buffer | null>;
  /** The recipe of an unsigned message's MIME (migration 201): the Date it was built with and the SHA-256
   * of the bytes that left; raw_mime stays null. */
  mime_date: TimestampNullable;
  mime_sha256: string | null;
  queue_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  sent_at: TimestampNullable;
  body_purged_at: TimestampNullable;
  /** 030_delivery */
  resent_from: string | null;
  idempotency_fingerprint: string | null;
}

/** 100_tracking: the links of a tracked message, by position; the only targets its click redirect may use. */
export interface MessageLinksTable {
  message_id: string;
  idx: number;
  workspace_id: string;
  url: string;
}

export interface MessageEventsTable {
  id: string;
  workspace_id: string;
  message_id: string;
  at: Timestamp;
  type: string;
  source: string;
  detail: string | null;
  evidence: JsonNullable;
  dedupe_key: string | null;
  /** 030_delivery */
  error_code: string | null;
  created_at: Generated<Date>;
}

export interface ActivitiesTable {
  id: string;
  workspace_id: string | null;
  at: Timestamp;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  kind: string;
  record_id: string | null;
  summary: string | null;
  changes: JsonNullable;
  data: JsonNullable;
}

export interface EventLogTable {
  id: string;
  workspace_id: string | null;
  at: Timestamp;
  severity: "information" | "warning" | "error";
  group_id: string | null;
  process: string;
  trigger: string;
  record_kind: string | null;
  record_id: string | null;
  detail: string;
  data: JsonNullable;
  checked: Generated<boolean>;
  checked_by: string | null;
  checked_at: TimestampNullable;
}

export interface ImportsTable {
  id: string;
  workspace_id: string;
  status: string;
  dry_run: boolean;
  filename: string | null;
  mapping: JsonNullable;
  options: JsonNullable;
  total_rows: Generated<number>;
  processed_rows: Generated<number>;
  created_count: Generated<number>;
  updated_count: Generated<number>;
  skipped_count: Generated<number>;
  rejected_count: Generated<number>;
  error: string | null;
  created_at: Timestamp;
  created_by: string | null;
  started_at: TimestampNullable;
  finished_at: TimestampNullable;
  /** 010_contacts: a running import renews it per batch; expired means its process died. */
  lease_until: TimestampNullable;
}

export interface ImportRowsTable {
  import_id: string;
  row_number: number;
  outcome: "created" | "updated" | "skipped" | "rejected";
  reason: string | null;
  /** 165: the reason as a stable code with its values (the dashboard words it per language). */
  reason_code: string | null;
  reason_params: JsonNullable;
  contact_id: string | null;
  raw: JsonNullable;
}

/** 010_contacts: e-mail keys an import has seen, for "duplicate of row N in this file". */
export interface ImportKeysTable {
  import_id: string;
  email_key: string;
  row_number: number;
}

/** 040_templates: templates with Liquid merge fields (text null = generated from html). */
export interface TemplatesTable {
  id: string;
  workspace_id: string;
  name: string;
  kind: "email" | "letter";
  language: string;
  subject: string;
  html: string | null;
  text: string | null;
  mjml: string | null;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** 050_error_registry: a workspace's own error-registry entries and its overrides of shipped texts. */
export interface ErrorRegistryEntriesTable {
  workspace_id: string;
  code: string;
  category: string | null;
  severity: "hard" | "soft" | "info" | null;
  label_de: string | null;
  label_en: string | null;
  explanation_de: string | null;
  explanation_en: string | null;
  remedy_de: string | null;
  remedy_en: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  updated_by: string | null;
}

/** 011_contact_email_keys: one row per (workspace, e-mail key, contact), kept by triggers on contacts. */
export interface ContactEmailKeysTable {
  workspace_id: string;
  email_key: string;
  contact_id: string;
}

/** 070_signups: double opt-in sign-ups (src/signups). */
export interface SignupsTable {
  id: string;
  workspace_id: string;
  list_id: string;
  contact_id: string;
  token_hash: string;
  wording: string;
  ip: string | null;
  source: string | null;
  message_id: string | null;
  created_subscription: boolean;
  previous_status: SubscriptionStatus | null;
  requested_at: Timestamp;
  expires_at: Timestamp;
  confirmed_at: TimestampNullable;
  confirm_ip: string | null;
  expired_at: TimestampNullable;
}

/** 080_inbound: every inbound mail, stored raw before anything is derived from it (src/inbound). */
export interface InboundMessagesTable {
  id: string;
  workspace_id: string | null;
  received_at: Timestamp;
  source: "smtp" | "imap" | "archive";
  envelope: Json;
  raw: ColumnType<Buffer, Buffer, Buffer>;
  raw_size: number;
  raw_truncated: Generated<boolean>;
  fingerprint: string;
  kind: Generated<string>;
  message_id: string | null;
  matched_by: string | null;
  result: JsonNullable;
  processed_at: TimestampNullable;
  mailbox_id: string | null;
  imap_key: string | null;
}

/** 080_inbound: IMAP mailboxes a workspace has polled (bounce and archive mailboxes, seed 002). */
export interface InboundMailboxesTable {
  id: string;
  workspace_id: string;
  name: string;
  host: string;
  port: number;
  tls: boolean;
  username: string;
  password: string;
  folder: Generated<string>;
  purpose: "bounce" | "archive";
  after: "flag" | "move";
  move_to: string | null;
  poll_seconds: Generated<number>;
  enabled: Generated<boolean>;
  next_poll_at: Timestamp;
  lease_owner: string | null;
  lease_until: TimestampNullable;
  last_polled_at: TimestampNullable;
  last_ingested: number | null;
  last_error: string | null;
  last_error_at: TimestampNullable;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** 060_campaigns: serial correspondence (the state table is src/campaigns/states.ts). */
export interface CampaignsTable {
  id: string;
  workspace_id: string;
  name: string;
  kind: "email" | "letter";
  state: string;
  purpose: "marketing" | "transactional";
  list_ids: ColumnType<string[], string[] | undefined, string[]>;
  filter: JsonNullable;
  template_id: string | null;
  subject: string | null;
  from_address: string | null;
  from_name: string | null;
  reply_to: string | null;
  transport_id: string | null;
  scheduled_at: TimestampNullable;
  send_armed: Generated<boolean>;
  /** 415: false never tracks opens and clicks of this campaign; true follows the workspace setting. */
  tracking: Generated<boolean>;
  sort: "postal_code" | "name" | null;
  letter_options: Json;
  job: "load" | "generate" | null;
  job_owner: string | null;
  job_lease_until: TimestampNullable;
  job_claimed_at: TimestampNullable;
  resume_at: TimestampNullable;
  run_count: Generated<number>;
  current_run_id: string | null;
  recipient_count: Generated<number>;
  loaded_at: TimestampNullable;
  completed_at: TimestampNullable;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CampaignRunsTable {
  id: string;
  campaign_id: string;
  workspace_id: string;
  number: number;
  action: "send" | "generate";
  snapshot: Json;
  include_unknown: Generated<boolean>;
  started_by: string | null;
  started_at: Timestamp;
  first_claim_at: TimestampNullable;
  finished_at: TimestampNullable;
  outcome: string | null;
}

export type RecipientStatus =
  | "pending"
  | "claimed"
  | "sending"
  | "sent"
  | "created"
  | "excluded"
  | "error"
  | "unknown";

export interface CampaignRecipientsTable {
  campaign_id: string;
  contact_id: string;
  workspace_id: string;
  position: number;
  list_id: string | null;
  status: Generated<RecipientStatus>;
  reason: string | null;
  detail: string | null;
  run_id: string | null;
  message_id: string | null;
  previous_message_id: string | null;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  lease_owner: string | null;
  lease_until: TimestampNullable;
  to_address: string | null;
  mime_date: TimestampNullable;
  merge: JsonNullable;
  mime_sha256: string | null;
  done_at: TimestampNullable;
}

export interface CampaignDocumentsTable {
  campaign_id: string;
  workspace_id: string;
  format: "letters" | "labels";
  sort: string;
  pages: number | null;
  letters: number;
  pdf: ColumnType<Buffer, Buffer, Buffer>;
  created_at: Timestamp;
}

export interface TransportWindowsTable {
  transport_id: string;
  window_start: Timestamp;
  used: number;
}

export interface TransportSlotsTable {
  transport_id: string;
  owner: string;
  slots: number;
  lease_until: Timestamp;
}

/** 090_provider_webhooks: SNS subscription confirmations for SES webhooks (src/webhooks). */
export interface ProviderSubscriptionsTable {
  id: string;
  workspace_id: string;
  provider: string;
  topic_arn: string;
  sns_message_id: string;
  subscribe_url: string;
  status: "pending" | "confirmed" | "failed" | "refused";
  detail: string | null;
  received_at: Timestamp;
  confirmed_at: TimestampNullable;
}

/** 110_sender_domains_hooks: sender domains with their DKIM keys (src/domains). */
export interface SenderDomainsTable {
  id: string;
  workspace_id: string;
  domain: string;
  dkim_selector: string;
  dkim_private_key: string;
  dkim_public_key: string;
  checks: JsonNullable;
  checked_at: TimestampNullable;
  verified_at: TimestampNullable;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** 125_sender_domain_limits: messages per window from this domain (both null: no limit). */
  rate_limit: Generated<number | null>;
  rate_window_seconds: Generated<number | null>;
}

/** 125_sender_domain_limits: messages counted per sender domain and fixed window. */
export interface SenderDomainWindowsTable {
  sender_domain_id: string;
  window_start: Timestamp;
  used: number;
}

/** 110_sender_domains_hooks: webhooks to the host application (src/hooks). */
export interface WebhookEndpointsTable {
  id: string;
  workspace_id: string;
  url: string;
  events: ColumnType<string[], string[], string[]>;
  enabled: Generated<boolean>;
  description: string | null;
  secret: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  id: string;
  workspace_id: string;
  endpoint_id: string;
  event_type: string;
  payload: Json;
  status: Generated<"pending" | "succeeded" | "failed">;
  attempts: Generated<number>;
  next_attempt_at: TimestampNullable;
  lease_until: TimestampNullable;
  last_attempt_at: TimestampNullable;
  last_response_status: number | null;
  last_response_body: string | null;
  last_error: string | null;
  last_duration_ms: number | null;
  created_at: Timestamp;
}

/** 130_list_sync: a workspace's connection to an external e-mail tool; credentials encrypted. */
export interface EmailToolConnectionsTable {
  id: string;
  workspace_id: string;
  name: string;
  tool: "mailchimp" | "listmonk";
  base_url: string | null;
  credentials_enc: string;
  credentials_hint: string;
  account: string | null;
  verified_at: TimestampNullable;
  created_at: Timestamp;
  created_by: string;
  updated_at: Timestamp;
}

/** 130_list_sync: a list linked to a remote list. */
export interface ListLinksTable {
  id: string;
  workspace_id: string;
  list_id: string;
  connection_id: string;
  remote_list_id: string;
  remote_list_name: string | null;
  how: "created" | "attached" | "entered";
  settings: Json;
  fetch_every_minutes: number | null;
  next_fetch_at: TimestampNullable;
  last_fetch_at: TimestampNullable;
  last_transmit_at: TimestampNullable;
  created_at: Timestamp;
  created_by: string;
  updated_at: Timestamp;
}

export type SyncRunKind = "fetch" | "transmit";
export type SyncRunStatus = "queued" | "running" | "done" | "aborted" | "failed";

export interface SyncRunsTable {
  id: string;
  workspace_id: string;
  list_id: string;
  link_id: string;
  kind: SyncRunKind;
  status: Generated<SyncRunStatus>;
  trigger: "user" | "scheduled";
  triggered_by: string;
  total: number | null;
  processed: Generated<number>;
  counts: Json;
  error: string | null;
  lease_owner: string | null;
  lease_until: TimestampNullable;
  created_at: Timestamp;
  started_at: TimestampNullable;
  finished_at: TimestampNullable;
}

export type SyncResult = "success" | "new_in_list" | "new_contact" | "not_in_tool" | "conflict" | "aborted";
export type SyncTask = "transmit" | "update_name" | "subscribe" | "unsubscribe" | "delete" | "change_email";

export interface SubscriptionSyncTable {
  subscription_id: string;
  workspace_id: string;
  list_id: string;
  remote_id: string | null;
  remote_email: string | null;
  remote_status: string | null;
  remote_status_at: TimestampNullable;
  remote_first_name: string | null;
  remote_last_name: string | null;
  remote_salutation: string | null;
  result: SyncResult | null;
  result_detail: Json;
  result_at: TimestampNullable;
  result_run_id: string | null;
  task: SyncTask | null;
  task_set_at: TimestampNullable;
  task_set_by: string | null;
  task_reason: string | null;
  transmit_outcome: "ok" | "error" | "blocklisted" | null;
  transmit_error: string | null;
  transmitted_at: TimestampNullable;
  transmit_run_id: string | null;
  updated_at: Timestamp;
}

export interface SyncFetchedMembersTable {
  run_id: string;
  email_key: string;
  remote_id: string;
  email: string;
  status: string;
  status_changed_at: TimestampNullable;
  first_name: string | null;
  last_name: string | null;
  salutation: string | null;
  /** blocklist hash of email_key (migration 170) */
  block_hash: string | null;
}

/** Dashboard users (migration 150). */
export interface UsersTable {
  id: string;
  workspace_id: string;
  email: string;
  name: Generated<string>;
  role: "admin" | "editor" | "viewer";
  language: Generated<"de" | "en">;
  password_hash: string;
  disabled: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  last_login_at: TimestampNullable;
}

export interface UserSessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  workspace_id: string;
  csrf_token: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
}

export interface LoginFailuresTable {
  id: string;
  scope: "email" | "ip";
  subject: string;
  at: Timestamp;
}

/** 140_mailings: a mailing sent by an external tool, with its intended recipients frozen at creation. */
export interface MailingsTable {
  id: string;
  workspace_id: string;
  list_id: string | null;
  list_name: string;
  name: string;
  remote_mailing_id: string | null;
  recipient_count: Generated<number>;
  statistics: JsonNullable;
  statistics_fetched_at: TimestampNullable;
  bounces_fetched_at: TimestampNullable;
  reactions_fetched_at: TimestampNullable;
  created_at: Timestamp;
  created_by: string;
  updated_at: Timestamp;
}

export type MailingBounce = "permanent" | "temporary" | "general";
export type MailingReaction = "not_opened" | "opened" | "clicked";

/** 140_mailings: one intended recipient of a mailing, with its bounce and reaction once fetched. */
export interface MailingRecipientsTable {
  mailing_id: string;
  email_key: string;
  workspace_id: string;
  contact_id: string | null;
  subscription_id: string | null;
  email: string;
  first_name: string | null;
  last_name: string | null;
  bounce: MailingBounce | null;
  bounce_at: TimestampNullable;
  bounce_reason: string | null;
  reaction: Generated<MailingReaction>;
}

/** 141_tool_webhooks: the secret URL a tool calls with live changes of one linked list. */
export interface ToolWebhooksTable {
  id: string;
  workspace_id: string;
  list_id: string;
  link_id: string;
  tool: string;
  secret_hash: string;
  created_at: Timestamp;
  created_by: string;
  /** 191: the tool's id of the registration Poststelle made (null: not registered there) */
  remote_webhook_id: string | null;
  /** 191: why the URL is not registered in the tool, in words for the admin */
  registration_problem: string | null;
}

/** 141_tool_webhooks: calls received, so a retried call changes nothing twice. */
export interface ToolWebhookReceiptsTable {
  webhook_id: string;
  dedupe_key: string;
  received_at: Timestamp;
  type: string;
  outcome: string;
}

export interface DB {
  instance_settings: InstanceSettingsTable;
  workspaces: WorkspacesTable;
  api_keys: ApiKeysTable;
  contacts: ContactsTable;
  consents: ConsentsTable;
  lists: ListsTable;
  subscriptions: SubscriptionsTable;
  blocklist: BlocklistTable;
  transports: TransportsTable;
  messages: MessagesTable;
  message_events: MessageEventsTable;
  provider_subscriptions: ProviderSubscriptionsTable;
  activities: ActivitiesTable;
  event_log: EventLogTable;
  imports: ImportsTable;
  import_rows: ImportRowsTable;
  templates: TemplatesTable;
  import_keys: ImportKeysTable;
  contact_email_keys: ContactEmailKeysTable;
  error_registry_entries: ErrorRegistryEntriesTable;
  inbound_messages: InboundMessagesTable;
  inbound_mailboxes: InboundMailboxesTable;
  signups: SignupsTable;
  campaigns: CampaignsTable;
  campaign_runs: CampaignRunsTable;
  campaign_recipients: CampaignRecipientsTable;
  campaign_documents: CampaignDocumentsTable;
  transport_windows: TransportWindowsTable;
  sender_domain_windows: SenderDomainWindowsTable;
  transport_slots: TransportSlotsTable;
  message_links: MessageLinksTable;
  sender_domains: SenderDomainsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  email_tool_connections: EmailToolConnectionsTable;
  list_links: ListLinksTable;
  sync_runs: SyncRunsTable;
  subscription_sync: SubscriptionSyncTable;
  sync_fetched_members: SyncFetchedMembersTable;
  users: UsersTable;
  user_sessions: UserSessionsTable;
  login_failures: LoginFailuresTable;
  mailings: MailingsTable;
  mailing_recipients: MailingRecipientsTable;
  tool_webhooks: ToolWebhooksTable;
  tool_webhook_receipts: ToolWebhookReceiptsTable;
}

export type Row<T extends keyof DB> = Selectable<DB[T]>;
export type NewRow<T extends keyof DB> = Insertable<DB[T]>;
export type RowUpdate<T extends keyof DB> = Updateable<DB[T]>;
