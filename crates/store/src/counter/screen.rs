//! The customer's own screen: what it may show about the customer at the
//! counter, and their own answer to marketing consent. The address is the
//! name they asked to be called by (or their name); no phone number
//! or other customer's data ever reaches it.

use crate::counter::{CustomerScreen, ScreenDiscount};
use crate::error::Result;
use crate::{Store, Viewer};
use dangol_domain::customer::CustomerPatch;
use dangol_domain::ids::IdSource;
use uuid::Uuid;

impl Store {
    /// The customer's screen for `customer` (or nobody) with this visit's
    /// discounts and totals, as the counter has them.
    pub fn customer_screen(
        &self,
        showing: u64,
        customer: Option<Uuid>,
        discounts: Vec<ScreenDiscount>,
        saving: i64,
        total: i64,
    ) -> Result<CustomerScreen> {
        let shop_name = self.shop_info()?.shop_name;
        let Some(id) = customer else {
            return Ok(CustomerScreen {
                shop_name,
                address: None,
                preferred: false,
                showing,
                points: 0,
                stamps: 0,
                discounts: Vec::new(),
                saving: 0,
                total: 0,
                marketing_consent: None,
            });
        };
        let p = self.profile(id, self.now(), &Viewer::Cashier)?;
        let preferred = p.preferred_name.filter(|n| !n.trim().is_empty());
        Ok(CustomerScreen {
            shop_name,
            address: Some(preferred.clone().unwrap_or(p.name)),
            preferred: preferred.is_some(),
            showing,
            points: p.points,
            stamps: p.stamps,
            discounts,
            saving,
            total,
            marketing_consent: Some(p.marketing_consent),
        })
    }

    /// The customer's own answer to marketing consent, given on their
    /// screen: recorded with its moment, stamped for sync as any edit.
    pub fn customer_consents(&mut self, customer: Uuid, given: bool, ids: &mut dyn IdSource) -> Result<()> {
        let patch = CustomerPatch { marketing_consent: Some(given), ..CustomerPatch::default() };
        let at = self.now();
        self.edit_customer(customer, patch, &Viewer::Cashier, at, ids).map(|_| ())
    }
}
