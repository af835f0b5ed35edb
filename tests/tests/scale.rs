//! The warehouse at scale, end to end with the installed binary: projections (the views kept as
//! tables, refreshed by the command that appended, council by council, rebuilt by replay),
//! batch commits, compaction and vacuum. Each view's projection is compared with the same view
//! computed from the events (`--as-of` a time after everything, which never uses projections).

use lapis_e2e::{report, stderr, stdout, Install};

const DERBYSHIRE: [&str; 4] = [
    "derbyshire-county-2019-20-annual.txt",
    "derbyshire-county-2023-24-q2.txt",
    "derbyshire-county-2024-25-q1.txt",
    "derbyshire-county-2025-26-q1.txt",
];
const DERBY_CITY: &str = "derby-city-2024-25-annual.txt";

/// Every view of `queries/` with its row count over the five real reports.
const VIEWS: [(&str, usize); 11] = [
    ("benchmark_gaps", 31),
    ("claim_reconciliation", 112),
    ("council_schemes", 2),
    ("current_ratings", 241),
    ("measures", 241),
    ("objective_status", 228),
    ("observations_current", 546),
    ("polarity_evidence", 190),
    ("rating_audit", 6),
    ("restatements", 7),
    ("yoy_direction", 248),
];

const FROM_EVENTS: &str = "2100-01-01";

fn sorted_csv(lapis: &Install, sql: &str, as_of: Option<&str>) -> Vec<String> {
    let mut args = vec!["query", "--format", "csv"];
    if let Some(t) = as_of {
        args.extend(["--as-of", t]);
    }
    args.push(sql);
    let out = lapis.run(&args);
    assert!(out.status.success(), "{sql}: {}", stderr(&out));
    let mut lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    lines.sort();
    lines
}

/// Each view's projection holds exactly what the view computed from the events holds.
fn assert_projections_match_events(lapis: &Install) {
    for (view, _) in VIEWS {
        let sql = format!("select * from {view}");
        let projected = sorted_csv(lapis, &sql, None);
        let computed = sorted_csv(lapis, &sql, Some(FROM_EVENTS));
        assert_eq!(projected.len(), computed.len(), "{view}: row counts");
        assert!(
            projected == computed,
            "{view}: projection differs from the view"
        );
    }
}

/// Runs `lapis ARGS` with a failpoint that kills it part-way; it must not succeed.
fn crashed(lapis: &Install, args: &[&str], failpoint: &str) {
    let out = lapis
        .command(args)
        .env("LAPIS_FAILPOINT", failpoint)
        .output()
        .expect("run");
    assert!(!out.status.success(), "{failpoint}: {}", stderr(&out));
}

