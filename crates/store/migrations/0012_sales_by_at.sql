-- Dangol schema, version 12: sales found by their moment, for the owner's
-- reports over a window of weeks (store::reports::trend_report), without
-- reading every sale the shop ever made.
CREATE INDEX sales_by_at ON sales (at);
