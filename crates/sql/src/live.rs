//! Tables that follow the warehouse: a long-lived session (a connection of the SQL server)
//! sees events appended after it was built, views included. Each raw table is registered once
//! as a [`LiveTable`], whose Delta snapshot [`LiveTables::refresh`] replaces between statements;
//! views hold the `LiveTable`, so they follow too. A refresh loads `reports` first and swaps
//! every table together, so a statement never sees half an ingest.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::Session;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::Result as DfResult;
use datafusion::execution::SessionState;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use lapis_store::schema::TABLES;
use lapis_store::Warehouse;

use crate::{SqlError, SqlResult};

/// A table whose snapshot can be replaced while sessions hold it.
#[derive(Debug)]
pub struct LiveTable {
    schema: SchemaRef,
    inner: RwLock<Arc<dyn TableProvider>>,
}

impl LiveTable {
    fn current(&self) -> Arc<dyn TableProvider> {
        self.inner
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }
}

#[async_trait]
impl TableProvider for LiveTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
    fn table_type(&self) -> TableType {
        TableType::Base
    }
    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        self.current().scan(state, projection, filters, limit).await
    }
    async fn scan_with_args<'a>(
        &self,
        state: &dyn Session,
        args: datafusion::catalog::ScanArgs<'a>,
    ) -> DfResult<datafusion::catalog::ScanResult> {
        self.current().scan_with_args(state, args).await
    }
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        self.current().supports_filters_pushdown(filters)
    }
}

/// The raw tables of one session, and the Delta versions they show.
#[derive(Debug)]
pub struct LiveTables {
    location: String,
    local: Option<PathBuf>,
    tables: Vec<(&'static str, Arc<LiveTable>)>,
    versions: RwLock<Vec<i64>>,
}

/// The latest committed version of a local Delta table, from its log's file names.
fn local_version(dir: &std::path::Path) -> Option<i64> {
    std::fs::read_dir(dir.join("_delta_log"))
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".json")?.parse::<i64>().ok()
        })
        .max()
}

async fn load(
    wh: &Warehouse,
    state: &SessionState,
    table: &str,
) -> SqlResult<(Arc<dyn TableProvider>, i64)> {
    let t = wh.table(table).await?;
    t.update_datafusion_session(state)
        .map_err(|e| SqlError::Engine(e.to_string()))?;
    let version = t.version().map(|v| v as i64).unwrap_or(-1);
    let provider = t
        .table_provider()
        .await
        .map_err(|e| SqlError::Engine(e.to_string()))?;
    Ok((provider, version))
}

impl LiveTables {
    /// Loads every table (`reports` first) as live tables.
    pub(crate) async fn open(wh: &Warehouse, state: &SessionState) -> SqlResult<LiveTables> {
        let mut tables = Vec::new();
        let mut versions = Vec::new();
        for table in TABLES {
            let (provider, version) = load(wh, state, table).await?;
            tables.push((
                table,
                Arc::new(LiveTable {
                    schema: provider.schema(),
                    inner: RwLock::new(provider),
                }),
            ));
            versions.push(version);
        }
        let local = wh.local_root().map(|r| r.to_path_buf());
        Ok(LiveTables {
            location: wh.location().to_string(),
            local,
            tables,
            versions: RwLock::new(versions),
        })
    }

    /// The tables, to register under their `raw_` names.
    pub fn tables(&self) -> impl Iterator<Item = (&'static str, Arc<LiveTable>)> + '_ {
        self.tables.iter().map(|(n, t)| (*n, t.clone()))
    }

    /// Brings every table to its latest version if any moved. Returns whether anything changed.
    /// A local warehouse is checked by listing the logs (cheap); any other is reloaded.
    pub async fn refresh(&self, state: &SessionState) -> SqlResult<bool> {
        if let Some(root) = &self.local {
            let now: Vec<Option<i64>> = self
                .tables
                .iter()
                .map(|(n, _)| local_version(&root.join(n)))
                .collect();
            let known = self.versions.read().map(|v| v.clone()).unwrap_or_default();
            if now
                .iter()
                .zip(&known)
                .all(|(n, k)| n.is_none_or(|n| n <= *k))
            {
                return Ok(false);
            }
        }
        let wh = Warehouse::open_reader(&self.location).await?;
        // `reports` first: every report loaded has all its events in the tables loaded after.
        let mut loaded = Vec::new();
        for (name, _) in &self.tables {
            loaded.push(load(&wh, state, name).await?);
        }
        let mut versions = Vec::new();
        for ((_, table), (provider, version)) in self.tables.iter().zip(loaded) {
            if let Ok(mut inner) = table.inner.write() {
                *inner = provider;
            }
            versions.push(version);
        }
        if let Ok(mut v) = self.versions.write() {
            *v = versions;
        }
        Ok(true)
    }
}
