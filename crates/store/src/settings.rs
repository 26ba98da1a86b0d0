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
/// The cashier's goodwill limit when the owner has not set one.
pub const DEFAULT_GOODWILL_LIMIT: i64 = 3_000;
/// The owner PIN until the owner changes it (shown in the README).
pub const DEFAULT_OWNER_PIN: &str = "0000";
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

pub fn goodwill_limit(conn: &Connection) -> Result<i64> {
    match get(conn, GOODWILL_LIMIT)? {
        None => Ok(DEFAULT_GOODWILL_LIMIT),
        Some(v) => v.parse().map_err(|_| StoreError::BadInput {
            what: "goodwill limit setting",
            reason: format!("{v:?} is not a whole number of won"),
        }),
    }
}

/// Checks an owner PIN shape: 4-8 digits.
pub fn check_pin_shape(pin: &str) -> Result<()> {
    if (4..=8).contains(&pin.len()) && pin.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(StoreError::BadInput { what: "owner PIN", reason: "a PIN is 4-8 digits".into() })
    }
}

fn pin_hash(salt: &str, pin: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for _ in 0..10_000 {
        h.update(salt.as_bytes());
        h.update(pin.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Stores a new owner PIN, salted and hashed (never the PIN itself).
pub fn set_owner_pin(conn: &Connection, pin: &str, salt: &str) -> Result<()> {
    check_pin_shape(pin)?;
    set(conn, OWNER_PIN, &format!("{salt}${}", pin_hash(salt, pin)))
}

/// True when `pin` is the owner's PIN (the default until one is set).
pub fn verify_owner_pin(conn: &Connection, pin: &str) -> Result<bool> {
    match get(conn, OWNER_PIN)? {
        None => Ok(pin == DEFAULT_OWNER_PIN),
        Some(stored) => {
            let (salt, hash) = stored.split_once('$').unwrap_or(("", &stored));
            Ok(pin_hash(salt, pin) == hash)
        }
    }
}
