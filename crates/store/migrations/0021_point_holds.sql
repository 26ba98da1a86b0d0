-- Dangol schema, version 21: points held for a redemption the register is
-- about to take at payment.
--
-- The register holds some of a customer's points while the customer pays
-- (`dangol-api`: hold, then capture with the sale, or release). While a
-- hold is open, those points are set aside from every other redemption at
-- this counter (the window's too); the sale that captures it may spend
-- them, and the hold ends with that sale, in the sale's transaction. A hold
-- ends by itself at `expires_at`: expiry is derived from the moment, never
-- written, as points expiry is.
--
-- Holds are this counter's own: the register talks to one counter, and
-- escrow already bounds what this counter may redeem, so they are never
-- synced (no outbox event) and not in `state_digest`.
CREATE TABLE point_holds (
    id BLOB PRIMARY KEY CHECK (length(id) = 16),
    customer INTEGER NOT NULL REFERENCES customers (rid),
    points INTEGER NOT NULL CHECK (points > 0),
    made_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL CHECK (expires_at > made_at),
    -- NULL while open; 'captured' by a sale, or 'released'.
    ended TEXT CHECK (ended IN ('captured', 'released')),
    ended_at INTEGER,
    -- The sale that captured it.
    sale BLOB,
    CHECK ((ended IS NULL) = (ended_at IS NULL)),
    CHECK ((ended = 'captured') = (sale IS NOT NULL))
);
CREATE INDEX point_holds_open ON point_holds (customer, expires_at) WHERE ended IS NULL;
