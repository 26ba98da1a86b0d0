//! The window syncing in the background, in the real window: a hub on
//! loopback, a second counter that registers a regular, and the window
//! finding that regular without anyone pressing a key for it; then the hub
//! gone, the status bar saying so in Korean, and the cashier still served;
//! the owner then sees, behind the PIN, what sync found (one phone
//! registered at both counters, merged), asks to undo the merge with a
//! phone of the second registration's own while offline (it waits for the
//! hub), the hub comes back, and the cashier finds two customers.
//! A screenshot per step under `target/e2e-screenshots/<test>/`.
//!
//! Run with `xvfb-run cargo test -p dangol-app --test sync -- --ignored`
//! (scripts/test.sh does this).

mod support;

use dangol_domain::customer::CustomerInput;
use dangol_hub::SqliteLog;
use dangol_hub::server::{Hub, serve};
use dangol_store::{Store, SystemIds, Viewer};
use std::path::Path;
use std::sync::Arc;
use support::SERIAL;
use support::counter::{demo_db, identify, launch_on};

const KEY: &str = "0123456789abcdef0123456789abcdef";

/// A hub on loopback in this process, stopped on drop.
struct LocalHub {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LocalHub {
    fn start(db: &Path) -> LocalHub {
        LocalHub::start_on(db, "127.0.0.1:0")
    }

    /// The hub on `addr` (its old address, when it comes back).
    fn start_on(db: &Path, addr: &str) -> LocalHub {
        let addr = addr.to_string();
        let log = SqliteLog::open(db).unwrap();
        // The shop's state beside the log: the demo counter's history
        // seeds it, and a new counter starts from its snapshot.
        let state = Arc::new(
            dangol_sync::replica::Replica::open(&db.with_extension("state.db"), Box::new(SqliteLog::open(db).unwrap()))
                .unwrap(),
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(addr.as_str()).await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let hub = Arc::new(Hub::new(Box::new(log), KEY).with_state(state));
                serve(listener, hub, async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
            });
        });
        let addr = addr_rx.recv().unwrap();
        LocalHub { url: format!("http://{addr}"), stop: Some(tx), thread: Some(thread) }
    }
}

impl Drop for LocalHub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn round(db: &Path, hub: &LocalHub, name: &str) -> dangol_sync::RoundReport {
    let opts = dangol_sync::Options::new(&hub.url, KEY, name);
    dangol_sync::bootstrap(db, &opts).unwrap();
    let mut store = Store::open(db).unwrap();
    dangol_sync::round(&mut store, &opts).unwrap()
}

