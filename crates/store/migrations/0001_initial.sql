-- Dangol schema, version 1. Append-only: never edit after release; add a new
-- numbered file instead. Times are Unix milliseconds (UTC); dates are
-- 'YYYY-MM-DD' in the shop's time zone; money is integer won.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE customers (
    rid               INTEGER PRIMARY KEY,
    id                BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    name              TEXT NOT NULL,
    name_norm         TEXT NOT NULL,
    preferred_name    TEXT,
    phone             TEXT NOT NULL UNIQUE,
    phone_last4       TEXT NOT NULL,
    birth_date        TEXT,
    tier              TEXT NOT NULL CHECK (tier IN ('basic', 'silver', 'gold', 'vip')),
    tags              TEXT NOT NULL DEFAULT '[]',
    notes             TEXT NOT NULL DEFAULT '',
    marketing_consent INTEGER NOT NULL DEFAULT 0 CHECK (marketing_consent IN (0, 1)),
    consent_at        INTEGER,
    card_code         TEXT UNIQUE,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    -- Denormalised from sales, kept in the same transaction as each sale:
    visits            INTEGER NOT NULL DEFAULT 0,
    last_visit        INTEGER,
    -- Lookup rank: recent and frequent customers first (see store::rank).
    score             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX customers_by_last4 ON customers (phone_last4, score);
CREATE INDEX customers_by_name ON customers (name_norm);

-- Name search: every gram of a customer's normalised name and of its Hangul
-- initials (see domain::hangul::grams), with the customer's score copied in
-- so that one index range returns the best-ranked matches first.
-- pos = 0 for grams at the start of the name, 1 for grams inside it.
CREATE TABLE search_grams (
    gram     TEXT NOT NULL,
    pos      INTEGER NOT NULL,
    score    INTEGER NOT NULL,
    customer INTEGER NOT NULL,
    PRIMARY KEY (gram, pos, score, customer)
) WITHOUT ROWID;
CREATE INDEX search_grams_by_customer ON search_grams (customer);

CREATE TABLE products (
    rid        INTEGER PRIMARY KEY,
    sku        TEXT NOT NULL UNIQUE,
    barcode    TEXT UNIQUE,
    name       TEXT NOT NULL,
    category   TEXT NOT NULL,
    price      INTEGER NOT NULL CHECK (price >= 0),
    active     INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL
);

CREATE TABLE rules (
    id         TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Sales are insert-only. A refund is another row whose `reverses` names the
-- original; a sale can be reversed at most once.
CREATE TABLE sales (
    rid             INTEGER PRIMARY KEY,
    id              BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    customer        INTEGER REFERENCES customers (rid),
    at              INTEGER NOT NULL,
    subtotal        INTEGER NOT NULL,
    discount_total  INTEGER NOT NULL,
    total           INTEGER NOT NULL,
    points_earned   INTEGER NOT NULL DEFAULT 0,
    points_redeemed INTEGER NOT NULL DEFAULT 0,
    stamps_earned   INTEGER NOT NULL DEFAULT 0,
    stamps_redeemed INTEGER NOT NULL DEFAULT 0,
    reverses        INTEGER UNIQUE REFERENCES sales (rid),
    reason          TEXT,
    device          BLOB NOT NULL
);
CREATE INDEX sales_by_customer ON sales (customer, at);

CREATE TABLE sale_lines (
    sale       INTEGER NOT NULL REFERENCES sales (rid),
    line_no    INTEGER NOT NULL,
    sku        TEXT NOT NULL,
    name       TEXT NOT NULL,
    category   TEXT NOT NULL,
    unit_price INTEGER NOT NULL,
    qty        INTEGER NOT NULL,
    amount     INTEGER NOT NULL,
    discount   INTEGER NOT NULL,
    PRIMARY KEY (sale, line_no)
) WITHOUT ROWID;

CREATE TABLE coupons (
    rid        INTEGER PRIMARY KEY,
    id         BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    code       TEXT NOT NULL UNIQUE,
    customer   INTEGER NOT NULL REFERENCES customers (rid),
    rule_id    TEXT NOT NULL,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_sale  INTEGER REFERENCES sales (rid),
    used_at    INTEGER
);
CREATE INDEX coupons_by_customer ON coupons (customer);

CREATE TABLE sale_discounts (
    sale    INTEGER NOT NULL REFERENCES sales (rid),
    rule_id TEXT NOT NULL,
    name    TEXT NOT NULL,
    saving  INTEGER NOT NULL,
    coupon  INTEGER REFERENCES coupons (rid),
    PRIMARY KEY (sale, rule_id)
) WITHOUT ROWID;

-- Eligible discounts the cashier dismissed, with the reason: the owner's
-- "missed discounts" report.
CREATE TABLE missed_discounts (
    sale    INTEGER NOT NULL REFERENCES sales (rid),
    rule_id TEXT NOT NULL,
    name    TEXT NOT NULL,
    saving  INTEGER NOT NULL,
    reason  TEXT NOT NULL,
    PRIMARY KEY (sale, rule_id)
) WITHOUT ROWID;

-- Ledgers: balances are sums, never stored.
CREATE TABLE points_ledger (
    rid        INTEGER PRIMARY KEY,
    customer   INTEGER NOT NULL REFERENCES customers (rid),
    at         INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'expire', 'adjust', 'reverse')),
    points     INTEGER NOT NULL,
    expires_at INTEGER,
    sale       INTEGER REFERENCES sales (rid),
    note       TEXT
);
CREATE INDEX points_by_customer ON points_ledger (customer, at);

CREATE TABLE stamp_ledger (
    rid      INTEGER PRIMARY KEY,
    customer INTEGER NOT NULL REFERENCES customers (rid),
    at       INTEGER NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'expire', 'adjust', 'reverse')),
    stamps   INTEGER NOT NULL,
    sale     INTEGER REFERENCES sales (rid)
);
CREATE INDEX stamps_by_customer ON stamp_ledger (customer);

CREATE TABLE feedback (
    rid         INTEGER PRIMARY KEY,
    id          BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    customer    INTEGER NOT NULL REFERENCES customers (rid),
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('complaint', 'compliment', 'request')),
    category    TEXT NOT NULL,
    text        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    resolved_at INTEGER,
    resolution  TEXT
);
CREATE INDEX feedback_by_customer ON feedback (customer, status);
CREATE INDEX feedback_open ON feedback (status, at);

-- What the cashier did with each suggestion.
CREATE TABLE prompt_log (
    rid      INTEGER PRIMARY KEY,
    customer INTEGER NOT NULL REFERENCES customers (rid),
    at       INTEGER NOT NULL,
    key      TEXT NOT NULL,
    kind     TEXT NOT NULL,
    action   TEXT NOT NULL CHECK (action IN ('shown', 'accepted', 'dismissed')),
    reason   TEXT
);
CREATE INDEX prompt_log_by_customer ON prompt_log (customer, key, at);

-- Every write appends an event here in the same transaction. `seq` is dense
-- per device (rows are never deleted), so a hub can detect gaps.
CREATE TABLE outbox (
    seq            INTEGER PRIMARY KEY,
    event_id       BLOB NOT NULL UNIQUE CHECK (length(event_id) = 16),
    device         BLOB NOT NULL,
    at             INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        TEXT NOT NULL
);
