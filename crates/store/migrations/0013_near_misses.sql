-- Dangol schema, version 13: the discounts a sale almost got (a near miss:
-- ₩800 short of a spend threshold, a birthday in three days, one stamp
-- short), recorded with the sale as the engine saw them at checkout, for
-- the owner's "what the counter missed" report. `reason` is the reason's
-- kind (`spend_short`, …), `detail` the whole reason as JSON.
CREATE TABLE near_misses (
    sale    INTEGER NOT NULL REFERENCES sales (rid),
    rule_id TEXT NOT NULL,
    name    TEXT NOT NULL,
    reason  TEXT NOT NULL,
    detail  TEXT NOT NULL,
    PRIMARY KEY (sale, rule_id)
) WITHOUT ROWID;
CREATE TRIGGER near_misses_kept_update BEFORE UPDATE ON near_misses
    BEGIN SELECT RAISE(ABORT, 'near misses are insert-only'); END;
