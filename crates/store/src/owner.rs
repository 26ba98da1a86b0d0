//! The owner as a role the store itself enforces.
//!
//! Owner-only operations (rules, settings, coupons, balance adjustments,
//! refunds, imports and exports, full phone numbers, the audit log, goodwill
//! above the cashier's limit, writes dated in the past) take an `Owner`: a
//! value only a successful PIN check creates, so no shell can skip the check.
//!
//! The PIN is hashed with Argon2id and compared in constant time. Wrong
//! attempts are recorded in the audit log and back off: after three in a
//! row, each further attempt waits (30 s, then doubling, at most 15 min),
//! counted on the store's clock. There is no default PIN: a shop sets one at
//! setup, and until then every owner operation says so.

use crate::error::{Result, StoreError};
use crate::time::{from_ms, ms};
use crate::{Store, audit, settings};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, Utc};
use dangol_domain::ids::IdSource;
use rusqlite::{Connection, TransactionBehavior};

/// Proof that the owner's PIN was given. Only `Store` can create one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    since: DateTime<Utc>,
}

impl Owner {
    /// When the PIN was checked.
    pub fn since(&self) -> DateTime<Utc> {
        self.since
    }
}

/// Who is looking at the counter: cashiers see masked phone numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Viewer {
    #[default]
    Cashier,
    Owner(Owner),
}

impl Viewer {
    pub fn sees_full_phones(&self) -> bool {
        matches!(self, Viewer::Owner(_))
    }

    pub fn owner(&self) -> Option<&Owner> {
        match self {
            Viewer::Owner(o) => Some(o),
            Viewer::Cashier => None,
        }
    }
}

/// Failed attempts in a row before attempts start to wait.
pub const FREE_ATTEMPTS: i64 = 3;
/// The first wait, doubled for each further failure.
pub const FIRST_WAIT_SECS: i64 = 30;
/// The longest wait.
pub const MAX_WAIT_SECS: i64 = 15 * 60;

const FAILURES: &str = "owner_pin_failures";
const FAILED_AT: &str = "owner_pin_failed_at";

/// How long the next attempt must wait after `failures` failures in a row.
pub fn wait_after(failures: i64) -> Duration {
    if failures < FREE_ATTEMPTS {
        return Duration::zero();
    }
    let doublings = (failures - FREE_ATTEMPTS).min(20) as u32;
    Duration::seconds((FIRST_WAIT_SECS << doublings).min(MAX_WAIT_SECS))
}

fn argon2() -> Argon2<'static> {
    // OWASP's Argon2id minimum: 19 MiB, 2 passes, 1 lane.
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None).expect("valid parameters"))
}

/// The PHC string (`$argon2id$…`) stored for a PIN. The salt comes from the
/// id source (the operating system's randomness in real use).
pub fn hash_pin(pin: &str, ids: &mut dyn IdSource, at: DateTime<Utc>) -> Result<String> {
    let mut salt = [0u8; 16];
    salt[..8].copy_from_slice(&ids.next_id(at).as_bytes()[8..]);
    salt[8..].copy_from_slice(&ids.next_id(at).as_bytes()[8..]);
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::BadInput {
        what: "owner PIN",
        reason: crate::error::say(format!("솔트를 만들 수 없습니다: {e}"), format!("salt: {e}")),
    })?;
    Ok(argon2()
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| StoreError::BadInput {
            what: "owner PIN",
            reason: crate::error::say(format!("PIN을 처리할 수 없습니다: {e}"), e.to_string()),
        })?
        .to_string())
}

/// Checks a PIN against its stored hash in constant time. A hash from
/// Dangol 0.1 (salted SHA-256) is still accepted so the owner can log in
/// and is upgraded to Argon2id on the next successful check.
fn pin_matches(stored: &str, pin: &str) -> bool {
    if stored.starts_with("$argon2") {
        return PasswordHash::new(stored).is_ok_and(|h| argon2().verify_password(pin.as_bytes(), &h).is_ok());
    }
    let (salt, hash) = stored.split_once('$').unwrap_or(("", stored));
    constant_time_eq(legacy_hash(salt, pin).as_bytes(), hash.as_bytes())
}

