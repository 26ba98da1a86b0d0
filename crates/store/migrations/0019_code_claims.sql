-- Dangol schema, version 19: a card code or a barcode given to two
-- customers or products at two counters offline ends with the same one
-- everywhere.
--
-- A customer's card code is a profile field like any other: a register
-- ordered by its hybrid-logical stamp, the same value at every counter
-- once the edits are in. Card codes are also unique, and until now the
-- counter that wrote a card kept it while every other counter gave it to
-- whichever customer's write arrived first. Now each customer's register
-- value is its claim (`card_claim`), and `card_code`, still unique, names
-- the holder only: among the customers claiming a code, the one whose
-- card field was written latest (stamp, counter, then customer id). It is
-- worked out again whenever a claim changes (`customers::settle_card`),
-- so it is the same at every counter whatever order the writes came in,
-- and a card its holder gives up goes back to the next claim.
ALTER TABLE customers ADD COLUMN card_claim TEXT;
UPDATE customers SET card_claim = card_code WHERE card_code IS NOT NULL;
CREATE INDEX customers_card_claim ON customers (card_claim) WHERE card_claim IS NOT NULL;

-- The same for a product's barcode: its claim (`barcode_claim`) is a
-- register of its own, ordered by the clock of the write that last changed
-- it (`setting_clock` key `barcode:SKU`, carried in the event), so a price
-- change neither takes a barcode back nor gives a claim up; `barcode`
-- names the holder, the product whose barcode was written later (then its
-- SKU) (`catalog::settle_barcode`). Before, a barcode the holder moved on
-- from stayed with no product at some counters and went back at others.
ALTER TABLE products ADD COLUMN barcode_claim TEXT;
UPDATE products SET barcode_claim = barcode WHERE barcode IS NOT NULL;
CREATE INDEX products_barcode_claim ON products (barcode_claim) WHERE barcode_claim IS NOT NULL;

-- A profile was last changed at the latest of its registration and its
-- fields' stamps (`customers::settle_updated`): the same at every counter,
-- where it used to be the moment each counter applied the write.
UPDATE customers
SET updated_at = max(created_at, coalesce((SELECT max(wall) FROM profile_registers r WHERE r.customer = customers.rid), 0))
WHERE updated_at != max(created_at, coalesce((SELECT max(wall) FROM profile_registers r WHERE r.customer = customers.rid), 0));
