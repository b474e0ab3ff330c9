-- The MIME of an unsigned message is kept as its recipe instead of its bytes (src/delivery/mime.ts,
-- worker.ts): the message's own columns, the Date it was built with, and the SHA-256 of the bytes that
-- left. Rebuilding from them gives the same bytes (the multipart boundaries derive from the message id), and
-- the hash proves it before anything is sent again or shown as what left (GET /v1/messages/{id}/raw).
-- Storing 5–50 KB per message a second time (the bodies are already in text_body/html_body) was the largest
-- single write on the sending path: the bytes through the driver, compression and WAL on the server.
-- DKIM-signed messages keep their bytes in raw_mime: a signature cannot be made again once the key changed.
alter table messages add column mime_date timestamptz, add column mime_sha256 text;
