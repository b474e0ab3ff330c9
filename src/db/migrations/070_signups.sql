-- Double opt-in sign-ups (issue 4 item 5): one row per confirmation mail sent. The link carries a random
-- token; only its SHA-256 is stored. A sign-up is open until confirmed_at or expired_at is set; the
-- expiry worker (src/signups/expiry.ts) undoes the pending subscription of an unconfirmed one, using
-- created_subscription / previous_status to know what the subscription was before.
create table signups (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  list_id text not null references lists(id) on delete cascade,
  contact_id text not null references contacts(id) on delete cascade,
  token_hash text not null unique,
  -- the consent wording the person was shown when signing up
  wording text not null,
  -- IP of the sign-up request (the host application's form passes it on; the hosted page sees it)
  ip text,
  source text,
  -- the confirmation mail
  message_id text,
  -- true: the sign-up created the subscription; false: it was `previous_status` before becoming pending
  created_subscription boolean not null,
  previous_status text,
  requested_at timestamptz not null,
  expires_at timestamptz not null,
  confirmed_at timestamptz,
  confirm_ip text,
  expired_at timestamptz
);
create index signups_open_idx on signups (expires_at) where confirmed_at is null and expired_at is null;
create index signups_pair_idx on signups (list_id, contact_id);
create index signups_ws_idx on signups (workspace_id, id);
