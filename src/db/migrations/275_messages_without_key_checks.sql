-- Every message insert ran two foreign-key checks, each a lookup and a key-share lock on the row it points
-- to: its contact (a different row per message: a WAL record and a dirtied page each) and its workspace
-- (the same row for a whole send-out, so concurrent writers share it through a multixact). A campaign writes
-- 100 messages per outcome statement, and the two checks made that insert about twice as long (pgbench, 3
-- clients, 100 rows per statement: 2.7-3.2 ms without, 5.9-6.5 ms with them).
-- * messages.contact_id keeps no foreign key. It was `on delete set null`; the statement trigger below does
--   that for the messages of deleted contacts (through messages_contact_idx). Writers name a contact they
--   have just read; a contact deleted between that read and the insert now leaves the message with the id
--   of a contact that no longer exists (read as "no contact" by every reader, which joins or looks it up),
--   where the check used to refuse the insert: a campaign's outcome group failed and was retried until the
--   worker gave up, leaving the group to the reaper, whose insert failed the same way. The DSGVO erasure
--   refuses while a recipient or message of the contact is in flight (delivery/erase.ts), so it never races
--   a writer.
-- * messages.workspace_id keeps no foreign key (as event_log since migration 235). Messages are written in
--   the workspace of the request, run or worker lease that makes them; no code path deletes a workspace,
--   and when one is deleted by hand this trigger takes its messages (and, through migration 250's trigger,
--   their events).
-- resent_from keeps its key: it is null for first attempts, so its check returns at once.
alter table messages drop constraint if exists messages_contact_id_fkey;
alter table messages drop constraint if exists messages_workspace_id_fkey;

create function messages_contacts_deleted() returns trigger language plpgsql as $$
begin
  update messages m set contact_id = null from gone g where m.contact_id = g.id;
  return null;
end
$$;

create trigger contacts_messages_set_null after delete on contacts
  referencing old table as gone
  for each statement execute function messages_contacts_deleted();

create function messages_workspace_deleted() returns trigger language plpgsql as $$
begin
  delete from messages where workspace_id = old.id;
  return old;
end
$$;

create trigger workspaces_messages_cascade after delete on workspaces
  for each row execute function messages_workspace_deleted();