fn ingest(lapis: &Install, council: &str, files: &[String]) -> std::process::Output {
    let mut args = vec!["ingest", "--council", council];
    args.extend(files.iter().map(String::as_str));
    let out = lapis.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

fn derbyshire() -> Vec<String> {
    DERBYSHIRE.iter().map(|f| report(f)).collect()
}

#[test]
fn projections_equal_the_views_computed_from_the_events_with_the_same_columns() {
    let lapis = Install::new();
    let out = ingest(&lapis, "E10000007", &derbyshire());
    assert!(
        stderr(&out).contains("projections: 1 councils refreshed"),
        "{}",
        stderr(&out)
    );
    let out = ingest(&lapis, "E06000015", &[report(DERBY_CITY)]);
    assert!(
        stderr(&out).contains("projections: 1 councils refreshed"),
        "{}",
        stderr(&out)
    );
    let manifest = lapis.warehouse().join("_projections/_manifest.json");
    assert!(manifest.is_file(), "no manifest");
    for (view, rows) in VIEWS {
        assert_eq!(
            lapis.row(&format!("select count(*) from {view}")),
            rows.to_string(),
            "{view}"
        );
        assert!(lapis
            .warehouse()
            .join("_projections")
            .join(view)
            .join("_delta_log")
            .is_dir());
    }
    assert_projections_match_events(&lapis);
    // The same columns, types and order, listed as views, as when computed from the events.
    let catalog =
        "select c.table_name, c.column_name, c.data_type, c.ordinal_position, t.table_type \
                   from information_schema.columns c join information_schema.tables t \
                   on c.table_name = t.table_name and c.table_schema = t.table_schema \
                   where c.table_schema = 'public' order by 1, 4";
    assert_eq!(
        sorted_csv(&lapis, catalog, None),
        sorted_csv(&lapis, catalog, Some(FROM_EVENTS))
    );
    // A figure a user checks, from the projection: Derby City's travel training, 18 against a
    // target of 15, published Green where its rule says Blue.
    assert_eq!(
        lapis.row("select measure_ref, value, target, published_rating, computed_rating from rating_audit where council_code = 'E06000015' and measure_ref = 'C PM24'"),
        "C PM24,18.0,15.0,green,blue"
    );
    // Replay: the projections rebuilt from the events are the same.
    let out = lapis.run(&["rebuild"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("rebuilt the projections of 2 councils"),
        "{}",
        stdout(&out)
    );
    for (view, rows) in VIEWS {
        assert_eq!(
            lapis.row(&format!("select count(*) from {view}")),
            rows.to_string(),
            "{view} after the rebuild"
        );
    }
    assert_eq!(
        sorted_csv(&lapis, "select * from current_ratings", None),
        sorted_csv(&lapis, "select * from current_ratings", Some(FROM_EVENTS))
    );
}

#[test]
fn a_refresh_recomputes_only_the_councils_whose_events_changed_and_follows_corrections() {
    let lapis = Install::new();
    ingest(&lapis, "E10000007", &[report(DERBYSHIRE[2])]);
    ingest(&lapis, "E06000015", &[report(DERBY_CITY)]);
    let derby_before = sorted_csv(
        &lapis,
        "select * from current_ratings where council_code = 'E06000015'",
        None,
    );
    // A newer Derbyshire report: only Derbyshire is recomputed.
    let out = ingest(&lapis, "E10000007", &[report(DERBYSHIRE[3])]);
    assert!(
        stderr(&out).contains("projections: 1 councils refreshed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        lapis.row("select count(*) from restatements where council_code = 'E10000007'"),
        "6"
    );
    assert_eq!(
        sorted_csv(
            &lapis,
            "select * from current_ratings where council_code = 'E06000015'",
            None
        ),
        derby_before
    );
    // The same file again appends nothing and recomputes nothing.
    let out = ingest(&lapis, "E10000007", &[report(DERBYSHIRE[3])]);
    assert!(!stderr(&out).contains("projections:"), "{}", stderr(&out));
    // Derby City's report moved to another council: both councils are recomputed.
    let report_id = lapis.row("select report_id from reports where council_code = 'E06000015'");
    let out = lapis.run(&[
        "correct",
        &report_id,
        "--council",
        "E06000016",
        "--reason",
        "test",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("projections: 2 councils refreshed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        lapis.row("select count(*) from current_ratings where council_code = 'E06000015'"),
        "0"
    );
    assert_eq!(
        lapis.row("select count(*) from current_ratings where council_code = 'E06000016'"),
        derby_before.len().saturating_sub(1).to_string()
    );
    assert_projections_match_events(&lapis);
}

#[test]
fn a_reader_never_sees_events_the_projections_do_not_reflect_nor_half_a_refresh() {
    let lapis = Install::new();
    ingest(&lapis, "E10000007", &[report(DERBYSHIRE[2])]);
    let before = sorted_csv(&lapis, "select * from current_ratings", None);
    // The ingest's process dies after its events are committed, before the projections.
    crashed(
        &lapis,
        &["ingest", "--council", "E10000007", &report(DERBYSHIRE[3])],
        "crash-before-projections",
    );
    // Readers keep the state the projections reflect: the events too.
    assert_eq!(lapis.row("select count(*) from reports"), "1");
    assert_eq!(
        sorted_csv(&lapis, "select * from current_ratings", None),
        before
    );
    // The events are committed: computed from the events (what `--as-of` does), they show.
    assert_eq!(
        sorted_csv(&lapis, "select count(*) from reports", Some(FROM_EVENTS))[0],
        "2"
    );
    // Another dies half-way through writing the projections.
    crashed(
        &lapis,
        &["ingest", "--council", "E06000015", &report(DERBY_CITY)],
        "crash-after-projection:measures",
    );
    assert_eq!(lapis.row("select count(*) from reports"), "1");
    assert_eq!(
        sorted_csv(&lapis, "select * from current_ratings", None),
        before
    );
    // The next writing command catches up with both.
    let out = ingest(&lapis, "E10000007", &[report(DERBYSHIRE[3])]);
    assert!(
        stderr(&out).contains("projections: 2 councils refreshed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(lapis.row("select count(*) from reports"), "3");
    assert_projections_match_events(&lapis);
}

/// The versions in a table's log (one file per commit).
fn commits(lapis: &Install, table: &str) -> usize {
    std::fs::read_dir(lapis.warehouse().join(table).join("_delta_log"))
        .expect("log")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".json"))
        })
        .count()
}

#[test]
fn a_backfill_commits_per_batch_all_or_nothing_per_document() {
    let lapis = Install::new();
    let files = derbyshire();
    // The batch dies after committing its observations: no report of it is visible.
    let mut args = vec!["ingest", "--council", "E10000007", "--batch", "4"];
    args.extend(files.iter().map(String::as_str));
    crashed(&lapis, &args, "crash-after:observations");
    assert_eq!(
        lapis.row("select (select count(*) from reports) r, (select count(*) from observations) o"),
        "0,0"
    );
    // Retried: every document once, with the observations committed before not doubled.
    let out = lapis.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        lapis.row("select count(*), count(distinct report_id) from raw_observations"),
        lapis.row("select count(*), count(distinct report_id) from observations")
    );
    assert_eq!(
        lapis.row("select (select count(*) from reports) r, (select count(*) from observations) o"),
        "4,391"
    );
    // One commit per table for the whole batch: creation, the crashed attempt's observations,
    // the retry; reports: creation and the retry.
    assert_eq!(commits(&lapis, "observations"), 2);
    assert_eq!(commits(&lapis, "reports"), 2);
    // The same files again: nothing appended.
    let out = lapis.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).matches("already in the warehouse").count(), 4);
    assert_eq!(commits(&lapis, "reports"), 2);
    assert_eq!(
        lapis.row("select count(*) from observations_current"),
        "365"
    );
}

