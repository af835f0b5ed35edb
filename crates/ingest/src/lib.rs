//! lapis-ingest: the one path from a document's bytes to events in the warehouse, shared by
//! `lapis ingest`, `lapis reextract`, `lapis correct` and the fetch jobs.
//!
//! An *extraction* is one reading of one document by one extractor, under one council. Its
//! report id is derived from the document hash, the document's extraction count and a
//! fingerprint of everything it extracted, so
//! - reading a document again with an unchanged extractor gives the same fingerprint, and
//!   nothing is appended;
//! - a better extractor (or a corrected council) gives a new fingerprint, and the new events
//!   are appended as a new extraction that the views show instead of the old one; the old
//!   events stay, and `--as-of` still shows them;
//! - an append interrupted by a crash and retried with the same extractor gets the same report
//!   id and completes (see `lapis-store`); retried with another extractor it gets another id,
//!   and the interrupted events stay invisible for ever.
//!
//! What can go wrong: bad input (not a report, too large, not text) is an [`IngestError::BadDocument`]
//! and leaves the warehouse unchanged; a council code that is not a GSS code is refused before
//! anything is read; storage faults come from `lapis-store`.

// The errors carry a StoreError (a Delta error) by value; they are on cold paths, once per
// document or query, where a larger Result costs nothing measurable.
#![allow(clippy::result_large_err)]

use chrono::{DateTime, Utc};
use lapis_model::Vocabulary;
use lapis_model::{DocumentMeta, Extraction, ParseIssue};
use lapis_store::{Appended, Correction, ExtractionRecord, ExtractionUnit, StoreError, Warehouse};
use sha2::{Digest, Sha256};
use tracing::{info, instrument};

pub use lapis_extract::DEFAULT_MAX_BYTES;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The document cannot be read as a report; nothing was appended.
    #[error("{source_uri}: {source}")]
    BadDocument {
        source_uri: String,
        source: lapis_extract::ExtractError,
    },
    #[error("{code:?} is not a council's GSS code: expected a letter and eight digits starting E06, E07, E08, E09 or E10 (English councils), W06 (Wales), S12 (Scotland) or N09 (Northern Ireland), such as E10000007")]
    BadCouncil { code: String },
    #[error("no report or document {wanted:?} in the warehouse")]
    NoSuchReport { wanted: String },
    #[error("{wanted:?} names {count} documents; give more of the report id or document hash")]
    Ambiguous { wanted: String, count: usize },
    #[error(
        "the archived bytes of document {sha256} are missing ({path}): it cannot be read again"
    )]
    NotArchived { sha256: String, path: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type IngestResult<T, E = IngestError> = Result<T, E>;

/// Checks that `code` is a GSS code of a council: `E06` unitary authorities, `E07` districts,
/// `E08` metropolitan districts, `E09` London boroughs, `E10` counties, `W06` Welsh, `S12`
/// Scottish and `N09` Northern Irish councils, each followed by six digits.
pub fn validate_council_code(code: &str) -> IngestResult<()> {
    if lapis_model::is_council_code(code) {
        Ok(())
    } else {
        Err(IngestError::BadCouncil { code: code.into() })
    }
}

/// One document to ingest, with its provenance.
#[derive(Debug, Clone)]
pub struct IngestRequest<'a> {
    pub bytes: &'a [u8],
    pub source_uri: String,
    pub council_code: String,
    pub council_name: Option<String>,
    pub job: Option<String>,
    pub media_type: String,
    pub fetched_at: Option<DateTime<Utc>>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub layout: String,
    /// The words the extractor reads tables by (`Vocabulary::builtin()`, or a user's file).
    pub vocabulary: &'a Vocabulary,
}

/// What a reading found in a document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadSummary {
    pub tables: usize,
    pub rows: usize,
    pub observations: usize,
    pub objective_updates: usize,
    pub claims: usize,
}

impl ReadSummary {
    pub fn of(x: &Extraction) -> ReadSummary {
        ReadSummary {
            tables: x.read.tables,
            rows: x.read.rows,
            observations: x.observations.len(),
            objective_updates: x.objective_updates.len(),
            claims: x.claims.len(),
        }
    }
}

/// What an ingest did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    /// The document was already in the warehouse; nothing was appended.
    AlreadyIngested { sha256: String, report_id: String },
    Ingested {
        sha256: String,
        report_id: String,
        period_label: String,
        extractor: String,
        appended: Appended,
        parse_issues: usize,
        /// What was read: tables and rows, observations, objective updates and claims.
        read: ReadSummary,
        /// Everything printed that was not read (warning and error parse issues).
        losses: Vec<ParseIssue>,
    },
}

