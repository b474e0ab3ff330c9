-- A fetch writes one event-log entry per member (seed 003 §7: "found", per subscription and fetch): 100,000
-- for a list of 100,000. The foreign key to workspaces cost each of them a key-share lock on the workspace's
-- row (~45 % of the insert). Entries are written with the workspace of the request or run that makes them,
-- so the check never refused one; what the key gave beyond that is the cascade when a workspace goes, and
-- this trigger keeps it (one statement per deleted workspace, through event_log_ws_idx).
alter table event_log drop constraint event_log_workspace_id_fkey;

create function event_log_workspace_deleted() returns trigger language plpgsql as $$
begin
  delete from event_log where workspace_id = old.id;
  return old;
end
$$;

create trigger workspaces_event_log_cascade after delete on workspaces
  for each row execute function event_log_workspace_deleted();
