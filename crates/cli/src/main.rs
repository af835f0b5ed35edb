//! The `lapis` command: glue over the libraries. Flags are resolved into settings, then run.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use datafusion::arrow::array::RecordBatch;
use lapis_ingest::{IngestOutcome, IngestRequest, ReextractOutcome};
use lapis_store::{SystemClock, Warehouse};

mod jobs;

#[derive(Parser, Debug)]
#[command(
    name = "lapis",
    version,
    about = "Local Authority Performance Information Store"
)]
struct Cli {
    /// Warehouse directory (or object-store URL) [default: the configuration's, else
    /// ./warehouse].
    #[arg(long, global = true, env = "LAPIS_WAREHOUSE")]
    warehouse: Option<String>,
    /// Configuration file of `lapis run` and `lapis serve` [default: ./lapis.toml when it
    /// exists].
    #[arg(long, global = true, env = "LAPIS_CONFIG")]
    config: Option<PathBuf>,
    /// Directory of job files [default: the configuration's, else ./jobs].
    #[arg(long = "jobs-dir", global = true, env = "LAPIS_JOBS")]
    jobs_dir: Option<PathBuf>,
    /// Directory of view files (*.sql) to use instead of the built-in views.
    #[arg(long, global = true, env = "LAPIS_QUERIES")]
    queries: Option<PathBuf>,
    /// Measure catalog file (CSV) to use instead of the built-in catalog/measures.csv.
    #[arg(long, global = true, env = "LAPIS_CATALOG")]
    catalog: Option<PathBuf>,
    /// Vocabulary of header, rating, direction and empty-cell words (TOML) to read reports with,
    /// instead of the built-in catalog/columns.toml. Edit a copy and `reextract` to teach lapis
    /// a council's wording without a build.
    #[arg(long, global = true, env = "LAPIS_COLUMNS")]
    columns: Option<PathBuf>,
    /// How long a writing command waits for another writer to finish, in seconds.
    #[arg(
        long,
        global = true,
        env = "LAPIS_LOCK_WAIT_SECS",
        default_value_t = 300
    )]
    lock_wait_secs: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Extract report text files and append their events to the warehouse.
    Ingest {
        /// Report text files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// GSS code of the council that published the reports (e.g. E10000007).
        #[arg(long)]
        council: String,
        /// Council name, when the report does not print it.
        #[arg(long)]
        council_name: Option<String>,
        /// Layout of the reports; "auto" detects.
        #[arg(long, default_value = "auto")]
        layout: String,
        /// A file already in the warehouse is read again under this --council (and
        /// --council-name), superseding its earlier reading; recorded as a correction.
        #[arg(long)]
        supersede: bool,
        /// Why, for --supersede (kept in the corrections table).
        #[arg(long, requires = "supersede")]
        reason: Option<String>,
        /// Exit with status 0 even when part of a document could not be read (it is ingested
        /// either way, with what was not read in parse_issues).
        #[arg(long)]
        accept_partial: bool,
        /// Documents committed together (one commit per table per batch): a backfill of
        /// years of reports goes in batches; each document is still all or nothing.
        #[arg(long, default_value_t = 100)]
        batch: usize,
    },
    /// Read archived documents again with this lapis's extractor. A document whose events would
    /// not change appends nothing; otherwise the new extraction is appended and the views show
    /// it (the old one stays, for --as-of).
    Reextract {
        /// Every document in the warehouse.
        #[arg(long, conflicts_with_all = ["report"])]
        all: bool,
        /// Only this council's documents (GSS code).
        #[arg(long)]
        council: Option<String>,
        /// A report id or document hash (or a prefix of one); repeatable.
        #[arg(long)]
        report: Vec<String>,
    },
    /// Correct the council a document was ingested under, without deleting anything: the
    /// document is read again under the right council and the correction is recorded with its
    /// time, reason and operator.
    Correct {
        /// Report id or document hash (or a prefix of one).
        report: String,
        /// The right council's GSS code.
        #[arg(long)]
        council: String,
        #[arg(long)]
        council_name: Option<String>,
        /// Why the correction is made.
        #[arg(long)]
        reason: String,
        /// Who makes it (default: $USER).
        #[arg(long, env = "USER")]
        operator: Option<String>,
    },
    /// Print the vocabulary reports are read with (the built-in catalog/columns.toml, or the
    /// --columns file after checking it), to copy and teach lapis a council's words.
    Vocabulary,
    /// Run fetch jobs once, now (all enabled jobs, or the ones named), with progress.
    Run {
        /// Job names (default: every enabled job).
        jobs: Vec<String>,
    },
    /// List or check the job files.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// The daemon: runs the jobs on their schedules (UTC) and serves the warehouse over the
    /// PostgreSQL protocol (read-only), until SIGINT or SIGTERM.
    Serve,
    /// Print a user's line for [server.users] in lapis.toml: a salted SCRAM-SHA-256 verifier of
    /// the password read from standard input (never the password itself).
    Passwd {
        /// The user name clients log in with.
        user: String,
    },
    /// Run SQL over the event tables and views.
    Query {
        sql: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the result to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Answer as the warehouse stood at this time (RFC 3339, or a date).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Suggest measure aliases (alike names never printed in the same report) for a person to
    /// confirm in catalog/measures.csv. `--format csv` prints rows in the catalog's columns.
    SuggestAliases {
        /// Only this council (GSS code).
        #[arg(long)]
        council: Option<String>,
        /// Lowest name similarity to show, 0 to 1.
        #[arg(long, default_value_t = 0.6)]
        min_score: f64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Recompute every projection (the views kept as tables) from the events: replay.
    Rebuild,
    /// Compact the event tables (small files rewritten into few, clustered by council and
    /// period; no event changes) and checkpoint their logs.
    Optimize {
        /// Compact only tables holding at least this many files.
        #[arg(long, default_value_t = 2)]
        min_files: usize,
    },
    /// Delete the files compaction and projection refreshes left behind, once older than the
    /// retention. Never deletes an event; `--as-of` answers the same after it.
    Vacuum {
        /// Keep files removed less than this many hours ago (readers may still use them).
        #[arg(long, default_value_t = 168)]
        retention_hours: u64,
    },
}

#[derive(Subcommand, Debug)]
enum JobsCommand {
    /// Each job: its council, source, schedule, last run and result, next run.
    List,
    /// Check every job file without fetching anything.
    Validate,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
    Parquet,
}

fn parse_as_of(text: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        // A date means the end of that day, UTC.
        return Ok(d.and_hms_opt(23, 59, 59).unwrap_or_default().and_utc());
    }
    bail!("--as-of {text:?} is not a date (2025-03-01) or an RFC 3339 time (2025-03-01T12:00:00Z)")
}

