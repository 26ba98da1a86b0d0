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

/// The owner lets a tablet on the shop's network show this screen, at an
/// address of this PC: kept for this counter, audited; a bad address is
/// refused and changes nothing; turning it off forgets it.
#[test]
fn the_owner_allows_a_tablet_screen_at_a_shop_network_address_only() {
    let (mut store, mut ids) = shop(&[]);
    assert_eq!(store.customer_screen_lan().unwrap(), None, "off until the owner allows it");
    let owner = owner(&mut store, &mut ids);
    let at = store.now();
    let allowed = store.allow_customer_screen_lan(&owner, Some("192.168.0.10:7301"), at, &mut ids).unwrap();
    assert_eq!(allowed, Some("192.168.0.10:7301".parse().unwrap()));
    assert_eq!(store.customer_screen_lan().unwrap(), allowed);
    let audit = store.audit_log(&owner, 1).unwrap();
    assert_eq!((audit[0].action.as_str(), audit[0].subject.as_str()), ("setting.changed", "screen_lan"));

    for bad in ["0.0.0.0:7301", "203.0.113.5:7301", "192.168.0.10", "nonsense"] {
        let e = store.allow_customer_screen_lan(&owner, Some(bad), at, &mut ids).unwrap_err();
        assert_eq!(e.kind(), "bad_input", "{bad}: {e}");
        assert_eq!(store.customer_screen_lan().unwrap(), allowed, "{bad} changed nothing");
    }
    assert_eq!(store.allow_customer_screen_lan(&owner, None, at, &mut ids).unwrap(), None);
    assert_eq!(store.customer_screen_lan().unwrap(), None, "off again");

    // An address written into the file by hand that the owner could not
    // have allowed (every interface, a public address, nonsense) is not
    // served.
    for absurd in ["0.0.0.0:7301", "203.0.113.5:7301", "192.168.0.10:80", "everywhere"] {
        store
            .connection()
            .execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('screen_lan', ?1)", [absurd])
            .unwrap();
        assert_eq!(store.customer_screen_lan().unwrap(), None, "{absurd} is not served");
    }
}

/// A counter made from another PC's copy of the shop (a hub's snapshot)
/// does not inherit that PC's tablet address.
#[test]
fn a_counter_made_from_a_snapshot_has_no_tablet_screen_allowed() {
    let (mut store, mut ids) = shop(&[]);
    let owner = owner(&mut store, &mut ids);
    let at = store.now();
    store.allow_customer_screen_lan(&owner, Some("192.168.0.10:7301"), at, &mut ids).unwrap();
    store.adopt_snapshot(uuid::Uuid::from_u128(42), "http://hub.local:7400", "token", 0).unwrap();
    assert_eq!(store.customer_screen_lan().unwrap(), None);
}
