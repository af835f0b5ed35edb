//! Projections: the views of `queries/` kept as tables, the read models of an event-sourced
//! warehouse (DESIGN §6).
//!
//! Each view stays defined by its SQL file, the one definition of its result. The warehouse
//! keeps that result in a Delta table of its own, `<warehouse>/_projections/<view>/`: derived,
//! rebuildable, not append-only. A refresh recomputes the views only for the councils whose
//! events changed since the last refresh (the councils of new `reports` rows, and of the other
//! extractions of their documents, so a correction refreshes the old council and the new), in
//! a session whose event tables hold only those councils' rows, and replaces those councils'
//! rows in each projection table, which is partitioned by `council_code` (`replaceWhere
//! council_code IN (…)` drops those partitions' files and adds new ones; a one-council query
//! reads one partition). That is sound because
//! every view is council-local: it partitions, joins and filters within one council. The tests
//! hold the views to it by comparing the projections with the views computed over the whole
//! warehouse.
//!
//! `_projections/_manifest.json`, replaced atomically once every projection table is committed,
//! stamps the event-table versions the projections reflect, each projection table's version and
//! the [`Definitions::fingerprint`] they were computed under. A reader with the same definitions
//! loads the event tables at the stamped versions and each projection at its version: it never
//! sees a projection older than the events it shows, nor half a refresh. Events appended since
//! are shown once a refresh stamps them; every writing command and job run refreshes before it
//! ends, and the next refresh catches up after a crash. `--as-of`, other definitions, or no
//! manifest: the views are computed from the events, as before.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use datafusion::arrow::array::{Array, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::execution::SessionState;
use datafusion::prelude::SessionContext;
use deltalake::operations::write::SchemaMode;
use deltalake::protocol::SaveMode;
use deltalake::DeltaTable;
use lapis_store::schema::TABLES;
use lapis_store::Warehouse;
use serde::{Deserialize, Serialize};
use tracing::info;

use crate::{Definitions, SqlError, SqlResult};

/// The directory of the projection tables, under the warehouse.
pub const DIR: &str = "_projections";
const MANIFEST: &str = "_manifest.json";
/// Version of the projection layout; part of the definitions' fingerprint.
pub const FORMAT: u32 = 2;

/// The event tables the views read, `reports` first (its commit marks a complete extraction).
pub const INPUTS: [&str; 6] = [
    "reports",
    "documents",
    "observations",
    "objective_updates",
    "report_claims",
    "parse_issues",
];

/// Event tables filtered to the councils being computed.
const BY_COUNCIL: [&str; 3] = ["observations", "objective_updates", "report_claims"];

/// Councils computed together in one session when many change (a rebuild or a backfill).
const GROUP: usize = 16;

/// What the projections reflect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// [`Definitions::fingerprint`] of the views and catalog they were computed under.
    pub definitions: String,
    /// Event table → the Delta version reflected.
    pub inputs: BTreeMap<String, i64>,
    /// View → the Delta version of its projection table.
    pub projections: BTreeMap<String, i64>,
    /// View → its columns in the view's order (a projection table, partitioned by council,
    /// reads `council_code` last).
    #[serde(default)]
    pub columns: BTreeMap<String, Vec<String>>,
    /// Councils in the projections.
    pub councils: usize,
    pub refreshed_at: String,
}

/// What a refresh did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Refreshed {
    /// Councils recomputed.
    pub councils: usize,
    /// Whether every council was recomputed (a rebuild, or the first refresh).
    pub full: bool,
    /// Rows written to the projection tables.
    pub rows: usize,
    pub seconds: f64,
}

fn engine(e: impl std::fmt::Display) -> SqlError {
    SqlError::Engine(e.to_string())
}

fn manifest_path(wh: &Warehouse) -> Option<PathBuf> {
    wh.local_root().map(|r| r.join(DIR).join(MANIFEST))
}

/// The manifest, if the warehouse has projections.
pub fn read_manifest(wh: &Warehouse) -> SqlResult<Option<Manifest>> {
    let Some(path) = manifest_path(wh) else {
        return Ok(None);
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| SqlError::Engine(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SqlError::Engine(format!("{}: {e}", path.display()))),
    }
}

fn write_manifest(wh: &Warehouse, m: &Manifest) -> SqlResult<()> {
    let Some(path) = manifest_path(wh) else {
        return Ok(());
    };
    let io = |e: std::io::Error| SqlError::Engine(format!("{}: {e}", path.display()));
    let tmp = path.with_extension("json.partial");
    let text = serde_json::to_string_pretty(m).map_err(engine)?;
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(text.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, &path).map_err(io)
}

