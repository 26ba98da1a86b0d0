//! The owner's administration: discount rules, shop settings, coupons and
//! balance corrections. Each takes an `Owner` (a PIN check the shell cannot
//! skip), validates every number against its range before anything is
//! written, and records what changed in the audit log, before → after.

use crate::error::{Result, StoreError};
use crate::owner::Owner;
use crate::rules::SetAside;
use crate::{Store, audit, customers, ledger, outbox, rules, settings};
use chrono::{DateTime, Utc};
use dangol_domain::ids::IdSource;
use dangol_domain::loyalty::{LedgerKind, LoyaltySettings};
use dangol_domain::points::open_lot;
use dangol_domain::rules::DiscountRule;
use rusqlite::{TransactionBehavior, params};
use serde::Serialize;

/// What a coupon issue gives back (`issue-coupon --json`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct IssuedCoupon {
    pub code: String,
    pub rule_id: String,
    pub expires_at: DateTime<Utc>,
}

/// Balances after an adjustment (`adjust --json`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Balances {
    pub points: i64,
    pub stamps: i64,
}

/// The rules as the owner sees them: the ones in use, and any set aside.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct RuleList {
    pub rules: Vec<DiscountRule>,
    pub set_aside: Vec<SetAside>,
}

/// Largest adjustment at once.
pub const MAX_POINTS_ADJUST: i64 = 10_000_000;
pub const MAX_STAMPS_ADJUST: i64 = 1_000;

