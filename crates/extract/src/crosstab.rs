//! Cross tables: figures labelled by their row and by one or two header rows, with no column
//! header the measure-table vocabulary knows.
//!
//! ```text
//! **Additional Data as at August 2023**
//!
//!                       Number of schools           Percentage of pupils
//!                       Primary     Secondary       Primary     Secondary
//! Outstanding           25          3               6.4%        9.9%
//! Good or better - Derbyshire   84.6%   62.2%       85.3%       65.4%
//! Good or better - National     90.0%   81.4%       91.8%       83.1%
//! ```
//! Every figure is a value of the measure its column and row name ("Number of schools –
//! Primary: Outstanding"), as at the date the caption above the table prints (else in the
//! report's own quarter). A row whose label ends in a benchmark place ("… - National") is the
//! benchmark of the row with the same label for the council's own area, figure by figure.

use lapis_model::period::parse_month_year;
use lapis_model::value::parse_value;
use lapis_model::{measure_id, Observation, Period, PeriodKind};

use crate::layout::is_figure;
use crate::text::title_text;
use crate::Engine;

/// Row-label endings that name a comparator rather than the council's own area.
const BENCHMARK_PLACES: &[&str] = &[
    "national",
    "england",
    "national average",
    "england average",
    "statistical neighbours",
    "statistical neighbour average",
    "regional",
    "region",
];

/// Splits "Good or better - National" into ("Good or better", "National") when the ending is a
/// benchmark place.
fn benchmark_label(label: &str) -> Option<(&str, &str)> {
    let (prefix, place) = label.rsplit_once(" - ").or(label.rsplit_once(" – "))?;
    BENCHMARK_PLACES
        .contains(&place.trim().to_lowercase().as_str())
        .then(|| (prefix.trim(), place.trim()))
}

/// Whether `label` is `prefix` followed by a dash and a place ("Good or better - Derbyshire").
fn names_place_after(label: &str, prefix: &str) -> bool {
    label
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.trim_start().starts_with(['-', '–']))
}

/// The month an "as at August 2023" caption names.
fn as_at(caption: &str) -> Option<(i32, u32)> {
    let lower = caption.to_ascii_lowercase();
    let at = lower.find("as at ")? + "as at ".len();
    let words: Vec<&str> = caption[at..].split_whitespace().take(3).collect();
    (1..=words.len())
        .rev()
        .find_map(|n| parse_month_year(&words[..n].join(" ")).map(|(y, m, _)| (y, m)))
}