/// Reads a file of at most `limit` bytes, refusing a larger one before reading it (and, for
/// files whose size the metadata does not tell, such as pipes, after `limit + 1` bytes).
fn read_limited(path: &std::path::Path, limit: usize) -> Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).context("cannot read")?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mib = |n: u64| n as f64 / (1024.0 * 1024.0);
    if size > limit as u64 {
        bail!(
            "the file is {size} bytes ({:.1} MiB), over the limit of {limit} bytes ({:.0} MiB); nothing read",
            mib(size),
            mib(limit as u64)
        );
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .context("cannot read")?;
    if bytes.len() > limit {
        bail!("the input is over the limit of {limit} bytes; nothing ingested");
    }
    Ok(bytes)
}

/// How a command ended: the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// 0.
    Done,
    /// 1: something was not done (a file not ingested, a document not re-extracted).
    Failed,
    /// 3: every document was ingested, but part of one could not be read.
    Partial,
}

impl Status {
    fn from_ok(ok: bool) -> Status {
        if ok {
            Status::Done
        } else {
            Status::Failed
        }
    }
}

struct IngestSettings<'a> {
    vocabulary: &'a lapis_model::Vocabulary,
    accept_partial: bool,
    batch: usize,
    council: &'a str,
    council_name: Option<&'a str>,
    layout: &'a str,
    supersede: bool,
    reason: Option<&'a str>,
    operator: String,
}

