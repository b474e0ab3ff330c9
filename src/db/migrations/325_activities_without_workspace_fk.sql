-- Every message the API accepts writes one activity entry (seed 000), and the foreign key to workspaces cost
-- each entry a lookup and a key-share lock on the workspace's row: on PGlite, where one thread runs the API,
-- the worker and the database, the activities insert was ~60 µs per message of the transactional benchmark
-- (as the event log's key cost ~45 % of its insert, migration 235). Entries are written with the workspace of
-- the request, run or process that makes them (or none, for the operator's), so the check never refused one;
-- what the key gave beyond that is the cascade when a workspace goes, and this trigger keeps it (one
-- statement per deleted workspace, through activities_ws_idx).
alter table activities drop constraint if exists activities_workspace_id_fkey;

create function activities_workspace_deleted() returns trigger language plpgsql as $$
begin
  delete from activities where workspace_id = old.id;
  return old;
end
$$;

create trigger workspaces_activities_cascade after delete on workspaces
  for each row execute function activities_workspace_deleted();
