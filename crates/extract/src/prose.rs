//! Deliverables written as prose: a title line followed by `Rating: Good (Strong in Q1)` and
//! `Expected completion date: 31 Mar 2024` (or `Completed: 30 Sep 2023`) lines, then comment
//! paragraphs; and, in reports without rating lines, deliverables marked only by an icon.
//! Headline "tiles" (`34.0%` / name / `31 DEC 19`) are recognised so that they are accounted for.

use lapis_model::period::{parse_date, parse_month_year};
use lapis_model::rating::parse_rating;
use lapis_model::value::parse_value;
use lapis_model::Rating;
use lapis_model::{measure_id, ObjectiveKind, ObjectiveUpdate, Observation, Period, Severity};

use crate::text::{leading_icon, title_text, Line};
use crate::Engine;

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// How a template may introduce a deliverable's rating. `Rating:` always starts a rating line;
/// the others only when a rating word follows ("Status: Good", not "Status: the plan is…").
const RATING_PREFIXES: &[&str] = &[
    "rating:",
    "progress rating:",
    "overall rating:",
    "rag rating:",
    "rag status:",
    "status:",
    "progress:",
];

/// The length of the rating prefix a line starts with, if it is a rating line.
fn rating_prefix(line: &Line) -> Option<usize> {
    if line.is_tabular() {
        return None;
    }
    let t = line.text.trim();
    let p = RATING_PREFIXES.iter().find(|p| starts_with_ci(t, p))?;
    let rated = || {
        parse_rating(split_completion(&t[p.len()..]).0)
            .rating
            .is_some()
    };
    (*p == "rating:" || rated()).then_some(p.len())
}

fn is_rating_line(line: &Line) -> bool {
    rating_prefix(line).is_some()
}

/// How a template may introduce a deliverable's dates, lower-cased: a completion
/// ("Completed: 30 Sep 2023", kept as status), an original date (kept as status) or the date
/// expected.
const COMPLETION_KEYS: &[&str] = &[
    "expected completion date:",
    "expected completion:",
    "target completion date:",
    "target date:",
    "due date:",
    "completion date:",
    "completed:",
    "original completion",
];

fn next_non_blank(lines: &[Line], i: usize, within: usize) -> Option<usize> {
    (i + 1..lines.len().min(i + 1 + within)).find(|j| !lines[*j].is_blank())
}

/// Whether line `i` is the title of a prose deliverable (its next non-blank line is `Rating:`).
pub fn is_deliverable_title(lines: &[Line], i: usize) -> bool {
    !lines[i].is_blank() && next_non_blank(lines, i, 4).is_some_and(|j| is_rating_line(&lines[j]))
}

/// A headline tile starting at line `i`: (value line, name line, date line).
pub fn tile_at(lines: &[Line], i: usize) -> Option<(usize, usize, usize)> {
    let l = &lines[i];
    if l.is_tabular() || l.is_blank() {
        return None;
    }
    let t = l.text.trim();
    let is_value = t.len() <= 20
        && (parse_value(t).is_some_and(|v| v.number.is_some()) || starts_with_ci(t, "no data"));
    if !is_value {
        return None;
    }
    let n = next_non_blank(lines, i, 3)?;
    let d = next_non_blank(lines, n, 3)?;
    let date_ok = parse_month_year(lines[d].text.trim()).is_some_and(|(_, _, day)| day.is_some());
    (date_ok && !lines[n].is_tabular() && lines[n].text.len() < 120).then_some((i, n, d))
}

/// Splits `Good (Review in Q1) Expected completion date: 31 Mar 2024` into the rating part and
/// the completion part.
fn split_completion(text: &str) -> (&str, Option<&str>) {
    let lower = text.to_ascii_lowercase();
    match COMPLETION_KEYS.iter().filter_map(|k| lower.find(k)).min() {
        Some(i) => (text[..i].trim(), Some(text[i..].trim())),
        None => (text.trim(), None),
    }
}

/// The rating a deliverable's own text states: `The status for this deliverable has changed to
/// "requiring action"` → action. Only that explicit form counts; an icon alone says nothing
/// certain (the 2019/20 key's icons are lost in its text).
fn stated_rating(paragraph: &str) -> Option<Rating> {
    let lower = paragraph.to_lowercase();
    let at = ["status for this deliverable", "status of this deliverable"]
        .iter()
        .find_map(|p| lower.find(p).map(|i| i + p.len()))?;
    let rest = &lower[at..];
    let rest = [
        "has changed to",
        "has been changed to",
        "is now",
        "has moved to",
    ]
    .iter()
    .find_map(|p| rest.trim_start().strip_prefix(p))?;
    let words: String = rest
        .trim_start()
        .trim_start_matches(['"', '\'', '‘', '“'])
        .chars()
        .take_while(|c| c.is_alphabetic() || *c == ' ')
        .collect();
    let words = words.trim();
    let word = words.strip_prefix("requiring ").unwrap_or(words);
    Rating::from_word(word.split_whitespace().next()?)
}