#[test]
fn compaction_and_vacuum_keep_every_event_and_every_as_of_answer() {
    let lapis = Install::new();
    let mut times = Vec::new();
    for file in derbyshire() {
        ingest(&lapis, "E10000007", &[file]);
        std::thread::sleep(std::time::Duration::from_millis(1100));
        times.push(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string());
    }
    ingest(&lapis, "E06000015", &[report(DERBY_CITY)]);
    let count = "select (select count(*) from raw_observations) a, (select count(*) from observations) b, (select count(*) from objective_updates) c, (select count(*) from parse_issues) d";
    let before = lapis.row(count);
    let as_of: Vec<Vec<String>> = times
        .iter()
        .map(|t| sorted_csv(&lapis, "select * from current_ratings", Some(t)))
        .collect();
    let out = lapis.run(&["optimize"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("observations: 5 files compacted into 1"),
        "{}",
        stdout(&out)
    );
    let out = lapis.run(&["vacuum", "--retention-hours", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("observations: 5 files deleted"),
        "{}",
        stdout(&out)
    );
    let parquet = std::fs::read_dir(lapis.warehouse().join("observations"))
        .expect("dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".parquet"))
        })
        .count();
    assert_eq!(parquet, 1);
    assert_eq!(lapis.row(count), before);
    for (t, expected) in times.iter().zip(&as_of) {
        assert_eq!(
            &sorted_csv(&lapis, "select * from current_ratings", Some(t)),
            expected,
            "as of {t}"
        );
    }
    // A later ingest lands beside the compacted file and the views follow.
    let out = lapis.run(&["ingest", "--council", "E06000015", &lapis_e2e::sample()]);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(3),
        "{}",
        stderr(&out)
    );
    assert_projections_match_events(&lapis);
}
