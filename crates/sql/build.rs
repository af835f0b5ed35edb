//! Compiles the views (`queries/*.sql`) and the measure catalog (`catalog/measures.csv`) into
//! the library, so that an installed `lapis` runs from any directory.

use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../..");
    let queries = root.join("queries");
    let catalog = root.join("catalog/measures.csv");
    println!("cargo:rerun-if-changed={}", queries.display());
    println!("cargo:rerun-if-changed={}", catalog.display());
    let mut views: Vec<(String, String)> = std::fs::read_dir(&queries)
        .expect("queries/ beside the crates")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("sql"))
        .map(|p| {
            println!("cargo:rerun-if-changed={}", p.display());
            let name = p
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("view file name")
                .to_string();
            let path = std::fs::canonicalize(&p).expect("view path");
            (name, path.display().to_string())
        })
        .collect();
    views.sort();
    let mut out = String::from(
        "/// The views compiled in: (name, SQL).\npub const VIEWS: &[(&str, &str)] = &[\n",
    );
    for (name, path) in &views {
        out.push_str(&format!("    ({name:?}, include_str!({path:?})),\n"));
    }
    out.push_str("];\n");
    let catalog = std::fs::canonicalize(&catalog).expect("catalog/measures.csv");
    out.push_str(&format!(
        "/// The measure catalog compiled in.\npub const CATALOG: &str = include_str!({:?});\n",
        catalog.display().to_string()
    ));
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    std::fs::write(dest, out).expect("write embedded.rs");
}
