-- Dangol schema, version 17: where this counter's own points entries stand
-- in the hub's order.
--
-- An undone merge squares the lots the two registrations drew from each
-- other (`unmerge::square_lots`), worked out from the one customer's
-- entries. Every counter applies the undo at its place in the hub's order,
-- so it holds every other counter's entries placed before it and none
-- placed after; but its own entries are there from the moment they were
-- written, placed before the undo or not (yet). The undo is worked out
-- from the entries placed before it only, the same at every counter.
--
-- `own_points`: each entry this counter wrote for an event of its own, and
-- that event's `seq` (the event the other counters write it from). Local
-- bookkeeping, like the outbox: row ids are this file's.
CREATE TABLE own_points (
    entry INTEGER PRIMARY KEY REFERENCES points_ledger (rid),
    seq   INTEGER NOT NULL CHECK (seq > 0)
);
CREATE INDEX own_points_by_seq ON own_points (seq);

-- The highest own event the hub's order has passed back to this counter:
-- own entries of a later event are not placed yet.
ALTER TABLE sync_state ADD COLUMN placed_seq INTEGER NOT NULL DEFAULT 0 CHECK (placed_seq >= 0);
CREATE TRIGGER sync_placed_only_moves_forward BEFORE UPDATE OF placed_seq ON sync_state
    WHEN NEW.placed_seq < OLD.placed_seq
    BEGIN SELECT RAISE(ABORT, 'sync cursors only move forward'); END;
