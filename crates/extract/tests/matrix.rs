//! The drift matrix: every shared report × every way a council's template or export tool might
//! print it, generated here from `../shared/reports/` (no report text is copied into the
//! repository). Each transformation keeps the report's figures and changes only how its tables
//! are printed; the facts read from it, compared as sets, must be the facts read from the
//! original. A property test then composes random transformations.
//!
//! `cargo test -p lapis-extract --test matrix -- --nocapture matrix` prints the matrix (report ×
//! transformation → share of facts kept) that the README shows.

mod common;

use std::collections::BTreeSet;

use common::relayout::{Transform, ALL};
use common::{facts, read, read_document};
use lapis_model::Vocabulary;

const REPORTS: &[(&str, &str)] = &[
    ("derby-city-2024-25-annual.txt", "E06000015"),
    ("derbyshire-county-2019-20-annual.txt", "E10000007"),
    ("derbyshire-county-2023-24-q2.txt", "E10000007"),
    ("derbyshire-county-2024-25-q1.txt", "E10000007"),
    ("derbyshire-county-2025-26-q1.txt", "E10000007"),
];

fn read_facts(text: &str, council: &str) -> BTreeSet<String> {
    match read_document(text.as_bytes(), council, Vocabulary::builtin()) {
        Ok(x) => facts(&x).into_iter().collect(),
        Err(_) => BTreeSet::new(),
    }
}

/// Share of the original's facts kept, and the facts lost and invented.
fn compare(
    original: &BTreeSet<String>,
    other: &BTreeSet<String>,
) -> (f64, Vec<String>, Vec<String>) {
    let lost: Vec<String> = original.difference(other).cloned().collect();
    let invented: Vec<String> = other.difference(original).cloned().collect();
    let kept = original.len() - lost.len();
    (kept as f64 / original.len() as f64, lost, invented)
}

#[test]
fn matrix() {
    let mut table = String::from("| report | facts |");
    for t in ALL {
        table.push_str(&format!(" {} |", t.name()));
    }
    table.push('\n');
    table.push_str(&format!("|---|---|{}\n", "---|".repeat(ALL.len())));
    let mut failures = Vec::new();
    for (report, council) in REPORTS {
        let text = read(report);
        let original = read_facts(&text, council);
        assert!(original.len() > 100, "{report}: {} facts", original.len());
        table.push_str(&format!("| {report} | {} |", original.len()));
        for t in ALL {
            let printed = t.apply(&text);
            assert_ne!(
                printed,
                text,
                "{report} × {}: the transformation changed nothing",
                t.name()
            );
            if std::env::var("LAPIS_MATRIX_DUMP").is_ok_and(|d| d == t.name()) {
                let path = std::env::temp_dir().join(format!("matrix-{report}"));
                std::fs::write(&path, &printed).expect("dump");
            }
            let (share, lost, invented) = compare(&original, &read_facts(&printed, council));
            table.push_str(&format!(" {:.1}% |", share * 100.0));
            if !lost.is_empty() || !invented.is_empty() {
                failures.push(format!(
                    "{report} × {}: {} lost, {} invented\n  lost: {}\n  invented: {}",
                    t.name(),
                    lost.len(),
                    invented.len(),
                    lost.iter()
                        .take(40)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("\n        "),
                    invented
                        .iter()
                        .take(40)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("\n        ")
                ));
            }
        }
        table.push('\n');
    }
    println!("{table}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A small deterministic generator (xorshift), so that a failing composition can be replayed
/// from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_compositions_keep_the_facts() {
    let seed: u64 = std::env::var("LAPIS_MATRIX_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x1a915);
    let cases: usize = std::env::var("LAPIS_MATRIX_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12);
    let mut rng = Rng(seed);
    let texts: Vec<(String, &str)> = REPORTS.iter().map(|(r, c)| (read(r), *c)).collect();
    let originals: Vec<BTreeSet<String>> = texts.iter().map(|(t, c)| read_facts(t, c)).collect();
    let content: Vec<Transform> = ALL
        .iter()
        .copied()
        .filter(|t| {
            !t.is_syntax() && !matches!(t, Transform::CrlfBomNbsp | Transform::PageFurniture)
        })
        .collect();
    let syntax: Vec<Transform> = ALL.iter().copied().filter(|t| t.is_syntax()).collect();
    let mut failures = Vec::new();
    for case in 0..cases {
        let r = (rng.next() % texts.len() as u64) as usize;
        // Content changes first, then at most one table syntax, then the bytes of the file.
        let mut chain: Vec<Transform> = content
            .iter()
            .copied()
            .filter(|_| rng.next().is_multiple_of(2))
            .collect();
        if !rng.next().is_multiple_of(3) {
            chain.push(syntax[(rng.next() % syntax.len() as u64) as usize]);
        }
        for t in [Transform::PageFurniture, Transform::CrlfBomNbsp] {
            // Page furniture is what a PDF's text export prints; a web page has none.
            let html = chain.contains(&Transform::Html);
            if rng.next().is_multiple_of(2) && !(html && t == Transform::PageFurniture) {
                chain.push(t);
            }
        }
        let (text, council) = &texts[r];
        let out = chain.iter().fold(text.clone(), |t, tr| tr.apply(&t));
        if std::env::var("LAPIS_MATRIX_DUMP").is_ok_and(|d| d == format!("case {case}")) {
            let path = std::env::temp_dir().join(format!("matrix-case-{case}.txt"));
            std::fs::write(&path, &out).expect("dump");
        }
        let (share, lost, invented) = compare(&originals[r], &read_facts(&out, council));
        if !lost.is_empty() || !invented.is_empty() {
            failures.push(format!(
                "case {case} (seed {seed}): {} × {:?}: {:.1}% kept, {} lost, {} invented; first lost: {:?}",
                REPORTS[r].0,
                chain.iter().map(|t| t.name()).collect::<Vec<_>>(),
                share * 100.0,
                lost.len(),
                invented.len(),
                lost.first()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
