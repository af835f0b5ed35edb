//! One run of a job: find its documents, fetch what is new (conditional GET, content hash),
//! archive the raw bytes, extract and append each document all or nothing through the one
//! ingest path, and record the run in `job_runs` and each fetch in `fetches`. A document that
//! fails appends no events; the other documents of the run still go in.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use lapis_extract::ExtractError;
use lapis_ingest::{IngestError, IngestOutcome, IngestRequest};
use lapis_model::Vocabulary;
use lapis_store::{Fetch, JobRun, SystemClock, Warehouse};
use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::fetch::{FetchError, Fetched, Fetcher, Validators};
use crate::job::Job;
use crate::source::{self, Candidate, Location};

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    CatchUp,
    Manual,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch-up",
            Trigger::Manual => "manual",
        }
    }
}

/// What became of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentOutcome {
    New {
        report_id: String,
        period_label: String,
        events: usize,
        /// Things printed in it that were not read (listed in parse_issues).
        not_read: usize,
    },
    Unchanged {
        why: &'static str,
    },
    /// Archived, but lapis cannot read it (a scanned or encrypted PDF).
    NotExtracted {
        reason: String,
    },
    Failed {
        error: String,
    },
}

/// What a run tells whoever watches it.
#[derive(Debug, Clone)]
pub enum Progress {
    Started {
        job: String,
        trigger: Trigger,
    },
    Found {
        job: String,
        documents: usize,
    },
    Fetching {
        job: String,
        index: usize,
        total: usize,
        uri: String,
    },
    Document {
        job: String,
        index: usize,
        total: usize,
        uri: String,
        outcome: DocumentOutcome,
    },
    Finished(JobRun),
}

/// A flag that turns true when the daemon shuts down.
pub type Cancel = watch::Receiver<bool>;

/// Everything a run needs besides its job.
pub struct RunContext<'a> {
    pub warehouse: &'a str,
    pub fetcher: &'a Fetcher,
    pub vocabulary: &'a Vocabulary,
    /// The views and catalog the projections are kept under.
    pub definitions: &'a lapis_sql::Definitions,
    pub lock_wait: Duration,
    pub cancel: Cancel,
    pub progress: &'a (dyn Fn(Progress) + Send + Sync),
}

impl std::fmt::Debug for RunContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunContext")
            .field("warehouse", &self.warehouse)
            .finish_non_exhaustive()
    }
}

/// A fresh run id: the job, the start time and a random suffix.
pub fn run_id(job: &str, started: DateTime<Utc>) -> String {
    format!(
        "{job}-{}-{:04x}",
        started.format("%Y%m%dT%H%M%S%.3fZ"),
        rand::random::<u16>()
    )
}

