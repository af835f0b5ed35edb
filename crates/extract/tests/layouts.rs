//! Other councils' layout families, as fixtures with invented figures (`tests/layouts/`): each
//! is read with the right periods, values, targets, ratings and directions, and whatever it
//! prints that lapis keeps no field for is a parse issue, not a silent loss.

mod common;

use common::{context, read_document};
use lapis_extract::extract;
use lapis_model::{Direction, Extraction, Observation, Rating, Severity, Vocabulary};

fn read(name: &str, council: &str) -> Extraction {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/layouts")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    read_document(&bytes, council, Vocabulary::builtin()).expect("a report")
}

fn obs<'a>(x: &'a Extraction, measure_ref: &str, period: &str) -> &'a Observation {
    x.observations
        .iter()
        .find(|o| o.measure_ref.as_deref() == Some(measure_ref) && o.period.label == period)
        .unwrap_or_else(|| {
            panic!(
                "no {measure_ref} in {period}; have {:?}",
                x.observations
                    .iter()
                    .map(|o| (o.measure_ref.clone(), o.period.label.clone()))
                    .collect::<Vec<_>>()
            )
        })
}

fn direction(o: &Observation) -> Option<Direction> {
    o.direction_text.as_deref().and_then(Direction::parse)
}

#[test]
fn markdown_kpi_tables_of_a_web_page() {
    let x = read("kpi-web-page.md", "E10000016");
    assert_eq!(x.report.period.label, "2024-25 Q2");
    // 6 indicators: this quarter's and the previous quarter's figure each (CYPE8's target, RAG
    // and DoT print "n/a" and "–": nothing).
    assert_eq!(x.observations.len(), 12);
    let cs04 = obs(&x, "CS04", "2024-25 Q2");
    assert_eq!(
        (cs04.value, cs04.target, cs04.rating),
        (Some(84.0), Some(85.0), Some(Rating::Amber))
    );
    assert_eq!(direction(cs04), Some(Direction::Deteriorating));
    assert_eq!(obs(&x, "CS04", "2024-25 Q1").value, Some(88.0));
    let cs01 = obs(&x, "CS01", "2024-25 Q2");
    assert_eq!(
        (cs01.rating, direction(cs01)),
        (Some(Rating::Green), Some(Direction::Improving))
    );
    assert_eq!(
        direction(obs(&x, "CS08", "2024-25 Q2")),
        Some(Direction::Unchanged)
    );
    let eh4 = obs(&x, "EH4", "2024-25 Q2");
    assert_eq!(
        (eh4.value, eh4.target, eh4.rating),
        (Some(38.9), Some(60.0), Some(Rating::Red))
    );
    let care = obs(&x, "CYPE8", "2024-25 Q2");
    assert_eq!(
        (
            care.value,
            care.target,
            care.rating,
            care.period.kind.as_str()
        ),
        (Some(1861.0), None, None, "snapshot")
    );
    // "Floor" is a column lapis has no field for: named, on both tables' header lines.
    let floors: Vec<u32> = x
        .parse_issues
        .iter()
        .filter(|i| i.severity == Severity::Warning && i.reason.contains("\"Floor\""))
        .map(|i| i.source_line)
        .collect();
    assert_eq!(floors, vec![12, 20]);
    assert!(x.parse_issues.iter().any(|i| i.reason
        == "column header \"Floor\" is not in the vocabulary (catalog/columns.toml); the column's cells are not read (the table under \"Children, young people and education\", header on line 20)"));
}

#[test]
fn fixed_width_columns_with_wrapped_names_and_wingdings_arrows() {
    let x = read("fixed-width-pdftotext.txt", "E09000016");
    assert_eq!(x.report.period.label, "2024-25 Q3");
    assert_eq!(x.observations.len(), 10, "{:#?}", x.parse_issues);
    let en1 = obs(&x, "EN1", "2024-25 Q3");
    assert_eq!(
        en1.measure_name,
        "Percentage of household waste sent for reuse, recycling and composting"
    );
    assert_eq!(
        (en1.value, en1.target, en1.rating, direction(en1)),
        (
            Some(36.4),
            Some(38.0),
            Some(Rating::Amber),
            Some(Direction::Improving)
        )
    );
    assert_eq!(obs(&x, "EN1", "2023-24 Q3").value, Some(35.9));
    let en2 = obs(&x, "EN2", "2024-25 Q3");
    assert_eq!(en2.measure_name, "Number of fly-tipping incidents removed");
    assert_eq!(
        (en2.value, en2.rating, direction(en2)),
        (
            Some(1382.0),
            Some(Rating::Red),
            Some(Direction::Deteriorating)
        )
    );
    assert_eq!(
        direction(obs(&x, "EN3", "2024-25 Q3")),
        Some(Direction::Unchanged)
    );
    let va2 = obs(&x, "VA2", "2024-25 Q3");
    assert_eq!(
        (va2.measure_name.as_str(), va2.value, va2.target, va2.rating),
        (
            "Average days to process new housing benefit claims",
            Some(24.6),
            Some(20.0),
            Some(Rating::Red)
        )
    );
    assert_eq!(x.losses().count(), 0, "{:#?}", x.parse_issues);
}

