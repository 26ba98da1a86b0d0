//! The Dangol counter window: a thin Tauri 2 shell. It opens the counter
//! database (creating the demo shop on first run), exposes one-line commands
//! over `dangol-store`, and serves the Svelte front end from `ui/dist`.
//!
//! Database choice, in order: `--db FILE`, the `DANGOL_DB` environment
//! variable, then `$XDG_DATA_HOME/dangol/dangol.db` (or
//! `~/.local/share/dangol/dangol.db`).

mod commands;
mod state;

use dangol_domain::i18n::Lang;
use dangol_store::Store;
use dangol_store::error::ErrorView;
use state::AppState;
use std::path::PathBuf;
use std::time::Instant;

/// SQLite page cache for the window, in KiB (memory target: see README).
const WINDOW_CACHE_KIB: i64 = 12 * 1024;

/// Customers in the demo shop created on first run.
const FIRST_RUN_CUSTOMERS: u64 = 5_000;

/// The language of the system locale: Korean unless it says otherwise.
pub fn system_lang() -> Lang {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    Lang::from_locale(locale.as_deref())
}

fn report_ready(started: Instant) -> u64 {
    let ms = started.elapsed().as_millis() as u64;
    eprintln!("dangol: counter ready {ms} ms after start");
    ms
}

/// Where the counter database lives.
pub fn database_path(args: &[String]) -> PathBuf {
    if let Some(i) = args.iter().position(|a| a == "--db")
        && let Some(p) = args.get(i + 1)
    {
        return PathBuf::from(p);
    }
    if let Ok(p) = std::env::var("DANGOL_DB")
        && !p.is_empty()
    {
        return PathBuf::from(p);
    }
    let data =
        std::env::var("XDG_DATA_HOME").ok().filter(|d| !d.is_empty()).map(PathBuf::from).unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| ".".into())).join(".local/share")
        });
    data.join("dangol").join("dangol.db")
}

/// Opens the database, creating the folder and the demo shop on first run.
pub fn open_or_create(path: &std::path::Path) -> dangol_store::Result<Store> {
    let fresh = !path.exists();
    if fresh && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|source| dangol_store::StoreError::Io { path: dir.to_path_buf(), source })?;
    }
    let mut store = Store::open(path)?;
    store.limit_cache_kib(WINDOW_CACHE_KIB)?;
    if fresh {
        let opts = dangol_demo::DemoOptions { customers: FIRST_RUN_CUSTOMERS, seed: 1, as_of: chrono::Utc::now() };
        dangol_demo::generate(&mut store, &opts)?;
        eprintln!("dangol: created the demo shop in {}", path.display());
    }
    Ok(store)
}

/// Starts the app.
pub fn run() {
    let started = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    let path = database_path(&args);
    let state = match open_or_create(&path) {
        Ok(store) => AppState::new(store, started),
        Err(e) => {
            eprintln!("dangol: {e}");
            AppState::failed(ErrorView::from(e), started)
        }
    };
    tauri::Builder::default()
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::ui_ready,
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
            commands::owner_unlock,
            commands::owner_save_rule,
            commands::owner_update_setting,
            commands::owner_change_pin,
        ])
        .run(tauri::generate_context!())
        .expect("the Tauri runtime failed to start");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_db_flag_wins_over_the_environment() {
        let args: Vec<String> = ["dangol-app", "--db", "/tmp/x.db"].iter().map(|s| s.to_string()).collect();
        assert_eq!(database_path(&args), PathBuf::from("/tmp/x.db"));
    }

    #[test]
    fn first_run_creates_the_demo_shop_and_a_locked_file_is_a_typed_error() {
        let dir = std::env::temp_dir().join(format!("dangol-app-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("nested").join("counter.db");
        let store = open_or_create(&path).expect("first run");
        assert_eq!(store.shop_info().unwrap().customers, FIRST_RUN_CUSTOMERS as i64);
        let err = ErrorView::from(open_or_create(&path).err().expect("second instance"));
        assert_eq!(err.kind, "database_locked");
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
