//! The events an extraction yields (DESIGN §2), before the store stamps `recorded_at`.
//!
//! Event ids are deterministic: a hash of the document, the table and the event's position, so
//! ingesting the same document again yields the same ids and a retried ingest cannot duplicate.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::period::Period;
use crate::rating::Rating;

/// Provenance of one document, supplied by whoever fetched or read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentMeta {
    pub sha256: String,
    pub source_uri: String,
    pub job: Option<String>,
    pub media_type: String,
    pub bytes: u64,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What the extractor learned about the report as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportMeta {
    pub report_id: String,
    pub council_code: String,
    pub council_name: String,
    pub title: String,
    pub period: Period,
    pub published_at: Option<NaiveDate>,
    /// Layout name and extractor version, e.g. `derbyshire-quarterly@1`.
    pub extractor: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub measure_id: String,
    pub measure_ref: Option<String>,
    pub measure_name: String,
    pub objective_ref: Option<String>,
    pub theme: Option<String>,
    pub period: Period,
    pub value: Option<f64>,
    pub value_text: Option<String>,
    pub unit: Option<String>,
    pub target: Option<f64>,
    pub target_text: Option<String>,
    pub rating: Option<Rating>,
    pub rating_text: Option<String>,
    pub previous_rating: Option<Rating>,
    pub benchmark: Option<f64>,
    pub benchmark_text: Option<String>,
    pub benchmark_group: Option<String>,
    pub direction_text: Option<String>,
    pub frequency: Option<String>,
    pub source_line: u32,
    /// The page the fact is printed on, for a document of pages (a PDF, or text with form
    /// feeds as `pdftotext` prints it); `source_line` is then the line on that page.
    pub source_page: Option<u32>,
    /// The table the fact is printed in, for an HTML page (the n-th `<table>` of the page,
    /// from 1); `source_line` is then the row of that table (the n-th `<tr>`, from 1).
    pub source_table: Option<u32>,
}

impl Observation {
    /// An observation of a measure for a period that asserts nothing yet; a reader fills in
    /// what the report prints beside it.
    pub fn new(measure_id: String, measure_name: String, period: Period, source_line: u32) -> Self {
        Observation {
            measure_id,
            measure_ref: None,
            measure_name,
            objective_ref: None,
            theme: None,
            period,
            value: None,
            value_text: None,
            unit: None,
            target: None,
            target_text: None,
            rating: None,
            rating_text: None,
            previous_rating: None,
            benchmark: None,
            benchmark_text: None,
            benchmark_group: None,
            direction_text: None,
            frequency: None,
            source_line,
            source_page: None,
            source_table: None,
        }
    }

    /// The value as printed: `value_text` kept, `value` and `unit` parsed from it.
    pub fn printed(mut self, text: &str) -> Self {
        let parsed = crate::value::parse_value(text);
        self.value = parsed.as_ref().and_then(|p| p.number);
        self.unit = parsed.and_then(|p| p.unit);
        self.value_text = Some(text.to_string());
        self
    }
}

/// What an objective-like row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectiveKind {
    StrategicObjective,
    Deliverable,
    Action,
    PriorityProject,
    StrategicRisk,
}

impl ObjectiveKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectiveKind::StrategicObjective => "strategic_objective",
            ObjectiveKind::Deliverable => "deliverable",
            ObjectiveKind::Action => "action",
            ObjectiveKind::PriorityProject => "priority_project",
            ObjectiveKind::StrategicRisk => "strategic_risk",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveUpdate {
    pub objective_ref: Option<String>,
    pub kind: ObjectiveKind,
    pub title: String,
    pub theme: Option<String>,
    pub expected_completion: Option<NaiveDate>,
    pub rating: Option<Rating>,
    pub rating_text: Option<String>,
    pub previous_rating: Option<Rating>,
    pub status_text: Option<String>,
    pub risk_score: Option<i32>,
    pub comment: Option<String>,
    pub source_line: u32,
    /// The page the fact is printed on, for a document of pages (a PDF, or text with form
    /// feeds as `pdftotext` prints it); `source_line` is then the line on that page.
    pub source_page: Option<u32>,
    /// The table the fact is printed in, for an HTML page (the n-th `<table>` of the page,
    /// from 1); `source_line` is then the row of that table (the n-th `<tr>`, from 1).
    pub source_table: Option<u32>,
}