async fn ingest(wh: &Warehouse, files: &[PathBuf], s: &IngestSettings<'_>) -> Result<Status> {
    let mut ok = true;
    let mut partial = false;
    let started = std::time::Instant::now();
    let mut done = 0;
    // A backfill commits a batch of documents at a time (one commit per table per batch).
    for chunk in files.chunks(s.batch.max(1)) {
        let mut read = Vec::new();
        for file in chunk {
            match read_limited(file, lapis_ingest::DEFAULT_MAX_BYTES) {
                Ok(b) => read.push((file, b)),
                Err(e) => {
                    eprintln!("{}: {e:#}", file.display());
                    ok = false;
                }
            }
        }
        let reqs: Vec<IngestRequest<'_>> = read
            .iter()
            .map(|(file, bytes)| IngestRequest {
                bytes,
                source_uri: std::path::absolute(file)
                    .map(|p| format!("file://{}", p.display()))
                    .unwrap_or_else(|_| file.display().to_string()),
                council_code: s.council.to_string(),
                council_name: s.council_name.map(str::to_string),
                job: None,
                media_type: lapis_extract::media_type(bytes).into(),
                fetched_at: None,
                etag: None,
                last_modified: None,
                layout: s.layout.to_string(),
                vocabulary: s.vocabulary,
            })
            .collect();
        let outcomes = match lapis_ingest::ingest_many(wh, &reqs).await {
            Ok(o) => o,
            Err(e) => {
                for (file, _) in &read {
                    eprintln!("{}: not ingested: {e}", file.display());
                }
                ok = false;
                continue;
            }
        };
        done += chunk.len();
        if files.len() > chunk.len() {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "ingested {done} of {} documents ({:.1} documents/s)",
                files.len(),
                done as f64 / secs.max(1e-9)
            );
        }
        let run_id = format!("ingest-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"));
        for (((file, _), req), outcome) in read.iter().zip(&reqs).zip(outcomes) {
            let outcome = match outcome {
                Err(e) if lapis_ingest::is_unreadable_report(&e) => {
                    // Refused, but kept: archived and recorded for a lapis that can read it.
                    match lapis_ingest::keep_unreadable(wh, req, &run_id, &e.to_string()).await {
                        Ok(sha) => eprintln!(
                            "{}: archived as {sha} and recorded in fetches as not_extracted",
                            file.display()
                        ),
                        Err(k) => eprintln!("{}: cannot keep it: {k}", file.display()),
                    }
                    Err(e)
                }
                other => other,
            };
            let (ok_one, partial_one) = report_outcome(wh, file, outcome, s).await;
            ok &= ok_one;
            partial |= partial_one;
        }
    }
    Ok(if !ok {
        Status::Failed
    } else if partial && !s.accept_partial {
        Status::Partial
    } else {
        Status::Done
    })
}

