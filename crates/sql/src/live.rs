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

use crate::projection::{self, Manifest};
use crate::{SqlError, SqlResult};

/// A table whose snapshot can be replaced while sessions hold it.
#[derive(Debug)]
pub struct LiveTable {
    schema: SchemaRef,
    kind: TableType,
    inner: RwLock<Arc<dyn TableProvider>>,
}

impl LiveTable {
    fn new(provider: Arc<dyn TableProvider>, kind: TableType) -> Arc<LiveTable> {
        Arc::new(LiveTable {
            schema: provider.schema(),
            kind,
            inner: RwLock::new(provider),
        })
    }

    /// A projection shown as the view it materialises (catalogs list it as a view).
    pub fn view(provider: Arc<dyn TableProvider>) -> Arc<LiveTable> {
        LiveTable::new(provider, TableType::View)
    }

    fn replace(&self, provider: Arc<dyn TableProvider>) {
        if let Ok(mut inner) = self.inner.write() {
            *inner = provider;
        }
    }

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
        self.kind
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

/// The raw tables of one session, and the Delta versions they show. With projections in use
/// (`manifest`), the tables follow the projection manifest: they show the event versions it
/// stamps, and the projections the versions it names, all swapped together.
#[derive(Debug)]
pub struct LiveTables {
    location: String,
    local: Option<PathBuf>,
    tables: Vec<(&'static str, Arc<LiveTable>)>,
    projections: Vec<(String, Arc<LiveTable>)>,
    versions: RwLock<Vec<i64>>,
    manifest: RwLock<Option<Manifest>>,
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

/// One event table as a provider, at `version` or the latest, with the version loaded.
/// Tables of a local warehouse are opened at a version and shared by every session of the
/// process ([`shared`]); a remote table at its latest version is opened for this call alone.
pub(crate) async fn load(
    wh: &Warehouse,
    state: &SessionState,
    table: &str,
    version: Option<i64>,
) -> SqlResult<(Arc<dyn TableProvider>, i64)> {
    let version = version.or_else(|| {
        wh.local_root()
            .and_then(|root| local_version(&root.join(table)))
    });
    if let Some(version) = version {
        let provider = shared(wh.table_url(table)?, version, state).await?;
        return Ok((provider, version));
    }
    let _permit = opening().await;
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

/// How many Delta tables the process opens at once. Opening a table runs parts of the Delta
/// kernel on blocking threads that wait for tasks which themselves need blocking threads: 32
/// connections opening 20 tables each at once took every thread of tokio's blocking pool and
/// waited for ever. Bounded, the pool cannot run dry.
const OPENING_AT_ONCE: usize = 8;

async fn opening() -> tokio::sync::SemaphorePermit<'static> {
    static OPENING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(OPENING_AT_ONCE);
    OPENING
        .acquire()
        .await
        .expect("the semaphore of table opens is never closed")
}

/// A Delta table opened at one version: immutable, so every session can read it.
struct Snapshot {
    table: deltalake::DeltaTable,
    provider: Arc<dyn TableProvider>,
}

type SnapshotCell = Arc<tokio::sync::OnceCell<Arc<Snapshot>>>;

/// The table at `url` as it was at `version`, opened once for the whole process: a server's
/// connections share their snapshots (opened concurrently, they wait for one open), so a new
/// connection costs no log replay and the server holds each table's file list once. The two
/// newest versions of each table are kept.
pub(crate) async fn shared(
    url: url::Url,
    version: i64,
    state: &SessionState,
) -> SqlResult<Arc<dyn TableProvider>> {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};
    static SNAPSHOTS: LazyLock<Mutex<HashMap<(String, i64), SnapshotCell>>> =
        LazyLock::new(Default::default);
    let key = (url.to_string(), version);
    let cell = {
        let mut snapshots = SNAPSHOTS.lock().unwrap_or_else(|p| p.into_inner());
        let newest = snapshots
            .keys()
            .filter(|(u, _)| *u == key.0)
            .map(|(_, v)| *v)
            .max()
            .unwrap_or(version)
            .max(version);
        snapshots.retain(|(u, v), _| *u != key.0 || *v >= newest - 1 || *v == version);
        snapshots.entry(key).or_default().clone()
    };
    let snapshot = cell
        .get_or_try_init(|| async {
            let _permit = opening().await;
            let table = deltalake::open_table_with_version(url.clone(), version.max(0) as u64)
                .await
                .map_err(|e| SqlError::Engine(format!("{url} at version {version}: {e}")))?;
            let provider = table
                .table_provider()
                .await
                .map_err(|e| SqlError::Engine(e.to_string()))?;
            Ok::<_, SqlError>(Arc::new(Snapshot { table, provider }))
        })
        .await?;
    snapshot
        .table
        .update_datafusion_session(state)
        .map_err(|e| SqlError::Engine(e.to_string()))?;
    Ok(snapshot.provider.clone())
}

/// The event tables (in [`TABLES`] order) at the manifest's versions or the latest, and the
/// projections the manifest names, loaded concurrently. Without a manifest `reports` is loaded
/// before the others: every report loaded then has all its events in the tables loaded after.
pub(crate) async fn load_all(
    wh: &Warehouse,
    state: &SessionState,
    manifest: Option<&Manifest>,
) -> SqlResult<(
    Vec<(Arc<dyn TableProvider>, i64)>,
    Vec<Arc<dyn TableProvider>>,
)> {
    use futures::future::try_join_all;
    let pinned = |table: &str| manifest.and_then(|m| m.inputs.get(table).copied());
    let mut tables = Vec::new();
    let mut rest = &TABLES[..];
    if manifest.is_none() {
        tables.push(load(wh, state, TABLES[0], None).await?);
        rest = &TABLES[1..];
    }
    let (more, projections) = futures::try_join!(
        try_join_all(rest.iter().map(|t| load(wh, state, t, pinned(t)))),
        try_join_all(
            manifest
                .iter()
                .flat_map(|m| m.projections.iter())
                .map(|(view, version)| projection::provider(wh, state, view, *version))
        ),
    )?;
    tables.extend(more);
    Ok((tables, projections))
}

impl LiveTables {
    /// Loads every table (`reports` first) as live tables, pinned to `manifest` when given.
    pub(crate) async fn open(
        wh: &Warehouse,
        state: &SessionState,
        manifest: Option<Manifest>,
    ) -> SqlResult<LiveTables> {
        let (loaded, projected) = load_all(wh, state, manifest.as_ref()).await?;
        let mut tables = Vec::new();
        let mut versions = Vec::new();
        for (table, (provider, version)) in TABLES.into_iter().zip(loaded) {
            tables.push((table, LiveTable::new(provider, TableType::Base)));
            versions.push(version);
        }
        let projections = manifest
            .iter()
            .flat_map(|m| m.projections.keys())
            .cloned()
            .zip(projected.into_iter().map(LiveTable::view))
            .collect();
        let local = wh.local_root().map(|r| r.to_path_buf());
        Ok(LiveTables {
            location: wh.location().to_string(),
            local,
            tables,
            projections,
            versions: RwLock::new(versions),
            manifest: RwLock::new(manifest),
        })
    }

