-- Dangol schema, version 11: each customer's visit rhythm, kept as sales
-- are written (store::rhythm), so the owner's review reads one row per
-- customer instead of every sale; and the shop's fitted BG/NBD model
-- (store::review).

-- Shop-local day numbers (days since 1970-01-01) of the first and last
-- visit, the distinct visit days, the median gap between them (days) and
-- what the standing sales add up to (won). Filled for existing customers
-- when the store opens (settings `rhythm_built`).
ALTER TABLE customers ADD COLUMN first_day INTEGER;
ALTER TABLE customers ADD COLUMN last_day INTEGER;
ALTER TABLE customers ADD COLUMN visit_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN usual_gap REAL;
ALTER TABLE customers ADD COLUMN spend INTEGER NOT NULL DEFAULT 0;

-- The kept fits of the model, one per kind of review (of now, or as of an
-- earlier moment) and time zone: as of which shop-local day, its
-- parameters (alpha in days) and how long it took. A fit is reused for
-- the rest of its day; the owner refits on demand.
CREATE TABLE review_model (
    fingerprint    TEXT PRIMARY KEY,
    as_of_day      INTEGER NOT NULL,
    r              REAL NOT NULL,
    alpha          REAL NOT NULL,
    a              REAL NOT NULL,
    b              REAL NOT NULL,
    log_likelihood REAL NOT NULL,
    customers      INTEGER NOT NULL,
    groups         INTEGER NOT NULL,
    fitted_ms      INTEGER NOT NULL
) WITHOUT ROWID;
