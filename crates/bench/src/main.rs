//! `lapis-bench`: the national-scale benchmark (issue "National scale").
//!
//! `lapis-bench generate --councils N --years Y --out DIR` writes deterministic synthetic
//! reports in the real quarterly layout. `lapis-bench run --councils N --years Y --work DIR`
//! generates them (once), backfills a fresh warehouse in batches, builds the projections,
//! compacts, ingests one more report, and prints per size: ingest seconds per report (bulk and
//! single, projections included), warehouse open time, seconds per view (whole view `count(*)`
//! and one council, cold and warm p50), peak memory per phase, files per table; then the shared
//! core queries run by lapis (DataFusion over the Delta tables) and by DuckDB (Python package,
//! `ops/bench_duckdb.py`) over the same Parquet files, with the ratio. Build it in release:
//! `cargo run --release -p lapis-bench -- run --councils 317 --years 10`.

mod generate;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use lapis_ingest::{IngestOutcome, IngestRequest};
use lapis_store::{SystemClock, Warehouse};

#[derive(Parser, Debug)]
#[command(
    name = "lapis-bench",
    about = "lapis at national scale: generator and benchmark"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write synthetic reports: every council, every quarter of every year.
    Generate {
        #[arg(long, default_value_t = 317)]
        councils: usize,
        #[arg(long, default_value_t = 10)]
        years: usize,
        /// First financial year (its start year).
        #[arg(long, default_value_t = 2015)]
        first_year: i32,
        #[arg(long)]
        out: PathBuf,
    },
    /// Generate (once), load, and time everything.
    Run {
        #[arg(long, default_value_t = 25)]
        councils: usize,
        #[arg(long, default_value_t = 10)]
        years: usize,
        #[arg(long, default_value_t = 2015)]
        first_year: i32,
        /// Where the reports and the warehouse go (reports are kept between runs).
        #[arg(long, default_value = "target/lapis-bench")]
        work: PathBuf,
        /// Documents per commit in the backfill.
        #[arg(long, default_value_t = 200)]
        batch: usize,
        /// Timed repetitions of each warm query (the p50 is printed).
        #[arg(long, default_value_t = 5)]
        repeats: usize,
        /// Skip the DuckDB comparison.
        #[arg(long)]
        no_duckdb: bool,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::Generate {
            councils,
            years,
            first_year,
            out,
        } => {
            let n = write_reports(&out, councils, years, first_year)?;
            println!("{n} reports in {}", out.display());
            Ok(())
        }
        Command::Run {
            councils,
            years,
            first_year,
            work,
            batch,
            repeats,
            no_duckdb,
        } => rt.block_on(run(RunArgs {
            councils,
            years,
            first_year,
            work,
            batch,
            repeats: repeats.max(1),
            duckdb: !no_duckdb,
        })),
    }
}

/// Writes the reports of `councils` × `years` × 4 quarters; returns how many there are.
fn write_reports(out: &Path, councils: usize, years: usize, first_year: i32) -> Result<usize> {
    let mut n = 0;
    for c in generate::councils(councils) {
        let dir = out.join(&c.code);
        std::fs::create_dir_all(&dir)?;
        for y in 0..years as i32 {
            for q in 1..=4u8 {
                let path = dir.join(generate::file_name(&c, first_year + y, q));
                if !path.exists() {
                    std::fs::write(&path, generate::report(&c, first_year + y, q))?;
                }
                n += 1;
            }
        }
    }
    Ok(n)
}

#[derive(Debug)]
struct RunArgs {
    councils: usize,
    years: usize,
    first_year: i32,
    work: PathBuf,
    batch: usize,
    repeats: usize,
    duckdb: bool,
}

