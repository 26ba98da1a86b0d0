-- Dangol schema, version 10: profile edits remembered per registration,
-- so undoing a merge gives each registration the edits that named it,
-- whichever order a counter applied the edits and the undo in (see
-- store::registers and store::unmerge).

-- The latest write of each profile field naming each registration
-- (by hybrid-logical timestamp, then device), whether or not it won the
-- field on the customer row it landed on: while two registrations are one
-- customer, the earlier-stamped of their writes loses there, but it is
-- still the latest its own registration had.
CREATE TABLE field_writes (
    registration BLOB NOT NULL CHECK (length(registration) = 16),
    field        TEXT NOT NULL,
    value        TEXT NOT NULL,
    wall         INTEGER NOT NULL,
    logical      INTEGER NOT NULL,
    device       BLOB NOT NULL CHECK (length(device) = 16),
    PRIMARY KEY (registration, field)
) WITHOUT ROWID;

-- The profile a merged customer row started from: its surviving
-- registration's own values, before any other registration's card or
-- edits. An undo rebuilds the row from it and the writes of the
-- registrations still on the row. Rows merged before this version have
-- none (their undo keeps the row's profile as it is).
CREATE TABLE customer_bases (
    customer INTEGER PRIMARY KEY REFERENCES customers (rid),
    row      TEXT NOT NULL
);

-- The owner's undos of merges requested here, found without reading the
-- whole outbox: one that is not yet in the inbox still waits for the
-- hub's order (store::unmerge::pending).
CREATE INDEX outbox_unmerges ON outbox (event_id) WHERE kind = 'customer.unmerged';
