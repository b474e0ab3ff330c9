-- subscription_sync_list_idx (list_id, result, subscription_id) serves the reads by a fetch's result: the
-- member filters of the review screens (conflicts, new in list, new contacts, not in tool — never
-- "success"), and a fetch's own walk of its "not in tool" subscriptions. Yet every sync state a fetch
-- writes got an entry, and on a list in step almost all of them are a plain success: a first fetch of
-- 100,000 members made ~97,000 entries no query asks for (~0.3 s of PGlite's CPU per 100,000, measured
-- alone). Only the results something looks for are indexed now. Every query that used the index still
-- can (result = 'conflict', 'not_in_tool', … imply the predicate), and the plans of the member filters,
-- the "not in tool" walk and the counts by result are the same with and without statistics, or better
-- without (src/sync/store.test.ts EXPLAINs them). A repeat fetch's stamp changes no indexed column, as
-- before (a HOT update).
drop index subscription_sync_list_idx;
create index subscription_sync_list_idx on subscription_sync (list_id, result, subscription_id)
  where result <> 'success';
