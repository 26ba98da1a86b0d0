//! The counter app as the window tests start and use it: a demo shop
//! database per test, the app launched on it through tauri-driver, and the
//! few gestures every test repeats (identify a customer, add a product),
//! plus reading the database back to check what a gesture wrote.

use super::{Driver, Session, app_binary, screenshots};
use dangol_store::Store;
use std::path::{Path, PathBuf};

/// A fresh folder for one test's databases.
pub fn test_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dangol-e2e-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A demo shop database with `customers` customers for one test.
pub fn demo_db(test: &str, customers: u64) -> PathBuf {
    let path = test_dir(test).join("counter.db");
    let mut store = Store::open(&path).unwrap();
    dangol_demo::generate(
        &mut store,
        &dangol_demo::DemoOptions { customers, seed: 1, as_of: chrono::Utc::now() },
        &mut |_, _| {},
    )
    .unwrap();
    path
}

/// One text value from the database, read while the app runs (read-only).
pub fn text(db: &Path, sql: &str) -> String {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A customer's marketing consent in the database: "yes" or "no".
pub fn consent_of(db: &Path, name: &str) -> String {
    text(
        db,
        &format!("SELECT CASE marketing_consent WHEN 1 THEN 'yes' ELSE 'no' END FROM customers WHERE name = '{name}'"),
    )
}

/// One integer from the database, read while the app runs (read-only).
pub fn count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Fields drop in order: the session first (closing the window), then the
/// driver, so the app has exited and let go of the shop's file.
pub struct App {
    pub s: Session,
    pub _driver: Driver,
    pub db: PathBuf,
}

/// The app on a 300-customer demo shop, Korean locale, search field ready.
pub fn launch(test: &str, port: u16) -> App {
    launch_on(test, port, demo_db(test, 300), &[])
}

/// The app on a given database (which may not exist yet: a first run).
pub fn launch_on(test: &str, port: u16, db: PathBuf, env: &[(&str, &str)]) -> App {
    let shots = screenshots(test);
    // The webview's storage (the remembered language) lives under the
    // test's own folder, so one test's choice never leaks into another's.
    let data = db.parent().unwrap().join("xdg-data");
    std::fs::create_dir_all(&data).unwrap();
    let mut all =
        vec![("DANGOL_DB", db.to_str().unwrap()), ("LANG", "ko_KR.UTF-8"), ("XDG_DATA_HOME", data.to_str().unwrap())];
    all.extend_from_slice(env);
    let driver = Driver::start(port, &all, &shots.join("driver.log"));
    let s = Session::new(&driver, &app_binary(), shots);
    if db.exists() {
        // Typed before the window has its shop, keys could land in a field
        // about to be redrawn: wait until it says it is ready.
        s.find("body[data-ready] [data-testid=search]");
    }
    App { _driver: driver, s, db }
}

/// Types a query into the search field and picks the result with this name.
pub fn identify(s: &Session, query: &str, name: &str) {
    let search = s.find("[data-testid=search]");
    s.clear(&search);
    s.type_into(&search, query);
    let pick = s.wait(&format!("{name} among the results"), || {
        s.try_find(&format!("[data-testid=result][data-name=\"{name}\"]"))
    });
    s.click(&pick);
    s.find("[data-testid=customer-card]");
}

/// Taps a product on the quick grid and waits for it in the cart.
pub fn quick_add(s: &Session, sku: &str) {
    let before = s.find_all("[data-testid=cart-line]").len();
    s.click(&s.find(&format!("[data-testid=quick][data-sku=\"{sku}\"]")));
    s.wait(&format!("{sku} in the cart"), || {
        s.try_find(&format!("[data-testid=cart-line][data-sku=\"{sku}\"]"))
            .filter(|_| s.find_all("[data-testid=cart-line]").len() > before || before > 0)
    });
}

/// What has focus: its data-testid, or its tag when it has none.
pub fn focused(s: &Session) -> String {
    let v =
        s.exec("const e = document.activeElement; return e ? (e.dataset.testid || e.tagName.toLowerCase()) : 'none'");
    v.as_str().unwrap_or("none").to_string()
}
