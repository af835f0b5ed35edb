//! Suggested measure aliases, for a person to confirm in the measure catalog.
//!
//! Two measure ids of one council are a candidate when their names are alike
//! ([`lapis_model::name_similarity`]) and they never appear in the same report: a measure a
//! report prints twice under two names is two measures. The id seen in the later report is the
//! suggested canonical id. The output has the catalog's columns, so confirmed rows can be pasted
//! into `catalog/measures.csv` as they are.

// SqlError carries a StoreError by value; these are not hot paths.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Float64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::prelude::SessionContext;
use lapis_model::name_similarity;

use crate::{query, SqlError, SqlResult};

/// One suggestion: `alias_id` is probably `canonical_id` under an earlier name.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub council_code: String,
    pub alias_id: String,
    pub canonical_id: String,
    pub score: f64,
    pub alias_name: String,
    pub alias_reports: String,
    pub canonical_name: String,
    pub canonical_reports: String,
}

#[derive(Default)]
struct Seen {
    names: BTreeSet<String>,
    reports: BTreeSet<String>,
    /// Report period labels, which sort in time order ("2019-20 Q4" < "2024-25 Q1").
    periods: BTreeSet<String>,
}

/// Suggests aliases among the measures of `council` (all councils when `None`) scoring at least
/// `min_score`, best first; for each alias id only its best-scoring candidates.
pub async fn suggest(
    ctx: &SessionContext,
    council: Option<&str>,
    min_score: f64,
) -> SqlResult<Vec<Suggestion>> {
    let sql = "SELECT DISTINCT o.council_code, o.measure_id, o.measure_name, o.report_id, r.period_label \
               FROM observations o JOIN reports r ON o.report_id = r.report_id";
    let (_, batches) = query(ctx, sql).await?;
    let mut measures: BTreeMap<(String, String), Seen> = BTreeMap::new();
    for batch in &batches {
        let col = |i: usize| -> SqlResult<&StringArray> {
            batch
                .column(i)
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| SqlError::Engine(format!("column {i} of {sql} is not Utf8")))
        };
        let (councils, ids, names, reports, periods) =
            (col(0)?, col(1)?, col(2)?, col(3)?, col(4)?);
        for row in 0..batch.num_rows() {
            if councils.is_null(row) || ids.is_null(row) {
                continue;
            }
            let code = councils.value(row);
            if council.is_some_and(|c| c != code) {
                continue;
            }
            let seen = measures
                .entry((code.to_string(), ids.value(row).to_string()))
                .or_default();
            if !names.is_null(row) {
                seen.names.insert(names.value(row).to_string());
            }
            seen.reports.insert(reports.value(row).to_string());
            seen.periods.insert(periods.value(row).to_string());
        }
    }
    let list: Vec<(&(String, String), &Seen)> = measures.iter().collect();
    let mut out = Vec::new();
    for (i, ((code_a, id_a), a)) in list.iter().enumerate() {
        for ((code_b, id_b), b) in &list[i + 1..] {
            if code_a != code_b || !a.reports.is_disjoint(&b.reports) {
                continue;
            }
            let best = a
                .names
                .iter()
                .flat_map(|x| b.names.iter().map(move |y| (name_similarity(x, y), x, y)))
                .max_by(|p, q| p.0.total_cmp(&q.0));
            let Some((score, name_a, name_b)) = best else {
                continue;
            };
            if score < min_score {
                continue;
            }
            // The measure seen in the later report keeps its id.
            let a_later = a.periods.last() > b.periods.last();
            let (canonical, alias) = if a_later {
                ((id_a, name_a, a), (id_b, name_b, b))
            } else {
                ((id_b, name_b, b), (id_a, name_a, a))
            };
            out.push(Suggestion {
                council_code: code_a.clone(),
                alias_id: alias.0.clone(),
                canonical_id: canonical.0.clone(),
                score,
                alias_name: alias.1.clone(),
                alias_reports: join(&alias.2.periods),
                canonical_name: canonical.1.clone(),
                canonical_reports: join(&canonical.2.periods),
            });
        }
    }
    // An id can alias only one canonical id: keep each alias's best candidates.
    let mut best: BTreeMap<String, f64> = BTreeMap::new();
    for s in &out {
        let e = best.entry(s.alias_id.clone()).or_insert(0.0);
        *e = e.max(s.score);
    }
    out.retain(|s| best.get(&s.alias_id) == Some(&s.score));
    out.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then_with(|| x.alias_id.cmp(&y.alias_id))
    });
    Ok(out)
}

fn join(periods: &BTreeSet<String>) -> String {
    periods.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// The suggestions as a batch with the catalog's columns (`council_code`, `measure_id`,
/// `canonical_id`, `polarity`, `note`) and then the evidence a person needs to confirm them.
pub fn to_batch(suggestions: &[Suggestion]) -> SqlResult<(SchemaRef, RecordBatch)> {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    let schema = Arc::new(Schema::new(vec![
        text("council_code"),
        text("measure_id"),
        text("canonical_id"),
        text("polarity"),
        text("note"),
        Field::new("score", DataType::Float64, false),
    ]));
    let strings = |f: &dyn Fn(&Suggestion) -> Option<String>| -> ArrayRef {
        Arc::new(suggestions.iter().map(f).collect::<StringArray>())
    };
    let columns: Vec<ArrayRef> = vec![
        strings(&|s| Some(s.council_code.clone())),
        strings(&|s| Some(s.alias_id.clone())),
        strings(&|s| Some(s.canonical_id.clone())),
        strings(&|_| None),
        strings(&|s| {
            Some(format!(
                "suggested alias (score {:.3}): \"{}\" [{}] = \"{}\" [{}]",
                s.score, s.alias_name, s.alias_reports, s.canonical_name, s.canonical_reports
            ))
        }),
        Arc::new(
            suggestions
                .iter()
                .map(|s| s.score)
                .collect::<Float64Array>(),
        ),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns)
        .map_err(|e| SqlError::Engine(e.to_string()))?;
    Ok((schema, batch))
}
