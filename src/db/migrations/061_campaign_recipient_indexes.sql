-- Every index on campaign_recipients is written again at each of a recipient's state changes on the
-- sending path (claimed, sending, sent). The per-status index is not worth that: counts and the recipient
-- list read a campaign's rows through the primary key (campaign_id, contact_id), whose order is the load
-- order, and the work queue has its own partial indexes.
drop index if exists campaign_recipients_status_idx;
