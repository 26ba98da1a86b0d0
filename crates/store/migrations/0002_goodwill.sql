-- Dangol schema, version 2: goodwill discounts a cashier grants at the
-- counter (principle 7: give front-line staff the authority to fix things).
-- Every grant is logged with its reason and whether the owner's PIN approved
-- it (needed above the owner-set limit).
CREATE TABLE goodwill (
    sale              INTEGER PRIMARY KEY REFERENCES sales (rid),
    amount            INTEGER NOT NULL CHECK (amount > 0),
    reason            TEXT NOT NULL,
    approved_by_owner INTEGER NOT NULL CHECK (approved_by_owner IN (0, 1)),
    at                INTEGER NOT NULL
);
