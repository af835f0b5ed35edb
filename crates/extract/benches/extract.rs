//! Extraction throughput on the real reports: `cargo bench -p lapis-extract`.
//!
//! Prints, per report, its size, the best and median time of one decode + extract, and the
//! throughput; then all of them together; then each report re-printed in every table syntax
//! (pipe, grid, fixed-width with wrapped cells, CSV), with its time against the original's. A
//! plain binary (no harness) so it needs no extra crates.

#[path = "../tests/common/relayout.rs"]
mod relayout;

use std::path::Path;
use std::time::{Duration, Instant};

use lapis_extract::{document_text, extract, ReportContext, DEFAULT_MAX_BYTES};

const REPORTS: [(&str, &str); 5] = [
    ("derbyshire-county-2025-26-q1", "E10000007"),
    ("derbyshire-county-2024-25-q1", "E10000007"),
    ("derbyshire-county-2023-24-q2", "E10000007"),
    ("derbyshire-county-2019-20-annual", "E10000007"),
    ("derby-city-2024-25-annual", "E06000015"),
];

fn once(bytes: &[u8], council: &str) -> usize {
    let ctx = ReportContext {
        council_code: council,
        council_name: None,
        document_sha256: "0000000000000000",
        layout: "auto",
        vocabulary: lapis_model::Vocabulary::builtin(),
    };
    let text = document_text(bytes, DEFAULT_MAX_BYTES).expect("a document lapis reads");
    let x = extract(&text, &ctx).expect("extract");
    x.observations.len() + x.objective_updates.len() + x.claims.len() + x.parse_issues.len()
}

fn timings(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    t.sort();
    (t[0], t[t.len() / 2])
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reports");
    let reports: Vec<(&str, &str, Vec<u8>)> = REPORTS
        .iter()
        .map(|(stem, council)| {
            let path = dir.join(format!("{stem}.txt"));
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (*stem, *council, bytes)
        })
        .collect();
    let runs = 200;
    println!(
        "{:<34} {:>9} {:>7} {:>10} {:>10} {:>9}",
        "report", "bytes", "events", "best ms", "median ms", "MB/s"
    );
    let mut total_bytes = 0usize;
    for (stem, council, bytes) in &reports {
        let events = once(bytes, council);
        let (best, median) = timings(runs, || {
            std::hint::black_box(once(std::hint::black_box(bytes), council));
        });
        total_bytes += bytes.len();
        println!(
            "{stem:<34} {:>9} {events:>7} {:>10.3} {:>10.3} {:>9.1}",
            bytes.len(),
            best.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3,
            bytes.len() as f64 / median.as_secs_f64() / 1e6
        );
    }
    let (best, median) = timings(runs, || {
        for (_, council, bytes) in &reports {
            std::hint::black_box(once(std::hint::black_box(bytes), council));
        }
    });
    println!(
        "{:<34} {total_bytes:>9} {:>7} {:>10.3} {:>10.3} {:>9.1}",
        "all five",
        "",
        best.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3,
        total_bytes as f64 / median.as_secs_f64() / 1e6
    );

    println!();
    println!(
        "{:<34} {:<22} {:>9} {:>10} {:>10}",
        "report", "printed as", "bytes", "median ms", "× original"
    );
    let runs = 50;
    for (stem, council, bytes) in &reports {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let (_, original) = timings(runs, || {
            std::hint::black_box(once(std::hint::black_box(bytes), council));
        });
        for t in relayout::ALL.iter().filter(|t| t.is_syntax()) {
            let printed = t.apply(&text).into_bytes();
            let (_, median) = timings(runs, || {
                std::hint::black_box(once(std::hint::black_box(&printed), council));
            });
            println!(
                "{stem:<34} {:<22} {:>9} {:>10.3} {:>10.2}",
                t.name(),
                printed.len(),
                median.as_secs_f64() * 1e3,
                median.as_secs_f64() / original.as_secs_f64()
            );
        }
    }

    // PDF: each report rendered by tests/pdf/render.py (fpdf2), when Python can render it.
    let dir = std::env::temp_dir().join(format!("lapis-bench-pdf-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pdf/render.py");
    println!();
    println!(
        "{:<34} {:>9} {:>6} {:>7} {:>10} {:>10}",
        "report as PDF", "bytes", "pages", "events", "median ms", "pages/s"
    );
    for (stem, council, _) in &reports {
        let pdf = dir.join(format!("{stem}.pdf"));
        let rendered = std::process::Command::new("python3")
            .arg(&script)
            .arg(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(format!("../../../shared/reports/{stem}.txt")),
            )
            .arg(&pdf)
            .output()
            .is_ok_and(|o| o.status.success());
        let Some(bytes) = rendered.then(|| std::fs::read(&pdf).ok()).flatten() else {
            println!("{stem:<34} (not rendered: python3 with fpdf2 is needed)");
            continue;
        };
        time_pdf(stem, council, &bytes);
    }

    // Tagged PDF: each report's HTML page printed by headless Chromium (tables read from the
    // structure tree), when Chromium is installed.
    println!();
    println!(
        "{:<34} {:>9} {:>6} {:>7} {:>10} {:>10}",
        "report as tagged PDF (Chromium)", "bytes", "pages", "events", "median ms", "pages/s"
    );
    for (stem, council, bytes) in &reports {
        let html = dir.join(format!("{stem}.html"));
        let pdf = dir.join(format!("{stem}.chromium.pdf"));
        let page = relayout::Transform::Html.apply(&String::from_utf8_lossy(bytes));
        let printed = std::fs::write(&html, page).is_ok()
            && std::process::Command::new("chromium")
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--no-pdf-header-footer",
                ])
                .arg(format!("--user-data-dir={}", dir.join("profile").display()))
                .arg(format!("--print-to-pdf={}", pdf.display()))
                .arg(format!("file://{}", html.display()))
                .output()
                .is_ok_and(|o| o.status.success());
        let Some(bytes) = printed.then(|| std::fs::read(&pdf).ok()).flatten() else {
            println!("{stem:<34} (not printed: chromium is needed)");
            continue;
        };
        time_pdf(stem, council, &bytes);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Times the reading of a PDF report and prints its line: bytes, pages, events, median
/// milliseconds over 20 runs, pages a second.
fn time_pdf(stem: &str, council: &str, bytes: &[u8]) {
    let events = once(bytes, council);
    let pages = lopdf::Document::load_mem(bytes).map_or(1, |d| d.get_pages().len());
    let (_, median) = timings(20, || {
        std::hint::black_box(once(std::hint::black_box(bytes), council));
    });
    println!(
        "{stem:<34} {:>9} {pages:>6} {events:>7} {:>10.1} {:>10.0}",
        bytes.len(),
        median.as_secs_f64() * 1e3,
        pages as f64 / median.as_secs_f64()
    );
}
