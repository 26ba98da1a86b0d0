-- Dangol schema, version 20: what the register API answered to each
-- request that carried an `Idempotency-Key`.
--
-- A register that loses the answer to "this sale is done" sends the same
-- request again with the same key. The first answer is kept here with a
-- digest of the request (operation and body), so the retry gets that
-- answer again and nothing is done twice; the same key with a different
-- request is refused. Only requests that succeeded are kept: a refused
-- one (the gate, a bad cart) changed nothing, so the register may send it
-- again corrected under the same key.
--
-- These rows are this counter's own: the register talks to one counter,
-- so they are never synced (no outbox event) and not in `state_digest`.
-- Rows older than 30 days are dropped as new ones are kept; a sale's retry
-- after that still records nothing twice, as its visit id comes from the
-- key (`dangol-api`).
CREATE TABLE api_requests (
    key TEXT PRIMARY KEY,
    digest BLOB NOT NULL CHECK (length(digest) = 32),
    status INTEGER NOT NULL CHECK (status BETWEEN 200 AND 299),
    answer TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX api_requests_at ON api_requests (at);
