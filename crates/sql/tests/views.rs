//! Golden tests of the views over the four real reports (and the bundled 2025-26 sample, which
//! restates a 2024-25 figure).
//!
//! Each `tests/views/*.slt` file holds sqllogictest-style records:
//!
//! ```text
//! # why these rows are right, checked against the report text
//! query
//! SELECT ... ORDER BY ...
//! ----
//! value | value | NULL
//! ```
//!
//! Cells are joined with ` | `, nulls print as `NULL`, floats in Rust's shortest form. Every
//! expected row was checked by hand against the report lines it cites. A failing record prints
//! the query with the expected and actual rows. `LAPIS_BLESS=1` rewrites the expected rows from
//! the actual ones, for a person to review in the diff before committing.

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::prelude::SessionContext;
use lapis_store::{FixedClock, IngestRequest, Warehouse};

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
/// sample, and opens a session with every view.
async fn warehouse(dir: &Path, reverse: bool) -> SessionContext {
    let wh = Warehouse::open(
        dir.to_str().expect("utf-8 path"),
        Box::new(FixedClock(
            Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0)
                .single()
                .expect("time"),
        )),
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
        };
        wh.ingest(&req).await.expect("ingest");
    }
    lapis_sql::session(&wh, &repo().join("queries"), None)
        .await
        .expect("session")
}

async fn rows(ctx: &SessionContext, sql: &str) -> Vec<String> {
    let (_, batches) = lapis_sql::query(ctx, sql)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
    let opts = FormatOptions::default().with_null("NULL");
    let mut out = Vec::new();
    for batch in batches {
        let formatters: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts).expect("formatter"))
            .collect();
        for row in 0..batch.num_rows() {
            let cells: Vec<String> = formatters
                .iter()
                .map(|f| f.value(row).to_string())
                .collect();
            out.push(cells.join(" | "));
        }
    }
    out
}

struct Record {
    line: usize,
    sql: String,
    expected: Vec<String>,
}

fn records(text: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((no, line)) = lines.next() {
        if line.trim() != "query" {
            continue;
        }
        let mut sql = Vec::new();
        for (_, l) in lines.by_ref() {
            if l.trim() == "----" {
                break;
            }
            sql.push(l);
        }
        let mut expected = Vec::new();
        while let Some((_, l)) = lines.peek() {
            if l.trim().is_empty() {
                break;
            }
            expected.push(l.trim_end().to_string());
            lines.next();
        }
        out.push(Record {
            line: no + 1,
            sql: sql.join("\n"),
            expected,
        });
    }
    out
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
    assert!(files.len() >= 8, "a golden file per view");
    let mut failures = Vec::new();
    let mut checked = 0;
    let bless = std::env::var_os("LAPIS_BLESS").is_some();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read slt");
        let mut blessed: Vec<String> = text.lines().map(str::to_string).collect();
        let mut recs = records(&text);
        recs.reverse();
        for rec in recs {
            checked += 1;
            let actual = rows(&ctx, &rec.sql).await;
            if bless {
                // Rewrites the expected rows of this record (records are visited bottom-up so
                // earlier line numbers stay valid). The result still needs a person's review.
                let start = rec.line + rec.sql.lines().count() + 1;
                blessed.splice(start..start + rec.expected.len(), actual.clone());
            } else if actual != rec.expected {
                failures.push(format!(
                    "{}:{}\n{}\n-- expected\n{}\n-- actual\n{}\n",
                    file.display(),
                    rec.line,
                    rec.sql,
                    rec.expected.join("\n"),
                    actual.join("\n")
                ));
            }
        }
        if bless {
            std::fs::write(&file, blessed.join("\n") + "\n").expect("write slt");
        }
    }
    if bless {
        return;
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} records differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// BI tools read plain types: no dictionaries, no decimals, no 64-bit integers (counts are cast
/// to INT), UTC timestamps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn view_columns_have_bi_friendly_types() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = warehouse(dir.path(), false).await;
    let mut views = Vec::new();
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
                DataType::Timestamp(TimeUnit::Microsecond, Some(tz)) => tz.as_ref() == "UTC",
                _ => false,
            };
            assert!(ok, "{view}.{}: {}", f.name(), f.data_type());
        }
    }
}

/// The current belief does not depend on the order reports arrive in.
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
