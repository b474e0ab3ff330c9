-- Per-sender-domain rate limits (DESIGN §3.6: per transport AND per sender domain, held in the database so
-- they hold across processes): at most rate_limit messages from the domain per fixed window of
-- rate_window_seconds, counted like transport_windows. Both null: no limit.
alter table sender_domains
  add column rate_limit integer check (rate_limit > 0),
  add column rate_window_seconds integer check (rate_window_seconds > 0),
  add constraint sender_domains_rate_both check ((rate_limit is null) = (rate_window_seconds is null));

create table sender_domain_windows (
  sender_domain_id text not null references sender_domains(id) on delete cascade,
  window_start timestamptz not null,
  used integer not null default 0,
  primary key (sender_domain_id, window_start)
);
