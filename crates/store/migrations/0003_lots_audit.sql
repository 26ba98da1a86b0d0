-- Dangol schema, version 3: points lots, the audit log, insert-only history.

-- Every points entry that is not a lot of its own names the lot it draws
-- from or gives back to (see domain::points). Version 2 wrote expiry as an
-- unlinked spend taken from the oldest lot, which could expire points that
-- were not due (an owner's gift without expiry, for one). Those entries are
-- removed here: each lot's due remainder is recomputed from the lots
-- themselves and written, linked, at the customer's next write; until then
-- balances subtract what is due. Unlinked spends of version 2 stay and are
-- allocated at their own moment, the way spends are allocated now.
ALTER TABLE points_ledger ADD COLUMN lot INTEGER REFERENCES points_ledger (rid);
DELETE FROM points_ledger WHERE kind = 'expire';

-- Every owner action and every goodwill grant: what, before -> after, when,
-- on which counter. Append-only (the triggers below), and each entry is also
-- an outbox event.
CREATE TABLE audit_log (
    rid     INTEGER PRIMARY KEY,
    id      BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    at      INTEGER NOT NULL,
    device  BLOB NOT NULL,
    actor   TEXT NOT NULL CHECK (actor IN ('owner', 'cashier', 'system')),
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    before  TEXT,
    after   TEXT,
    note    TEXT
);
CREATE INDEX audit_log_by_at ON audit_log (at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Sales and ledgers are history: corrections are new rows (reversals,
-- adjustments), never edits.
CREATE TRIGGER sales_no_update BEFORE UPDATE ON sales
BEGIN SELECT RAISE(ABORT, 'sales are insert-only; refund with a reversal'); END;
CREATE TRIGGER sales_no_delete BEFORE DELETE ON sales
BEGIN SELECT RAISE(ABORT, 'sales are insert-only; refund with a reversal'); END;
CREATE TRIGGER sale_lines_no_update BEFORE UPDATE ON sale_lines
BEGIN SELECT RAISE(ABORT, 'sale lines are insert-only'); END;
CREATE TRIGGER sale_lines_no_delete BEFORE DELETE ON sale_lines
BEGIN SELECT RAISE(ABORT, 'sale lines are insert-only'); END;
CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger
BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only'); END;
CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger
BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only'); END;
CREATE TRIGGER stamp_ledger_no_update BEFORE UPDATE ON stamp_ledger
BEGIN SELECT RAISE(ABORT, 'the stamp ledger is append-only'); END;
CREATE TRIGGER stamp_ledger_no_delete BEFORE DELETE ON stamp_ledger
BEGIN SELECT RAISE(ABORT, 'the stamp ledger is append-only'); END;
