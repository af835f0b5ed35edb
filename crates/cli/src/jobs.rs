//! `lapis run`, `lapis jobs list|validate` and `lapis serve`: settings from `lapis.toml` and
//! the flags, and what the terminal shows.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Result};
use chrono::Utc;
use lapis_jobs::{Config, DocumentOutcome, Job, Progress};
use lapis_store::Warehouse;

use crate::{Cli, Status};

/// The configuration: `--config`, else `./lapis.toml` when it exists, else the defaults; then
/// `--warehouse` and `--jobs-dir` over it.
pub fn config(cli: &Cli) -> Result<Config> {
    let mut config = match &cli.config {
        Some(path) => Config::from_file(path)?,
        None if Path::new("lapis.toml").is_file() => Config::from_file(Path::new("lapis.toml"))?,
        None => Config::default(),
    };
    if let Some(w) = &cli.warehouse {
        config.warehouse = w.clone();
    }
    if let Some(j) = &cli.jobs_dir {
        config.jobs = j.clone();
    }
    Ok(config)
}

fn load(config: &Config) -> Result<Vec<Job>> {
    match lapis_jobs::load_dir(&config.jobs) {
        Ok(jobs) => Ok(jobs),
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            bail!(
                "{} job file{} not valid (nothing was run)",
                errors.len(),
                if errors.len() == 1 { " is" } else { "s are" }
            )
        }
    }
}

pub fn validate(config: &Config) -> Result<Status> {
    let jobs = load(config)?;
    for job in &jobs {
        println!(
            "{}: job {} ({} {}), {} source, schedule {:?}{}",
            job.file.display(),
            job.name,
            job.council_code,
            job.council_name,
            job.source.kind(),
            job.schedule_text,
            if job.enabled { "" } else { ", disabled" }
        );
    }
    println!(
        "{} job files valid in {}",
        jobs.len(),
        config.jobs.display()
    );
    Ok(Status::Done)
}

