//! The customer's screen on a tablet on the shop's network, when the owner
//! allows it (`dangol_api::tablet`): served by the window at the address
//! the owner chose in the settings (`Store::customer_screen_lan`), with the
//! window's own front end as its page (`#tablet`, from the app's assets)
//! and the same `Showing` as the second window. The screen key is
//! `screen.key` beside the shop's file; the owner's settings show the
//! tablet's address with it as a QR code.
//!
//! Allowing an address first serves there, then saves it: an address this
//! PC cannot listen on is refused and nothing is saved.

use crate::register::WindowShop;
use crate::state::AppState;
use dangol_api::tablet::{self, Asset, Assets};
use dangol_store::counter::TabletScreenView;
use dangol_store::counter::screen_lan::shop_network;
use dangol_store::error::ErrorView;
use dangol_store::{Store, StoreError};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Manager};

/// The port suggested with this PC's addresses.
pub const USUAL_PORT: u16 = 7301;

/// The tablet page's server, while it runs.
#[derive(Default)]
pub struct Tablet {
    /// One change at a time: two owners' clicks never stop each other's
    /// server.
    changing: Mutex<()>,
    running: Mutex<Option<dangol_api::Running>>,
    /// Why the allowed address is not served (at start).
    problem: Mutex<Option<StoreError>>,
}

/// The screen key beside the shop's database.
pub fn key_file(state: &AppState) -> PathBuf {
    state.paths.shop.with_file_name("screen.key")
}

/// The page's files: the window's own front end.
fn assets(app: &AppHandle) -> Assets {
    let app = app.clone();
    Arc::new(move |path: &str| {
        app.asset_resolver().get(path.to_string()).map(|a| Asset { mime: a.mime_type, bytes: a.bytes })
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Tablet {
    /// Serves at `addr` (stopping what ran before).
    fn serve(&self, app: &AppHandle, addr: SocketAddr) -> Result<(), StoreError> {
        self.stop();
        let state = app.state::<AppState>();
        let showing = Arc::clone(&app.state::<crate::screen::Screen>().showing);
        let running = tablet::start(Arc::new(WindowShop(app.clone())), showing, assets(app), addr, &key_file(&state))?;
        eprintln!("dangol: the customer's screen for a tablet on http://{}/", running.addr);
        *lock(&self.running) = Some(running);
        *lock(&self.problem) = None;
        Ok(())
    }

    /// Stops the server, if one runs. The lock on it is let go first:
    /// stopping waits for the page's requests in flight, and one may wait
    /// for the store, whose holder may be reading `served`.
    fn stop(&self) {
        let running = lock(&self.running).take();
        if let Some(r) = running {
            let _ = r.stop();
        }
    }

    /// Where the page is served now (read before taking the store).
    pub fn served(&self) -> Option<SocketAddr> {
        lock(&self.running).as_ref().map(|r| r.addr)
    }

    /// At start: serves where the owner allowed it, if they did.
    pub fn start(&self, app: &AppHandle) {
        let _one = lock(&self.changing);
        let state = app.state::<AppState>();
        let allowed = state.store_step(&mut |s| s.customer_screen_lan()).ok().flatten();
        if let Some(addr) = allowed
            && let Err(e) = self.serve(app, addr)
        {
            eprintln!("dangol: the tablet's customer screen is off: {e}");
            *lock(&self.problem) = Some(e);
        }
    }

    /// The owner allows the page at `address` (served first, then saved),
    /// or stops it (`None`). The server is started and stopped outside the
    /// store's lock: stopping waits for the page's requests in flight,
    /// which may be waiting for the store.
    pub fn allow(&self, app: &AppHandle, state: &AppState, address: Option<&str>) -> Result<(), ErrorView> {
        let _one = lock(&self.changing);
        // The owner's session first: nobody else starts a server.
        state.as_owner(|_, _, _| Ok(()))?;
        match address {
            Some(text) => {
                let addr = dangol_store::counter::screen_lan::lan_address(text).map_err(|e| state.view(&e))?;
                let before = state.store_step(&mut |s| s.customer_screen_lan()).map_err(|e| state.view(&e))?;
                if let Err(e) = self.serve(app, addr) {
                    // The address the owner allowed before goes on.
                    if let Some(b) = before {
                        let _ = self.serve(app, b);
                    }
                    return Err(state.view(&e));
                }
                let saved =
                    state.as_owner(|s, owner, ids| s.allow_customer_screen_lan(owner, Some(text), s.now(), ids));
                if let Err(e) = saved {
                    self.stop();
                    if let Some(b) = before {
                        let _ = self.serve(app, b);
                    }
                    return Err(e);
                }
            }
            None => {
                state.as_owner(|s, owner, ids| s.allow_customer_screen_lan(owner, None, s.now(), ids))?;
                self.stop();
                *lock(&self.problem) = None;
            }
        }
        Ok(())
    }

    /// What the owner's settings show, the page being `served` there (read
    /// with `served` before the store was taken).
    pub fn view(
        &self,
        state: &AppState,
        store: &Store,
        served: Option<SocketAddr>,
    ) -> Result<TabletScreenView, StoreError> {
        let address = store.customer_screen_lan()?.map(|a| a.to_string());
        let (url, qr_svg) = match served {
            Some(addr) => {
                let key = dangol_api::token::read(&key_file(state))?;
                let url = tablet::page_address(addr, &key);
                let qr = qr_svg(&url);
                (Some(url), qr)
            }
            None => (None, None),
        };
        let problem = lock(&self.problem).as_ref().map(|e| ErrorView::new(e, state.lang()));
        Ok(TabletScreenView { address, url, qr_svg, suggestions: suggestions(), problem })
    }
}

/// `url` as a QR code, drawn as SVG.
fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(220, 220).quiet_zone(true).build())
}

/// This PC's addresses on the shop's networks (not loopback), with the
/// usual port.
fn suggestions() -> Vec<String> {
    let mut found: Vec<String> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.ip())
        .filter(|ip| !ip.is_loopback() && shop_network(*ip))
        .map(|ip| SocketAddr::new(ip, USUAL_PORT).to_string())
        .collect();
    found.sort();
    found.dedup();
    found
}
