//! End-to-end checks of `lapis ingest` and `lapis query` on the four real reports in
//! `../shared/reports/`, as a user would make them: counts, re-ingest, append-only tables,
//! a crash half-way through an ingest, and errors a person can act on.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn reports_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reports")
}

fn lapis(wh: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lapis"))
        .arg("--warehouse")
        .arg(wh)
        .args(args)
        .env_remove("LAPIS_FAILPOINT")
        .output()
        .expect("run lapis")
}

fn ingest_all(wh: &Path) -> Vec<Output> {
    let r = reports_dir();
    let derbyshire: Vec<String> = [
        "derbyshire-county-2024-25-q1.txt",
        "derbyshire-county-2023-24-q2.txt",
        "derbyshire-county-2019-20-annual.txt",
    ]
    .iter()
    .map(|f| r.join(f).display().to_string())
    .collect();
    let mut args = vec![
        "ingest",
        "--council",
        "E10000007",
        "--council-name",
        "Derbyshire County Council",
    ];
    args.extend(derbyshire.iter().map(String::as_str));
    let city = r
        .join("derby-city-2024-25-annual.txt")
        .display()
        .to_string();
    vec![
        lapis(wh, &args),
        lapis(wh, &["ingest", "--council", "E06000015", &city]),
    ]
}

/// Ingests the four reports and fails the test if either ingest fails.
fn ingest_all_ok(wh: &Path) {
    for out in ingest_all(wh) {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn csv(wh: &Path, sql: &str) -> String {
    let out = lapis(wh, &["query", "--format", "csv", sql]);
    assert!(
        out.status.success(),
        "query failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

const COUNTS: &str = "select (select count(*) from reports) r, (select count(*) from documents) d, (select count(*) from observations) o, (select count(*) from objective_updates) u, (select count(*) from report_claims) c, (select count(*) from parse_issues) p";

#[test]
fn ingest_all_four_reports_then_again_adds_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wh = dir.path().join("wh");
    ingest_all_ok(&wh);
    let first = csv(&wh, COUNTS);
    assert_eq!(
        first.lines().nth(1),
        // 478 printed cells less Derby City's 7 "N/A" values and 2024-25 Q1's SO-03 row of
        // "n/r" (3 cells, one info issue instead): 468 observations, 74 parse issues.
        Some("4,4,468,228,109,74"),
        "counts after the first ingest:\n{first}"
    );
    let again = ingest_all(&wh);
    for out in &again {
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.lines().all(|l| l.contains("already in the warehouse")),
            "{text}"
        );
    }
    assert_eq!(csv(&wh, COUNTS), first);
    // Facts a user would check.
    let sickness = csv(&wh, "select period_label, value, target, rating from observations where measure_name = 'Sickness Hours as a % of Working Hours Available' order by period_end");
    assert_eq!(sickness, "period_label,value,target,rating\n2022-23 Q1,5.31,,\n2023-24 Q1,4.58,,\n2024-25 Q1,4.71,4.9,good\n");
    let suspensions = csv(&wh, "select period_label, value, direction_text from observations where measure_ref = 'LS PM01' order by period_end");
    assert_eq!(
        suspensions,
        "period_label,value,direction_text\n2023-24,5199.0,\n2024-25 Q4,3487.0,Improving\n"
    );
}

#[test]
fn every_table_is_append_only_and_refuses_deletes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wh = dir.path().join("wh");
    let r = reports_dir().join("derbyshire-county-2024-25-q1.txt");
    assert!(lapis(
        &wh,
        &[
            "ingest",
            "--council",
            "E10000007",
            r.to_str().expect("path")
        ]
    )
    .status
    .success());
    for table in lapis_store::schema::TABLES {
        let log = std::fs::read_to_string(
            wh.join(table)
                .join("_delta_log")
                .join("00000000000000000000.json"),
        )
        .expect("first commit");
        assert!(
            log.contains("\"delta.appendOnly\":\"true\""),
            "{table}: {log}"
        );
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let wh = lapis_store::Warehouse::open_writer(
            wh.to_str().expect("path"),
            Box::new(lapis_store::SystemClock),
            std::time::Duration::from_secs(10),
        )
        .await
        .expect("open");
        let table = wh.table("observations").await.expect("table");
        let err = table.delete().await.expect_err("a delete must be refused");
        assert!(err.to_string().to_lowercase().contains("append"), "{err}");
    });
}

