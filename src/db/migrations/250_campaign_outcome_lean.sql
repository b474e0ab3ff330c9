-- A campaign message's outcome writes one messages row, two message_events rows and the recipient's row
-- (marked `sending` before that, claimed before that): 100,000 times for a campaign of 100,000.
-- * campaign_recipients_message_idx goes: it took an entry at every recipient row version that carries a
--   message id (marking and outcome: two per recipient). Its one reader, the rebuilt MIME of a campaign
--   message (campaigns/documents.ts), now finds the recipient through the message's campaign and contact
--   (the primary key) and checks that the row names this message.
-- * message_events loses its foreign key to messages: it cost a lookup and a key-share lock on the
--   message (a WAL record) per event, two per campaign message. Every writer inserts an event with or
--   after its message, holding it (the same statement, the worker's lease, the webhook's row lock), and
--   messages are deleted only with their workspace; this statement trigger keeps the cascade: the events of
--   deleted messages go with them, one statement per deleting statement.
drop index if exists campaign_recipients_message_idx;

alter table message_events drop constraint if exists message_events_message_id_fkey;

create function message_events_messages_deleted() returns trigger language plpgsql as $$
begin
  delete from message_events e using gone g where e.message_id = g.id;
  return null;
end
$$;

create trigger messages_events_cascade after delete on messages
  referencing old table as gone
  for each statement execute function message_events_messages_deleted();
