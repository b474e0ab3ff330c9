-- Fewer index entries and foreign-key checks per message on the sending path (issue 3's benchmark). Every
-- row version of a message (the insert, the claim, the outcome) enters every index whose predicate it meets,
-- and every event row checks its foreign keys.
-- * contact_id: most transactional messages go to an address without a contact, and a plain btree kept one
--   entry of NULL per row version. Every query that uses it asks for `contact_id = …` or `= any(…)` (the
--   list filter, the DSGVO export, the erasure, ON DELETE SET NULL from contacts), which implies not null,
--   so the partial index answers them all.
-- * message_events.workspace_id: each event row checked its workspace (a key-share lock on the workspace
--   row per event, two events per message). The event's message is checked anyway, it belongs to the same
--   workspace, and deleting a workspace still removes its events through its messages (both cascade).
drop index if exists messages_contact_idx;
create index messages_contact_idx on messages (contact_id) where contact_id is not null;
alter table message_events drop constraint if exists message_events_workspace_id_fkey;
