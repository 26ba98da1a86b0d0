//! Human-readable output in Korean or English. JSON output is the views
//! serialised as they are; this is for people at a terminal.

use chrono::{DateTime, Utc};
use dangol_domain::catalog::{Cart, CartLine};
use dangol_domain::i18n::Lang;
use dangol_domain::money::format_won;
use dangol_store::counter::{CustomerSummary, PreviewRequest, PreviewView, Profile, Receipt, RefundReceipt, Role};
use dangol_store::{Store, StoreError, SystemIds};
use std::fmt::Write;
use std::time::Duration;

fn date(at: Option<DateTime<Utc>>, store_zone: dangol_domain::time::ShopZone) -> String {
    at.map(|t| store_zone.date(t).to_string()).unwrap_or_else(|| "-".into())
}

fn zone() -> dangol_domain::time::ShopZone {
    dangol_domain::time::ShopZone::default()
}

pub fn demo(r: &dangol_demo::DemoReport, elapsed: Duration, lang: Lang) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {} {}, {} {}, {} {} ({:.1}s)",
        lang.pick("데모 매장 생성:", "Demo shop generated:"),
        r.customers,
        lang.pick("명", "customers"),
        r.sales,
        lang.pick("건 방문", "visits"),
        r.sale_lines,
        lang.pick("개 구매 품목", "sale lines"),
        elapsed.as_secs_f64()
    );
    for f in &r.featured {
        let _ = writeln!(s, "  {} {}  {}  {}", f.name, f.phone, f.id, f.story);
    }
    s
}

pub fn lookup(hits: &[CustomerSummary], lang: Lang) -> String {
    if hits.is_empty() {
        return format!("{}\n", lang.pick("일치하는 고객이 없습니다", "No matching customer"));
    }
    let mut s = String::new();
    for (i, h) in hits.iter().enumerate() {
        let preferred = h.preferred_name.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
        let _ = writeln!(
            s,
            "{:>2}. {}{}  {}  {} {}{} · {} {}  [{}]",
            i + 1,
            h.name,
            preferred,
            h.phone.as_deref().unwrap_or(&h.phone_masked),
            lang.pick("방문", "visits"),
            h.visits,
            lang.pick("회", ""),
            lang.pick("최근", "last"),
            date(h.last_visit, zone()),
            h.id
        );
    }
    s
}

pub fn profile(p: &Profile, lang: Lang) -> String {
    let mut s = String::new();
    let title = p.preferred_name.as_deref().map(|pn| format!("{pn} — {}", p.name)).unwrap_or_else(|| p.name.clone());
    let _ = writeln!(s, "{title}  [{}]", p.id);
    let _ = writeln!(
        s,
        "  {} {} · {} {} · {} {}",
        p.phone.as_deref().unwrap_or(&p.phone_masked),
        p.tier.to_uppercase(),
        lang.pick("만", "age"),
        p.age.map(|a| a.to_string()).unwrap_or_else(|| "?".into()),
        lang.pick("가입", "since"),
        zone().date(p.created_at)
    );
    let _ = writeln!(
        s,
        "  {} {} · {} {} · {} {}",
        lang.pick("방문", "visits"),
        p.visits,
        lang.pick("최근", "last visit"),
        date(p.last_visit, zone()),
        lang.pick("누적", "spent"),
        format_won(p.total_spent)
    );
    let _ = writeln!(
        s,
        "  {} {}P · {} {}",
        lang.pick("포인트", "points"),
        p.points,
        lang.pick("스탬프", "stamps"),
        p.stamps
    );
    if let Some(e) = &p.points_expiring {
        let _ = writeln!(s, "  {} {}P → {}", lang.pick("소멸 예정", "expiring"), e.points, zone().date(e.at));
    }
    if !p.usual_items.is_empty() {
        let items: Vec<String> = p.usual_items.iter().map(|u| format!("{} {}%", u.name, u.share_pct)).collect();
        let _ = writeln!(s, "  {} {}", lang.pick("자주 사는 상품:", "usual items:"), items.join(", "));
    }
    for c in &p.coupons {
        let _ =
            writeln!(s, "  {} {} ({}) → {}", lang.pick("쿠폰", "coupon"), c.code, c.rule_id, zone().date(c.expires_at));
    }
    for f in &p.open_complaints {
        let _ = writeln!(
            s,
            "  ! {} [{}] {} ({})",
            lang.pick("미해결 불만", "open complaint"),
            f.category,
            f.text,
            zone().date(f.at)
        );
    }
    if !p.notes.is_empty() {
        let _ = writeln!(s, "  {} {}", lang.pick("메모:", "notes:"), p.notes);
    }
    s
}

