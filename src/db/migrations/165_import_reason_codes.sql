-- Import report rows carry a stable reason code and its values beside the English reason, so the
-- dashboard words the reason in the user's language (issue 7). Rows written before stay with null.
alter table import_rows add column reason_code text;
alter table import_rows add column reason_params jsonb;
