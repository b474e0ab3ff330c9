-- Transactional e-mail and delivery events (issue 3, items 6, 10 and 11): deliberate resends, the
-- idempotency fingerprint, an error code per event, and the indexes the message list filters and the
-- retention purge use.

-- A deliberate resend of a message whose outcome was unknown (or that failed) points at the original.
alter table messages add column resent_from text references messages(id) on delete set null;
-- SHA-256 of the request that first used an Idempotency-Key: the same key with a different request is a
-- client error, not a silent replay of something else.
alter table messages add column idempotency_fingerprint text;
-- The machine-readable code of an event (e.g. "5.1.1", "smtp_550"): copied to messages.error_code when the
-- event decides the status, and the key into the error registry.
alter table message_events add column error_code text;

create index messages_ws_to_idx on messages (workspace_id, lower(to_address), id);
create index messages_tags_idx on messages using gin (tags);
create index messages_ws_created_idx on messages (workspace_id, created_at, id);
create index messages_retention_idx on messages (workspace_id, created_at) where body_purged_at is null;
create index messages_transport_queued_idx on messages (transport_id) where send_state in ('queued', 'sending');
