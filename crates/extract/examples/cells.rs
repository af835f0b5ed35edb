//! Prints a document's lines as the table model reads them: `cargo run --example cells -- FILE`.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: cells FILE");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1)
    });
    let text = lapis_extract::document_text(&bytes, lapis_extract::DEFAULT_MAX_BYTES)
        .unwrap_or_else(|e| {
            eprintln!("{path}: {e}");
            std::process::exit(1)
        });
    if std::env::var("LAPIS_RAW").is_ok() {
        print!("{text}");
        return;
    }
    for line in lapis_extract::layout::read(&text, lapis_model::Vocabulary::builtin()) {
        if line.is_tabular() {
            println!("L{} | {}", line.no, line.cells.join(" ⇥ "));
        } else {
            println!("L{}   {}", line.no, line.text);
        }
    }
}
