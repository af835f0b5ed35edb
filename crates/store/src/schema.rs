//! Arrow schemas of the public event tables (DESIGN §2) and the conversion of extracted events
//! into record batches. Column names and meanings are a contract with users' SQL: add columns,
//! never rename or drop them.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use deltalake::arrow::array::{
    ArrayRef, Date32Builder, Float64Builder, Int32Builder, Int64Builder, RecordBatch,
    StringBuilder, TimestampMicrosecondBuilder,
};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use lapis_model::{event_id, DocumentMeta};

use crate::ExtractionUnit;

/// The event tables. `reports` comes first: a reader loads it before the others, so that every
/// report it sees has all its events in the tables it loads next (`reports` is committed last).
pub const TABLES: [&str; 9] = [
    "reports",
    "documents",
    "observations",
    "objective_updates",
    "report_claims",
    "parse_issues",
    "job_runs",
    "corrections",
    "fetches",
];

fn ts() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn s(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

pub fn schema(table: &str) -> SchemaRef {
    use DataType::*;
    let fields = match table {
        "documents" => vec![
            Field::new("sha256", Utf8, false),
            s("source_uri"),
            s("job"),
            s("media_type"),
            Field::new("bytes", Int64, false),
            Field::new("fetched_at", ts(), true),
            s("etag"),
            s("last_modified"),
            Field::new("recorded_at", ts(), false),
        ],
        "reports" => vec![
            Field::new("report_id", Utf8, false),
            Field::new("document_sha256", Utf8, false),
            s("source_uri"),
            s("council_code"),
            s("council_name"),
            s("title"),
            s("period_label"),
            Field::new("period_year", Int32, true),
            Field::new("period_quarter", Int32, true),
            Field::new("period_end", Date32, true),
            Field::new("published_at", Date32, true),
            s("extractor"),
            Field::new("recorded_at", ts(), false),
            // Each extraction of a document is a report row of its own: the nth extraction of
            // the document, what its events hash to, why it was made, and the layout asked for.
            Field::new("extraction_seq", Int32, true),
            s("fingerprint"),
            s("extraction_reason"),
            s("layout"),
        ],
        "observations" => vec![
            Field::new("event_id", Utf8, false),
            Field::new("report_id", Utf8, false),
            s("council_code"),
            s("measure_id"),
            s("measure_ref"),
            s("measure_name"),
            s("objective_ref"),
            s("theme"),
            s("period_kind"),
            s("period_label"),
            Field::new("period_year", Int32, true),
            Field::new("period_quarter", Int32, true),
            Field::new("period_end", Date32, true),
            Field::new("value", Float64, true),
            s("value_text"),
            s("unit"),
            Field::new("target", Float64, true),
            s("target_text"),
            s("rating"),
            s("rating_text"),
            s("previous_rating"),
            Field::new("benchmark", Float64, true),
            s("benchmark_text"),
            s("benchmark_group"),
            s("direction_text"),
            s("frequency"),
            Field::new("source_line", Int32, true),
            Field::new("recorded_at", ts(), false),
            // Warehouse format 4: the page of a fact in a document of pages.
            Field::new("source_page", Int32, true),
            // Warehouse format 5: the table of a fact on an HTML page.
            Field::new("source_table", Int32, true),
        ],
        "objective_updates" => vec![
            Field::new("event_id", Utf8, false),
            Field::new("report_id", Utf8, false),
            s("council_code"),
            s("objective_ref"),
            s("kind"),
            s("title"),
            s("theme"),
            Field::new("expected_completion", Date32, true),
            s("rating"),
            s("rating_text"),
            s("previous_rating"),
            s("status_text"),
            Field::new("risk_score", Int32, true),
            s("comment"),
            Field::new("source_line", Int32, true),
            Field::new("recorded_at", ts(), false),
            // Warehouse format 4: the page of a fact in a document of pages.
            Field::new("source_page", Int32, true),
            // Warehouse format 5: the table of a fact on an HTML page.
            Field::new("source_table", Int32, true),
        ],
        "report_claims" => vec![
            Field::new("event_id", Utf8, false),
            Field::new("report_id", Utf8, false),
            s("council_code"),
            s("subject"),
            s("scope"),
            s("rating"),
            Field::new("count", Int64, true),
            s("period_label"),
            Field::new("source_line", Int32, true),
            Field::new("recorded_at", ts(), false),
            // Warehouse format 4: the page of a fact in a document of pages.
            Field::new("source_page", Int32, true),
            // Warehouse format 5: the table of a fact on an HTML page.
            Field::new("source_table", Int32, true),
        ],
        "parse_issues" => vec![
            Field::new("event_id", Utf8, false),
            Field::new("report_id", Utf8, false),
            Field::new("source_line", Int32, true),
            s("severity"),
            s("reason"),
            s("raw_text"),
            Field::new("recorded_at", ts(), false),
            // Warehouse format 4: the page of a fact in a document of pages.
            Field::new("source_page", Int32, true),
            // Warehouse format 5: the table of a fact on an HTML page.
            Field::new("source_table", Int32, true),
        ],
        "job_runs" => vec![
            Field::new("run_id", Utf8, false),
            s("job"),
            Field::new("started_at", ts(), true),
            Field::new("finished_at", ts(), true),
            s("status"),
            Field::new("documents_seen", Int64, true),
            Field::new("documents_new", Int64, true),
            Field::new("events_appended", Int64, true),
            s("error"),
            Field::new("recorded_at", ts(), false),
            // Format 3: what started the run (schedule, catch-up, manual) and the documents it
            // found unchanged or could not ingest.
            s("trigger"),
            Field::new("documents_unchanged", Int64, true),
            Field::new("documents_failed", Int64, true),
        ],
        // One row per document a job fetched with a body, or failed to fetch or ingest: the
        // validators a later conditional GET sends, and what became of the document.
        "fetches" => vec![
            Field::new("fetch_id", Utf8, false),
            s("run_id"),
            s("job"),
            Field::new("url", Utf8, false),
            s("final_url"),
            Field::new("fetched_at", ts(), true),
            Field::new("http_status", Int32, true),
            s("outcome"),
            s("sha256"),
            Field::new("bytes", Int64, true),
            s("etag"),
            s("last_modified"),
            s("report_id"),
            s("error"),
            Field::new("recorded_at", ts(), false),
        ],
        // A correction an operator made to a document's reading (a wrong council), with the
        // extraction it superseded and the one that replaced it.
        "corrections" => vec![
            Field::new("correction_id", Utf8, false),
            Field::new("document_sha256", Utf8, false),
            s("superseded_report_id"),
            s("report_id"),
            s("field"),
            s("old_value"),
            s("new_value"),
            s("reason"),
            s("operator"),
            Field::new("recorded_at", ts(), false),
        ],
        other => unreachable!("no table {other}"),
    };
    Arc::new(Schema::new(fields))
}

fn days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() as i32
}

