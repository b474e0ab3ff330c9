-- Mailings sent by an external e-mail tool (issue 6 item 7, seed 003 §6): a record here, linked to its
-- list, with the recipients intended at the moment the record was created (the seed's caveat: the tool
-- sends to whoever is on its list when it actually sends), the tool's mailing it was assigned to, and what
-- was fetched from the tool: bounces, general statistics and per-recipient reactions.

create table mailings (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  -- kept when the list is deleted (seed 003 §8.3: mailings stay as history, their link to the tool is gone)
  list_id text references lists(id) on delete set null,
  list_name text not null,
  name text not null,
  -- the tool's mailing (campaign) id, once assigned ("Vorhandenes zuordnen")
  remote_mailing_id text,
  recipient_count integer not null default 0,
  -- last general statistics fetched from the tool, as computed by mailings/stats.ts
  statistics jsonb,
  statistics_fetched_at timestamptz,
  bounces_fetched_at timestamptz,
  reactions_fetched_at timestamptz,
  created_at timestamptz not null default now(),
  created_by text not null,
  updated_at timestamptz not null default now()
);
create index mailings_ws_idx on mailings (workspace_id, id);
create index mailings_list_idx on mailings (list_id, id);

-- The intended recipients, frozen at creation: who was subscribed to the list then, with the address used.
create table mailing_recipients (
  mailing_id text not null references mailings(id) on delete cascade,
  email_key text not null,
  workspace_id text not null references workspaces(id) on delete cascade,
  contact_id text references contacts(id) on delete set null,
  subscription_id text,
  email text not null,
  first_name text,
  last_name text,
  bounce text check (bounce in ('permanent', 'temporary', 'general')),
  bounce_at timestamptz,
  bounce_reason text,
  reaction text not null default 'not_opened' check (reaction in ('not_opened', 'opened', 'clicked')),
  primary key (mailing_id, email_key)
);
