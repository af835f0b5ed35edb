//! Any bytes: the extractor returns events or an error, never panics, and
//! every event it returns cites a line that exists.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = lapis_extract::decode(data, 1 << 20) else {
        return;
    };
    let ctx = lapis_extract::ReportContext {
        council_code: "E10000007",
        council_name: None,
        document_sha256: "0000000000000000",
        layout: "auto",
        vocabulary: lapis_model::Vocabulary::builtin(),
    };
    if let Ok(x) = lapis_extract::extract(text, &ctx) {
        let lines = text.lines().count() as u32 + 1;
        for o in &x.observations {
            assert!(o.source_line >= 1 && o.source_line <= lines, "line {} of {lines}", o.source_line);
        }
        for u in &x.objective_updates {
            assert!(u.source_line >= 1 && u.source_line <= lines, "line {} of {lines}", u.source_line);
        }
        let _ = lapis_extract::render(&x);
    }
});
