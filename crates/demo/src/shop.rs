//! The demo shop's fixed data: its menu, its discount rules and the names its
//! customers are drawn from.

use dangol_domain::catalog::Product;
use dangol_domain::rules::DiscountRule;

pub const SHOP_NAME: &str = "동네빵집 단골 (Dangol Bakery & Cafe)";

/// (sku, name, category, price, barcode)
const MENU: &[(&str, &str, &str, i64)] = &[
    ("AMR", "아메리카노", "음료", 4_500),
    ("AMR-ICE", "아이스 아메리카노", "음료", 4_800),
    ("LATTE", "카페라떼", "음료", 5_000),
    ("VANILLA", "바닐라라떼", "음료", 5_500),
    ("MILKTEA", "밀크티", "음료", 5_500),
    ("CITRON", "유자차", "음료", 5_000),
    ("JUICE", "생과일주스", "음료", 6_000),
    ("SALT", "소금빵", "베이커리", 3_200),
    ("CROIS", "크루아상", "베이커리", 3_800),
    ("MILKBREAD", "우유식빵", "베이커리", 4_800),
    ("RYE", "호밀빵", "베이커리", 5_500),
    ("BAGUETTE", "바게트", "베이커리", 4_000),
    ("REDBEAN", "단팥빵", "베이커리", 2_500),
    ("CREAM", "슈크림빵", "베이커리", 2_800),
    ("SOBORO", "소보로빵", "베이커리", 2_500),
    ("GARLIC", "마늘빵", "베이커리", 4_500),
    ("CASTELLA", "카스텔라", "베이커리", 7_000),
    ("CAKE-STRAW", "딸기 생크림 케이크 조각", "디저트", 6_500),
    ("CAKE-CHOCO", "초코 케이크 조각", "디저트", 6_500),
    ("CHEESE", "치즈케이크", "디저트", 6_800),
    ("MACARON", "마카롱", "디저트", 2_800),
    ("COOKIE", "쿠키", "디저트", 2_000),
    ("WHOLECAKE", "생크림 홀케이크", "디저트", 32_000),
    ("SAND-HAM", "햄치즈 샌드위치", "샌드위치", 6_500),
    ("SAND-EGG", "에그마요 샌드위치", "샌드위치", 5_900),
    ("SALAD", "닭가슴살 샐러드", "샌드위치", 8_500),
];

pub fn products() -> Vec<Product> {
    MENU.iter()
        .enumerate()
        .map(|(i, (sku, name, cat, price))| {
            Product::new(sku, name, cat, *price, Some(&format!("88012340{:05}", i + 1)))
                .expect("the demo menu is valid")
        })
        .collect()
}

