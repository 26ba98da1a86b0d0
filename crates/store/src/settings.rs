//! Shop settings stored in the database: the shop's name, time zone, loyalty
//! settings and this counter's device id.

use crate::error::{Result, StoreError};
use dangol_domain::loyalty::LoyaltySettings;
use dangol_domain::time::{DEFAULT_ZONE, ShopZone};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

pub const SHOP_NAME: &str = "shop_name";
pub const TIME_ZONE: &str = "time_zone";
pub const LOYALTY: &str = "loyalty";
pub const DEVICE_ID: &str = "device_id";
pub const GOODWILL_LIMIT: &str = "goodwill_limit";
pub const OWNER_PIN: &str = "owner_pin";
/// Present (`1`) in a demo shop's database: the window and the CLI say DEMO.
pub const DEMO: &str = "demo";
/// A demo shop's owner PIN, shown with the DEMO label (never set in a real shop).
pub const DEMO_OWNER_PIN: &str = "demo_owner_pin";
/// Sales at or above this subtotal (won) need the cashier to confirm.
pub const LARGE_SALE: &str = "large_sale";
/// The cashier's goodwill limit when the owner has not set one.
pub const DEFAULT_GOODWILL_LIMIT: i64 = 3_000;
/// The owner's goodwill limit may be set up to this.
pub const MAX_GOODWILL_LIMIT: i64 = 1_000_000;
/// The large-sale threshold when the owner has not set one.
pub const DEFAULT_LARGE_SALE: i64 = 500_000;
/// The large-sale threshold may be set within this range.
pub const LARGE_SALE_RANGE: (i64, i64) = (10_000, 100_000_000);
/// A line with at least this many units makes a sale large.
pub const LARGE_QTY: i64 = 100;
/// Present while a bulk (demo) load is writing the file.
pub const BULK_LOADING: &str = "bulk_loading";

/// The settings that are the shop's, not the counter's: a change at one
/// counter reaches the others by sync. (The device id, the demo marks and
/// a bulk load's mark stay with their file.)
pub const SHARED: &[&str] = &[SHOP_NAME, TIME_ZONE, LOYALTY, GOODWILL_LIMIT, LARGE_SALE, OWNER_PIN];