/// Peak resident memory since the last reset, in MiB (Linux).
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Starts a new peak-memory measurement (Linux: writing 5 to clear_refs resets VmHWM).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn p50(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

async fn timed_query(ctx: &datafusion::prelude::SessionContext, sql: &str) -> Result<(f64, usize)> {
    let t = Instant::now();
    let (_, batches) = lapis_sql::query(ctx, sql)
        .await
        .with_context(|| sql.to_string())?;
    Ok((
        t.elapsed().as_secs_f64(),
        batches.iter().map(|b| b.num_rows()).sum(),
    ))
}

async fn run(a: RunArgs) -> Result<()> {
    let reports_dir = a.work.join("reports");
    let t = Instant::now();
    let total = write_reports(&reports_dir, a.councils, a.years, a.first_year)?;
    println!(
        "lapis-bench: {} councils × {} years × 4 quarters = {total} reports ({:.1} s to generate)",
        a.councils,
        a.years,
        t.elapsed().as_secs_f64()
    );
    let wh_dir = a.work.join("warehouse");
    if wh_dir.exists() {
        std::fs::remove_dir_all(&wh_dir)?;
    }
    let location = wh_dir.display().to_string();
    let defs = lapis_sql::Definitions::default();
    let vocabulary = lapis_model::Vocabulary::builtin();
    let councils = generate::councils(a.councils);

    // Backfill: every report but the last quarter of the first council, in batches.
    reset_peak();
    let wh =
        Warehouse::open_writer(&location, Box::new(SystemClock), Duration::from_secs(10)).await?;
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for c in &councils {
        for y in 0..a.years as i32 {
            for q in 1..=4u8 {
                files.push((
                    c.code.clone(),
                    reports_dir
                        .join(&c.code)
                        .join(generate::file_name(c, a.first_year + y, q)),
                ));
            }
        }
    }
    let last = files.remove(a.years * 4 - 1);
    let started = Instant::now();
    let mut observations = 0usize;
    for (k, chunk) in files.chunks(a.batch.max(1)).enumerate() {
        let bytes: Vec<Vec<u8>> = chunk
            .iter()
            .map(|(_, p)| std::fs::read(p))
            .collect::<std::io::Result<_>>()?;
        let reqs: Vec<IngestRequest<'_>> = chunk
            .iter()
            .zip(&bytes)
            .map(|((code, path), b)| request(code, path, b, vocabulary))
            .collect();
        for outcome in lapis_ingest::ingest_many(&wh, &reqs).await? {
            match outcome? {
                IngestOutcome::Ingested { read, losses, .. } => {
                    if !losses.is_empty() {
                        bail!("a synthetic report was not read whole: {:?}", losses[0]);
                    }
                    observations += read.observations;
                }
                IngestOutcome::AlreadyIngested { .. } => {
                    bail!("a synthetic report repeats another")
                }
            }
        }
        let done = ((k + 1) * a.batch).min(files.len());
        eprint!(
            "\r  backfill: {done} of {} reports ({:.1} reports/s)   ",
            files.len(),
            done as f64 / started.elapsed().as_secs_f64()
        );
    }
    eprintln!();
    let backfill = started.elapsed().as_secs_f64();
    let t = Instant::now();
    let refreshed = lapis_sql::projection::refresh(&wh, &defs).await?;
    let projections = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let compacted = wh.optimize(2).await?;
    let optimize = t.elapsed().as_secs_f64();
    // As `lapis optimize` and `lapis vacuum` do: the projections' stamp moves to the compacted
    // versions before the files older versions use go.
    lapis_sql::projection::refresh(&wh, &defs).await?;
    let t = Instant::now();
    wh.vacuum(Duration::ZERO).await?;
    lapis_sql::projection::vacuum(&wh, Duration::ZERO).await?;
    let vacuum = t.elapsed().as_secs_f64();
    let load_peak = peak_mib();
    println!(
        "\n== load ({} reports, {observations} observations)",
        files.len()
    );
    println!(
        "bulk backfill: {backfill:.1} s, {:.1} reports/s ({:.4} s/report), batches of {}",
        files.len() as f64 / backfill,
        backfill / files.len() as f64,
        a.batch
    );
    println!(
        "projections built: {projections:.1} s ({} councils, {} rows); with them {:.1} reports/s",
        refreshed.councils,
        refreshed.rows,
        files.len() as f64 / (backfill + projections)
    );
    println!(
        "compaction: {optimize:.1} s ({} tables); vacuum {vacuum:.1} s; peak memory {load_peak:.0} MiB",
        compacted.len()
    );

    // One new quarterly report into the full warehouse, projections included.
    reset_peak();
    let bytes = std::fs::read(&last.1)?;
    let t = Instant::now();
    let req = request(&last.0, &last.1, &bytes, vocabulary);
    lapis_ingest::ingest(&wh, &req).await?;
    let append = t.elapsed().as_secs_f64();
    let refreshed = lapis_sql::projection::refresh(&wh, &defs).await?;
    let single = t.elapsed().as_secs_f64();
    println!(
        "one more report: {single:.2} s ({append:.2} s to append, {:.2} s to refresh {} council's projections); peak memory {:.0} MiB",
        single - append,
        refreshed.councils,
        peak_mib()
    );
    drop(wh);

    println!("\n== files per table");
    let reader = Warehouse::open_reader(&location).await?;
    let counts = reader.file_counts().await?;
    println!(
        "{}",
        counts
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Reading: open, then every view.
    reset_peak();
    let t = Instant::now();
    let ctx = lapis_sql::session(&reader, &defs, None).await?;
    let open = t.elapsed().as_secs_f64();
    println!("\n== reading (open the warehouse and register every view: {open:.3} s)");
    println!(
        "{:<22} {:>10} {:>10} {:>8} {:>12} {:>10}",
        "view", "count cold", "count p50", "rows", "council p50", "rows"
    );
    let mut worst_council: f64 = 0.0;
    let mut worst_count: f64 = 0.0;
    for (view, _, _) in defs.views()? {
        let count = format!("SELECT count(*) FROM {view}");
        let (cold, _) = timed_query(&ctx, &count).await?;
        let mut warm = Vec::new();
        let mut rows = 0;
        for _ in 0..a.repeats {
            let (s, _) = timed_query(&ctx, &count).await?;
            warm.push(s);
        }
        let (_, b) = lapis_sql::query(&ctx, &count).await?;
        if let Some(v) = b.first().and_then(|b| {
            b.column(0)
                .as_any()
                .downcast_ref::<datafusion::arrow::array::Int64Array>()
                .map(|a| a.value(0))
        }) {
            rows = v as usize;
        }
        let mut one = Vec::new();
        let mut one_rows = 0;
        for k in 0..a.repeats {
            let c = &councils[(k * 7 + 3) % councils.len()].code;
            let (s, n) = timed_query(
                &ctx,
                &format!("SELECT * FROM {view} WHERE council_code = '{c}'"),
            )
            .await?;
            one.push(s);
            one_rows = n;
        }
        let (count_p50, council_p50) = (p50(warm), p50(one));
        worst_count = worst_count.max(count_p50).max(cold);
        worst_council = worst_council.max(council_p50);
        println!(
            "{view:<22} {cold:>10.3} {count_p50:>10.3} {rows:>8} {council_p50:>12.3} {one_rows:>10}"
        );
    }
    println!(
        "slowest whole-view count(*) {worst_count:.3} s, slowest one-council p50 {worst_council:.3} s; peak memory while reading {:.0} MiB",
        peak_mib()
    );

    // The shared core queries, lapis and DuckDB over the same Parquet files.
    let c = &councils[councils.len() / 2].code;
    let core = core_queries(c);
    println!(
        "\n== core queries over the event tables (p50 of {} warm runs)",
        a.repeats
    );
    let mut lapis_times = Vec::new();
    for (name, sql) in &core {
        let (_, n) = timed_query(&ctx, sql).await?;
        let mut xs = Vec::new();
        for _ in 0..a.repeats {
            xs.push(timed_query(&ctx, sql).await?.0);
        }
        lapis_times.push((name.to_string(), p50(xs), n));
    }
    let duck = if a.duckdb {
        duckdb(&reader, &core, a.repeats).await
    } else {
        Err(anyhow::anyhow!("skipped (--no-duckdb)"))
    };
    println!(
        "{:<28} {:>10} {:>8} {:>10} {:>8} {:>7}",
        "query", "lapis s", "rows", "duckdb s", "rows", "ratio"
    );
    for (name, s, n) in &lapis_times {
        match &duck {
            Ok(d) => {
                let (ds, dn) = d
                    .get(name)
                    .and_then(|v| Some((v.get("p50")?.as_f64()?, v.get("rows")?.as_u64()?)))
                    .unwrap_or((f64::NAN, 0));
                println!(
                    "{name:<28} {s:>10.3} {n:>8} {ds:>10.3} {dn:>8} {:>7.2}",
                    s / ds
                );
            }
            Err(_) => println!("{name:<28} {s:>10.3} {n:>8}"),
        }
    }
    if let Err(e) = duck {
        println!("duckdb: {e:#}");
    }
    Ok(())
}

fn request<'a>(
    code: &str,
    path: &Path,
    bytes: &'a [u8],
    vocabulary: &'a lapis_model::Vocabulary,
) -> IngestRequest<'a> {
    IngestRequest {
        bytes,
        source_uri: format!("file://{}", path.display()),
        council_code: code.to_string(),
        council_name: None,
        job: Some("lapis-bench".into()),
        media_type: "text/plain".into(),
        fetched_at: None,
        etag: None,
        last_modified: None,
        layout: "auto".into(),
        vocabulary,
    }
}