/// The demo shop's rules, as an owner would configure them.
pub const RULES: &[&str] = &[
    r#"{"id":"senior-65","name":"경로 우대 10%","name_en":"Senior 65+ 10%","benefit":{"type":"percent_off","percent_bp":1000},"conditions":[{"type":"min_age","years":65}]}"#,
    r#"{"id":"birthday-month","name":"생일 달 케이크 20%","name_en":"Birthday month: cakes 20% off","benefit":{"type":"percent_off","percent_bp":2000},"scope":{"type":"categories","categories":["디저트"]},"conditions":[{"type":"birthday","window":{"type":"month"}}],"limit":{"count":1,"per":"year"}}"#,
    r#"{"id":"birthday-drink","name":"생일 주간 음료 1잔 무료","name_en":"Birthday week: a free drink","benefit":{"type":"free_items","count":1,"max_unit_price":5500},"scope":{"type":"categories","categories":["음료"]},"conditions":[{"type":"birthday","window":{"type":"days","days":7}}],"limit":{"count":1,"per":"year"}}"#,
    r#"{"id":"stamp-10","name":"스탬프 10개: 음료 1잔 무료","name_en":"10 stamps: a free drink","benefit":{"type":"free_items","count":1,"max_unit_price":5500},"scope":{"type":"categories","categories":["음료"]},"conditions":[{"type":"stamps","count":10}]}"#,
    r#"{"id":"gold-5","name":"골드 회원 5%","name_en":"Gold member 5%","benefit":{"type":"percent_off","percent_bp":500},"conditions":[{"type":"min_tier","tier":"gold"}]}"#,
    r#"{"id":"happy-hour","name":"해피아워 음료 20% (평일 15-17시)","name_en":"Happy hour: drinks 20% (weekdays 3-5 pm)","benefit":{"type":"percent_off","percent_bp":2000},"scope":{"type":"categories","categories":["음료"]},"conditions":[{"type":"time_window","window":{"days":["Mon","Tue","Wed","Thu","Fri"],"start":"15:00:00","end":"17:00:00"}}]}"#,
    r#"{"id":"bread-2-1","name":"마감 빵 2+1 (20시 이후)","name_en":"Closing time bread 2+1 (after 8 pm)","benefit":{"type":"buy_x_get_y","buy":2,"get":1},"scope":{"type":"categories","categories":["베이커리"]},"conditions":[{"type":"time_window","window":{"start":"20:00:00","end":"22:00:00"}}]}"#,
    r#"{"id":"first-visit","name":"첫 방문 1,000원 할인","name_en":"First visit ₩1,000 off","benefit":{"type":"amount_off","amount":1000},"conditions":[{"type":"first_visit"}]}"#,
    r#"{"id":"spend-30k","name":"3만원 이상 2,000원 할인","name_en":"₩2,000 off over ₩30,000","benefit":{"type":"amount_off","amount":2000},"conditions":[{"type":"min_spend","amount":30000}]}"#,
    r#"{"id":"coupon-3000","name":"3,000원 할인 쿠폰","name_en":"₩3,000 coupon","benefit":{"type":"amount_off","amount":3000},"conditions":[{"type":"coupon"},{"type":"min_spend","amount":10000}],"stacking":"exclusive"}"#,
    r#"{"id":"coupon-cake","name":"케이크 50% 쿠폰","name_en":"Cake 50% coupon","benefit":{"type":"percent_off","percent_bp":5000},"scope":{"type":"categories","categories":["디저트"]},"conditions":[{"type":"coupon"}]}"#,
    r#"{"id":"points","name":"포인트 사용","name_en":"Pay with points","benefit":{"type":"redeem_points","won_per_point":1,"min_points":1000,"max_share_bp":5000}}"#,
    r#"{"id":"coupon-1000","name":"1,000원 할인 쿠폰","name_en":"₩1,000 coupon","benefit":{"type":"amount_off","amount":1000},"conditions":[{"type":"coupon"}]}"#,
    r#"{"id":"coupon-drink","name":"음료 한 잔 쿠폰","name_en":"Free drink coupon","benefit":{"type":"free_items","count":1,"max_unit_price":5500},"scope":{"type":"categories","categories":["음료"]},"conditions":[{"type":"coupon"}]}"#,
    r#"{"id":"coupon-bread-20","name":"베이커리 20% 쿠폰","name_en":"Bakery 20% coupon","benefit":{"type":"percent_off","percent_bp":2000},"scope":{"type":"categories","categories":["베이커리"]},"conditions":[{"type":"coupon"}]}"#,
    r#"{"id":"coupon-welcome","name":"웰컴 쿠폰 (1.5만원 이상 2,000원)","name_en":"Welcome coupon: ₩2,000 off over ₩15,000","benefit":{"type":"amount_off","amount":2000},"conditions":[{"type":"coupon"},{"type":"min_spend","amount":15000}]}"#,
    r#"{"id":"staff-20","name":"직원 가족 20%","name_en":"Staff family 20%","benefit":{"type":"percent_off","percent_bp":2000},"conditions":[{"type":"coupon"}],"stacking":"exclusive"}"#,
    r#"{"id":"chuseok-2025","name":"추석 카스텔라 10%","name_en":"Chuseok: castella 10%","benefit":{"type":"percent_off","percent_bp":1000},"scope":{"type":"products","skus":["CASTELLA"]},"valid_from":"2025-09-29","valid_until":"2025-10-12"}"#,
    r#"{"id":"xmas-2025","name":"성탄 홀케이크 5,000원","name_en":"Christmas: whole cake ₩5,000 off","benefit":{"type":"amount_off","amount":5000},"scope":{"type":"products","skus":["WHOLECAKE"]},"valid_from":"2025-12-18","valid_until":"2025-12-25"}"#,
    r#"{"id":"spring-2026","name":"봄 딸기 케이크 10%","name_en":"Spring: strawberry cake 10%","benefit":{"type":"percent_off","percent_bp":1000},"scope":{"type":"products","skus":["CAKE-STRAW"]},"valid_from":"2026-03-01","valid_until":"2026-04-30"}"#,
    r#"{"id":"xmas-2027","name":"성탄 홀케이크 5,000원","name_en":"Christmas: whole cake ₩5,000 off","benefit":{"type":"amount_off","amount":5000},"scope":{"type":"products","skus":["WHOLECAKE"]},"valid_from":"2027-12-18","valid_until":"2027-12-25"}"#,
    r#"{"id":"newyear-2028","name":"새해 첫 주 5%","name_en":"New year's week 5%","benefit":{"type":"percent_off","percent_bp":500},"valid_from":"2028-01-01","valid_until":"2028-01-07"}"#,
    r#"{"id":"lunch-sandwich","name":"점심 샌드위치 10% (평일 11:30-13:30)","name_en":"Lunch: sandwiches 10% (weekdays 11:30-1:30)","benefit":{"type":"percent_off","percent_bp":1000},"scope":{"type":"categories","categories":["샌드위치"]},"conditions":[{"type":"time_window","window":{"days":["Mon","Tue","Wed","Thu","Fri"],"start":"11:30:00","end":"13:30:00"}}]}"#,
    r#"{"id":"weekend-wholecake","name":"주말 오전 홀케이크 3,000원","name_en":"Weekend mornings: whole cake ₩3,000 off","benefit":{"type":"amount_off","amount":3000},"scope":{"type":"products","skus":["WHOLECAKE"]},"conditions":[{"type":"time_window","window":{"days":["Sat","Sun"],"start":"10:00:00","end":"12:00:00"}}]}"#,
    r#"{"id":"juice-morning","name":"아침 생과일주스 500원","name_en":"Morning juice ₩500 off","benefit":{"type":"amount_off","amount":500},"scope":{"type":"products","skus":["JUICE"]},"conditions":[{"type":"time_window","window":{"days":["Mon","Tue","Wed","Thu","Fri"],"start":"07:00:00","end":"10:00:00"}}]}"#,
    r#"{"id":"croissant-wed","name":"수요일 아침 크루아상 1+1","name_en":"Wednesday mornings: croissant 1+1","benefit":{"type":"buy_x_get_y","buy":1,"get":1},"scope":{"type":"products","skus":["CROIS"]},"conditions":[{"type":"time_window","window":{"days":["Wed"],"start":"08:00:00","end":"10:00:00"}}]}"#,
    r#"{"id":"spend-100k","name":"10만원 이상 10%","name_en":"10% off over ₩100,000","benefit":{"type":"percent_off","percent_bp":1000},"conditions":[{"type":"min_spend","amount":100000}],"stacking":"exclusive"}"#,
    r#"{"id":"rye-5-1","name":"호밀빵 5+1","name_en":"Rye bread 5+1","benefit":{"type":"buy_x_get_y","buy":5,"get":1},"scope":{"type":"products","skus":["RYE"]}}"#,
    r#"{"id":"macaron-3-1","name":"마카롱 3+1","name_en":"Macarons 3+1","benefit":{"type":"buy_x_get_y","buy":3,"get":1},"scope":{"type":"products","skus":["MACARON"]}}"#,
    r#"{"id":"cookie-2-1","name":"쿠키 2+1","name_en":"Cookies 2+1","benefit":{"type":"buy_x_get_y","buy":2,"get":1},"scope":{"type":"products","skus":["COOKIE"]}}"#,
    r#"{"id":"stamp-20-cake","name":"스탬프 20개: 케이크 한 조각","name_en":"20 stamps: a slice of cake","benefit":{"type":"free_items","count":1,"max_unit_price":6500},"scope":{"type":"categories","categories":["디저트"]},"conditions":[{"type":"stamps","count":20}]}"#,
];

