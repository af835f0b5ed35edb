//! Event-sourced replay: a warehouse holding an older extractor's reading of a report is read
//! again by this extractor. The new events win in every view; `--as-of` still shows the old
//! belief; nothing is deleted; reading again with no change appends nothing.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use lapis_model::DocumentMeta;
use lapis_store::{ExtractionUnit, SteppingClock, Warehouse};
use sha2::{Digest, Sha256};

fn report_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reports/derbyshire-county-2024-25-q1.txt")
}

async fn one(wh: &Warehouse, as_of: Option<chrono::DateTime<Utc>>, sql: &str) -> String {
    let ctx = lapis_sql::session(wh, &lapis_sql::Definitions::default(), as_of)
        .await
        .expect("session");
    let (_, batches) = lapis_sql::query(&ctx, sql).await.expect(sql);
    datafusion::arrow::util::pretty::pretty_format_batches(&batches)
        .expect("format")
        .to_string()
        .lines()
        .nth(3)
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_better_extractor_wins_and_as_of_keeps_the_old_belief() {
    let dir = tempfile::tempdir().expect("tempdir");
    let location = dir.path().join("wh");
    let location = location.to_str().expect("utf-8");
    let start = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("time");
    let wh = Warehouse::open_writer(
        location,
        Box::new(SteppingClock::new(start, chrono::Duration::days(1))),
        Duration::from_secs(10),
    )
    .await
    .expect("open");
    let bytes = std::fs::read(report_path()).expect("report");
    let sha = hex::encode(Sha256::digest(&bytes));

    // What an older extractor made of the report: the objectives, but only 10 of its 86
    // observations.
    let text = lapis_extract::decode(&bytes, lapis_ingest::DEFAULT_MAX_BYTES).expect("text");
    let ctx = lapis_extract::ReportContext {
        council_code: "E10000007",
        council_name: Some("Derbyshire County Council"),
        document_sha256: &sha,
        layout: "auto",
        vocabulary: lapis_model::Vocabulary::builtin(),
    };
    let mut old = lapis_extract::extract(text, &ctx).expect("extract");
    assert_eq!(old.observations.len(), 86);
    old.observations.truncate(10);
    old.report.extractor = "lapis-extract/0.0.1:old".into();
    let fingerprint = lapis_ingest::fingerprint(&old);
    old.report.report_id = lapis_ingest::report_id(&sha, 1, &fingerprint);
    let doc = DocumentMeta {
        sha256: sha.clone(),
        source_uri: "file:///reports/derbyshire-county-2024-25-q1.txt".into(),
        job: None,
        media_type: "text/plain".into(),
        bytes: bytes.len() as u64,
        etag: None,
        last_modified: None,
    };
    wh.archive(&sha, &bytes).expect("archive");
    wh.append(&ExtractionUnit {
        document: Some((&doc, None)),
        document_sha256: &sha,
        source_uri: &doc.source_uri,
        extraction: &old,
        sequence: 1,
        fingerprint: &fingerprint,
        reason: "ingest",
        layout: "auto",
    })
    .await
    .expect("append the old reading");
    // recorded 2026-01-01
    assert!(one(&wh, None, "select count(*) from observations")
        .await
        .contains("| 10 "));

    // This extractor reads all 86 (recorded 2026-01-02).
    let records = wh.extractions().await.expect("records");
    let current = lapis_ingest::current(&records);
    assert_eq!(current.len(), 1);
    let outcome = lapis_ingest::reextract_one(&wh, current[0], lapis_model::Vocabulary::builtin())
        .await
        .expect("reextract");
    let lapis_ingest::ReextractOutcome::Appended { appended, .. } = outcome else {
        panic!("the better extractor's reading was not appended: {outcome:?}");
    };
    assert_eq!(appended.rows.get("observations"), Some(&86));
    assert_eq!(
        appended.rows.get("documents"),
        None,
        "the document row is not repeated"
    );
    assert!(one(&wh, None, "select count(*) from observations")
        .await
        .contains("| 86 "));
    assert!(one(&wh, None, "select count(*) from observations_current")
        .await
        .contains("| 86 "));
    assert!(one(
        &wh,
        None,
        "select count(*), sum(case when is_current then 1 else 0 end) from extractions"
    )
    .await
    .contains("| 2 "));
    assert!(one(&wh, None, "select count(*) from raw_observations")
        .await
        .contains("| 96 "));
    // As the warehouse stood on 1 January: the old reading.
    let jan1 = Utc
        .with_ymd_and_hms(2026, 1, 1, 12, 0, 0)
        .single()
        .expect("time");
    assert!(one(&wh, Some(jan1), "select count(*) from observations")
        .await
        .contains("| 10 "));
    assert!(one(&wh, Some(jan1), "select extractor from reports")
        .await
        .contains("0.0.1:old"));

    // Reading again with the same extractor appends nothing.
    let records = wh.extractions().await.expect("records");
    let current = lapis_ingest::current(&records);
    let again = lapis_ingest::reextract_one(&wh, current[0], lapis_model::Vocabulary::builtin())
        .await
        .expect("again");
    assert!(
        matches!(again, lapis_ingest::ReextractOutcome::Unchanged { .. }),
        "{again:?}"
    );
    assert_eq!(wh.extractions().await.expect("records").len(), 2);
}