impl Store {
    /// True for a brand-new database: no customers, no products, no shop
    /// name and no owner PIN (the only kind a demo may be generated into).
    pub fn is_empty(&self) -> Result<bool> {
        let used: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM customers) OR EXISTS (SELECT 1 FROM products) OR EXISTS (SELECT 1 FROM settings WHERE key IN ('shop_name', 'owner_pin'))",
            [],
            |r| r.get(0),
        )?;
        Ok(!used)
    }

    /// The discount rules in use (anyone at the counter may read them).
    pub fn rules(&self) -> Result<Vec<DiscountRule>> {
        Ok(self.rules.get(&self.conn)?.0.clone())
    }

    /// Every rule, with the stored ones that no longer validate.
    pub fn rule_list(&self) -> Result<RuleList> {
        let loaded = self.rules.get(&self.conn)?;
        Ok(RuleList { rules: loaded.0.clone(), set_aside: loaded.1.clone() })
    }

    /// Adds or replaces a discount rule (validated: every number in range).
    pub fn upsert_rule(
        &mut self,
        _owner: &Owner,
        rule: &DiscountRule,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<()> {
        rule.validate()?;
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ctx.check(&tx, ids, at, None, "rule")?;
        let before = rules::body(&tx, &rule.id)?.and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok());
        rules::upsert(&tx, rule, at)?;
        // The event's moment is the write's clock: of two counters' saves
        // of one rule, the later by (clock, device) stands everywhere.
        let clock = settings::claim_clock(&tx, &rules::clock_key(&rule.id), crate::time::ms(at), ctx.device)?;
        outbox::append(&tx, ids, ctx.device, crate::time::from_ms(clock), "rule.upserted", rule)?;
        let mut entry =
            audit::Entry::owner("rule.saved", rule.id.clone()).after(serde_json::to_value(rule).expect("plain data"));
        if let Some(b) = before {
            entry = entry.before(b);
        }
        audit::record(&tx, ids, ctx.device, at, entry)?;
        tx.commit()?;
        self.rules.forget();
        Ok(())
    }

    /// Changes a shop setting: `shop_name`, `time_zone` (IANA), `goodwill_limit`
    /// and `large_sale` (won), or `loyalty` (JSON). Every value is checked
    /// against its range first; the error names the field and the range.
    pub fn update_setting(
        &mut self,
        _owner: &Owner,
        key: &str,
        value: &str,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<()> {
        let stored = validated_setting(key, value)?;
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ctx.check(&tx, ids, at, None, "setting")?;
        let before = settings::get(&tx, key)?;
        let clock = settings::set_shared_here(&tx, key, &stored, crate::time::ms(at), ctx.device)?;
        outbox::append(
            &tx,
            ids,
            ctx.device,
            at,
            "setting.changed",
            &serde_json::json!({"key": key, "value": stored, "clock": clock}),
        )?;
        let mut entry = audit::Entry::owner("setting.changed", key).after(serde_json::json!(stored));
        if let Some(b) = before {
            entry = entry.before(serde_json::json!(b));
        }
        audit::record(&tx, ids, ctx.device, at, entry)?;
        tx.commit()?;
        self.reload_settings()
    }

    /// Issues a single-use coupon for a rule to a customer.
    #[allow(clippy::too_many_arguments)]
    pub fn issue_coupon(
        &mut self,
        _owner: &Owner,
        customer: uuid::Uuid,
        rule_id: &str,
        code: &str,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<IssuedCoupon> {
        let code = code.trim();
        if code.is_empty() || code.len() > 40 {
            return Err(StoreError::BadInput {
                what: "coupon code",
                reason: crate::error::say("1~40자여야 합니다", "must be 1-40 characters"),
            });
        }
        if expires_at <= at || expires_at >= crate::clock::latest() {
            return Err(StoreError::BadInput {
                what: "coupon expiry",
                reason: crate::error::say(
                    "지금 이후, 2100년 이전이어야 합니다",
                    "must be in the future and before 2100",
                ),
            });
        }
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = customers::get(&tx, customer)?;
        ctx.check(&tx, ids, at, Some(row.registered()), "coupon")?;
        if !rules::all(&tx)?.iter().any(|r| r.id == rule_id && r.needs_coupon()) {
            return Err(StoreError::not_found("coupon rule", rule_id));
        }
        let exists: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM coupons WHERE code = ?1)", [code], |r| r.get(0))?;
        if exists {
            return Err(StoreError::Duplicate { what: "coupon code", key: code.into(), customer: None });
        }
        let id = ids.next_id(at);
        tx.execute(
            "INSERT INTO coupons (id, code, customer, rule_id, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id.as_bytes(), code, row.rid, rule_id, crate::time::ms(at), crate::time::ms(expires_at)],
        )?;
        // The event names the customer the coupon went to (the survivor,
        // if `customer` was merged), as every other counter applies it.
        let event = serde_json::json!({"id": id, "code": code, "customer": row.customer.id, "rule_id": rule_id, "expires_at": expires_at});
        outbox::append(&tx, ids, ctx.device, at, "coupon.issued", &event)?;
        audit::record(
            &tx,
            ids,
            ctx.device,
            at,
            audit::Entry::owner("coupon.issued", customer.to_string()).after(event),
        )?;
        tx.commit()?;
        Ok(IssuedCoupon { code: code.into(), rule_id: rule_id.into(), expires_at })
    }

    /// An owner's correction of a customer's points and/or stamps. Points
    /// added open a lot of their own, expiring at `expires_at` or never;
    /// points taken come from the lots that expire first. Balances never go
    /// below zero.
    #[allow(clippy::too_many_arguments)]
    pub fn adjust_balances(
        &mut self,
        _owner: &Owner,
        customer: uuid::Uuid,
        points: i64,
        stamps: i64,
        expires_at: Option<DateTime<Utc>>,
        note: &str,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<Balances> {
        let note = note.trim();
        if note.is_empty() || note.chars().count() > 200 {
            return Err(StoreError::BadInput {
                what: "adjustment note",
                reason: crate::error::say("사유를 1~200자로 적어 주세요", "say why, in 1-200 characters"),
            });
        }
        if points == 0 && stamps == 0 {
            return Err(StoreError::BadInput {
                what: "adjustment",
                reason: crate::error::say(
                    "0이 아닌 포인트나 스탬프를 적어 주세요",
                    "give a non-zero --points or --stamps",
                ),
            });
        }
        dangol_domain::rules::in_range("points", points, -MAX_POINTS_ADJUST, MAX_POINTS_ADJUST)?;
        dangol_domain::rules::in_range("stamps", stamps, -MAX_STAMPS_ADJUST, MAX_STAMPS_ADJUST)?;
        if let Some(e) = expires_at
            && (points <= 0 || e <= at || e >= crate::clock::latest())
        {
            return Err(StoreError::BadInput {
                what: "adjustment expiry",
                reason: crate::error::say(
                    "만료일은 더하는 포인트에만, 지금 이후 2100년 이전으로 정할 수 있습니다",
                    "only points added can expire, and then after now and before 2100",
                ),
            });
        }
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = customers::get(&tx, customer)?;
        ctx.check(&tx, ids, at, Some(row.registered()), "adjustment")?;
        let rid = row.rid;
        let mut book = ledger::points_book(&tx, rid)?;
        book.expire_through(at);
        let before = Balances { points: book.available(at), stamps: ledger::stamps(&tx, rid)? };
        if before.stamps + stamps < 0 {
            return Err(StoreError::BadInput {
                what: "adjustment",
                reason: crate::error::say(
                    format!("고객의 스탬프가 {}개라 {}개를 뺄 수 없습니다", before.stamps, -stamps),
                    format!("the customer has {} stamps; cannot take {}", before.stamps, -stamps),
                ),
            });
        }
        let entries = if points > 0 {
            vec![open_lot(at, LedgerKind::Adjust, points, expires_at)]
        } else if points < 0 {
            let spend = book.spend(-points, at, LedgerKind::Adjust).map_err(|e| StoreError::BadInput {
                what: "adjustment",
                reason: crate::error::say(
                    format!("고객이 쓸 수 있는 포인트가 {}점이라 {}점을 뺄 수 없습니다", e.available, e.wanted),
                    format!("the customer has {} usable points; cannot take {}", e.available, e.wanted),
                ),
            })?;
            // Taking points is a redemption for escrow: only what this
            // counter holds (the owner's overdraft does not cover it).
            crate::escrow::check_redeem(&tx, rid, ctx.device, -points, before.points, 0)?;
            spend
        } else {
            vec![]
        };
        let rows = ledger::write_points(&tx, &mut book, rid, None, None, Some(note), &entries)?;
        ledger::write_stamps(&tx, rid, None, at, LedgerKind::Adjust, stamps)?;
        let after = Balances { points: book.available(at), stamps: before.stamps + stamps };
        let mut change = serde_json::json!({"customer": row.customer.id, "points": points, "stamps": stamps, "expires_at": expires_at, "note": note});
        // The entries a take was written in go with it, so every counter
        // writes the same (`ledger::spent_elsewhere`).
        if points < 0 {
            change["parts"] = entries.iter().map(|e| e.amount).collect();
        }
        let seq = outbox::append(&tx, ids, ctx.device, at, "balances.adjusted", &change)?;
        ledger::claim_own(&tx, &rows, seq)?;
        audit::record(
            &tx,
            ids,
            ctx.device,
            at,
            audit::Entry::owner("balances.adjusted", customer.to_string())
                .before(serde_json::to_value(before).expect("plain data"))
                .after(serde_json::to_value(after).expect("plain data"))
                .note(note),
        )?;
        tx.commit()?;
        Ok(after)
    }
}

fn won_setting(field: &str, value: &str, min: i64, max: i64) -> Result<String> {
    let v: i64 = value.parse().map_err(|_| StoreError::BadInput {
        what: "setting",
        reason: crate::error::say(
            format!("{field} {value:?}: {min}~{max} 사이의 원 단위 정수여야 합니다"),
            format!("{field} {value:?} must be a whole number of won from {min} to {max}"),
        ),
    })?;
    dangol_domain::rules::in_range(field, v, min, max)?;
    Ok(v.to_string())
}

/// A new shop as the owner describes it at setup.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, serde::Deserialize)]
pub struct NewShop {
    pub shop_name: String,
    pub time_zone: String,
    pub owner_pin: String,
}

impl Store {
    /// Creates a new shop's database at `path` with its name, time zone and
    /// owner PIN: all of it, or no file at all. Returns the store and the
    /// owner, signed in.
    pub fn create_shop(
        path: &std::path::Path,
        shop: &NewShop,
        clock: crate::Clock,
        ids: &mut dyn IdSource,
    ) -> Result<(Store, Owner)> {
        let name = dangol_domain::customer::validate_name(&shop.shop_name, "shop_name")?;
        let zone = dangol_domain::time::ShopZone::parse(shop.time_zone.trim())?;
        crate::owner::check_pin_strength(shop.owner_pin.trim())?;
        if path.exists() {
            return Err(StoreError::BadInput {
                what: "new shop",
                reason: crate::error::say(
                    format!("{}은(는) 이미 있습니다. 새 가게는 새 파일을 씁니다", path.display()),
                    format!("{} already exists; a new shop gets a new file", path.display()),
                ),
            });
        }
        let made = (|| {
            let mut store = Store::open(path)?;
            store.set_clock(clock);
            let owner = store.set_first_owner_pin(&shop.owner_pin, ids)?;
            let now = store.now();
            store.update_setting(&owner, settings::SHOP_NAME, &name, now, ids)?;
            store.update_setting(&owner, settings::TIME_ZONE, zone.name(), now, ids)?;
            Ok((store, owner))
        })();
        if made.is_err() {
            crate::db::remove_files(path);
        }
        made
    }
}

/// A shop setting as stored, from what the owner typed (or another counter
/// sent): validated and normalised, or the reason it is refused.
pub(crate) fn validated_setting(key: &str, value: &str) -> Result<String> {
    let value = value.trim();
    Ok(match key {
        settings::SHOP_NAME => dangol_domain::customer::validate_name(value, "shop_name")?,
        settings::TIME_ZONE => dangol_domain::time::ShopZone::parse(value)?.name().to_string(),
        settings::GOODWILL_LIMIT => won_setting("goodwill_limit", value, 0, settings::MAX_GOODWILL_LIMIT)?,
        settings::LARGE_SALE => {
            won_setting("large_sale", value, settings::LARGE_SALE_RANGE.0, settings::LARGE_SALE_RANGE.1)?
        }
        settings::LOYALTY => serde_json::to_string(&LoyaltySettings::from_json(value)?).expect("plain data"),
        _ => {
            return Err(StoreError::BadInput {
                what: "setting",
                reason: crate::error::say(
                    format!(
                        "{key:?}은(는) 설정 항목이 아닙니다 (shop_name, time_zone, goodwill_limit, large_sale, loyalty)"
                    ),
                    format!("{key:?} is not one of shop_name, time_zone, goodwill_limit, large_sale, loyalty"),
                ),
            });
        }
    })
}