/// One correction row (see [`crate::Correction`]).
pub fn correction_batch(c: &crate::Correction, recorded_at: DateTime<Utc>) -> RecordBatch {
    let mut b = Batch::new("corrections");
    b.str(0, Some(&c.correction_id));
    b.str(1, Some(&c.document_sha256));
    b.str(2, Some(&c.superseded_report_id));
    b.str(3, Some(&c.report_id));
    b.str(4, Some(&c.field));
    b.str(5, c.old_value.as_deref());
    b.str(6, Some(&c.new_value));
    b.str(7, Some(&c.reason));
    b.str(8, Some(&c.operator));
    b.ts(9, Some(recorded_at));
    b.finish()
}

/// One `job_runs` row (see [`crate::JobRun`]).
pub fn job_run_batch(r: &crate::JobRun, recorded_at: DateTime<Utc>) -> RecordBatch {
    let mut b = Batch::new("job_runs");
    b.str(0, Some(&r.run_id));
    b.str(1, Some(&r.job));
    b.ts(2, Some(r.started_at));
    b.ts(3, Some(r.finished_at));
    b.str(4, Some(&r.status));
    b.i64(5, Some(r.documents_seen as i64));
    b.i64(6, Some(r.documents_new as i64));
    b.i64(7, Some(r.events_appended as i64));
    b.str(8, r.error.as_deref());
    b.ts(9, Some(recorded_at));
    b.str(10, Some(&r.trigger));
    b.i64(11, Some(r.documents_unchanged as i64));
    b.i64(12, Some(r.documents_failed as i64));
    b.finish()
}

/// One `fetches` row (see [`crate::Fetch`]).
pub fn fetch_batch(f: &crate::Fetch, recorded_at: DateTime<Utc>) -> RecordBatch {
    let mut b = Batch::new("fetches");
    b.str(0, Some(&f.fetch_id));
    b.str(1, Some(&f.run_id));
    b.str(2, Some(&f.job));
    b.str(3, Some(&f.url));
    b.str(4, f.final_url.as_deref());
    b.ts(5, Some(f.fetched_at));
    b.i32(6, f.http_status.map(i32::from));
    b.str(7, Some(&f.outcome));
    b.str(8, f.sha256.as_deref());
    b.i64(9, f.bytes.map(|n| n as i64));
    b.str(10, f.etag.as_deref());
    b.str(11, f.last_modified.as_deref());
    b.str(12, f.report_id.as_deref());
    b.str(13, f.error.as_deref());
    b.ts(14, Some(recorded_at));
    b.finish()
}

