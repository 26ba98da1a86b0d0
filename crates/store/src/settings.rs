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
/// Present while a bulk (demo) load is writing the file.
pub const BULK_LOADING: &str = "bulk_loading";

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

pub fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// This counter's device id, created on first open.
pub fn device_id(conn: &Connection) -> Result<Uuid> {
    if let Some(v) = get(conn, DEVICE_ID)? {
        return Uuid::parse_str(&v)
            .map_err(|e| StoreError::BadInput { what: "device id setting", reason: e.to_string() });
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

pub fn loyalty(conn: &Connection) -> Result<LoyaltySettings> {
    match get(conn, LOYALTY)? {
        None => Ok(LoyaltySettings::default()),
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| StoreError::BadInput { what: "loyalty settings", reason: e.to_string() }),
    }
}

pub fn set_loyalty(conn: &Connection, settings: &LoyaltySettings) -> Result<()> {
    set(conn, LOYALTY, &serde_json::to_string(settings).expect("plain data"))
}