impl Engine<'_> {
    /// Reads `Rating:` deliverables; returns whether the report has any.
    pub(crate) fn read_prose_deliverables(&mut self) -> bool {
        let anchors: Vec<usize> = (0..self.lines.len())
            .filter(|i| is_rating_line(&self.lines[*i]))
            .collect();
        if anchors.is_empty() {
            return false;
        }
        self.feature("prose");
        for &r in &anchors {
            let Some(t) = (0..r).rev().find(|j| !self.lines[*j].is_blank()) else {
                self.issue(
                    r,
                    Severity::Warning,
                    "rating line with no deliverable title before it",
                );
                continue;
            };
            let title = title_text(&self.lines[t].text);
            let icon = leading_icon(&self.lines[t].text);
            let rating_line = self.lines[r].text.trim();
            let prefix = rating_prefix(&self.lines[r]).unwrap_or(0);
            let (rating_part, mut completion_part) = split_completion(&rating_line[prefix..]);
            let parsed = parse_rating(rating_part);
            let mut expected = None;
            let mut status = Vec::new();
            // Completion lines follow the rating line.
            let mut j = r;
            let mut end = r;
            loop {
                if let Some(c) = completion_part.take() {
                    let lower = c.to_lowercase();
                    let date = c.split_once(':').and_then(|(_, d)| parse_date(d.trim()));
                    if lower.starts_with("completed") {
                        status.push(c.to_string());
                        expected = expected.or(date);
                    } else if lower.starts_with("original") {
                        status.push(c.to_string());
                    } else {
                        expected = date.or(expected);
                    }
                }
                match next_non_blank(&self.lines, j, 3) {
                    Some(n) if !self.lines[n].is_tabular() => {
                        let text = self.lines[n].text.trim();
                        let lower = text.to_lowercase();
                        if COMPLETION_KEYS.iter().any(|k| lower.starts_with(k)) {
                            completion_part = Some(text);
                            self.used[n] = true;
                            j = n;
                            end = n;
                            continue;
                        }
                        break;
                    }
                    _ => break,
                }
            }
            // Comment: the paragraphs up to the next deliverable, heading, tile or table.
            let mut comment = Vec::new();
            let mut k = end + 1;
            while k < self.lines.len() {
                let l = &self.lines[k];
                if l.is_tabular()
                    || l.heading.is_some()
                    || is_deliverable_title(&self.lines, k)
                    || tile_at(&self.lines, k).is_some()
                {
                    break;
                }
                if l.bold
                    && !l.is_blank()
                    && k + 1 < self.lines.len()
                    && !comment.is_empty()
                    && l.text.len() < 200
                {
                    break;
                }
                if !l.is_blank() {
                    comment.push(l.text.trim().to_string());
                }
                k += 1;
            }
            self.used[t] = true;
            self.used[r] = true;
            self.objectives.push(ObjectiveUpdate {
                objective_ref: None,
                kind: ObjectiveKind::Deliverable,
                title,
                theme: self.themes[t].clone(),
                expected_completion: expected,
                rating: parsed.rating,
                rating_text: Some(match icon {
                    Some(i) => format!("{i} {}", parsed.text),
                    None => parsed.text.clone(),
                }),
                previous_rating: parsed.previous,
                status_text: (!status.is_empty()).then(|| status.join("; ")),
                risk_score: parsed.risk_score,
                comment: (!comment.is_empty()).then(|| comment.join("\n")),
                source_line: self.lines[t].no,
                source_page: None,
                source_table: None,
            });
        }
        true
    }

    /// Reads deliverables marked only by an icon (the 2019/20 layout). The icon is kept as the
    /// rating text; no rating word is guessed from it.
    pub(crate) fn read_icon_deliverables(&mut self) {
        let mut in_deliverables = false;
        let mut i = 0;
        while i < self.lines.len() {
            let line = self.lines[i].clone();
            let lower = line.text.trim().to_lowercase();
            if lower == "progress on our deliverables" {
                in_deliverables = true;
                i += 1;
                continue;
            }
            if lower.starts_with("key measures summary") {
                in_deliverables = false;
            }
            if let Some((v, n, d)) = tile_at(&self.lines, i) {
                let value = self.lines[v].text.trim().to_string();
                let repeated = self
                    .observations
                    .iter()
                    .any(|o| o.value_text.as_deref() == Some(value.as_str()));
                if repeated {
                    let reason = format!(
                        "headline tile {value:?} ({}); the same figure is in a measure table",
                        self.lines[n].text.trim()
                    );
                    self.issue(v, Severity::Info, reason);
                } else {
                    self.tile_observation(v, n, d);
                }
                self.used[v] = true;
                self.used[n] = true;
                self.used[d] = true;
                i = d + 1;
                continue;
            }
            if line.is_tabular() || line.is_blank() || line.heading.is_some() {
                i += 1;
                continue;
            }
            let icon = leading_icon(&line.text);
            let text = line.text.trim();
            let next_is_paragraph = next_non_blank(&self.lines, i, 3).is_some_and(|n| {
                !self.lines[n].is_tabular()
                    && tile_at(&self.lines, n).is_none()
                    && self.lines[n].text.len() > 120
            });
            let titled = icon.is_some() && text.len() < 300
                || in_deliverables
                    && text.len() < 200
                    && !text.ends_with('.')
                    && !text.ends_with(':')
                    && next_is_paragraph;
            if !titled || !next_is_paragraph && icon.is_none() {
                i += 1;
                continue;
            }
            self.feature("icons");
            let title = title_text(text);
            let mut comment = Vec::new();
            let mut k = i + 1;
            while k < self.lines.len() {
                let l = &self.lines[k];
                if l.is_tabular()
                    || l.heading.is_some()
                    || tile_at(&self.lines, k).is_some()
                    || leading_icon(&l.text).is_some()
                {
                    break;
                }
                let t = l.text.trim();
                if !l.is_blank()
                    && t.len() < 200
                    && !t.ends_with('.')
                    && next_non_blank(&self.lines, k, 3).is_some_and(|n| {
                        self.lines[n].text.len() > 120 && !self.lines[n].is_tabular()
                    })
                    && !comment.is_empty()
                {
                    break;
                }
                if t.to_lowercase().starts_with("key measures")
                    || t.eq_ignore_ascii_case("progress on our deliverables")
                {
                    break;
                }
                if !l.is_blank() {
                    comment.push(t.to_string());
                }
                k += 1;
            }
            self.used[i] = true;
            let rating = comment.iter().find_map(|c| stated_rating(c));
            self.objectives.push(ObjectiveUpdate {
                objective_ref: None,
                kind: ObjectiveKind::Deliverable,
                title,
                theme: self.themes[i].clone(),
                expected_completion: None,
                rating,
                rating_text: icon,
                previous_rating: None,
                status_text: None,
                risk_score: None,
                comment: (!comment.is_empty()).then(|| comment.join("\n")),
                source_line: line.no,
                source_page: None,
                source_table: None,
            });
            i = k;
        }
    }

    /// A headline tile no table repeats (`No Data 31 Mar 20` / name / `31 MAR 20`): a value of
    /// the measure it names for the financial year its date falls in, as the report's tables
    /// print the figures its other tiles repeat.
    fn tile_observation(&mut self, v: usize, n: usize, d: usize) {
        let Some((y, m, _)) = parse_month_year(self.lines[d].text.trim()) else {
            return;
        };
        let (year, _) = lapis_model::period::financial_quarter_of_month(y, m);
        let name = title_text(&self.lines[n].text);
        let obs = Observation {
            theme: self.themes[v].clone(),
            ..Observation::new(
                measure_id(self.ctx.council_code, None, &name),
                name,
                Period::financial_year(year),
                self.lines[v].no,
            )
            .printed(self.lines[v].text.trim())
        };
        self.push_observation(obs, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_split_where_printed() {
        // "İ" lower-cases to 3 bytes from 2: a position in the lower-cased text must not cut
        // the printed one.
        assert_eq!(
            split_completion("İ Good Expected completion date: 31 Mar 2024"),
            ("İ Good", Some("Expected completion date: 31 Mar 2024"))
        );
    }

    #[test]
    fn ratings_stated_in_a_deliverables_text() {
        let p = "The status for this deliverable has changed to \"requiring action\" as the pandemic will lead to slippage.";
        assert_eq!(stated_rating(p), Some(Rating::Action));
        assert_eq!(
            stated_rating("The status of this deliverable is now Good."),
            Some(Rating::Good)
        );
        assert_eq!(
            stated_rating("Requiring action on the status of roads."),
            None
        );
        assert_eq!(
            stated_rating("The status for this deliverable has changed to reflect the delay."),
            None
        );
    }
}
