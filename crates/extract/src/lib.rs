//! lapis-extract: the text of a council performance report → lapis events.
//!
//! One generic engine reads every layout. It does not know "the Derbyshire 2024 layout"; it knows
//! what report parts look like and what column headers mean:
//! - tab-separated tables whose columns are mapped by header meaning ([`header`]), with rows split
//!   by page breaks joined back, section rows ("Delivery Plan measures") and mixed tables;
//! - prose deliverables anchored on `Rating:` lines, and icon-marked deliverables;
//! - chart blocks (`2021-2022\t373` … `Target` … `Performance`) tied to the key measure whose
//!   current value and target they repeat;
//! - trend tables and sentences that count what the report rates (claims).
//!
//! Whatever it cannot map becomes a [`ParseIssue`] with its line and the reason: nothing is dropped
//! silently. The crate is pure: no I/O, no clock, no async. Input bytes are checked by [`decode`]
//! first, so PDFs, HTML error pages, binary junk and oversized files are refused with a clear error.

mod charts;
mod claims;
mod crosstab;
pub mod header;
pub mod html;
pub mod layout;
mod meta;
pub mod pdf;
mod prose;
mod tables;
pub mod text;

use lapis_model::{
    ClaimEvent, Extraction, ObjectiveKind, ObjectiveUpdate, Observation, ParseIssue, Period,
    ReportMeta, Severity, Vocabulary,
};

pub use meta::detect_period;

/// Extractor version, recorded in `reports.extractor`.
pub const EXTRACTOR_VERSION: &str = concat!("lapis-extract/", env!("CARGO_PKG_VERSION"));

/// Default upper bound on a report's size: real reports are well under 1 MB of text.
pub const DEFAULT_MAX_BYTES: usize = 32 * 1024 * 1024;

/// Why a document could not be read as a report.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExtractError {
    #[error("the document is empty")]
    Empty,
    #[error("the document is a PDF, not text (PDFs are read through document_text)")]
    Pdf,
    #[error(
        "the document is an HTML page that holds no report: no measure or objective table, no rated deliverable (an error page, a login page or a link to the report?)"
    )]
    Html,
    #[error("the PDF is damaged and cannot be read: {reason}")]
    DamagedPdf { reason: String },
    #[error("the PDF is encrypted with a password; lapis reads PDFs that open without one")]
    EncryptedPdf,
    #[error("the PDF has no text layer ({pages} pages of images, a scan?): lapis does not read scanned reports (no OCR)")]
    ScannedPdf { pages: usize },
    #[error("the document is binary data, not text (NUL or control bytes at offset {offset})")]
    Binary { offset: usize },
    #[error("the document is not valid UTF-8 (first bad byte at offset {offset})")]
    InvalidUtf8 { offset: usize },
    #[error("the document is {bytes} bytes, over the limit of {limit} bytes")]
    TooLarge { bytes: usize, limit: usize },
    #[error("no report was recognised: {reason} ({issues} lines could not be mapped)")]
    NotAReport { reason: String, issues: usize },
    #[error("unknown layout {0:?}; the only layout is \"auto\" (detection)")]
    UnknownLayout(String),
}

/// What the caller knows about a report that the text may not say.
#[derive(Debug, Clone)]
pub struct ReportContext<'a> {
    /// GSS code of the council (from the job or the command line).
    pub council_code: &'a str,
    /// Council name; when absent, the name printed in the report is used.
    pub council_name: Option<&'a str>,
    /// SHA-256 of the document, hex; the report id and event ids derive from it.
    pub document_sha256: &'a str,
    /// Layout name; `"auto"` detects.
    pub layout: &'a str,
    /// What header words, rating words and empty-cell markers mean ([`Vocabulary::builtin`], or
    /// the user's own `catalog/columns.toml`).
    pub vocabulary: &'a Vocabulary,
}

/// The media type of a document, from its first bytes: `application/pdf`, `text/html` or
/// `text/plain`.
pub fn media_type(bytes: &[u8]) -> &'static str {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]);
    if bytes.starts_with(b"%PDF") {
        "application/pdf"
    } else if html::is_html(&head) {
        "text/html"
    } else {
        "text/plain"
    }
}