pub async fn list(config: &Config) -> Result<Status> {
    let jobs = load(config)?;
    let runs = match Warehouse::open_reader(&config.warehouse).await {
        Ok(wh) => wh.job_runs().await?,
        Err(e) => {
            eprintln!("(no runs shown: {e})");
            Vec::new()
        }
    };
    let now = Utc::now();
    let mut rows = vec![[
        "job".to_string(),
        "council".into(),
        "source".into(),
        "schedule (UTC)".into(),
        "last run".into(),
        "result".into(),
        "next run".into(),
    ]];
    for job in &jobs {
        let last = runs
            .iter()
            .filter(|r| r.job == job.name)
            .max_by_key(|r| r.started_at);
        let (when, result) = match last {
            None => ("never".to_string(), String::new()),
            Some(r) => (
                format!(
                    "{} ({})",
                    r.started_at.format("%Y-%m-%d %H:%M:%SZ"),
                    r.trigger
                ),
                format!(
                    "{}: {} new, {} unchanged, {} failed{}",
                    r.status,
                    r.documents_new,
                    r.documents_unchanged,
                    r.documents_failed,
                    r.error
                        .as_deref()
                        .map(|e| format!(" — {}", e.chars().take(100).collect::<String>()))
                        .unwrap_or_default()
                ),
            ),
        };
        let next = if job.enabled {
            job.next_after(now)
                .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
                .unwrap_or_else(|| "never".into())
        } else {
            "disabled".into()
        };
        rows.push([
            job.name.clone(),
            job.council_code.clone(),
            job.source.kind().into(),
            job.schedule_text.clone(),
            when,
            result,
            next,
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
    Ok(Status::Done)
}

/// Prints a run's progress: plain lines on standard output, and a progress bar on standard
/// error while documents are fetched, when standard error is a terminal.
fn printer(timestamps: bool) -> Box<dyn Fn(Progress) + Send + Sync> {
    let bar = std::io::stderr().is_terminal();
    Box::new(move |p: Progress| {
        let stamp = if timestamps {
            format!("{} ", Utc::now().format("%Y-%m-%dT%H:%M:%SZ"))
        } else {
            String::new()
        };
        let clear = || {
            if bar {
                eprint!("\r\x1b[2K");
            }
        };
        match p {
            Progress::Started { job, trigger } => {
                println!(
                    "{stamp}job {job} ({}): reading its source",
                    trigger.as_str()
                )
            }
            Progress::Found { job, documents } => {
                println!("{stamp}job {job}: found {documents} documents")
            }
            Progress::Fetching {
                index, total, uri, ..
            } => {
                if bar {
                    let width = 24;
                    let done = (index - 1) * width / total.max(1);
                    let name: String = uri
                        .chars()
                        .rev()
                        .take(50)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    eprint!(
                        "\r\x1b[2K[{}{}] {}/{} {}",
                        "#".repeat(done),
                        "-".repeat(width - done),
                        index,
                        total,
                        name
                    );
                    let _ = std::io::stderr().flush();
                }
            }
            Progress::Document {
                index,
                total,
                uri,
                outcome,
                ..
            } => {
                clear();
                let what = match outcome {
                    DocumentOutcome::New {
                        report_id,
                        period_label,
                        events,
                        not_read,
                    } => format!(
                        "new: report {report_id} ({period_label}), {events} events appended{}",
                        if not_read > 0 {
                            format!("; {not_read} things in it not read (see parse_issues)")
                        } else {
                            String::new()
                        }
                    ),
                    DocumentOutcome::Unchanged { why } => format!("unchanged: {why}"),
                    DocumentOutcome::NotExtracted { reason } => {
                        format!("archived, not extracted: {reason}")
                    }
                    DocumentOutcome::Failed { error } => format!("failed: {error}"),
                };
                println!("{stamp}  [{index}/{total}] {uri}: {what}");
            }
            Progress::Finished(run) => {
                clear();
                println!(
                    "{stamp}job {}: {} — {} documents seen, {} new, {} unchanged, {} failed; {} events appended",
                    run.job,
                    run.status,
                    run.documents_seen,
                    run.documents_new,
                    run.documents_unchanged,
                    run.documents_failed,
                    run.events_appended
                );
                if let Some(e) = &run.error {
                    println!("{stamp}  error: {e}");
                }
            }
        }
    })
}

pub async fn run(
    config: &Config,
    names: &[String],
    vocabulary: &lapis_model::Vocabulary,
    lock_wait: Duration,
    definitions: &lapis_sql::Definitions,
) -> Result<Status> {
    let all = load(config)?;
    let chosen: Vec<&Job> = if names.is_empty() {
        all.iter().filter(|j| j.enabled).collect()
    } else {
        let mut out = Vec::new();
        for name in names {
            match all.iter().find(|j| &j.name == name) {
                Some(j) => out.push(j),
                None => bail!(
                    "no job {name:?} in {} (jobs: {})",
                    config.jobs.display(),
                    all.iter()
                        .map(|j| j.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
        out
    };
    if chosen.is_empty() {
        println!("no enabled jobs in {}", config.jobs.display());
        return Ok(Status::Done);
    }
    let fetcher = lapis_jobs::Fetcher::new(&config.fetch).map_err(anyhow::Error::msg)?;
    let progress = printer(false);
    let (_cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let ctx = lapis_jobs::RunContext {
        warehouse: &config.warehouse,
        fetcher: &fetcher,
        vocabulary,
        definitions,
        lock_wait,
        cancel,
        progress: progress.as_ref(),
    };
    let mut status = Status::Done;
    for job in chosen {
        let run = lapis_jobs::run_job(job, lapis_jobs::Trigger::Manual, &ctx).await;
        status = match (status, run.status.as_str()) {
            (_, "failed") | (Status::Failed, _) => Status::Failed,
            (_, "partial") | (Status::Partial, _) => Status::Partial,
            _ => status,
        };
    }
    Ok(status)
}

/// Resolves on SIGINT or SIGTERM.
async fn signalled() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("lapis serve: cannot watch SIGTERM: {e}");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => eprintln!("lapis serve: SIGINT received"),
        _ = term.recv() => eprintln!("lapis serve: SIGTERM received"),
    }
}

pub fn passwd(user: &str) -> Result<Status> {
    use std::io::BufRead;
    if user.is_empty()
        || user
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '=')
    {
        bail!("{user:?} is not a user name: no spaces, quotes or '='");
    }
    if std::io::stdin().is_terminal() {
        eprint!("password for {user} (shown as you type; or pipe it in): ");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']);
    if password.chars().count() < 8 {
        bail!("the password is shorter than 8 characters");
    }
    let verifier = lapis_serve::scram::Verifier::new(password);
    println!("# under [server.users] in lapis.toml:");
    println!("{user} = \"{}\"", verifier.to_text());
    Ok(Status::Done)
}

pub async fn serve(
    config: Config,
    vocabulary: lapis_model::Vocabulary,
    lock_wait: Duration,
    defs: lapis_sql::Definitions,
) -> Result<Status> {
    let jobs = load(&config)?;
    let enabled = jobs.iter().filter(|j| j.enabled).count();
    println!(
        "lapis serve: warehouse {}, {} jobs from {} ({} enabled), schedules in UTC{}",
        config.warehouse,
        jobs.len(),
        config.jobs.display(),
        enabled,
        if config.schedule.enabled {
            ""
        } else {
            "; the schedule is off (schedule.enabled = false)"
        }
    );
    for job in jobs.iter().filter(|j| j.enabled) {
        if let Some(next) = job.next_after(Utc::now()) {
            println!(
                "  {}: {:?}, next run {}",
                job.name,
                job.schedule_text,
                next.format("%Y-%m-%d %H:%M:%SZ")
            );
        }
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let sql =
        if config.server.enabled {
            // Clients need a warehouse to read: create it (empty) if this is its first start.
            drop(
                Warehouse::open_writer(
                    &config.warehouse,
                    Box::new(lapis_store::SystemClock),
                    lock_wait,
                )
                .await?,
            );
            let s = &config.server;
            let settings = lapis_serve::pg::Settings {
                listen: s.listen.clone(),
                tls_cert: s.tls_cert.clone(),
                tls_key: s.tls_key.clone(),
                tls_required: s.tls_required,
                trust_loopback: s.trust_loopback,
                users: s.users.clone(),
                max_connections: s.max_connections,
                idle_timeout: Duration::from_secs(s.idle_timeout_secs.max(1)),
                statement_timeout: Duration::from_secs_f64(s.statement_timeout_secs.max(0.001)),
                memory_limit_bytes: s.memory_limit_mib.saturating_mul(1024 * 1024),
                max_result_rows: s.max_result_rows,
            };
            let server =
                lapis_serve::pg::Server::bind(settings, config.warehouse.clone(), defs.clone())
                    .await?;
            if !s.http_listen.is_empty() {
                let listener = tokio::net::TcpListener::bind(&s.http_listen)
                    .await
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "server: cannot listen on {} (http_listen): {e}",
                            s.http_listen
                        )
                    })?;
                println!(
                "lapis serve: {} on {} (/health, /jobs, /metrics, /export/{{view}}.csv|.parquet)",
                if s.tls_cert.is_some() { "HTTPS" } else { "HTTP" },
                listener.local_addr().map(|a| a.to_string()).unwrap_or_default()
            );
                let infos = jobs
                    .iter()
                    .map(|j| {
                        let job = j.clone();
                        lapis_serve::http::JobInfo {
                            name: j.name.clone(),
                            council_code: j.council_code.clone(),
                            source: j.source.kind().into(),
                            schedule: j.schedule_text.clone(),
                            enabled: j.enabled,
                            next: Box::new(move |t| job.next_after(t)),
                        }
                    })
                    .collect();
                let http = lapis_serve::http::Http {
                    warehouse: config.warehouse.clone(),
                    defs: defs.clone(),
                    users: server.users(),
                    jobs: infos,
                    metrics: server.metrics(),
                    max_rows: s.max_result_rows,
                    tls: server.tls(),
                };
                tokio::spawn(http.run(listener, stop_rx.clone()));
            }
            println!(
                "lapis serve: SQL (PostgreSQL protocol, read-only) on {}{}, {}",
                server
                    .local_addr()
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| s.listen.clone()),
                match (&s.tls_cert, s.tls_required) {
                    (Some(_), true) => " with TLS required",
                    (Some(_), false) => " with TLS",
                    (None, _) => " without TLS",
                },
                if s.users.is_empty() {
                    "no password (trust_loopback)".to_string()
                } else {
                    format!("{} users (SCRAM-SHA-256)", s.users.len())
                }
            );
            Some(tokio::spawn(server.run(stop_rx)))
        } else {
            None
        };
    let shutdown = async move {
        signalled().await;
        let _ = stop_tx.send(true);
    };
    lapis_jobs::schedule::serve(
        config,
        jobs,
        vocabulary,
        defs.clone(),
        lock_wait,
        printer(true),
        shutdown,
    )
    .await?;
    if let Some(sql) = sql {
        let _ = sql.await;
    }
    println!("lapis serve: stopped");
    Ok(Status::Done)
}
