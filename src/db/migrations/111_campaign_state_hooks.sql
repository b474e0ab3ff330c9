-- campaign.state_changed for webhooks to the host application (src/hooks). A campaign's state is written
-- from several places (actions, generation, the scheduler, housekeeping, the sending worker's SQL); a row
-- trigger catches every one of them in the writer's own transaction, and with no subscribed endpoint it
-- inserts nothing.

-- Same shape as src/util/ids.ts newId('whd'): 10 base32 characters of epoch milliseconds, then random ones,
-- so these deliveries sort by creation time among those the application inserts.
create function webhook_delivery_id(at timestamptz) returns text language plpgsql as $$
declare
  alphabet constant text := '0123456789abcdefghjkmnpqrstvwxyz';
  n bigint := floor(extract(epoch from at) * 1000);
  out text := '';
begin
  for i in 1..10 loop
    out := substr(alphabet, (n % 32)::int + 1, 1) || out;
    n := n / 32;
  end loop;
  for i in 1..14 loop
    out := out || substr(alphabet, floor(random() * 32)::int + 1, 1);
  end loop;
  return 'whd_' || out;
end $$;

create function campaign_state_hook() returns trigger language plpgsql as $$
begin
  insert into webhook_deliveries (id, workspace_id, endpoint_id, event_type, payload, status, attempts,
                                  next_attempt_at, created_at)
  select webhook_delivery_id(clock_timestamp()), e.workspace_id, e.id, 'campaign.state_changed',
         jsonb_build_object('campaign_id', new.id, 'name', new.name, 'kind', new.kind,
                            'previous_state', old.state, 'state', new.state),
         'pending', 0, now(), now()
    from webhook_endpoints e
   where e.workspace_id = new.workspace_id and e.enabled and 'campaign.state_changed' = any(e.events);
  return null;
end $$;

create trigger campaigns_state_hook after update of state on campaigns
  for each row when (old.state is distinct from new.state) execute function campaign_state_hook();
