//! lapis-sql: a DataFusion session over the warehouse.
//!
//! The Delta tables are registered as `raw_<table>`, `raw_reports` first: it is committed last
//! by every append, so every report a reader sees has all its events in the tables loaded after
//! it (a reader never sees half an ingest). The public tables (`observations`, `reports`, …) are
//! views over them that show only events whose report row exists (the commit marker, see
//! `lapis-store`), of each document only its latest extraction (`extractions` lists them all),
//! and, for `--as-of`, only what was recorded by then. Measure ids are mapped through the
//! aliases of the measure catalog, council by council. Then every view of `queries/` is
//! registered, in dependency order.
//!
//! The views and the catalog are compiled in ([`embedded`]); [`Definitions`] can point at a
//! directory of view files and a catalog file instead.

// The errors carry a StoreError (a Delta error) by value; they are on cold paths, once per
// document or query, where a larger Result costs nothing measurable.
#![allow(clippy::result_large_err)]

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::DataType;
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use lapis_store::schema::TABLES;
use lapis_store::Warehouse;

pub mod aliases;
pub mod catalog;
pub mod coop;
pub mod live;
pub mod projection;
pub mod udf;

/// The views and the measure catalog compiled into the binary.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// The user's SQL is wrong (syntax, unknown column or table) or not allowed.
    #[error("{0}")]
    Query(String),
    /// A view file is wrong: our bug or a local edit.
    #[error("view {name} ({path}): {message}")]
    View {
        name: String,
        path: String,
        message: String,
    },
    #[error(transparent)]
    Catalog(#[from] catalog::CatalogError),
    #[error(transparent)]
    Store(#[from] lapis_store::StoreError),
    #[error("{0}")]
    Engine(String),
}

pub type SqlResult<T> = Result<T, SqlError>;

/// Where the views and the measure catalog come from: compiled in unless a directory of view
/// files or a catalog file is given.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    pub queries_dir: Option<PathBuf>,
    pub catalog: Option<PathBuf>,
}

impl Definitions {
    /// The views, as (name, where it came from, SQL), sorted by name.
    pub fn views(&self) -> SqlResult<Vec<(String, String, String)>> {
        let Some(dir) = &self.queries_dir else {
            return Ok(embedded::VIEWS
                .iter()
                .map(|(name, sql)| {
                    (
                        name.to_string(),
                        format!("built-in {name}.sql"),
                        sql.to_string(),
                    )
                })
                .collect());
        };
        let entries = std::fs::read_dir(dir)
            .map_err(|e| SqlError::Engine(format!("queries directory {}: {e}", dir.display())))?;
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("sql") {
                continue;
            }
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let sql = std::fs::read_to_string(&path)
                .map_err(|e| SqlError::Engine(format!("{}: {e}", path.display())))?;
            out.push((name, path.display().to_string(), sql));
        }
        out.sort();
        Ok(out)
    }

    /// A hash of everything the views' results depend on besides the events: the views' SQL,
    /// the measure catalog and this lapis's version (its public tables). Projections built
    /// under other definitions are not used.
    pub fn fingerprint(&self) -> SqlResult<String> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(env!("CARGO_PKG_VERSION"));
        h.update([0]);
        h.update(projection::FORMAT.to_le_bytes());
        for (name, _, sql) in self.views()? {
            h.update(name);
            h.update([0]);
            h.update(sql);
            h.update([0]);
        }
        match &self.catalog {
            None => h.update(embedded::CATALOG),
            Some(path) => h.update(
                std::fs::read(path)
                    .map_err(|e| SqlError::Engine(format!("catalog {}: {e}", path.display())))?,
            ),
        }
        Ok(hex::encode(h.finalize()))
    }

    /// The measure catalog, validated.
    pub fn catalog(&self) -> SqlResult<Vec<catalog::Entry>> {
        match &self.catalog {
            None => Ok(catalog::parse(
                embedded::CATALOG,
                "the built-in catalog/measures.csv",
            )?),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| SqlError::Engine(format!("catalog {}: {e}", path.display())))?;
                Ok(catalog::parse(&text, &path.display().to_string())?)
            }
        }
    }
}

