-- Dangol schema, version 6: points held in escrow, so a customer's balance
-- never goes below zero whatever the network does.
--
-- Every points entry names the counter whose event wrote it (NULL: this
-- counter, including all history from before sync). What a counter may
-- redeem for a customer (its allowance) is what its own events added and
-- took, plus what the hub's order granted it, less what it returned.
ALTER TABLE points_ledger ADD COLUMN device BLOB CHECK (device IS NULL OR length(device) = 16);

-- Points moved between a counter's allowance and the shop's pool: a return
-- (always granted in full: a counter only returns what it holds) or a claim
-- (granted what the pool held at the claim's place in the hub's order, the
-- same at every counter). `pos` is that place; NULL while this counter's
-- own move has not come back from the hub; a claim's `granted` is NULL
-- until then.
CREATE TABLE escrow_moves (
    event_id BLOB PRIMARY KEY CHECK (length(event_id) = 16),
    customer INTEGER NOT NULL REFERENCES customers (rid),
    device   BLOB NOT NULL CHECK (length(device) = 16),
    kind     TEXT NOT NULL CHECK (kind IN ('claim', 'return')),
    asked    INTEGER NOT NULL CHECK (asked > 0),
    granted  INTEGER CHECK (granted >= 0 AND granted <= asked),
    pos      INTEGER,
    at       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX escrow_moves_customer ON escrow_moves (customer, device);
CREATE TRIGGER escrow_moves_kept BEFORE DELETE ON escrow_moves
    BEGIN SELECT RAISE(ABORT, 'escrow moves are kept'); END;

-- The shop's pool per customer, in the hub's order: returns in, grants out.
CREATE TABLE escrow_pool (
    customer INTEGER PRIMARY KEY REFERENCES customers (rid),
    points   INTEGER NOT NULL CHECK (points >= 0)
);

-- How far `escrow_rebalance` has looked: sales up to this row id and pool
-- changes up to this hub position (only customers touched since are
-- looked at again).
CREATE TABLE escrow_mark (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    sale_rid INTEGER NOT NULL,
    pos      INTEGER NOT NULL
);
