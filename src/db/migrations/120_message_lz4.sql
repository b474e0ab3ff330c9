-- Message bodies and the stored MIME (5–10 KB each, two or three values per message) are compressed with
-- LZ4 where the server has it. PostgreSQL's default, pglz, costs the server about ten times the CPU:
-- 20,000 rows of 5 KB text took 2.46 s with pglz and 0.20 s with LZ4 on the benchmark machine, which on the
-- transactional path (a body at submit, the MIME at the first attempt) was a large share of the server's
-- work per message. PGlite is built without LZ4 and keeps pglz. Applies to values written from now on.
do $$
begin
  alter table messages
    alter column text_body set compression lz4,
    alter column html_body set compression lz4,
    alter column raw_mime set compression lz4;
exception when feature_not_supported then
  raise notice 'LZ4 is not available in this build; message bodies stay compressed with pglz';
end $$;
