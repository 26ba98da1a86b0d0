-- Dangol schema, version 15: the points replay reads each entry's sale.
-- Expiry is derived, never written (`domain::points`): the replay gives a
-- refund's points back where its sale's redemption was drawn and takes
-- them back from the sale's own lot first, so it needs each entry's sale.
-- Entries of one moment are replayed by the counter that wrote them
-- (`device`). The index the replay reads a customer's entries from covers
-- both.
DROP INDEX points_by_customer;
CREATE INDEX points_by_customer ON points_ledger (customer, at, rid, kind, points, expires_at, lot, sale, device);
