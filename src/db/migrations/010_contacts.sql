-- Contacts and CSV import (issue 3, items 1 and 3): sorting by creation time, the import report filtered by
-- outcome, the lease that tells a running import from one whose process died, and the e-mail keys an import
-- has already seen (duplicates within one file are found in the database, so memory does not grow with it).
create index contacts_ws_created_idx on contacts (workspace_id, created_at, id);
-- The last-name sort puts contacts without one first; the key is the same expression the list orders by.
create index contacts_ws_sort_name_idx on contacts (workspace_id, lower(coalesce(last_name, '')), id);

alter table imports add column lease_until timestamptz;
create index import_rows_outcome_idx on import_rows (import_id, outcome, row_number);

-- Filled while an import runs and emptied when it ends: the keys hold personal data and are only needed
-- to say "duplicate of row 12 in this file".
create table import_keys (
  import_id text not null references imports(id) on delete cascade,
  email_key text not null,
  row_number integer not null,
  primary key (import_id, email_key)
);
