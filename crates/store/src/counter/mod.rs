//! The counter's use cases, one file each, as the CLI and the desktop shell
//! call them: `register` a customer, `identify` one from what the cashier
//! typed, show their `profile`, `preview` a cart, log the customer's
//! `voice` and the cashier's answers to prompts, and show the `shop`.
//! Checkout, refunds and the owner's administration have files of their own
//! (`checkout`, `refund`, `admin`). Every write runs in one transaction
//! together with its outbox event; a failed check leaves the database
//! untouched. The wire shapes are in `views`.

mod edit;
mod identify;
mod preview;
mod profile;
mod register;
mod screen;
pub mod screen_lan;
mod shop;
pub mod views;
mod voice;

pub use crate::checkout::{CheckoutRequest, GoodwillRequest};
pub use views::*;
