//! What a report says about itself: its period, title, council and publication date, and the
//! theme (priority, outcome) each part of it belongs to.

use chrono::NaiveDate;
use lapis_model::period::{find_financial_year, parse_month};
use lapis_model::{Period, PeriodKind};

use crate::text::Line;

#[derive(Debug, Default)]
pub struct Meta {
    pub period: Option<Period>,
    pub title: String,
    pub council_name: Option<String>,
    pub published_at: Option<NaiveDate>,
}

/// The first "Quarter N" / "QN" in a line.
fn quarter_of(text: &str) -> Option<u8> {
    let lower = text.to_lowercase();
    if let Some(i) = lower.find("quarter ") {
        let d = lower[i + 8..].chars().next()?.to_digit(10)? as u8;
        return (1..=4).contains(&d).then_some(d);
    }
    crate::header::quarter_in(&lower)
}

/// The report's period from its opening lines: `Performance Report 2024 -2025 Quarter 1`,
/// `Quarter 2 2023-24`, `Annual Performance Results 2024/25`, `Council Plan Performance Report 2019/20`.
/// An annual or year-end report is quarter 4 of its year.
pub fn detect_period(lines: &[Line]) -> Option<Period> {
    let head: Vec<&Line> = lines
        .iter()
        .filter(|l| !l.is_blank() && !l.is_tabular())
        .take(30)
        .collect();
    let is_title = |t: &str| {
        let l = t.to_lowercase();
        (l.contains("report")
            || l.contains("quarter")
            || l.contains("results")
            || l.contains("performance"))
            && l.len() < 120
    };
    let mut year = None;
    let mut quarter = None;
    for (i, line) in head.iter().enumerate() {
        if !is_title(&line.text) {
            continue;
        }
        if year.is_none() {
            year = find_financial_year(&line.text).map(|(y, _, _)| y);
        }
        if quarter.is_none() {
            quarter = quarter_of(&line.text);
        }
        // "Performance Report" then "Quarter 2 2023-24" on the next line.
        if let Some(next) = head.get(i + 1) {
            if year.is_none() || quarter.is_none() {
                if year.is_none() {
                    year = find_financial_year(&next.text).map(|(y, _, _)| y);
                }
                if quarter.is_none() {
                    quarter = quarter_of(&next.text);
                }
            }
        }
        if year.is_some() && quarter.is_some() {
            break;
        }
    }
    let year = year?;
    Some(Period::quarter(
        PeriodKind::QuarterYtd,
        year,
        quarter.unwrap_or(4),
    ))
}

pub fn read_meta(lines: &[Line]) -> Meta {
    let period = detect_period(lines);
    let head: Vec<&Line> = lines
        .iter()
        .filter(|l| !l.is_blank() && !l.is_tabular())
        .take(12)
        .collect();
    let council_name = head.iter().find_map(|l| {
        let t = l.text.trim();
        let lower = t.to_lowercase();
        (t.len() < 60
            && [
                "county council",
                "city council",
                "borough council",
                "district council",
                "council",
            ]
            .iter()
            .any(|s| lower.ends_with(s)))
        .then(|| t.to_string())
    });
    let title = head
        .iter()
        .filter(|l| {
            let lower = l.text.to_lowercase();
            l.text.len() < 120
                && (lower.contains("report")
                    || lower.contains("results")
                    || lower.contains("council plan"))
        })
        .map(|l| l.text.trim().to_string())
        .take(3)
        .collect::<Vec<_>>()
        .join(" — ");
    let published_at = lines.iter().find_map(|l| {
        let t = l.text.trim();
        let rest = t.strip_prefix("Published ")?;
        let mut parts = rest.split_whitespace();
        let month = parse_month(parts.next()?)?;
        let year: i32 = parts.next()?.parse().ok()?;
        NaiveDate::from_ymd_opt(year, month, 1)
    });
    Meta {
        period,
        title,
        council_name,
        published_at,
    }
}

const SECTION_SUFFIXES: [&str; 5] = ["progress", "measure", "latest", "awaiting", "objective"];
const GENERIC: [&str; 22] = [
    "introduction",
    "achievements",
    "key to",
    "contents",
    "summary",
    "overview",
    "key measure",
    "progress on",
    "deliverable progress",
    "key measures",
    "comments",
    "notes",
    "key",
    "reporting performance",
    "performance",
    "trend",
    "measures",
    "deliverables",
    "key areas",
    "council plan",
    "council",
    "additional data",
];

