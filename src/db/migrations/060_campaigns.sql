-- Serial correspondence (issue 4, seed 004, DESIGN §4): campaigns with their state, the recipients as a work
-- queue (one row per contact, claimed with FOR UPDATE SKIP LOCKED and a lease), one row per send/generate
-- run with the frozen render settings, the generated letter PDF, and the per-transport rate windows and
-- concurrency slots that hold across processes (DESIGN §3.6).

create table campaigns (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  name text not null,
  kind text not null check (kind in ('email', 'letter')),
  -- The allowed moves between states are one table in src/campaigns/states.ts.
  state text not null,
  purpose text not null default 'marketing' check (purpose in ('marketing', 'transactional')),
  list_ids text[] not null default '{}',
  filter jsonb,
  template_id text references templates(id) on delete set null,
  subject text,
  from_address text,
  from_name text,
  reply_to text,
  transport_id text references transports(id) on delete set null,
  scheduled_at timestamptz,
  -- A send was requested for scheduled_at: the scheduler starts it then.
  send_armed boolean not null default false,
  sort text check (sort in ('postal_code', 'name')),
  letter_options jsonb not null default '{}'::jsonb,
  -- The background job the workers must do for this campaign: load recipients or generate letters. Claimed
  -- with a lease; job_claimed_at null while no worker has taken it ("waiting for processing").
  job text check (job in ('load', 'generate')),
  job_owner text,
  job_lease_until timestamptz,
  job_claimed_at timestamptz,
  -- waiting_for_continuation: when the transport's rate window lets it go on.
  resume_at timestamptz,
  run_count integer not null default 0,
  current_run_id text,
  recipient_count integer not null default 0,
  loaded_at timestamptz,
  completed_at timestamptz,
  created_by text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index campaigns_ws_idx on campaigns (workspace_id, id);
create index campaigns_job_idx on campaigns (job) where job is not null;
create index campaigns_active_idx on campaigns (state) where state in ('in_progress', 'waiting_for_continuation');

-- One send (or letter generation) of a campaign: what it was started with, frozen, so every message of the
-- run is rendered from the same template text and headers (and can be rendered again byte for byte).
create table campaign_runs (
  id text primary key,
  campaign_id text not null references campaigns(id) on delete cascade,
  workspace_id text not null references workspaces(id) on delete cascade,
  number integer not null,
  action text not null check (action in ('send', 'generate')),
  snapshot jsonb not null,
  include_unknown boolean not null default false,
  started_by text,
  started_at timestamptz not null,
  -- First claim by a worker: until then the run is "waiting for processing".
  first_claim_at timestamptz,
  finished_at timestamptz,
  outcome text,
  unique (campaign_id, number)
);

-- The recipients (Empfänger) of a campaign: at most one row per contact (the primary key), loaded once by
-- an INSERT … SELECT. status: pending → claimed (leased, nothing handed to SMTP yet) → sending (the message
-- exists and the SMTP transaction may have begun) → sent | error | excluded; a lease that runs out in
-- `claimed` returns to pending, in `sending` becomes unknown (DESIGN §3.4: never resent automatically).
create table campaign_recipients (
  campaign_id text not null references campaigns(id) on delete cascade,
  contact_id text not null references contacts(id) on delete cascade,
  workspace_id text not null references workspaces(id) on delete cascade,
  position integer not null,
  -- The campaign list the contact came from (the unsubscribe link names it); null from a filter.
  list_id text,
  status text not null default 'pending'
    check (status in ('pending', 'claimed', 'sending', 'sent', 'created', 'excluded', 'error', 'unknown')),
  reason text,
  detail text,
  run_id text,
  message_id text,
  -- The message of an earlier attempt (an error or, deliberately, an unknown outcome) this one resends.
  previous_message_id text,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  lease_owner text,
  lease_until timestamptz,
  to_address text,
  -- What the message was rendered from: its Date header and the merge data, so the MIME that left can be
  -- rebuilt exactly; mime_sha256 proves the rebuilt bytes are those bytes.
  mime_date timestamptz,
  merge jsonb,
  mime_sha256 text,
  done_at timestamptz,
  primary key (campaign_id, contact_id)
);
create index campaign_recipients_due_idx on campaign_recipients (campaign_id, next_attempt_at, position)
  where status = 'pending';
create index campaign_recipients_lease_idx on campaign_recipients (lease_until)
  where status in ('claimed', 'sending');
create index campaign_recipients_status_idx on campaign_recipients (campaign_id, status, position);
create index campaign_recipients_message_idx on campaign_recipients (message_id) where message_id is not null;

-- The generated serial letter (one PDF); generating again replaces it. In the database, so that every
-- process of a PostgreSQL deployment can serve it.
create table campaign_documents (
  campaign_id text primary key references campaigns(id) on delete cascade,
  workspace_id text not null references workspaces(id) on delete cascade,
  format text not null check (format in ('letters', 'labels')),
  sort text not null,
  pages integer,
  letters integer not null,
  pdf bytea not null,
  created_at timestamptz not null
);

-- Per-transport rate limit (DESIGN §3.6): messages handed to the transport per fixed window, counted
-- atomically so the limit holds across processes. Old windows are deleted as new ones begin.
create table transport_windows (
  transport_id text not null references transports(id) on delete cascade,
  window_start timestamptz not null,
  used integer not null,
  primary key (transport_id, window_start)
);

-- Per-transport maximum concurrency: each sending loop holds a number of slots under a lease.
create table transport_slots (
  transport_id text not null references transports(id) on delete cascade,
  owner text not null,
  slots integer not null,
  lease_until timestamptz not null,
  primary key (transport_id, owner)
);
