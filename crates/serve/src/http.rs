//! The daemon's HTTP side, on its own port and behind the same users as SQL (HTTP Basic,
//! checked against the SCRAM verifiers; use TLS in front of it beyond loopback):
//! - `/health`: readiness: the warehouse readable, each job's last result (503 if not readable);
//! - `/jobs`: each job, its schedule, last and next run;
//! - `/metrics`: Prometheus text: runs, failures, documents and events of the jobs (from
//!   `job_runs`), queries, refusals, errors and query durations (a histogram) of the SQL server;
//! - `/export/{view}.csv` and `.parquet`: any view or table, filtered on `council` (council_code)
//!   and `period` (period_label), CSV streamed batch by batch.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::{Request, Response, StatusCode};
use lapis_sql::Definitions;
use lapis_store::Warehouse;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::auth::Users;

/// Upper bounds of the query-duration histogram, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0];

/// Counters of the SQL server, shared by its connections.
#[derive(Debug, Default)]
pub struct Metrics {
    pub connections: AtomicU64,
    pub auth_failures: AtomicU64,
    pub queries: AtomicU64,
    pub query_errors: AtomicU64,
    pub refused: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
    sum_micros: AtomicU64,
}

impl Metrics {
    pub fn observe(&self, took: Duration, ok: bool) {
        self.queries.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.query_errors.fetch_add(1, Ordering::Relaxed);
        }
        let secs = took.as_secs_f64();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.sum_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }
}

/// A job as `/jobs` and `/health` show it.
pub struct JobInfo {
    pub name: String,
    pub council_code: String,
    pub source: String,
    pub schedule: String,
    pub enabled: bool,
    /// The first scheduled time after the given one.
    pub next: Box<dyn Fn(DateTime<Utc>) -> Option<DateTime<Utc>> + Send + Sync>,
}

impl std::fmt::Debug for JobInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobInfo").field("name", &self.name).finish()
    }
}

/// What the HTTP side serves from.
pub struct Http {
    pub warehouse: String,
    pub defs: Definitions,
    pub users: Users,
    pub jobs: Vec<JobInfo>,
    pub metrics: Arc<Metrics>,
    pub max_rows: usize,
    /// The SQL server's certificate: when set, HTTP is served over TLS only (HTTPS).
    pub tls: Option<tokio_rustls::TlsAcceptor>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("warehouse", &self.warehouse)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

type Body = UnsyncBoxBody<Bytes, std::io::Error>;

fn full(status: StatusCode, content_type: &str, text: impl Into<Bytes>) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(
            Full::new(text.into())
                .map_err(|e| match e {})
                .boxed_unsync(),
        )
        .unwrap_or_else(|_| {
            Response::new(
                Full::new(Bytes::new())
                    .map_err(|e| match e {})
                    .boxed_unsync(),
            )
        })
}

fn json(status: StatusCode, value: serde_json::Value) -> Response<Body> {
    full(status, "application/json", format!("{value:#}\n"))
}

fn problem(status: StatusCode, message: &str) -> Response<Body> {
    json(status, serde_json::json!({ "error": message }))
}

/// Percent-decoding of a query-string value (`+` is a space).
fn decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (_, Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b'+', None) => out.push(b' '),
            (b, None) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_params(query: Option<&str>) -> BTreeMap<String, String> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

impl Http {
    fn authorised(&self, req: &Request<hyper::body::Incoming>) -> bool {
        let Users::Scram(users) = &self.users else {
            return true;
        };
        let Some(value) = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
        else {
            return false;
        };
        let Some(encoded) = value.strip_prefix("Basic ") else {
            return false;
        };
        let Ok(decoded) = B64.decode(encoded.trim()) else {
            return false;
        };
        let text = String::from_utf8_lossy(&decoded);
        let Some((user, password)) = text.split_once(':') else {
            return false;
        };
        users.get(user).is_some_and(|v| v.check(password))
    }

    async fn handle(self: Arc<Self>, req: Request<hyper::body::Incoming>) -> Response<Body> {
        if req.method() != hyper::Method::GET {
            return problem(StatusCode::METHOD_NOT_ALLOWED, "lapis serves GET only");
        }
        if !self.authorised(&req) {
            self.metrics.auth_failures.fetch_add(1, Ordering::Relaxed);
            let mut r = problem(
                StatusCode::UNAUTHORIZED,
                "log in with a lapis user (HTTP Basic)",
            );
            r.headers_mut().insert(
                "www-authenticate",
                hyper::header::HeaderValue::from_static("Basic realm=\"lapis\""),
            );
            return r;
        }
        let path = req.uri().path().to_string();
        let params = query_params(req.uri().query());
        match path.as_str() {
            "/health" => self.health().await,
            "/jobs" => self.jobs().await,
            "/metrics" => self.metrics().await,
            p if p.starts_with("/export/") => self.export(&p["/export/".len()..], &params).await,
            _ => problem(
                StatusCode::NOT_FOUND,
                "no such page: /health, /jobs, /metrics, /export/{view}.csv or .parquet",
            ),
        }
    }

