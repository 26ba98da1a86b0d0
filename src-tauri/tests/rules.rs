//! The owner edits discount rules as a form in the real window, never as
//! JSON: the senior rule read back in plain words with what it would have
//! done over the last 30 days; a changed percentage read again; letters
//! where a number goes and a number beyond the store's range, each named
//! on its field in Korean; saved; a new rule built from nothing and saved;
//! JSON typed by hand (defaults left out) taken back into the form;
//! in Korean with no English, then in English; at 1280×800 and 1920×1080.
//! A screenshot per step under `target/e2e-screenshots/rule-form/`.
//!
//! Run with `xvfb-run cargo test -p dangol-app --test rules -- --ignored`
//! (scripts/test.sh does this).

mod support;

use support::SERIAL;
use support::counter::{count, launch, text};

/// The form's own words (labels, legends, options, buttons), not its values.
fn form_words(s: &support::Session) -> Vec<String> {
    let own = s.exec(
        "const f = document.querySelector('[data-testid=rule-form]'); \
         return [...f.querySelectorAll('label, legend, option, button, .muted, [data-testid=rule-preview] h3, [data-testid=rule-impact-customers], [data-testid=rule-impact-sales], [data-testid=rule-summary]')].map(e => e.innerText).join(' ')",
    );
    own.as_str()
        .unwrap_or("")
        .split(|c: char| !c.is_ascii_alphabetic())
        // Acronyms stay (JSON, VIP).
        .filter(|w| w.len() >= 3 && w.chars().any(|c| c.is_ascii_lowercase()))
        .map(str::to_string)
        .collect()
}

fn summary(s: &support::Session) -> Option<String> {
    s.try_find("[data-testid=rule-summary]").map(|e| s.text(&e))
}

fn wait_summary(s: &support::Session, want: &str) {
    s.wait(&format!("the summary {want:?}"), || (summary(s).as_deref() == Some(want)).then_some(()));
}

fn select(s: &support::Session, testid: &str, value: &str) {
    s.exec(&format!(
        "const e = document.querySelector('[data-testid={testid}]'); e.value = '{value}'; e.dispatchEvent(new Event('change'))"
    ));
}

fn unlock(s: &support::Session) {
    s.click(&s.find("[data-testid=open-settings]"));
    s.type_into(&s.find("[data-testid=owner-pin]"), "2468");
    s.click(&s.find("[data-testid=owner-unlock]"));
    s.wait("the rules listed", || (s.find_all("[data-testid=rule]").len() >= 30).then_some(()));
}

