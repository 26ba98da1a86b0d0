-- Dangol schema, version 4: the indexes a checkout reads through, and the
-- name search's stale list (so a sale's commit does not move every gram).

-- A customer's ledgers are read whole at every preview and checkout: these
-- indexes hold every column read, so the table itself is not visited.
DROP INDEX points_by_customer;
CREATE INDEX points_by_customer ON points_ledger (customer, at, rid, kind, points, expires_at, lot);
DROP INDEX stamps_by_customer;
CREATE INDEX stamps_by_customer ON stamp_ledger (customer, stamps);

-- Which discounts a customer used, for rules with a usage limit: the
-- customer is kept on each applied discount so that is one short index
-- range, not a walk through all of a regular's sales.
ALTER TABLE sale_discounts ADD COLUMN customer INTEGER REFERENCES customers (rid);
UPDATE sale_discounts SET customer = (SELECT customer FROM sales s WHERE s.rid = sale_discounts.sale);
CREATE INDEX sale_discounts_by_customer ON sale_discounts (customer, rule_id);

-- Customers whose name grams still carry an older, lower score. A checkout
-- raises the customer's score but only lists the customer here, instead of
-- moving each of the name's grams (a page apiece) inside the sale's
-- commit; name lookups rank these customers by their current score, so
-- results are as if the grams were current, and settling the search
-- (store::customers::settle) moves the grams and empties this table.
CREATE TABLE search_stale (customer INTEGER PRIMARY KEY REFERENCES customers (rid));
