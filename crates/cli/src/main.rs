//! The `lapis` command: glue over the libraries. Flags are resolved into settings, then run.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use datafusion::arrow::array::RecordBatch;
use lapis_store::{IngestOutcome, IngestRequest, SystemClock, Warehouse};

#[derive(Parser, Debug)]
#[command(
    name = "lapis",
    version,
    about = "Local Authority Performance Information Store"
)]
struct Cli {
    /// Warehouse directory (or object-store URL).
    #[arg(
        long,
        global = true,
        env = "LAPIS_WAREHOUSE",
        default_value = "./warehouse"
    )]
    warehouse: String,
    /// Directory of view files (*.sql).
    #[arg(long, global = true, env = "LAPIS_QUERIES")]
    queries: Option<PathBuf>,
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

async fn ingest(
    wh: &Warehouse,
    files: &[PathBuf],
    council: &str,
    council_name: Option<&str>,
    layout: &str,
) -> Result<bool> {
    let mut ok = true;
    for file in files {
        let bytes = match read_limited(file, lapis_extract::DEFAULT_MAX_BYTES) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{}: {e:#}", file.display());
                ok = false;
                continue;
            }
        };
        let source_uri = std::path::absolute(file)
            .map(|p| format!("file://{}", p.display()))
            .unwrap_or_else(|_| file.display().to_string());
        let req = IngestRequest {
            bytes: &bytes,
            source_uri,
            council_code: council.to_string(),
            council_name: council_name.map(str::to_string),
            job: None,
            media_type: "text/plain".into(),
            fetched_at: None,
            etag: None,
            last_modified: None,
            layout: layout.to_string(),
        };
        match wh.ingest(&req).await {
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
                ..
            }) => {
                let counts: Vec<String> =
                    appended.iter().map(|(t, n)| format!("{t} {n}")).collect();
                println!("{}: report {report_id} ({period_label}, {extractor}); appended {}; {parse_issues} parse issues", file.display(), counts.join(", "));
            }
            Err(e) => {
                eprintln!("{}: not ingested: {e}", file.display());
                ok = false;
            }
        }
    }
    Ok(ok)
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

/// Opens a warehouse that must already exist: reading commands never create one.
async fn open_existing(warehouse: &str) -> Result<Warehouse> {
    if !warehouse.contains("://") && !std::path::Path::new(warehouse).join("_lapis.json").exists() {
        bail!("no warehouse at {warehouse} (ingest a report first, or pass --warehouse)");
    }
    Ok(Warehouse::open(warehouse, Box::new(SystemClock)).await?)
}

async fn run(cli: Cli) -> Result<bool> {
    let queries = cli
        .queries
        .clone()
        .unwrap_or_else(lapis_sql::default_queries_dir);
    match &cli.command {
        Command::Ingest {
            files,
            council,
            council_name,
            layout,
        } => {
            let wh = Warehouse::open(&cli.warehouse, Box::new(SystemClock)).await?;
            ingest(&wh, files, council, council_name.as_deref(), layout).await
        }
        Command::Query {
            sql,
            format,
            out,
            as_of,
        } => {
            let as_of = as_of.as_deref().map(parse_as_of).transpose()?;
            let wh = open_existing(&cli.warehouse).await?;
            let ctx = lapis_sql::session(&wh, &queries, as_of).await?;
            let (schema, batches) = lapis_sql::query(&ctx, sql).await?;
            write_output(&schema, &batches, *format, out.as_ref())?;
            Ok(true)
        }
        Command::SuggestAliases {
            council,
            min_score,
            format,
        } => {
            if !(0.0..=1.0).contains(min_score) {
                bail!("--min-score must be between 0 and 1, not {min_score}");
            }
            let wh = open_existing(&cli.warehouse).await?;
            let ctx = lapis_sql::session(&wh, &queries, None).await?;
            let found = lapis_sql::aliases::suggest(&ctx, council.as_deref(), *min_score).await?;
            let (schema, batch) = lapis_sql::aliases::to_batch(&found)?;
            write_output(&schema, &[batch], *format, None)?;
            Ok(true)
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
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("lapis: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("lapis: {e:#}");
            ExitCode::FAILURE
        }
    }
}
