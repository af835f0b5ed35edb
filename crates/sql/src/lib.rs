//! lapis-sql: a DataFusion session over the warehouse.
//!
//! The Delta tables are registered as `raw_<table>`. The public tables (`observations`,
//! `reports`, …) are views over them that show only events whose report row exists (the commit
//! marker, see `lapis-store`) and, for `--as-of`, only what was recorded by then. Measure ids are
//! mapped through the aliases of the measure catalog. Then every `queries/*.sql` file is
//! registered as a view named after the file, in dependency order.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::prelude::{CsvReadOptions, SessionConfig, SessionContext};
use lapis_store::schema::TABLES;
use lapis_store::Warehouse;

pub mod aliases;
pub mod udf;

#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// The user's SQL is wrong (syntax, unknown column or table).
    #[error("{0}")]
    Query(String),
    /// A view file in queries/ is wrong: our bug or a local edit.
    #[error("view {name} ({path}): {message}")]
    View {
        name: String,
        path: String,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] lapis_store::StoreError),
    #[error("{0}")]
    Engine(String),
}

pub type SqlResult<T> = Result<T, SqlError>;

/// Where the view files live: `LAPIS_QUERIES`, else `./queries`, else the source tree's.
pub fn default_queries_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("LAPIS_QUERIES") {
        return PathBuf::from(dir);
    }
    let local = PathBuf::from("queries");
    if local.is_dir() {
        return local;
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../queries"))
}

/// The measure catalog file beside the views: `<queries>/../catalog/measures.csv`.
fn catalog_path(queries: &Path) -> PathBuf {
    queries.join("..").join("catalog").join("measures.csv")
}

fn ts_literal(t: DateTime<Utc>) -> String {
    format!("TIMESTAMP '{}'", t.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
}

/// The select list of a public view over `raw_<table>` (aliased `t`): every column of the
/// table's schema, strings cast to plain `Utf8` (the Delta provider may hand out `Utf8View`,
/// which BI drivers do not know), with `overrides` giving the expression for some columns.
fn columns(table: &str, overrides: &[(&str, &str)]) -> String {
    lapis_store::schema::schema(table)
        .fields()
        .iter()
        .map(|f| {
            let name = f.name();
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

/// Builds a session over the warehouse with every view registered.
pub async fn session(
    wh: &Warehouse,
    queries: &Path,
    as_of: Option<DateTime<Utc>>,
) -> SqlResult<SessionContext> {
    let config = SessionConfig::new()
        .with_information_schema(true)
        .with_default_catalog_and_schema("lapis", "public")
        .with_target_partitions(2)
        // BI tools and drivers know Utf8, not Utf8View: keep plain strings end to end.
        .set_bool("datafusion.sql_parser.map_string_types_to_utf8view", false)
        .set_bool(
            "datafusion.execution.parquet.schema_force_view_types",
            false,
        );
    let ctx = SessionContext::new_with_config(config);
    udf::register(&ctx);
    for table in TABLES {
        let t = wh.table(table).await?;
        t.update_datafusion_session(&ctx.state())
            .map_err(|e| SqlError::Engine(e.to_string()))?;
        let provider = t
            .table_provider()
            .await
            .map_err(|e| SqlError::Engine(e.to_string()))?;
        ctx.register_table(format!("raw_{table}"), provider)
            .map_err(|e| SqlError::Engine(e.to_string()))?;
    }
    let catalog = catalog_path(queries);
    let catalog_schema = Schema::new(
        [
            "council_code",
            "measure_id",
            "canonical_id",
            "polarity",
            "note",
        ]
        .map(|name| Field::new(name, DataType::Utf8, true))
        .to_vec(),
    );
    if catalog.is_file() {
        let opts = CsvReadOptions::new()
            .has_header(true)
            .comment(b'#')
            .schema(&catalog_schema);
        ctx.register_csv("measure_catalog", catalog.to_string_lossy().as_ref(), opts)
            .await
            .map_err(|e| SqlError::View {
                name: "measure_catalog".into(),
                path: catalog.display().to_string(),
                message: e.to_string(),
            })?;
    } else {
        ctx.sql("CREATE VIEW measure_catalog AS SELECT CAST(NULL AS VARCHAR) AS council_code, CAST(NULL AS VARCHAR) AS measure_id, CAST(NULL AS VARCHAR) AS canonical_id, CAST(NULL AS VARCHAR) AS polarity, CAST(NULL AS VARCHAR) AS note WHERE false")
            .await
            .map_err(|e| SqlError::Engine(e.to_string()))?;
    }
    let recorded = |alias: &str| {
        as_of
            .map(|t| format!(" AND {alias}.recorded_at <= {}", ts_literal(t)))
            .unwrap_or_default()
    };
    let mut base = vec![format!(
        "CREATE VIEW reports AS SELECT {} FROM raw_reports t WHERE true{}",
        columns("reports", &[]),
        recorded("t")
    )];
    base.push(format!(
        "CREATE VIEW documents AS SELECT {} FROM raw_documents t WHERE t.sha256 IN (SELECT document_sha256 FROM reports)",
        columns("documents", &[])
    ));
    for table in ["objective_updates", "report_claims", "parse_issues"] {
        base.push(format!(
            "CREATE VIEW {table} AS SELECT {} FROM raw_{table} t WHERE t.report_id IN (SELECT report_id FROM reports)",
            columns(table, &[])
        ));
    }
    base.push(format!(
        "CREATE VIEW observations AS SELECT {} FROM raw_observations t LEFT JOIN (SELECT DISTINCT measure_id, canonical_id FROM measure_catalog WHERE canonical_id IS NOT NULL AND canonical_id <> '') c ON t.measure_id = c.measure_id WHERE t.report_id IN (SELECT report_id FROM reports)",
        columns("observations", &[("measure_id", "COALESCE(c.canonical_id, t.measure_id)")])
    ));
    base.push(format!(
        "CREATE VIEW job_runs AS SELECT {} FROM raw_job_runs t WHERE true{}",
        columns("job_runs", &[]),
        recorded("t")
    ));
    for sql in base {
        ctx.sql(&sql)
            .await
            .map_err(|e| SqlError::Engine(format!("{e} in {sql}")))?;
    }
    register_views(&ctx, queries).await?;
    Ok(ctx)
}

/// Registers every `*.sql` file in `dir` as a view named after the file. Files may use each
/// other; they are retried until every one resolves.
pub async fn register_views(ctx: &SessionContext, dir: &Path) -> SqlResult<Vec<String>> {
    let mut pending: Vec<(String, PathBuf, String)> = Vec::new();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| SqlError::Engine(format!("queries directory {}: {e}", dir.display())))?;
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
        pending.push((name, path, sql));
    }
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

/// DataFusion errors can span lines; a person reads one.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
