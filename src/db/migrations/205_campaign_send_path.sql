-- The campaign send path writes one message and two message_events rows per recipient; every index entry
-- and foreign-key check on them is paid 100,000 times for a 100,000-recipient campaign.
-- * message_events.workspace_id keeps no foreign key: an event always belongs to a message
--   (message_id is not null and references messages on delete cascade), and a message to its workspace
--   (messages.workspace_id on delete cascade), so deleting a workspace still removes its events, through
--   their messages. The check cost a lookup in workspaces per event row.
-- * messages_message_id_header_idx goes: every Message-ID Poststelle writes is <message id@From domain>
--   (delivery/verp.ts messageIdHeader), so an inbound reply or bounce naming one is found through the id it
--   contains, by the primary key (inbound/store.ts messagesByMessageIdHeader), and the header column is
--   compared only on the row found.
alter table message_events drop constraint if exists message_events_workspace_id_fkey;
drop index if exists messages_message_id_header_idx;
