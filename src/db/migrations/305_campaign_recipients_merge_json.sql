-- campaign_recipients.merge (what a campaign message was rendered from: the contact's merge view and the
-- unsubscribe link, ~650 bytes) becomes json instead of jsonb. It is written once per recipient when the
-- recipient is marked `sending`, and only ever read back whole (rendering again, the reaper, the raw MIME):
-- never searched, indexed or compared inside the database. As jsonb every marking built the binary form of
-- each merge object (about as costly as the row update itself, measured on PostgreSQL 15); as json the
-- value is only checked to be JSON and kept as the text the worker sent. Readers get the same object
-- (both drivers parse json and jsonb alike); key order and whitespace are those of JSON.stringify.
alter table campaign_recipients alter column merge type json using merge::json;
