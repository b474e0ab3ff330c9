-- The stored MIME (messages.raw_mime) is gzip-compressed by the sending worker before it reaches the
-- database (src/delivery/mime.ts packMime/unpackMime): far fewer bytes cross into the database on the hot
-- path. Already compressed, it is stored out of line without a second, futile compression attempt.
alter table messages alter column raw_mime set storage external;
