-- Dangol schema, version 18: allowances squared when a merge is undone.
--
-- While two registrations were one customer, the counters' allowances
-- and the pool were kept for the one customer: one counter's points could
-- be returned to the pool and claimed by another. When the owner undoes
-- the merge, every points entry goes back to its side, but the moves stay
-- with the survivor, so one counter could hold less than nothing on one
-- side and the same too much on the other, and two counters could spend
-- more between them than the side holds. At the undo's place in the hub's
-- order every counter works out each side's allowances from what the
-- order has placed, and covers any counter below zero from the pool, then
-- from the counters that hold the most (`escrow::square_allowances`): the
-- same shifts at every counter, each side's total unchanged. A counter
-- can also go below zero by the owner's overdraft or by a spend made
-- unaware of an undo: wherever an event takes a customer's points, at its
-- place, it is covered from the pool only (`escrow::cover_after`).
CREATE TABLE escrow_shifts (
    event_id BLOB NOT NULL CHECK (length(event_id) = 16),
    customer INTEGER NOT NULL REFERENCES customers (rid),
    device   BLOB NOT NULL CHECK (length(device) = 16),
    points   INTEGER NOT NULL CHECK (points != 0),
    PRIMARY KEY (event_id, customer, device)
) WITHOUT ROWID;
CREATE INDEX escrow_shifts_customer ON escrow_shifts (customer, device);
CREATE TRIGGER escrow_shifts_kept BEFORE DELETE ON escrow_shifts
    BEGIN SELECT RAISE(ABORT, 'escrow shifts are kept'); END;
CREATE TRIGGER escrow_shifts_fixed BEFORE UPDATE ON escrow_shifts
    BEGIN SELECT RAISE(ABORT, 'escrow shifts are kept'); END;

-- Customers with a counter still below zero after the last cover: the
-- counters holding their points return what is missing at their next
-- round (`escrow_rebalance`), and the cover at the return's place gives
-- it. Worked out in the hub's order, the same at every counter.
CREATE TABLE escrow_short (
    customer INTEGER PRIMARY KEY REFERENCES customers (rid)
);