#[test]
fn csv_export_with_high_and_low_targets_and_worded_statuses() {
    let x = read("measures-export.csv", "E07000138");
    assert_eq!(x.report.period.label, "2024-25 Q2");
    let cs2 = obs(&x, "CS 2", "2024-25 Q2");
    assert_eq!(
        (cs2.value, cs2.target, cs2.rating),
        (Some(188.0), Some(120.0), Some(Rating::Amber))
    );
    assert_eq!(obs(&x, "CS 2", "2024-25 Q1").value, Some(212.0));
    let hs3 = obs(&x, "HS 3", "2024-25 Q2");
    assert_eq!((hs3.value, hs3.rating), (Some(97.4), Some(Rating::Green)));
    let hs5 = obs(&x, "HS 5", "2024-25 Q2");
    assert_eq!((hs5.value, hs5.rating), (Some(45.8), Some(Rating::Red)));
    let cs1 = obs(&x, "CS 1", "2024-25 Q2");
    assert_eq!(
        (cs1.value, cs1.rating, cs1.rating_text.as_deref()),
        (Some(4870.0), None, Some("Volumetric"))
    );
    // The comma inside the quoted name is part of the name.
    let dc1 = obs(&x, "DC 1", "2024-25 Q2");
    assert_eq!(
        (dc1.measure_name.as_str(), dc1.value, dc1.target, dc1.rating),
        (
            "Percentage of planning applications decided in time, major",
            None,
            Some(90.0),
            None
        )
    );
    assert_eq!(obs(&x, "DC 1", "2024-25 Q1").value, Some(100.0));
    // The low target has no field: each row with two targets says so.
    let second_targets = x
        .parse_issues
        .iter()
        .filter(|i| i.severity == Severity::Warning && i.reason.contains("2 targets"))
        .count();
    assert_eq!(second_targets, 4);
}

/// Periods in headers, in the forms councils print them, and headers relative to the report's
/// own period, in a report for the first quarter (so that "last quarter" is the year before's
/// fourth).
#[test]
fn period_headers_in_every_form_and_relative_to_the_report() {
    let text = "# Performance Report Quarter 1 2025/26\n\n\
Ref\tMeasure\tThis quarter\tLast quarter\tSame period last year\tPrevious year\t2023 to 2024\tQ1 2023/24\tQuarter 1 2022-2023\tTarget\n\
M1\tHomes built\t101\t102\t103\t104\t105\t106\t107\t100\n\
\n\
Ref\tMeasure\tThis period\tLast period\tYear end\n\
M2\tRoads repaired\t201\t202\t203\n";
    let x = extract(text, &context("E07000138", Vocabulary::builtin())).expect("a report");
    let periods = |r: &str| -> Vec<(String, Option<f64>)> {
        let mut v: Vec<(String, Option<f64>)> = x
            .observations
            .iter()
            .filter(|o| o.measure_ref.as_deref() == Some(r))
            .map(|o| (o.period.label.clone(), o.value))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    assert_eq!(
        periods("M1"),
        vec![
            ("2022-23 Q1".to_string(), Some(107.0)),
            ("2023-24".to_string(), Some(105.0)),
            ("2023-24 Q1".to_string(), Some(106.0)),
            ("2024-25".to_string(), Some(104.0)),
            ("2024-25 Q1".to_string(), Some(103.0)),
            ("2024-25 Q4".to_string(), Some(102.0)),
            ("2025-26 Q1".to_string(), Some(101.0)),
        ]
    );
    assert_eq!(obs(&x, "M1", "2025-26 Q1").target, Some(100.0));
    // "Year end" with no year, in a first-quarter report: not put in any year.
    assert_eq!(
        periods("M2"),
        vec![
            ("2024-25 Q4".to_string(), Some(202.0)),
            ("2025-26 Q1".to_string(), Some(201.0)),
        ]
    );
    assert!(x
        .parse_issues
        .iter()
        .any(|i| i.severity == Severity::Warning
            && i.reason.contains("\"year end\" column with no year")
            && i.reason.contains("\"203\"")));
}

/// A council whose words differ: its own ratings and empty markers, in its own table of the
/// vocabulary, win for its reports only.
#[test]
fn per_council_words() {
    let mut toml = lapis_model::vocabulary::BUILTIN_TOML.to_string();
    toml.push_str(
        "\n[council.E07000138]\nratings = { \"exceeded\" = \"green\" }\nempty = [\"awaited\"]\n",
    );
    let vocab = Vocabulary::from_toml(&toml, "test.toml").expect("vocabulary");
    let text = "# Performance Report Quarter 2 2024/25\n\n\
Ref\tMeasure\tQ2 2024/25\tPrevious quarter\tTarget\tStatus\n\
M1\tHomes built\t412\tawaited\t400\tExceeded\n";
    let read = |council: &str| extract(text, &context(council, &vocab)).expect("a report");
    let own = read("E07000138");
    assert_eq!(own.observations.len(), 1);
    assert_eq!(own.observations[0].rating, Some(Rating::Green));
    let other = read("E07000139");
    // Elsewhere "Exceeded" is Blue, and "awaited" is a value lapis cannot read as a number.
    assert_eq!(obs(&other, "M1", "2024-25 Q2").rating, Some(Rating::Blue));
    assert_eq!(
        obs(&other, "M1", "2024-25 Q1").value_text.as_deref(),
        Some("awaited")
    );
}
