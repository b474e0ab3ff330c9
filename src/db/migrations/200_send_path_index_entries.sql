-- Fewer index entries per message on the sending path (issue 3's benchmark). Every
-- row version of a message (the insert, the claim, the outcome) enters every index whose predicate it meets.
-- * contact_id: most transactional messages go to an address without a contact, and a plain btree kept one
--   entry of NULL per row version. Every query that uses it asks for `contact_id = …` or `= any(…)` (the
--   list filter, the DSGVO export, the erasure, ON DELETE SET NULL from contacts), which implies not null,
--   so the partial index answers them all.
-- (message_events' foreign key to workspaces is dropped by 205, the campaign send path's migration.)
drop index if exists messages_contact_idx;
create index messages_contact_idx on messages (contact_id) where contact_id is not null;