fn register(db: &Path, name: &str, phone: &str) {
    let mut store = Store::open(db).unwrap();
    let input = CustomerInput { name: name.into(), phone: phone.into(), ..CustomerInput::default() };
    store.add_customer(input, &Viewer::Cashier, store.now(), &mut SystemIds).unwrap();
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver: run by scripts/test.sh under xvfb-run"]
fn the_window_syncs_in_the_background_and_says_where_it_stands() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let test = "background-sync";
    let counter = demo_db(test, 300);
    let dir = counter.parent().unwrap().to_path_buf();
    let hub = LocalHub::start(&dir.join("hub.db"));
    // The owner joined this counter once, from the command line: its demo
    // history seeds the hub.
    assert!(round(&counter, &hub, "계산대 1").seeded_at.is_some());
    // Counter 2 starts from the hub's snapshot and registers a regular the
    // window has never seen; both counters register one phone offline.
    let other = dir.join("counter2.db");
    round(&other, &hub, "계산대 2");
    register(&counter, "김중복", "010-3333-4444");
    register(&other, "남궁민", "010-7777-8888");
    register(&other, "김중복", "010-3333-4444");
    assert_eq!(round(&other, &hub, "계산대 2").pushed, 2);
    round(&counter, &hub, "계산대 1");

    let mut app = launch_on(test, 4541, counter.clone(), &[("DANGOL_SYNC_SECS", "1")]);
    let s = &mut app.s;
    let synced = s.wait("the status bar says synced", || {
        s.try_find("[data-testid=sync-status]").map(|e| s.text(&e)).filter(|t| t.contains("동기화됨"))
    });
    assert!(!synced.contains("대기"), "{synced}");
    // The regular registered at counter 2 is found here.
    identify(s, "8888", "남궁민");
    s.shot("found-from-counter-2");

    // The hub goes away: the cashier keeps working, the bar says offline
    // and how much waits.
    let hub_addr = hub.url.trim_start_matches("http://").to_string();
    let hub_addr = hub_addr.as_str();
    drop(hub);
    let f2 = "\u{E032}";
    s.type_into(&s.find("[data-testid=search]"), f2);
    s.type_into(&s.find("[data-testid=reg-name]"), "오프라인손님");
    s.type_into(&s.find("[data-testid=reg-phone]"), "010-5555-6666");
    s.click(&s.find("[data-testid=reg-save]"));
    s.find("[data-testid=customer-card]");
    let offline = s.wait("the status bar says offline with one record waiting", || {
        s.try_find("[data-testid=sync-status]")
            .map(|e| s.text(&e))
            .filter(|t| t.contains("오프라인") && t.contains("1건 대기"))
    });
    assert!(!offline.chars().any(|c| c.is_ascii_alphabetic()), "no English in the Korean bar: {offline}");
    s.shot("offline-one-waiting");
    identify(s, "8888", "남궁민");

    // The owner sees what sync found: the phone registered at both
    // counters, merged into one customer.
    s.click(&s.find("[data-testid=open-settings]"));
    s.type_into(&s.find("[data-testid=owner-pin]"), "2468");
    s.click(&s.find("[data-testid=owner-unlock]"));
    let merged = s.find("[data-testid=anomaly][data-kind=customers_merged] b");
    let label = s.text(&merged);
    assert_eq!(label, "같은 번호로 두 번 등록된 고객을 합침");
    s.exec("document.querySelector('[data-testid=anomalies]').scrollIntoView({block: 'center'})");
    s.shot("owner-sees-the-merge");

    // They are a couple sharing a phone: the owner undoes the merge,
    // giving the later registration a phone of its own. Offline, the undo
    // is requested and waits for the hub's order, as at every counter.
    s.click(&s.find("[data-testid=anomaly][data-kind=customers_merged] [data-testid=undo-merge]"));
    let phone = s.find("[data-testid=unmerge-phone]");
    s.type_into(&phone, "010-2323-4545\u{E007}"); // Enter
    let asked = s.wait("the undo is requested", || {
        s.try_find("[data-testid=settings-saved]").map(|e| s.text(&e)).filter(|t| t.contains("요청했습니다"))
    });
    assert_eq!(asked, "병합 취소를 요청했습니다. 동기화되면 두 고객으로 나뉩니다");
    assert_eq!(s.text(&s.find("[data-testid=undo-pending]")), "취소 요청됨 · 동기화 대기");
    assert!(s.try_find("[data-testid=undo-merge]").is_none(), "a requested undo is offered no more");
    s.exec("document.querySelector('[data-testid=anomalies]').scrollIntoView({block: 'center'})");
    s.shot("owner-asked-to-undo-offline");

    // The hub comes back on its address: the next round sends the undo and
    // brings it back, and the dialog says it is done.
    let _hub = LocalHub::start_on(&dir.join("hub.db"), hub_addr);
    let done = s.wait("the undo is done", || {
        s.try_find("[data-testid=settings-saved]").map(|e| s.text(&e)).filter(|t| t.contains("병합을 취소했습니다"))
    });
    assert_eq!(done, "병합을 취소했습니다: 판매 0건을 옮겼습니다");
    s.find("[data-testid=anomaly][data-kind=merge_undone]");
    assert!(s.try_find("[data-testid=undo-merge]").is_none(), "an undone merge is offered no more");
    assert!(s.try_find("[data-testid=undo-pending]").is_none(), "nothing waits any more");
    s.exec("document.querySelector('[data-testid=anomalies]').scrollIntoView({block: 'center'})");
    s.shot("owner-undid-the-merge");
    s.type_into(&s.find("[data-testid=new-pin]"), "\u{E00C}"); // Esc closes the dialog
    s.wait("the dialog closed", || s.try_find("[data-testid=settings]").is_none().then_some(()));
    identify(s, "4545", "김중복");
    identify(s, "3333-4444", "김중복");
    s.shot("two-customers-again");
}
