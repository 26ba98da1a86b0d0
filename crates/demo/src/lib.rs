//! The demo shop: a Korean neighbourhood bakery-cafe with years of history,
//! generated deterministically from a seed and an "as of" moment.
//!
//! Customers follow realistic rhythms (one-off visitors, occasional
//! customers, weekly regulars, daily regulars with hundreds of visits,
//! regulars who drifted away), have Korean and some English names, 010
//! numbers with deliberate last-4 collisions, birth dates including seniors,
//! stamps, points (earned, redeemed, expired), coupons, complaints and
//! compliments. A handful of hand-written customers tell the stories the
//! product exists for (see `FEATURED`).

mod rng;
pub mod shop;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use dangol_domain::catalog::Product;
use dangol_domain::customer::{Customer, Tier};
use dangol_domain::feedback::{Feedback, FeedbackKind, FeedbackStatus};
use dangol_domain::ids::{IdSource, SeededIds};
use dangol_domain::loyalty::{Coupon, LedgerKind};
use dangol_domain::phone::Phone;
use dangol_domain::points::{PointsBook, open_lot};
use dangol_domain::sale::{AppliedDiscount, SaleDraft, SaleLine};
use dangol_domain::time::{ShopZone, age_on};
use dangol_store::bulk::BulkLoad;
use dangol_store::{Store, StoreError};
use rng::Rng;
use serde::Serialize;
use std::collections::HashSet;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub customers: u64,
    pub seed: u64,
    /// The demo's "now": history ends just before it.
    pub as_of: DateTime<Utc>,
}

/// A featured customer and the story they illustrate.
#[derive(Debug, Clone, Serialize)]
pub struct Featured {
    pub id: uuid::Uuid,
    pub name: String,
    pub phone: String,
    /// The story in English.
    pub story: String,
    /// The same story in Korean.
    pub story_ko: String,
}

/// What was generated.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoReport {
    pub customers: u64,
    pub sales: u64,
    pub sale_lines: u64,
    pub points_entries: u64,
    pub stamp_entries: u64,
    pub coupons: u64,
    pub feedback: u64,
    pub featured: Vec<Featured>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Rhythm {
    /// One or two visits.
    OneOff,
    /// Every 30–90 days.
    Occasional,
    /// Every 5–9 days.
    Weekly,
    /// Every 1–3 days, hundreds of visits.
    Daily,
    /// A weekly regular who stopped coming 60–300 days ago.
    Drifted,
    /// Registered, never bought yet.
    New,
}

/// A customer before insertion.
struct Plan {
    name: String,
    phone: String,
    birth: Option<NaiveDate>,
    preferred: Option<String>,
    consent: Option<bool>,
    card: Option<String>,
    rhythm: Rhythm,
    joined_days_ago: i64,
    favourites: Vec<usize>,
    /// For featured customers: the senior discount was never offered.
    never_senior: bool,
    stamps_target: Option<i64>,
    /// (English, Korean).
    story: Option<(&'static str, &'static str)>,
    feedback: Option<(FeedbackKind, &'static str, &'static str, bool)>,
}

const POPULAR_LAST4: &[&str] = &["1004", "1234", "5678", "0000", "7777", "8282", "2580", "1111", "0415", "6789"];

const HOURS: &[(u32, u32)] = &[
    (7, 3),
    (8, 8),
    (9, 7),
    (10, 5),
    (11, 5),
    (12, 8),
    (13, 6),
    (14, 5),
    (15, 7),
    (16, 6),
    (17, 5),
    (18, 6),
    (19, 5),
    (20, 4),
    (21, 2),
];

const COMPLAINTS: &[(&str, &str)] = &[
    ("taste", "라떼가 너무 식어서 나왔어요"),
    ("wait", "주문하고 15분 넘게 기다렸어요"),
    ("product", "크루아상이 눅눅했어요"),
    ("service", "포인트 적립을 깜빡하셨어요"),
    ("price", "가격이 올랐는데 안내가 없었어요"),
];
const COMPLIMENTS: &[(&str, &str)] = &[
    ("service", "항상 친절하게 맞아 주셔서 감사해요"),
    ("taste", "소금빵이 동네에서 제일 맛있어요"),
    ("product", "케이크가 정말 예뻤어요"),
];
const REQUESTS: &[(&str, &str)] = &[
    ("menu", "디카페인 원두도 있으면 좋겠어요"),
    ("menu", "통밀 식빵을 다시 만들어 주세요"),
    ("facility", "유모차가 들어갈 자리가 있었으면 해요"),
];

