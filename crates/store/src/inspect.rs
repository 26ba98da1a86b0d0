//! Reading the store from outside without its repositories: the outbox (for
//! sync and audits), customer counts, the search's stale list, settings;
//! `reader`, which runs only statements SQLite says are read-only (the
//! benchmark's raw floor queries); and `copy_to`, a consistent copy of the
//! database file. No caller outside this crate gets a connection it could
//! write through.

use crate::customers;
use crate::error::{Result, StoreError};
use crate::outbox::{self, Event};
use crate::{Store, settings};
use dangol_domain::customer::Customer;
use rusqlite::{CachedStatement, Connection};
use std::path::Path;

/// A window onto the database for read-only SQL.
pub struct Reader<'a> {
    conn: &'a Connection,
}

impl<'a> Reader<'a> {
    /// Prepares (and caches) `sql`, refusing anything but a query
    /// (`StoreError::ReadOnly`): a statement SQLite reports read-only that
    /// starts with SELECT or WITH (BEGIN or a PRAGMA is "read-only" to
    /// SQLite but changes the connection).
    pub fn prepare(&self, sql: &str) -> Result<CachedStatement<'a>> {
        let head = sql.trim_start().get(..6).unwrap_or("").to_ascii_uppercase();
        if !(head.starts_with("SELECT") || head.starts_with("WITH")) {
            return Err(StoreError::ReadOnly);
        }
        let stmt = self.conn.prepare_cached(sql)?;
        if !stmt.readonly() {
            return Err(StoreError::ReadOnly);
        }
        Ok(stmt)
    }

    /// One row of a read-only query.
    pub fn query_row<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<T> {
        Ok(self.prepare(sql)?.query_row(params, f)?)
    }

    /// The first column of every row of a read-only query, as text
    /// (numbers written out, NULL as empty).
    pub fn query_column(&self, sql: &str) -> Result<Vec<String>> {
        use rusqlite::types::ValueRef;
        let mut stmt = self.prepare(sql)?;
        let rows = stmt.query_map([], |r| {
            Ok(match r.get_ref(0)? {
                ValueRef::Null => String::new(),
                ValueRef::Integer(i) => i.to_string(),
                ValueRef::Real(f) => f.to_string(),
                ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

impl Store {
    /// Read-only SQL against this store's own connection (same cache and
    /// settings as the store's queries: the benchmark's floor).
    pub fn reader(&self) -> Reader<'_> {
        Reader { conn: &self.conn }
    }

    /// Writes a consistent copy of the database to `path` (which must not
    /// exist), as of now; the store is not changed.
    pub fn copy_to(&self, path: &Path) -> Result<()> {
        if path.exists() {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "the copy's file already exists"),
            });
        }
        self.conn.execute("VACUUM INTO ?1", [path.display().to_string()])?;
        Ok(())
    }

    /// The number of events in the outbox and the highest sequence number.
    pub fn outbox_stats(&self) -> Result<(i64, i64)> {
        outbox::stats(&self.conn)
    }

    /// Outbox events with `seq > after`, oldest first, at most `limit`.
    pub fn outbox_after(&self, after: i64, limit: usize) -> Result<Vec<Event>> {
        outbox::events_after(&self.conn, after, limit)
    }

    pub fn customer_count(&self) -> Result<i64> {
        customers::count(&self.conn)
    }

    /// Every customer, in registration order.
    pub fn each_customer(&self, mut each: impl FnMut(Customer)) -> Result<()> {
        customers::all(&self.conn, |row| {
            each(row.customer);
            Ok(())
        })
    }

    /// How many customers the name search has yet to settle.
    pub fn stale_count(&self) -> Result<i64> {
        customers::stale_count(&self.conn)
    }

    /// A stored setting by key (see `setting_keys`).
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        settings::get(&self.conn, key)
    }

    /// The raw connection, for tests that must corrupt or inspect what no
    /// API reaches (feature `testing`, never in a shipped build).
    #[cfg(feature = "testing")]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_runs_reads_and_refuses_writes() {
        let store = Store::open_in_memory().unwrap();
        let n: i64 = store.reader().query_row("SELECT count(*) FROM customers", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0);
        for sql in [
            "DELETE FROM customers",
            "INSERT INTO settings VALUES ('x', 'y')",
            "UPDATE customers SET name = ''",
            "BEGIN",
            "PRAGMA synchronous = OFF",
            "WITH x AS (SELECT 1) DELETE FROM customers",
        ] {
            let err = store.reader().prepare(sql).err().expect("refused");
            assert_eq!(err.kind(), "read_only", "{sql}");
        }
    }
}
