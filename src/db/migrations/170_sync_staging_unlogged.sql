-- The members a running fetch has read are scratch data: a fetch whose process dies is aborted and read
-- again, so they need no crash safety. Unlogged, their 100,000 rows per fetch cost no WAL (nor its fsync),
-- and the index on remote_id, which no query uses, is not kept up on every insert.
drop index if exists sync_fetched_members_remote_idx;
alter table sync_fetched_members set unlogged;
-- The blocklist hash of the member's address (blocklist.address_hash), made while the page is staged, so
-- reconciliation finds blocklisted members in the same query that reads the chunk.
alter table sync_fetched_members add column block_hash text;
