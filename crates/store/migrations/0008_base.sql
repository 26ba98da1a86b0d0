-- Dangol schema, version 8: where a synced counter's state began.
-- NULL: it joined with only what its events say; 'snapshot': it started
-- from the hub's snapshot of the shop; 'seeded': its own history (from
-- before sync, bulk loads included) seeded the hub.
ALTER TABLE sync_state ADD COLUMN base TEXT CHECK (base IS NULL OR base IN ('snapshot', 'seeded'));

-- The hub's HTTPS certificate (DER) as checked at joining against the
-- fingerprint in the shop's join key file: the only certificate this
-- counter trusts for its hub. NULL: a plain-HTTP hub (loopback, a LAN the
-- owner trusts).
ALTER TABLE sync_state ADD COLUMN hub_cert BLOB;
