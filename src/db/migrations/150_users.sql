-- Users of the dashboard (issue 7 item 1): one workspace each, a role, a language, an argon2id password hash.
-- E-mail is unique in the whole instance regardless of case, so a login names exactly one user.
create table users (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  email text not null,
  name text not null default '',
  role text not null check (role in ('admin', 'editor', 'viewer')),
  language text not null default 'de' check (language in ('de', 'en')),
  password_hash text not null,
  disabled boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_login_at timestamptz
);
create unique index users_email_idx on users (lower(email));
create index users_ws_idx on users (workspace_id, id);

-- Login sessions: only a SHA-256 of the cookie's token is stored, so a copy of the database opens no session.
create table user_sessions (
  id text primary key,
  token_hash text not null unique,
  user_id text not null references users(id) on delete cascade,
  workspace_id text not null references workspaces(id) on delete cascade,
  csrf_token text not null,
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at timestamptz not null,
  ip text,
  user_agent text
);
create index user_sessions_user_idx on user_sessions (user_id);
create index user_sessions_expires_idx on user_sessions (expires_at);

-- Failed logins, per e-mail and per client address, in the database so the limit holds across processes.
create table login_failures (
  id text primary key,
  scope text not null check (scope in ('email', 'ip')),
  subject text not null,
  at timestamptz not null
);
create index login_failures_subject_idx on login_failures (scope, subject, at);
