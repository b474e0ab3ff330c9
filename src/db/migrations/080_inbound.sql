-- Inbound mail (issue 5 item 1, DESIGN §3.8): every message the SMTP listener or the IMAP poller takes in
-- is stored here first, raw, before anything is derived from it — nothing is ever lost. workspace_id is the
-- workspace of the matched message, or of the IMAP mailbox it came from; a bounce to the listener that
-- matches no message belongs to nobody (workspace_id null) and only the operator sees it.
create table inbound_messages (
  id text primary key,
  workspace_id text references workspaces(id) on delete cascade,
  received_at timestamptz not null,
  source text not null check (source in ('smtp', 'imap', 'archive')),
  -- { mail_from, rcpt_to[], remote_address?, mailbox_id?, folder?, uid? }
  envelope jsonb not null,
  -- the first bytes of the message (raw_truncated when there were more); raw_size is the full size
  raw bytea not null,
  raw_size integer not null,
  raw_truncated boolean not null default false,
  -- sha256 of the report's own Message-ID (or of its bytes): the same report read twice has the same one
  fingerprint text not null,
  -- bounce, delay, delivered, relayed, mdn, arf, autoreply, archive, unknown; pending until processed
  kind text not null default 'pending',
  message_id text references messages(id) on delete set null,
  -- verp, message_id, envelope_id
  matched_by text,
  result jsonb,
  processed_at timestamptz,
  -- IMAP: which mailbox and message, so a message whose flag could not be set is not stored twice
  mailbox_id text,
  imap_key text
);
create index inbound_messages_ws_idx on inbound_messages (workspace_id, id);
create index inbound_messages_unmatched_idx on inbound_messages (id) where message_id is null;
create index inbound_messages_message_idx on inbound_messages (message_id) where message_id is not null;
create index inbound_messages_pending_idx on inbound_messages (received_at) where processed_at is null;
create unique index inbound_messages_imap_idx on inbound_messages (mailbox_id, imap_key) where imap_key is not null;

-- Matching by Message-ID (RFC 5322) of the original, when a report carries no VERP address.
create index messages_message_id_header_idx on messages (message_id_header);

-- IMAP mailboxes a workspace has Poststelle poll (seed 002: the bounce mailbox and the archive mailbox).
-- The password is stored as given (like transport credentials); only admins can read this table's rows.
create table inbound_mailboxes (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  name text not null,
  host text not null,
  port integer not null,
  tls boolean not null,
  username text not null,
  password text not null,
  folder text not null default 'INBOX',
  purpose text not null check (purpose in ('bounce', 'archive')),
  after text not null check (after in ('flag', 'move')),
  move_to text,
  poll_seconds integer not null default 60,
  enabled boolean not null default true,
  next_poll_at timestamptz not null default now(),
  lease_owner text,
  lease_until timestamptz,
  last_polled_at timestamptz,
  last_ingested integer,
  last_error text,
  last_error_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, name),
  check (after <> 'move' or move_to is not null)
);
create index inbound_mailboxes_due_idx on inbound_mailboxes (next_poll_at) where enabled;
