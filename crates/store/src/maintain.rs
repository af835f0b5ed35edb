//! Keeping the event tables few in files and quick to open: compaction (`lapis optimize`),
//! checkpoints, and removal of compacted-away files past a retention (`lapis vacuum`).
//!
//! Compaction rewrites small files into larger ones ordered by council and period (Z-order on
//! `council_code`, `period_year` where a table has them), committing the removal of the old
//! files with `dataChange = false`: no event is added, changed or removed, which is what an
//! append-only Delta table allows. Every row keeps its `recorded_at`, so `--as-of` (which
//! filters on it) answers the same before and after, and after a vacuum.

use std::time::Duration;

use deltalake::operations::optimize::OptimizeType;
use deltalake::DeltaTable;
use tracing::info;

use crate::schema::{schema, TABLES};
use crate::{StoreError, StoreResult, Warehouse};

/// Columns event files are clustered by, where a table has them.
const CLUSTER_BY: [&str; 2] = ["council_code", "period_year"];

/// A table is compacted automatically (after a job run) once it holds this many files.
pub const AUTO_COMPACT_FILES: usize = 64;

/// What compacting one table did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compacted {
    pub table: &'static str,
    pub files_before: usize,
    pub files_after: usize,
}

fn err(table: &str) -> impl Fn(deltalake::DeltaTableError) -> StoreError + '_ {
    move |source| StoreError::Delta {
        table: table.to_string(),
        source,
    }
}

fn file_count(t: &DeltaTable, table: &str) -> StoreResult<usize> {
    Ok(t.get_file_uris().map_err(err(table))?.count())
}

impl Warehouse {
    /// Files per event table.
    pub async fn file_counts(&self) -> StoreResult<Vec<(&'static str, usize)>> {
        let mut out = Vec::new();
        for table in TABLES {
            let t = self.table(table).await?;
            out.push((table, file_count(&t, table)?));
        }
        Ok(out)
    }

    /// Compacts every event table holding at least `min_files` files (1: all that hold more
    /// than one), clustered by council and period, then writes a checkpoint of its log.
    pub async fn optimize(&self, min_files: usize) -> StoreResult<Vec<Compacted>> {
        self.writable()?;
        let mut out = Vec::new();
        for table in TABLES {
            let t = self.table(table).await?;
            let before = file_count(&t, table)?;
            if before < min_files.max(2) {
                continue;
            }
            let columns: Vec<String> = CLUSTER_BY
                .iter()
                .filter(|c| schema(table).field_with_name(c).is_ok())
                .map(|c| c.to_string())
                .collect();
            let kind = if columns.is_empty() {
                OptimizeType::Compact
            } else {
                OptimizeType::ZOrder(columns)
            };
            let (t, metrics) = t.optimize().with_type(kind).await.map_err(err(table))?;
            deltalake::checkpoints::create_checkpoint(&t, None)
                .await
                .map_err(err(table))?;
            let after = file_count(&t, table)?;
            info!(
                table,
                before,
                after,
                removed = metrics.num_files_removed,
                "Compacted."
            );
            out.push(Compacted {
                table,
                files_before: before,
                files_after: after,
            });
        }
        Ok(out)
    }

    /// Deletes the files no current version of an event table uses any more (compacted away)
    /// once they are older than `retention`; returns the files deleted per table. Events are
    /// never deleted: every row of a removed file is in the file that replaced it.
    pub async fn vacuum(&self, retention: Duration) -> StoreResult<Vec<(&'static str, usize)>> {
        self.writable()?;
        let mut out = Vec::new();
        for table in TABLES {
            let t = self.table(table).await?;
            let deleted = vacuum_table(t, table, retention).await?;
            out.push((table, deleted));
        }
        Ok(out)
    }
}

/// Vacuums one Delta table (an event table or a projection).
pub async fn vacuum_table(t: DeltaTable, name: &str, retention: Duration) -> StoreResult<usize> {
    let (_, metrics) = t
        .vacuum()
        .with_retention_period(
            chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::days(7)),
        )
        .with_enforce_retention_duration(false)
        .await
        .map_err(err(name))?;
    Ok(metrics.files_deleted.len())
}