    /// The tables, to register under their `raw_` names.
    pub fn tables(&self) -> impl Iterator<Item = (&'static str, Arc<LiveTable>)> + '_ {
        self.tables.iter().map(|(n, t)| (*n, t.clone()))
    }

    /// The projections, to register under their views' names.
    pub fn projections(&self) -> impl Iterator<Item = (&str, Arc<dyn TableProvider>)> + '_ {
        self.projections
            .iter()
            .map(|(n, t)| (n.as_str(), t.clone() as Arc<dyn TableProvider>))
    }

    /// Brings every table to its latest version if any moved (with projections: to the
    /// versions of a newer manifest). Returns whether anything changed. A local warehouse is
    /// checked by listing the logs or reading the manifest (cheap); any other is reloaded.
    pub async fn refresh(&self, state: &SessionState) -> SqlResult<bool> {
        let pinned = self.manifest.read().map(|m| m.clone()).unwrap_or_default();
        if let Some(known) = pinned {
            let wh = Warehouse::open_reader(&self.location).await?;
            // A manifest of other definitions (a rebuild by another lapis) is not followed:
            // the session keeps the consistent state it has.
            let target = projection::read_manifest(&wh)?
                .filter(|m| {
                    m.definitions == known.definitions
                        && m.projections.len() == self.projections.len()
                })
                .unwrap_or_else(|| known.clone());
            // Tables the views do not read (job_runs, fetches, corrections) follow the latest.
            if target == known && !self.moved(|t| known.inputs.contains_key(t)) {
                return Ok(false);
            }
            let (loaded, projected) = load_all(&wh, state, Some(&target)).await?;
            self.swap(loaded);
            for ((_, table), provider) in self.projections.iter().zip(projected) {
                table.replace(provider);
            }
            if let Ok(mut m) = self.manifest.write() {
                *m = Some(target);
            }
            return Ok(true);
        }
        if !self.moved(|_| false) {
            return Ok(false);
        }
        let wh = Warehouse::open_reader(&self.location).await?;
        // `reports` first: every report loaded has all its events in the tables loaded after.
        let (loaded, _) = load_all(&wh, state, None).await?;
        self.swap(loaded);
        Ok(true)
    }

    /// Whether a table not skipped has a newer version than the one loaded (always, for a
    /// warehouse that is not local).
    fn moved(&self, skip: impl Fn(&str) -> bool) -> bool {
        let Some(root) = &self.local else {
            return true;
        };
        let known = self.versions.read().map(|v| v.clone()).unwrap_or_default();
        self.tables
            .iter()
            .zip(&known)
            .filter(|((name, _), _)| !skip(name))
            .any(|((name, _), k)| local_version(&root.join(name)).is_some_and(|n| n > *k))
    }

    fn swap(&self, loaded: Vec<(Arc<dyn TableProvider>, i64)>) {
        let mut versions = Vec::new();
        for ((_, table), (provider, version)) in self.tables.iter().zip(loaded) {
            table.replace(provider);
            versions.push(version);
        }
        if let Ok(mut v) = self.versions.write() {
            *v = versions;
        }
    }
}
