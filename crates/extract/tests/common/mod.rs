//! Helpers shared by the extractor's integration tests.
#![allow(dead_code)]

pub mod relayout;

use std::path::{Path, PathBuf};

use lapis_extract::{document_text, extract, ExtractError, ReportContext, DEFAULT_MAX_BYTES};
use lapis_model::{Extraction, Vocabulary};

/// `../shared/reports/<name>`: the real reports, read in place and never copied here.
pub fn report_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reports")
        .join(name)
}

/// The text of a real report.
pub fn read(name: &str) -> String {
    let path = report_path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The context the tests read a document in: a council, a vocabulary, auto layout.
pub fn context<'a>(council: &'a str, vocabulary: &'a Vocabulary) -> ReportContext<'a> {
    ReportContext {
        council_code: council,
        council_name: None,
        document_sha256: "00000000000000000000",
        layout: "auto",
        vocabulary,
    }
}

/// Reads a document of any kind lapis reads (text, HTML page, PDF) as a report.
pub fn read_document(
    bytes: &[u8],
    council: &str,
    vocabulary: &Vocabulary,
) -> Result<Extraction, ExtractError> {
    let text = document_text(bytes, DEFAULT_MAX_BYTES)?;
    extract(&text, &context(council, vocabulary))
}

/// Extracts a report's text, which must be one.
pub fn run(text: &str, council: &str) -> Extraction {
    read_document(text.as_bytes(), council, Vocabulary::builtin()).expect("a report")
}

/// Every fact of an extraction, in a form that does not depend on line numbers or order.
pub fn facts(x: &Extraction) -> Vec<String> {
    let mut v: Vec<String> = x
        .observations
        .iter()
        .map(|o| {
            format!(
                "obs {}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
                o.measure_id,
                o.period.label,
                o.value,
                o.value_text,
                o.target,
                o.rating,
                o.previous_rating,
                o.benchmark,
                o.benchmark_group,
                o.direction_text,
                o.theme
            )
        })
        .chain(x.objective_updates.iter().map(|u| {
            format!(
                "objective {:?}|{:?}|{}|{:?}|{:?}|{:?}",
                u.kind, u.objective_ref, u.title, u.rating, u.status_text, u.theme
            )
        }))
        .chain(x.claims.iter().map(|c| {
            format!(
                "claim {}|{:?}|{:?}|{}|{}",
                c.subject, c.scope, c.rating, c.count, c.period_label
            )
        }))
        .collect();
    v.sort();
    v
}
