//! Helpers of the job tests: reports from ../shared/reports, jobs written as TOML, fast fetch
//! settings, runs with their progress, and SQL over the warehouse.

#![allow(dead_code)]

pub mod server;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lapis_jobs::{FetchPolicy, Job, Progress};
use lapis_store::{JobRun, Warehouse};

pub fn report(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reports")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// How many observations lapis reads from a report text (what `lapis ingest` appends).
pub fn observations_in(text: &str, council: &str) -> usize {
    let ctx = lapis_extract::ReportContext {
        council_code: council,
        council_name: None,
        document_sha256: "0",
        layout: "auto",
        vocabulary: lapis_model::Vocabulary::builtin(),
    };
    lapis_extract::extract(text, &ctx)
        .expect("a report")
        .observations
        .len()
}

/// A job from its TOML text, as if it were `dir/<name>.toml`.
pub fn job(dir: &Path, text: &str) -> Job {
    let path = dir.join("job.toml");
    Job::from_toml(text, &path).unwrap_or_else(|e| panic!("{e}"))
}

/// Fetch settings for tests: short timeouts and backoff, no politeness delay.
pub fn fast() -> FetchPolicy {
    FetchPolicy {
        connect_timeout_secs: 2.0,
        timeout_secs: 2.0,
        max_bytes: lapis_extract::DEFAULT_MAX_BYTES,
        max_attempts: 3,
        backoff_initial_ms: 50,
        backoff_max_ms: 200,
        retry_after_max_secs: 5,
        max_redirects: 5,
        host_delay_ms: 0,
    }
}

/// Runs a job once by hand; returns the recorded run and the progress it reported.
pub async fn run(job: &Job, warehouse: &Path, policy: &FetchPolicy) -> (JobRun, Vec<Progress>) {
    let fetcher = lapis_jobs::Fetcher::new(policy).expect("client");
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let sink = seen.clone();
    let progress = move |p: Progress| sink.lock().expect("progress").push(p);
    let (_tx, cancel) = tokio::sync::watch::channel(false);
    let definitions = lapis_sql::Definitions::default();
    let ctx = lapis_jobs::RunContext {
        warehouse: warehouse.to_str().expect("utf-8 path"),
        fetcher: &fetcher,
        vocabulary: lapis_model::Vocabulary::builtin(),
        definitions: &definitions,
        lock_wait: Duration::from_secs(30),
        cancel,
        progress: &progress,
    };
    let run = lapis_jobs::run_job(job, lapis_jobs::Trigger::Manual, &ctx).await;
    let p = seen.lock().expect("progress").clone();
    (run, p)
}

/// The rows of a query, each as its columns joined by '|'.
pub async fn rows(warehouse: &Path, sql: &str) -> Vec<String> {
    use datafusion::arrow::array::Array;
    use datafusion::arrow::compute::cast;
    use datafusion::arrow::datatypes::DataType;
    let wh = Warehouse::open_reader(warehouse.to_str().expect("path"))
        .await
        .expect("warehouse");
    let ctx = lapis_sql::session(&wh, &lapis_sql::Definitions::default(), None)
        .await
        .expect("session");
    let (_, batches) = lapis_sql::query(&ctx, sql).await.expect(sql);
    let mut out = Vec::new();
    for b in batches {
        let cols: Vec<_> = b
            .columns()
            .iter()
            .map(|c| cast(c, &DataType::Utf8).expect("cast"))
            .collect();
        for r in 0..b.num_rows() {
            let cells: Vec<String> = cols
                .iter()
                .map(|c| {
                    let s = c
                        .as_any()
                        .downcast_ref::<datafusion::arrow::array::StringArray>()
                        .expect("utf8");
                    if s.is_null(r) {
                        "NULL".into()
                    } else {
                        s.value(r).to_string()
                    }
                })
                .collect();
            out.push(cells.join("|"));
        }
    }
    out
}

pub async fn one(warehouse: &Path, sql: &str) -> String {
    rows(warehouse, sql)
        .await
        .into_iter()
        .next()
        .unwrap_or_default()
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

pub fn wh(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("warehouse")
}