/// Prints what ingesting one file did (and supersedes it when asked); returns (no failure,
/// something not read).
async fn report_outcome(
    wh: &Warehouse,
    file: &std::path::Path,
    outcome: lapis_ingest::IngestResult<IngestOutcome>,
    s: &IngestSettings<'_>,
) -> (bool, bool) {
    let mut ok = true;
    let mut partial = false;
    {
        match outcome {
            Ok(IngestOutcome::AlreadyIngested { sha256, report_id }) if s.supersede => {
                let c = lapis_ingest::CouncilCorrection {
                    report: &sha256,
                    council_code: s.council,
                    council_name: s.council_name,
                    reason: s.reason.unwrap_or("re-ingested with --supersede"),
                    operator: &s.operator,
                    vocabulary: s.vocabulary,
                };
                match lapis_ingest::correct(wh, &c).await {
                    Ok(done) if done.report_id == done.superseded_report_id => println!(
                        "{}: already in the warehouse as {report_id} under council {}; nothing to supersede",
                        file.display(),
                        s.council
                    ),
                    Ok(done) => println!(
                        "{}: {report_id} superseded by {} (council {} → {}); appended {}",
                        file.display(),
                        done.report_id,
                        done.old_council_code,
                        s.council,
                        counts(&done.appended)
                    ),
                    Err(e) => {
                        eprintln!("{}: not superseded: {e}", file.display());
                        ok = false;
                    }
                }
            }
            Ok(IngestOutcome::AlreadyIngested { report_id, .. }) => {
                println!(
                    "{}: already in the warehouse as {report_id}; nothing appended",
                    file.display()
                );
            }
            Ok(IngestOutcome::Ingested {
                report_id,
                period_label,
                extractor,
                appended,
                parse_issues,
                read,
                losses,
                ..
            }) => {
                println!(
                    "{}: report {report_id} ({period_label}, {extractor}); read {} tables, {} table rows: {} observations, {} objective updates, {} claims; appended {}; {parse_issues} parse issues, {} of them things not read",
                    file.display(),
                    read.tables,
                    read.rows,
                    read.observations,
                    read.objective_updates,
                    read.claims,
                    counts(&appended),
                    losses.len()
                );
                for issue in &losses {
                    let raw: String = issue.raw_text.chars().take(80).collect();
                    let at = match (issue.source_table, issue.source_page) {
                        (Some(t), _) => format!("table {t} row {}", issue.source_line),
                        (None, Some(p)) => format!("page {p} line {}", issue.source_line),
                        (None, None) => format!("line {}", issue.source_line),
                    };
                    println!(
                        "  not read, {at}: {} [{}]",
                        issue.reason,
                        raw.replace('\t', " | ")
                    );
                }
                if !losses.is_empty() {
                    partial = true;
                    if !s.accept_partial {
                        eprintln!(
                            "{}: ingested, but {} things printed in it were not read (listed above and in parse_issues); exit status 3 (--accept-partial for 0)",
                            file.display(),
                            losses.len()
                        );
                    }
                }
            }
            Err(e) => {
                eprintln!("{}: not ingested: {e}", file.display());
                ok = false;
            }
        }
    }
    (ok, partial)
}

fn counts(appended: &lapis_store::Appended) -> String {
    let list: Vec<String> = appended
        .rows
        .iter()
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    if list.is_empty() {
        "nothing".into()
    } else {
        list.join(", ")
    }
}

/// Brings the projections up to the events a writing command appended.
async fn refresh(wh: &Warehouse, defs: &lapis_sql::Definitions, status: Status) -> Result<Status> {
    // A table crowded with small files is compacted first; the refresh then stamps it.
    let counts = wh.file_counts().await?;
    if counts
        .iter()
        .any(|(_, n)| *n >= lapis_store::maintain::AUTO_COMPACT_FILES)
    {
        for c in wh
            .optimize(lapis_store::maintain::AUTO_COMPACT_FILES)
            .await?
        {
            eprintln!(
                "{}: {} files compacted into {}",
                c.table, c.files_before, c.files_after
            );
        }
    }
    match lapis_sql::projection::refresh(wh, defs).await {
        Ok(done) if done.councils > 0 || done.full => {
            eprintln!(
                "projections: {} councils refreshed ({} rows) in {:.2} s",
                done.councils, done.rows, done.seconds
            );
            Ok(status)
        }
        Ok(_) => Ok(status),
        Err(e) => {
            eprintln!(
                "the events are in, but the projections could not be refreshed: {e}; readers show the warehouse as it was before until `lapis rebuild` succeeds"
            );
            Ok(Status::Failed)
        }
    }
}