/// A column under construction; `push_*` keep the call sites short.
enum Col {
    S(StringBuilder),
    I32(Int32Builder),
    I64(Int64Builder),
    F(Float64Builder),
    D(Date32Builder),
    T(TimestampMicrosecondBuilder),
}

struct Batch {
    schema: SchemaRef,
    cols: Vec<Col>,
}

impl Batch {
    fn new(table: &str) -> Batch {
        let schema = schema(table);
        let cols = schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Utf8 => Col::S(StringBuilder::new()),
                DataType::Int32 => Col::I32(Int32Builder::new()),
                DataType::Int64 => Col::I64(Int64Builder::new()),
                DataType::Float64 => Col::F(Float64Builder::new()),
                DataType::Date32 => Col::D(Date32Builder::new()),
                _ => Col::T(TimestampMicrosecondBuilder::new().with_timezone("UTC")),
            })
            .collect();
        Batch { schema, cols }
    }
    fn str(&mut self, i: usize, v: Option<&str>) {
        if let Col::S(b) = &mut self.cols[i] {
            b.append_option(v);
        }
    }
    fn i32(&mut self, i: usize, v: Option<i32>) {
        if let Col::I32(b) = &mut self.cols[i] {
            b.append_option(v);
        }
    }
    fn i64(&mut self, i: usize, v: Option<i64>) {
        if let Col::I64(b) = &mut self.cols[i] {
            b.append_option(v);
        }
    }
    fn f64(&mut self, i: usize, v: Option<f64>) {
        if let Col::F(b) = &mut self.cols[i] {
            b.append_option(v);
        }
    }
    fn date(&mut self, i: usize, v: Option<NaiveDate>) {
        if let Col::D(b) = &mut self.cols[i] {
            b.append_option(v.map(days));
        }
    }
    fn ts(&mut self, i: usize, v: Option<DateTime<Utc>>) {
        if let Col::T(b) = &mut self.cols[i] {
            b.append_option(v.map(|t| t.timestamp_micros()));
        }
    }
    fn finish(self) -> RecordBatch {
        let arrays: Vec<ArrayRef> = self
            .cols
            .into_iter()
            .map(|c| -> ArrayRef {
                match c {
                    Col::S(mut b) => Arc::new(b.finish()),
                    Col::I32(mut b) => Arc::new(b.finish()),
                    Col::I64(mut b) => Arc::new(b.finish()),
                    Col::F(mut b) => Arc::new(b.finish()),
                    Col::D(mut b) => Arc::new(b.finish()),
                    Col::T(mut b) => Arc::new(b.finish()),
                }
            })
            .collect();
        // The builders follow the schema one to one, so this cannot fail.
        RecordBatch::try_new(self.schema, arrays).expect("batch columns follow the schema")
    }
}

