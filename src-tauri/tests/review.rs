//! The owner's review of regulars in the real window: behind the owner PIN
//! (a wrong PIN refused), the segments with their counts, the drifting list
//! naming the demo's drifted regular 정우진 with his own rhythm, his recent
//! visits on a click, another order and another segment, the consent-only
//! export; in Korean with no English, then in English; at 1280×800 and
//! 1920×1080. A screenshot per step under `target/e2e-screenshots/<test>/`.
//!
//! Run with `xvfb-run cargo test -p dangol-app --test review -- --ignored`
//! (scripts/test.sh does this).

mod support;

use dangol_domain::catalog::{Cart, CartLine};
use dangol_domain::gate::Decision;
use dangol_domain::i18n::Lang;
use dangol_store::counter::{CheckoutRequest, PreviewRequest};
use dangol_store::{PromptAction, Store, SystemIds, Viewer};
use support::SERIAL;
use support::counter::{demo_db, launch_on};

/// No English word of four letters or more in the dialog's own text.
fn english_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 4).map(str::to_string).collect()
}

/// The text of the listed row naming `name`, read in one script (the list
/// is redrawn as it loads).
fn row_text(s: &support::Session, name: &str) -> Option<String> {
    let v = s.exec(&format!(
        "return [...document.querySelectorAll('[data-testid=review-row]')].map(r => r.innerText).find(t => t.includes('{name}')) ?? null"
    ));
    v.as_str().map(str::to_string)
}