async fn reextract(
    wh: &Warehouse,
    selection: &lapis_ingest::Selection,
    vocabulary: &lapis_model::Vocabulary,
) -> Result<bool> {
    let chosen = lapis_ingest::select(wh, selection).await?;
    if chosen.is_empty() {
        println!("no documents selected");
        return Ok(true);
    }
    let (mut unchanged, mut appended, mut failed) = (0, 0, 0);
    for record in &chosen {
        let name = record
            .source_uri
            .as_deref()
            .unwrap_or(&record.document_sha256);
        match lapis_ingest::reextract_one(wh, record, vocabulary).await {
            Ok(ReextractOutcome::Unchanged { report_id }) => {
                unchanged += 1;
                println!("{name}: unchanged ({report_id}); nothing appended");
            }
            Ok(ReextractOutcome::Appended {
                superseded_report_id,
                report_id,
                appended: rows,
            }) => {
                appended += 1;
                println!(
                    "{name}: {superseded_report_id} superseded by {report_id}; appended {}",
                    counts(&rows)
                );
            }
            Err(e) => {
                failed += 1;
                eprintln!("{name}: not re-extracted: {e}");
            }
        }
    }
    println!(
        "{} documents: {appended} re-extracted, {unchanged} unchanged, {failed} failed",
        chosen.len()
    );
    Ok(failed == 0)
}

fn write_output(
    schema: &datafusion::arrow::datatypes::Schema,
    batches: &[RecordBatch],
    format: Format,
    out: Option<&PathBuf>,
) -> Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    match format {
        Format::Table => {
            let text = datafusion::arrow::util::pretty::pretty_format_batches(batches)?;
            buf.extend_from_slice(
                format!(
                    "{text}\n({} rows)\n",
                    batches.iter().map(|b| b.num_rows()).sum::<usize>()
                )
                .as_bytes(),
            );
        }
        Format::Csv => {
            {
                let mut w = datafusion::arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(&mut buf);
                for b in batches {
                    w.write(b)?;
                }
            }
            if batches.iter().all(|b| b.num_rows() == 0) && buf.is_empty() {
                buf.extend_from_slice(
                    schema
                        .fields()
                        .iter()
                        .map(|f| f.name().as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                        .as_bytes(),
                );
                buf.push(b'\n');
            }
        }
        Format::Json => {
            let mut w = datafusion::arrow::json::ArrayWriter::new(&mut buf);
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
            if buf.is_empty() {
                buf.extend_from_slice(b"[]");
            }
            buf.push(b'\n');
        }
        Format::Parquet => {
            let Some(path) = out else {
                bail!("--format parquet needs --out FILE")
            };
            let file =
                std::fs::File::create(path).with_context(|| format!("{}", path.display()))?;
            let mut w = datafusion::parquet::arrow::ArrowWriter::try_new(
                file,
                std::sync::Arc::new(schema.clone()),
                None,
            )?;
            for b in batches {
                w.write(b)?;
            }
            w.close()?;
            return Ok(());
        }
    }
    match out {
        Some(path) => std::fs::write(path, &buf).with_context(|| format!("{}", path.display()))?,
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&buf)?;
        }
    }
    Ok(())
}

/// The vocabulary the extractor reads with: the built-in one, or the file `--columns` names.
fn vocabulary(
    path: Option<&PathBuf>,
) -> Result<std::borrow::Cow<'static, lapis_model::Vocabulary>> {
    use std::borrow::Cow;
    let Some(path) = path else {
        return Ok(Cow::Borrowed(lapis_model::Vocabulary::builtin()));
    };
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    Ok(Cow::Owned(lapis_model::Vocabulary::from_toml(
        &text,
        &path.display().to_string(),
    )?))
}

