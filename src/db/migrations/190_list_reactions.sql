-- Reaction filters on a list's members (src/lists/store.ts reactionFilterSql, seed 003 §5.4 filter family 6):
-- the recipients a list's campaigns reached, found by list instead of a scan of every campaign's recipients.
create index campaign_recipients_list_idx on campaign_recipients (list_id, contact_id) where message_id is not null;