/// The text of a document lapis can read: report text and HTML pages as they are, a PDF laid
/// out by [`pdf::to_text`]. Everything else is refused, as by [`decode`].
pub fn document_text(
    bytes: &[u8],
    max_bytes: usize,
) -> Result<std::borrow::Cow<'_, str>, ExtractError> {
    if bytes.len() > max_bytes {
        return Err(ExtractError::TooLarge {
            bytes: bytes.len(),
            limit: max_bytes,
        });
    }
    if pdf::is_pdf(bytes) {
        return pdf::to_text(bytes).map(std::borrow::Cow::Owned);
    }
    decode(bytes, max_bytes).map(std::borrow::Cow::Borrowed)
}

/// Checks that bytes are text (report text or an HTML page) and returns it.
pub fn decode(bytes: &[u8], max_bytes: usize) -> Result<&str, ExtractError> {
    if bytes.len() > max_bytes {
        return Err(ExtractError::TooLarge {
            bytes: bytes.len(),
            limit: max_bytes,
        });
    }
    let head = &bytes[..bytes.len().min(1024)];
    if head.starts_with(b"%PDF") {
        return Err(ExtractError::Pdf);
    }
    if let Some(offset) = bytes
        .iter()
        .position(|b| *b == 0 || (*b < 0x09) || (*b > 0x0d && *b < 0x20 && *b != 0x1b))
    {
        return Err(ExtractError::Binary { offset });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| ExtractError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })?;
    if text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    Ok(text.trim_start_matches('\u{feff}'))
}

/// Extracts every fact of a report.
///
/// Fails only when nothing in the text looks like a report (no period and no facts); otherwise
/// what could not be read is returned as parse issues beside what could.
pub fn extract(text: &str, ctx: &ReportContext<'_>) -> Result<Extraction, ExtractError> {
    if ctx.layout != "auto" {
        return Err(ExtractError::UnknownLayout(ctx.layout.to_string()));
    }
    if text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    if html::is_html(text) {
        // A page is read as the text it shows; a page that shows no report is refused as one.
        let (shown, places) = html::to_text_and_places(text);
        let mut x = extract(&shown, ctx).map_err(|e| match e {
            ExtractError::NotAReport { .. } | ExtractError::Empty => ExtractError::Html,
            other => other,
        })?;
        in_tables(&places, &mut x);
        return Ok(x);
    }
    let lines = layout::read(text, ctx.vocabulary);
    let meta = meta::read_meta(&lines);
    let Some(period) = meta.period.clone() else {
        let issues = lines.iter().filter(|l| !l.is_blank()).count();
        return Err(ExtractError::NotAReport {
            reason:
                "no reporting period (such as \"Quarter 1 2024-25\" or \"2019/20\") near the top"
                    .into(),
            issues,
        });
    };
    let mut engine = Engine::new(ctx, lines, period);
    engine.themes = meta::themes(&engine.lines);
    engine.read_tables();
    engine.read_trend_tables();
    let has_rating_lines = engine.read_prose_deliverables();
    engine.read_charts();
    if !has_rating_lines {
        engine.read_icon_deliverables();
    }
    engine.read_claims();
    engine.read_crosstabs();
    engine.report_leftovers();
    engine.check_coverage();
    let features = engine.features.join("+");
    if engine.observations.is_empty() && engine.objectives.is_empty() {
        return Err(ExtractError::NotAReport {
            reason: "no measure table, objective table or rated deliverable was found".into(),
            issues: engine.issues.len(),
        });
    }
    let council_name = ctx
        .council_name
        .map(str::to_string)
        .or(meta.council_name)
        .unwrap_or_default();
    let report = ReportMeta {
        report_id: format!(
            "r-{}",
            &ctx.document_sha256[..ctx.document_sha256.len().min(16)]
        ),
        council_code: ctx.council_code.to_string(),
        council_name,
        title: meta.title,
        period: engine.period.clone(),
        published_at: meta.published_at,
        extractor: format!("{EXTRACTOR_VERSION}:{features}"),
    };
    let mut extraction = Extraction {
        report,
        observations: engine.observations,
        objective_updates: engine.objectives,
        claims: engine.claims,
        parse_issues: engine.issues,
        read: engine.read,
    };
    paginate(text, &mut extraction);
    Ok(extraction)
}

