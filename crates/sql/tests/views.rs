//! Golden tests of the views over the four real reports (and the bundled 2025-26 sample, which
//! restates a 2024-25 figure), run by the `sqllogictest` crate (DataFusion's own format and
//! runner).
//!
//! Each `tests/views/*.slt` file holds records:
//!
//! ```text
//! # why these rows are right, checked against the report lines cited here
//! query TTR
//! SELECT ... ORDER BY ...
//! ----
//! value | value | NULL
//! ```
//!
//! Cells are joined with ` | `, nulls print as `NULL`, floats in Rust's shortest form. Every
//! expected row was checked by hand against the report lines cited beside it. A failing record
//! prints the query with the expected and actual rows. `LAPIS_BLESS=1` rewrites the expected
//! rows (sqllogictest's `--complete`), for a person to review in the diff before committing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::prelude::SessionContext;
use lapis_ingest::IngestRequest;
use lapis_store::{SteppingClock, Warehouse};
use sqllogictest::{DBOutput, DefaultColumnType};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const REPORTS: [(&str, &str); 4] = [
    ("derbyshire-county-2019-20-annual.txt", "E10000007"),
    ("derbyshire-county-2023-24-q2.txt", "E10000007"),
    ("derbyshire-county-2024-25-q1.txt", "E10000007"),
    ("derby-city-2024-25-annual.txt", "E06000015"),
];

/// Ingests the reports (newest first when `reverse`, to show order does not matter) and the
/// sample, each at its own time (a clock that moves on a minute per append), and opens a
/// session with every view.
async fn warehouse(dir: &Path, reverse: bool) -> SessionContext {
    let start = Utc
        .with_ymd_and_hms(2026, 11, 24, 9, 0, 0)
        .single()
        .expect("time");
    let wh = Warehouse::open_writer(
        dir.to_str().expect("utf-8 path"),
        Box::new(SteppingClock::new(start, chrono::Duration::minutes(1))),
        Duration::from_secs(10),
    )
    .await
    .expect("open warehouse");
    let shared = repo().join("../shared/reports");
    let mut files: Vec<(PathBuf, &str)> = REPORTS
        .iter()
        .map(|(f, code)| (shared.join(f), *code))
        .collect();
    files.push((
        repo().join("samples/derbyshire-county-2025-26-q1-sample.txt"),
        "E10000007",
    ));
    if reverse {
        files.reverse();
    }
    for (path, code) in files {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let req = IngestRequest {
            bytes: &bytes,
            source_uri: format!("file://{}", path.display()),
            council_code: code.to_string(),
            council_name: None,
            job: None,
            media_type: "text/plain".into(),
            fetched_at: None,
            etag: None,
            last_modified: None,
            layout: "auto".into(),
            vocabulary: lapis_model::Vocabulary::builtin(),
        };
        lapis_ingest::ingest(&wh, &req).await.expect("ingest");
    }
    drop(wh);
    let reader = Warehouse::open_reader(dir.to_str().expect("utf-8 path"))
        .await
        .expect("open for reading");
    lapis_sql::session(&reader, &lapis_sql::Definitions::default(), None)
        .await
        .expect("session")
}

async fn rows(ctx: &SessionContext, sql: &str) -> Vec<String> {
    let (_, batches) = lapis_sql::query(ctx, sql)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
    cells(&batches)
        .into_iter()
        .map(|row| row.join(" | "))
        .collect()
}

/// Each row's cells as printed: nulls as `NULL`, floats in Rust's shortest form.
fn cells(batches: &[datafusion::arrow::array::RecordBatch]) -> Vec<Vec<String>> {
    let opts = FormatOptions::default().with_null("NULL");
    let mut out = Vec::new();
    for batch in batches {
        let formatters: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts).expect("formatter"))
            .collect();
        for row in 0..batch.num_rows() {
            out.push(
                formatters
                    .iter()
                    .map(|f| f.value(row).to_string())
                    .collect(),
            );
        }
    }
    out
}

/// The session as a sqllogictest database.
#[derive(Clone)]
struct Lapis(SessionContext);

#[async_trait::async_trait]
impl sqllogictest::AsyncDB for Lapis {
    type Error = lapis_sql::SqlError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, Self::Error> {
        let (schema, batches) = lapis_sql::query(&self.0, sql).await?;
        let types = schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Int32 | DataType::Int64 => DefaultColumnType::Integer,
                DataType::Float64 => DefaultColumnType::FloatingPoint,
                DataType::Utf8 => DefaultColumnType::Text,
                _ => DefaultColumnType::Any,
            })
            .collect();
        let rows = cells(&batches);
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "lapis"
    }
}

