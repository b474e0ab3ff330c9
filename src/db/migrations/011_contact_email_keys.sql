-- Duplicate lookup by e-mail key through a btree (issue 3 item 3). contacts.email_keys keeps its GIN index,
-- but a batch of 1,000 keys against it is slow everywhere: the planner cannot estimate `&&` with a long array
-- and prefers a scan, and PGlite never vacuums, so the GIN pending list grows and every search walks it.
-- This table holds one row per (workspace, key, contact) and is kept in step by statement-level triggers,
-- so a multi-row INSERT or UPDATE of contacts costs one extra statement, not one per row.
create table contact_email_keys (
  workspace_id text not null,
  email_key text not null,
  contact_id text not null references contacts(id) on delete cascade,
  primary key (workspace_id, email_key, contact_id)
);
create index contact_email_keys_contact_idx on contact_email_keys (contact_id);

create function contact_email_keys_after_insert() returns trigger language plpgsql as $$
begin
  insert into contact_email_keys (workspace_id, email_key, contact_id)
    select n.workspace_id, k, n.id from new_rows n, unnest(n.email_keys) k
    on conflict do nothing;
  return null;
end $$;

create function contact_email_keys_after_update() returns trigger language plpgsql as $$
begin
  delete from contact_email_keys e using old_rows o, new_rows n
    where o.id = n.id and e.contact_id = o.id
      and (o.email_keys is distinct from n.email_keys or o.workspace_id is distinct from n.workspace_id);
  insert into contact_email_keys (workspace_id, email_key, contact_id)
    select n.workspace_id, k, n.id from old_rows o join new_rows n on o.id = n.id, unnest(n.email_keys) k
    where o.email_keys is distinct from n.email_keys or o.workspace_id is distinct from n.workspace_id
    on conflict do nothing;
  return null;
end $$;

create trigger contacts_email_keys_insert after insert on contacts
  referencing new table as new_rows for each statement execute function contact_email_keys_after_insert();
create trigger contacts_email_keys_update after update on contacts
  referencing old table as old_rows new table as new_rows
  for each statement execute function contact_email_keys_after_update();

insert into contact_email_keys (workspace_id, email_key, contact_id)
  select c.workspace_id, k, c.id from contacts c, unnest(c.email_keys) k
  on conflict do nothing;