/// The manifest, when its projections can stand for the views of `defs`.
pub fn usable(wh: &Warehouse, defs: &Definitions) -> SqlResult<Option<Manifest>> {
    let Some(m) = read_manifest(wh)? else {
        return Ok(None);
    };
    if m.format != FORMAT || m.definitions != defs.fingerprint()? {
        return Ok(None);
    }
    let views: BTreeSet<String> = defs.views()?.into_iter().map(|(n, _, _)| n).collect();
    let have: BTreeSet<String> = m.projections.keys().cloned().collect();
    Ok((views == have).then_some(m))
}

fn url(wh: &Warehouse, view: &str) -> SqlResult<url::Url> {
    Ok(wh.table_url(&format!("{DIR}/{view}"))?)
}

/// One projection table at `version`, as a provider.
pub(crate) async fn provider(
    wh: &Warehouse,
    state: &SessionState,
    view: &str,
    version: i64,
) -> SqlResult<Arc<dyn TableProvider>> {
    crate::live::shared(url(wh, view)?, version, state)
        .await
        .map_err(|e| SqlError::Engine(format!("projection {view}: {e}")))
}

/// A projection table shown as the view it stands for: a view (catalogs list it so) over the
/// table, with strings as plain `Utf8` like every lapis view (the Delta reader hands out
/// `Utf8View`, which BI drivers do not know). The table itself is in no catalog.
pub(crate) fn as_view(
    view: &str,
    provider: Arc<dyn TableProvider>,
    order: Option<&Vec<String>>,
) -> SqlResult<Arc<dyn TableProvider>> {
    use datafusion::common::Column;
    use datafusion::datasource::{provider_as_source, ViewTable};
    use datafusion::logical_expr::{Expr, ExprSchemable, LogicalPlanBuilder};
    let schema = provider.schema();
    let names: Vec<String> = match order {
        Some(names) => names.clone(),
        None => schema.fields().iter().map(|f| f.name().clone()).collect(),
    };
    let scan =
        LogicalPlanBuilder::scan(view, provider_as_source(provider), None).map_err(engine)?;
    let mut exprs = Vec::new();
    for name in names {
        let f = schema.field_with_name(&name).map_err(engine)?;
        let column = Expr::Column(Column::new(Some(view), f.name()));
        exprs.push(match f.data_type() {
            DataType::Utf8View | DataType::LargeUtf8 | DataType::Dictionary(_, _) => column
                .cast_to(&DataType::Utf8, scan.schema())
                .map_err(engine)?
                .alias(f.name()),
            _ => column,
        });
    }
    let plan = scan
        .project(exprs)
        .map_err(engine)?
        .build()
        .map_err(engine)?;
    Ok(Arc::new(ViewTable::new(plan, None)))
}