/// Rows are compared as printed: cells joined with ` | `, trailing space ignored.
fn pipe_validator(
    _normalizer: sqllogictest::Normalizer,
    actual: &[Vec<String>],
    expected: &[String],
) -> bool {
    let actual: Vec<String> = actual.iter().map(|r| r.join(" | ")).collect();
    let expected: Vec<String> = expected.iter().map(|l| l.trim_end().to_string()).collect();
    actual == expected
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_match_their_golden_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = warehouse(dir.path(), false).await;
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/views"))
            .expect("tests/views")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("slt"))
            .collect();
    files.sort();
    assert!(files.len() >= 9, "a golden file per view");
    let bless = std::env::var_os("LAPIS_BLESS").is_some();
    let mut failures = Vec::new();
    for file in &files {
        let db = Lapis(ctx.clone());
        let mut runner = sqllogictest::Runner::new(move || {
            let db = db.clone();
            async move { Ok::<_, lapis_sql::SqlError>(db) }
        });
        runner.with_validator(pipe_validator);
        if bless {
            runner
                .update_test_file(
                    file,
                    " | ",
                    pipe_validator,
                    sqllogictest::default_normalizer,
                    sqllogictest::default_column_validator,
                )
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        } else if let Err(e) = runner.run_file_async(file).await {
            failures.push(format!("{}: {}", file.display(), e.display(false)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// BI tools read plain types: no dictionaries, no decimals, no 64-bit integers (counts are cast
/// to INT; `documents.bytes` is the one BIGINT, a size), UTC timestamps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn view_columns_have_bi_friendly_types() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = warehouse(dir.path(), false).await;
    let mut views = Vec::new();
    // Every view file, and the public tables.
    views.extend(lapis_store::schema::TABLES.map(String::from));
    views.push("extractions".into());
    for entry in std::fs::read_dir(repo().join("queries"))
        .expect("queries")
        .flatten()
    {
        let p = entry.path();
        if p.extension().and_then(|e| e.to_str()) == Some("sql") {
            views.push(
                p.file_stem()
                    .and_then(|s| s.to_str())
                    .expect("name")
                    .to_string(),
            );
        }
    }
    assert!(views.len() >= 10, "{views:?}");
    for view in views {
        let (schema, _) = lapis_sql::query(&ctx, &format!("SELECT * FROM {view} LIMIT 0"))
            .await
            .expect("query view");
        for f in schema.fields() {
            let ok = match f.data_type() {
                DataType::Utf8
                | DataType::Float64
                | DataType::Int32
                | DataType::Date32
                | DataType::Boolean => true,
                // Sizes may pass 2 GiB once limits are raised.
                DataType::Int64 => {
                    matches!(view.as_str(), "documents" | "fetches") && f.name() == "bytes"
                }
                DataType::Timestamp(TimeUnit::Microsecond, Some(tz)) => tz.as_ref() == "UTC",
                _ => false,
            };
            assert!(ok, "{view}.{}: {}", f.name(), f.data_type());
        }
    }
}

/// The current belief does not depend on the order reports arrive in: the two warehouses
/// record their reports at different times, in opposite orders.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_order_does_not_change_current_views() {
    let (a, b) = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let forward = warehouse(a.path(), false).await;
    let backward = warehouse(b.path(), true).await;
    for sql in [
        "SELECT council_code, measure_id, period_kind, period_label, value_text, target_text, rating, benchmark_text, report_id FROM observations_current ORDER BY 1, 2, 3, 4",
        "SELECT council_code, measure_id, period_label, value, published_rating, computed_rating, rating_rank, polarity FROM current_ratings ORDER BY 1, 2",
        "SELECT council_code, measure_id, period_label, change, direction FROM yoy_direction ORDER BY 1, 2, 3",
        "SELECT council_code, measure_id, period_label, gap, better_than_benchmark FROM benchmark_gaps ORDER BY 1, 2, 3",
        "SELECT council_code, kind, objective_ref, title, rating, previous_rating, change FROM objective_status ORDER BY 1, 2, 3, 4",
        "SELECT * FROM restatements ORDER BY 1, 2, 5",
    ] {
        let (x, y) = (rows(&forward, sql).await, rows(&backward, sql).await);
        assert!(!x.is_empty(), "{sql}");
        assert_eq!(x, y, "{sql}");
    }
}

/// One meaning per word: every view whose rows are about a period carries the same five period
/// columns, with the same types, so a dashboard filters them all the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_per_period_view_carries_the_same_period_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = warehouse(dir.path(), false).await;
    let expected = [
        ("period_kind", DataType::Utf8),
        ("period_label", DataType::Utf8),
        ("period_year", DataType::Int32),
        ("period_quarter", DataType::Int32),
        ("period_end", DataType::Date32),
    ];
    for view in [
        "observations",
        "observations_current",
        "restatements",
        "current_ratings",
        "rating_audit",
        "objective_status",
        "yoy_direction",
        "benchmark_gaps",
        "claim_reconciliation",
        "polarity_evidence",
    ] {
        let (schema, batches) = lapis_sql::query(
            &ctx,
            &format!("SELECT period_kind, period_label, period_year, period_quarter, period_end FROM {view}"),
        )
        .await
        .unwrap_or_else(|e| panic!("{view}: {e}"));
        for (field, (name, ty)) in schema.fields().iter().zip(&expected) {
            assert_eq!(
                (field.name().as_str(), field.data_type()),
                (*name, ty),
                "{view}"
            );
        }
        assert!(
            batches.iter().map(|b| b.num_rows()).sum::<usize>() > 0,
            "{view} has rows"
        );
    }
}