/// Where each line of a document of pages is: (page, line on the page), by its form feeds.
/// `None` for a document without them. A page starts at the line that holds its form feed; a
/// line holding only the form feed (as lapis prints a PDF's pages) is not counted, so the
/// page's first line of text is its line 1.
pub fn pages(text: &str) -> Option<Vec<(u32, u32)>> {
    if !text.contains('\u{c}') {
        return None;
    }
    let mut at = Vec::new();
    let (mut page, mut line) = (1u32, 0u32);
    for l in text.split('\n') {
        let feeds = l.matches('\u{c}').count() as u32;
        if feeds > 0 {
            page += feeds;
            line = 0;
        }
        if feeds > 0
            && l.trim_matches(|c: char| c == '\u{c}' || c.is_whitespace())
                .is_empty()
        {
            at.push((page, 0));
            continue;
        }
        line += 1;
        at.push((page, line));
    }
    Some(at)
}

/// Gives every event of a document of pages its page, and its line on that page.
fn paginate(text: &str, x: &mut Extraction) {
    let Some(at) = pages(text) else {
        return;
    };
    each_place(x, |line, page, _| {
        if let Some((p, l)) = (*line as usize).checked_sub(1).and_then(|i| at.get(i)) {
            *page = Some(*p);
            *line = (*l).max(1);
        }
    });
}

/// Gives every event read from a row of an HTML page's table that table, and the row as its
/// line ([`html::to_text_and_places`]).
fn in_tables(places: &[Option<(u32, u32)>], x: &mut Extraction) {
    each_place(x, |line, _, table| {
        if let Some(Some((t, r))) = (*line as usize).checked_sub(1).and_then(|i| places.get(i)) {
            *table = Some(*t);
            *line = *r;
        }
    });
}

/// Calls `f` with the line, page and table of every event of an extraction.
fn each_place(x: &mut Extraction, mut f: impl FnMut(&mut u32, &mut Option<u32>, &mut Option<u32>)) {
    for o in &mut x.observations {
        f(&mut o.source_line, &mut o.source_page, &mut o.source_table);
    }
    for o in &mut x.objective_updates {
        f(&mut o.source_line, &mut o.source_page, &mut o.source_table);
    }
    for c in &mut x.claims {
        f(&mut c.source_line, &mut c.source_page, &mut c.source_table);
    }
    for i in &mut x.parse_issues {
        f(&mut i.source_line, &mut i.source_page, &mut i.source_table);
    }
}

/// The state of one extraction.
pub(crate) struct Engine<'a> {
    pub ctx: &'a ReportContext<'a>,
    pub lines: Vec<text::Line>,
    /// The report's own period.
    pub period: Period,
    /// Theme (priority, outcome) in force at each line.
    pub themes: Vec<Option<String>>,
    /// Lines already accounted for by a reader.
    pub used: Vec<bool>,
    pub observations: Vec<Observation>,
    pub objectives: Vec<ObjectiveUpdate>,
    pub claims: Vec<ClaimEvent>,
    pub issues: Vec<ParseIssue>,
    pub features: Vec<&'static str>,
    pub read: lapis_model::ReadCounts,
}

impl<'a> Engine<'a> {
    fn new(ctx: &'a ReportContext<'a>, lines: Vec<text::Line>, period: Period) -> Self {
        let n = lines.len();
        Engine {
            ctx,
            lines,
            period,
            themes: vec![None; n],
            used: vec![false; n],
            observations: Vec::new(),
            objectives: Vec::new(),
            claims: Vec::new(),
            issues: Vec::new(),
            features: Vec::new(),
            read: lapis_model::ReadCounts::default(),
        }
    }

    pub fn feature(&mut self, name: &'static str) {
        if !self.features.contains(&name) {
            self.features.push(name);
        }
    }