impl Engine<'_> {
    /// Reads every block of tab-separated lines no other reader took that has the shape of a
    /// cross table; other blocks are left for the leftovers report.
    pub(crate) fn read_crosstabs(&mut self) {
        let mut i = 0;
        while i < self.lines.len() {
            if self.used[i] || !self.lines[i].is_tabular() {
                i += 1;
                continue;
            }
            let run = |from: usize| {
                let mut j = from;
                while j < self.lines.len() && self.lines[j].is_tabular() && !self.used[j] {
                    j += 1;
                }
                j
            };
            let mut j = run(i);
            let mut group: Vec<usize> = (i..j).collect();
            let mut repeated: Vec<usize> = Vec::new();
            // The table goes on after a page break under its header printed again: the header's
            // lines are left out, the rows read with the rest.
            loop {
                let mut k = j;
                while k < self.lines.len()
                    && self.lines[k].is_blank()
                    && !self.lines[k].is_tabular()
                {
                    k += 1;
                }
                let first = &self.lines[i];
                if k == j || k >= self.lines.len() || self.lines[k].cells != first.cells {
                    break;
                }
                let end = run(k);
                let header = (i..j)
                    .zip(k..end)
                    .take_while(|(a, b)| {
                        self.lines[*a].cells == self.lines[*b].cells
                            && self.lines[*a].cells[0].is_empty()
                    })
                    .count();
                group.extend(k + header..end);
                repeated.extend(k..k + header);
                j = end;
            }
            // Its header printed again inside the run (the page break between was furniture).
            let header: Vec<&Vec<String>> = group
                .iter()
                .map(|k| &self.lines[*k].cells)
                .take_while(|c| c[0].is_empty())
                .collect();
            let again =
                |n: usize, k: usize| n >= header.len() && header.contains(&&self.lines[k].cells);
            repeated.extend(
                group
                    .iter()
                    .enumerate()
                    .filter(|(n, k)| again(*n, **k))
                    .map(|(_, k)| *k),
            );
            let group: Vec<usize> = group
                .iter()
                .enumerate()
                .filter(|(n, k)| !again(*n, **k))
                .map(|(_, k)| *k)
                .collect();
            if self.read_crosstab(&group) {
                for k in repeated {
                    self.used[k] = true;
                }
            }
            i = j;
        }
    }

    /// Reads one cross table; whether it was one.
    fn read_crosstab(&mut self, group: &[usize]) -> bool {
        let start = group[0];
        let lines: Vec<&crate::text::Line> = group.iter().map(|k| &self.lines[*k]).collect();
        let headers = lines
            .iter()
            .take_while(|l| {
                l.cells[0].is_empty()
                    && l.cells[1..].iter().any(|c| !c.is_empty())
                    && l.cells[1..].iter().all(|c| c.is_empty() || !is_figure(c))
            })
            .count();
        // A table of contents ("\tPage" over "Introduction\t3") holds page numbers, not facts.
        let contents = lines[..headers].iter().all(|l| {
            l.cells[1..].iter().filter(|c| !c.is_empty()).all(|c| {
                matches!(
                    c.to_lowercase().as_str(),
                    "page" | "page no" | "page no." | "page number" | "pages"
                )
            })
        });
        if headers > 0 && contents {
            return false;
        }
        let body = &lines[headers..];
        let is_body_row = |cells: &[String]| {
            !cells[0].is_empty()
                && !is_figure(&cells[0])
                && cells[1..].iter().any(|c| is_figure(c))
                && cells[1..].iter().all(|c| c.is_empty() || is_figure(c))
        };
        if !(1..=2).contains(&headers)
            || body.len() < 2
            || !body.iter().all(|l| is_body_row(&l.cells))
        {
            return false;
        }
        let width = lines.iter().map(|l| l.cells.len()).max().unwrap_or(0);
        // A group header spans the columns up to its next neighbour.
        let column_name = |col: usize| -> String {
            let parts: Vec<&str> = lines[..headers]
                .iter()
                .enumerate()
                .filter_map(|(h, l)| {
                    if h + 1 == headers {
                        l.cells.get(col).map(String::as_str)
                    } else {
                        (1..=col.min(l.cells.len().saturating_sub(1)))
                            .rev()
                            .map(|c| l.cells[c].as_str())
                            .find(|c| !c.is_empty())
                    }
                })
                .filter(|p| !p.is_empty())
                .collect();
            parts.join(" – ")
        };
        let columns: Vec<String> = (0..width).map(column_name).collect();
        let body_rows = body.len();
        self.feature("crosstabs");
        self.read.tables += 1;
        self.read.rows += body_rows;
        let caption = (start.saturating_sub(3)..start)
            .rev()
            .find(|k| !self.lines[*k].is_blank())
            .filter(|k| self.lines[*k].bold || self.lines[*k].heading.is_some())
            .map(|k| title_text(&self.lines[k].text));
        let period = match caption.as_deref().and_then(as_at) {
            Some((y, m)) => Period::as_at_month(PeriodKind::Snapshot, y, m),
            None => Period::quarter(
                PeriodKind::QuarterYtd,
                self.period.year,
                self.period.quarter.unwrap_or(4),
            ),
        };
        let rows: Vec<(usize, Vec<String>)> = group[headers..]
            .iter()
            .map(|k| (*k, self.lines[*k].cells.clone()))
            .collect();
        for (k, cells) in &rows {
            self.used[*k] = true;
            let label = cells[0].as_str();
            // A comparator row whose own-area row is in the table is read as its benchmark.
            let own_area = |prefix: &str| {
                rows.iter().find(|(_, c)| {
                    c[0] != label
                        && benchmark_label(&c[0]).is_none()
                        && names_place_after(&c[0], prefix)
                })
            };
            if benchmark_label(label).is_some_and(|(prefix, _)| own_area(prefix).is_some()) {
                continue;
            }
            let comparator = rows.iter().find(|(_, c)| {
                benchmark_label(&c[0]).is_some_and(|(prefix, _)| names_place_after(label, prefix))
            });
            for (col, cell) in cells.iter().enumerate().skip(1) {
                if cell.is_empty() {
                    continue;
                }
                let name = match columns.get(col).filter(|c| !c.is_empty()) {
                    Some(column) => format!("{column}: {label}"),
                    None => label.to_string(),
                };
                let bench = comparator
                    .and_then(|(_, c)| c.get(col))
                    .filter(|c| !c.is_empty());
                let obs = Observation {
                    theme: self.themes[*k].clone(),
                    benchmark: bench.and_then(|b| parse_value(b)).and_then(|p| p.number),
                    benchmark_text: bench.cloned(),
                    benchmark_group: comparator
                        .and_then(|(_, c)| benchmark_label(&c[0]))
                        .map(|(_, place)| place.to_string()),
                    ..Observation::new(
                        measure_id(self.ctx.council_code, None, &name),
                        name,
                        period.clone(),
                        self.lines[*k].no,
                    )
                    .printed(cell)
                };
                self.push_observation(obs, *k);
            }
        }
        for k in &group[..headers] {
            self.used[*k] = true;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captions_and_comparators() {
        assert_eq!(as_at("Additional Data as at August 2023"), Some((2023, 8)));
        assert_eq!(as_at("Position as at 31 March 2024"), Some((2024, 3)));
        assert_eq!(as_at("Additional data"), None);
        assert_eq!(as_at("İİ data as at August 2023"), Some((2023, 8)));
        assert_eq!(
            benchmark_label("Good or better - National"),
            Some(("Good or better", "National"))
        );
        assert_eq!(benchmark_label("Good or better - Derbyshire"), None);
    }
}
