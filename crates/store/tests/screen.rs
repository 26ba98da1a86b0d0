//! The customer's screen as the store builds it: the form of address the
//! customer asked for (or their name and 님), points and stamps, this
//! visit's discounts, and nothing else about them (the view has no phone
//! field at all; its JSON is checked for any digits of the number); their
//! own answer to marketing consent, recorded and stamped like any edit.

mod common;

use common::*;
use dangol_store::Viewer;
use dangol_store::counter::ScreenDiscount;

#[test]
fn the_screen_shows_the_address_points_and_savings_never_the_phone() {
    let (mut store, mut ids) = shop(&["gold-5"]);
    let who = add(&mut store, &mut ids, "김영자", "010-2345-1004", Some("1954-03-02"), None);
    let nobody = store.customer_screen(1, None, vec![], 0, 0).unwrap();
    assert_eq!((nobody.address, nobody.marketing_consent), (None, None), "nobody identified: a general greeting");
    let discounts = vec![ScreenDiscount { name: "경로 우대 10%".into(), saving: 760 }];
    let screen = store.customer_screen(2, Some(who), discounts.clone(), 760, 6_840).unwrap();
    assert_eq!((screen.address.as_deref(), screen.preferred, screen.showing), (Some("김영자"), false, 2));
    assert_eq!((&screen.discounts, screen.saving, screen.total), (&discounts, 760, 6_840));
    let json = serde_json::to_string(&screen).unwrap();
    for digits in ["010", "2345", "1004"] {
        assert!(!json.contains(digits), "no digit of the phone number: {json}");
    }
    assert_eq!(screen.marketing_consent, Some(true), "as registered");

    store.customer_consents(who, false, &mut ids).unwrap();
    let after = store.customer_screen(3, Some(who), vec![], 0, 0).unwrap();
    assert_eq!(after.marketing_consent, Some(false), "her own answer");
    assert!(!store.profile(who, at(), &Viewer::Cashier).unwrap().marketing_consent);
    let stamped = scalar(&store, "SELECT count(*) FROM outbox WHERE kind = ?1", "customer.updated");
    assert!(stamped >= 1, "the answer travels to the other counters like any edit");
}
