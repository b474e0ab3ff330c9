-- Supersedes 031: the stored MIME is compressed where it is cheapest. On PGlite (Postgres inside this
-- process) the sending worker gzips it before it crosses into the database; on a PostgreSQL server the
-- server compresses it on its own cores. The default storage (extended: compressed, out of line) does
-- both — an already gzipped value is given up on after its first kilobyte.
alter table messages alter column raw_mime set storage extended;
