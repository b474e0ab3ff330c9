-- The sync state of a subscription is written for every member of every fetch (100,000 rows for a list of
-- 100,000). Its workspace and list are those of its subscription (written from it, never changed), and the
-- subscription's own foreign keys already cascade when the workspace or the list goes; the two extra
-- foreign keys only cost two checks per row written.
alter table subscription_sync drop constraint subscription_sync_workspace_id_fkey;
alter table subscription_sync drop constraint subscription_sync_list_id_fkey;
-- A fetch that finds a member unchanged only stamps the run on its row (result_at, result_run_id,
-- updated_at: no indexed column), so the new row version can stay on its page without touching an index
-- (a HOT update) if the page has room for it: pages are filled to half.
alter table subscription_sync set (fillfactor = 50);