pub fn rules() -> Vec<DiscountRule> {
    RULES.iter().map(|j| DiscountRule::from_json(j).expect("the demo rules are valid")).collect()
}

/// Korean surnames with rough frequencies (per mille).
pub const SURNAMES: &[(&str, u32)] = &[
    ("김", 215),
    ("이", 147),
    ("박", 84),
    ("최", 47),
    ("정", 43),
    ("강", 23),
    ("조", 21),
    ("윤", 20),
    ("장", 19),
    ("임", 17),
    ("한", 15),
    ("오", 15),
    ("서", 15),
    ("신", 14),
    ("권", 14),
    ("황", 13),
    ("안", 13),
    ("송", 13),
    ("류", 11),
    ("전", 11),
    ("홍", 11),
    ("고", 9),
    ("문", 9),
    ("양", 9),
    ("손", 9),
    ("배", 8),
    ("백", 8),
    ("허", 6),
    ("유", 6),
    ("남", 6),
    ("심", 5),
    ("노", 5),
    ("하", 4),
    ("곽", 4),
    ("성", 4),
];

pub const GIVEN_FIRST: &[&str] = &[
    "민", "서", "지", "현", "수", "영", "준", "예", "하", "도", "주", "유", "은", "재", "성", "정", "혜", "동", "상",
    "미", "경", "태", "진", "승", "윤", "채", "다", "시", "건", "우", "소", "나", "연", "희", "용", "석", "광", "순",
    "옥", "명",
];

pub const GIVEN_SECOND: &[&str] = &[
    "수", "준", "호", "영", "희", "진", "우", "연", "민", "아", "윤", "원", "서", "현", "은", "혁", "빈", "훈", "숙",
    "자", "철", "식", "미", "정", "경", "주", "린", "율", "찬", "결", "환", "란", "순", "기", "래",
];

pub const LATIN_FIRST: &[&str] = &[
    "Emily", "James", "Olivia", "Daniel", "Sophie", "Michael", "Grace", "David", "Hannah", "Lucas", "Chloe", "Ethan",
    "Mia", "Noah", "Julia", "Ryan",
];
pub const LATIN_LAST: &[&str] = &[
    "Park", "Kim", "Lee", "Smith", "Choi", "Brown", "Jung", "Wilson", "Kang", "Martin", "Cho", "Taylor", "Yoon", "Lim",
];

/// Romanised surnames for English preferred forms of address.
pub fn romanised(surname: &str) -> &'static str {
    match surname {
        "김" => "Kim",
        "이" => "Lee",
        "박" => "Park",
        "최" => "Choi",
        "정" => "Jung",
        "강" => "Kang",
        "조" => "Cho",
        "윤" => "Yoon",
        "장" => "Jang",
        "임" => "Lim",
        "한" => "Han",
        "오" => "Oh",
        "서" => "Seo",
        "신" => "Shin",
        _ => "",
    }
}
