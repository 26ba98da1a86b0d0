-- Dangol schema, version 9: an owner can undo a merge of two registrations
-- of one phone (sync merges them; see store::apply and store::unmerge).

-- Which registration each row was written for, where that is not the id
-- of the customer row it sits on: the rows a merged registration brought
-- to its survivor (tagged when the merge happens here, or when an event
-- naming the merged id is applied after it). Undoing the merge moves
-- exactly these rows (with the reversals and ledger entries of its sales)
-- back to the registration they were written for.
CREATE TABLE registration_rows (
    tbl          TEXT NOT NULL CHECK (tbl IN ('sales', 'points_ledger', 'stamp_ledger', 'coupons', 'feedback', 'prompt_log')),
    row          INTEGER NOT NULL,
    registration BLOB NOT NULL CHECK (length(registration) = 16),
    PRIMARY KEY (tbl, row)
) WITHOUT ROWID;
CREATE INDEX registration_rows_by_registration ON registration_rows (registration);

-- Merges made before rows were tagged: which rows each registration
-- brought is not known, so they cannot be undone (the owner is told so).
CREATE TABLE untracked_merges (
    merged BLOB PRIMARY KEY CHECK (length(merged) = 16)
) WITHOUT ROWID;
INSERT INTO untracked_merges (merged) SELECT merged FROM customer_merges;

-- Sales and ledgers stay history: amounts, times, links and devices never
-- change. The one column an undone merge may change is which customer a
-- row belongs to (every such move is logged in customer_moves).
DROP TRIGGER sales_no_update;
CREATE TRIGGER sales_no_update BEFORE UPDATE OF rid, id, at, subtotal, discount_total, total, points_earned, points_redeemed, stamps_earned, stamps_redeemed, reverses, reason, device ON sales
BEGIN SELECT RAISE(ABORT, 'sales are insert-only; refund with a reversal'); END;
DROP TRIGGER points_ledger_no_update;
CREATE TRIGGER points_ledger_no_update BEFORE UPDATE OF rid, at, kind, points, expires_at, sale, note, lot, device ON points_ledger
BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only'); END;
DROP TRIGGER stamp_ledger_no_update;
CREATE TRIGGER stamp_ledger_no_update BEFORE UPDATE OF rid, at, kind, stamps, sale ON stamp_ledger
BEGIN SELECT RAISE(ABORT, 'the stamp ledger is append-only'); END;

-- Each undone merge: which registration came back, from which customer,
-- under which phone, by which event, and how many rows of each kind moved.
-- Append-only.
CREATE TABLE customer_moves (
    event_id     BLOB PRIMARY KEY CHECK (length(event_id) = 16),
    registration BLOB NOT NULL CHECK (length(registration) = 16),
    from_rid     INTEGER NOT NULL REFERENCES customers (rid),
    to_rid       INTEGER NOT NULL REFERENCES customers (rid),
    at           INTEGER NOT NULL,
    moved        TEXT NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER customer_moves_no_update BEFORE UPDATE ON customer_moves
BEGIN SELECT RAISE(ABORT, 'customer moves are kept'); END;
CREATE TRIGGER customer_moves_no_delete BEFORE DELETE ON customer_moves
BEGIN SELECT RAISE(ABORT, 'customer moves are kept'); END;