fn clock_of(conn: &Connection, key: &str) -> Result<Option<(i64, Vec<u8>)>> {
    Ok(conn
        .prepare_cached("SELECT clock, device FROM setting_clock WHERE key = ?1")?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Changes a shared setting here: it becomes the latest (its clock after
/// any change held), and the clock to carry in its event is returned.
pub fn set_shared_here(conn: &Connection, key: &str, value: &str, at_ms: i64, device: Uuid) -> Result<i64> {
    let clock = claim_clock(conn, key, at_ms, device)?;
    set(conn, key, value)?;
    Ok(clock)
}

/// Applies another counter's change of a shared setting if it is later,
/// by (clock, device), than the change held; returns whether it was.
pub fn set_shared_from(conn: &Connection, key: &str, value: &str, clock: i64, device: Uuid) -> Result<bool> {
    let later = later_than_held(conn, key, clock, device, None)?;
    if later {
        set(conn, key, value)?;
    }
    Ok(later)
}

/// A write here to `key` (a setting, `rule:ID`, `product:SKU`): it becomes
/// the latest, its clock after any write held (so an edit made after
/// seeing another wins whatever the clocks say). Returns its clock.
pub fn claim_clock(conn: &Connection, key: &str, at_ms: i64, device: Uuid) -> Result<i64> {
    let clock = clock_of(conn, key)?.map_or(at_ms, |(held, _)| at_ms.max(held + 1));
    hold(conn, key, clock, device)?;
    Ok(clock)
}

/// Whether another counter's write to `key` is later, by (clock, device),
/// than the write held, `fallback` standing for a write held before clocks
/// were kept (none at all: it is); if it is, it becomes the one held. The
/// latest write wins everywhere, whatever order they arrive in.
pub fn later_than_held(
    conn: &Connection,
    key: &str,
    clock: i64,
    device: Uuid,
    fallback: Option<(i64, Vec<u8>)>,
) -> Result<bool> {
    wins(conn, key, (clock, device), fallback, std::cmp::Ordering::Greater)
}

/// Whether another counter's write to `key` is earlier, by (clock,
/// device), than the write held, `fallback` standing for a write held
/// before clocks were kept (none at all: it is); if it is, it becomes the
/// one held. The first write wins everywhere, whatever order they arrive in.
pub fn earlier_than_held(
    conn: &Connection,
    key: &str,
    clock: i64,
    device: Uuid,
    fallback: Option<(i64, Vec<u8>)>,
) -> Result<bool> {
    wins(conn, key, (clock, device), fallback, std::cmp::Ordering::Less)
}

/// Whether a write to `key` compares to the write held (or `fallback`) as
/// `order` says it must to win; a winner becomes the one held.
fn wins(
    conn: &Connection,
    key: &str,
    (clock, device): (i64, Uuid),
    fallback: Option<(i64, Vec<u8>)>,
    order: std::cmp::Ordering,
) -> Result<bool> {
    let held = clock_of(conn, key)?.or(fallback);
    let won = held.is_none_or(|held| (clock, device.as_bytes().to_vec()).cmp(&held) == order);
    if won {
        hold(conn, key, clock, device)?;
    }
    Ok(won)
}

/// Records (clock, device) as the write held for `key`.
pub fn hold(conn: &Connection, key: &str, clock: i64, device: Uuid) -> Result<()> {
    hold_as(conn, key, clock, device.as_bytes())
}

/// `hold` with the device as stored (empty: a write from before clocks
/// were kept, carried on as such).
pub(crate) fn hold_as(conn: &Connection, key: &str, clock: i64, device: &[u8]) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO setting_clock (key, clock, device) VALUES (?1, ?2, ?3)")?
        .execute(params![key, clock, device])?;
    Ok(())
}

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")?.query_row([key], |r| r.get(0)).optional()?)
}

pub fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

/// This counter's device id, created on first open.
pub fn device_id(conn: &Connection) -> Result<Uuid> {
    if let Some(v) = get(conn, DEVICE_ID)? {
        return Uuid::parse_str(&v).map_err(|e| StoreError::BadInput {
            what: "device id setting",
            reason: crate::error::say(format!("기기 번호 설정을 읽을 수 없습니다: {e}"), e.to_string()),
        });
    }
    let id = Uuid::now_v7();
    set(conn, DEVICE_ID, &id.to_string())?;
    Ok(id)
}

pub fn zone(conn: &Connection) -> Result<ShopZone> {
    let name = get(conn, TIME_ZONE)?.unwrap_or_else(|| DEFAULT_ZONE.to_string());
    Ok(ShopZone::parse(&name)?)
}

pub fn shop_name(conn: &Connection) -> Result<String> {
    Ok(get(conn, SHOP_NAME)?.unwrap_or_else(|| "Dangol".to_string()))
}

/// The loyalty settings. Stored settings that no longer validate (written
/// by an older Dangol) give way to the defaults; `loyalty_problem` says why.
pub fn loyalty(conn: &Connection) -> Result<LoyaltySettings> {
    Ok(match get(conn, LOYALTY)? {
        None => LoyaltySettings::default(),
        Some(json) => LoyaltySettings::from_json(&json).unwrap_or_default(),
    })
}

/// Why the stored loyalty settings are not in use, if they are not.
pub fn loyalty_problem(conn: &Connection) -> Result<Option<dangol_domain::DomainError>> {
    Ok(match get(conn, LOYALTY)? {
        None => None,
        Some(json) => LoyaltySettings::from_json(&json).err(),
    })
}

pub fn is_demo(conn: &Connection) -> Result<bool> {
    Ok(get(conn, DEMO)?.is_some_and(|v| v == "1"))
}

pub fn large_sale(conn: &Connection) -> Result<i64> {
    Ok(get(conn, LARGE_SALE)?
        .and_then(|v| v.parse().ok())
        .filter(|v| (LARGE_SALE_RANGE.0..=LARGE_SALE_RANGE.1).contains(v))
        .unwrap_or(DEFAULT_LARGE_SALE))
}

pub fn goodwill_limit(conn: &Connection) -> Result<i64> {
    Ok(get(conn, GOODWILL_LIMIT)?
        .and_then(|v| v.parse().ok())
        .filter(|v| (0..=MAX_GOODWILL_LIMIT).contains(v))
        .unwrap_or(DEFAULT_GOODWILL_LIMIT))
}
