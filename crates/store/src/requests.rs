//! The register API's idempotency keys (`api_requests`, migration 20):
//! the answer given to each request that carried a key, with a digest of
//! that request, so a retry gets the same answer and nothing is done
//! twice, and the same key with another request is told apart.

use crate::Store;
use crate::error::Result;
use crate::time::ms;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

/// How long an answer is kept.
pub const KEPT_DAYS: i64 = 30;

/// What this counter answered before under a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Earlier {
    /// Nothing: the request is new.
    Nothing,
    /// The same request, and its answer (status, JSON).
    Same { status: u16, answer: String },
    /// Another request under the same key.
    Different,
}

fn digest(request: &[u8]) -> [u8; 32] {
    Sha256::digest(request).into()
}

impl Store {
    /// What was answered under `key`, if anything, and whether `request`
    /// (the operation and its body, as sent) is the one answered.
    pub fn earlier_answer(&self, key: &str, request: &[u8]) -> Result<Earlier> {
        let found: Option<(Vec<u8>, i64, String)> = self
            .conn
            .query_row("SELECT digest, status, answer FROM api_requests WHERE key = ?1", [key], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        Ok(match found {
            None => Earlier::Nothing,
            Some((d, status, answer)) if d == digest(request) => {
                Earlier::Same { status: u16::try_from(status).unwrap_or(200), answer }
            }
            Some(_) => Earlier::Different,
        })
    }

    /// Keeps the answer given to `request` under `key` (a success: 2xx),
    /// and lets answers older than `KEPT_DAYS` go.
    pub fn keep_answer(&mut self, key: &str, request: &[u8], status: u16, answer: &str) -> Result<()> {
        let ctx = self.write_ctx()?;
        let now = ms(ctx.now);
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM api_requests WHERE at < ?1", [now - KEPT_DAYS * 86_400_000])?;
        tx.execute(
            "INSERT INTO api_requests (key, digest, status, answer, at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (key) DO NOTHING",
            params![key, digest(request).as_slice(), i64::from(status), answer, now],
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_kept_once_per_key_and_told_apart_from_another_request() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(store.earlier_answer("k1", b"POST /v1/sales\n{}").unwrap(), Earlier::Nothing);
        store.keep_answer("k1", b"POST /v1/sales\n{}", 201, "{\"a\":1}").unwrap();
        assert_eq!(
            store.earlier_answer("k1", b"POST /v1/sales\n{}").unwrap(),
            Earlier::Same { status: 201, answer: "{\"a\":1}".into() }
        );
        assert_eq!(store.earlier_answer("k1", b"POST /v1/sales\n{ }").unwrap(), Earlier::Different);
        // A second keep under the key does not replace the first answer.
        store.keep_answer("k1", b"other", 200, "{}").unwrap();
        assert_eq!(store.earlier_answer("k1", b"other").unwrap(), Earlier::Different);
        assert_eq!(store.earlier_answer("k2", b"POST /v1/sales\n{}").unwrap(), Earlier::Nothing);
    }
}
