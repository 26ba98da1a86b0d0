-- Dangol schema, version 16: the points ledger's guard, put back.
--
-- A file that seeded a hub (the hub's state, and every counter started
-- from its snapshot) had the ledger's guard put back as version 3 wrote
-- it, refusing the one change version 9 allows: an undone merge moving an
-- entry to the registration it came from. Put back as version 9 has it.
DROP TRIGGER IF EXISTS points_ledger_no_update;
CREATE TRIGGER points_ledger_no_update BEFORE UPDATE OF rid, at, kind, points, expires_at, sale, note, lot, device ON points_ledger
BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only'); END;
