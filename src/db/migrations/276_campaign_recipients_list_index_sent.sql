-- campaign_recipients_list_idx (migration 190) held every recipient row version with a message id: one
-- entry when a recipient is marked `sending` (its message id is set then) and another at its outcome, two
-- per recipient of every send-out. Its reader (lists/store.ts reachedContacts: "to whom did mail go through
-- this list") asks only for recipients whose status is `sent`, so the index now holds only those: one
-- entry per recipient sent, none for the marking. The reaction query (reactedContacts) never used it: it
-- names no condition on message_id or status that the old predicate could be proved from.
drop index if exists campaign_recipients_list_idx;
create index campaign_recipients_list_idx on campaign_recipients (list_id, contact_id) where status = 'sent';
