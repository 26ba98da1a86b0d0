//! The customer's screen: a second window facing the customer (label
//! `customer`, the same front end at `#customer`). The counter window says
//! who is at the counter and what this visit takes off (`show_customer`);
//! the customer's window asks for what it may show (`customer_screen`,
//! built by the store: no phone number, nobody else's data) and records the
//! customer's own consent for the customer shown, never for an id it is
//! given (`customer_consent`). What is shown is a `Showing` the tablet page
//! reads too (`tablet.rs`).

use dangol_api::showing::{Change, Showing};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder};

pub use dangol_api::showing::Shown;

/// The window's label.
pub const LABEL: &str = "customer";

/// The customer's screen's state (`dangol_api::showing`), shared with the
/// tablet page (`tablet.rs`).
pub struct Screen {
    pub showing: Arc<Showing>,
}

impl Screen {
    /// The screen of a window started at `started_ms` (its showings count
    /// from there: never the same number as before a restart).
    pub fn new(started_ms: u64) -> Screen {
        Screen { showing: Arc::new(Showing::starting_at(started_ms)) }
    }

    /// Tells the windows about every change: the customer's window reads
    /// its screen again, the counter its card of a customer who answered.
    pub fn forward(&self, app: &AppHandle) {
        let app = app.clone();
        self.showing.listen(move |change| match change {
            Change::Shown => tell(&app),
            Change::Consent(customer) => {
                let _ = app.emit_to("main", "consent-changed", customer);
            }
        });
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
