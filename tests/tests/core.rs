//! The warehouse core as a user meets it through the installed binary: it runs from any
//! directory, readers never write, one writer at a time, corrections, and SQL that must be
//! refused.

use std::io::Write;

use lapis_e2e::{report, retry_busy, sample, stderr, stdout, Install};

const DERBYSHIRE_Q1: &str = "derbyshire-county-2024-25-q1.txt";
const DERBY_CITY: &str = "derby-city-2024-25-annual.txt";

#[test]
fn installed_binary_runs_from_any_directory_with_its_views_and_catalog_built_in() {
    let lapis = Install::new();
    let out = lapis.run(&["ingest", "--council", "E10000007", &report(DERBYSHIRE_Q1)]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The views are compiled in: the working directory has no queries/.
    assert_eq!(
        lapis.row("select count(*) from observations_current"),
        lapis.row("select count(*) from (select distinct council_code, measure_id, period_kind, period_label from observations)")
    );
    // So is the catalog: sickness absence is declared lower-is-better there.
    assert_eq!(
        lapis.row("select polarity, polarity_source from measures where measure_id = 'E10000007:sickness-hours-as-a-%-of-working-hours-available'"),
        "lower_is_better,declared"
    );
}

#[test]
fn reading_never_writes() {
    let lapis = Install::new();
    // Not a warehouse: refused, and nothing is created.
    let out = lapis.run(&["query", "select 1"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no lapis warehouse"),
        "{}",
        stderr(&out)
    );
    assert!(!lapis.warehouse().exists(), "a query created the warehouse");
    let plain = lapis.dir.path().join("plain");
    std::fs::create_dir_all(&plain).expect("mkdir");
    let out = retry_busy(|| {
        lapis
            .command(&["query", "select 1"])
            .arg("--warehouse")
            .arg(&plain)
            .output()
    });
    assert!(
        stderr(&out).contains("has no _lapis.json"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_dir(&plain).expect("dir").count(), 0);
    // A warehouse missing a table: the reader names it and does not re-create it.
    let out = lapis.run(&["ingest", "--council", "E10000007", &report(DERBYSHIRE_Q1)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let wh = lapis.warehouse();
    std::fs::rename(wh.join("observations"), lapis.dir.path().join("moved")).expect("move");
    let out = lapis.run(&["query", "select count(*) from reports"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("missing tables observations"),
        "{}",
        stderr(&out)
    );
    assert!(!wh.join("observations").exists());
}

#[test]
fn sql_that_writes_or_touches_files_is_refused_and_deep_expressions_do_not_kill_lapis() {
    let lapis = Install::new();
    let out = lapis.run(&["ingest", "--council", "E10000007", &report(DERBYSHIRE_Q1)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let target = lapis.dir.path().join("copied.csv");
    let copy = format!("COPY (SELECT 1) TO '{}'", target.display());
    let external = format!(
        "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '{}'",
        lapis.dir.path().display()
    );
    for sql in [
        copy.as_str(),
        external.as_str(),
        "INSERT INTO raw_observations (event_id, report_id) VALUES ('x', 'y')",
        "DROP VIEW reports",
        "CREATE TABLE t AS SELECT 1",
        "SET datafusion.execution.batch_size = 1",
    ] {
        let out = lapis.run(&["query", sql]);
        assert!(!out.status.success(), "{sql} was accepted");
        assert!(
            stderr(&out).to_lowercase().contains("not supported")
                || stderr(&out).to_lowercase().contains("not allowed"),
            "{sql}: {}",
            stderr(&out)
        );
    }
    assert!(!target.exists(), "COPY wrote a file");
    assert_eq!(lapis.row("select count(*) from raw_observations"), "86");
    // 20,000 terms: refused with a clear error before planning, never a crashed process.
    let deep = format!("select {}", vec!["1"; 20_000].join(" + "));
    let out = lapis.run(&["query", "--format", "csv", &deep]);
    assert!(
        out.status.code().is_some(),
        "killed by a signal: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("nests expressions more than 1000 deep"),
        "{}",
        stderr(&out)
    );
    // 500 terms are answered.
    let sum = format!("select {} as total", vec!["1"; 500].join(" + "));
    let out = lapis.run(&["query", "--format", "csv", &sum]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "total\n500\n");
}

#[test]
fn one_writer_at_a_time_names_the_holder() {
    let lapis = Install::new();
    let wh = lapis.warehouse();
    std::fs::create_dir_all(&wh).expect("mkdir");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(wh.join("_lapis.lock"))
        .expect("lock file");
    lock.lock().expect("take the lock");
    (&lock)
        .write_all(b"pid 4242 (lapis serve), since 2026-11-30T08:00:00Z")
        .expect("holder");
    let out = lapis.run(&[
        "--lock-wait-secs",
        "1",
        "ingest",
        "--council",
        "E10000007",
        &report(DERBYSHIRE_Q1),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("is being written by pid 4242 (lapis serve)"),
        "{}",
        stderr(&out)
    );
    drop(lock);
    let out = lapis.run(&["ingest", "--council", "E10000007", &report(DERBYSHIRE_Q1)]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Several writers at once on a fresh warehouse, then again on the existing one: every ingest
/// succeeds (they take turns), each table is created once, and nothing is duplicated.
#[test]
fn racing_ingests_on_a_fresh_and_an_existing_warehouse() {
    let lapis = Install::new();
    let files = [
        ("E10000007", report(DERBYSHIRE_Q1)),
        ("E10000007", report("derbyshire-county-2023-24-q2.txt")),
        ("E10000007", report("derbyshire-county-2019-20-annual.txt")),
        ("E06000015", report(DERBY_CITY)),
    ];
    for round in ["fresh", "existing"] {
        let children: Vec<_> = files
            .iter()
            .chain(files.iter())
            .map(|(council, file)| lapis.spawn(&["ingest", "--council", council, file]))
            .collect();
        for child in children {
            let out = child.wait_with_output().expect("wait");
            assert!(out.status.success(), "{round}: {}", stderr(&out));
        }
        assert_eq!(
            lapis.row("select (select count(*) from reports) a, (select count(*) from raw_reports) b, (select count(*) from observations) c, (select count(*) from raw_observations) d, (select count(distinct event_id) from raw_observations) e"),
            "4,4,468,468,468",
            "{round}"
        );
    }
    // Each table was created once: one metadata action in its whole log.
    for table in ["reports", "observations", "documents", "corrections"] {
        let log = lapis.warehouse().join(table).join("_delta_log");
        let metadata: usize = std::fs::read_dir(&log)
            .expect("log")
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .map(|e| {
                std::fs::read_to_string(e.path())
                    .expect("read")
                    .matches("\"metaData\"")
                    .count()
            })
            .sum();
        assert_eq!(metadata, 1, "{table}");
    }
}

#[test]
fn a_wrong_council_is_corrected_without_deleting_anything() {
    let lapis = Install::new();
    // Derby City's report ingested as Derbyshire's by mistake.
    let out = lapis.run(&["ingest", "--council", "E10000007", &report(DERBY_CITY)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        lapis.row("select council_code, count(*) from observations group by 1"),
        "E10000007,181"
    );
    let report_id = lapis.row("select report_id from reports");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let before = chrono_now();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    // A council code that is not one is refused before anything is read.
    let out = lapis.run(&["correct", &report_id, "--council", "Derby", "--reason", "x"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not a council's GSS code"),
        "{}",
        stderr(&out)
    );
    let out = lapis.run(&[
        "correct",
        &report_id[..12],
        "--council",
        "E06000015",
        "--council-name",
        "Derby City Council",
        "--reason",
        "ingested under Derbyshire by mistake",
        "--operator",
        "analyst",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("E10000007 → E06000015"),
        "{}",
        stdout(&out)
    );
    // The views follow the correction: measure ids, council and name.
    assert_eq!(
        lapis.row("select council_code, min(measure_id), count(*) from observations group by 1"),
        "E06000015,E06000015:ref:asc-01e,181"
    );
    assert_eq!(
        lapis.row("select council_code, council_name, extraction_reason from reports"),
        "E06000015,Derby City Council,correction"
    );
    assert_eq!(
        lapis.row("select field, old_value, new_value, reason, operator, superseded_report_id from corrections where field = 'council_code'"),
        format!("council_code,E10000007,E06000015,ingested under Derbyshire by mistake,analyst,{report_id}")
    );
    // Nothing was deleted: both readings are in the raw table, and before the correction the
    // warehouse believed what it believed then.
    assert_eq!(
        lapis.row("select count(*), count(distinct council_code) from raw_observations"),
        "362,2"
    );
    let out = lapis.run(&[
        "query",
        "--format",
        "csv",
        "--as-of",
        &before,
        "select council_code, count(*) from observations group by 1",
    ]);
    assert_eq!(stdout(&out).lines().nth(1), Some("E10000007,181"));
    // Re-ingesting the file adds nothing; --supersede under the same council changes nothing.
    let out = lapis.run(&["ingest", "--council", "E06000015", &report(DERBY_CITY)]);
    assert!(
        stdout(&out).contains("already in the warehouse"),
        "{}",
        stdout(&out)
    );
    let out = lapis.run(&[
        "ingest",
        "--council",
        "E06000015",
        "--supersede",
        &report(DERBY_CITY),
    ]);
    assert!(
        stdout(&out).contains("nothing to supersede"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        lapis.row(
            "select (select count(*) from raw_reports) r, (select count(*) from raw_corrections) c"
        ),
        "2,2"
    );
}

#[test]
fn ingest_with_supersede_corrects_the_council() {
    let lapis = Install::new();
    let out = lapis.run(&["ingest", "--council", "E06000015", &report(DERBYSHIRE_Q1)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = lapis.run(&[
        "ingest",
        "--council",
        "E10000007",
        "--supersede",
        "--reason",
        "wrong council on the first ingest",
        &report(DERBYSHIRE_Q1),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        lapis.row("select council_code, count(*) from observations group by 1"),
        "E10000007,86"
    );
    assert_eq!(
        lapis.row("select reason from corrections"),
        "wrong council on the first ingest"
    );
}

#[test]
fn reextract_with_an_unchanged_extractor_appends_nothing() {
    let lapis = Install::new();
    for (council, file) in [
        ("E10000007", report(DERBYSHIRE_Q1)),
        ("E06000015", report(DERBY_CITY)),
    ] {
        let out = lapis.run(&["ingest", "--council", council, &file]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = lapis.run(&["reextract"]);
    assert!(!out.status.success(), "reextract needs a selection");
    let out = lapis.run(&["reextract", "--all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("2 documents: 0 re-extracted, 2 unchanged, 0 failed"),
        "{}",
        stdout(&out)
    );
    let out = lapis.run(&["reextract", "--council", "E06000015"]);
    assert!(
        stdout(&out).contains("1 documents: 0 re-extracted, 1 unchanged"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        lapis.row("select (select count(*) from raw_reports) a, (select count(*) from raw_observations) b"),
        "2,267"
    );
}

/// A figure printed in £m in one report and in pounds in another is one figure.
#[test]
fn money_printed_at_different_scales_compares() {
    let lapis = Install::new();
    let text = std::fs::read_to_string(sample()).expect("sample");
    assert!(text.contains("£2,310,000"));
    let scaled = lapis.dir.path().join("sample-in-millions.txt");
    std::fs::write(&scaled, text.replace("£2,310,000", "£2.31m")).expect("write");
    for file in [sample(), scaled.display().to_string()] {
        let out = lapis.run(&["ingest", "--council", "E10000007", &file]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(
        lapis.csv("select value, unit, value_text from observations where measure_name like 'Amount of money raised%' and period_label = '2025-26 Q1' order by value_text"),
        "value,unit,value_text\n2310000.0,£,\"£2,310,000\"\n2310000.0,£,£2.31m\n"
    );
    assert_eq!(
        lapis.row("select count(*) from restatements where measure_name like 'Amount of money raised%' and period_label = '2025-26 Q1'"),
        "0"
    );
}

/// Now, as `--as-of` takes it.
fn chrono_now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A catalog that maps one measure twice would duplicate its observations: it is refused when
/// loaded, naming the file and the line.
#[test]
fn a_catalog_mapping_a_measure_twice_is_refused_naming_the_line() {
    let lapis = Install::new();
    let out = lapis.run(&["ingest", "--council", "E10000007", &report(DERBYSHIRE_Q1)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let catalog = lapis.dir.path().join("measures.csv");
    std::fs::write(
        &catalog,
        "council_code,measure_id,canonical_id,polarity,note\n\
         E10000007,E10000007:health-and-wellbeing-mot,E10000007:number-of-individuals-completing-a-health-and-wellbeing-mot,,\n\
         # a second mapping of the same measure\n\
         E10000007,E10000007:health-and-wellbeing-mot,E10000007:something-else,,\n",
    )
    .expect("write");
    let out = lapis.run(&[
        "--catalog",
        catalog.to_str().expect("path"),
        "query",
        "select count(*) from observations",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(
            "measures.csv line 4: \"E10000007:health-and-wellbeing-mot\" is already on line 2"
        ),
        "{}",
        stderr(&out)
    );
}
