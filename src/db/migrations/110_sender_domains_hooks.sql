-- Sender domains (issue 5, item 7): the domains a workspace sends from, each with its own DKIM key pair.
-- The private key stays in the database (the API never returns it); `checks` keeps the last DNS check per
-- record (ok / missing / mismatch with what was found).
create table sender_domains (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  domain text not null,
  dkim_selector text not null,
  dkim_private_key text not null,
  dkim_public_key text not null,
  checks jsonb,
  checked_at timestamptz,
  verified_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (workspace_id, domain)
);

-- Webhooks to the host application (issue 5, item 8). The secret is kept as-is because every delivery is
-- HMAC-signed with it; the API shows it once, at creation, and never again.
create table webhook_endpoints (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  url text not null,
  events text[] not null,
  enabled boolean not null default true,
  description text,
  secret text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index webhook_endpoints_ws_idx on webhook_endpoints (workspace_id, id);

create table webhook_deliveries (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  endpoint_id text not null references webhook_endpoints(id) on delete cascade,
  event_type text not null,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
  attempts int not null default 0,
  next_attempt_at timestamptz,
  lease_until timestamptz,
  last_attempt_at timestamptz,
  last_response_status int,
  last_response_body text,
  last_error text,
  last_duration_ms int,
  created_at timestamptz not null
);
create index webhook_deliveries_endpoint_idx on webhook_deliveries (endpoint_id, id);
-- Only the rows the hook worker still has to look at.
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending';
