-- Every index on messages is paid for twice per message on the sending path (the claim and the outcome
-- are each a new row version), so the list filters' indexes only cover the rows they can match:
-- * tags: only messages that have tags (the tag filter adds `tags <> '{}'` so the planner can use it);
-- * retention: only finished messages whose content is still there (what the purge looks for);
-- * since/until use the time-ordered ids (ws_idx), so created_at needs no index of its own;
-- * whether a transport still has unsent messages is answered from the small queued/sending indexes.
drop index messages_tags_idx;
create index messages_tags_idx on messages using gin (tags) where tags <> '{}';
drop index messages_retention_idx;
create index messages_retention_idx on messages (workspace_id, created_at)
  where body_purged_at is null and send_state in ('done', 'unknown');
drop index messages_ws_created_idx;
drop index messages_transport_queued_idx;