fn legacy_hash(salt: &str, pin: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for _ in 0..10_000 {
        h.update(salt.as_bytes());
        h.update(pin.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `a` is `b`, taking the same time wherever they differ (their
/// lengths are not secret).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A PIN is 4-8 digits, and not one anybody would guess first: not one
/// digit repeated (0000) and not a run (1234, 9876).
pub fn check_pin_strength(pin: &str) -> Result<()> {
    let digits: Vec<u8> = pin.bytes().map(|b| b.wrapping_sub(b'0')).collect();
    if !(4..=8).contains(&pin.len()) || digits.iter().any(|d| *d > 9) {
        return Err(StoreError::BadInput {
            what: "owner PIN",
            reason: crate::error::say("PIN은 4~8자리 숫자입니다", "a PIN is 4-8 digits"),
        });
    }
    let same = digits.windows(2).all(|w| w[0] == w[1]);
    let up = digits.windows(2).all(|w| w[1] == (w[0] + 1) % 10);
    let down = digits.windows(2).all(|w| w[0] == (w[1] + 1) % 10);
    if same || up || down {
        return Err(StoreError::BadInput {
            what: "owner PIN",
            reason: crate::error::say(
                format!("{pin}은(는) 너무 쉬운 PIN입니다 (같은 숫자 반복이나 연속 숫자). 다른 PIN을 고르세요"),
                format!("{pin} is too easy to guess (one digit repeated, or a run); choose another"),
            ),
        });
    }
    Ok(())
}

fn failures(conn: &Connection) -> Result<(i64, Option<DateTime<Utc>>)> {
    let n = settings::get(conn, FAILURES)?.and_then(|v| v.parse().ok()).unwrap_or(0);
    let at = settings::get(conn, FAILED_AT)?.and_then(|v| v.parse().ok()).map(from_ms);
    Ok((n, at))
}

impl Store {
    /// True once the shop has an owner PIN.
    pub fn owner_pin_is_set(&self) -> Result<bool> {
        Ok(settings::get(&self.conn, settings::OWNER_PIN)?.is_some())
    }

    /// Checks the owner's PIN: the only way to get an `Owner`. Wrong PINs
    /// are recorded and, after a few, must wait.
    pub fn authenticate_owner(&mut self, pin: &str, ids: &mut dyn IdSource) -> Result<Owner> {
        let now = self.now();
        let stored = settings::get(&self.conn, settings::OWNER_PIN)?.ok_or(StoreError::OwnerPinNotSet)?;
        // The lock, if one holds now, for the failures read from `conn`.
        let lock = |conn: &Connection| -> Result<(i64, Option<StoreError>)> {
            let (failed, last) = failures(conn)?;
            let locked = last
                .map(|last| last + wait_after(failed))
                .filter(|until| now < *until)
                .map(|until| StoreError::OwnerPinLocked { retry_after_secs: (until - now).num_seconds().max(1) });
            Ok((failed, locked))
        };
        let (failed, locked) = lock(&self.conn)?;
        if let Some(e) = locked {
            return Err(e);
        }
        // The hash is checked outside any transaction, so a right PIN with
        // nothing to record writes nothing (and never waits for a writer,
        // such as a long import, when read beside it).
        let matches = pin_matches(&stored, pin.trim());
        if matches && stored.starts_with("$argon2") && failed == 0 {
            return Ok(Owner { since: now });
        }
        let device = self.device;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Read again inside the transaction: wrong PINs typed at once in two
        // places are both counted, and a lock set meanwhile holds.
        let (failed, locked) = lock(&tx)?;
        if let Some(e) = locked {
            return Err(e);
        }
        if matches {
            if failed > 0 {
                tx.execute("DELETE FROM settings WHERE key IN (?1, ?2)", [FAILURES, FAILED_AT])?;
            }
            if !stored.starts_with("$argon2") {
                settings::set(&tx, settings::OWNER_PIN, &hash_pin(pin.trim(), ids, now)?)?;
            }
            tx.commit()?;
            return Ok(Owner { since: now });
        }
        let n = failed + 1;
        settings::set(&tx, FAILURES, &n.to_string())?;
        settings::set(&tx, FAILED_AT, &ms(now).to_string())?;
        audit::record(
            &tx,
            ids,
            device,
            now,
            audit::Entry::cashier("owner.pin_failed", "owner PIN")
                .after(serde_json::json!({"failures_in_a_row": n, "next_wait_secs": wait_after(n).num_seconds()})),
        )?;
        tx.commit()?;
        Err(StoreError::OwnerPinInvalid { failures: n, retry_after_secs: wait_after(n).num_seconds() })
    }

    /// Sets the first owner PIN of a shop that has none (setup).
    pub fn set_first_owner_pin(&mut self, pin: &str, ids: &mut dyn IdSource) -> Result<Owner> {
        self.write_ctx()?;
        let now = self.now();
        check_pin_strength(pin.trim())?;
        let hash = hash_pin(pin.trim(), ids, now)?;
        let device = self.device;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if settings::get(&tx, settings::OWNER_PIN)?.is_some() {
            return Err(StoreError::BadInput {
                what: "owner PIN",
                reason: crate::error::say(
                    "이 가게에는 이미 사장님 PIN이 있습니다. 지금 PIN으로 바꾸세요",
                    "this shop already has an owner PIN; change it with the current one",
                ),
            });
        }
        share_pin(&tx, &hash, now, device, ids)?;
        audit::record(&tx, ids, device, now, audit::Entry::owner("owner.pin_set", "owner PIN"))?;
        tx.commit()?;
        Ok(Owner { since: now })
    }

    /// Changes the owner PIN.
    pub fn change_owner_pin(&mut self, _owner: &Owner, new: &str, ids: &mut dyn IdSource) -> Result<()> {
        self.write_ctx()?;
        let now = self.now();
        check_pin_strength(new.trim())?;
        let hash = hash_pin(new.trim(), ids, now)?;
        let device = self.device;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        share_pin(&tx, &hash, now, device, ids)?;
        audit::record(&tx, ids, device, now, audit::Entry::owner("owner.pin_changed", "owner PIN"))?;
        tx.commit()?;
        Ok(())
    }

    /// Allows the writes that follow to be dated in the past (`--at` for a
    /// scripted replay), on the owner's say-so. Each such write is audited.
    pub fn permit_backdating(&mut self, owner: &Owner) {
        self.backdating = Some(owner.clone());
    }
}

/// Stores the shop's new PIN hash and sends it to the other counters: the
/// owner's PIN is the shop's, the latest set anywhere (a salted Argon2id
/// hash travels, never the PIN).
fn share_pin(
    tx: &rusqlite::Connection,
    hash: &str,
    now: chrono::DateTime<Utc>,
    device: uuid::Uuid,
    ids: &mut dyn IdSource,
) -> Result<()> {
    let clock = settings::set_shared_here(tx, settings::OWNER_PIN, hash, ms(now), device)?;
    crate::outbox::append(
        tx,
        ids,
        device,
        now,
        "setting.changed",
        &serde_json::json!({"key": settings::OWNER_PIN, "value": hash, "clock": clock}),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }

    #[test]
    fn guessable_pins_are_refused() {
        for pin in ["0000", "1234", "9876", "7890", "123", "123456789", "12a4", ""] {
            assert!(check_pin_strength(pin).is_err(), "{pin:?}");
        }
        for pin in ["2468", "0420", "13579", "1004"] {
            assert!(check_pin_strength(pin).is_ok(), "{pin:?}");
        }
    }

    #[test]
    fn waits_grow_after_three_failures_and_are_capped() {
        assert_eq!(wait_after(2), Duration::zero());
        assert_eq!(wait_after(3), Duration::seconds(30));
        assert_eq!(wait_after(4), Duration::seconds(60));
        assert_eq!(wait_after(100), Duration::seconds(MAX_WAIT_SECS));
    }

    #[test]
    fn argon2id_hashes_verify_and_legacy_hashes_still_match() {
        let mut ids = dangol_domain::ids::SeededIds::new(1);
        let h = hash_pin("2468", &mut ids, Utc::now()).unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(pin_matches(&h, "2468"));
        assert!(!pin_matches(&h, "2469"));
        let legacy = format!("abc${}", legacy_hash("abc", "0000"));
        assert!(pin_matches(&legacy, "0000"));
        assert!(!pin_matches(&legacy, "0001"));
    }
}
