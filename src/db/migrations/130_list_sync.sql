-- Two-way list sync with external e-mail tools (issue 6, seed 003, DESIGN §5): connections to a tool,
-- the link of a list to a remote list, sync runs (a fetch or a transmit is a row: 202 + poll, resumable
-- knowledge of what happened), the sync state of every subscription (last result, remote state, task),
-- and the members a fetch has read so far (staged, so a broken connection applies nothing half).

create table email_tool_connections (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  name text not null,
  tool text not null check (tool in ('mailchimp', 'listmonk')),
  base_url text,
  -- AES-256-GCM with a key derived from the instance secret: the credentials must be usable to call the tool
  credentials_enc text not null,
  -- shown to non-admins instead of the credentials ("…a1b2")
  credentials_hint text not null,
  account text,
  verified_at timestamptz,
  created_at timestamptz not null default now(),
  created_by text not null,
  updated_at timestamptz not null default now(),
  unique (workspace_id, name)
);
create index email_tool_connections_ws_idx on email_tool_connections (workspace_id, id);

-- One list is linked to at most one remote list. settings: what was sent to the tool when the list was
-- created there (or read from it when attached); read-only afterwards (seed 003 §4.3).
create table list_links (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  list_id text not null unique references lists(id) on delete cascade,
  connection_id text not null references email_tool_connections(id) on delete restrict,
  remote_list_id text not null,
  remote_list_name text,
  how text not null check (how in ('created', 'attached', 'entered')),
  settings jsonb not null default '{}'::jsonb,
  -- a fetch every N minutes by the worker (never a transmit); null = only by hand
  fetch_every_minutes integer check (fetch_every_minutes is null or fetch_every_minutes >= 5),
  next_fetch_at timestamptz,
  last_fetch_at timestamptz,
  last_transmit_at timestamptz,
  created_at timestamptz not null default now(),
  created_by text not null,
  updated_at timestamptz not null default now()
);
create index list_links_ws_idx on list_links (workspace_id, id);
create index list_links_schedule_idx on list_links (next_fetch_at) where fetch_every_minutes is not null;

-- A fetch (read the tool, reconcile) or a transmit (send the decided tasks). The worker or the request
-- that created it runs it; lease_until lets another process take over a run whose runner died.
create table sync_runs (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  list_id text not null references lists(id) on delete cascade,
  link_id text not null references list_links(id) on delete cascade,
  kind text not null check (kind in ('fetch', 'transmit')),
  status text not null default 'queued' check (status in ('queued', 'running', 'done', 'aborted', 'failed')),
  trigger text not null check (trigger in ('user', 'scheduled')),
  triggered_by text not null,
  -- fetch: members read so far / reconciled; transmit: tasks sent so far
  total integer,
  processed integer not null default 0,
  counts jsonb not null default '{}'::jsonb,
  error text,
  lease_owner text,
  lease_until timestamptz,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz
);
create index sync_runs_list_idx on sync_runs (list_id, id);
create index sync_runs_ws_idx on sync_runs (workspace_id, id);
create unique index sync_runs_one_active_idx on sync_runs (list_id) where status in ('queued', 'running');

-- The sync state of one subscription of a linked list (the "Anbindung an eMail-Tool" box, seed 003 §5.2).
create table subscription_sync (
  subscription_id text primary key references subscriptions(id) on delete cascade,
  workspace_id text not null references workspaces(id) on delete cascade,
  list_id text not null references lists(id) on delete cascade,
  -- the member as the tool knew it at the last fetch / transmit
  remote_id text,
  remote_email text,
  remote_status text,
  remote_status_at timestamptz,
  remote_first_name text,
  remote_last_name text,
  remote_salutation text,
  -- last reconciliation result
  result text check (result in ('success', 'new_in_list', 'new_contact', 'not_in_tool', 'conflict', 'aborted')),
  -- conflicts: [{ field, crm, tool }]; warnings: [text]
  result_detail jsonb not null default '{}'::jsonb,
  result_at timestamptz,
  result_run_id text,
  -- the decision for the next transmit
  task text check (task in ('transmit', 'update_name', 'subscribe', 'unsubscribe', 'delete', 'change_email')),
  task_set_at timestamptz,
  task_set_by text,
  -- why a task was proposed by Poststelle itself (blocklisted, email_changed, contact_deleted)
  task_reason text,
  -- outcome of the last transmit for this subscription
  transmit_outcome text check (transmit_outcome in ('ok', 'error', 'blocklisted')),
  transmit_error text,
  transmitted_at timestamptz,
  transmit_run_id text,
  updated_at timestamptz not null default now()
);
create index subscription_sync_list_idx on subscription_sync (list_id, result, subscription_id);
create index subscription_sync_task_idx on subscription_sync (list_id, subscription_id) where task is not null;
create index subscription_sync_remote_idx on subscription_sync (list_id, remote_id);

-- Members read by a running fetch, reconciled only once the whole list has been read.
create table sync_fetched_members (
  run_id text not null references sync_runs(id) on delete cascade,
  email_key text not null,
  remote_id text not null,
  email text not null,
  status text not null,
  status_changed_at timestamptz,
  first_name text,
  last_name text,
  salutation text,
  primary key (run_id, email_key)
);
create index sync_fetched_members_remote_idx on sync_fetched_members (run_id, remote_id);