/// A count the report states about itself ("19 show good progress").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimEvent {
    /// What is counted: `deliverables`, `strategic objectives`, `measures`, `performance measures`,
    /// `delivery plan actions`, `priority projects`, `strategic risks`.
    pub subject: String,
    /// The part of the report the count is about (a theme or priority), if not the whole report.
    pub scope: Option<String>,
    pub rating: Option<String>,
    pub count: i64,
    pub period_label: String,
    pub source_line: u32,
    /// The page the fact is printed on, for a document of pages (a PDF, or text with form
    /// feeds as `pdftotext` prints it); `source_line` is then the line on that page.
    pub source_page: Option<u32>,
    /// The table the fact is printed in, for an HTML page (the n-th `<table>` of the page,
    /// from 1); `source_line` is then the row of that table (the n-th `<tr>`, from 1).
    pub source_table: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Something printed that was not turned into an event.
    Warning,
    /// Something the extractor did not understand at all.
    Error,
    /// Kept for the record; the fact is represented elsewhere.
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseIssue {
    pub source_line: u32,
    /// The page the fact is printed on, for a document of pages (a PDF, or text with form
    /// feeds as `pdftotext` prints it); `source_line` is then the line on that page.
    pub source_page: Option<u32>,
    /// The table the fact is printed in, for an HTML page (the n-th `<table>` of the page,
    /// from 1); `source_line` is then the row of that table (the n-th `<tr>`, from 1).
    pub source_table: Option<u32>,
    pub severity: Severity,
    pub reason: String,
    pub raw_text: String,
}

/// Everything extracted from one report.
#[derive(Debug, Clone, PartialEq)]
pub struct Extraction {
    pub report: ReportMeta,
    pub observations: Vec<Observation>,
    pub objective_updates: Vec<ObjectiveUpdate>,
    pub claims: Vec<ClaimEvent>,
    pub parse_issues: Vec<ParseIssue>,
    /// How much of the document's tables was read (not stored; shown to the person ingesting).
    pub read: ReadCounts,
}

/// The tables a reading found and the rows it read from them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadCounts {
    /// Tables whose header lapis read (measure, objective and cross tables).
    pub tables: usize,
    /// Data rows of those tables.
    pub rows: usize,
}

impl Extraction {
    /// The parse issues that say something printed was not read (warnings and errors).
    pub fn losses(&self) -> impl Iterator<Item = &ParseIssue> {
        self.parse_issues
            .iter()
            .filter(|i| matches!(i.severity, Severity::Warning | Severity::Error))
    }
}

/// A deterministic id for the `ordinal`th event of `table` from the document `document_sha256`.
pub fn event_id(document_sha256: &str, table: &str, ordinal: usize) -> String {
    let mut h = Sha256::new();
    h.update(document_sha256.as_bytes());
    h.update(b"\0");
    h.update(table.as_bytes());
    h.update(b"\0");
    h.update(ordinal.to_le_bytes());
    hex::encode(&h.finalize()[..16])
}

/// Lower-case words of a measure name with punctuation dropped, for identity and matching.
pub fn normalise_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name
        .split(|c: char| !c.is_alphanumeric() && c != '%' && c != '£')
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// The stable key of a measure: from its printed ref where there is one, otherwise from its
/// normalised name. Aliases are applied later, from the measure catalog.
pub fn measure_id(council_code: &str, measure_ref: Option<&str>, name: &str) -> String {
    match measure_ref {
        Some(r) if !r.trim().is_empty() => {
            let r: String = r
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("-")
                .to_ascii_lowercase();
            format!("{council_code}:ref:{r}")
        }
        _ => format!("{council_code}:{}", normalise_name(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_deterministic_and_distinct() {
        assert_eq!(
            event_id("ab", "observations", 1),
            event_id("ab", "observations", 1)
        );
        assert_ne!(
            event_id("ab", "observations", 1),
            event_id("ab", "observations", 2)
        );
        assert_eq!(event_id("ab", "t", 0).len(), 32);
    }

    #[test]
    fn measure_ids() {
        assert_eq!(
            measure_id("E06000015", Some("EHCS PM21"), "x"),
            "E06000015:ref:ehcs-pm21"
        );
        assert_eq!(
            measure_id(
                "E10000007",
                None,
                "Sickness Hours as a % of Working Hours Available"
            ),
            "E10000007:sickness-hours-as-a-%-of-working-hours-available"
        );
        assert_eq!(
            normalise_name("  Health and Wellbeing MOT "),
            "health-and-wellbeing-mot"
        );
    }
}
