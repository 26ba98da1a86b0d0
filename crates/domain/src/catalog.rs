//! Products and carts. A cart arrives as SKUs and quantities (from the CLI, the
//! window or, later, the register); it is priced against the catalog into a
//! `PricedCart` that the engines work on.

use crate::error::{CartProblem, DomainError, Expected, Problem, Result};
use crate::money::Won;
use serde::{Deserialize, Serialize};

/// Most lines a cart may have.
pub const MAX_CART_LINES: usize = 200;
/// Largest quantity on one line.
pub const MAX_QTY: i64 = 999;
/// Highest unit price accepted (₩100,000,000).
pub const MAX_PRICE: Won = 100_000_000;

/// A product in the shop's catalog.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub sku: String,
    pub barcode: Option<String>,
    pub name: String,
    pub category: String,
    pub price: Won,
}

impl Product {
    /// Validates a product row (from CSV or the settings screen).
    pub fn new(sku: &str, name: &str, category: &str, price: Won, barcode: Option<&str>) -> Result<Product> {
        let sku = sku.trim();
        if sku.is_empty() || sku.len() > 40 || !sku.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(DomainError::field("sku", Problem::Format { expected: Expected::Code }));
        }
        let name = crate::customer::validate_name(name, "product_name")?;
        let category = crate::customer::validate_name(category, "category")?;
        if !(0..=MAX_PRICE).contains(&price) {
            return Err(DomainError::OutOfRange {
                field: "price".into(),
                min: 0,
                max: MAX_PRICE,
                got: price.to_string(),
            });
        }
        let barcode = barcode.map(str::trim).filter(|b| !b.is_empty()).map(str::to_string);
        Ok(Product { sku: sku.to_string(), barcode, name, category, price })
    }
}

/// A cart as sent by a caller: `{"lines":[{"sku":"...","qty":1}]}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Cart {
    pub lines: Vec<CartLine>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartLine {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64, example = "SALT"))]
    pub sku: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 999, example = 2))]
    pub qty: i64,
}

impl Cart {
    /// Checks shape before pricing: line count and quantities.
    pub fn check(&self) -> Result<()> {
        if self.lines.len() > MAX_CART_LINES {
            return Err(DomainError::InvalidCart {
                problem: CartProblem::TooManyLines { max: MAX_CART_LINES as u64, got: self.lines.len() as u64 },
            });
        }
        for (i, line) in self.lines.iter().enumerate() {
            if !(1..=MAX_QTY).contains(&line.qty) {
                return Err(DomainError::InvalidCart {
                    problem: CartProblem::Quantity {
                        line: i as u64 + 1,
                        sku: crate::error::cut(&line.sku),
                        qty: line.qty,
                        max: MAX_QTY,
                    },
                });
            }
        }
        Ok(())
    }

    /// Prices the cart with a product lookup; unknown SKUs are errors.
    pub fn price(&self, mut find: impl FnMut(&str) -> Option<Product>) -> Result<PricedCart> {
        self.check()?;
        let mut lines = Vec::with_capacity(self.lines.len());
        for (i, line) in self.lines.iter().enumerate() {
            let product = find(&line.sku).ok_or_else(|| DomainError::InvalidCart {
                problem: CartProblem::UnknownProduct { line: i as u64 + 1, sku: crate::error::cut(&line.sku) },
            })?;
            lines.push(PricedLine {
                sku: product.sku,
                name: product.name,
                category: product.category,
                unit_price: product.price,
                qty: line.qty,
            });
        }
        Ok(PricedCart { lines })
    }
}

/// A cart line with its product details and price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub unit_price: Won,
    pub qty: i64,
}

impl PricedLine {
    pub fn amount(&self) -> Won {
        self.unit_price * self.qty
    }
}

/// A priced cart: what the engines evaluate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PricedCart {
    pub lines: Vec<PricedLine>,
}

impl PricedCart {
    pub fn subtotal(&self) -> Won {
        self.lines.iter().map(PricedLine::amount).sum()
    }

    pub fn contains_sku(&self, sku: &str) -> bool {
        self.lines.iter().any(|l| l.sku == sku)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(sku: &str) -> Option<Product> {
        (sku == "AMR").then(|| Product::new("AMR", "아메리카노", "음료", 4_500, None).unwrap())
    }

    #[test]
    fn prices_known_lines() {
        let cart: Cart = serde_json::from_str(r#"{"lines":[{"sku":"AMR","qty":2}]}"#).unwrap();
        let priced = cart.price(find).unwrap();
        assert_eq!(priced.subtotal(), 9_000);
    }

    #[test]
    fn rejects_bad_carts() {
        for (json, fragment) in [
            (r#"{"lines":[{"sku":"NOPE","qty":1}]}"#, "unknown product NOPE"),
            (r#"{"lines":[{"sku":"AMR","qty":-1}]}"#, "quantity -1"),
            (r#"{"lines":[{"sku":"AMR","qty":0}]}"#, "quantity 0"),
            (r#"{"lines":[{"sku":"AMR","qty":5000}]}"#, "quantities are 1-999"),
        ] {
            let cart: Cart = serde_json::from_str(json).unwrap();
            let err = cart.price(find).expect_err(json).to_string();
            assert!(err.contains(fragment), "{json}: {err:?} should mention {fragment:?}");
        }
    }

    #[test]
    fn validates_products() {
        assert!(Product::new("", "빵", "베이커리", 100, None).is_err());
        assert!(Product::new("A 1", "빵", "베이커리", 100, None).is_err());
        assert!(Product::new("A1", "빵", "베이커리", -1, None).is_err());
        assert!(Product::new("A1", "소금빵", "베이커리", 3_200, Some("8801234567890")).is_ok());
    }
}
