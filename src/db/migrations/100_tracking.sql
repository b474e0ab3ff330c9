-- Open and click tracking (issue 5 item 5, DESIGN §3.9): the links of each tracked message, by their
-- position in its HTML. A click token names only (message, index); the redirect target is read from here,
-- so a token can never carry a URL of its own (no open redirect).
create table message_links (
  message_id text not null references messages(id) on delete cascade,
  idx integer not null check (idx >= 0),
  workspace_id text not null references workspaces(id) on delete cascade,
  url text not null,
  primary key (message_id, idx)
);
