//! The register's API served by the window itself (`dangol-api`), on the
//! window's own store: the register pushes its cart and the window shows it
//! at once, with no typing; the cashier's choices go back to the register.
//!
//! Where it listens: `--api ADDRESS`, else `DANGOL_API`, else
//! 127.0.0.1:7300; `off` serves nothing. The token file is `api.token`
//! beside the shop's database (made at first run, readable by this user
//! only; `dangol rotate-token --token-file FILE` replaces it). A window that
//! cannot listen (the port taken) says so on stderr and works on without
//! the API.

use crate::state::AppState;
use dangol_api::live::{Choices, Dismissal, Live};
use dangol_api::shop::Shop;
use dangol_store::counter::RegisterCart;
use dangol_store::owner::Viewer;
use dangol_store::{Store, StoreError};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Manager};

/// Where the API listens unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7300";

/// The register side of the window: the carts and, when serving, the server.
pub struct Register {
    pub live: Arc<Live>,
    /// The server, while the window runs (dropping it stops it).
    _running: Option<dangol_api::Running>,
}

/// The window's store, shared with the API: one operation at a time.
pub(crate) struct WindowShop(pub(crate) AppHandle);

impl Shop for WindowShop {
    fn enter(&self, work: &mut dyn FnMut(&mut Store)) -> Result<(), StoreError> {
        self.0.state::<AppState>().store_step(&mut |store| {
            work(store);
            Ok(())
        })
    }
}

/// The address asked for, or `None` for `off`.
pub fn listen_address(args: &[String]) -> Option<String> {
    let flag = args.iter().position(|a| a == "--api").and_then(|i| args.get(i + 1)).cloned();
    let env = std::env::var("DANGOL_API").ok().filter(|a| !a.trim().is_empty());
    let asked = flag.or(env).unwrap_or_else(|| DEFAULT_LISTEN.to_string());
    (asked.trim() != "off").then(|| asked.trim().to_string())
}

/// The token file beside the shop's database.
pub fn token_file(state: &AppState) -> PathBuf {
    state.paths.shop.with_file_name("api.token")
}

/// Starts serving (unless `off`) and forwarding the register's events to
/// the window (`register-event`).
pub fn start(app: &AppHandle, args: &[String]) {
    let live = Arc::new(Live::default());
    let mut events = live.listen();
    let forward = app.clone();
    let _ = std::thread::Builder::new().name("dangol-register-events".into()).spawn(move || {
        loop {
            match events.blocking_recv() {
                Ok((_, event)) => {
                    let _ = forward.emit("register-event", &event);
                }
                // Behind: the window reads the carts again on the next event.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    let running = listen_address(args).and_then(|asked| {
        let state = app.state::<AppState>();
        let file = token_file(&state);
        let served = asked
            .parse::<SocketAddr>()
            .map_err(|_| format!("{asked:?} is not an address such as 127.0.0.1:7300"))
            .and_then(|addr| {
                dangol_api::start(Arc::new(WindowShop(app.clone())), Arc::clone(&live), addr, &file)
                    .map_err(|e| e.to_string())
            });
        match served {
            Ok(r) => {
                eprintln!("dangol: register API on http://{} (token: {})", r.addr, file.display());
                Some(r)
            }
            Err(e) => {
                eprintln!("dangol: the register API is off: {e}");
                None
            }
        }
    });
    app.manage(Register { live, _running: running });
}

impl Register {
    /// Every register's cart, for the window (who it is for, as the counter
    /// shows customers).
    pub fn carts(&self, store: &mut Store) -> Result<Vec<RegisterCart>, StoreError> {
        let mut carts = self.live.carts();
        carts.sort_by_key(|c| std::cmp::Reverse(c.pushed_at));
        let mut shown = Vec::new();
        for c in carts {
            // A cart whose customer is gone (merged away and undone, say)
            // is shown as a walk-in's rather than hiding every cart.
            let customer = match c.customer {
                Some(id) => store.customer_summary(id, &Viewer::Cashier).ok(),
                None => None,
            };
            shown.push(RegisterCart {
                register: c.register,
                revision: c.revision,
                customer,
                lines: c.lines,
                hold: c.hold,
                pushed_at: c.pushed_at,
            });
        }
        Ok(shown)
    }

    /// The cashier's choices on a register's cart, told to the register.
    pub fn choose(
        &self,
        store: &mut Store,
        register: &str,
        revision: u64,
        apply: Vec<String>,
        dismiss: Vec<(String, String)>,
    ) -> Result<bool, StoreError> {
        let dismiss = dismiss.into_iter().map(|(rule, reason)| Dismissal { rule, reason }).collect();
        let choices = Choices { apply: Some(apply), dismiss };
        let cart = match self.live.choose(register, revision, choices) {
            Ok(c) => c,
            // The register has moved on (a newer push, or the sale): the
            // window reads its cart again.
            Err(_) => return Ok(false),
        };
        let quote = cart.quote(store, dangol_domain::i18n::Lang::Ko)?;
        self.live.announce(&cart, &quote, false);
        Ok(true)
    }
}
