//! The customer's screen, in the real app: the cashier opens a second
//! window facing the customer; it greets nobody until a customer is
//! identified, then shows how we address them, their points and stamps,
//! today's discounts and what they save, never a phone number; the
//! customer gives marketing consent there themselves, and the cashier's
//! card and the database show it. A screenshot per step under
//! `target/e2e-screenshots/customer-screen/`.
//!
//! Run with `xvfb-run cargo test -p dangol-app --test screen -- --ignored`
//! (scripts/test.sh does this).

mod support;

use std::time::{Duration, Instant};
use support::SERIAL;
use support::counter::{consent_of, demo_db, identify, launch_on, quick_add};

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver: run by scripts/test.sh under xvfb-run"]
fn the_customer_sees_their_points_and_savings_and_answers_consent_themselves() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let now = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let test = "customer-screen";
    let mut app = launch_on(test, 4540, demo_db(test, 300), &[("DANGOL_NOW", &now), ("DANGOL_API", "off")]);
    let s = &mut app.s;
    let counter = s.window();
    s.click(&s.find("[data-testid=open-customer-screen]"));
    let deadline = Instant::now() + Duration::from_secs(20);
    let screen = loop {
        if let Some(h) = s.windows().into_iter().find(|h| *h != counter) {
            break h;
        }
        assert!(Instant::now() < deadline, "the customer's window opened");
        std::thread::sleep(Duration::from_millis(200));
    };
    s.switch_to(&screen);
    s.find("[data-testid=screen-welcome]");
    s.shot("welcome");
    // A window facing the customer may read what it shows and send their
    // consent, nothing else: the counter's commands are refused to it by
    // Tauri's permissions, before any of Dangol's code runs.
    for command in ["lookup", "profile", "owner_unlock", "show_customer", "checkout", "register_carts"] {
        let answer = call_from_window(s, command);
        assert!(
            answer.starts_with("refused:") && answer.contains("not allowed"),
            "{command} from the customer's screen: {answer}"
        );
    }
    let answer = call_from_window(s, "customer_screen");
    assert!(answer.starts_with("allowed:"), "the screen reads what it may show: {answer}");

    // The cashier identifies the couple's wife and rings up the bread.
    s.switch_to(&counter);
    let answer = call_from_window(s, "customer_consent");
    assert!(
        answer.starts_with("refused:") && answer.contains("not allowed"),
        "consent is the customer's own: {answer}"
    );
    identify(s, "1004", "김영자");
    quick_add(s, "MILKBREAD");
    quick_add(s, "SALT");
    s.wait("the senior discount applied", || {
        s.try_find("[data-testid=discount][data-rule=\"senior-65\"][data-applied=true]")
    });
    let phone_last4 = "1004";

    s.switch_to(&screen);
    let address = s.wait("the customer's address", || s.try_find("[data-testid=screen-address]"));
    assert!(s.text(&address).contains("김 여사님"), "addressed as she asked: {}", s.text(&address));
    s.wait("the senior discount on her screen", || {
        s.find_all("[data-testid=screen-discount]").into_iter().find(|d| s.text(d).contains("경로"))
    });
    let saved = s.find("[data-testid=screen-saved]");
    assert!(s.text(&saved).contains('₩'), "what she saves: {}", s.text(&saved));
    let page = s.text(&s.find("[data-testid=customer-screen]"));
    assert!(!page.contains("010"), "never a phone number: {page}");
    assert!(!page.contains(phone_last4), "not even its last digits: {page}");
    assert!(!page.contains("박정호"), "nobody else's data: {page}");
    s.shot("her-discounts");

    // She answers consent herself, on her screen.
    let consent = |db: &std::path::Path| consent_of(db, "김영자");
    let before = consent(&app.db);
    let (button, want) = if before == "yes" { ("consent-no", "false") } else { ("consent-yes", "true") };
    let s = &mut app.s;
    s.click(&s.find(&format!("[data-testid={button}]")));
    s.wait("her answer recorded", || s.try_find(&format!("[data-testid=screen-consent][data-consent=\"{want}\"]")));
    s.shot("consent");
    let after = consent(&app.db);
    assert_ne!(after, before, "her answer is in the database");

    // The next customer: her screen clears.
    let s = &mut app.s;
    s.switch_to(&counter);
    s.click(&s.find("[data-testid=search]"));
    s.type_into(&s.find("[data-testid=search]"), "\u{E00C}");
    s.type_into(&s.find("[data-testid=search]"), "\u{E00C}");
    s.switch_to(&screen);
    s.find("[data-testid=screen-welcome]");
    s.shot("cleared");
}

/// Calls a Dangol command from the current window's page, as a script in
/// it could; `allowed:ANSWER` or `refused:ERROR`.
fn call_from_window(s: &support::Session, command: &str) -> String {
    s.exec(&format!(
        "window.__probe = null; window.__TAURI_INTERNALS__.invoke({command:?}, {{}}).then(\
         r => window.__probe = 'allowed:' + JSON.stringify(r), e => window.__probe = 'refused:' + String(e));"
    ));
    s.wait(&format!("{command} answered"), || s.exec("return window.__probe;").as_str().map(str::to_string))
}
