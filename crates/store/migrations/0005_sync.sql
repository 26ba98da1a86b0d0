-- Dangol schema, version 5: the counter's side of sync.

-- Which hub this counter syncs with, the credential it made for itself, and
-- how far each way: `pushed_seq` is the highest own event the hub
-- acknowledged, `pulled_pos` the hub position of the last event applied
-- here. Both only move forward.
CREATE TABLE sync_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    hub         TEXT NOT NULL,
    token       TEXT NOT NULL,
    joined_at   INTEGER,
    pushed_seq  INTEGER NOT NULL DEFAULT 0 CHECK (pushed_seq >= 0),
    pulled_pos  INTEGER NOT NULL DEFAULT 0 CHECK (pulled_pos >= 0),
    last_ok_at  INTEGER,
    last_try_at INTEGER,
    last_error  TEXT
);
CREATE TRIGGER sync_cursors_only_move_forward BEFORE UPDATE ON sync_state
    WHEN NEW.pushed_seq < OLD.pushed_seq OR NEW.pulled_pos < OLD.pulled_pos
    BEGIN SELECT RAISE(ABORT, 'sync cursors only move forward'); END;

-- Every event pulled from the hub (the other counters'), kept as it came:
-- applied here, or quarantined (a kind or schema this version cannot read)
-- with the reason. Never deleted.
CREATE TABLE inbox (
    pos            INTEGER PRIMARY KEY,
    device         BLOB NOT NULL,
    seq            INTEGER NOT NULL,
    event_id       BLOB NOT NULL UNIQUE,
    at             INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('applied', 'quarantined')),
    note           TEXT,
    UNIQUE (device, seq)
);
CREATE INDEX inbox_quarantined ON inbox (state) WHERE state = 'quarantined';
CREATE TRIGGER inbox_keeps_events BEFORE DELETE ON inbox
    BEGIN SELECT RAISE(ABORT, 'pulled events are kept'); END;

-- What sync found that the owner should see: a single-use coupon used at
-- two counters, points redeemed beyond the balance offline, a profile edit
-- that lost to a later one, two registrations of one phone merged.
CREATE TABLE sync_anomalies (
    rid      INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    subject  TEXT NOT NULL,
    detail   TEXT NOT NULL,
    event_id BLOB
);

-- Customers merged into another (the same phone registered at two counters
-- while offline): events naming the merged id apply to the survivor. The
-- merged customer's row as it was is kept, so the owner can see and undo.
CREATE TABLE customer_merges (
    merged    BLOB PRIMARY KEY CHECK (length(merged) = 16),
    survivor  INTEGER NOT NULL REFERENCES customers (rid),
    at        INTEGER NOT NULL,
    row       TEXT NOT NULL
);

-- The last change of each shared setting (the shop's name, zone, loyalty,
-- limits, the owner's PIN): a register ordered by (clock, device), so the
-- counters agree on the latest whatever order changes arrive in.
CREATE TABLE setting_clock (
    key    TEXT PRIMARY KEY,
    clock  INTEGER NOT NULL,
    device BLOB NOT NULL
) WITHOUT ROWID;
