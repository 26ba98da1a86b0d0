//! Where a synced counter's state begins when it is not only its events:
//!
//! - a new counter starts from the hub's snapshot of the shop (a copy of
//!   the hub's state store, `dangol_sync::replica`) and then pulls the
//!   events after the snapshot's position, instead of replaying every event
//!   one by one (`adopt_snapshot`);
//! - a counter whose history holds data no event carries (the demo's bulk
//!   load, years of sales from before sync) gives its whole database to an
//!   empty hub once, as the shop's starting state (`seed_copy`, and at the
//!   hub `adopt_seed`).
//!
//! Either way the file is made a counter of its own: a new device id, no
//! events of its own to push, its points entries from elsewhere named as
//! such (escrow counts what each counter holds from them), the pull cursor
//! at the position the state holds every event up to.

use crate::Store;
use crate::error::{Result, StoreError};
use crate::settings;
use crate::time::ms;
use rusqlite::{Connection, TransactionBehavior, params};
use std::path::Path;
use uuid::Uuid;

/// The points ledger's guard as migrations 9 and 16 make it: amounts,
/// times, links and writers never change; the one column an undone merge
/// may change is the customer. Put back after the seed names its writer.
const LEDGER_GUARD: &str = "CREATE TRIGGER points_ledger_no_update BEFORE UPDATE OF rid, at, kind, points, expires_at, sale, note, lot, device ON points_ledger
BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only'); END;";

/// How a counter's state began (`sync_state.base`).
pub const SNAPSHOT: &str = "snapshot";
pub const SEEDED: &str = "seeded";

fn reset_identity(tx: &Connection, device: Uuid, hub: &str, token: &str, pos: i64, base: &str, now: i64) -> Result<()> {
    settings::set(tx, settings::DEVICE_ID, &device.to_string())?;
    // The tablet screen's address was the other PC's, allowed there.
    tx.execute("DELETE FROM settings WHERE key = ?1", [crate::counter::screen_lan::SCREEN_LAN])?;
    tx.execute("DELETE FROM outbox", [])?;
    tx.execute("DELETE FROM own_points", [])?;
    tx.execute("DELETE FROM sync_state", [])?;
    tx.execute(
        "INSERT INTO sync_state (id, hub, token, joined_at, pushed_seq, pulled_pos, base) VALUES (1, ?1, ?2, ?3, 0, ?4, ?5)",
        params![hub, token, now, pos, base],
    )?;
    // What came with the state is not this counter's to rebalance.
    tx.execute(
        "INSERT INTO escrow_mark (id, sale_rid, pos)
         VALUES (1, (SELECT coalesce(max(rid), 0) FROM sales), ?1)
         ON CONFLICT (id) DO UPDATE SET sale_rid = excluded.sale_rid, pos = excluded.pos",
        [pos],
    )?;
    Ok(())
}

impl Store {
    /// Whether this counter holds data that no event of its own carries
    /// (the demo's bulk load): it must seed an empty hub with its whole
    /// database, or its customers would be missing everywhere else.
    pub fn history_outside_events(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM outbox WHERE kind = 'demo.generated')", [], |r| r.get(0))?)
    }

    /// How this counter's synced state began: `None` (its events only),
    /// `SNAPSHOT` or `SEEDED`.
    pub fn sync_base(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT base FROM sync_state WHERE id = 1", [], |r| r.get(0))
            .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })?)
    }

    /// Writes a consistent copy of this counter for seeding the hub to `to`
    /// (a new file); returns the last own event it holds.
    pub fn seed_copy(&self, to: &Path) -> Result<i64> {
        self.copy_to(to)?;
        let copy = Connection::open(to)?;
        Ok(copy.query_row("SELECT coalesce(max(seq), 0) FROM outbox", [], |r| r.get(0))?)
    }

    /// The hub's certificate this counter trusts (HTTPS), if any.
    pub fn sync_hub_certificate(&self) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row("SELECT hub_cert FROM sync_state WHERE id = 1", [], |r| r.get(0))
            .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })?)
    }

    /// Trusts `der` as the hub's certificate from now on (checked by the
    /// caller against the join key file's fingerprint).
    pub fn sync_pin_certificate(&mut self, der: &[u8]) -> Result<()> {
        self.write_ctx()?;
        self.conn.execute("UPDATE sync_state SET hub_cert = ?1 WHERE id = 1", [der])?;
        Ok(())
    }

    /// Records that this counter's history seeded the hub.
    pub fn sync_seeded(&mut self) -> Result<()> {
        self.write_ctx()?;
        self.conn.execute("UPDATE sync_state SET base = ?1 WHERE id = 1", [SEEDED])?;
        Ok(())
    }

    /// Makes this store, opened on a snapshot of the shop the hub served,
    /// a new counter: device `device`, the credential `token` it joined
    /// `hub` with, its pull cursor at `pos`.
    pub fn adopt_snapshot(&mut self, device: Uuid, hub: &str, token: &str, pos: i64) -> Result<()> {
        self.write_ctx()?;
        let now = ms(self.now());
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let own: i64 =
            tx.query_row("SELECT count(*) FROM points_ledger WHERE device IS NULL AND kind != 'expire'", [], |r| {
                r.get(0)
            })?;
        if own > 0 {
            return Err(StoreError::bad_input(
                "snapshot",
                "허브의 스냅샷에 어느 계산대의 것인지 모르는 포인트 기록이 있습니다",
                "the hub's snapshot holds points entries of no known counter",
            ));
        }
        reset_identity(&tx, device, hub.trim().trim_end_matches('/'), token, pos, SNAPSHOT, now)?;
        tx.commit()?;
        self.device = device;
        Ok(())
    }

    /// Makes this store, opened on the database a counter sent to seed
    /// the hub, the hub's state: its points entries named as `source`'s,
    /// its own device `device` (the hub's state writes no events), its
    /// cursor at `pos` (where `source`'s events in the seed end).
    pub fn adopt_seed(&mut self, source: Uuid, device: Uuid, pos: i64) -> Result<()> {
        self.write_ctx()?;
        let now = ms(self.now());
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let joined: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM inbox)", [], |r| r.get(0))?;
        if joined {
            return Err(StoreError::bad_input(
                "seed",
                "이미 다른 계산대와 동기화한 기록은 허브의 시작점이 될 수 없습니다",
                "a counter that already synced with others cannot seed a hub",
            ));
        }
        // The ledger is append-only; naming the writer of entries that were
        // this counter's is the one change made to it, here, once.
        tx.execute_batch("DROP TRIGGER points_ledger_no_update")?;
        tx.execute("UPDATE points_ledger SET device = ?1 WHERE device IS NULL", [source.as_bytes()])?;
        tx.execute_batch(LEDGER_GUARD)?;
        reset_identity(&tx, device, "hub-state", &"0".repeat(64), pos, SEEDED, now)?;
        tx.commit()?;
        self.device = device;
        Ok(())
    }
}