fn quoted(councils: &[String]) -> String {
    councils
        .iter()
        .map(|c| format!("'{}'", c.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Brings the projections up to the events: the councils whose events changed since the last
/// refresh, or every council when there are no projections yet or they were computed under
/// other definitions. Needs the writer lock (the caller's warehouse is a writer).
pub async fn refresh(wh: &Warehouse, defs: &Definitions) -> SqlResult<Refreshed> {
    run(wh, defs, false, None).await
}

/// How a refresh that computes without the writer lock gets it for its writes.
pub type Lock<'a> = Box<
    dyn FnOnce() -> futures::future::BoxFuture<'a, lapis_store::StoreResult<Warehouse>> + Send + 'a,
>;

/// [`refresh`] that holds the writer lock only while it writes: the changed councils are
/// computed from `reader` (event tables at their versions then), then `lock` gives the writer,
/// and the results are written and stamped with the versions they were computed from (events
/// appended meanwhile are the next refresh's). When another refresh stamped the projections in
/// between, or every council must be computed, the work is done under the lock instead. The
/// daemon refreshes this way, so its next runs do not wait on a refresh's computing.
pub async fn refresh_unlocked(
    reader: &Warehouse,
    defs: &Definitions,
    lock: Lock<'_>,
) -> SqlResult<Refreshed> {
    run(reader, defs, false, Some(lock)).await
}

/// Recomputes every projection from the events (replay).
pub async fn rebuild(wh: &Warehouse, defs: &Definitions) -> SqlResult<Refreshed> {
    run(wh, defs, true, None).await
}

async fn run(
    wh: &Warehouse,
    defs: &Definitions,
    force: bool,
    lock: Option<Lock<'_>>,
) -> SqlResult<Refreshed> {
    let started = Instant::now();
    let failpoint = std::env::var("LAPIS_FAILPOINT").unwrap_or_default();
    if failpoint == "crash-before-projections" {
        eprintln!("LAPIS_FAILPOINT: aborting before the projections are refreshed");
        std::process::abort();
    }
    if wh.local_root().is_none() {
        // The manifest is a local file: object-store warehouses compute views from events.
        return Ok(Refreshed::default());
    }
    let views = defs.views()?;
    let fingerprint = defs.fingerprint()?;
    let previous = if force { None } else { usable(wh, defs)? };

    // The event tables as they are now, `reports` first.
    let ctx = SessionContext::new_with_config(crate::session_config());
    let mut inputs = BTreeMap::new();
    let mut sources: Vec<(&str, Arc<dyn TableProvider>)> = Vec::new();
    for table in INPUTS {
        let (provider, version) = crate::live::load(wh, &ctx.state(), table, None).await?;
        inputs.insert(table.to_string(), version);
        sources.push((table, provider));
    }
    if previous.as_ref().is_some_and(|m| m.inputs == inputs) {
        return Ok(Refreshed {
            seconds: started.elapsed().as_secs_f64(),
            ..Refreshed::default()
        });
    }
    ctx.register_table("src_reports", sources[0].1.clone())
        .map_err(engine)?;
    let all = distinct_councils(&ctx, "SELECT DISTINCT council_code FROM src_reports").await?;
    let (councils, full) = match &previous {
        None => (all.clone(), true),
        Some(m) => {
            let before = m.inputs.get("reports").copied().unwrap_or(-1);
            if before == inputs["reports"] {
                (Vec::new(), false)
            } else {
                // The reports added since the stamp; when the stamped version can no longer be
                // read (its files vacuumed), every council is recomputed.
                match changed_councils(wh, &ctx, before).await {
                    Ok(changed) => (changed, false),
                    Err(e) => {
                        tracing::warn!(error = %e, "The stamped reports cannot be read: recomputing every council.");
                        (all.clone(), true)
                    }
                }
            }
        }
    };

    if full && councils.len() > GROUP {
        if let Some(lock) = lock {
            // Many councils: computed group by group under the lock (not all in memory).
            let held = lock().await?;
            return Box::pin(run(&held, defs, force, None)).await;
        }
    }
    let mut versions: BTreeMap<String, i64> = previous
        .as_ref()
        .map(|m| m.projections.clone())
        .unwrap_or_default();
    let mut columns: BTreeMap<String, Vec<String>> = previous
        .as_ref()
        .map(|m| m.columns.clone())
        .unwrap_or_default();
    let mut rows = 0;
    let groups: Vec<&[String]> = if full && councils.is_empty() {
        // An empty warehouse still gets (empty) projections.
        vec![&[]]
    } else {
        councils.chunks(GROUP).collect()
    };
    // Unlocked: every changed council computed first (at most a group's worth when every
    // council is), then written under the lock. Locked: group by group, so a rebuild never holds it all.
    let mut computed = Vec::new();
    if lock.is_some() {
        for group in &groups {
            computed.push(Some(compute(&sources, defs, &views, group).await?));
        }
    } else {
        computed.resize_with(groups.len(), || None);
    }
    let held;
    let wh = match lock {
        None => wh,
        Some(lock) => {
            held = lock().await?;
            if read_manifest(&held)? != previous {
                // Another refresh stamped the projections meanwhile: start again, locked.
                return Box::pin(run(&held, defs, force, None)).await;
            }
            &held
        }
    };
    for (k, (group, done)) in groups.iter().zip(computed).enumerate() {
        let results = match done {
            Some(results) => results,
            None => compute(&sources, defs, &views, group).await?,
        };
        for (view, (schema, batches)) in results {
            rows += batches.iter().map(RecordBatch::num_rows).sum::<usize>();
            columns.insert(
                view.clone(),
                schema.fields().iter().map(|f| f.name().clone()).collect(),
            );
            let mode = match (full, k) {
                (true, 0) => Mode::Replace,
                (true, _) => Mode::Append,
                (false, _) => Mode::Councils(group),
            };
            let version = write(wh, &view, schema, batches, mode).await?;
            if failpoint == format!("crash-after-projection:{view}") {
                eprintln!("LAPIS_FAILPOINT: aborting after writing the projection {view}");
                std::process::abort();
            }
            versions.insert(view, version);
        }
    }
    let manifest = Manifest {
        format: FORMAT,
        definitions: fingerprint,
        inputs,
        projections: versions,
        columns,
        councils: all.len(),
        refreshed_at: Utc::now().to_rfc3339(),
    };
    write_manifest(wh, &manifest)?;
    let done = Refreshed {
        councils: councils.len(),
        full,
        rows,
        seconds: started.elapsed().as_secs_f64(),
    };
    info!(
        councils = done.councils,
        full,
        rows,
        seconds = done.seconds,
        "Projections refreshed."
    );
    Ok(done)
}

/// The councils of the reports added since version `before` of `reports`, and of the other
/// extractions of their documents.
async fn changed_councils(
    wh: &Warehouse,
    ctx: &SessionContext,
    before: i64,
) -> SqlResult<Vec<String>> {
    let (old, _) = crate::live::load(wh, &ctx.state(), "reports", Some(before)).await?;
    ctx.register_table("old_reports", old).map_err(engine)?;
    distinct_councils(
        ctx,
        "SELECT DISTINCT council_code FROM src_reports WHERE document_sha256 IN \
         (SELECT document_sha256 FROM src_reports WHERE report_id NOT IN \
          (SELECT report_id FROM old_reports))",
    )
    .await
}

async fn distinct_councils(ctx: &SessionContext, sql: &str) -> SqlResult<Vec<String>> {
    let batches = ctx
        .sql(sql)
        .await
        .map_err(engine)?
        .collect()
        .await
        .map_err(engine)?;
    let mut out = BTreeSet::new();
    for b in batches {
        let col = cast(b.column(0), &DataType::Utf8).map_err(engine)?;
        if let Some(a) = col.as_any().downcast_ref::<StringArray>() {
            for i in 0..a.len() {
                if !a.is_null(i) {
                    out.insert(a.value(i).to_string());
                }
            }
        }
    }
    Ok(out.into_iter().collect())
}

type ViewResult = (datafusion::arrow::datatypes::SchemaRef, Vec<RecordBatch>);

/// Computes every view for `councils` in a session of its own, whose event tables hold those
/// councils' rows (and every extraction of their documents, so that the latest extraction of
/// a corrected document is known). Views are computed in dependency order, each result then
/// standing for its view in the views that use it.
async fn compute(
    sources: &[(&str, Arc<dyn TableProvider>)],
    defs: &Definitions,
    views: &[(String, String, String)],
    councils: &[String],
) -> SqlResult<BTreeMap<String, ViewResult>> {
    let ctx = SessionContext::new_with_config(crate::session_config());
    crate::udf::register(&ctx);
    let list = if councils.is_empty() {
        "NULL".to_string()
    } else {
        quoted(councils)
    };
    for (table, provider) in sources {
        ctx.register_table(format!("src_{table}"), provider.clone())
            .map_err(engine)?;
    }
    for table in TABLES {
        let sql = if table == "reports" {
            format!(
                "SELECT * FROM src_reports WHERE document_sha256 IN \
                 (SELECT document_sha256 FROM src_reports WHERE council_code IN ({list}))"
            )
        } else if BY_COUNCIL.contains(&table) {
            format!("SELECT * FROM src_{table} WHERE council_code IN ({list})")
        } else if INPUTS.contains(&table) {
            // Read only through `reports` (documents, parse issues): left to the planner.
            ctx.register_table(
                format!("raw_{table}"),
                sources
                    .iter()
                    .find(|(t, _)| *t == table)
                    .map(|(_, p)| p.clone())
                    .expect("every input has a source"),
            )
            .map_err(engine)?;
            continue;
        } else {
            // Tables no view reads (job_runs, fetches, corrections): empty here.
            let schema = lapis_store::schema::schema(table);
            ctx.register_table(
                format!("raw_{table}"),
                Arc::new(MemTable::try_new(schema, vec![vec![]]).map_err(engine)?),
            )
            .map_err(engine)?;
            continue;
        };
        let df = ctx.sql(&sql).await.map_err(engine)?;
        let schema = Arc::new(df.schema().as_arrow().clone());
        let batches = df.collect().await.map_err(engine)?;
        ctx.register_table(format!("raw_{table}"), memory(schema, batches)?)
            .map_err(engine)?;
    }
    crate::register_base(&ctx, defs, None).await?;

    let mut out = BTreeMap::new();
    let mut pending: Vec<&(String, String, String)> = views.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut failed = Vec::new();
        let mut first_error = None;
        for view in pending {
            let (name, origin, sql) = view;
            let body = sql.trim().trim_end_matches(';');
            if let Err(e) = ctx.sql(&format!("CREATE VIEW {name} AS {body}")).await {
                first_error.get_or_insert_with(|| (name.clone(), origin.clone(), e.to_string()));
                failed.push(view);
                continue;
            }
            let df = ctx
                .sql(&format!(
                    "SELECT * FROM {name} WHERE council_code IN ({list})"
                ))
                .await
                .map_err(|e| SqlError::View {
                    name: name.clone(),
                    path: origin.clone(),
                    message: format!("a projection needs a council_code column: {e}"),
                })?;
            let schema = Arc::new(df.schema().as_arrow().clone());
            let batches = df.collect().await.map_err(|e| SqlError::View {
                name: name.clone(),
                path: origin.clone(),
                message: e.to_string(),
            })?;
            let schema = batches.first().map(|b| b.schema()).unwrap_or(schema);
            ctx.deregister_table(name.as_str()).map_err(engine)?;
            ctx.register_table(name.as_str(), memory(schema.clone(), batches.clone())?)
                .map_err(engine)?;
            out.insert(name.clone(), (schema, batches));
        }
        if failed.len() == before {
            if let Some((name, path, message)) = first_error {
                return Err(SqlError::View {
                    name,
                    path,
                    message,
                });
            }
        }
        pending = failed;
    }
    Ok(out)
}

/// Collected rows as a table (the batches' own schema: the plan's may differ in nullability).
fn memory(
    schema: datafusion::arrow::datatypes::SchemaRef,
    batches: Vec<RecordBatch>,
) -> SqlResult<Arc<dyn TableProvider>> {
    let schema = batches.first().map(|b| b.schema()).unwrap_or(schema);
    Ok(Arc::new(
        MemTable::try_new(schema, vec![batches]).map_err(engine)?,
    ))
}

/// How a computed result goes into its projection table.
enum Mode<'a> {
    /// The whole table (and its schema) replaced: the first group of a rebuild.
    Replace,
    /// Added: the later groups of a rebuild.
    Append,
    /// These councils' rows replaced.
    Councils(&'a [String]),
}

/// Writes one view's result; returns the projection table's new version.
async fn write(
    wh: &Warehouse,
    view: &str,
    schema: datafusion::arrow::datatypes::SchemaRef,
    mut batches: Vec<RecordBatch>,
    mode: Mode<'_>,
) -> SqlResult<i64> {
    let err = |e: deltalake::DeltaTableError| SqlError::Engine(format!("projection {view}: {e}"));
    let dir = wh
        .local_root()
        .map(|r| r.join(DIR).join(view))
        .ok_or_else(|| SqlError::Engine("projections need a local warehouse".into()))?;
    let exists = dir.join("_delta_log").is_dir();
    if !exists {
        std::fs::create_dir_all(&dir)
            .map_err(|e| SqlError::Engine(format!("{}: {e}", dir.display())))?;
    }
    batches.retain(|b| b.num_rows() > 0);
    if batches.is_empty() {
        batches.push(RecordBatch::new_empty(schema));
    }
    let table = if exists {
        deltalake::open_table(url(wh, view)?).await.map_err(err)?
    } else {
        DeltaTable::try_from_url(url(wh, view)?)
            .await
            .map_err(err)?
    };
    let write = table.write(batches);
    let write = match (mode, exists) {
        (Mode::Replace, _) | (_, false) => write
            .with_save_mode(SaveMode::Overwrite)
            .with_schema_mode(SchemaMode::Overwrite)
            .with_partition_columns(["council_code"])
            .with_table_name(view),
        (Mode::Append, true) => write.with_save_mode(SaveMode::Append),
        (Mode::Councils(councils), true) => write
            .with_save_mode(SaveMode::Overwrite)
            .with_replace_where(format!("council_code IN ({})", quoted(councils))),
    };
    let table = write.await.map_err(err)?;
    Ok(table.version().map(|v| v as i64).unwrap_or(0))
}

/// Deletes the files of the projection tables that refreshes replaced, once older than
/// `retention`; returns the files deleted per projection.
pub async fn vacuum(
    wh: &Warehouse,
    retention: std::time::Duration,
) -> SqlResult<Vec<(String, usize)>> {
    let Some(m) = read_manifest(wh)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for view in m.projections.keys() {
        let t = deltalake::open_table(url(wh, view)?)
            .await
            .map_err(|e| SqlError::Engine(format!("projection {view}: {e}")))?;
        let n = lapis_store::maintain::vacuum_table(t, view, retention).await?;
        out.push((format!("{DIR}/{view}"), n));
    }
    Ok(out)
}
