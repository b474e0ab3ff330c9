-- Core schema: workspaces, keys, contacts and consent, lists and subscriptions, blocklist, transports,
-- messages with their append-only event log, the activity log and the event log (DESIGN §3, §4, §9).
-- Ids are opaque, time-ordered text (see src/util/ids.ts), so "order by id" is creation order.

create table instance_settings (
  key text primary key,
  value text not null
);

create table workspaces (
  id text primary key,
  name text not null,
  settings jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- API keys: workspace_id is null for the operator key. Only a SHA-256 of the key is stored.
create table api_keys (
  id text primary key,
  workspace_id text references workspaces(id) on delete cascade,
  role text not null check (role in ('operator', 'admin', 'editor', 'viewer')),
  name text,
  key_hash text not null unique,
  key_prefix text not null,
  created_at timestamptz not null default now(),
  created_by text,
  revoked_at timestamptz,
  last_used_at timestamptz
);

create table contacts (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  salutation text,
  title text,
  first_name text,
  last_name text,
  letter_salutation text,
  letter_salutation_custom boolean not null default false,
  emails text[] not null default '{}',
  -- lower-cased copies of emails for duplicate detection and lookup
  email_keys text[] not null default '{}',
  phone text,
  mobile text,
  street text,
  postal_code text,
  city text,
  country text,
  language text not null default 'de',
  custom_fields jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index contacts_ws_idx on contacts (workspace_id, id);
create index contacts_email_keys_idx on contacts using gin (email_keys);
create index contacts_ws_last_name_idx on contacts (workspace_id, lower(last_name), id);

-- Consent history: one row per change; the current state per (contact, channel, purpose) is the newest row.
create table consents (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  contact_id text not null references contacts(id) on delete cascade,
  channel text not null,
  purpose text not null,
  status text not null check (status in ('granted', 'withdrawn')),
  at timestamptz not null,
  by text,
  source text,
  wording text,
  ip text,
  created_at timestamptz not null default now()
);
create index consents_contact_idx on consents (contact_id, channel, purpose, at desc, id desc);

create table lists (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  name text not null,
  description text,
  type text not null default 'email_list' check (type in ('email_list', 'one_time')),
  status text not null default 'running' check (status in ('running', 'ended')),
  sender_name text,
  sender_email text,
  reply_to text,
  record_reactions boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index lists_ws_idx on lists (workspace_id, id);

create table subscriptions (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  list_id text not null references lists(id) on delete cascade,
  contact_id text not null references contacts(id) on delete cascade,
  status text not null check (status in ('subscribed', 'unsubscribed', 'pending', 'bounced_permanent',
    'bounced_temporary', 'bounced_general')),
  status_set_at timestamptz not null,
  status_set_by text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (list_id, contact_id)
);
create index subscriptions_contact_idx on subscriptions (contact_id);
create index subscriptions_list_idx on subscriptions (list_id, id);

-- Blocklist (Sperrliste). Lookups go through address_hash (a keyed HMAC of the normalised address), so an
-- erased contact's address can stay blocked after the address itself is removed (DSGVO Art. 17).
create table blocklist (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  kind text not null check (kind in ('email', 'phone')),
  address text,
  address_hash text not null,
  reason text not null,
  source text not null default 'manual',
  created_at timestamptz not null default now(),
  created_by text not null,
  lifted_at timestamptz,
  lifted_by text,
  lift_reason text
);
create unique index blocklist_active_idx on blocklist (workspace_id, address_hash) where lifted_at is null;
create index blocklist_ws_idx on blocklist (workspace_id, id);

-- Transports a workspace sends through. kind: capture | smtp (providers come later). config holds the
-- connection settings including credentials; only admins ever see it.
create table transports (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  name text not null,
  kind text not null,
  config jsonb not null default '{}'::jsonb,
  is_default boolean not null default false,
  rate_limit integer,
  rate_window_seconds integer,
  max_concurrency integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, name)
);
create unique index transports_default_idx on transports (workspace_id) where is_default;

-- One message = one send to one address on one channel. send_state is the work-queue state of the
-- sending worker; status is derived from message_events (src/events/status.ts) and cached here.
create table messages (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  channel text not null default 'email',
  contact_id text references contacts(id) on delete set null,
  to_address text,
  from_address text not null,
  from_name text,
  reply_to text,
  subject text,
  text_body text,
  html_body text,
  attachments jsonb not null default '[]'::jsonb,
  template_id text,
  data jsonb,
  tags text[] not null default '{}',
  read_receipt boolean not null default false,
  archive_bcc text,
  campaign_id text,
  transport_id text,
  message_id_header text not null,
  return_path text not null,
  idempotency_key text,
  send_state text not null default 'queued' check (send_state in ('queued', 'sending', 'done', 'unknown')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  lease_owner text,
  lease_until timestamptz,
  status text not null default 'queued',
  status_reason text,
  error_code text,
  raw_mime bytea,
  queue_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  sent_at timestamptz,
  body_purged_at timestamptz
);
create unique index messages_idem_idx on messages (workspace_id, idempotency_key) where idempotency_key is not null;
create index messages_ws_idx on messages (workspace_id, id);
create index messages_ws_status_idx on messages (workspace_id, status, id);
create index messages_work_idx on messages (next_attempt_at) where send_state = 'queued';
create index messages_lease_idx on messages (lease_until) where send_state = 'sending';
create index messages_contact_idx on messages (contact_id);
create index messages_campaign_idx on messages (campaign_id) where campaign_id is not null;

-- Append-only delivery truth. dedupe_key makes a repeated observation (a provider retry) a no-op.
create table message_events (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  message_id text not null references messages(id) on delete cascade,
  at timestamptz not null,
  type text not null,
  source text not null,
  detail text,
  evidence jsonb,
  dedupe_key text,
  created_at timestamptz not null default now()
);
create index message_events_msg_idx on message_events (message_id, at, id);
create unique index message_events_dedupe_idx on message_events (message_id, dedupe_key) where dedupe_key is not null;

-- Activity log (Aktivitäten, seed 000): who changed what, when, with before/after.
create table activities (
  id text primary key,
  workspace_id text references workspaces(id) on delete cascade,
  at timestamptz not null,
  actor_type text not null,
  actor_id text,
  actor_name text,
  action text not null,
  kind text not null,
  record_id text,
  summary text,
  changes jsonb,
  data jsonb
);
create index activities_ws_idx on activities (workspace_id, id);
create index activities_record_idx on activities (workspace_id, kind, record_id);

-- Event log (Ereignisprotokoll, seed 003 §7): what processes report.
create table event_log (
  id text primary key,
  workspace_id text references workspaces(id) on delete cascade,
  at timestamptz not null,
  severity text not null check (severity in ('information', 'warning', 'error')),
  group_id text,
  process text not null,
  trigger text not null,
  record_kind text,
  record_id text,
  detail text not null,
  data jsonb,
  checked boolean not null default false,
  checked_by text,
  checked_at timestamptz
);
create index event_log_ws_idx on event_log (workspace_id, id);
create index event_log_group_idx on event_log (group_id);

-- CSV imports: long work, polled by the client.
create table imports (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  status text not null,
  dry_run boolean not null,
  filename text,
  mapping jsonb,
  options jsonb,
  total_rows integer not null default 0,
  processed_rows integer not null default 0,
  created_count integer not null default 0,
  updated_count integer not null default 0,
  skipped_count integer not null default 0,
  rejected_count integer not null default 0,
  error text,
  created_at timestamptz not null default now(),
  created_by text,
  started_at timestamptz,
  finished_at timestamptz
);

create table import_rows (
  import_id text not null references imports(id) on delete cascade,
  row_number integer not null,
  outcome text not null check (outcome in ('created', 'updated', 'skipped', 'rejected')),
  reason text,
  contact_id text,
  raw jsonb,
  primary key (import_id, row_number)
);
