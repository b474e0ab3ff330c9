-- Open and click tracking for serial e-mails (issue 5 item 5): a campaign's own switch on top of the
-- workspace setting `tracking`. true (the default) follows the workspace; false never instruments this
-- campaign's messages. A run decides once, when it starts, and keeps the answer in its snapshot.
alter table campaigns add column tracking boolean not null default true;
