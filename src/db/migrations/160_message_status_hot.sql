-- Every delivery event that moves a message's status rewrites the message row (events/store.ts
-- updateDerivedStatuses): a provider reports processed, delivered, opened and clicked for each message, so a
-- send-out of N messages brings about 3N such updates. With `status` in an index, none of them can be a
-- HOT update (PostgreSQL's heap-only tuple: no new index entries when no indexed column changes and the
-- page has room), and each one inserts into every index of messages. So status is in no index any more:
-- * GET /v1/messages?status=… walks (workspace_id, id) newest first and filters, stopping at the page size;
--   dense statuses (sent, delivered, opened) fill a page at once, and the rare ones that matter (failed,
--   hard_bounced) are also what GET /v1/stats and the error registry answer per campaign and time range;
-- * /metrics counts messages by status with a sequential scan, as it already does for the send rate.
-- A fillfactor below 100 leaves every page room for the new row versions, so the updates stay on their page.
drop index if exists messages_ws_status_idx;
alter table messages set (fillfactor = 80);
