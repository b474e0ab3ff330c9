-- Every delivery event that moves a status rewrites its message row (events/store.ts), and the events of a
-- send-out arrive in the order of the send-out: a provider's batch of 1,000 "delivered" names 1,000 messages
-- stored next to each other, so every row of a page gets a new version at once. With fillfactor 80
-- (migration 160) a page holds room for a new version of only a quarter of its rows; the rest left the page
-- as non-HOT updates, each inserting into every index of messages (measured: 713 of 2,000 updates HOT,
-- 15 buffers per update). At 50 every row of a page has room for its next version, and the version before
-- it is pruned when the page is next read: 2,995 of 3,000 HOT, 3.3 buffers per update. The price is pages
-- half empty when a message is written once and never updated (twice the heap pages; indexes unchanged).
-- Applies to pages written from now on.
alter table messages set (fillfactor = 50);
