-- A first fetch of a list of 100,000 writes 100,000 staged members and 100,000 sync states. Each row's
-- foreign key cost a key-share lock on its parent row (the run for a staged member: the same row 100,000
-- times; the subscription for a sync state: every subscription row of the list dirtied once more) — on
-- PGlite a quarter of each insert's time (EXPLAIN ANALYZE: 34 of 114 ms and 67 of 248 ms per 5,000 rows).
-- Both are written only from rows read in the same transaction (the run that stages; subscriptions read
-- by reconcile, markUnseen, markAborted, setTask, link), so the check never refused one; what the keys
-- gave beyond that is the cascade, which these triggers keep.
alter table sync_fetched_members drop constraint sync_fetched_members_run_id_fkey;
alter table subscription_sync drop constraint subscription_sync_subscription_id_fkey;

create function sync_run_deleted() returns trigger language plpgsql as $$
begin
  delete from sync_fetched_members where run_id = old.id;
  return old;
end
$$;

create trigger sync_runs_staged_cascade after delete on sync_runs
  for each row execute function sync_run_deleted();

-- one statement per DELETE of subscriptions, however many rows it removes (a list's, a workspace's)
create function subscriptions_sync_state_deleted() returns trigger language plpgsql as $$
begin
  delete from subscription_sync ss using gone g where ss.subscription_id = g.id;
  return null;
end
$$;

create trigger subscriptions_sync_state_cascade after delete on subscriptions
  referencing old table as gone
  for each statement execute function subscriptions_sync_state_deleted();