/// The rows one extraction adds, table by table, `reports` last.
#[derive(Debug)]
pub struct DocumentBatches {
    pub tables: Vec<(&'static str, RecordBatch)>,
}

/// The batches of one extraction unit. Event ids are derived from the report id, which names
/// this extraction of this document, so a retried append writes the same ids.
pub fn batches(unit: &ExtractionUnit<'_>, recorded_at: DateTime<Utc>) -> DocumentBatches {
    let x = unit.extraction;
    let r = &x.report;
    let id_seed = r.report_id.as_str();
    let now = Some(recorded_at);
    let mut tables = Vec::new();

    let mut b = Batch::new("observations");
    for (n, o) in x.observations.iter().enumerate() {
        b.str(0, Some(&event_id(id_seed, "observations", n)));
        b.str(1, Some(&r.report_id));
        b.str(2, Some(&r.council_code));
        b.str(3, Some(&o.measure_id));
        b.str(4, o.measure_ref.as_deref());
        b.str(5, Some(&o.measure_name));
        b.str(6, o.objective_ref.as_deref());
        b.str(7, o.theme.as_deref());
        b.str(8, Some(o.period.kind.as_str()));
        b.str(9, Some(&o.period.label));
        b.i32(10, Some(o.period.year));
        b.i32(11, o.period.quarter.map(i32::from));
        b.date(12, Some(o.period.end));
        b.f64(13, o.value);
        b.str(14, o.value_text.as_deref());
        b.str(15, o.unit.as_deref());
        b.f64(16, o.target);
        b.str(17, o.target_text.as_deref());
        b.str(18, o.rating.map(|r| r.as_str()));
        b.str(19, o.rating_text.as_deref());
        b.str(20, o.previous_rating.map(|r| r.as_str()));
        b.f64(21, o.benchmark);
        b.str(22, o.benchmark_text.as_deref());
        b.str(23, o.benchmark_group.as_deref());
        b.str(24, o.direction_text.as_deref());
        b.str(25, o.frequency.as_deref());
        b.i32(26, Some(o.source_line as i32));
        b.ts(27, now);
        b.i32(28, o.source_page.map(|p| p as i32));
        b.i32(29, o.source_table.map(|t| t as i32));
    }
    tables.push(("observations", b.finish()));

    let mut b = Batch::new("objective_updates");
    for (n, u) in x.objective_updates.iter().enumerate() {
        b.str(0, Some(&event_id(id_seed, "objective_updates", n)));
        b.str(1, Some(&r.report_id));
        b.str(2, Some(&r.council_code));
        b.str(3, u.objective_ref.as_deref());
        b.str(4, Some(u.kind.as_str()));
        b.str(5, Some(&u.title));
        b.str(6, u.theme.as_deref());
        b.date(7, u.expected_completion);
        b.str(8, u.rating.map(|r| r.as_str()));
        b.str(9, u.rating_text.as_deref());
        b.str(10, u.previous_rating.map(|r| r.as_str()));
        b.str(11, u.status_text.as_deref());
        b.i32(12, u.risk_score);
        b.str(13, u.comment.as_deref());
        b.i32(14, Some(u.source_line as i32));
        b.ts(15, now);
        b.i32(16, u.source_page.map(|p| p as i32));
        b.i32(17, u.source_table.map(|t| t as i32));
    }
    tables.push(("objective_updates", b.finish()));

    let mut b = Batch::new("report_claims");
    for (n, c) in x.claims.iter().enumerate() {
        b.str(0, Some(&event_id(id_seed, "report_claims", n)));
        b.str(1, Some(&r.report_id));
        b.str(2, Some(&r.council_code));
        b.str(3, Some(&c.subject));
        b.str(4, c.scope.as_deref());
        b.str(5, c.rating.as_deref());
        b.i64(6, Some(c.count));
        b.str(7, Some(&c.period_label));
        b.i32(8, Some(c.source_line as i32));
        b.ts(9, now);
        b.i32(10, c.source_page.map(|p| p as i32));
        b.i32(11, c.source_table.map(|t| t as i32));
    }
    tables.push(("report_claims", b.finish()));

    let mut b = Batch::new("parse_issues");
    for (n, i) in x.parse_issues.iter().enumerate() {
        b.str(0, Some(&event_id(id_seed, "parse_issues", n)));
        b.str(1, Some(&r.report_id));
        b.i32(2, Some(i.source_line as i32));
        b.str(3, Some(i.severity.as_str()));
        b.str(4, Some(&i.reason));
        b.str(5, Some(&i.raw_text));
        b.ts(6, now);
        b.i32(7, i.source_page.map(|p| p as i32));
        b.i32(8, i.source_table.map(|t| t as i32));
    }
    tables.push(("parse_issues", b.finish()));

    if let Some((doc, fetched_at)) = unit.document {
        tables.push(("documents", document_batch(doc, fetched_at, recorded_at)));
    }

    // The reports row is the commit marker and is written last (see `warehouse`).
    let mut b = Batch::new("reports");
    b.str(0, Some(&r.report_id));
    b.str(1, Some(unit.document_sha256));
    b.str(2, Some(unit.source_uri));
    b.str(3, Some(&r.council_code));
    b.str(4, Some(&r.council_name));
    b.str(5, Some(&r.title));
    b.str(6, Some(&r.period.label));
    b.i32(7, Some(r.period.year));
    b.i32(8, r.period.quarter.map(i32::from));
    b.date(9, Some(r.period.end));
    b.date(10, r.published_at);
    b.str(11, Some(&r.extractor));
    b.ts(12, now);
    b.i32(13, Some(unit.sequence));
    b.str(14, Some(unit.fingerprint));
    b.str(15, Some(unit.reason));
    b.str(16, Some(unit.layout));
    tables.push(("reports", b.finish()));

    DocumentBatches { tables }
}

fn document_batch(
    doc: &DocumentMeta,
    fetched_at: Option<DateTime<Utc>>,
    recorded_at: DateTime<Utc>,
) -> RecordBatch {
    let now = Some(recorded_at);
    let mut b = Batch::new("documents");
    b.str(0, Some(&doc.sha256));
    b.str(1, Some(&doc.source_uri));
    b.str(2, doc.job.as_deref());
    b.str(3, Some(&doc.media_type));
    b.i64(4, Some(doc.bytes as i64));
    b.ts(5, fetched_at);
    b.str(6, doc.etag.as_deref());
    b.str(7, doc.last_modified.as_deref());
    b.ts(8, now);
    b.finish()
}
