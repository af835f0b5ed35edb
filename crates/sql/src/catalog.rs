//! The measure catalog (`catalog/measures.csv`): aliases from a measure id to its canonical id,
//! and declared polarity. Compiled into the binary; `--catalog FILE` (or `LAPIS_CATALOG`)
//! replaces it.
//!
//! The file is validated when it is loaded, and an error names the line: the header must be
//! `council_code,measure_id,canonical_id,polarity,note`; a council code must be a GSS code; a
//! measure id (and a canonical id) must belong to the row's council; a polarity is empty,
//! `higher_is_better` or `lower_is_better`; each measure id appears once per council (a measure
//! mapped twice would duplicate its observations); a canonical id is not itself an alias (no
//! chains).

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

pub const COLUMNS: [&str; 5] = [
    "council_code",
    "measure_id",
    "canonical_id",
    "polarity",
    "note",
];

/// One row of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub line: usize,
    pub council_code: String,
    pub measure_id: String,
    pub canonical_id: Option<String>,
    pub polarity: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name} line {line}: {message}")]
pub struct CatalogError {
    pub source_name: String,
    pub line: usize,
    pub message: String,
}

/// Splits one CSV line into fields (double quotes, `""` for a quote inside them).
fn fields(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".into());
    }
    out.push(cur);
    Ok(out)
}

/// Reads and validates a catalog. `source_name` names it in errors (a path, or "the built-in
/// catalog").
pub fn parse(text: &str, source_name: &str) -> Result<Vec<Entry>, CatalogError> {
    let err = |line: usize, message: String| CatalogError {
        source_name: source_name.to_string(),
        line,
        message,
    };
    let mut entries: Vec<Entry> = Vec::new();
    let mut header_seen = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let f = fields(trimmed).map_err(|m| err(line, m))?;
        if !header_seen {
            if f.iter().map(|s| s.trim()).ne(COLUMNS.iter().copied()) {
                return Err(err(
                    line,
                    format!("the header must be {}, not {trimmed}", COLUMNS.join(",")),
                ));
            }
            header_seen = true;
            continue;
        }
        if f.len() != COLUMNS.len() {
            return Err(err(
                line,
                format!("{} fields, expected {}", f.len(), COLUMNS.len()),
            ));
        }
        let opt = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        };
        let council_code = f[0].trim().to_string();
        if !lapis_model::is_council_code(&council_code) {
            return Err(err(
                line,
                format!("{council_code:?} is not a council's GSS code"),
            ));
        }
        let measure_id = f[1].trim().to_string();
        let prefix = format!("{council_code}:");
        if !measure_id.starts_with(&prefix) {
            return Err(err(
                line,
                format!("measure id {measure_id:?} does not belong to council {council_code}"),
            ));
        }
        let canonical_id = opt(&f[2]);
        if let Some(c) = &canonical_id {
            if !c.starts_with(&prefix) {
                return Err(err(
                    line,
                    format!("canonical id {c:?} does not belong to council {council_code}"),
                ));
            }
            if c == &measure_id {
                return Err(err(line, format!("{measure_id:?} is mapped to itself")));
            }
        }
        let polarity = opt(&f[3]);
        if let Some(p) = &polarity {
            if p != "higher_is_better" && p != "lower_is_better" {
                return Err(err(
                    line,
                    format!("polarity {p:?} is not higher_is_better or lower_is_better"),
                ));
            }
        }
        if let Some(first) = entries
            .iter()
            .find(|e| e.council_code == council_code && e.measure_id == measure_id)
        {
            return Err(err(
                line,
                format!(
                    "{measure_id:?} is already on line {}: one row per measure",
                    first.line
                ),
            ));
        }
        entries.push(Entry {
            line,
            council_code,
            measure_id,
            canonical_id,
            polarity,
            note: opt(&f[4]),
        });
    }
    if !header_seen {
        return Err(err(1, "no header line".into()));
    }
    let aliased: BTreeMap<(&str, &str), usize> = entries
        .iter()
        .filter(|e| e.canonical_id.is_some())
        .map(|e| ((e.council_code.as_str(), e.measure_id.as_str()), e.line))
        .collect();
    for e in &entries {
        if let Some(c) = &e.canonical_id {
            if let Some(line) = aliased.get(&(e.council_code.as_str(), c.as_str())) {
                return Err(err(
                    e.line,
                    format!("canonical id {c:?} is itself an alias (line {line}): map to its canonical id"),
                ));
            }
        }
    }
    Ok(entries)
}

pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(
        COLUMNS
            .map(|name| Field::new(name, DataType::Utf8, true))
            .to_vec(),
    ))
}

/// The catalog as one batch with the file's columns.
pub fn to_batch(entries: &[Entry]) -> RecordBatch {
    let col = |f: &dyn Fn(&Entry) -> Option<String>| -> ArrayRef {
        Arc::new(entries.iter().map(f).collect::<StringArray>())
    };
    let columns = vec![
        col(&|e| Some(e.council_code.clone())),
        col(&|e| Some(e.measure_id.clone())),
        col(&|e| e.canonical_id.clone()),
        col(&|e| e.polarity.clone()),
        col(&|e| e.note.clone()),
    ];
    RecordBatch::try_new(schema(), columns).expect("catalog columns follow the schema")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "council_code,measure_id,canonical_id,polarity,note\n";

    #[test]
    fn the_built_in_catalog_is_valid() {
        let entries = parse(crate::embedded::CATALOG, "built-in").expect("valid");
        assert!(entries.len() >= 10);
    }

    #[test]
    fn errors_name_the_line() {
        let twice = format!(
            "{HEADER}E10000007,E10000007:a,E10000007:b,,\nE10000007,E10000007:a,E10000007:c,,\n"
        );
        let e = parse(&twice, "measures.csv").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("already on line 2"), "{e}");
        let chain = format!(
            "{HEADER}E10000007,E10000007:a,E10000007:b,,\nE10000007,E10000007:b,E10000007:c,,\n"
        );
        assert_eq!(parse(&chain, "x").unwrap_err().line, 2);
        let council = format!("{HEADER}E10000007,E06000015:a,,,\n");
        assert!(parse(&council, "x")
            .unwrap_err()
            .message
            .contains("does not belong"));
        let polarity = format!("{HEADER}E10000007,E10000007:a,,up,\n");
        assert!(parse(&polarity, "x")
            .unwrap_err()
            .message
            .contains("polarity"));
        assert_eq!(
            parse("measure,alias\n", "x").unwrap_err().line,
            1,
            "a wrong header"
        );
        let quoted = format!(
            "{HEADER}E10000007,E10000007:a,,lower_is_better,\"note, with \"\"comma\"\"\"\n"
        );
        assert_eq!(
            parse(&quoted, "x").expect("valid")[0].note.as_deref(),
            Some("note, with \"comma\"")
        );
    }
}