pub fn preview(v: &PreviewView, lang: Lang) -> String {
    let mut s = String::new();
    let who = v.customer.preferred_name.clone().unwrap_or_else(|| v.customer.name.clone());
    let _ = writeln!(s, "{who} · {} {}", lang.pick("합계", "subtotal"), format_won(v.subtotal));
    let _ = writeln!(s, "{}", lang.pick("제안:", "Suggestions:"));
    for (i, x) in v.suggestions.iter().enumerate() {
        let _ = writeln!(s, "  {}. {}  — {}", i + 1, x.text, x.reason);
    }
    let _ = writeln!(s, "{}", lang.pick("적용 가능한 할인:", "Eligible discounts:"));
    for e in &v.eligible {
        let mark = if v.best.rule_ids.contains(&e.rule_id) { "*" } else { " " };
        let optional = if e.optional { lang.pick(" (선택)", " (optional)") } else { "" };
        let _ = writeln!(
            s,
            "  {mark} {:<28} {:>9}{optional}  {} [{}]",
            e.name,
            format_won(e.saving),
            e.reasons.join(" · "),
            e.rule_id
        );
    }
    let _ = writeln!(
        s,
        "{} {} → {} ({} {})",
        lang.pick("최적 조합:", "Best combination:"),
        v.best.rule_ids.join(" + "),
        format_won(v.best.total),
        lang.pick("할인", "saves"),
        format_won(v.best.saving)
    );
    if !v.near_misses.is_empty() {
        let _ = writeln!(s, "{}", lang.pick("아깝게 안 되는 할인:", "Almost:"));
        for n in &v.near_misses {
            let _ = writeln!(s, "  - {}: {}", n.name, n.reason);
            for a in &n.alternatives {
                let _ = writeln!(s, "      → {a}");
            }
        }
    }
    s
}

pub fn receipt(r: &Receipt, lang: Lang) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} {}", lang.pick("판매 완료", "Sale recorded"), r.sale_id);
    for l in &r.lines {
        let _ = writeln!(
            s,
            "  {} x{} {}{}",
            l.name,
            l.qty,
            format_won(l.amount),
            if l.discount > 0 { format!(" (-{})", format_won(l.discount)) } else { String::new() }
        );
    }
    for d in &r.discounts {
        let _ = writeln!(s, "  {} -{}", d.name, format_won(d.saving));
    }
    for m in &r.missed {
        let _ = writeln!(
            s,
            "  {} {} ({}): {}",
            lang.pick("미적용 할인", "missed discount"),
            m.name,
            format_won(m.saving),
            m.reason
        );
    }
    let _ = writeln!(
        s,
        "  {} {} · {} {}",
        lang.pick("합계", "total"),
        format_won(r.total),
        lang.pick("할인", "saved"),
        format_won(r.discount_total)
    );
    let _ = writeln!(
        s,
        "  {} +{} -{} = {}P · {} +{} -{} = {}",
        lang.pick("포인트", "points"),
        r.points_earned,
        r.points_redeemed,
        r.points_balance,
        lang.pick("스탬프", "stamps"),
        r.stamps_earned,
        r.stamps_redeemed,
        r.stamps_balance
    );
    s
}

pub fn refund(r: &RefundReceipt, lang: Lang) -> String {
    format!(
        "{} {} ({}) · {} {}P · {} {}\n",
        lang.pick("환불 완료", "Refunded"),
        r.original_id,
        format_won(r.total),
        lang.pick("포인트", "points"),
        r.points_balance,
        lang.pick("스탬프", "stamps"),
        r.stamps_balance
    )
}

/// The first-run tour: a lookup by the last 4 digits, the profile of the
/// customer the product exists for, and a preview of her bread.
pub fn tour(store: &mut Store, lang: Lang, ids: &mut SystemIds) -> Result<(), StoreError> {
    let now = Utc::now();
    println!("\n$ dangol lookup 1004");
    let hits = store.lookup("1004", 5, Role::Cashier)?;
    print!("{}", lookup(&hits, lang));
    let Some(kim) = hits.iter().find(|h| h.name == "김영자") else {
        return Ok(());
    };
    println!("\n$ dangol customer {}", kim.id);
    print!("{}", profile(&store.profile(kim.id, now, Role::Cashier)?, lang));
    println!("\n$ dangol preview --customer {} --cart bread.json   # 우유식빵 1, 소금빵 2", kim.id);
    let cart =
        Cart { lines: vec![CartLine { sku: "MILKBREAD".into(), qty: 1 }, CartLine { sku: "SALT".into(), qty: 2 }] };
    let view = store.preview(&PreviewRequest {
        customer: kim.id,
        cart,
        applied: vec![],
        selected: None,
        at: now,
        lang,
        role: Role::Cashier,
        limit: 3,
    })?;
    store.record_shown(kim.id, &view.suggestions, now, ids)?;
    print!("{}", preview(&view, lang));
    println!(
        "\n{}",
        lang.pick(
            "더 해 보기: dangol --help, dangol lookup --db <파일> ㄱㅇㅈ",
            "Try next: dangol --help, dangol lookup --db <file> ㄱㅇㅈ"
        )
    );
    Ok(())
}
