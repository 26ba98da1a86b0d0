//! The Dangol counter window: a thin Tauri 2 shell. It opens the shop's
//! database, exposes short commands over `dangol-store` (run off the main
//! thread), and serves the Svelte front end from `ui/dist`.
//!
//! Database choice, in order: `--db FILE`, the `DANGOL_DB` environment
//! variable, then `$XDG_DATA_HOME/dangol/dangol.db` (or
//! `~/.local/share/dangol/dangol.db`). If that file does not exist yet, the
//! window asks first: try the demo shop (a file of its own, `dangol-demo.db`
//! beside it, labelled DEMO everywhere) or set up my shop (name, time zone,
//! owner PIN, then import customers and products or start empty). A real
//! shop's database is never filled with demo customers. `--demo` opens the
//! demo shop directly (the README's run command does).
//!
//! The clock is the system's, or `DANGOL_NOW` (RFC 3339) for tests and demos.
//!
//! A counter that has joined its shop's hub (`dangol sync`, once) syncs in
//! the background (`sync.rs`) and the status bar says where it stands.
//!
//! The window serves the register's API on its own store (`register.rs`):
//! the register's pushed cart appears in the window as it is rung up.
//! The customer's screen is a second window (`screen.rs`) and, when the
//! owner allows it, a page for a tablet on the shop's network (`tablet.rs`).

mod commands;
mod register;
mod screen;
mod state;
mod sync;
mod tablet;

use dangol_store::admin::NewShop;
use dangol_store::error::ErrorView;
use dangol_store::{Clock, Store, SystemIds};
use state::{AppState, Paths};
use std::path::PathBuf;
use std::time::Instant;

/// SQLite page cache for the window, in KiB (memory target: see README).
const WINDOW_CACHE_KIB: i64 = 12 * 1024;

/// Customers in the demo shop.
pub const DEMO_CUSTOMERS: u64 = 5_000;

/// The language of the system locale: Korean unless it says otherwise.
pub use dangol_store::system_lang;

fn report_ready(started: Instant) -> u64 {
    let ms = started.elapsed().as_millis() as u64;
    eprintln!("dangol: counter ready {ms} ms after start");
    ms
}

/// Where the shop's and the demo's databases live.
pub fn database_paths(args: &[String]) -> Paths {
    let data = std::env::var("XDG_DATA_HOME")
        .ok()
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| ".".into())).join(".local/share"))
        .join("dangol");
    let flag = args.iter().position(|a| a == "--db").and_then(|i| args.get(i + 1)).map(PathBuf::from);
    let env = std::env::var("DANGOL_DB").ok().filter(|p| !p.is_empty()).map(PathBuf::from);
    let shop = flag.or(env).unwrap_or_else(|| data.join("dangol.db"));
    let demo = shop.with_file_name("dangol-demo.db");
    Paths { shop, demo }
}

fn open(path: &std::path::Path, clock: &Clock) -> dangol_store::Result<Store> {
    let mut store = Store::open(path)?;
    store.set_clock(clock.clone());
    store.limit_cache_kib(WINDOW_CACHE_KIB)?;
    Ok(store)
}

/// Opens the demo shop (creating it in its own file) and puts it in place.
pub fn start_demo(state: &AppState) -> Result<(), ErrorView> {
    state.run(|| {
        let store =
            dangol_demo::open_or_create(&state.paths.demo, DEMO_CUSTOMERS, state.clock.clone(), &mut |_, _| {})?;
        store.limit_cache_kib(WINDOW_CACHE_KIB)?;
        state.install(store)
    })
}

/// Creates the shop's own database and signs the owner in.
pub fn setup_shop(state: &AppState, shop: &NewShop) -> Result<(), ErrorView> {
    state.run(|| {
        if let Some(dir) = state.paths.shop.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| dangol_store::StoreError::Io { path: dir.to_path_buf(), source })?;
        }
        let (store, owner) = Store::create_shop(&state.paths.shop, shop, state.clock.clone(), &mut SystemIds)?;
        store.limit_cache_kib(WINDOW_CACHE_KIB)?;
        state.install(store)?;
        state.sign_in(owner);
        Ok(())
    })
}

