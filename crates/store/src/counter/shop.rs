//! The shop as the counter shows it: name, zone, limits, problems the owner
//! should know about, and the catalog.

use super::views::*;
use crate::customers::{self};
use crate::error::{Result, say};
use crate::{Store, catalog, settings};
use dangol_domain::catalog::Product;
use dangol_domain::i18n::Lang;
use dangol_domain::lang::Localized;

impl Store {
    /// A product by SKU or barcode (what a scanner or the SKU field gives).
    pub fn find_product(&self, code: &str) -> Result<Option<Product>> {
        catalog::find(&self.conn, code.trim())
    }

    /// The shop as the counter shows it: name, zone, limits, database.
    pub fn shop_info(&self) -> Result<ShopInfo> {
        let demo = settings::is_demo(&self.conn)?;
        let mut problems: Vec<Localized> = self
            .rules
            .get(&self.conn)?
            .1
            .iter()
            .map(|r| {
                say(
                    format!("할인 규칙 {}은(는) 쓰지 않고 있습니다: {}", r.id, r.reason.ko),
                    format!("rule {} is set aside: {}", r.id, r.reason.en),
                )
            })
            .collect();
        if let Some(p) = settings::loyalty_problem(&self.conn)? {
            problems.push(say(
                format!("저장된 적립 설정을 쓰지 않고 기본값을 씁니다: {}", p.message(Lang::Ko)),
                format!("the stored loyalty settings are not in use (defaults apply): {}", p.message(Lang::En)),
            ));
        }
        Ok(ShopInfo {
            shop_name: settings::shop_name(&self.conn)?,
            time_zone: self.zone.name().to_string(),
            goodwill_limit: settings::goodwill_limit(&self.conn)?,
            large_sale: settings::large_sale(&self.conn)?,
            loyalty: settings::loyalty(&self.conn)?,
            db_path: self.path().map(|p| p.display().to_string()).unwrap_or_else(|| ":memory:".into()),
            customers: customers::count(&self.conn)?,
            schema_version: self.schema_version()?,
            demo,
            demo_pin: match demo {
                true => settings::get(&self.conn, settings::DEMO_OWNER_PIN)?,
                false => None,
            },
            owner_pin_set: self.owner_pin_is_set()?,
            problems,
        })
    }

    pub fn products(&self) -> Result<Vec<Product>> {
        catalog::all(&self.conn)
    }
}