/// The theme a heading names, if it names one: `Happy, Safe, and Healthy People - Latest Measure
/// Data` → `Happy, Safe, and Healthy People`; `# Resilient, healthy and safe communities` → itself.
fn theme_of_heading(text: &str, level: u8) -> Option<String> {
    let t = crate::text::title_text(text);
    for sep in [" – ", " - ", "- ", " —"] {
        if let Some(i) = t.find(sep) {
            let suffix = t[i + sep.len()..].to_lowercase();
            if SECTION_SUFFIXES.iter().any(|s| suffix.contains(s)) {
                return Some(t[..i].trim().to_string());
            }
        }
    }
    if let Some(theme) = theme_of_section_title(text) {
        return Some(theme);
    }
    let lower = t.to_lowercase();
    let generic = GENERIC
        .iter()
        .any(|g| lower == *g || lower.starts_with(&format!("{g} ")) || lower.ends_with(" council"));
    (level == 1 && !generic && t.len() < 100).then(|| t.to_string())
}

/// The theme a section title names by the words of its section ("Happy, Safe, and Healthy
/// People - Latest Measure Data").
fn theme_of_section_title(text: &str) -> Option<String> {
    let t = crate::text::title_text(text);
    [
        " Measures awaiting data",
        " Latest Measure Data",
        " Progress for Strategic Objectives",
    ]
    .iter()
    .find_map(|suffix| t.find(suffix))
    .map(|i| {
        t[..i]
            .trim()
            .trim_end_matches(['-', '–', ' '])
            .trim()
            .to_string()
    })
}

/// The theme in force at each line.
pub fn themes(lines: &[Line]) -> Vec<Option<String>> {
    let mut out = Vec::with_capacity(lines.len());
    let mut current: Option<String> = None;
    for (i, line) in lines.iter().enumerate() {
        if let Some(level) = line.heading {
            if !crate::prose::is_deliverable_title(lines, i) {
                if let Some(t) = theme_of_heading(&line.text, level) {
                    current = Some(t);
                }
            }
        } else if line.bold && !line.is_tabular() {
            // A section title set in bold type of body size (as a PDF prints a Word heading
            // of the third level): only a title with its section's own words names a theme.
            if let Some(t) = theme_of_section_title(&line.text) {
                current = Some(t);
            }
        } else if !line.is_tabular()
            && line
                .text
                .trim()
                .eq_ignore_ascii_case("progress on our deliverables")
        {
            // 2019/20: the priority is the plain line before "Progress on our deliverables".
            if let Some(prev) = lines[..i].iter().rev().find(|l| !l.is_blank()) {
                current = Some(prev.text.trim().to_string());
            }
        }
        out.push(current.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_from_titles() {
        let p = detect_period(&crate::text::lines(
            "# Derbyshire County Council\n## Performance Report 2024 -2025 Quarter 1",
        ))
        .unwrap();
        assert_eq!(p.label, "2024-25 Q1");
        let p = detect_period(&crate::text::lines(
            "## Council Plan 2023-25\n\nPerformance Report  \nQuarter 2 2023-24",
        ))
        .unwrap();
        assert_eq!(p.label, "2023-24 Q2");
        let p = detect_period(&crate::text::lines(
            "Derby City Council\n\nAnnual Performance Results 2024/25",
        ))
        .unwrap();
        assert_eq!(p.label, "2024-25 Q4");
        let p = detect_period(&crate::text::lines(
            "Council Plan Performance Report 2019/20\nDeliverable Progress",
        ))
        .unwrap();
        assert_eq!(p.label, "2019-20 Q4");
        assert!(detect_period(&crate::text::lines("hello\nworld")).is_none());
    }

    #[test]
    fn theme_headings() {
        assert_eq!(
            theme_of_heading("Happy, Safe, and Healthy People - Latest Measure Data", 2).as_deref(),
            Some("Happy, Safe, and Healthy People")
        );
        assert_eq!(
            theme_of_heading(
                "High Quality Public Services- Progress for Strategic Objectives",
                2
            )
            .as_deref(),
            Some("High Quality Public Services")
        );
        assert_eq!(
            theme_of_heading("Council Plan – Base plan 2024-25", 2),
            None
        );
        assert_eq!(
            theme_of_heading("Resilient, healthy and safe communities", 1).as_deref(),
            Some("Resilient, healthy and safe communities")
        );
        assert_eq!(theme_of_heading("Summary", 1), None);
        assert_eq!(theme_of_heading("Derbyshire County Council", 1), None);
    }
}