fn edit_senior(s: &support::Session) {
    s.click(&s.find("[data-testid=rule][data-rule=\"senior-65\"] [data-testid=rule-edit]"));
    s.find("[data-testid=rule-form][data-rule=\"senior-65\"]");
    s.exec("document.querySelector('[data-testid=rule-form]').scrollIntoView()");
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver: run by scripts/test.sh under xvfb-run"]
fn the_owner_edits_a_rule_as_a_form_and_sees_what_it_would_do() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut app = launch("rule-form", 4624);
    let s = &mut app.s;
    unlock(s);
    edit_senior(s);

    // The rule in words, and what it would have done.
    wait_summary(s, "65세 이상 고객: 장바구니 전체 10% 할인");
    let sales = s.wait("the last 30 days replayed", || s.try_find("[data-testid=rule-impact-sales]"));
    let said = s.text(&sales);
    assert!(said.starts_with("지난 30일") && said.contains("건에 적용됐을 것"), "{said}");
    let applied: i64 = s.attr(&sales, "data-applied").unwrap().parse().unwrap();
    // The demo shop's seniors shop every week: the rule would have applied.
    let seniors_sold = count(
        &app.db,
        "SELECT count(*) FROM sales s JOIN customers c ON c.rid = s.customer
         WHERE s.at >= (strftime('%s','now') - 29 * 86400) * 1000 AND s.reverses IS NULL
           AND NOT EXISTS (SELECT 1 FROM sales r WHERE r.reverses = s.rid)
           AND c.birth_date <= date('now', '-66 years')",
    );
    assert!(applied > 0 && applied >= seniors_sold, "{applied} sales, {seniors_sold} by customers 66 or older");
    let customers = s.text(&s.find("[data-testid=rule-impact-customers]"));
    assert!(customers.contains("전체 300명 중"), "{customers}");
    let words = form_words(s);
    assert!(words.is_empty(), "no English in the Korean form: {words:?}");
    s.shot("senior-rule-ko-1280");

    // Another percentage: the sentence follows.
    let percent = s.find("[data-testid=rule-percent]");
    s.clear(&percent);
    s.type_into(&percent, "15");
    wait_summary(s, "65세 이상 고객: 장바구니 전체 15% 할인");

    // Letters where a number goes: named on the field, in Korean.
    let years = s.find("[data-testid=rule-years]");
    s.clear(&years);
    s.type_into(&years, "예순");
    let problem = s.wait("the field named", || s.try_find("[data-testid=rule-problem]").map(|e| s.text(&e)));
    assert_eq!(problem, "‘나이 (세)’에 숫자를 입력해 주세요");
    assert_eq!(s.attr(&years, "aria-invalid").as_deref(), Some("true"));
    // A number beyond the store's range: the store's own words.
    s.clear(&years);
    s.type_into(&years, "200");
    let problem = s.wait("the store's range", || {
        s.try_find("[data-testid=rule-problem]").map(|e| s.text(&e)).filter(|t| t.contains("150"))
    });
    assert_eq!(problem, "할인 규칙 'senior-65'의 나이 조건: 1~150 사이여야 합니다 (입력: 200)");
    assert_eq!(s.attr(&years, "aria-invalid").as_deref(), Some("true"));
    s.shot("rule-problem-ko");
    s.clear(&years);
    s.type_into(&years, "65");
    s.wait("the problem gone", || s.try_find("[data-testid=rule-problem]").is_none().then_some(()));

    // Saved as the form says.
    s.click(&s.find("[data-testid=save-rule]"));
    s.wait("the rule stored", || {
        (text(&app.db, "SELECT json_extract(body, '$.benefit.percent_bp') || '/' || json_extract(body, '$.conditions[0].years') FROM rules WHERE id = 'senior-65'") == "1500/65")
            .then_some(())
    });
    s.wait("the form closed", || s.try_find("[data-testid=rule-form]").is_none().then_some(()));
    s.find("[data-testid=audit-entry][data-action=\"rule.saved\"]");

    // A new rule from nothing.
    s.click(&s.find("[data-testid=rule-new]"));
    s.type_into(&s.find("[data-testid=rule-id]"), "rainy-day");
    s.type_into(&s.find("[data-testid=rule-name]"), "비 오는 날 500원");
    select(s, "rule-benefit", "amount_off");
    let amount = s.wait("the amount field", || s.try_find("[data-testid=rule-amount]"));
    s.clear(&amount);
    s.type_into(&amount, "500");
    select(s, "rule-add-condition", "min_spend");
    s.click(&s.find("[data-testid=rule-add]"));
    s.type_into(&s.find("[data-testid=rule-limit]"), "1");
    wait_summary(s, "모든 고객: 장바구니 전체 ₩500 할인 · ₩10,000 이상 구매 시 · 1인당 월 1회");
    s.shot("new-rule-ko-1280");
    s.click(&s.find("[data-testid=save-rule]"));
    s.wait("the new rule stored", || {
        (text(&app.db, "SELECT coalesce((SELECT json_extract(body, '$.benefit.amount') || '/' || json_extract(body, '$.conditions[0].amount') || '/' || json_extract(body, '$.limit.per') FROM rules WHERE id = 'rainy-day'), '')") == "500/10000/month")
            .then_some(())
    });
    s.find("[data-testid=rule][data-rule=\"rainy-day\"]");

    // JSON typed by hand, leaving out what has a default, back to the form.
    s.click(&s.find("[data-testid=rule-new]"));
    s.click(&s.find("[data-testid=rule-as-json]"));
    let json = s.find("[data-testid=rule-json]");
    s.clear(&json);
    s.type_into(&json, r#"{"id":"typed","name":"손으로 쓴 규칙","benefit":{"type":"amount_off","amount":300}}"#);
    s.click(&s.find("[data-testid=rule-as-form]"));
    wait_summary(s, "모든 고객: 장바구니 전체 ₩300 할인");
    let id = s.find("[data-testid=rule-id]");
    assert_eq!(s.attr(&id, "disabled"), None, "a rule not saved yet keeps its code editable");
    s.click(&s.find("[data-testid=rule-cancel]"));

    // 1920×1080.
    s.resize(1920, 1080);
    s.wait("a 1920-wide window", || (s.exec("return window.innerWidth").as_f64()? >= 1900.0).then_some(()));
    edit_senior(s);
    wait_summary(s, "65세 이상 고객: 장바구니 전체 15% 할인");
    s.wait("the impact", || s.try_find("[data-testid=rule-impact-sales]"));
    std::thread::sleep(std::time::Duration::from_millis(300));
    s.shot("senior-rule-ko-1920");

    // In English.
    s.click(&s.find("[data-testid=settings-close]"));
    s.click(&s.find("[data-testid=lang]"));
    unlock(s);
    edit_senior(s);
    wait_summary(s, "Customers 65 or older: 15 % off the whole cart");
    let sales = s.wait("the impact in English", || s.try_find("[data-testid=rule-impact-sales]").map(|e| s.text(&e)));
    assert!(sales.starts_with("Last 30 days"), "{sales}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    s.shot("senior-rule-en-1920");
    s.resize(1280, 800);
    s.wait("a 1280-wide window", || (s.exec("return window.innerWidth").as_f64()? <= 1300.0).then_some(()));
    std::thread::sleep(std::time::Duration::from_millis(300));
    s.shot("senior-rule-en-1280");
}