    async fn runs(&self) -> Result<Vec<lapis_store::JobRun>, String> {
        let wh = Warehouse::open_reader(&self.warehouse)
            .await
            .map_err(|e| e.to_string())?;
        wh.job_runs().await.map_err(|e| e.to_string())
    }

    fn last_runs(runs: &[lapis_store::JobRun]) -> BTreeMap<String, &lapis_store::JobRun> {
        let mut last: BTreeMap<String, &lapis_store::JobRun> = BTreeMap::new();
        for r in runs {
            if last
                .get(&r.job)
                .is_none_or(|l| l.started_at <= r.started_at)
            {
                last.insert(r.job.clone(), r);
            }
        }
        last
    }

    async fn health(&self) -> Response<Body> {
        match self.runs().await {
            Ok(runs) => {
                let last = Self::last_runs(&runs);
                let jobs: serde_json::Map<String, serde_json::Value> = self
                    .jobs
                    .iter()
                    .map(|j| {
                        (
                            j.name.clone(),
                            last.get(&j.name)
                                .map(|r| serde_json::json!(r.status))
                                .unwrap_or(serde_json::json!("never run")),
                        )
                    })
                    .collect();
                json(
                    StatusCode::OK,
                    serde_json::json!({ "status": "ok", "warehouse": "readable", "jobs": jobs }),
                )
            }
            Err(e) => json(
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({ "status": "unavailable", "warehouse": e }),
            ),
        }
    }

    async fn jobs(&self) -> Response<Body> {
        let runs = self.runs().await.unwrap_or_default();
        let last = Self::last_runs(&runs);
        let now = Utc::now();
        let list: Vec<serde_json::Value> = self
            .jobs
            .iter()
            .map(|j| {
                let l = last.get(&j.name);
                serde_json::json!({
                    "name": j.name,
                    "council_code": j.council_code,
                    "source": j.source,
                    "schedule": j.schedule,
                    "enabled": j.enabled,
                    "last_run": l.map(|r| serde_json::json!({
                        "run_id": r.run_id,
                        "trigger": r.trigger,
                        "started_at": r.started_at.to_rfc3339(),
                        "finished_at": r.finished_at.to_rfc3339(),
                        "status": r.status,
                        "documents_seen": r.documents_seen,
                        "documents_new": r.documents_new,
                        "documents_unchanged": r.documents_unchanged,
                        "documents_failed": r.documents_failed,
                        "events_appended": r.events_appended,
                        "error": r.error,
                    })),
                    "next_run": if j.enabled { (j.next)(now).map(|t| t.to_rfc3339()) } else { None },
                })
            })
            .collect();
        json(StatusCode::OK, serde_json::json!({ "jobs": list }))
    }

