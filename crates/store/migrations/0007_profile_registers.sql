-- Dangol schema, version 7: profile fields as registers ordered by a
-- hybrid logical clock, so two counters editing one customer offline agree
-- on each field's latest value, and an edit made after seeing another wins
-- even when its counter's clock is behind.

-- This counter's hybrid logical clock: after every timestamp it gave or saw.
CREATE TABLE hlc_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    wall    INTEGER NOT NULL,
    logical INTEGER NOT NULL
);

-- The timestamp of each profile field's last write, and by which counter.
-- A field with no row was last written by the registration.
CREATE TABLE profile_registers (
    customer INTEGER NOT NULL REFERENCES customers (rid),
    field    TEXT NOT NULL,
    wall     INTEGER NOT NULL,
    logical  INTEGER NOT NULL,
    device   BLOB NOT NULL CHECK (length(device) = 16),
    PRIMARY KEY (customer, field)
) WITHOUT ROWID;
