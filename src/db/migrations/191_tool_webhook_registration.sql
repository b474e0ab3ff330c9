-- Poststelle registers the live-changes URL in Mailchimp itself (POST /lists/{id}/webhooks): the id Mailchimp
-- gave the registration (to delete it again), or why registering did not happen, shown with the webhook.
alter table tool_webhooks add column remote_webhook_id text;
alter table tool_webhooks add column registration_problem text;