    pub fn issue(&mut self, idx: usize, severity: Severity, reason: impl Into<String>) {
        let line = &self.lines[idx];
        self.issues.push(ParseIssue {
            source_line: line.no,
            source_page: None,
            source_table: None,
            severity,
            reason: reason.into(),
            raw_text: line.raw.clone(),
        });
        self.used[idx] = true;
    }

    /// Adds an observation, merging it with an earlier assertion of the same measure and period
    /// in this report (reports repeat a measure in several tables).
    pub fn push_observation(&mut self, obs: Observation, idx: usize) {
        if let Some(existing) = self
            .observations
            .iter_mut()
            .find(|o| o.measure_id == obs.measure_id && o.period == obs.period)
        {
            let conflict = match (existing.value, obs.value) {
                (Some(a), Some(b)) => (a - b).abs() > 1e-9,
                _ => false,
            };
            if conflict {
                let reason = format!(
                    "the report prints two values for {:?} in {}: {} (line {}) and {}; the first is kept",
                    obs.measure_name,
                    obs.period.label,
                    existing.value_text.clone().unwrap_or_default(),
                    existing.source_line,
                    obs.value_text.clone().unwrap_or_default()
                );
                self.issue(idx, Severity::Warning, reason);
                return;
            }
            merge_observation(existing, obs);
            return;
        }
        self.observations.push(obs);
    }