/// What reading an archived document again did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReextractOutcome {
    /// The current extractor reads exactly what the current extraction holds.
    Unchanged { report_id: String },
    Appended {
        superseded_report_id: String,
        report_id: String,
        appended: Appended,
    },
}

/// Which documents `reextract` reads again.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub council: Option<String>,
    /// Report ids or document hashes, or prefixes of them.
    pub reports: Vec<String>,
}

/// An extraction ready to append: the events, stamped with their report id.
struct Prepared {
    extraction: Extraction,
    fingerprint: String,
}

/// A hash of everything an extraction holds except its report id: equal fingerprints mean the
/// same events.
pub fn fingerprint(extraction: &Extraction) -> String {
    let mut x = extraction.clone();
    x.report.report_id.clear();
    // Events without a page or a table print as they did before those were recorded, so a
    // document of text keeps the fingerprint (and the report id) an older lapis gave its reading.
    let printed = format!("{x:?}")
        .replace(", source_page: None", "")
        .replace(", source_table: None", "");
    hex::encode(Sha256::digest(printed.as_bytes()))
}

/// The report id of the `sequence`th extraction of a document.
pub fn report_id(sha256: &str, sequence: i32, fingerprint: &str) -> String {
    let mut h = Sha256::new();
    h.update(sha256.as_bytes());
    h.update(sequence.to_le_bytes());
    h.update(fingerprint.as_bytes());
    format!("r-{}-{}", &sha256[..16], &hex::encode(h.finalize())[..8])
}

fn prepare(
    bytes: &[u8],
    sha256: &str,
    source_uri: &str,
    council_code: &str,
    council_name: Option<&str>,
    layout: &str,
    vocabulary: &Vocabulary,
) -> IngestResult<Prepared> {
    let bad = |source| IngestError::BadDocument {
        source_uri: source_uri.to_string(),
        source,
    };
    let text = lapis_extract::document_text(bytes, DEFAULT_MAX_BYTES).map_err(bad)?;
    let ctx = lapis_extract::ReportContext {
        council_code,
        council_name,
        document_sha256: sha256,
        layout,
        vocabulary,
    };
    let extraction = lapis_extract::extract(&text, &ctx).map_err(bad)?;
    let fingerprint = fingerprint(&extraction);
    Ok(Prepared {
        extraction,
        fingerprint,
    })
}

/// Appends a prepared extraction as the document's next one.
async fn append_next(
    wh: &Warehouse,
    mut prepared: Prepared,
    sha256: &str,
    source_uri: &str,
    document: Option<(&DocumentMeta, Option<DateTime<Utc>>)>,
    reason: &str,
    layout: &str,
) -> IngestResult<(Extraction, Appended)> {
    let sequence = wh.extractions_of(sha256).await? + 1;
    prepared.extraction.report.report_id = report_id(sha256, sequence, &prepared.fingerprint);
    let unit = ExtractionUnit {
        document,
        document_sha256: sha256,
        source_uri,
        extraction: &prepared.extraction,
        sequence,
        fingerprint: &prepared.fingerprint,
        reason,
        layout,
    };
    let appended = wh.append(&unit).await?;
    Ok((prepared.extraction, appended))
}

/// The current extraction of each document: the last of its extractions.
pub fn current(records: &[ExtractionRecord]) -> Vec<&ExtractionRecord> {
    let mut out: Vec<&ExtractionRecord> = Vec::new();
    for r in records {
        match out.last_mut() {
            Some(last) if last.document_sha256 == r.document_sha256 => {
                if r.sequence >= last.sequence {
                    *last = r;
                }
            }
            _ => out.push(r),
        }
    }
    out
}

/// Finds the current extraction of the document a report id or document hash (or a prefix of
/// either) names. An older report id of the document names it too.
pub fn find<'a>(
    records: &'a [ExtractionRecord],
    wanted: &str,
) -> IngestResult<&'a ExtractionRecord> {
    let mut docs: Vec<&str> = records
        .iter()
        .filter(|r| r.report_id.starts_with(wanted) || r.document_sha256.starts_with(wanted))
        .map(|r| r.document_sha256.as_str())
        .collect();
    docs.sort_unstable();
    docs.dedup();
    match docs.as_slice() {
        [] => Err(IngestError::NoSuchReport {
            wanted: wanted.into(),
        }),
        [sha] => current(records)
            .into_iter()
            .find(|r| r.document_sha256 == *sha)
            .ok_or_else(|| IngestError::NoSuchReport {
                wanted: wanted.into(),
            }),
        many => Err(IngestError::Ambiguous {
            wanted: wanted.into(),
            count: many.len(),
        }),
    }
}