/// The queries both engines run, over the raw event tables, in SQL both accept.
fn core_queries(council: &str) -> Vec<(&'static str, String)> {
    let latest = |filter: &str| {
        format!(
            "SELECT o.council_code, o.measure_id, o.period_label, o.value, o.period_year, o.period_quarter, o.period_kind, \
             ROW_NUMBER() OVER (PARTITION BY o.council_code, o.measure_id, o.period_kind, o.period_label \
             ORDER BY r.period_end DESC, r.report_id DESC) AS k \
             FROM raw_observations o JOIN raw_reports r ON r.report_id = o.report_id {filter}"
        )
    };
    vec![
        (
            "observations by council",
            "SELECT council_code, count(*) AS n FROM raw_observations GROUP BY council_code".to_string(),
        ),
        (
            "latest values, one council",
            format!(
                "SELECT council_code, measure_id, period_label, value FROM ({}) t WHERE k = 1",
                latest(&format!("WHERE o.council_code = '{council}'"))
            ),
        ),
        (
            "latest values, count",
            format!("SELECT count(*) AS n FROM ({}) t WHERE k = 1", latest("")),
        ),
        (
            "year on year, count",
            format!(
                "WITH cur AS (SELECT * FROM ({}) t WHERE k = 1) \
                 SELECT count(*) AS n FROM cur c JOIN cur p ON p.council_code = c.council_code \
                 AND p.measure_id = c.measure_id AND p.period_kind = c.period_kind \
                 AND p.period_year = c.period_year - 1 AND p.period_quarter IS NOT DISTINCT FROM c.period_quarter",
                latest("")
            ),
        ),
    ]
}

/// Runs the core queries in DuckDB (`ops/bench_duckdb.py`) over the tables' live Parquet files.
async fn duckdb(
    wh: &Warehouse,
    core: &[(&'static str, String)],
    repeats: usize,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    let mut tables = serde_json::Map::new();
    for table in ["observations", "reports"] {
        let t = wh.table(table).await?;
        let files: Vec<serde_json::Value> = t
            .get_file_uris()?
            .map(|u| serde_json::Value::String(u.trim_start_matches("file://").to_string()))
            .collect();
        tables.insert(format!("raw_{table}"), serde_json::Value::Array(files));
    }
    let spec = serde_json::json!({
        "tables": tables,
        "repeats": repeats,
        "queries": core.iter().map(|(n, q)| serde_json::json!({"name": n, "sql": q})).collect::<Vec<_>>(),
    });
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ops/bench_duckdb.py");
    let mut child = std::process::Command::new("python3")
        .arg(&script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("python3")?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().context("stdin")?;
        stdin.write_all(spec.to_string().as_bytes())?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    Ok(v.as_object().cloned().unwrap_or_default())
}
