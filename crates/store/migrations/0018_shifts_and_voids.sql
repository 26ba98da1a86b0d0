-- Dangol schema, version 18: allowances covered where a counter is below
-- zero (an undone merge, an overdraft), and a refund voided where another
-- refund of the same sale came first.
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

-- A refund voided. Two counters cut off from each other refunded one sale;
-- the refund first in the hub's order stands everywhere, and the later one
-- is reported (`refunded_twice`). The counter that made the later one held
-- it from the moment it was made: when the first arrives there, it removes
-- its own (`refund::void_own`) before writing the first, so it holds what
-- every other counter holds. `voiding` names the reversal being removed,
-- and only inside that transaction: the history triggers let its rows go,
-- and no other row.
CREATE TABLE voiding (
    sale INTEGER PRIMARY KEY
);
DROP TRIGGER sales_no_delete;
CREATE TRIGGER sales_no_delete BEFORE DELETE ON sales
    WHEN NOT EXISTS (SELECT 1 FROM voiding WHERE sale = OLD.rid)
    BEGIN SELECT RAISE(ABORT, 'sales are insert-only; refund with a reversal'); END;
DROP TRIGGER sale_lines_no_delete;
CREATE TRIGGER sale_lines_no_delete BEFORE DELETE ON sale_lines
    WHEN NOT EXISTS (SELECT 1 FROM voiding WHERE sale = OLD.sale)
    BEGIN SELECT RAISE(ABORT, 'sale lines are insert-only'); END;
DROP TRIGGER points_ledger_no_delete;
CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger
    WHEN NOT EXISTS (SELECT 1 FROM voiding WHERE sale = OLD.sale)
    BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only'); END;
DROP TRIGGER stamp_ledger_no_delete;
CREATE TRIGGER stamp_ledger_no_delete BEFORE DELETE ON stamp_ledger
    WHEN NOT EXISTS (SELECT 1 FROM voiding WHERE sale = OLD.sale)
    BEGIN SELECT RAISE(ABORT, 'the stamp ledger is append-only'); END;
