//! lapis-store: the warehouse. Append-only Delta Lake event tables and the content-addressed
//! archive of raw documents. The store appends what it is given ([`Warehouse::append`]); how
//! bytes become events is decided above it, in `lapis-ingest`.
//!
//! # All or nothing per extraction
//! Each extraction of a document is a unit with its own report id. Delta commits are atomic per
//! table, not across tables, so a unit is appended table by table, in a fixed order, with the
//! `reports` row last:
//! 1. each commit carries a Delta *application transaction* `lapis-<report_id>`; before
//!    appending to a table the store asks that table whether the transaction is already there
//!    and skips it if so, so a retried append never duplicates rows;
//! 2. event ids are deterministic (report id, table, position), so a retry writes the same
//!    rows it would have written the first time;
//! 3. the `reports` row is the commit marker: the public tables (views in `lapis-sql`) show only
//!    events whose report is in `reports`, and of each document only its latest extraction. A
//!    crash between two commits leaves events that no view shows, and the next attempt
//!    completes the set. The `reports` commit also sets the application transaction
//!    `lapis-doc-<sha256>` to the document's extraction count.
//!
//! # One writer
//! A writer holds an exclusive lock on `<warehouse>/_lapis.lock` (the OS releases it when the
//! process ends); a second writer waits for it, then fails naming the holder. Readers take no
//! lock and never write: [`Warehouse::open_reader`] refuses a directory that is not a complete
//! warehouse instead of creating one.
//!
//! Nothing here can overwrite or delete: tables are created with `delta.appendOnly = true`, and
//! the only write path is an append.

pub mod maintain;
pub mod schema;
mod warehouse;

pub use warehouse::{
    Appended, Clock, Correction, ExtractionRecord, ExtractionUnit, Fetch, FixedClock, JobRun,
    SteppingClock, SystemClock, Warehouse, WAREHOUSE_FORMAT,
};

/// Errors of the warehouse. Bad input is kept apart from storage faults.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("warehouse {location} is being written by {holder}; waited {waited_secs} s for it to finish (raise --lock-wait-secs, or stop that process)")]
    Locked {
        location: String,
        holder: String,
        waited_secs: u64,
    },
    #[error(
        "no lapis warehouse at {location}: {reason} (ingest a report first, or pass --warehouse)"
    )]
    NotAWarehouse { location: String, reason: String },
    #[error("warehouse {location} is missing tables {tables}: {hint}")]
    MissingTables {
        location: String,
        tables: String,
        hint: &'static str,
    },
    #[error("warehouse {location} was opened for reading; nothing can be appended")]
    ReadOnly { location: String },
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