/// The state at start: the shop's database if it exists (or the demo with
/// `--demo`), else nothing yet (the window asks), or why it cannot open.
pub fn initial_state(args: &[String], started: Instant) -> AppState {
    let paths = database_paths(args);
    let clock = match Clock::from_env() {
        Ok(c) => c,
        Err(e) => return AppState::new(None, Some(&e), paths, Clock::System, started),
    };
    let state = AppState::new(None, None, paths.clone(), clock.clone(), started);
    if args.iter().any(|a| a == "--demo") {
        let opened = dangol_demo::open_or_create(&paths.demo, DEMO_CUSTOMERS, clock.clone(), &mut |_, _| {})
            .and_then(|store| store.limit_cache_kib(WINDOW_CACHE_KIB).map(|_| store))
            .and_then(|store| state.install(store));
        if let Err(e) = opened {
            return AppState::new(None, Some(&e), paths, clock, started);
        }
        return state;
    }
    if paths.shop.exists() {
        match open(&paths.shop, &clock) {
            Ok(store) => {
                let _ = state.install(store);
            }
            Err(e) => {
                eprintln!("dangol: {e}");
                return AppState::new(None, Some(&e), paths, clock, started);
            }
        }
    }
    state
}

/// Starts the app.
pub fn run() {
    let started = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    let state = initial_state(&args, started);
    tauri::Builder::default()
        .manage(state)
        .manage(screen::Screen::new(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64),
        ))
        .manage(tablet::Tablet::default())
        .setup(move |app| {
            sync::start(app.handle().clone());
            register::start(app.handle(), &args);
            tauri::Manager::state::<screen::Screen>(app).forward(app.handle());
            tauri::Manager::state::<tablet::Tablet>(app).start(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::needs_setup,
            commands::start_demo,
            commands::setup_shop,
            commands::ui_ready,
            commands::set_lang,
            commands::begin_visit,
            commands::lookup,
            commands::profile,
            commands::products,
            commands::find_product,
            commands::preview,
            commands::checkout,
            commands::add_customer,
            commands::add_feedback,
            commands::resolve_feedback,
            commands::record_prompt,
            commands::verify_owner_pin,
            commands::owner_unlock,
            commands::owner_lock,
            commands::owner_save_rule,
            commands::owner_rule_preview,
            commands::owner_update_setting,
            commands::owner_change_pin,
            commands::owner_audit,
            commands::owner_anomalies,
            commands::owner_undo_merge,
            commands::owner_review,
            commands::owner_review_segment,
            commands::owner_export_segment,
            commands::owner_report_missed,
            commands::owner_report_suggestions,
            commands::owner_report_voice,
            commands::owner_report_trend,
            commands::owner_import,
            commands::sync_status,
            commands::register_carts,
            commands::register_choose,
            commands::show_customer,
            commands::customer_screen,
            commands::customer_consent,
            commands::open_customer_screen,
            commands::owner_tablet_screen,
            commands::owner_allow_tablet_screen,
        ])
        .run(tauri::generate_context!())
        .expect("the Tauri runtime failed to start");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dangol-app-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("nested").join("counter.db")
    }

    #[test]
    fn the_db_flag_wins_over_the_environment_and_the_demo_lives_beside_it() {
        let p = database_paths(&args(&["dangol-app", "--db", "/tmp/x.db"]));
        assert_eq!(p.shop, PathBuf::from("/tmp/x.db"));
        assert_eq!(p.demo, PathBuf::from("/tmp/dangol-demo.db"));
    }

    #[test]
    fn a_first_run_creates_nothing_until_asked_and_never_puts_the_demo_in_the_shop() {
        let path = temp("first-run");
        let state = initial_state(&args(&["dangol-app", "--db", path.to_str().unwrap()]), Instant::now());
        assert!(state.needs_setup(), "no database yet: the window asks");
        assert!(!path.exists(), "nothing is written before the owner chooses");
        start_demo(&state).expect("the demo opens");
        assert!(!path.exists(), "the demo went into its own file, not the shop's");
        let info = state.with(|s, _| s.shop_info()).unwrap();
        assert!(info.demo && info.customers == DEMO_CUSTOMERS as i64);
        assert!(info.db_path.ends_with("dangol-demo.db"), "{}", info.db_path);
        let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
    }

    #[test]
    fn setting_up_a_shop_creates_an_empty_shop_with_its_pin_and_a_locked_file_is_a_typed_error() {
        let path = temp("setup");
        let state = initial_state(&args(&["dangol-app", "--db", path.to_str().unwrap()]), Instant::now());
        let weak =
            NewShop { shop_name: "우리 빵집".into(), time_zone: "Asia/Seoul".into(), owner_pin: "0000".into() };
        assert!(setup_shop(&state, &weak).is_err(), "a guessable PIN is refused");
        assert!(!path.exists(), "and nothing is left behind");
        let shop = NewShop { owner_pin: "2580".into(), ..weak };
        setup_shop(&state, &shop).expect("set up");
        let info = state.with(|s, _| s.shop_info()).unwrap();
        assert_eq!(
            (info.shop_name.as_str(), info.customers, info.demo, info.owner_pin_set),
            ("우리 빵집", 0, false, true)
        );
        state.as_owner(|s, _, _| s.rule_list()).expect("the owner is signed in after setup");
        let second = initial_state(&args(&["dangol-app", "--db", path.to_str().unwrap()]), Instant::now());
        let err = second.with(|s, _| s.shop_info()).unwrap_err();
        assert_eq!(err.kind(), "database_locked");
        let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
    }

    #[test]
    fn every_command_runs_off_the_main_thread() {
        let src = include_str!("commands.rs");
        let plain = src.matches("#[tauri::command]").count();
        let off_main = src.matches("#[tauri::command(async)]").count();
        assert_eq!(plain, 0, "a command without (async) runs on the main thread and can freeze the window");
        assert!(off_main >= 20, "{off_main} commands found");
    }

    /// Every command is granted to the counter window, and the customer's
    /// screen gets exactly its two: reading what it may show and the
    /// customer's consent (build.rs puts the commands under Tauri's
    /// permissions; `DANGOL_COMMANDS` is its list from generate_handler).
    #[test]
    fn every_command_is_granted_to_the_right_window() {
        let commands: Vec<&str> = env!("DANGOL_COMMANDS").split(',').collect();
        assert!(commands.len() >= 40, "{} commands found", commands.len());
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let sets: toml::Value = std::fs::read_to_string(dir.join("permissions/windows.toml")).unwrap().parse().unwrap();
        let granted = |set: &str| -> Vec<String> {
            let set = sets["set"].as_array().unwrap().iter().find(|s| s["identifier"].as_str() == Some(set)).unwrap();
            let mut names: Vec<String> = set["permissions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().strip_prefix("allow-").unwrap().replace('-', "_"))
                .collect();
            names.sort();
            names
        };
        let screen = ["customer_consent", "customer_screen"];
        let mut counter: Vec<String> = commands.iter().filter(|c| !screen.contains(c)).map(|c| c.to_string()).collect();
        counter.sort();
        assert_eq!(granted("counter-window"), counter, "the counter window may call every other command");
        assert_eq!(granted("customer-screen"), screen, "the customer's screen may call these two only");
        let capability = |file: &str| -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(dir.join("capabilities").join(file)).unwrap()).unwrap()
        };
        let main = capability("default.json");
        let customer = capability("customer.json");
        assert_eq!(main["windows"], serde_json::json!(["main"]));
        assert!(main["permissions"].as_array().unwrap().contains(&"counter-window".into()));
        assert_eq!(customer["windows"], serde_json::json!(["customer"]));
        assert_eq!(customer["permissions"], serde_json::json!(["core:event:default", "customer-screen"]));
    }
}