/// Ingests one document: extracts it and appends its events, all or nothing. A document
/// already in the warehouse adds nothing (use [`reextract`] or [`correct`] to read it again).
#[instrument(skip(wh, req), fields(source = %req.source_uri, council = %req.council_code))]
pub async fn ingest(wh: &Warehouse, req: &IngestRequest<'_>) -> IngestResult<IngestOutcome> {
    validate_council_code(&req.council_code)?;
    ingest_many(wh, std::slice::from_ref(req))
        .await?
        .pop()
        .unwrap_or_else(|| {
            Err(IngestError::NoSuchReport {
                wanted: req.source_uri.clone(),
            })
        })
}

/// Ingests several documents with one commit per table (a backfill): each document is still
/// all or nothing, a document already in the warehouse (or earlier in the batch) adds nothing,
/// and a document that cannot be read is refused alone (its result is the error) while the
/// others go in. The outer error is the warehouse failing, when none of the batch went in.
pub async fn ingest_many(
    wh: &Warehouse,
    reqs: &[IngestRequest<'_>],
) -> IngestResult<Vec<IngestResult<IngestOutcome>>> {
    struct New {
        at: usize,
        sha256: String,
        prepared: Prepared,
        doc: DocumentMeta,
    }
    // Which documents are in: one document asks the log (cheap); a batch reads `reports` once.
    let records = if reqs.len() == 1 {
        let sha256 = hex::encode(Sha256::digest(reqs[0].bytes));
        if wh.extractions_of(&sha256).await? > 0 {
            wh.extractions().await?
        } else {
            Vec::new()
        }
    } else {
        wh.extractions().await?
    };
    let known: std::collections::HashMap<&str, &str> = current(&records)
        .into_iter()
        .map(|r| (r.document_sha256.as_str(), r.report_id.as_str()))
        .collect();
    let mut out: Vec<Option<IngestResult<IngestOutcome>>> = Vec::with_capacity(reqs.len());
    let mut news: Vec<New> = Vec::new();
    // Documents repeated within the batch: (position, index into `news`).
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    for (at, req) in reqs.iter().enumerate() {
        if let Err(e) = validate_council_code(&req.council_code) {
            out.push(Some(Err(e)));
            continue;
        }
        let sha256 = hex::encode(Sha256::digest(req.bytes));
        if let Some(report_id) = known.get(sha256.as_str()) {
            out.push(Some(Ok(IngestOutcome::AlreadyIngested {
                sha256,
                report_id: report_id.to_string(),
            })));
            continue;
        }
        if let Some(k) = news.iter().position(|n| n.sha256 == sha256) {
            repeats.push((at, k));
            out.push(None);
            continue;
        }
        match prepare(
            req.bytes,
            &sha256,
            &req.source_uri,
            &req.council_code,
            req.council_name.as_deref(),
            &req.layout,
            req.vocabulary,
        ) {
            Err(e) => out.push(Some(Err(e))),
            Ok(mut prepared) => {
                prepared.extraction.report.report_id = report_id(&sha256, 1, &prepared.fingerprint);
                // The raw bytes are kept before any event refers to them.
                if let Err(e) = wh.archive(&sha256, req.bytes) {
                    out.push(Some(Err(e.into())));
                    continue;
                }
                news.push(New {
                    at,
                    doc: DocumentMeta {
                        sha256: sha256.clone(),
                        source_uri: req.source_uri.clone(),
                        job: req.job.clone(),
                        media_type: req.media_type.clone(),
                        bytes: req.bytes.len() as u64,
                        etag: req.etag.clone(),
                        last_modified: req.last_modified.clone(),
                    },
                    sha256,
                    prepared,
                });
                out.push(None);
            }
        }
    }
    let units: Vec<ExtractionUnit<'_>> = news
        .iter()
        .map(|n| ExtractionUnit {
            document: Some((&n.doc, reqs[n.at].fetched_at)),
            document_sha256: &n.sha256,
            source_uri: &reqs[n.at].source_uri,
            extraction: &n.prepared.extraction,
            sequence: 1,
            fingerprint: &n.prepared.fingerprint,
            reason: "ingest",
            layout: &reqs[n.at].layout,
        })
        .collect();
    let appended = wh.append_many(&units).await?;
    drop(units);
    for (at, k) in repeats {
        out[at] = Some(Ok(IngestOutcome::AlreadyIngested {
            sha256: news[k].sha256.clone(),
            report_id: news[k].prepared.extraction.report.report_id.clone(),
        }));
    }
    for (n, appended) in news.into_iter().zip(appended) {
        let x = n.prepared.extraction;
        info!(report_id = %x.report.report_id, source = %n.doc.source_uri, "Ingested report.");
        out[n.at] = Some(Ok(IngestOutcome::Ingested {
            parse_issues: x.parse_issues.len(),
            read: ReadSummary::of(&x),
            losses: x.losses().cloned().collect(),
            sha256: n.sha256,
            report_id: x.report.report_id,
            period_label: x.report.period.label,
            extractor: x.report.extractor,
            appended,
        }));
    }
    Ok(out
        .into_iter()
        .map(|o| o.expect("every request has a result"))
        .collect())
}

/// Whether a refused document is one lapis keeps though it cannot read it: a scan (no text
/// layer; there is no OCR) or a PDF locked against reading. Anything else refused (an HTML
/// error page, a damaged or truncated file, junk) is not kept.
pub fn is_unreadable_report(e: &IngestError) -> bool {
    matches!(
        e,
        IngestError::BadDocument {
            source: lapis_extract::ExtractError::ScannedPdf { .. }
                | lapis_extract::ExtractError::EncryptedPdf,
            ..
        }
    )
}

/// Keeps a document lapis cannot read (see [`is_unreadable_report`]) for a later lapis that
/// can: its bytes archived, content-addressed, and a `fetches` row (`not_extracted`, with the
/// reason) naming where it came from. `run_id` ties the row to the command or run that met it.
/// Returns the document's SHA-256.
pub async fn keep_unreadable(
    wh: &Warehouse,
    req: &IngestRequest<'_>,
    run_id: &str,
    reason: &str,
) -> IngestResult<String> {
    let sha256 = hex::encode(Sha256::digest(req.bytes));
    wh.archive(&sha256, req.bytes)?;
    let now = Utc::now();
    let mut id = Sha256::new();
    id.update(run_id.as_bytes());
    id.update(req.source_uri.as_bytes());
    let fetch = lapis_store::Fetch {
        fetch_id: hex::encode(&id.finalize()[..12]),
        run_id: run_id.to_string(),
        job: req.job.clone().unwrap_or_else(|| "lapis ingest".into()),
        url: req.source_uri.clone(),
        fetched_at: req.fetched_at.unwrap_or(now),
        outcome: "not_extracted".into(),
        sha256: Some(sha256.clone()),
        bytes: Some(req.bytes.len() as u64),
        error: Some(reason.to_string()),
        ..lapis_store::Fetch::default()
    };
    wh.append_fetch(&fetch).await?;
    Ok(sha256)
}

fn archived(wh: &Warehouse, sha256: &str) -> IngestResult<Vec<u8>> {
    wh.read_archived(sha256, DEFAULT_MAX_BYTES)
        .map_err(|e| match e {
            StoreError::Io { path, .. } => IngestError::NotArchived {
                sha256: sha256.into(),
                path,
            },
            other => other.into(),
        })
}

/// Reads one document's archived bytes again with the current extractor, under the council
/// of its current extraction. Appends a new extraction only if it differs.
pub async fn reextract_one(
    wh: &Warehouse,
    record: &ExtractionRecord,
    vocabulary: &Vocabulary,
) -> IngestResult<ReextractOutcome> {
    let council_name = record.council_name.as_deref();
    let read = read_again(
        wh,
        record,
        &record.council_code,
        council_name,
        "reextract",
        vocabulary,
    )
    .await?;
    match read {
        None => Ok(ReextractOutcome::Unchanged {
            report_id: record.report_id.clone(),
        }),
        Some((extraction, appended)) => Ok(ReextractOutcome::Appended {
            superseded_report_id: record.report_id.clone(),
            report_id: extraction.report.report_id,
            appended,
        }),
    }
}

/// Reads a document's archived bytes again under `council_code`, and appends the reading as
/// the document's next extraction, unless it is exactly what the current extraction holds
/// (then `None`, and nothing is appended).
async fn read_again(
    wh: &Warehouse,
    record: &ExtractionRecord,
    council_code: &str,
    council_name: Option<&str>,
    reason: &str,
    vocabulary: &Vocabulary,
) -> IngestResult<Option<(Extraction, Appended)>> {
    let bytes = archived(wh, &record.document_sha256)?;
    let layout = record.layout.as_deref().unwrap_or("auto");
    let source_uri = record.source_uri.as_deref().unwrap_or_default();
    let prepared = prepare(
        &bytes,
        &record.document_sha256,
        source_uri,
        council_code,
        council_name,
        layout,
        vocabulary,
    )?;
    if record.fingerprint.as_deref() == Some(prepared.fingerprint.as_str()) {
        return Ok(None);
    }
    let appended = append_next(
        wh,
        prepared,
        &record.document_sha256,
        source_uri,
        None,
        reason,
        layout,
    )
    .await?;
    Ok(Some(appended))
}

/// The documents a selection names, by their current extraction.
pub async fn select(wh: &Warehouse, selection: &Selection) -> IngestResult<Vec<ExtractionRecord>> {
    let records = wh.extractions().await?;
    let mut chosen: Vec<ExtractionRecord> = Vec::new();
    if selection.reports.is_empty() {
        chosen.extend(current(&records).into_iter().cloned());
    } else {
        for wanted in &selection.reports {
            let r = find(&records, wanted)?;
            if !chosen
                .iter()
                .any(|c| c.document_sha256 == r.document_sha256)
            {
                chosen.push(r.clone());
            }
        }
    }
    if let Some(council) = &selection.council {
        chosen.retain(|r| &r.council_code == council);
    }
    Ok(chosen)
}

/// A correction to the council a document was ingested under.
#[derive(Debug, Clone)]
pub struct CouncilCorrection<'a> {
    /// Report id or document hash, or a prefix of either.
    pub report: &'a str,
    pub council_code: &'a str,
    pub council_name: Option<&'a str>,
    pub reason: &'a str,
    pub operator: &'a str,
    pub vocabulary: &'a Vocabulary,
}

