//! The customer's screen on a tablet, in the real app and a real browser:
//! the owner allows it in the settings behind the PIN (an address off the
//! shop's network is refused and saves nothing), gets the tablet's address
//! with its QR code, and a WebKit browser (MiniBrowser, standing in for
//! the tablet's) opens it: the couple's wife is greeted as she asked, sees
//! her discount, never a phone digit; she answers consent there and the
//! database has it; when the counter moves on, her data leaves the tablet.
//! A browser without the key is told to scan the code again; when the
//! owner stops it, nothing listens there and the tablet says so.
//! Screenshots of both under `target/e2e-screenshots/tablet-screen/`.
//!
//! Run with `xvfb-run cargo test -p dangol-app --test tablet -- --ignored`
//! (scripts/test.sh does this).

mod support;

use std::time::{Duration, Instant};
use support::counter::{consent_of, count, demo_db, identify, launch_on, quick_add};
use support::{Driver, SERIAL, Session};

const TABLET_PORT: u16 = 4655;

#[test]
#[ignore = "needs a display, tauri-driver, WebKitWebDriver and MiniBrowser: run by scripts/test.sh under xvfb-run"]
fn the_owner_allows_a_tablet_and_the_customer_sees_and_answers_there() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let now = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let test = "tablet-screen";
    let mut app = launch_on(test, 4650, demo_db(test, 300), &[("DANGOL_NOW", &now), ("DANGOL_API", "off")]);
    let s = &mut app.s;

    // The owner, behind the PIN: a public address is refused, this PC's
    // address (loopback here) is allowed.
    s.click(&s.find("[data-testid=open-settings]"));
    s.type_into(&s.find("[data-testid=owner-pin]"), "2468");
    s.click(&s.find("[data-testid=owner-unlock]"));
    s.find("[data-testid=tablet-off]");
    let field = s.find("[data-testid=tablet-address]");
    s.clear(&field);
    s.type_into(&field, "0.0.0.0:7301");
    s.click(&s.find("[data-testid=tablet-allow]"));
    let refused = s.find("[data-testid=tablet-error]");
    let said = s.text(&refused);
    assert!(said.contains("가게 안 네트워크"), "said why, in Korean: {said}");
    let english = said.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() > 2).count();
    assert_eq!(english, 0, "no English word in the Korean sentence: {said}");
    let saved = || count(&app.db, "SELECT count(*) FROM settings WHERE key = 'screen_lan'");
    assert_eq!(saved(), 0, "a refused address saves nothing");
    let s = &mut app.s;
    let field = s.find("[data-testid=tablet-address]");
    s.clear(&field);
    s.type_into(&field, &format!("127.0.0.1:{TABLET_PORT}"));
    s.click(&s.find("[data-testid=tablet-allow]"));
    let url = s.text(&s.find("[data-testid=tablet-url]"));
    assert!(url.starts_with(&format!("http://127.0.0.1:{TABLET_PORT}/#tablet:")), "the tablet's address: {url}");
    s.find("[data-testid=tablet-qr]");
    s.shot("owner-allows-tablet");
    assert_eq!(saved(), 1, "the allowed address is kept for this counter");
    let s = &mut app.s;
    s.type_into(&s.find("[data-testid=tablet-address]"), "\u{E00C}");
    s.wait("the dialog closed", || s.try_find("[data-testid=settings]").is_none().then_some(()));

    // The tablet opens the address from the QR code.
    // The tablet's shots go beside the window's, numbered from 101.
    let shots = s.shots.clone();
    let browser_driver = Driver::webkit(4660, &shots.join("browser-driver.log"));
    let mut tablet = Session::browser(&browser_driver, shots);
    tablet.open(&url);
    tablet.find("[data-testid=screen-welcome]");
    let hash = tablet.exec("return location.hash;");
    assert_eq!(hash.as_str(), Some("#tablet"), "the key leaves the address bar");
    tablet.shot("tablet-welcome");

    // The cashier identifies the couple's wife and rings up the bread.
    identify(s, "1004", "김영자");
    quick_add(s, "MILKBREAD");
    quick_add(s, "SALT");
    s.wait("the senior discount applied", || {
        s.try_find("[data-testid=discount][data-rule=\"senior-65\"][data-applied=true]")
    });
    let address = tablet.wait("her address on the tablet", || tablet.try_find("[data-testid=screen-address]"));
    assert!(tablet.text(&address).contains("김 여사님"), "addressed as she asked: {}", tablet.text(&address));
    tablet.wait("the senior discount on the tablet", || {
        tablet.find_all("[data-testid=screen-discount]").into_iter().find(|d| tablet.text(d).contains("경로"))
    });
    let page = tablet.text(&tablet.find("[data-testid=customer-screen]"));
    assert!(!page.contains("010") && !page.contains("1004"), "never a phone digit: {page}");
    assert!(!page.contains("박정호"), "nobody else's data: {page}");
    tablet.shot("tablet-her-discounts");

    // She answers on the tablet.
    let consent = |db: &std::path::Path| consent_of(db, "김영자");
    let before = consent(&app.db);
    let (button, want) = if before == "yes" { ("consent-no", "false") } else { ("consent-yes", "true") };
    tablet.click(&tablet.find(&format!("[data-testid={button}]")));
    tablet.wait("her answer shown", || {
        tablet.try_find(&format!("[data-testid=screen-consent][data-consent=\"{want}\"]"))
    });
    assert_ne!(consent(&app.db), before, "her answer is in the database");
    tablet.shot("tablet-consent");

    // The counter moves on: her data leaves the tablet.
    let s = &mut app.s;
    s.click(&s.find("[data-testid=search]"));
    s.type_into(&s.find("[data-testid=search]"), "\u{E00C}");
    s.type_into(&s.find("[data-testid=search]"), "\u{E00C}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while tablet.try_find("[data-testid=screen-welcome]").is_none() {
        assert!(Instant::now() < deadline, "the tablet cleared after the customer left");
        std::thread::sleep(Duration::from_millis(200));
    }
    let page = tablet.text(&tablet.find("[data-testid=customer-screen]"));
    assert!(!page.contains("김"), "nothing of hers stays: {page}");

    // A browser that never had the key is told to scan the code again.
    tablet.exec("localStorage.clear(); return null;");
    tablet.open(&format!("http://127.0.0.1:{TABLET_PORT}/#tablet"));
    tablet.exec("location.reload(); return null;");
    let trouble = tablet.find("[data-testid=screen-trouble][data-trouble=key]");
    assert!(tablet.text(&trouble).contains("QR"), "{}", tablet.text(&trouble));
    tablet.shot("tablet-no-key");

    // The owner stops it: the page leaves the network, and a tablet still
    // open says it lost the counter.
    // Scanning the code again brings the key back (the same page, a new
    // fragment).
    tablet.open(&url);
    tablet.wait("the key taken again", || {
        (tablet.try_find("[data-testid=screen-welcome]").is_some()
            && tablet.try_find("[data-testid=screen-trouble]").is_none())
        .then_some(())
    });
    let s = &mut app.s;
    s.click(&s.find("[data-testid=open-settings]"));
    s.type_into(&s.find("[data-testid=owner-pin]"), "2468");
    s.click(&s.find("[data-testid=owner-unlock]"));
    s.find("[data-testid=tablet-served]");
    s.click(&s.find("[data-testid=tablet-stop]"));
    s.find("[data-testid=tablet-off]");
    assert_eq!(saved(), 0, "stopped: no address kept");
    tablet.find("[data-testid=screen-trouble][data-trouble=offline]");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", TABLET_PORT)).is_err(),
        "nothing listens at the tablet's address any more"
    );
    tablet.shot("tablet-stopped");
}
