-- Provider transports and webhooks (issue 5, item 3). A provider's event names its own message id
-- (SendGrid's X-Message-Id, Mailgun's id, Postmark's MessageID, SES's MessageId), which the sending worker
-- keeps in messages.queue_id: webhook batches find their messages through it when the event does not carry
-- our own id back (custom args, user variables, metadata, tags).
create index messages_ws_queue_id_idx on messages (workspace_id, queue_id) where queue_id is not null;

-- Amazon SNS subscription confirmations received for a workspace's SES webhook (seed 001: nothing a process
-- reports is lost). Confirming means fetching SubscribeURL once; the row keeps what was asked and the answer.
create table provider_subscriptions (
  id text primary key,
  workspace_id text not null references workspaces(id) on delete cascade,
  provider text not null,
  topic_arn text not null,
  sns_message_id text not null,
  subscribe_url text not null,
  status text not null check (status in ('pending', 'confirmed', 'failed', 'refused')),
  detail text,
  received_at timestamptz not null,
  confirmed_at timestamptz,
  unique (workspace_id, sns_message_id)
);
create index provider_subscriptions_ws_idx on provider_subscriptions (workspace_id, id);