fn ts_literal(t: DateTime<Utc>) -> String {
    format!("TIMESTAMP '{}'", t.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
}

/// The select list of a public view over `raw_<table>` (aliased `t`): every column of the
/// table's schema, strings cast to plain `Utf8` (the Delta provider may hand out `Utf8View`,
/// which BI drivers do not know), with `overrides` giving the expression for some columns.
fn columns(
    table: &str,
    overrides: &[(&str, &str)],
    present: &std::collections::HashMap<String, std::collections::HashSet<String>>,
) -> String {
    let have = present.get(table);
    lapis_store::schema::schema(table)
        .fields()
        .iter()
        .map(|f| {
            let name = f.name();
            // A column a newer lapis added, in a warehouse no writer has upgraded yet: null.
            if have.is_some_and(|h| !h.contains(name.as_str())) {
                let sql_type = match f.data_type() {
                    DataType::Int32 => "INT",
                    DataType::Int64 => "BIGINT",
                    DataType::Float64 => "DOUBLE",
                    DataType::Boolean => "BOOLEAN",
                    DataType::Date32 => "DATE",
                    _ => "VARCHAR",
                };
                return format!("CAST(NULL AS {sql_type}) AS {name}");
            }
            let expr = overrides
                .iter()
                .find(|(column, _)| column == name)
                .map(|(_, expr)| expr.to_string())
                .unwrap_or_else(|| format!("t.{name}"));
            match f.data_type() {
                DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => {
                    format!("CAST({expr} AS VARCHAR) AS {name}")
                }
                _ => format!("{expr} AS {name}"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Counts that fit 32 bits are exposed as INT (BI tools map BIGINT to decimals or longs).
/// `documents.bytes` and `fetches.bytes` stay BIGINT: sizes, which may pass 2 GiB once limits
/// are raised.
const INT_COUNTS: [(&str, &str); 6] = [
    ("count", "CAST(t.count AS INT)"),
    ("documents_seen", "CAST(t.documents_seen AS INT)"),
    ("documents_new", "CAST(t.documents_new AS INT)"),
    ("documents_unchanged", "CAST(t.documents_unchanged AS INT)"),
    ("documents_failed", "CAST(t.documents_failed AS INT)"),
    ("events_appended", "CAST(t.events_appended AS INT)"),
];

/// Builds a session over the warehouse with every view registered.
pub async fn session(
    wh: &Warehouse,
    defs: &Definitions,
    as_of: Option<DateTime<Utc>>,
) -> SqlResult<SessionContext> {
    Ok(build(wh, defs, as_of, None).await?.0)
}

/// Builds a long-lived session (a connection of the SQL server): its tables follow the
/// warehouse through [`live::LiveTables::refresh`], and it runs on `runtime` (the server's
/// shared memory pool). The `raw_*` tables are left out of its catalog (the views still read
/// them): they show events of interrupted ingests, which are not what a BI user should see.
pub async fn live_session(
    wh: &Warehouse,
    defs: &Definitions,
    runtime: Arc<datafusion::execution::runtime_env::RuntimeEnv>,
) -> SqlResult<(SessionContext, Arc<live::LiveTables>)> {
    let (ctx, live) = build(wh, defs, None, Some(runtime)).await?;
    for table in TABLES {
        ctx.deregister_table(format!("raw_{table}"))
            .map_err(|e| SqlError::Engine(e.to_string()))?;
    }
    Ok((ctx, live.expect("live tables of a live session")))
}

/// A session with lapis's settings, its joins made to give way (see [`coop`]), on `runtime`
/// or a runtime of its own.
pub(crate) fn new_session(
    runtime: Option<Arc<datafusion::execution::runtime_env::RuntimeEnv>>,
) -> SessionContext {
    let state = datafusion::execution::SessionStateBuilder::new()
        .with_config(session_config())
        .with_runtime_env(runtime.unwrap_or_default())
        .with_default_features()
        .with_physical_optimizer_rule(Arc::new(coop::YieldingJoins))
        .build();
    SessionContext::new_with_state(state)
}

/// The session settings every lapis session shares.
pub(crate) fn session_config() -> SessionConfig {
    SessionConfig::new()
        .with_information_schema(true)
        .with_default_catalog_and_schema("lapis", "public")
        .with_target_partitions(2)
        // BI tools and drivers know Utf8, not Utf8View: keep plain strings end to end.
        .set_bool("datafusion.sql_parser.map_string_types_to_utf8view", false)
        .set_bool(
            "datafusion.execution.parquet.schema_force_view_types",
            false,
        )
}

async fn build(
    wh: &Warehouse,
    defs: &Definitions,
    as_of: Option<DateTime<Utc>>,
    runtime: Option<Arc<datafusion::execution::runtime_env::RuntimeEnv>>,
) -> SqlResult<(SessionContext, Option<Arc<live::LiveTables>>)> {
    let ctx = new_session(runtime.clone());
    udf::register(&ctx);
    // With usable projections the event tables are read at the versions they reflect.
    let manifest = match as_of {
        None => projection::usable(wh, defs)?,
        Some(_) => None,
    };
    let mut live_tables = None;
    let mut projected: Vec<(String, Arc<dyn datafusion::datasource::TableProvider>)> = Vec::new();
    if runtime.is_some() {
        let state = ctx.state();
        let live = live::LiveTables::open(wh, &state, manifest.clone()).await?;
        for (table, provider) in live.tables() {
            ctx.register_table(format!("raw_{table}"), provider)
                .map_err(|e| SqlError::Engine(e.to_string()))?;
        }
        for (view, provider) in live.projections() {
            projected.push((view.to_string(), provider));
        }
        live_tables = Some(Arc::new(live));
    } else {
        // `reports` first (TABLES starts with it): see the module docs.
        let (tables, projections) = live::load_all(wh, &ctx.state(), manifest.as_ref()).await?;
        for (table, (provider, _)) in TABLES.into_iter().zip(tables) {
            ctx.register_table(format!("raw_{table}"), provider)
                .map_err(|e| SqlError::Engine(e.to_string()))?;
        }
        if let Some(m) = &manifest {
            for (view, provider) in m.projections.keys().zip(projections) {
                projected.push((view.clone(), provider));
            }
        }
    }
    register_base(&ctx, defs, as_of).await?;
    if projected.is_empty() {
        register_views(&ctx, defs.views()?).await?;
    } else {
        for (view, provider) in projected {
            let order = manifest.as_ref().and_then(|m| m.columns.get(&view));
            ctx.register_table(view.as_str(), projection::as_view(&view, provider, order)?)
                .map_err(|e| SqlError::Engine(e.to_string()))?;
        }
    }
    Ok((ctx, live_tables))
}

/// Registers the measure catalog and the public tables (views over the `raw_*` tables, which
/// must be registered already).
pub(crate) async fn register_base(
    ctx: &SessionContext,
    defs: &Definitions,
    as_of: Option<DateTime<Utc>>,
) -> SqlResult<()> {
    let entries = defs.catalog()?;
    let catalog_table =
        MemTable::try_new(catalog::schema(), vec![vec![catalog::to_batch(&entries)]])
            .map_err(|e| SqlError::Engine(e.to_string()))?;
    ctx.register_table("measure_catalog", Arc::new(catalog_table))
        .map_err(|e| SqlError::Engine(e.to_string()))?;
    // The columns each raw table has (a warehouse of an older format may lack new ones).
    let mut present = std::collections::HashMap::new();
    for table in TABLES {
        if let Ok(provider) = ctx.table_provider(format!("raw_{table}")).await {
            let names = provider
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect::<std::collections::HashSet<_>>();
            present.insert(table.to_string(), names);
        }
    }
    let recorded = |alias: &str| {
        as_of
            .map(|t| format!(" AND {alias}.recorded_at <= {}", ts_literal(t)))
            .unwrap_or_default()
    };
    let report_columns = columns("reports", &[], &present);
    let plain_report_columns = lapis_store::schema::schema("reports")
        .fields()
        .iter()
        .map(|f| format!("t.{}", f.name()))
        .collect::<Vec<_>>()
        .join(", ");
    let base = [
        // Every committed extraction; the latest of each document is current.
        format!(
            "CREATE VIEW extractions AS SELECT {report_columns},              ROW_NUMBER() OVER (PARTITION BY t.document_sha256 ORDER BY COALESCE(t.extraction_seq, 1) DESC, t.recorded_at DESC) = 1 AS is_current,              MIN(t.recorded_at) OVER (PARTITION BY t.document_sha256) AS first_recorded_at              FROM raw_reports t WHERE true{}",
            recorded("t")
        ),
        // "Newer report" is defined here, once: the later period, then the later publication,
        // then the document first recorded later. report_recency orders reports by it.
        format!(
            "CREATE VIEW reports AS SELECT {plain_report_columns},              CAST(ROW_NUMBER() OVER (ORDER BY t.period_end, t.published_at NULLS FIRST, t.first_recorded_at, t.report_id) AS INT) AS report_recency              FROM extractions t WHERE t.is_current"
        ),
        format!(
            "CREATE VIEW documents AS SELECT {} FROM raw_documents t WHERE t.sha256 IN (SELECT document_sha256 FROM reports)",
            columns("documents", &[], &present)
        ),
        format!(
            "CREATE VIEW objective_updates AS SELECT {} FROM raw_objective_updates t WHERE t.report_id IN (SELECT report_id FROM reports)",
            columns("objective_updates", &[], &present)
        ),
        format!(
            "CREATE VIEW report_claims AS SELECT {} FROM raw_report_claims t WHERE t.report_id IN (SELECT report_id FROM reports)",
            columns("report_claims", &INT_COUNTS, &present)
        ),
        format!(
            "CREATE VIEW parse_issues AS SELECT {} FROM raw_parse_issues t WHERE t.report_id IN (SELECT report_id FROM reports)",
            columns("parse_issues", &[], &present)
        ),
        // Aliases are per council: a catalog row maps only its own council's measure.
        format!(
            "CREATE VIEW observations AS SELECT {} FROM raw_observations t              LEFT JOIN (SELECT council_code AS c_council, measure_id AS c_measure, canonical_id FROM measure_catalog WHERE canonical_id IS NOT NULL) c                ON t.council_code = c.c_council AND t.measure_id = c.c_measure              WHERE t.report_id IN (SELECT report_id FROM reports)",
            columns(
                "observations",
                &[("measure_id", "COALESCE(c.canonical_id, t.measure_id)")],
                &present
            )
        ),
        format!(
            "CREATE VIEW job_runs AS SELECT {} FROM raw_job_runs t WHERE true{}",
            columns("job_runs", &INT_COUNTS, &present),
            recorded("t")
        ),
        format!(
            "CREATE VIEW fetches AS SELECT {} FROM raw_fetches t WHERE true{}",
            columns("fetches", &[], &present),
            recorded("t")
        ),
        format!(
            "CREATE VIEW corrections AS SELECT {} FROM raw_corrections t WHERE true{}",
            columns("corrections", &[], &present),
            recorded("t")
        ),
    ];
    for sql in base {
        ctx.sql(&sql)
            .await
            .map_err(|e| SqlError::Engine(format!("{e} in {sql}")))?;
    }
    Ok(())
}

/// Registers each (name, origin, SQL) as a view named `name`. Views may use each other; they
/// are retried until every one resolves.
pub async fn register_views(
    ctx: &SessionContext,
    views: Vec<(String, String, String)>,
) -> SqlResult<Vec<String>> {
    let mut pending: Vec<(String, PathBuf, String)> = views
        .into_iter()
        .map(|(name, origin, sql)| (name, PathBuf::from(origin), sql))
        .collect();
    pending.sort();
    let mut done = Vec::new();
    while !pending.is_empty() {
        let before = pending.len();
        let mut failed = Vec::new();
        let mut first_error = None;
        for (name, path, sql) in pending {
            let body = sql.trim().trim_end_matches(';');
            match ctx.sql(&format!("CREATE VIEW {name} AS {body}")).await {
                Ok(_) => done.push(name),
                Err(e) => {
                    first_error.get_or_insert_with(|| (name.clone(), path.clone(), e.to_string()));
                    failed.push((name, path, sql));
                }
            }
        }
        if failed.len() == before {
            // A round without progress: the first failure is a real error, not an ordering one.
            if let Some((name, path, message)) = first_error {
                return Err(SqlError::View {
                    name,
                    path: path.display().to_string(),
                    message,
                });
            }
        }
        pending = failed;
    }
    Ok(done)
}

/// Runs one SQL statement and collects its rows. Only queries are accepted.
pub async fn query(
    ctx: &SessionContext,
    sql: &str,
) -> SqlResult<(Arc<datafusion::arrow::datatypes::Schema>, Vec<RecordBatch>)> {
    check_depth(sql)?;
    let opts = datafusion::execution::context::SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false);
    let df = ctx
        .sql_with_options(sql, opts)
        .await
        .map_err(|e| SqlError::Query(one_line(&e.to_string())))?;
    let schema = Arc::new(df.schema().as_arrow().clone());
    let batches = df
        .collect()
        .await
        .map_err(|e| SqlError::Query(one_line(&e.to_string())))?;
    Ok((schema, batches))
}

/// How deeply a query may nest expressions. Planning a 20,000-term sum takes minutes and a
/// very deep stack; no dashboard needs more than a few dozen levels.
pub const MAX_EXPR_DEPTH: usize = 1_000;

/// Refuses a query whose expressions nest deeper than [`MAX_EXPR_DEPTH`], before it is planned.
/// The walk stops at the limit, so checking costs no deeper recursion than the limit.
pub fn check_depth(sql: &str) -> SqlResult<()> {
    use datafusion::sql::parser::{DFParserBuilder, Statement};
    use datafusion::sql::sqlparser::ast::{Expr, Visit, Visitor};
    use std::ops::ControlFlow;

    struct Depth {
        now: usize,
    }
    impl Visitor for Depth {
        type Break = ();
        fn pre_visit_expr(&mut self, _: &Expr) -> ControlFlow<()> {
            self.now += 1;
            if self.now > MAX_EXPR_DEPTH {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
        fn post_visit_expr(&mut self, _: &Expr) -> ControlFlow<()> {
            self.now -= 1;
            ControlFlow::Continue(())
        }
    }
    // Syntax errors are reported by the planner, with its own message.
    let Ok(statements) = DFParserBuilder::new(sql)
        .build()
        .and_then(|mut p| p.parse_statements())
    else {
        return Ok(());
    };
    for statement in statements {
        if let Statement::Statement(s) = statement {
            if s.visit(&mut Depth { now: 0 }).is_break() {
                return Err(SqlError::Query(format!(
                    "the query nests expressions more than {MAX_EXPR_DEPTH} deep; lapis refuses it before planning (split it, or use a subquery)"
                )));
            }
        }
    }
    Ok(())
}

/// DataFusion errors can span lines; a person reads one.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
