-- Live changes from an e-mail tool (issue 6 item 9): Mailchimp calls a URL per audience when someone
-- subscribes, unsubscribes, changes the profile or the address, or is cleaned. Mailchimp signs nothing, so
-- the URL carries a secret (only its SHA-256 is stored); receipts de-duplicate Mailchimp's retries.

create table tool_webhooks (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  list_id text not null unique references lists(id) on delete cascade,
  link_id text not null references list_links(id) on delete cascade,
  tool text not null,
  secret_hash text not null unique,
  created_at timestamptz not null,
  created_by text not null
);
create index tool_webhooks_ws_idx on tool_webhooks (workspace_id, id);

create table tool_webhook_receipts (
  webhook_id text not null references tool_webhooks(id) on delete cascade,
  -- SHA-256 of the body: a retry carries the same body (same fired_at), a new change does not
  dedupe_key text not null,
  received_at timestamptz not null,
  type text not null,
  outcome text not null,
  primary key (webhook_id, dedupe_key)
);