async fn run(cli: Cli) -> Result<Status> {
    let defs = lapis_sql::Definitions {
        queries_dir: cli.queries.clone(),
        catalog: cli.catalog.clone(),
    };
    let lock_wait = std::time::Duration::from_secs(cli.lock_wait_secs);
    let config = jobs::config(&cli)?;
    let warehouse = config.warehouse.clone();
    let writer = || Warehouse::open_writer(&warehouse, Box::new(SystemClock), lock_wait);
    match &cli.command {
        Command::Ingest {
            files,
            council,
            council_name,
            layout,
            supersede,
            reason,
            accept_partial,
            batch,
        } => {
            lapis_ingest::validate_council_code(council)?;
            let vocabulary = vocabulary(cli.columns.as_ref())?;
            let wh = writer().await?;
            let settings = IngestSettings {
                vocabulary: &vocabulary,
                accept_partial: *accept_partial,
                batch: *batch,
                council,
                council_name: council_name.as_deref(),
                layout,
                supersede: *supersede,
                reason: reason.as_deref(),
                operator: std::env::var("USER").unwrap_or_else(|_| "unknown".into()),
            };
            let status = ingest(&wh, files, &settings).await?;
            refresh(&wh, &defs, status).await
        }
        Command::Reextract {
            all,
            council,
            report,
        } => {
            if !*all && council.is_none() && report.is_empty() {
                bail!("say which documents: --all, --council CODE or --report ID");
            }
            if let Some(code) = council {
                lapis_ingest::validate_council_code(code)?;
            }
            let wh = writer().await?;
            let selection = lapis_ingest::Selection {
                council: council.clone(),
                reports: report.clone(),
            };
            let vocabulary = vocabulary(cli.columns.as_ref())?;
            let status = reextract(&wh, &selection, &vocabulary)
                .await
                .map(Status::from_ok)?;
            refresh(&wh, &defs, status).await
        }
        Command::Correct {
            report,
            council,
            council_name,
            reason,
            operator,
        } => {
            lapis_ingest::validate_council_code(council)?;
            let vocabulary = vocabulary(cli.columns.as_ref())?;
            let wh = writer().await?;
            let c = lapis_ingest::CouncilCorrection {
                vocabulary: &vocabulary,
                report,
                council_code: council,
                council_name: council_name.as_deref(),
                reason,
                operator: operator.as_deref().unwrap_or("unknown"),
            };
            let done = lapis_ingest::correct(&wh, &c).await?;
            if done.report_id == done.superseded_report_id {
                println!(
                    "{} is already read under council {council}; nothing to correct",
                    done.report_id
                );
                return Ok(Status::Done);
            }
            println!(
                "{} superseded by {} (council {} → {council}); appended {}",
                done.superseded_report_id,
                done.report_id,
                done.old_council_code,
                counts(&done.appended)
            );
            refresh(&wh, &defs, Status::Done).await
        }
        Command::Run { jobs: names } => {
            let vocabulary = vocabulary(cli.columns.as_ref())?;
            jobs::run(&config, names, &vocabulary, lock_wait, &defs).await
        }
        Command::Rebuild => {
            let wh = writer().await?;
            let done = lapis_sql::projection::rebuild(&wh, &defs).await?;
            println!(
                "rebuilt the projections of {} councils from the events: {} rows in {:.2} s",
                done.councils, done.rows, done.seconds
            );
            Ok(Status::Done)
        }
        Command::Optimize { min_files } => {
            let wh = writer().await?;
            let done = wh.optimize(*min_files).await?;
            if done.is_empty() {
                println!("nothing to compact (no table holds {min_files} files)");
            }
            for c in &done {
                println!(
                    "{}: {} files compacted into {}",
                    c.table, c.files_before, c.files_after
                );
            }
            // Readers follow the projections' stamp: it moves to the compacted versions.
            lapis_sql::projection::refresh(&wh, &defs).await?;
            Ok(Status::Done)
        }
        Command::Vacuum { retention_hours } => {
            let wh = writer().await?;
            // Readers follow the projections' stamp: it must name the latest versions before
            // the files older versions use can go.
            lapis_sql::projection::refresh(&wh, &defs).await?;
            let retention = std::time::Duration::from_secs(retention_hours * 3600);
            let mut deleted: Vec<(String, usize)> = wh
                .vacuum(retention)
                .await?
                .into_iter()
                .map(|(t, n)| (t.to_string(), n))
                .collect();
            deleted.extend(lapis_sql::projection::vacuum(&wh, retention).await?);
            let total: usize = deleted.iter().map(|(_, n)| n).sum();
            for (table, n) in deleted.iter().filter(|(_, n)| *n > 0) {
                println!("{table}: {n} files deleted");
            }
            println!("{total} files no longer used and older than {retention_hours} h deleted");
            Ok(Status::Done)
        }
        Command::Jobs {
            command: JobsCommand::List,
        } => jobs::list(&config).await,
        Command::Jobs {
            command: JobsCommand::Validate,
        } => jobs::validate(&config),
        Command::Passwd { user } => jobs::passwd(user),
        Command::Serve => {
            let vocabulary = vocabulary(cli.columns.as_ref())?;
            jobs::serve(config, vocabulary.into_owned(), lock_wait, defs).await
        }
        Command::Vocabulary => {
            match cli.columns.as_ref() {
                None => print!("{}", lapis_model::vocabulary::BUILTIN_TOML),
                Some(path) => {
                    vocabulary(Some(path))?;
                    print!("{}", std::fs::read_to_string(path)?);
                }
            }
            Ok(Status::Done)
        }
        Command::Query {
            sql,
            format,
            out,
            as_of,
        } => {
            let as_of = as_of.as_deref().map(parse_as_of).transpose()?;
            let wh = Warehouse::open_reader(&warehouse).await?;
            let ctx = lapis_sql::session(&wh, &defs, as_of).await?;
            let (schema, batches) = lapis_sql::query(&ctx, sql).await?;
            write_output(&schema, &batches, *format, out.as_ref())?;
            Ok(Status::Done)
        }
        Command::SuggestAliases {
            council,
            min_score,
            format,
        } => {
            if !(0.0..=1.0).contains(min_score) {
                bail!("--min-score must be between 0 and 1, not {min_score}");
            }
            let wh = Warehouse::open_reader(&warehouse).await?;
            let ctx = lapis_sql::session(&wh, &defs, None).await?;
            let found = lapis_sql::aliases::suggest(&ctx, council.as_deref(), *min_score).await?;
            let (schema, batch) = lapis_sql::aliases::to_batch(&found)?;
            write_output(&schema, &[batch], *format, None)?;
            Ok(Status::Done)
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LAPIS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,buoyant_kernel=off")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // Planning a deeply nested expression recurses deeply. DataFusion's recursive_protection
    // grows the stack where it recurses; the work also runs on a thread with a large stack
    // (reserved, not committed), so a 20,000-term expression is answered or refused, never a
    // crash.
    let worker = std::thread::Builder::new()
        .name("lapis".into())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_stack_size(STACK_BYTES)
                .enable_all()
                .build()?;
            Ok::<_, std::io::Error>(runtime.block_on(run(cli)))
        });
    let outcome = match worker.map(|w| w.join()) {
        Ok(Ok(Ok(outcome))) => outcome,
        Ok(Ok(Err(e))) | Err(e) => {
            eprintln!("lapis: cannot start: {e}");
            return ExitCode::FAILURE;
        }
        Ok(Err(_)) => {
            eprintln!("lapis: internal error (a panic); please report it");
            return ExitCode::FAILURE;
        }
    };
    match outcome {
        Ok(Status::Done) => ExitCode::SUCCESS,
        Ok(Status::Failed) => ExitCode::FAILURE,
        Ok(Status::Partial) => ExitCode::from(3),
        Err(e) => {
            eprintln!("lapis: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Stack of the threads that plan and run queries.
const STACK_BYTES: usize = 512 * 1024 * 1024;
