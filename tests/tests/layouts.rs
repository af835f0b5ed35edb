//! Reading any layout, as a user meets it: the same report printed as pipe tables, fixed-width
//! columns or CSV ingests to the same observations; a header word lapis does not know is said
//! (exit status 3) and taught by editing the vocabulary and re-extracting, with no build.

#[path = "../../crates/extract/tests/common/relayout.rs"]
mod relayout;

use lapis_e2e::{report, stderr, stdout, Install};
use relayout::Transform;

const ALL_OBSERVATIONS: &str = "select measure_id, period_label, value, target, rating, benchmark, direction_text from observations order by 1, 2";

#[test]
fn a_report_reprinted_in_any_table_syntax_ingests_to_the_same_observations() {
    let original = Install::new();
    let path = report("derby-city-2024-25-annual.txt");
    let out = original.run(&["ingest", "--council", "E06000015", &path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = original.csv(ALL_OBSERVATIONS);
    assert_eq!(expected.lines().count(), 1 + 181);
    let text = std::fs::read_to_string(&path).expect("read");
    for t in [
        Transform::Pipe,
        Transform::FixedWidth,
        Transform::Csv,
        Transform::Grid,
        Transform::Html,
    ] {
        let lapis = Install::new();
        let file = lapis.cwd.join("report.txt");
        std::fs::write(&file, t.apply(&text)).expect("write");
        let out = lapis.run(&["ingest", "--council", "E06000015", "report.txt"]);
        assert!(out.status.success(), "{}: {}", t.name(), stderr(&out));
        assert!(
            stdout(&out).contains("181 observations, 105 objective updates, 20 claims"),
            "{}: {}",
            t.name(),
            stdout(&out)
        );
        assert_eq!(lapis.csv(ALL_OBSERVATIONS), expected, "{}", t.name());
        let media_type = if t == Transform::Html {
            "text/html"
        } else {
            "text/plain"
        };
        assert_eq!(lapis.row("select media_type from documents"), media_type);
        // Facts from a page's tables cite the table and its row; from text, their line.
        let tables = if t == Transform::Html { "0" } else { "181" };
        assert_eq!(
            lapis.row("select count(*) from observations where source_table is null"),
            tables,
            "{}",
            t.name()
        );
    }
}

const UNKNOWN_WORD: &str = "# Performance Report Quarter 2 2024/25

Ref\tIndicator\tQ2 2024/25\tAspiration\tRAG
AB1\tHomes built\t412\t400\tGreen
AB2\tHouseholds in temporary accommodation\t118\t100\tRed
";

#[test]
fn an_unknown_header_word_is_said_then_taught_without_a_build() {
    let lapis = Install::new();
    std::fs::write(lapis.cwd.join("q2.txt"), UNKNOWN_WORD).expect("write");
    let out = lapis.run(&["ingest", "--council", "E07000138", "q2.txt"]);
    // Ingested, but a column was not read: exit status 3, the word and line on the terminal.
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .contains("not read, line 3: column header \"Aspiration\" is not in the vocabulary"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        lapis.row("select count(*), count(target) from observations"),
        "2,0"
    );
    // The same page as HTML: the header is row 1 of the page's first table.
    let page = lapis.cwd.join("q2.html");
    std::fs::write(&page, Transform::Html.apply(UNKNOWN_WORD)).expect("write");
    let html = Install::new();
    std::fs::copy(&page, html.cwd.join("q2.html")).expect("copy");
    let out = html.run(&["ingest", "--council", "E07000138", "q2.html"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "not read, table 1 row 1: column header \"Aspiration\" is not in the vocabulary"
        ),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        html.row("select source_table, source_line from observations where measure_ref = 'AB2'"),
        "1,3"
    );
    assert_eq!(
        lapis
            .row("select source_line, severity from parse_issues where reason like '%Aspiration%'"),
        "3,warning"
    );
    // The user copies the vocabulary, adds the word to the target rule, and re-extracts.
    let out = lapis.run(&["vocabulary"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let taught = stdout(&out).replacen(
        "contains = [\"target\", ",
        "contains = [\"target\", \"aspiration\", ",
        1,
    );
    assert_ne!(
        taught,
        stdout(&out),
        "the target rule is where the README says"
    );
    std::fs::write(lapis.cwd.join("columns.toml"), taught).expect("write");
    let out = lapis.run(&["--columns", "columns.toml", "reextract", "--all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 re-extracted"), "{}", stdout(&out));
    assert_eq!(
        lapis.csv("select measure_ref, value, target, rating from observations order by 1"),
        "measure_ref,value,target,rating\nAB1,412.0,400.0,green\nAB2,118.0,100.0,red\n"
    );
    assert_eq!(
        lapis.row("select count(*) from parse_issues where reason like '%Aspiration%'"),
        "0"
    );
    // A vocabulary file with a mistake is refused, naming the file and the line.
    std::fs::write(
        lapis.cwd.join("bad.toml"),
        "[[column]]\nrole = \"targte\"\n",
    )
    .expect("write");
    let out = lapis.run(&["--columns", "bad.toml", "reextract", "--all"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("bad.toml: line 2"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn accept_partial_makes_a_partial_reading_exit_zero() {
    let lapis = Install::new();
    std::fs::write(lapis.cwd.join("q2.txt"), UNKNOWN_WORD).expect("write");
    let out = lapis.run(&[
        "ingest",
        "--accept-partial",
        "--council",
        "E07000138",
        "q2.txt",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 of them things not read"),
        "{}",
        stdout(&out)
    );
}

fn render_pdf(text: &str, out: &std::path::Path, extra: &[&str]) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/extract/tests/pdf/render.py");
    let run = std::process::Command::new("python3")
        .arg(script)
        .arg(text)
        .arg(out)
        .args(extra)
        .output()
        .expect("python3 renders the test PDFs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn a_pdf_report_ingests_to_the_observations_of_its_text_and_a_scan_is_refused() {
    let original = Install::new();
    let path = report("derby-city-2024-25-annual.txt");
    let out = original.run(&["ingest", "--council", "E06000015", &path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lapis = Install::new();
    render_pdf(&path, &lapis.cwd.join("report.pdf"), &[]);
    let out = lapis.run(&["ingest", "--council", "E06000015", "report.pdf"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("181 observations, 105 objective updates, 20 claims"),
        "{}",
        stdout(&out)
    );
    assert_eq!(lapis.csv(ALL_OBSERVATIONS), original.csv(ALL_OBSERVATIONS));
    assert_eq!(
        lapis.row("select media_type from documents"),
        "application/pdf"
    );
    // Each fact cites its page (the summary is page 1, the tables follow); the text has none.
    assert_eq!(
        lapis.row("select count(*) from observations where source_page is null"),
        "0"
    );
    assert_eq!(
        lapis.row("select min(source_page) >= 2 and max(source_page) >= 10 from observations"),
        "true"
    );
    assert_eq!(
        original.row("select count(*) from observations where source_page is null"),
        "181"
    );
    // A scan has no text to read: refused, naming why, and no report appended; but kept for a
    // lapis with OCR: its bytes archived and a fetches row saying why it was not read.
    let scan = lapis.cwd.join("scan.pdf");
    render_pdf("-", &scan, &["--scan"]);
    let out = lapis.run(&["ingest", "--council", "E06000015", "scan.pdf"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no text layer"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("recorded in fetches as not_extracted"),
        "{}",
        stderr(&out)
    );
    assert_eq!(lapis.row("select count(*) from documents"), "1");
    assert_eq!(lapis.row("select count(*) from reports"), "1");
    let bytes = std::fs::read(&scan).expect("scan");
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    assert_eq!(
        lapis.row("select job || '|' || outcome || '|' || sha256 || '|' || bytes || '|' || url from fetches"),
        format!(
            "lapis ingest|not_extracted|{sha}|{}|file://{}",
            bytes.len(),
            std::fs::canonicalize(&scan).expect("path").display()
        )
    );
    assert!(
        lapis
            .row("select error from fetches")
            .contains("no text layer"),
        "{}",
        lapis.row("select error from fetches")
    );
    let archived = lapis
        .warehouse()
        .join("_documents")
        .join(&sha[..2])
        .join(&sha);
    assert_eq!(std::fs::read(archived).expect("archived"), bytes);
}
