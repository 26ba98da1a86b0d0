-- Dangol schema, version 14: the points entries an undone merge squared.
-- While two registrations were one customer, an entry in one's name (a
-- redemption, the points its refund gave back) could name a lot the other
-- earned; when the owner undoes the merge, the two sides' lots are squared
-- for each such entry once (`unmerge::square_lots`), and the entry is
-- listed here: from then on it counts in its customer's sum only, touching
-- none of its lots when the book is replayed (`PointsEntry::elsewhere`),
-- and no later undo squares it again. The undo's own balancing entries
-- that count in the sum only are listed too. Local bookkeeping: row ids
-- are this file's.
CREATE TABLE squared_points (
    entry INTEGER PRIMARY KEY REFERENCES points_ledger (rid)
);
CREATE TRIGGER squared_points_kept BEFORE DELETE ON squared_points
    BEGIN SELECT RAISE(ABORT, 'squared entries are kept'); END;
CREATE TRIGGER squared_points_fixed BEFORE UPDATE ON squared_points
    BEGIN SELECT RAISE(ABORT, 'squared entries are kept'); END;
