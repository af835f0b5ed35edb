//! lapis-store: the warehouse. Append-only Delta Lake event tables and the content-addressed
//! archive of raw documents, behind one ingest call.
//!
//! # All or nothing per document
//! Delta commits are atomic per table, not across tables. An ingest therefore appends to the
//! event tables one by one, in a fixed order, with the `reports` row last:
//! 1. each commit carries a Delta *application transaction* `lapis-doc-<sha256>`; before
//!    appending to a table the ingest asks that table whether the transaction is already there
//!    and skips it if so, so a retried ingest never duplicates rows;
//! 2. event ids are deterministic (document hash, table, position), so a retry writes the same
//!    rows it would have written the first time;
//! 3. the `reports` row is the commit marker: the public tables (views in `lapis-sql`) show only
//!    events whose report is in `reports`. A crash between two commits leaves events that no view
//!    shows, and the next ingest of the same document completes the set.
//!
//! Nothing here can overwrite or delete: tables are created with `delta.appendOnly = true`, and
//! the only write path is an append.

pub mod schema;
mod warehouse;

pub use warehouse::{
    Clock, FixedClock, IngestOutcome, IngestRequest, SystemClock, Warehouse, WAREHOUSE_FORMAT,
};

/// Errors of the warehouse. Bad input is kept apart from storage faults.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{source_uri}: {source}")]
    BadDocument {
        source_uri: String,
        source: lapis_extract::ExtractError,
    },
    #[error("warehouse {location}: {message}")]
    Warehouse { location: String, message: String },
    #[error("warehouse {location} was written by a newer lapis (format {found}, this lapis reads up to {supported})")]
    NewerFormat {
        location: String,
        found: u32,
        supported: u32,
    },
    #[error("table {table}: {source}")]
    Delta {
        table: String,
        source: deltalake::DeltaTableError,
    },
    #[error("archive {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("simulated failure after committing {table} (LAPIS_FAILPOINT)")]
    Failpoint { table: String },
}

pub type StoreResult<T, E = StoreError> = Result<T, E>;