#[test]
fn a_crash_between_table_commits_shows_nothing_and_a_retry_completes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wh = dir.path().join("wh");
    let r = reports_dir().join("derbyshire-county-2024-25-q1.txt");
    let file = r.to_str().expect("path");
    for failpoint in [
        "crash-after:observations",
        "error-after:parse_issues",
        "crash-after:documents",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_lapis"))
            .args([
                "--warehouse",
                wh.to_str().expect("path"),
                "ingest",
                "--council",
                "E10000007",
                file,
            ])
            .env("LAPIS_FAILPOINT", failpoint)
            .output()
            .expect("run");
        assert!(!out.status.success(), "{failpoint} should fail");
        assert_eq!(
            csv(&wh, COUNTS).lines().nth(1),
            Some("0,0,0,0,0,0"),
            "after {failpoint}, the views show none of the document"
        );
    }
    let out = lapis(&wh, &["ingest", "--council", "E10000007", file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(csv(&wh, COUNTS).lines().nth(1), Some("1,1,86,33,5,13"));
    // No duplicates in the raw tables either: the interrupted commits were completed, not repeated.
    assert_eq!(
        csv(
            &wh,
            "select count(*) n, count(distinct event_id) d from raw_observations"
        )
        .lines()
        .nth(1),
        Some("86,86")
    );
}

#[test]
fn errors_a_person_can_act_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wh = dir.path().join("wh");
    let missing = lapis(
        &wh,
        &[
            "ingest",
            "--council",
            "E10000007",
            "/nonexistent/report.txt",
        ],
    );
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read"));
    for (name, bytes, expect) in [
        ("empty.txt", b"".to_vec(), "empty"),
        ("report.pdf", b"%PDF-1.7\n...".to_vec(), "PDF"),
        (
            "error.html",
            b"<!DOCTYPE html><html><head><title>404</title></head></html>".to_vec(),
            "HTML",
        ),
        ("junk.bin", vec![0u8, 159, 146, 150, 1, 2, 3], "binary"),
        (
            "latin1.txt",
            b"Council Plan Performance Report 2019/20\n\xa3100".to_vec(),
            "UTF-8",
        ),
        (
            "notes.txt",
            b"shopping list\neggs\tmilk\n".to_vec(),
            "no report",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let out = lapis(
            &wh,
            &[
                "ingest",
                "--council",
                "E10000007",
                path.to_str().expect("path"),
            ],
        );
        assert!(!out.status.success(), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{name}: {err}");
    }
    // A 200 MB file (sparse, so the test writes nothing) is refused before it is read.
    let huge = dir.path().join("huge.txt");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(200 * 1024 * 1024))
        .expect("create sparse file");
    let out = lapis(
        &wh,
        &[
            "ingest",
            "--council",
            "E10000007",
            huge.to_str().expect("path"),
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("209715200 bytes (200.0 MiB), over the limit of 33554432 bytes (32 MiB)"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // An input whose size the metadata does not tell is cut off at the limit.
    let out = lapis(&wh, &["ingest", "--council", "E10000007", "/dev/zero"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("over the limit"));
    // A report cut off half-way ingests what it holds (parse issues say where it ends), or is
    // refused; it never half-appends. Cut the 2024-25 Q1 report mid-row at a third.
    let full = std::fs::read(reports_dir().join("derbyshire-county-2024-25-q1.txt")).expect("read");
    let cut = full.len() / 3;
    let truncated = dir.path().join("truncated.txt");
    std::fs::write(&truncated, &full[..cut]).expect("write");
    assert_eq!(
        csv(&wh, COUNTS).lines().nth(1),
        Some("0,0,0,0,0,0"),
        "bad input leaves the warehouse unchanged"
    );
    let out = lapis(
        &wh,
        &[
            "ingest",
            "--council",
            "E10000007",
            truncated.to_str().expect("path"),
        ],
    );
    // Ingested, but short of its own summary: exit status 3, the gap on the terminal.
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("not read, line 33: the report's summary counts 33 strategic objectives"),
        "{said}"
    );
    // The first third holds the summary (5 claims), SO-01..SO-09 and the two measures awaiting
    // data (2 observations: CO2e 70.9% and its 70.8% target; SO-03 prints only "n/r").
    assert_eq!(
        csv(&wh, "select (select count(*) from observations) o, (select count(*) from objective_updates) u, (select count(*) from report_claims) c").lines().nth(1),
        Some("2,9,5")
    );
    // Its own summary (33 strategic objectives) tells that it is short.
    assert_eq!(
        csv(&wh, "select count(*) n from parse_issues where severity = 'warning' and reason like '%summary counts 33 strategic objectives%read 9%may be truncated%'").lines().nth(1),
        Some("1")
    );
    let typo = lapis(&wh, &["query", "select nonsense from observations"]);
    assert!(!typo.status.success());
    assert_eq!(
        String::from_utf8_lossy(&typo.stderr).lines().count(),
        1,
        "one clear line"
    );
    let write = lapis(&wh, &["query", "drop table reports"]);
    assert!(!write.status.success(), "the query command is read-only");
    std::fs::write(wh.join("_lapis.json"), "{\"format\": 99}\n").expect("write");
    let newer = lapis(&wh, &["query", "select 1"]);
    assert!(String::from_utf8_lossy(&newer.stderr).contains("newer lapis"));
}

#[test]
fn as_of_answers_as_the_warehouse_stood_then_and_order_does_not_change_current_belief() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wh = dir.path().join("wh");
    let r = reports_dir();
    let newer = r.join("derbyshire-county-2024-25-q1.txt");
    let older = r.join("derbyshire-county-2023-24-q2.txt");
    assert!(lapis(
        &wh,
        &[
            "ingest",
            "--council",
            "E10000007",
            newer.to_str().expect("path")
        ]
    )
    .status
    .success());
    let current = "select measure_id, period_label, value_text, report_id from observations_current order by 1, 2";
    let before = csv(&wh, current);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let between = chrono::Utc::now().to_rfc3339();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert!(lapis(
        &wh,
        &[
            "ingest",
            "--council",
            "E10000007",
            older.to_str().expect("path")
        ]
    )
    .status
    .success());
    let out = lapis(
        &wh,
        &[
            "query",
            "--format",
            "csv",
            "--as-of",
            &between,
            "select count(*) n from reports",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "n\n1\n");
    // The older report restates CO2e 2022-23 (71.1% vs the newer 70.9%): the newer report wins.
    let co2 = csv(&wh, "select value_text from observations_current where measure_id = 'E10000007:percentage-reduction-in-co2e-from-2009-10-baseline' and period_label = '2022-23'");
    assert_eq!(co2, "value_text\n70.9%\n");
    let after: Vec<String> = csv(&wh, current)
        .lines()
        .filter(|l| before.contains(*l))
        .map(str::to_string)
        .collect();
    assert_eq!(
        after.len(),
        before.lines().count(),
        "every belief from the newer report survives ingesting an older one"
    );
}

/// `lapis suggest-aliases` proposes measures renamed between plans, and stops proposing them
/// once the catalog confirms them.
#[test]
fn suggest_aliases_proposes_renamed_measures_until_the_catalog_confirms_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wh = dir.path().join("wh");
    ingest_all_ok(&wh);
    // An empty catalog: nothing is confirmed yet.
    let bare = dir.path().join("empty-catalog.csv");
    std::fs::write(
        &bare,
        "council_code,measure_id,canonical_id,polarity,note\n",
    )
    .expect("write");
    let repo_catalog = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog/measures.csv");
    let suggest = |catalog: &Path| -> Vec<String> {
        let catalog = catalog.to_str().expect("path");
        let out = lapis(
            &wh,
            &[
                "--catalog",
                catalog,
                "suggest-aliases",
                "--council",
                "E10000007",
                "--format",
                "csv",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .lines()
            .map(str::to_string)
            .collect()
    };
    let rows = suggest(&bare);
    assert_eq!(
        rows[0],
        "council_code,measure_id,canonical_id,polarity,note,score"
    );
    let mot = rows
        .iter()
        .find(|r| r.contains("E10000007:health-and-wellbeing-mot,"))
        .expect("MOT suggested");
    // The later report's id is the canonical one; the score is the mean of overlap (1) and
    // Jaccard (3 of 6 words).
    assert!(mot.starts_with("E10000007,E10000007:health-and-wellbeing-mot,E10000007:number-of-individuals-completing-a-health-and-wellbeing-mot,,"), "{mot}");
    assert!(mot.ends_with(",0.75"), "{mot}");
    assert!(
        mot.contains("[2023-24 Q2]") && mot.contains("[2024-25 Q1]"),
        "{mot}"
    );
    // The three road-condition measures renamed "... based on AEI survey" in 2024-25.
    let roads = rows
        .iter()
        .filter(|r| r.contains("where-maintenance-should-be-considered"))
        .count();
    assert_eq!(roads, 3, "{rows:#?}");
    // Measures printed side by side in one report are never suggested as one.
    assert!(!rows
        .iter()
        .any(|r| r.contains("including-exceptions") && r.contains("excluding-exceptions")));

    // With the repository's catalog the confirmed renames are no longer suggested.
    let confirmed = suggest(&repo_catalog);
    assert!(
        !confirmed
            .iter()
            .any(|r| r.contains("wellbeing-mot") || r.contains("where-maintenance")),
        "{confirmed:#?}"
    );
    // Four confirmed renames, and the two 2019/20 "pupils in good or better … schools" measures,
    // whose partner in the 2023-24 Q2 cross table the catalog names: once aliased they are
    // printed in the same report as the cross table's other cells, so no cell is proposed.
    assert!(!confirmed
        .iter()
        .any(|r| r.contains("percentage-of-pupils-in-good-or-better")));
    assert_eq!(confirmed.len(), rows.len() - 6);
}