    async fn metrics(&self) -> Response<Body> {
        let runs = self.runs().await.unwrap_or_default();
        let mut out = String::new();
        let mut by_status: BTreeMap<(String, String), u64> = BTreeMap::new();
        let mut docs: BTreeMap<(String, &str), u64> = BTreeMap::new();
        let mut events: BTreeMap<String, u64> = BTreeMap::new();
        for r in &runs {
            *by_status
                .entry((r.job.clone(), r.status.clone()))
                .or_default() += 1;
            for (outcome, n) in [
                ("new", r.documents_new),
                ("unchanged", r.documents_unchanged),
                ("failed", r.documents_failed),
            ] {
                *docs.entry((r.job.clone(), outcome)).or_default() += n;
            }
            *events.entry(r.job.clone()).or_default() += r.events_appended;
        }
        let _ = writeln!(out, "# HELP lapis_job_runs_total Runs of each job, by status.\n# TYPE lapis_job_runs_total counter");
        for ((job, status), n) in &by_status {
            let _ = writeln!(
                out,
                "lapis_job_runs_total{{job=\"{job}\",status=\"{status}\"}} {n}"
            );
        }
        let _ = writeln!(out, "# HELP lapis_job_failures_total Failed runs of each job.\n# TYPE lapis_job_failures_total counter");
        let mut failures: BTreeMap<&str, u64> = BTreeMap::new();
        for j in &self.jobs {
            failures.insert(&j.name, 0);
        }
        for ((job, status), n) in &by_status {
            if status == "failed" {
                *failures.entry(job).or_default() += n;
            }
        }
        for (job, n) in &failures {
            let _ = writeln!(out, "lapis_job_failures_total{{job=\"{job}\"}} {n}");
        }
        let _ = writeln!(out, "# HELP lapis_job_documents_total Documents of each job's runs, by what became of them.\n# TYPE lapis_job_documents_total counter");
        for ((job, outcome), n) in &docs {
            let _ = writeln!(
                out,
                "lapis_job_documents_total{{job=\"{job}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        let _ = writeln!(out, "# HELP lapis_job_events_appended_total Events appended by each job.\n# TYPE lapis_job_events_appended_total counter");
        for (job, n) in &events {
            let _ = writeln!(out, "lapis_job_events_appended_total{{job=\"{job}\"}} {n}");
        }
        let m = &self.metrics;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        for (name, help, value) in [
            (
                "lapis_sql_connections_total",
                "Connections accepted by the SQL server.",
                load(&m.connections),
            ),
            (
                "lapis_auth_failures_total",
                "Failed logins (SQL and HTTP).",
                load(&m.auth_failures),
            ),
            ("lapis_sql_queries_total", "Queries run.", load(&m.queries)),
            (
                "lapis_sql_query_errors_total",
                "Queries that ended in an error (timeouts and limits included).",
                load(&m.query_errors),
            ),
            (
                "lapis_sql_refused_total",
                "Statements refused (writes, file access, server settings).",
                load(&m.refused),
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        }
        let _ = writeln!(out, "# HELP lapis_sql_query_duration_seconds Time to run a query and gather its rows.\n# TYPE lapis_sql_query_duration_seconds histogram");
        for (i, le) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "lapis_sql_query_duration_seconds_bucket{{le=\"{le}\"}} {}",
                load(&m.buckets[i])
            );
        }
        let _ = writeln!(
            out,
            "lapis_sql_query_duration_seconds_bucket{{le=\"+Inf\"}} {}",
            load(&m.queries)
        );
        let _ = writeln!(
            out,
            "lapis_sql_query_duration_seconds_sum {}",
            load(&m.sum_micros) as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "lapis_sql_query_duration_seconds_count {}",
            load(&m.queries)
        );
        full(StatusCode::OK, "text/plain; version=0.0.4", out)
    }

    async fn export(&self, file: &str, params: &BTreeMap<String, String>) -> Response<Body> {
        let (view, csv) = if let Some(v) = file.strip_suffix(".csv") {
            (v, true)
        } else if let Some(v) = file.strip_suffix(".parquet") {
            (v, false)
        } else {
            return problem(
                StatusCode::NOT_FOUND,
                "export a view as {view}.csv or {view}.parquet",
            );
        };
        let wh = match Warehouse::open_reader(&self.warehouse).await {
            Ok(wh) => wh,
            Err(e) => return problem(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
        };
        let ctx = match lapis_sql::session(&wh, &self.defs, None).await {
            Ok(c) => c,
            Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        };
        // Only names the catalog lists, and never the raw event tables.
        let Ok(Some(table)) = ctx
            .table_provider(view)
            .await
            .map(Some)
            .or_else(|_| Ok::<_, ()>(None))
        else {
            return problem(StatusCode::NOT_FOUND, &format!("no view {view:?}"));
        };
        if view.starts_with("raw_")
            || !view
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return problem(StatusCode::NOT_FOUND, &format!("no view {view:?}"));
        }
        let schema = table.schema();
        let mut filters = Vec::new();
        for (param, column) in [("council", "council_code"), ("period", "period_label")] {
            if let Some(value) = params.get(param) {
                if schema.field_with_name(column).is_err() {
                    return problem(
                        StatusCode::BAD_REQUEST,
                        &format!("{view} has no {column} to filter on with {param}="),
                    );
                }
                filters.push(format!("{column} = '{}'", value.replace('\'', "''")));
            }
        }
        let filter = if filters.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", filters.join(" AND "))
        };
        // Over the row limit is a clear 413 before anything is sent, not a cut-off download.
        let count = match ctx
            .sql(&format!("SELECT count(*) FROM {view}{filter}"))
            .await
        {
            Ok(df) => df.collect().await.ok().and_then(|b| {
                use datafusion::arrow::array::{Array, Int64Array};
                let col = b
                    .first()?
                    .column(0)
                    .as_any()
                    .downcast_ref::<Int64Array>()?
                    .clone();
                (!col.is_empty()).then(|| col.value(0))
            }),
            Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        };
        if count.is_some_and(|n| n as usize > self.max_rows) {
            return problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "{view} has {} rows here, over server.max_result_rows = {}: filter with council= or period=",
                    count.unwrap_or_default(),
                    self.max_rows
                ),
            );
        }
        let sql = format!("SELECT * FROM {view}{filter}");
        let df = match ctx.sql(&sql).await {
            Ok(df) => df,
            Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        };
        let arrow_schema = Arc::new(df.schema().as_arrow().clone());
        let stream = match df.execute_stream().await {
            Ok(s) => s,
            Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        };
        let max_rows = self.max_rows;
        if csv {
            use futures::StreamExt;
            let mut rows = 0usize;
            let batches = stream.map(move |batch| {
                let batch = batch.map_err(std::io::Error::other)?;
                rows += batch.num_rows();
                if rows > max_rows {
                    return Err(std::io::Error::other(format!(
                        "more than {max_rows} rows (server.max_result_rows)"
                    )));
                }
                let mut buf = Vec::new();
                {
                    let mut w = datafusion::arrow::csv::WriterBuilder::new()
                        .with_header(false)
                        .build(&mut buf);
                    w.write(&batch).map_err(std::io::Error::other)?;
                }
                Ok(Frame::data(Bytes::from(buf)))
            });
            // The header first, so an empty result still says which columns it has.
            let header: String = arrow_schema
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>()
                .join(",");
            let head = futures::stream::once(async move {
                Ok::<_, std::io::Error>(Frame::data(Bytes::from(format!("{header}\n"))))
            });
            let body = head.chain(batches);
            Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "text/csv; charset=utf-8")
                .header(
                    "content-disposition",
                    format!("attachment; filename=\"{view}.csv\""),
                )
                .body(BodyExt::boxed_unsync(StreamBody::new(body)))
                .unwrap_or_else(|_| problem(StatusCode::INTERNAL_SERVER_ERROR, "response"))
        } else {
            use futures::TryStreamExt;
            let batches: Vec<_> = match stream.try_collect().await {
                Ok(b) => b,
                Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
            };
            if batches
                .iter()
                .map(|b: &datafusion::arrow::array::RecordBatch| b.num_rows())
                .sum::<usize>()
                > max_rows
            {
                return problem(StatusCode::PAYLOAD_TOO_LARGE, &format!("more than {max_rows} rows (server.max_result_rows): filter with council= or period="));
            }
            let mut buf = Vec::new();
            let written = (|| -> Result<(), datafusion::parquet::errors::ParquetError> {
                let mut w =
                    datafusion::parquet::arrow::ArrowWriter::try_new(&mut buf, arrow_schema, None)?;
                for b in &batches {
                    w.write(b)?;
                }
                w.close()?;
                Ok(())
            })();
            if let Err(e) = written {
                return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
            }
            let mut r = full(StatusCode::OK, "application/vnd.apache.parquet", buf);
            if let Ok(v) = hyper::header::HeaderValue::from_str(&format!(
                "attachment; filename=\"{view}.parquet\""
            )) {
                r.headers_mut().insert("content-disposition", v);
            }
            r
        }
    }

    /// Serves until `shutdown` turns true.
    pub async fn run(self, listener: TcpListener, mut shutdown: watch::Receiver<bool>) {
        let this = Arc::new(self);
        info!(addr = ?listener.local_addr().ok(), "Serving HTTP (health, jobs, metrics, exports).");
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = shutdown.changed() => {
                    if *shutdown.borrow() { break; }
                    continue;
                }
            };
            let Ok((socket, peer)) = accepted else {
                continue;
            };
            let this = this.clone();
            tokio::spawn(async move {
                let tls = this.tls.clone();
                let service = hyper::service::service_fn(move |req| {
                    let this = this.clone();
                    async move { Ok::<_, Infallible>(this.handle(req).await) }
                });
                let http = hyper::server::conn::http1::Builder::new();
                let served = match tls {
                    Some(acceptor) => match acceptor.accept(socket).await {
                        Ok(stream) => {
                            http.serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                                .await
                        }
                        Err(e) => {
                            warn!(%peer, error = %e, "HTTPS handshake failed (plain HTTP to a TLS port?).");
                            return;
                        }
                    },
                    None => {
                        http.serve_connection(hyper_util::rt::TokioIo::new(socket), service)
                            .await
                    }
                };
                if let Err(e) = served {
                    warn!(%peer, error = %e, "HTTP connection ended with an error.");
                }
            });
        }
    }
}
