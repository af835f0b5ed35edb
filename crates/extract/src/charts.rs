//! Chart blocks: the data behind a printed chart, one `label\tvalue` line each.
//!
//! ```text
//! 2021-2022    373
//! 2022-2023    611
//! <b>2023-2024</b>    <b>762</b>
//! Target    550
//! Performance    ★ Strong
//! ```
//! A block names no measure. It belongs to the key measure whose current value and target it
//! repeats (the bold row), and its earlier rows are that measure's whole-year values for earlier
//! years: facts the report asserts again.

use lapis_model::period::find_financial_year;
use lapis_model::rating::parse_rating;
use lapis_model::value::parse_value;
use lapis_model::{measure_id, normalise_name, Observation, Period, PeriodKind, Severity};

use crate::prose::tile_at;
use crate::text::title_text;
use crate::Engine;

#[derive(Debug)]
struct ChartRow {
    idx: usize,
    label: String,
    value: String,
    year: Option<i32>,
    bold: bool,
}

fn year_label(label: &str) -> Option<i32> {
    let (y, start, end) = find_financial_year(label)?;
    (start == 0 && end == label.len()).then_some(y)
}

/// A chart's row printed as a line of its label and its value run together, not as cells
/// ("2021-2022 16.7", "Target 18.7", "Performance ★ Strong", "**2022-2023 Due in Q3**": a PDF
/// whose narrow chart sets its cells a word's space apart): its label and its value. The label
/// is a year, "Target", a rating's or a benchmark's; the value one figure, a rating, or a word
/// of no data yet ("Due in Q3", "Not set").
/// (A fixed-width block may hold such a line as a row of one cell.)
fn run_together(line: &crate::text::Line) -> Option<(String, String)> {
    let filled: Vec<&String> = line.cells.iter().filter(|c| !c.is_empty()).collect();
    let text = match filled[..] {
        _ if line.heading.is_some() => return None,
        [] if !line.is_tabular() => line.text.trim(),
        [cell] => cell.trim(),
        _ => return None,
    };
    // (A chart's row is short: a line of prose is no row, and is not searched for a label.)
    if text.len() > 80 {
        return None;
    }
    let figure = |v: &str| {
        let l = v.to_ascii_lowercase();
        !v.contains(' ') && parse_value(v).is_some_and(|p| p.number.is_some())
            || ["not set", "no target", "n/a"].contains(&l.as_str())
            || l.starts_with("due in q") && l.len() <= 10
            || l.starts_with("data due in q") && l.len() <= 15
    };
    if let Some((_, 0, end)) = find_financial_year(text) {
        let value = text[end..].trim();
        return figure(value).then(|| (text[..end].to_string(), value.to_string()));
    }
    text.match_indices(' ').take(4).find_map(|(k, _)| {
        let (label, value) = (text[..k].trim(), text[k..].trim());
        let figure_row = label.eq_ignore_ascii_case("target")
            || is_benchmark_label(label) && label.split(' ').count() <= 3;
        let rating_row =
            is_rating_label(label) && !label.contains(' ') && parse_rating(value).rating.is_some();
        (figure_row && figure(value) || rating_row).then(|| (label.to_string(), value.to_string()))
    })
}

fn same_number(a: &str, b: &str) -> Option<bool> {
    let (pa, pb) = (parse_value(a)?, parse_value(b)?);
    match (pa.number, pb.number) {
        (Some(x), Some(y)) => Some((x - y).abs() < 1e-9 && pa.unit == pb.unit),
        (None, None) => {
            let (la, lb) = (a.to_lowercase(), b.to_lowercase());
            Some(
                la == lb
                    || (la.contains("due in") && lb.contains("due in"))
                    || (la.contains("not set") && lb.contains("not set")),
            )
        }
        _ => Some(false),
    }
}

fn word_overlap(a: &str, b: &str) -> f64 {
    let wa: Vec<String> = normalise_name(a)
        .split('-')
        .filter(|w| w.len() > 2)
        .map(str::to_string)
        .collect();
    let wb: Vec<String> = normalise_name(b)
        .split('-')
        .filter(|w| w.len() > 2)
        .map(str::to_string)
        .collect();
    if wa.is_empty() || wb.is_empty() {
        return 0.0;
    }
    let common = wa.iter().filter(|w| wb.contains(w)).count();
    common as f64 / wa.len().min(wb.len()) as f64
}

/// Whether a chart row label introduces the rating ("Performance", "Rating", "RAG status").
fn is_rating_label(label: &str) -> bool {
    let l = label.to_ascii_lowercase();
    ["performance", "rating", "rag", "status"]
        .iter()
        .any(|p| l.starts_with(p))
}

