//! The customer's screen: a second window facing the customer (label
//! `customer`, the same front end at `#customer`). The counter window says
//! who is at the counter and what this visit takes off (`show_customer`);
//! the customer's window asks for what it may show (`customer_screen`,
//! built by the store: no phone number, nobody else's data) and records the
//! customer's own consent for the customer shown, never for an id it is
//! given (`customer_consent`).

use dangol_store::counter::ScreenDiscount;
use serde::Deserialize;
use std::sync::Mutex;
use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder};
use uuid::Uuid;

/// The window's label.
pub const LABEL: &str = "customer";

/// What the counter shows now.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Shown {
    pub customer: Option<Uuid>,
    pub discounts: Vec<ScreenDiscount>,
    pub saving: i64,
    pub total: i64,
}

/// The customer's screen's state: what is shown, and which showing it is
/// (counted each time the customer changes, so an answer given to one
/// customer is never taken for the next).
#[derive(Default)]
pub struct Screen {
    shown: Mutex<(u64, Shown)>,
}

impl Screen {
    pub fn shown(&self) -> (u64, Shown) {
        self.shown.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The counter shows `shown`: the customer's window is told.
    pub fn show(&self, app: &AppHandle, shown: Shown) {
        {
            // A new showing when the customer changes (not at each item):
            // an answer is tied to the customer it was given to.
            let mut now = self.shown.lock().unwrap_or_else(|e| e.into_inner());
            let showing = if now.1.customer == shown.customer { now.0 } else { now.0 + 1 };
            *now = (showing, shown);
        }
        tell(app);
    }
}

/// Tells the customer's window to read its screen again.
pub fn tell(app: &AppHandle) {
    let _ = app.emit_to(LABEL, "customer-screen", ());
}

/// Opens the customer's window (or brings it forward).
pub fn open(app: &AppHandle) -> tauri::Result<()> {
    if let Some(w) = app.get_webview_window(LABEL) {
        return w.set_focus();
    }
    WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("index.html#customer".into()))
        .title("단골 · 고객 화면 · Customer screen")
        .inner_size(800.0, 600.0)
        .build()
        .map(|_| ())
}
