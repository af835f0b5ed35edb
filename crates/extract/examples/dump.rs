//! Prints the events extracted from a report, one per line: `cargo run --example dump -- FILE CODE`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(code)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: dump FILE COUNCIL_CODE");
        std::process::exit(2);
    };
    let bytes = std::fs::read(path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1)
    });
    let ctx = lapis_extract::ReportContext {
        council_code: code,
        council_name: None,
        document_sha256: "0000000000000000",
        layout: "auto",
        vocabulary: lapis_model::Vocabulary::builtin(),
    };
    match lapis_extract::document_text(&bytes, lapis_extract::DEFAULT_MAX_BYTES)
        .and_then(|t| lapis_extract::extract(&t, &ctx))
    {
        Ok(x) => print!("{}", lapis_extract::render(&x)),
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    }
}
