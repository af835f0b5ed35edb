//! Helpers shared by the extractor's integration tests.

use std::path::{Path, PathBuf};

use lapis_extract::{decode, extract, ReportContext, DEFAULT_MAX_BYTES};
use lapis_model::Extraction;

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

/// Extracts a report's text, which must be one.
pub fn run(text: &str, council: &str) -> Extraction {
    let ctx = ReportContext {
        council_code: council,
        council_name: None,
        document_sha256: "00000000000000000000",
        layout: "auto",
        vocabulary: lapis_model::Vocabulary::builtin(),
    };
    extract(
        decode(text.as_bytes(), DEFAULT_MAX_BYTES).expect("text"),
        &ctx,
    )
    .expect("a report")
}