/// The demo shop's owner PIN, shown wherever the demo is labelled DEMO. A
/// real shop chooses its own at setup.
pub const DEMO_OWNER_PIN: &str = "2468";

/// Generates the demo shop into a new, empty database (never into a shop's
/// real data: a file with customers, products, a shop name or an owner PIN
/// is refused). `progress` hears (customers done, customers to make).
pub fn generate(
    store: &mut Store,
    opts: &DemoOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<DemoReport, StoreError> {
    if !store.is_empty()? {
        let path = store.path().map(|p| p.display().to_string()).unwrap_or_else(|| "the database".into());
        return Err(StoreError::BadInput {
            what: "demo database",
            reason: dangol_store::error::say(
                format!("{path}에는 이미 가게가 있습니다 (고객, 상품, 이름이나 사장님 PIN). 데모는 새 파일에 만듭니다"),
                format!(
                    "{path} already holds a shop (customers, products, a name or an owner PIN); the demo goes into a new file of its own"
                ),
            ),
        });
    }
    let zone = store.zone();
    let mut rng = Rng::new(opts.seed);
    let mut ids = SeededIds::new(opts.seed);
    let products = shop::products();
    let rules = shop::rules();
    let history_start = opts.as_of - Duration::days(3 * 365);
    let mut report = DemoReport::default();
    let pin = dangol_store::owner::hash_pin(DEMO_OWNER_PIN, &mut ids, history_start)?;
    let mut bulk = store.bulk()?;
    bulk.setting(dangol_store::setting_keys::SHOP_NAME, shop::SHOP_NAME)?;
    bulk.setting(dangol_store::setting_keys::DEMO, "1")?;
    bulk.setting(dangol_store::setting_keys::OWNER_PIN, &pin)?;
    bulk.setting(dangol_store::setting_keys::DEMO_OWNER_PIN, DEMO_OWNER_PIN)?;
    for p in &products {
        bulk.product(p, history_start)?;
    }
    for r in &rules {
        bulk.rule(r, history_start)?;
    }
    let mut phones: HashSet<String> = HashSet::new();
    let mut cards: u64 = 0;
    let featured = featured(opts.as_of, zone);
    for f in &featured {
        phones.insert(f.phone.clone());
    }
    let mut featured = featured.into_iter();
    for i in 0..opts.customers {
        let plan = match featured.next() {
            Some(p) => p,
            None => random_plan(&mut rng, &mut phones, &mut cards, products.len(), opts.as_of, zone),
        };
        let story = plan.story;
        let (id, name, phone) =
            generate_customer(&mut bulk, &mut rng, &mut ids, &plan, &products, opts.as_of, zone, &mut report)?;
        if let Some(story) = story {
            report.featured.push(Featured { id, name, phone, story: story.0.into(), story_ko: story.1.into() });
        }
        report.customers = i + 1;
        if i.is_multiple_of(1_000) {
            progress(i, opts.customers);
        }
    }
    progress(opts.customers, opts.customers);
    let summary = serde_json::json!({"seed": opts.seed, "as_of": opts.as_of, "customers": report.customers, "sales": report.sales, "sale_lines": report.sale_lines});
    bulk.finish(&summary, opts.as_of, &mut ids)?;
    store.after_bulk()?;
    Ok(report)
}

fn local(zone: ShopZone, date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    zone.start_of(date) + Duration::hours(hour as i64) + Duration::minutes(minute as i64)
}

/// The hand-written customers, first in every demo database.
fn featured(as_of: DateTime<Utc>, zone: ShopZone) -> Vec<Plan> {
    let today = zone.date(as_of);
    let base = |name: &str, phone: &str, rhythm: Rhythm| Plan {
        name: name.into(),
        phone: phone.into(),
        birth: None,
        preferred: None,
        consent: Some(true),
        card: None,
        rhythm,
        joined_days_ago: 900,
        favourites: vec![],
        never_senior: false,
        stamps_target: None,
        story: None,
        feedback: None,
    };
    vec![
        Plan {
            birth: NaiveDate::from_ymd_opt(1954, 3, 1),
            preferred: Some("김 여사님".into()),
            consent: None,
            favourites: vec![9, 7, 10],
            never_senior: true,
            story: Some((
                "72, buys bread every week and has never been given the senior discount (the story Dangol exists for); shares the last 4 digits 1004 with her husband",
                "72세, 매주 빵을 사 가지만 경로 우대 할인을 한 번도 받지 못했습니다 (단골이 만들어진 이유); 남편과 전화번호 끝 4자리 1004가 같습니다",
            )),
            ..base("김영자", "010-3954-1004", Rhythm::Weekly)
        },
        Plan {
            birth: NaiveDate::from_ymd_opt(1952, 7, 19),
            preferred: Some("박 선생님".into()),
            favourites: vec![10, 0],
            never_senior: true,
            joined_days_ago: 400,
            story: Some((
                "her husband, 74; same last 4 digits (1004)",
                "김영자 님의 남편, 74세; 끝 4자리가 같습니다 (1004)",
            )),
            ..base("박정호", "010-7712-1004", Rhythm::Occasional)
        },
        Plan {
            birth: NaiveDate::from_ymd_opt(1985, 5, 20),
            preferred: Some("이 선생님 (Teacher Lee)".into()),
            card: Some("DG00000001".into()),
            favourites: vec![0, 7],
            joined_days_ago: 1000,
            stamps_target: Some(9),
            story: Some((
                "a daily regular with hundreds of visits; one stamp short of a free drink",
                "수백 번 방문한 매일 오는 단골; 무료 음료까지 스탬프 하나 남았습니다",
            )),
            ..base("이민수", "010-2345-6789", Rhythm::Daily)
        },
        Plan {
            birth: NaiveDate::from_ymd_opt(1992, today.month(), (today.day() + 3).min(28)),
            preferred: Some("Emily".into()),
            favourites: vec![2, 17],
            joined_days_ago: 500,
            story: Some((
                "birthday this month (cake 20%, a free drink in her birthday week)",
                "이번 달 생일 (케이크 20%, 생일 주간 무료 음료)",
            )),
            ..base("Emily Park", "010-5555-0415", Rhythm::Occasional)
        },
        Plan {
            birth: NaiveDate::from_ymd_opt(1996, 9, 9),
            favourites: vec![2, 8],
            joined_days_ago: 600,
            feedback: Some((FeedbackKind::Complaint, "taste", "라떼가 너무 식어서 나왔어요", true)),
            story: Some((
                "left an open complaint last visit: follow it up",
                "지난 방문에 남긴 불만이 아직 열려 있습니다: 후속 조치하세요",
            )),
            ..base("최지은", "010-8282-2580", Rhythm::Weekly)
        },
        Plan {
            birth: NaiveDate::from_ymd_opt(1979, 12, 30),
            preferred: Some("정 사장님".into()),
            favourites: vec![1, 23],
            joined_days_ago: 800,
            story: Some((
                "a weekly regular who stopped coming months ago; points about to expire",
                "매주 오다가 몇 달째 발길이 끊긴 단골; 포인트 소멸이 임박했습니다",
            )),
            ..base("정우진", "010-4321-1004", Rhythm::Drifted)
        },
        Plan {
            birth: NaiveDate::from_ymd_opt(2001, 4, 4),
            joined_days_ago: 1,
            story: Some((
                "registered yesterday, first purchase today (first-visit discount)",
                "어제 가입, 오늘 첫 구매 (첫 방문 할인)",
            )),
            ..base("한소희", "010-6464-7777", Rhythm::New)
        },
    ]
}

fn random_plan(
    rng: &mut Rng,
    phones: &mut HashSet<String>,
    cards: &mut u64,
    menu_len: usize,
    as_of: DateTime<Utc>,
    zone: ShopZone,
) -> Plan {
    let (name, surname) = if rng.chance(0.04) {
        let last = *rng.pick(shop::LATIN_LAST);
        (format!("{} {}", rng.pick(shop::LATIN_FIRST), last), last.to_string())
    } else {
        let s = *rng.weighted(shop::SURNAMES);
        (format!("{s}{}{}", rng.pick(shop::GIVEN_FIRST), rng.pick(shop::GIVEN_SECOND)), s.to_string())
    };
    let phone = loop {
        let last4 =
            if rng.chance(0.12) { rng.pick(POPULAR_LAST4).to_string() } else { format!("{:04}", rng.below(10_000)) };
        let p = format!("010-{}-{last4}", rng.range(2000, 9999));
        if phones.insert(p.clone()) {
            break p;
        }
    };
    let today = zone.date(as_of);
    let (lo, hi) = *rng.weighted(&[((15, 24), 12u32), ((25, 39), 30), ((40, 54), 25), ((55, 64), 15), ((65, 90), 18)]);
    let age = rng.range(lo, hi);
    let birth = (!rng.chance(0.15)).then(|| today - Duration::days(age * 365 + rng.range(0, 364)));
    let preferred = if rng.chance(0.2) {
        let given: String = name.chars().skip(1).collect();
        Some(match rng.below(4) {
            0 => format!("{surname} 선생님"),
            1 => format!("{surname} 사장님"),
            2 if !given.is_empty() && name.chars().next().is_some_and(|c| !c.is_ascii()) => {
                format!("{given}님")
            }
            _ => {
                let r = shop::romanised(&surname);
                if r.is_empty() { format!("{surname} 고객님") } else { format!("Mx. {r}") }
            }
        })
    } else {
        None
    };
    let card = rng.chance(0.3).then(|| {
        *cards += 1;
        format!("DG{:08}", 10_000 + *cards)
    });
    let rhythm = *rng.weighted(&[
        (Rhythm::OneOff, 690u32),
        (Rhythm::Occasional, 200),
        (Rhythm::Weekly, 50),
        (Rhythm::Daily, 3),
        (Rhythm::Drifted, 47),
        (Rhythm::New, 10),
    ]);
    let joined = match rhythm {
        Rhythm::Daily => rng.range(500, 1090),
        Rhythm::New => rng.range(0, 3),
        Rhythm::Weekly => rng.range(100, 730),
        _ => rng.range(30, 1090),
    };
    let favourites = (0..rng.range(1, 3)).map(|_| rng.below(menu_len as u64) as usize).collect();
    let consent = match rng.below(10) {
        0 => None,
        1..=6 => Some(true),
        _ => Some(false),
    };
    let feedback = if rng.chance(0.03) {
        let (kind, list) = *rng.pick(&[
            (FeedbackKind::Complaint, COMPLAINTS),
            (FeedbackKind::Compliment, COMPLIMENTS),
            (FeedbackKind::Request, REQUESTS),
        ]);
        let (cat, text) = *rng.pick(list);
        Some((kind, cat, text, rng.chance(0.3)))
    } else {
        None
    };
    Plan {
        name,
        phone,
        birth,
        preferred,
        consent,
        card,
        rhythm,
        joined_days_ago: joined,
        favourites,
        never_senior: false,
        stamps_target: None,
        story: None,
        feedback,
    }
}

/// Visit days (days before `as_of`, descending) for a rhythm.
fn visit_days(rng: &mut Rng, plan: &Plan) -> Vec<i64> {
    let start = plan.joined_days_ago;
    let (gap_lo, gap_hi, stop) = match plan.rhythm {
        Rhythm::New => return vec![],
        Rhythm::OneOff => {
            let mut v = vec![start];
            if rng.chance(0.4) {
                v.push(rng.range(0, start).min(start));
            }
            v.sort_unstable_by(|a, b| b.cmp(a));
            v.dedup();
            return v;
        }
        Rhythm::Occasional => (30, 90, 0),
        Rhythm::Weekly => (5, 9, 0),
        Rhythm::Daily => (1, 3, 0),
        // The featured drifter left 340 days ago, so his points expire soon.
        Rhythm::Drifted => (5, 10, if plan.story.is_some() { 340 } else { rng.range(60, 300) }.min(start)),
    };
    let mut days = Vec::new();
    let mut d = start;
    while d > stop {
        days.push(d);
        d -= rng.range(gap_lo, gap_hi);
    }
    days
}

#[allow(clippy::too_many_arguments)]
fn generate_customer(
    bulk: &mut BulkLoad,
    rng: &mut Rng,
    ids: &mut SeededIds,
    plan: &Plan,
    products: &[Product],
    as_of: DateTime<Utc>,
    zone: ShopZone,
    report: &mut DemoReport,
) -> Result<(uuid::Uuid, String, String), StoreError> {
    let today = zone.date(as_of);
    let days = visit_days(rng, plan);
    let joined = local(zone, today - Duration::days(plan.joined_days_ago), 9, 0);
    let id = ids.next_id(joined);
    let mut sales: Vec<SaleDraft> = Vec::with_capacity(days.len());
    let mut stamps = 0i64;
    // The customer's points as they build up, with stand-in entry ids; the
    // bulk load replays the same entries with real ones.
    let mut points = PointsBook::default();
    let mut next_entry = 0i64;
    let mut note = |book: &mut PointsBook, entries: Vec<dangol_domain::points::NewPoints>| {
        for e in entries {
            next_entry += 1;
            book.apply(&e.stored(next_entry));
        }
    };
    for &day in &days {
        let date = today - Duration::days(day);
        let hour = *rng.weighted(HOURS);
        let at = local(zone, date, hour, rng.below(60) as u32);
        if at >= as_of {
            continue;
        }
        // Lots a year old expire before the visit (derived, not written).
        points.expire_through(at);
        let mut lines: Vec<SaleLine> = Vec::new();
        let n_lines = *rng.weighted(&[(1usize, 45u32), (2, 35), (3, 15), (4, 5)]);
        for k in 0..n_lines {
            let idx = if k < plan.favourites.len() && rng.chance(0.7) {
                plan.favourites[k]
            } else {
                rng.below(products.len() as u64) as usize
            };
            let p = &products[idx];
            if lines.iter().any(|l| l.sku == p.sku) {
                continue;
            }
            let qty = if p.category == "베이커리" && rng.chance(0.3) { 2 } else { 1 };
            lines.push(SaleLine {
                sku: p.sku.clone(),
                name: p.name.clone(),
                category: p.category.clone(),
                unit_price: p.price,
                qty,
                amount: p.price * qty,
                discount: 0,
            });
        }
        let subtotal: i64 = lines.iter().map(|l| l.amount).sum();
        let mut discounts = Vec::new();
        let mut stamps_redeemed = 0;
        if stamps >= 10
            && rng.chance(0.8)
            && let Some(drink) = lines.iter_mut().filter(|l| l.category == "음료").max_by_key(|l| l.unit_price)
        {
            let saving = drink.unit_price.min(5_500);
            drink.discount += saving;
            stamps_redeemed = 10;
            discounts.push(AppliedDiscount {
                rule_id: "stamp-10".into(),
                name: "스탬프 10개: 음료 1잔 무료".into(),
                saving,
                coupon_id: None,
            });
        }
        let senior = plan.birth.is_some_and(|b| age_on(b, date) >= 65);
        if senior && !plan.never_senior && rng.chance(0.6) {
            let mut saving = 0;
            for l in lines.iter_mut() {
                let cut = (l.amount - l.discount) / 10;
                l.discount += cut;
                saving += cut;
            }
            discounts.push(AppliedDiscount {
                rule_id: "senior-65".into(),
                name: "경로 우대 10%".into(),
                saving,
                coupon_id: None,
            });
        }
        let balance: i64 = points.available(at);
        let mut points_redeemed = 0;
        let remaining: i64 = lines.iter().map(|l| l.amount - l.discount).sum();
        if balance >= 5_000 && rng.chance(0.15) && remaining >= 2 {
            points_redeemed = balance.min(remaining / 2);
            let mut left = points_redeemed;
            for l in lines.iter_mut() {
                let cut = left.min(l.amount - l.discount);
                l.discount += cut;
                left -= cut;
            }
            let spent = points.spend(points_redeemed, at, LedgerKind::Redeem).map_err(|e| StoreError::BadInput {
                what: "demo points",
                reason: dangol_store::error::say(
                    format!("쓸 수 있는 포인트 {}점으로 {}점을 쓰려 했습니다", e.available, e.wanted),
                    format!("{} to redeem, {} usable", e.wanted, e.available),
                ),
            })?;
            note(&mut points, spent);
            discounts.push(AppliedDiscount {
                rule_id: "points".into(),
                name: "포인트 사용".into(),
                saving: points_redeemed,
                coupon_id: None,
            });
        }
        let discount_total: i64 = lines.iter().map(|l| l.discount).sum();
        let total = subtotal - discount_total;
        let points_earned = total * 5 / 100;
        let expires = at + Duration::days(365);
        if points_earned > 0 {
            note(&mut points, vec![open_lot(at, LedgerKind::Earn, points_earned, Some(expires))]);
        }
        let drink_units: i64 =
            lines.iter().filter(|l| l.category == "음료").map(|l| l.qty).sum::<i64>() - (stamps_redeemed / 10);
        stamps += drink_units - stamps_redeemed;
        sales.push(SaleDraft {
            id: ids.next_id(at),
            customer_id: Some(id),
            at,
            lines,
            discounts,
            missed: vec![],
            near_misses: vec![],
            subtotal,
            discount_total,
            total,
            points_earned,
            points_expire_at: (points_earned > 0).then_some(expires),
            points_redeemed,
            stamps_earned: drink_units,
            stamps_redeemed,
            goodwill: None,
        });
    }
    let visits = sales.len() as i64;
    let last_visit = sales.last().map(|s| s.at);
    let created = sales.first().map(|s| s.at).unwrap_or(joined).min(joined);
    let tier = match visits {
        v if v >= 150 => Tier::Vip,
        v if v >= 60 => Tier::Gold,
        v if v >= 15 => Tier::Silver,
        _ => Tier::Basic,
    };
    let customer = Customer {
        id,
        name: plan.name.clone(),
        preferred_name: plan.preferred.clone(),
        phone: Phone::parse(&plan.phone)?,
        birth_date: plan.birth,
        tier,
        tags: if visits >= 60 { vec!["단골".into()] } else { vec![] },
        notes: String::new(),
        marketing_consent: plan.consent == Some(true),
        consent_at: plan.consent.map(|_| created),
        card_code: plan.card.clone(),
        created_at: created,
        updated_at: last_visit.unwrap_or(created),
    };
    let rid = bulk.customer(&customer, visits, last_visit)?;
    let mut book = PointsBook::default();
    for s in &sales {
        bulk.sale(s, rid, &mut book)?;
        report.sales += 1;
        report.sale_lines += s.lines.len() as u64;
        report.stamp_entries += (s.stamps_earned > 0) as u64 + (s.stamps_redeemed > 0) as u64;
    }
    report.points_entries += next_entry as u64;
    debug_assert_eq!(book.balance(), points.balance(), "the load wrote what the plan computed");
    if let Some(target) = plan.stamps_target
        && target != stamps
    {
        bulk.stamp_adjust(rid, last_visit.unwrap_or(created), target - stamps)?;
    }
    if plan.rhythm != Rhythm::New && plan.rhythm != Rhythm::OneOff && rng.chance(0.08) {
        let issued = as_of - Duration::days(rng.range(5, 60));
        let state = rng.below(3);
        let expires_at = match state {
            0 => as_of + Duration::days(rng.range(3, 40)),
            1 => as_of - Duration::days(rng.range(1, 4)),
            _ => as_of + Duration::days(rng.range(3, 40)),
        };
        let coupon = Coupon {
            id: ids.next_id(issued),
            code: format!("C{}", &id.simple().to_string()[20..]).to_uppercase(),
            rule_id: "coupon-3000".into(),
            issued_at: issued,
            expires_at,
            used_at: (state == 2).then(|| issued + Duration::days(1)),
        };
        bulk.coupon(rid, &coupon, None)?;
        report.coupons += 1;
    }
    if let Some((kind, category, text, open)) = plan.feedback {
        let at = last_visit.unwrap_or(created) + Duration::minutes(2);
        let mut f = Feedback::new(ids.next_id(at), id, at, kind, category, text).map_err(StoreError::from)?;
        if kind != FeedbackKind::Compliment && !open {
            f.status = FeedbackStatus::Resolved;
            f.resolved_at = Some(at + Duration::days(1));
            f.resolution = Some("사과드리고 다음 방문 때 음료를 드렸습니다".into());
        }
        bulk.feedback(rid, &f)?;
        report.feedback += 1;
    }
    Ok((id, customer.name, customer.phone.formatted()))
}

/// Opens the demo shop at `path`, creating it there (a file of its own,
/// never a shop's real database) if it does not exist yet. A failed
/// creation leaves no file behind.
pub fn open_or_create(
    path: &std::path::Path,
    customers: u64,
    clock: dangol_store::Clock,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Store, StoreError> {
    if path.exists() {
        let mut store = Store::open(path)?;
        store.set_clock(clock);
        if !store.shop_info()?.demo {
            return Err(StoreError::BadInput {
                what: "demo database",
                reason: dangol_store::error::say(
                    format!("{}에는 데모가 아닌 가게가 있습니다", path.display()),
                    format!("{} holds a shop that is not the demo", path.display()),
                ),
            });
        }
        return Ok(store);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io { path: dir.to_path_buf(), source })?;
    }
    let made = (|| {
        let mut store = Store::open(path)?;
        store.set_clock(clock);
        let as_of = store.now();
        generate(&mut store, &DemoOptions { customers, seed: 1, as_of }, progress)?;
        Ok(store)
    })();
    if made.is_err() {
        dangol_store::db::remove_files(path);
    }
    made
}