    /// Compares what the report's own summary counts for its quarter ("45 deliverables", "33
    /// strategic objectives", per theme or in all) with what was read, and warns where lapis read
    /// fewer than half: a truncated text or a part of the layout that was not understood. Ratings
    /// are not compared here (the `claim_reconciliation` view does that); only how many rows.
    fn check_coverage(&mut self) {
        use std::collections::BTreeMap;
        const ROW_RATINGS: &[&str] = &[
            "strong",
            "good",
            "review",
            "action",
            "complete",
            "blank",
            "blue",
            "green",
            "amber",
            "red",
            "green/amber",
            "amber/red",
        ];
        // subject -> (line, scope -> (total printed, rating -> count)). A report may print the
        // same rated counts twice (a summary line and a trend table): each rating counts once.
        type Counts = BTreeMap<Option<String>, (i64, BTreeMap<String, i64>)>;
        let mut claimed: BTreeMap<String, (usize, Counts)> = BTreeMap::new();
        for c in &self.claims {
            if c.period_label != self.period.label {
                continue;
            }
            let rated = c.rating.as_deref().filter(|r| ROW_RATINGS.contains(r));
            if c.rating.is_some() && rated.is_none() {
                continue;
            }
            let idx = self
                .lines
                .iter()
                .position(|l| l.no == c.source_line)
                .unwrap_or(0);
            let e = claimed
                .entry(c.subject.to_lowercase())
                .or_insert((idx, BTreeMap::new()));
            let s = e.1.entry(c.scope.clone()).or_default();
            match rated {
                None => s.0 = s.0.max(c.count),
                Some(r) => {
                    let n = s.1.entry(r.to_string()).or_insert(0);
                    *n = (*n).max(c.count);
                }
            }
        }
        let measures_read = self
            .observations
            .iter()
            .map(|o| o.measure_id.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        for (subject, (idx, scopes)) in claimed {
            let per_scope = |(total, ratings): &(i64, BTreeMap<String, i64>)| {
                (*total).max(ratings.values().sum())
            };
            let unscoped = scopes.get(&None).map(per_scope).unwrap_or(0);
            let scoped: i64 = scopes
                .iter()
                .filter(|(k, _)| k.is_some())
                .map(|(_, v)| per_scope(v))
                .sum();
            let count = unscoped.max(scoped);
            let kind = if subject.contains("measure") || subject.contains("indicator") {
                None
            } else if subject.contains("deliverable") {
                Some(ObjectiveKind::Deliverable)
            } else if subject.contains("objective") {
                Some(ObjectiveKind::StrategicObjective)
            } else if subject.contains("action") {
                Some(ObjectiveKind::Action)
            } else if subject.contains("project") {
                Some(ObjectiveKind::PriorityProject)
            } else if subject.contains("risk") {
                Some(ObjectiveKind::StrategicRisk)
            } else {
                continue;
            };
            let found = match kind {
                None => measures_read,
                Some(k) => self.objectives.iter().filter(|u| u.kind == k).count(),
            } as i64;
            if found * 2 < count {
                let reason = format!(
                    "the report's summary counts {count} {subject} for {}, but lapis read {found}: the text may be truncated, or part of its layout was not understood",
                    self.period.label
                );
                self.issue(idx, Severity::Warning, reason);
            }
        }
    }

    /// Tab-separated lines no reader took.
    fn report_leftovers(&mut self) {
        for idx in 0..self.lines.len() {
            if self.used[idx] || !self.lines[idx].is_tabular() {
                continue;
            }
            let cells = &self.lines[idx].cells;
            if cells.iter().all(|c| c.is_empty()) {
                continue;
            }
            let first = cells
                .iter()
                .find(|c| !c.is_empty())
                .cloned()
                .unwrap_or_default();
            // A key explains its words; a row with figures after a rating word ("Good\t271\t25")
            // is a fact in a table lapis does not understand, not a legend.
            let has_figures = cells.iter().skip(1).any(|c| {
                let c = c.trim();
                !c.is_empty()
                    && c.chars()
                        .all(|ch| ch.is_ascii_digit() || ".,%£-".contains(ch))
            });
            // A table printed under a "Key" heading is the report's legend.
            let under_key = (0..idx)
                .rev()
                .find(|k| !self.lines[*k].is_blank() && !self.lines[*k].is_tabular())
                .is_some_and(|k| {
                    self.lines[k]
                        .text
                        .trim()
                        .trim_start_matches('#')
                        .trim()
                        .eq_ignore_ascii_case("key")
                });
            let is_key = under_key
                || !has_figures
                    && (lapis_model::Rating::from_word(lapis_model::rating::strip_icons(&first))
                        .is_some()
                        || matches!(
                            first.to_lowercase().as_str(),
                            "rating"
                                | "colour"
                                | "category"
                                | "blank"
                                | "performance against target"
                                | "key"
                        ));
            // A table of words under a "Notes" heading says what the report leaves out.
            let under_notes = !has_figures
                && (0..idx)
                    .rev()
                    .find(|k| self.lines[*k].heading.is_some())
                    .is_some_and(|k| {
                        let t = self.lines[k].text.trim().trim_start_matches('#').trim();
                        t.eq_ignore_ascii_case("notes") || t.eq_ignore_ascii_case("note")
                    });
            let is_contents = cells.len() == 2
                && cells[1].chars().all(|c| c.is_ascii_digit())
                && !cells[1].is_empty()
                || cells.iter().filter(|c| !c.is_empty()).all(|c| {
                    matches!(
                        c.to_lowercase().as_str(),
                        "page" | "page no" | "page no." | "page number" | "pages"
                    )
                });
            // A title in the first cell of an otherwise empty row, over a table lapis read.
            let is_caption = cells.iter().skip(1).all(|c| c.is_empty())
                && (idx + 1..self.lines.len())
                    .find(|k| !self.lines[*k].is_blank())
                    .is_some_and(|k| {
                        self.lines[k].is_tabular()
                            && header::header_roles(&self.lines[k].cells, self.ctx.vocabulary)
                                .is_some()
                    });
            if is_key {
                self.issue(idx, Severity::Info, "rating key or legend row; not a fact");
            } else if under_notes {
                self.issue(
                    idx,
                    Severity::Info,
                    "row of a table under the report's Notes (what it leaves out or changed); no figure",
                );
            } else if is_contents {
                self.issue(idx, Severity::Info, "table of contents row; not a fact");
            } else if is_caption {
                self.issue(
                    idx,
                    Severity::Info,
                    "the title of the table below; not a fact",
                );
            } else {
                self.issue(
                    idx,
                    Severity::Warning,
                    "table row in no table whose headers lapis understands",
                );
            }
        }
    }
}

/// Whether a cell holds a rating word (the council's own, or one the vocabulary maps).
pub(crate) fn rating_like(cell: &str, vocab: &Vocabulary) -> bool {
    lapis_model::rating::parse_rating(cell).rating.is_some()
        || vocab.rating_word("", cell).is_some()
}

fn merge_observation(into: &mut Observation, from: Observation) {
    macro_rules! fill {
        ($($f:ident),*) => { $( if into.$f.is_none() { into.$f = from.$f; } )* };
    }
    fill!(
        measure_ref,
        objective_ref,
        theme,
        value,
        value_text,
        unit,
        target,
        target_text,
        rating,
        rating_text,
        previous_rating,
        benchmark,
        benchmark_text,
        benchmark_group,
        direction_text,
        frequency
    );
}

/// One line per event, for reading an extraction by eye (comments cut at 60 characters).
pub fn render(x: &Extraction) -> String {
    render_with(x, false)
}

/// One line per event for golden files: every fact, but the report's prose (comments, the text
/// of lines that became parse issues) only by length and a short prefix, so that the golden
/// files do not copy the reports.
pub fn render_golden(x: &Extraction) -> String {
    render_with(x, true)
}

fn render_with(x: &Extraction, golden: bool) -> String {
    use std::fmt::Write;
    fn o<T: std::fmt::Display>(v: &Option<T>) -> String {
        v.as_ref()
            .map_or_else(|| "-".to_string(), |v| v.to_string())
    }
    fn num(v: Option<f64>) -> String {
        v.map_or_else(|| "-".into(), |v| format!("{v}"))
    }
    let r = &x.report;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "report | {} | {} | {} | {} | published {}",
        r.council_code,
        r.council_name,
        r.period.label,
        r.title,
        o(&r.published_at)
    );
    for ob in &x.observations {
        let _ = writeln!(
            s,
            "obs L{} | {} | ref {} | so {} | {} | {} {} | value {} [{}] unit {} | target {} [{}] | rating {} prev {} [{}] | bench {} [{}] {} | dot {} | freq {} | theme {}",
            ob.source_line,
            ob.measure_name,
            o(&ob.measure_ref),
            o(&ob.objective_ref),
            ob.period.label,
            ob.period.kind.as_str(),
            ob.period.end,
            num(ob.value),
            o(&ob.value_text),
            o(&ob.unit),
            num(ob.target),
            o(&ob.target_text),
            o(&ob.rating.map(|r| r.as_str())),
            o(&ob.previous_rating.map(|r| r.as_str())),
            o(&ob.rating_text),
            num(ob.benchmark),
            o(&ob.benchmark_text),
            o(&ob.benchmark_group),
            o(&ob.direction_text),
            o(&ob.frequency),
            o(&ob.theme),
        );
    }
    for u in &x.objective_updates {
        let comment = u.comment.as_deref().map(|c| {
            if golden {
                format!("{} chars", c.chars().count())
            } else {
                c.chars().take(60).collect::<String>()
            }
        });
        let _ = writeln!(
            s,
            "objective L{} | {} | {} | {} | due {} | rating {} prev {} [{}] | status {} | risk {} | theme {} | comment {}",
            u.source_line,
            u.kind.as_str(),
            o(&u.objective_ref),
            u.title,
            o(&u.expected_completion),
            o(&u.rating.map(|r| r.as_str())),
            o(&u.previous_rating.map(|r| r.as_str())),
            o(&u.rating_text),
            o(&u.status_text),
            o(&u.risk_score),
            o(&u.theme),
            o(&comment),
        );
    }
    for c in &x.claims {
        let _ = writeln!(
            s,
            "claim L{} | {} | scope {} | rating {} | {} | {}",
            c.source_line,
            c.subject,
            o(&c.scope),
            o(&c.rating),
            c.count,
            c.period_label
        );
    }
    for i in &x.parse_issues {
        let raw: String = i
            .raw_text
            .chars()
            .take(if golden { 40 } else { 80 })
            .collect();
        let _ = writeln!(
            s,
            "issue L{} | {} | {} | {}",
            i.source_line,
            i.severity.as_str(),
            i.reason,
            raw.replace('\t', " ⇥ ")
        );
    }
    s
}
