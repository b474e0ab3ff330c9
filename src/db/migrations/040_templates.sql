-- Templates (issue 4 §1): subject, HTML and text parts with Liquid merge fields; optional MJML source whose
-- compiled HTML is kept in html. text null = generated from html. version grows with every change, so a
-- compiled template cached per (id, version) is never stale even when two saves share a timestamp.
create table templates (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  name text not null,
  kind text not null default 'email' check (kind in ('email', 'letter')),
  language text not null default 'de',
  subject text not null,
  html text,
  text text,
  mjml text,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, name)
);
create index templates_ws_idx on templates (workspace_id, id);