/// What a correction did. When the document was already read that way, both report ids are the
/// current one and nothing was appended or recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrected {
    pub superseded_report_id: String,
    pub report_id: String,
    pub old_council_code: String,
    pub appended: Appended,
}

/// Corrects the council of a document: reads its archived bytes again under the right council
/// (a new extraction, which the views show from now on) and records the correction, with its
/// reason and operator, in `corrections`. Nothing is deleted: `--as-of` before the correction
/// still shows the old reading.
pub async fn correct(wh: &Warehouse, c: &CouncilCorrection<'_>) -> IngestResult<Corrected> {
    validate_council_code(c.council_code)?;
    let records = wh.extractions().await?;
    let record = find(&records, c.report)?.clone();
    let council_name = c.council_name.or(if c.council_code == record.council_code {
        record.council_name.as_deref()
    } else {
        None
    });
    let read = read_again(
        wh,
        &record,
        c.council_code,
        council_name,
        "correction",
        c.vocabulary,
    )
    .await?;
    let Some((extraction, appended)) = read else {
        // The document is already read this way: nothing to correct, nothing recorded.
        return Ok(Corrected {
            superseded_report_id: record.report_id.clone(),
            report_id: record.report_id,
            old_council_code: record.council_code,
            appended: Appended::default(),
        });
    };
    let new_report_id = extraction.report.report_id.clone();
    let mut fields = vec![(
        "council_code",
        Some(record.council_code.clone()),
        c.council_code.to_string(),
    )];
    if let Some(name) = c.council_name {
        fields.push((
            "council_name",
            record.council_name.clone(),
            name.to_string(),
        ));
    }
    for (field, old_value, new_value) in fields {
        let correction_id = {
            let mut h = Sha256::new();
            h.update(record.report_id.as_bytes());
            h.update(new_report_id.as_bytes());
            h.update(field.as_bytes());
            hex::encode(&h.finalize()[..16])
        };
        wh.append_correction(&Correction {
            correction_id,
            document_sha256: record.document_sha256.clone(),
            superseded_report_id: record.report_id.clone(),
            report_id: new_report_id.clone(),
            field: field.into(),
            old_value,
            new_value,
            reason: c.reason.into(),
            operator: c.operator.into(),
        })
        .await?;
    }
    Ok(Corrected {
        superseded_report_id: record.report_id,
        report_id: new_report_id,
        old_council_code: record.council_code,
        appended,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn council_codes() {
        for ok in [
            "E10000007",
            "E06000015",
            "E09000033",
            "W06000015",
            "S12000036",
        ] {
            assert!(validate_council_code(ok).is_ok(), "{ok}");
        }
        for bad in [
            "E1000007",
            "E100000071",
            "E12000004",
            "Derbyshire",
            "e10000007",
            "",
        ] {
            assert!(validate_council_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn report_ids_name_document_sequence_and_content() {
        let sha = "ab".repeat(32);
        let a = report_id(&sha, 1, "f1");
        assert!(a.starts_with("r-abababababababab-"), "{a}");
        assert_eq!(a, report_id(&sha, 1, "f1"));
        assert_ne!(a, report_id(&sha, 2, "f1"));
        assert_ne!(a, report_id(&sha, 1, "f2"));
    }
}