/// The dialog's words that are not the shop's data (names, dates, sums).
fn dialog_text(s: &support::Session) -> String {
    let v = s.exec(
        "return ['review-model', 'review-segments', 'review-sort'].map(t => document.querySelector(`[data-testid=${t}]`)?.innerText ?? '').join(' ') + ' ' + (document.querySelector('[data-testid=review-list] thead')?.innerText ?? '')",
    );
    v.as_str().unwrap_or("").to_string()
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver: run by scripts/test.sh under xvfb-run"]
fn the_owner_reviews_regulars_against_their_own_rhythm() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let test = "owner-review";
    let db = demo_db(test, 300);
    counter_activity(&db);
    let home = db.parent().unwrap().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut app = launch_on(test, 4614, db, &[("HOME", home.to_str().unwrap())]);
    let s = &mut app.s;

    s.click(&s.find("[data-testid=open-review]"));
    let pin = s.find("[data-testid=review-pin]");
    s.type_into(&pin, "0000\u{E007}");
    let refused = s.wait("a wrong PIN is refused", || s.try_find("[data-testid=review-error]").map(|e| s.text(&e)));
    assert!(refused.contains("PIN"), "{refused}");
    assert!(s.try_find("[data-testid=review-segments]").is_none(), "nothing shown without the PIN");
    let pin = s.find("[data-testid=review-pin]");
    s.clear(&pin);
    s.type_into(&pin, "2468\u{E007}");
    s.find("[data-testid=review-segments]");

    // The segments, each with its count; the drifting list, most at stake
    // first, names the drifted regular with his rhythm.
    let drifting = s.find("[data-testid=segment][data-segment=drifting]");
    assert_eq!(s.exec("return document.querySelector('[data-testid=segment][data-segment=drifting]').getAttribute('aria-selected')"), serde_json::json!("true"));
    assert!(s.text(&drifting).starts_with("뜸해짐"), "{}", s.text(&drifting));
    let said = s.wait("정우진 among the drifting", || row_text(s, "정우진"));
    assert!(said.contains("보통") && said.contains("일마다") && said.contains("일째"), "{said}");
    // His last year in 4-week spans as a sparkline beside his rhythm: he
    // came, then stopped.
    let spark = s.exec("return [...document.querySelectorAll('[data-testid=review-row]')].find(r => r.innerText.includes('정우진'))?.querySelector('[data-testid=review-spark]')?.getAttribute('data-values') ?? null");
    let weeks: Vec<u32> =
        spark.as_str().expect("a sparkline in his row").split(',').map(|v| v.parse().unwrap()).collect();
    assert_eq!(weeks.len(), 13, "{weeks:?}");
    let words = english_words(&dialog_text(s));
    assert!(words.is_empty(), "no English in the Korean review: {words:?}");
    s.shot("regulars-ko-1280");

    // His recent visits, on a click on his name.
    let nth = s.exec("return 1 + [...document.querySelectorAll('[data-testid=review-row]')].findIndex(r => r.innerText.includes('정우진'))");
    let name = s.find(&format!(
        "tbody tr[data-testid=review-row]:nth-of-type({}) [data-testid=review-name]",
        nth.as_i64().unwrap()
    ));
    assert_eq!(s.text(&name), "정우진");
    s.click(&name);
    let detail = s.wait("his recent visits", || {
        s.try_find("[data-testid=review-detail]").map(|e| s.text(&e)).filter(|t| t.contains("₩"))
    });
    assert!(detail.contains("최근 방문"), "{detail}");
    s.shot("drill-down-ko");

    // Another order, another segment.
    s.exec("const sel = document.querySelector('[data-testid=review-sort]'); sel.value = 'most_visits'; sel.dispatchEvent(new Event('change'))");
    s.click(&s.find("[data-testid=segment][data-segment=regular]"));
    s.wait("the regulars, most visits first", || {
        let rows = s.find_all("[data-testid=review-row]");
        (rows.len() > 3).then_some(())
    });
    let visits: Vec<i64> = s
        .exec("return [...document.querySelectorAll('[data-testid=review-row] td:nth-child(2)')].map(td => parseInt(td.innerText))")
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(visits.windows(2).all(|w| w[0] >= w[1]), "most visits first: {visits:?}");

    // The consent-only export says who was left out and why.
    s.click(&s.find("[data-testid=review-export]"));
    let saved = s.wait("the export is done", || s.try_find("[data-testid=review-saved]").map(|e| s.text(&e)));
    assert!(saved.contains("내보냈습니다") && saved.contains("수신 거부") && saved.contains("뺐습니다"), "{saved}");
    let written: Vec<_> = walk(&home).into_iter().filter(|p| p.extension().is_some_and(|e| e == "csv")).collect();
    assert_eq!(written.len(), 1, "{written:?}");
    let csv = std::fs::read_to_string(&written[0]).unwrap();
    assert!(csv.contains("name,phone,visits"), "{csv}");
    s.shot("regulars-sorted-exported-ko");
    // The other reports, each a tab, at 1280×800.
    tabs(s, "ko", "1280");

    // 1920×1080.
    s.resize(1920, 1080);
    s.wait("a 1920-wide window", || (s.exec("return window.innerWidth").as_f64()? >= 1900.0).then_some(()));
    s.click(&s.find("[data-testid=segment][data-segment=drifting]"));
    s.wait("the drifting again", || row_text(s, "정우진"));
    s.shot("regulars-ko-1920");

    // The other reports, each a tab.
    tabs(s, "ko", "1920");

    // In English.
    s.click(&s.find("[data-testid=review-close]"));
    s.click(&s.find("[data-testid=lang]"));
    s.click(&s.find("[data-testid=open-review]"));
    let pin = s.find("[data-testid=review-pin]");
    s.type_into(&pin, "2468\u{E007}");
    let tile = s.find("[data-testid=segment][data-segment=drifting]");
    assert!(s.text(&tile).starts_with("Drifting"), "{}", s.text(&tile));
    let said = s.wait("정우진 in English", || row_text(s, "정우진"));
    assert!(said.contains("usually every") && said.contains("days now"), "{said}");
    s.shot("regulars-en-1920");
    tabs(s, "en", "1920");
    s.resize(1280, 800);
    s.wait("a 1280-wide window", || (s.exec("return window.innerWidth").as_f64()? <= 1300.0).then_some(()));
    s.shot("regulars-en-1280");
    tabs(s, "en", "1280");
}

