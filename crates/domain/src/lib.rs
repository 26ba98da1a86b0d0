//! Dangol's domain: everything the counter knows about customers, products,
//! loyalty and discounts, as pure functions over plain data.
//!
//! Nothing here touches a clock, a random source, a file or a database: the
//! caller passes the moment (`at`), the shop's time zone and any new ids. That
//! keeps the eligibility engine, the suggestion ranking and the checkout gate
//! deterministic and testable with tables of cases.

pub mod catalog;
pub mod customer;
pub mod eligibility;
pub mod error;
pub mod error_text;
pub mod feedback;
pub mod gate;
pub mod hangul;
pub mod hlc;
pub mod i18n;
pub mod ids;
pub mod lang;
pub mod loyalty;
pub mod money;
pub mod phone;
pub mod points;
pub mod review;
pub mod rule_text;
pub mod rules;
pub mod sale;
pub mod suggest;
pub mod time;

pub use error::{DomainError, Result};
pub use money::Won;
