//! Whether the owner lets a tablet on the shop's network show the
//! customer's screen, and at which address of this PC. A counter's own
//! setting (kept in `settings` as `screen_lan`, never synced: another PC
//! has other addresses), changed by the owner only and audited.
//!
//! The address must be one a shop's network uses: a private IPv4 address
//! (10/8, 172.16/12, 192.168/16), a link-local one (169.254/16), an IPv6
//! unique-local one (fc00::/7), or loopback (a tablet page kept on this PC,
//! what tests use); never "every interface" (0.0.0.0, ::) or a public
//! address, which would put the page on the internet.

use crate::error::{Result, StoreError};
use crate::{Owner, Store, audit, settings};
use chrono::{DateTime, Utc};
use dangol_domain::ids::IdSource;
use rusqlite::TransactionBehavior;
use std::net::{IpAddr, SocketAddr};

/// The setting's key (local to this counter).
pub const SCREEN_LAN: &str = "screen_lan";

/// Parses and checks an address for the tablet page: `IP:PORT`.
pub fn lan_address(text: &str) -> Result<SocketAddr> {
    let text = text.trim();
    let bad = |ko: String, en: String| StoreError::bad_input("tablet screen address", ko, en);
    let addr: SocketAddr = text.parse().map_err(|_| {
        bad(
            format!("{text:?}: IP주소:포트 꼴이어야 합니다 (예: 192.168.0.10:7301)"),
            format!("{text:?}: must be IP:PORT (e.g. 192.168.0.10:7301)"),
        )
    })?;
    if addr.port() < 1024 {
        return Err(bad(
            format!("{addr}: 포트는 1024~65535여야 합니다"),
            format!("{addr}: the port must be 1024-65535"),
        ));
    }
    if !shop_network(addr.ip()) {
        return Err(bad(
            format!("{}: 가게 안 네트워크의 이 PC 주소여야 합니다 (192.168.x.x, 10.x.x.x, 172.16~31.x.x)", addr.ip()),
            format!(
                "{}: must be this PC's address on the shop's own network (192.168.x.x, 10.x.x.x, 172.16-31.x.x)",
                addr.ip()
            ),
        ));
    }
    Ok(addr)
}

/// Whether `ip` is an address of a shop's own network (or loopback).
pub fn shop_network(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => ip.is_private() || ip.is_link_local() || ip.is_loopback(),
        IpAddr::V6(ip) => ip.is_loopback() || (ip.segments()[0] & 0xfe00) == 0xfc00,
    }
}

impl Store {
    /// Where the owner lets the tablet page listen, if they do.
    pub fn customer_screen_lan(&self) -> Result<Option<SocketAddr>> {
        // A value that no longer passes the check (edited by hand) is
        // treated as not allowed rather than served.
        Ok(settings::get(&self.conn, SCREEN_LAN)?.and_then(|v| lan_address(&v).ok()))
    }

    /// The owner allows the tablet page at `address` (checked by
    /// `lan_address`), or stops it (`None`).
    pub fn allow_customer_screen_lan(
        &mut self,
        _owner: &Owner,
        address: Option<&str>,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<Option<SocketAddr>> {
        let address = address.map(lan_address).transpose()?;
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ctx.check(&tx, ids, at, None, "setting")?;
        let before = settings::get(&tx, SCREEN_LAN)?;
        match address {
            Some(a) => settings::set(&tx, SCREEN_LAN, &a.to_string())?,
            None => {
                tx.execute("DELETE FROM settings WHERE key = ?1", [SCREEN_LAN])?;
            }
        }
        let after = address.map(|a| a.to_string());
        if before != after {
            let mut entry = audit::Entry::owner("setting.changed", SCREEN_LAN);
            if let Some(b) = before {
                entry = entry.before(serde_json::json!(b));
            }
            if let Some(a) = &after {
                entry = entry.after(serde_json::json!(a));
            }
            audit::record(&tx, ids, ctx.device, at, entry)?;
        }
        tx.commit()?;
        Ok(address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_addresses_of_a_shop_network_are_allowed() {
        for ok in [
            "192.168.0.10:7301",
            "10.1.2.3:8080",
            "172.16.5.4:7301",
            "169.254.1.1:7301",
            "127.0.0.2:7301",
            "[fd00::5]:7301",
            " 192.168.1.2:7301 ",
        ] {
            assert!(lan_address(ok).is_ok(), "{ok}");
        }
        for bad in [
            "0.0.0.0:7301",
            "[::]:7301",
            "8.8.8.8:7301",
            "172.32.0.1:7301",
            "192.168.0.10",
            "192.168.0.10:80",
            "host:7301",
            "",
            "192.168.0.10:99999",
            "[2001:db8::1]:7301",
            "224.0.0.1:7301",
        ] {
            let e = lan_address(bad).expect_err(bad);
            assert!(matches!(e, StoreError::BadInput { what: "tablet screen address", .. }), "{bad}: {e}");
        }
    }
}