/// Whether a chart row label names a comparator ("National Benchmark", "England average",
/// "County-wide Benchmark", "Statistical neighbours").
fn is_benchmark_label(label: &str) -> bool {
    let l = label.to_ascii_lowercase();
    l.contains("benchmark")
        || l.contains("average")
        || ["national", "england", "regional", "statistical neighbour"]
            .iter()
            .any(|p| l.starts_with(p))
}

/// Whether a measure's name says it counts exam or assessment results, which schools report by
/// academic year (September to August): a chart of them is labelled in academic years even where
/// the report's summary row gives no date (the 2023-24 Q2 GCSE charts mark 2022-2023 as the year
/// whose results are "Due in Q3").
fn names_exam_results(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    [
        "gcse",
        "key stage",
        "phonics",
        "a level",
        "a-level",
        "foundation stage",
    ]
    .iter()
    .any(|w| l.contains(w))
}

impl Engine<'_> {
    pub(crate) fn read_charts(&mut self) {
        let mut matched: Vec<usize> = Vec::new();
        let mut i = 0;
        while i < self.lines.len() {
            // (Or two lines of a chart's rows run together, the first a year's.)
            let run_year = |k: usize| {
                self.lines
                    .get(k)
                    .and_then(run_together)
                    .is_some_and(|(label, _)| year_label(&label).is_some())
            };
            let starts_block = !self.used[i]
                && (self.lines[i].is_tabular()
                    && self.lines[i].cells.iter().filter(|c| !c.is_empty()).count() == 2
                    && year_label(&self.lines[i].cells[0]).is_some()
                    || run_year(i) && self.lines.get(i + 1).and_then(run_together).is_some());
            if !starts_block {
                i += 1;
                continue;
            }
            let mut rows = Vec::new();
            let mut j = i;
            while j < self.lines.len() && !self.used[j] {
                let line = &self.lines[j];
                let joined = run_together(line);
                if !line.is_tabular() && joined.is_none() {
                    break;
                }
                let cells: Vec<&String> = match &joined {
                    Some((label, value)) => vec![label, value],
                    None => line.cells.iter().filter(|c| !c.is_empty()).collect(),
                };
                if cells.len() != 2 {
                    break;
                }
                // A year after the chart's target or benchmark rows starts the next chart.
                let year = year_label(cells[0]);
                if year.is_some() && rows.last().is_some_and(|r: &ChartRow| r.year.is_none()) {
                    break;
                }
                rows.push(ChartRow {
                    idx: j,
                    label: cells[0].clone(),
                    value: cells[1].clone(),
                    year: year_label(cells[0]),
                    bold: self.lines[j].raw.contains("<b>") || self.lines[j].bold,
                });
                j += 1;
            }
            self.feature("charts");
            let caption = self.chart_caption(i);
            self.read_chart(&rows, caption.as_deref(), &mut matched);
            i = j;
        }
    }

    /// The name printed above a chart: a tile's name line, or a bold or heading line close above.
    fn chart_caption(&mut self, start: usize) -> Option<String> {
        let from = start.saturating_sub(8);
        for k in (from..start).rev() {
            if self.lines[k].is_tabular() {
                return None;
            }
            if let Some((v, n, d)) = tile_at(&self.lines, k) {
                let name = self.lines[n].text.trim().to_string();
                let reason = format!(
                    "headline tile {:?} ({name}) as at {}; the chart below carries the figures",
                    self.lines[v].text.trim(),
                    self.lines[d].text.trim()
                );
                self.issue(v, Severity::Info, reason);
                self.used[n] = true;
                self.used[d] = true;
                return Some(name);
            }
        }
        None
    }

    /// The key measure a chart block shows, taking row `current` as the current year's: the
    /// observation whose value (and target, rating, name) the block repeats.
    fn key_of_chart(
        &self,
        rows: &[ChartRow],
        current: usize,
        caption: Option<&str>,
        matched: &[usize],
    ) -> Option<usize> {
        let cur = &rows[current];
        let find = |label: &str| {
            rows.iter()
                .find(|r| r.label.to_lowercase().starts_with(label))
        };
        let target = find("target");
        let performance = rows.iter().find(|r| is_rating_label(&r.label));
        let mut best: Option<(usize, i32)> = None;
        for (k, obs) in self.observations.iter().enumerate() {
            if obs.target_text.is_none() && obs.rating_text.is_none() {
                continue;
            }
            let value_match = obs
                .value_text
                .as_deref()
                .and_then(|v| same_number(v, &cur.value))
                .unwrap_or(false);
            let target_match = match (target, obs.target_text.as_deref()) {
                (Some(t), Some(ot)) => same_number(&t.value, ot).unwrap_or(false),
                (None, _) => false,
                _ => false,
            };
            let rating_match = performance.is_some_and(|p| {
                parse_rating(&p.value).rating.is_some()
                    && parse_rating(&p.value).rating == obs.rating
            });
            let caption_match = caption.is_some_and(|c| word_overlap(c, &obs.measure_name) >= 0.5);
            if !(value_match || target_match && caption_match) {
                continue;
            }
            let mut score = 3 * value_match as i32
                + 2 * target_match as i32
                + rating_match as i32
                + 2 * caption_match as i32;
            if target.is_some() && !target_match {
                score -= 2;
            }
            if matched.contains(&k) {
                score -= 1;
            }
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((k, score));
            }
        }
        best.filter(|(_, s)| *s >= 3).map(|(k, _)| k)
    }

    fn read_chart(&mut self, rows: &[ChartRow], caption: Option<&str>, matched: &mut Vec<usize>) {
        // The current year's row: the bold one, else the last year's; the last year's too where
        // a bold first row is a header's styling that matches no key measure.
        let bold = rows.iter().rposition(|r| r.bold);
        let last_year = rows.iter().rposition(|r| r.year.is_some());
        let mut candidates: Vec<usize> = bold.into_iter().chain(last_year).collect();
        candidates.dedup();
        if candidates.is_empty() {
            return;
        }
        let found = candidates.iter().find_map(|c| {
            self.key_of_chart(rows, *c, caption, matched)
                .map(|k| (*c, k))
        });
        let Some((current, k)) = found else {
            for r in rows {
                self.issue(r.idx, Severity::Warning, "chart block whose current value and target match no key measure of this report");
            }
            return;
        };
        let cur = &rows[current];
        matched.push(k);
        let key = self.observations[k].clone();
        let academic =
            key.period.kind == PeriodKind::AcademicYear || names_exam_results(&key.measure_name);
        for (n, r) in rows.iter().enumerate() {
            self.used[r.idx] = true;
            let label = r.label.to_lowercase();
            if n == current {
                continue;
            }
            if let Some(y) = r.year {
                if y == cur.year.unwrap_or(i32::MIN) {
                    continue;
                }
                let period = if academic {
                    Period::academic_year(y)
                } else {
                    Period::financial_year(y)
                };
                let mut obs = self.beside(&key, key.measure_name.clone(), period, r);
                obs.unit = obs.unit.or(key.unit.clone());
                self.push_observation(obs, r.idx);
            } else if is_benchmark_label(&label) {
                let p = parse_value(&r.value);
                let o = &mut self.observations[k];
                if o.benchmark_text.is_none() {
                    o.benchmark = p.and_then(|p| p.number);
                    o.benchmark_text = Some(r.value.clone());
                    o.benchmark_group = Some(title_text(&r.label));
                }
            } else if label.starts_with("target") || is_rating_label(&label) {
                // Repeats the key measure's target and rating.
            } else {
                self.companion_row(&key, r);
            }
        }
    }

    /// A chart row that is neither a year, the target, the rating nor a benchmark
    /// ("Number of Participants\t1,874") is a companion figure of the key measure for the
    /// same period: a measure of its own, named "<key measure>: <label>".
    fn companion_row(&mut self, key: &Observation, r: &ChartRow) {
        let label = title_text(&r.label);
        let name = format!("{}: {label}", key.measure_name);
        let obs = self.beside(key, name, key.period.clone(), r);
        if label.to_lowercase().starts_with("number") && obs.unit.as_deref() == Some("%") {
            let reason = format!(
                "chart row {label:?} of {:?} is printed as a percentage ({}) although it names a count; kept as printed",
                key.measure_name, r.value
            );
            // A doubt about a value that was read, not a loss.
            self.issue(r.idx, Severity::Info, reason);
        }
        self.push_observation(obs, r.idx);
    }

    /// A chart row's value as an observation of `name` for `period`, in the key measure's
    /// theme and objective (and, for the key measure itself, under its ref).
    fn beside(&self, key: &Observation, name: String, period: Period, r: &ChartRow) -> Observation {
        let same = name == key.measure_name;
        let id = if same {
            key.measure_id.clone()
        } else {
            measure_id(self.ctx.council_code, None, &name)
        };
        Observation {
            measure_ref: key.measure_ref.clone().filter(|_| same),
            objective_ref: key.objective_ref.clone(),
            theme: key.theme.clone(),
            frequency: key.frequency.clone(),
            ..Observation::new(id, name, period, self.lines[r.idx].no).printed(&r.value)
        }
    }
}