/// Resolves when the cancel flag turns true (never, if its sender is gone while false).
pub async fn cancelled(cancel: &mut Cancel) {
    loop {
        if *cancel.borrow() {
            return;
        }
        if cancel.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Counts of a run in progress.
#[derive(Debug, Default)]
struct Tally {
    seen: u64,
    new: u64,
    unchanged: u64,
    failed: u64,
    events: u64,
    errors: Vec<String>,
}

/// Reads a local file of at most `limit` bytes.
fn read_file(path: &std::path::Path, limit: usize) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() > limit {
        return Err(format!(
            "the file is over the size limit of {limit} bytes; nothing read"
        ));
    }
    Ok(bytes)
}

/// A document in hand, with where and how it was fetched.
struct Got {
    bytes: Vec<u8>,
    http_status: Option<u16>,
    final_url: Option<String>,
    etag: Option<String>,
    last_modified: Option<String>,
}

/// Runs a job once and records the run. Never panics on bad input; returns the recorded run
/// (also when it could not be recorded, with the reason in `error`).
pub async fn run_job(job: &Job, trigger: Trigger, ctx: &RunContext<'_>) -> JobRun {
    let run = perform(job, trigger, Utc::now(), ctx).await;
    let run = record(job, run, ctx).await;
    refresh(job, ctx).await;
    run
}

/// Runs a job once, started at `started_at`, without recording the run (see [`record`]).
pub async fn perform(
    job: &Job,
    trigger: Trigger,
    started_at: DateTime<Utc>,
    ctx: &RunContext<'_>,
) -> JobRun {
    let run_id = run_id(&job.name, started_at);
    (ctx.progress)(Progress::Started {
        job: job.name.clone(),
        trigger,
    });
    if std::env::var("LAPIS_FAILPOINT").is_ok_and(|f| f == format!("panic-in-run:{}", job.name)) {
        panic!("LAPIS_FAILPOINT: a panic inside the run of {}", job.name);
    }
    let mut run = JobRun::new(
        run_id.clone(),
        &job.name,
        trigger.as_str(),
        started_at,
        "failed",
    );
    // The writer creates (or upgrades) the warehouse, then lets go: a run holds the writer lock
    // only while it stores a document or records itself, never while it waits on a website.
    // (Not even that when there is nothing to create or upgrade: a refresh may be writing.)
    let opened = if Warehouse::is_current(ctx.warehouse) {
        Warehouse::open_reader(ctx.warehouse).await
    } else {
        match writer(ctx).await {
            Ok(w) => {
                drop(w);
                Warehouse::open_reader(ctx.warehouse).await
            }
            Err(e) => Err(e),
        }
    };
    let wh = match opened {
        Ok(wh) => wh,
        Err(e) => {
            run.finished_at = Utc::now();
            run.error = Some(format!("cannot open the warehouse: {e}"));
            error!(job = %job.name, error = %e, "Cannot open the warehouse.");
            return run;
        }
    };
    let outcome = run_documents(job, &run_id, &wh, ctx).await;
    run.finished_at = Utc::now();
    match outcome {
        Err(e) => {
            run.status = "failed".into();
            run.error = Some(e);
        }
        Ok((tally, stopped)) => {
            run.documents_seen = tally.seen;
            run.documents_new = tally.new;
            run.documents_unchanged = tally.unchanged;
            run.documents_failed = tally.failed;
            run.events_appended = tally.events;
            let mut errors = tally.errors.clone();
            run.status = if stopped.is_some() {
                "partial"
            } else if tally.failed == 0 {
                "succeeded"
            } else if tally.new + tally.unchanged > 0 {
                "partial"
            } else {
                "failed"
            }
            .into();
            if tally.failed > 0 {
                let shown: Vec<String> = errors.drain(..).take(3).collect();
                let more = tally.failed as usize - shown.len().min(tally.failed as usize);
                let mut text = format!(
                    "{} of {} documents failed: {}",
                    tally.failed,
                    tally.seen,
                    shown.join("; ")
                );
                if more > 0 {
                    text.push_str(&format!("; and {more} more (see fetches)"));
                }
                run.error = Some(text);
            }
            if let Some(stop) = stopped {
                run.error = Some(match run.error.take() {
                    Some(e) => format!("{stop}; {e}"),
                    None => stop,
                });
            }
        }
    }
    run
}

/// Records a run in `job_runs` (and compacts the event tables when they hold many files) and
/// reports it finished; [`refresh`] then brings the projections up to it. A run that cannot be recorded says so
/// in its error.
pub async fn record(job: &Job, mut run: JobRun, ctx: &RunContext<'_>) -> JobRun {
    let recorded = match writer(ctx).await {
        Ok(w) => {
            let recorded = w.append_job_run(&run).await;
            compact(&w).await;
            recorded
        }
        Err(e) => Err(e),
    };
    if let Err(e) = recorded {
        error!(job = %job.name, error = %e, "Cannot record the run.");
        run.error = Some(format!(
            "{}; the run was not recorded: {e}",
            run.error.take().unwrap_or_default()
        ));
    }
    info!(job = %job.name, status = %run.status, new = run.documents_new, "Run finished.");
    (ctx.progress)(Progress::Finished(run.clone()));
    run
}

/// After a run, under the writer lock: the event tables compacted once one holds many files.
async fn compact(wh: &Warehouse) {
    let crowded = match wh.file_counts().await {
        Ok(counts) => counts
            .iter()
            .any(|(_, n)| *n >= lapis_store::maintain::AUTO_COMPACT_FILES),
        Err(e) => {
            error!(error = %e, "Cannot count the event tables' files.");
            false
        }
    };
    if crowded {
        match wh.optimize(lapis_store::maintain::AUTO_COMPACT_FILES).await {
            Ok(done) => info!(tables = done.len(), "Compacted the event tables."),
            Err(e) => error!(error = %e, "Cannot compact the event tables."),
        }
    }
}

/// After a run: the projections brought up to the events (only the councils whose events
/// changed), computed without the writer lock and written under it, so the next runs do not
/// wait on the computing. A failure here is logged, not the run's: its events are in, and
/// the next run or `lapis rebuild` catches the projections up.
pub async fn refresh(job: &Job, ctx: &RunContext<'_>) {
    let reader = match Warehouse::open_reader(ctx.warehouse).await {
        Ok(r) => r,
        Err(e) => {
            error!(job = %job.name, error = %e, "Cannot refresh the projections.");
            return;
        }
    };
    let lock: lapis_sql::projection::Lock<'_> = Box::new(move || Box::pin(writer(ctx)));
    match lapis_sql::projection::refresh_unlocked(&reader, ctx.definitions, lock).await {
        Ok(done) if done.councils > 0 || done.full => info!(
            job = %job.name,
            councils = done.councils,
            rows = done.rows,
            seconds = done.seconds,
            "Projections refreshed."
        ),
        Ok(_) => {}
        Err(e) => error!(job = %job.name, error = %e, "Cannot refresh the projections."),
    }
}

/// The documents of one run. `Err` is a run that could not start (its source unreadable);
/// `Ok` carries the tally and, when shutdown stopped the run early, why.
async fn run_documents(
    job: &Job,
    run_id: &str,
    wh: &Warehouse,
    ctx: &RunContext<'_>,
) -> Result<(Tally, Option<String>), String> {
    let mut cancel = ctx.cancel.clone();
    let today = Utc::now().date_naive();
    let candidates = tokio::select! {
        found = source::discover(job, ctx.fetcher, today) => found.map_err(|e| e.to_string())?,
        _ = cancelled(&mut cancel) => return Err("stopped by shutdown before the source was read".into()),
    };
    (ctx.progress)(Progress::Found {
        job: job.name.clone(),
        documents: candidates.len(),
    });
    let last: HashMap<String, Fetch> = wh
        .last_fetches()
        .await
        .map_err(|e| format!("reading earlier fetches: {e}"))?
        .into_iter()
        .map(|f| (f.url.clone(), f))
        .collect();
    let not_extracted: HashSet<String> = last
        .values()
        .filter(|f| f.outcome == "not_extracted")
        .filter_map(|f| f.sha256.clone())
        .collect();
    let mut tally = Tally::default();
    let mut refused_hosts: HashMap<String, String> = HashMap::new();
    let total = candidates.len();
    for (i, candidate) in candidates.iter().enumerate() {
        if *cancel.borrow() {
            return Ok((
                tally,
                Some(format!(
                    "stopped by shutdown after {i} of {total} documents"
                )),
            ));
        }
        tally.seen += 1;
        (ctx.progress)(Progress::Fetching {
            job: job.name.clone(),
            index: i + 1,
            total,
            uri: candidate.uri.clone(),
        });
        let fetched = tokio::select! {
            f = fetch_document(job, run_id, wh, ctx, candidate, &last, &not_extracted, &mut refused_hosts) => f,
            _ = cancelled(&mut cancel) => {
                tally.seen -= 1;
                return Ok((tally, Some(format!("stopped by shutdown after {i} of {total} documents; {} was not fetched", candidate.uri))));
            }
        };
        // Once fetched, a document is stored whole even if a shutdown comes meanwhile.
        let outcome = match fetched {
            Err(outcome) => outcome,
            Ok((got, record)) => {
                let previous = last.get(&candidate.uri);
                store_document(job, ctx, candidate, got, record, previous, &not_extracted).await
            }
        };
        match &outcome {
            DocumentOutcome::New { events, .. } => {
                tally.new += 1;
                tally.events += *events as u64;
            }
            DocumentOutcome::Unchanged { .. } => tally.unchanged += 1,
            DocumentOutcome::NotExtracted { reason } => {
                tally.failed += 1;
                tally
                    .errors
                    .push(format!("{}: not extracted: {reason}", candidate.uri));
            }
            DocumentOutcome::Failed { error } => {
                tally.failed += 1;
                tally.errors.push(format!("{}: {error}", candidate.uri));
            }
        }
        (ctx.progress)(Progress::Document {
            job: job.name.clone(),
            index: i + 1,
            total,
            uri: candidate.uri.clone(),
            outcome,
        });
    }
    Ok((tally, None))
}

fn fetch_id(run_id: &str, uri: &str) -> String {
    let mut h = Sha256::new();
    h.update(run_id.as_bytes());
    h.update(uri.as_bytes());
    hex::encode(&h.finalize()[..12])
}

/// Fetches one document (or reads its file). `Err` is what became of it when there is nothing
/// to store (not modified, failed). Reads the warehouse without its lock; a shutdown may drop
/// this future at any point, leaving nothing of the document behind.
#[allow(clippy::too_many_arguments)]
async fn fetch_document(
    job: &Job,
    run_id: &str,
    wh: &Warehouse,
    ctx: &RunContext<'_>,
    candidate: &Candidate,
    last: &HashMap<String, Fetch>,
    not_extracted: &HashSet<String>,
    refused_hosts: &mut HashMap<String, String>,
) -> Result<(Got, Fetch), DocumentOutcome> {
    let fetched_at = Utc::now();
    let record = Fetch {
        fetch_id: fetch_id(run_id, &candidate.uri),
        run_id: run_id.into(),
        job: job.name.clone(),
        url: candidate.uri.clone(),
        fetched_at,
        ..Fetch::default()
    };
    let previous = last.get(&candidate.uri);
    let got = match &candidate.location {
        Location::File(path) => match read_file(path, ctx.fetcher.policy().max_bytes) {
            Ok(bytes) => Got {
                bytes,
                http_status: None,
                final_url: None,
                etag: None,
                last_modified: None,
            },
            Err(e) => return Err(failed(ctx, record, None, e).await),
        },
        Location::Http(url) => {
            let host = url.host_str().unwrap_or_default().to_string();
            if let Some(why) = refused_hosts.get(&host) {
                return Err(failed(ctx, record, Some(403), why.clone()).await);
            }
            // Validators only from a copy whose bytes are archived: a 304 then means "that copy".
            let validators = previous
                .filter(|p| p.sha256.is_some())
                .map(|p| Validators {
                    etag: p.etag.clone(),
                    last_modified: p.last_modified.clone(),
                })
                .filter(|v| v.etag.is_some() || v.last_modified.is_some());
            match ctx.fetcher.get(url, validators.as_ref()).await {
                Ok(Fetched::NotModified) => {
                    let Some(p) = previous else {
                        return Err(failed(
                            ctx,
                            record,
                            Some(304),
                            "answered 304 Not Modified to a request with no validators".into(),
                        )
                        .await);
                    };
                    let sha = p.sha256.clone().unwrap_or_default();
                    if not_extracted.contains(&sha)
                        || matches!(wh.extractions_of(&sha).await, Ok(n) if n > 0)
                    {
                        return Err(DocumentOutcome::Unchanged {
                            why: "not modified (HTTP 304)",
                        });
                    }
                    // The copy fetched before was not ingested (it failed then): read it again.
                    match wh.read_archived(&sha, ctx.fetcher.policy().max_bytes) {
                        Ok(bytes) => Got {
                            bytes,
                            http_status: Some(304),
                            final_url: p.final_url.clone(),
                            etag: p.etag.clone(),
                            last_modified: p.last_modified.clone(),
                        },
                        Err(e) => {
                            return Err(failed(
                                ctx,
                                record,
                                Some(304),
                                format!(
                                "not modified, but the copy fetched before is not archived: {e}"
                            ),
                            )
                            .await)
                        }
                    }
                }
                Ok(Fetched::Body(body)) => Got {
                    bytes: body.bytes,
                    http_status: Some(body.status),
                    final_url: (body.final_url.as_str() != url.as_str())
                        .then(|| body.final_url.to_string()),
                    etag: body.etag,
                    last_modified: body.last_modified,
                },
                Err(e) => {
                    if let FetchError::Forbidden { .. } = e {
                        refused_hosts.insert(host, e.to_string());
                    }
                    let status = e.http_status();
                    return Err(failed(ctx, record, status, e.to_string()).await);
                }
            }
        }
    };
    Ok((got, record))
}

/// Archives, extracts and appends one fetched document, under the warehouse's writer lock,
/// and records the fetch. Runs to its end once started (a shutdown waits for it): the append
/// is all or nothing either way.
async fn store_document(
    job: &Job,
    ctx: &RunContext<'_>,
    candidate: &Candidate,
    got: Got,
    mut record: Fetch,
    previous: Option<&Fetch>,
    not_extracted: &HashSet<String>,
) -> DocumentOutcome {
    let fetched_at = record.fetched_at;
    let wh = match writer(ctx).await {
        Ok(wh) => wh,
        Err(e) => {
            return DocumentOutcome::Failed {
                error: format!("cannot write to the warehouse: {e}"),
            }
        }
    };
    let wh = &wh;
    let sha = hex::encode(Sha256::digest(&got.bytes));
    record.http_status = got.http_status;
    record.final_url = got.final_url.clone();
    record.sha256 = Some(sha.clone());
    record.bytes = Some(got.bytes.len() as u64);
    record.etag = got.etag.clone();
    record.last_modified = got.last_modified.clone();
    let is_file = matches!(candidate.location, Location::File(_));
    // Known content adds nothing; for a web document the fetch is recorded when its validators
    // changed, so the next request sends the new ones.
    let known =
        not_extracted.contains(&sha) || matches!(wh.extractions_of(&sha).await, Ok(n) if n > 0);
    if known {
        let same_validators = previous.is_some_and(|p| {
            p.sha256.as_deref() == Some(sha.as_str())
                && p.etag == got.etag
                && p.last_modified == got.last_modified
        });
        if !is_file && !same_validators {
            record.outcome = "unchanged".into();
            record_fetch(wh, &record).await;
        }
        return DocumentOutcome::Unchanged {
            why: "same content (SHA-256) as a document already in the warehouse",
        };
    }
    // The raw bytes are kept before anything is read from them.
    if let Err(e) = wh.archive(&sha, &got.bytes) {
        let status = record.http_status;
        return failed_with(
            wh,
            record,
            status,
            format!("cannot archive the document: {e}"),
        )
        .await;
    }
    let request = IngestRequest {
        bytes: &got.bytes,
        source_uri: candidate.uri.clone(),
        council_code: job.council_code.clone(),
        council_name: Some(job.council_name.clone()),
        job: Some(job.name.clone()),
        media_type: lapis_extract::media_type(&got.bytes).into(),
        fetched_at: Some(fetched_at),
        etag: got.etag.clone(),
        last_modified: got.last_modified.clone(),
        layout: job.layout.clone(),
        vocabulary: ctx.vocabulary,
    };
    match lapis_ingest::ingest(wh, &request).await {
        Ok(IngestOutcome::Ingested {
            report_id,
            period_label,
            appended,
            losses,
            ..
        }) => {
            record.outcome = "new".into();
            record.report_id = Some(report_id.clone());
            record_fetch(wh, &record).await;
            DocumentOutcome::New {
                report_id,
                period_label,
                events: appended.events(),
                not_read: losses.len(),
            }
        }
        Ok(IngestOutcome::AlreadyIngested { report_id, .. }) => {
            record.outcome = "unchanged".into();
            record.report_id = Some(report_id);
            record_fetch(wh, &record).await;
            DocumentOutcome::Unchanged {
                why: "same content (SHA-256) as a document already in the warehouse",
            }
        }
        Err(IngestError::BadDocument { source, .. })
            if matches!(
                source,
                ExtractError::ScannedPdf { .. } | ExtractError::EncryptedPdf
            ) =>
        {
            let reason = source.to_string();
            record.outcome = "not_extracted".into();
            record.error = Some(reason.clone());
            record_fetch(wh, &record).await;
            DocumentOutcome::NotExtracted { reason }
        }
        Err(IngestError::BadDocument { source, .. }) => {
            let status = record.http_status;
            failed_with(wh, record, status, format!("refused: {source}")).await
        }
        Err(e) => {
            let status = record.http_status;
            failed_with(wh, record, status, e.to_string()).await
        }
    }
}

async fn record_fetch(wh: &Warehouse, record: &Fetch) {
    if let Err(e) = wh.append_fetch(record).await {
        warn!(url = %record.url, error = %e, "Cannot record the fetch.");
    }
}

/// Records a failed document with its own short hold of the writer lock.
async fn failed(
    ctx: &RunContext<'_>,
    record: Fetch,
    status: Option<u16>,
    error: String,
) -> DocumentOutcome {
    match writer(ctx).await {
        Ok(wh) => failed_with(&wh, record, status, error).await,
        Err(e) => {
            warn!(url = %record.url, error = %e, "Cannot record the fetch.");
            DocumentOutcome::Failed { error }
        }
    }
}

async fn writer(ctx: &RunContext<'_>) -> lapis_store::StoreResult<Warehouse> {
    Warehouse::open_writer(ctx.warehouse, Box::new(SystemClock), ctx.lock_wait).await
}

async fn failed_with(
    wh: &Warehouse,
    mut record: Fetch,
    status: Option<u16>,
    error: String,
) -> DocumentOutcome {
    record.outcome = "failed".into();
    record.http_status = status.or(record.http_status);
    record.error = Some(error.clone());
    warn!(url = %record.url, %error, "Document failed.");
    record_fetch(wh, &record).await;
    DocumentOutcome::Failed { error }
}
