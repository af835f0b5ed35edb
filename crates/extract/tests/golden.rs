//! Golden files: every event extracted from each of the four real reports, one per line, in
//! `tests/golden/<report>.events`. A change in extraction shows up as a diff a person reviews
//! against the report text. `LAPIS_BLESS=1 cargo test -p lapis-extract --test golden` rewrites
//! the files after such a review.
//!
//! A second check needs no golden file: every figure an observation carries (value, target,
//! benchmark as printed) appears on the report line it cites, so nothing is invented.

use std::path::{Path, PathBuf};

mod common;

use common::{read, run};
use lapis_extract::render_golden;

const REPORTS: [(&str, &str); 4] = [
    ("derbyshire-county-2024-25-q1", "E10000007"),
    ("derbyshire-county-2023-24-q2", "E10000007"),
    ("derbyshire-county-2019-20-annual", "E10000007"),
    ("derby-city-2024-25-annual", "E06000015"),
];

fn report_text(stem: &str) -> String {
    read(&format!("{stem}.txt"))
}

fn golden_path(stem: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{stem}.events"))
}

#[test]
fn every_event_matches_its_golden_file() {
    let bless = std::env::var_os("LAPIS_BLESS").is_some();
    let mut failures = Vec::new();
    for (stem, council) in REPORTS {
        let got = render_golden(&run(&report_text(stem), council));
        let path = golden_path(stem);
        if bless {
            std::fs::write(&path, &got).expect("write golden file");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if got != want {
            let (g, w): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
            let first = g
                .iter()
                .zip(&w)
                .position(|(a, b)| a != b)
                .unwrap_or(g.len().min(w.len()));
            failures.push(format!(
                "{stem}: {} lines extracted, {} golden; first difference at line {}:\n  got:    {}\n  golden: {}",
                g.len(),
                w.len(),
                first + 1,
                g.get(first).unwrap_or(&"<end>"),
                w.get(first).unwrap_or(&"<end>")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Whether `printed` is on the cited line, as printed.
fn on_line(lines: &[&str], line_no: u32, printed: &str) -> bool {
    // A row joined across a page break cites its first line; look a few lines on.
    let start = (line_no as usize).saturating_sub(1);
    lines[start..(start + 4).min(lines.len())]
        .iter()
        .any(|l| l.contains(printed))
}

#[test]
fn every_printed_figure_is_on_the_line_it_cites() {
    for (stem, council) in REPORTS {
        let text = report_text(stem);
        let lines: Vec<&str> = text.lines().collect();
        let x = run(&text, council);
        let mut missing = Vec::new();
        for o in &x.observations {
            for (what, printed) in [
                ("value", &o.value_text),
                ("target", &o.target_text),
                ("benchmark", &o.benchmark_text),
            ] {
                if let Some(p) = printed.as_deref().filter(|p| !p.trim().is_empty()) {
                    // The 2023-24 Q2 report prints benchmarks only in its chart blocks
                    // ("National Benchmark\t84.5%"), which complete the summary-table row.
                    let in_chart = what == "benchmark"
                        && o.benchmark_group.as_deref().is_some_and(|g| {
                            lines
                                .iter()
                                .any(|l| l.trim() == format!("{g}\t{}", p.trim()))
                        });
                    if !in_chart && !on_line(&lines, o.source_line, p.trim()) {
                        missing.push(format!(
                            "L{} {} {what} {p:?}",
                            o.source_line, o.measure_name
                        ));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "{stem}: figures not on their lines:\n{}",
            missing.join("\n")
        );
    }
}