/// What the counter missed, the suggestions and the voice of customer,
/// each opened and shot; the Korean ones carry no English of their own.
fn tabs(s: &mut support::Session, lang: &str, size: &str) {
    for (tab, marker) in [
        ("trend", "trend-headline"),
        ("missed", "missed-headline"),
        ("suggestions", "suggestion-weeks"),
        ("voice", "voice-headline"),
    ] {
        s.click(&s.find(&format!("[data-testid=review-tab][data-tab={tab}]")));
        s.wait(&format!("the {tab} report"), || s.try_find(&format!("[data-testid={marker}]")).map(|_| ()));
        if tab == "missed" {
            // The near misses are drawn, as a table or as "none".
            s.wait("the near misses", || s.try_find("[data-testid=near-misses], [data-testid=near-none]").map(|_| ()));
        }
        if lang == "ko" {
            // The report's own words (headings, labels, headlines), not the shop's data.
            let own = s.exec("return [...document.querySelectorAll('[data-testid=review] h3, [data-testid=review] thead, [data-testid=review] .headline, [data-testid=review-tabs]')].map(e => e.innerText).join(' ')");
            let words = english_words(own.as_str().unwrap_or(""));
            assert!(words.is_empty(), "no English in the Korean {tab} report: {words:?}");
        }
        // WebKitGTK repaints a resized dialog a frame late.
        std::thread::sleep(std::time::Duration::from_millis(300));
        s.shot(&format!("{tab}-{lang}-{size}"));
    }
    s.click(&s.find("[data-testid=review-tab][data-tab=regulars]"));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() { stack.push(p) } else { out.push(p) }
        }
    }
    out
}

/// Today at the counter, before the owner looks: the demo's two seniors pay
/// full price, the cashier dismissing every discount they could have had
/// with a reason; one usual item is accepted and one skipped.
fn counter_activity(db: &std::path::Path) {
    let mut store = Store::open(db).unwrap();
    let now = store.now();
    let mut ids = SystemIds;
    for (name, reason) in [("김영자", "손님이 다음에 쓰시겠다고 함"), ("박정호", "바빠서 못 물어봄")]
    {
        let who = store.lookup(name, 1, &Viewer::Cashier).unwrap().hits[0].id;
        let cart =
            Cart { lines: vec![CartLine { sku: "AMR".into(), qty: 2 }, CartLine { sku: "CROIS".into(), qty: 1 }] };
        let preview = store
            .preview(&PreviewRequest {
                customer: Some(who),
                cart: cart.clone(),
                told: vec![],
                selected: None,
                at: now,
                lang: Lang::Ko,
                viewer: Viewer::Cashier,
                limit: 5,
            })
            .unwrap();
        let dismiss: Vec<(String, String)> =
            preview.eligible.iter().map(|e| (e.rule_id.clone(), reason.to_string())).collect();
        assert!(!dismiss.is_empty(), "{name} could have had a discount");
        let request = CheckoutRequest {
            visit: ids_next(&mut ids, now),
            customer: Some(who),
            cart,
            decision: Decision { apply: vec![], dismiss },
            at: now,
            lang: Lang::Ko,
            goodwill: None,
            confirm_large: false,
        };
        store.checkout(&request, None, &mut ids).unwrap();
        let (key, action, why) = if name == "김영자" {
            ("usual_item:CROIS", PromptAction::Accepted, None)
        } else {
            ("usual_item:AMR", PromptAction::Dismissed, Some("오늘은 됐대요"))
        };
        store.record_prompt(who, key, action, why, now, &mut ids).unwrap();
    }
}

fn ids_next(ids: &mut SystemIds, now: chrono::DateTime<chrono::Utc>) -> uuid::Uuid {
    use dangol_domain::ids::IdSource;
    ids.next_id(now)
}
