//! The vocabulary of column headers: what each printed header means, whatever its wording or
//! position. Layout drift (renamed, reordered, added or missing columns) is absorbed here.

use lapis_model::period::{find_financial_year, parse_month_year};
use lapis_model::vocabulary::normalise_header;
use lapis_model::{ColumnRole, Vocabulary};

/// Which period a value column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueColumn {
    /// The report's own period ("Latest data (YTD)", "Latest Quarter 2025-26 (YTD)", "Quarter 2").
    Current,
    /// The same quarter of an earlier financial year ("Same quarter 2022-2023 (YTD)").
    SameQuarter(i32),
    /// A whole financial year ("2022-2023 Year End", "2017/2018").
    Year(i32),
    /// "2023 24 actual": the year's figure at the report's quarter (Derby City).
    YearActual(i32),
    /// "2024 25 Q4 actual".
    YearQuarter(i32, u8),
    /// "Actual" with the period in a separate "Date" column.
    Dated,
    /// "Quarter 2", "Q2": that quarter of the report's year.
    Quarter(u8),
    /// "Last quarter", "Previous period": the quarter before the report's.
    PreviousQuarter,
    /// "Previous year", "Last year": the whole financial year before the report's.
    PreviousYear,
    /// "Same period last year".
    SameQuarterLastYear,
    /// "Year end" with no year: the report's year, in a report for the whole year.
    YearEnd,
}

/// What a column means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Ref,
    /// "Strategic Objective" in a table that also has a measure column: the objective's ref.
    ObjectiveRef,
    /// A measure's or objective's name ("Measure", "Description", "Strategic Objective").
    Name,
    Completion,
    Progress,
    Comment,
    Value(ValueColumn),
    /// A target, for the current period or (with a year) for a whole financial year.
    Target(Option<i32>),
    Rating,
    AsAt,
    Benchmark,
    BenchmarkGroup,
    Frequency,
    Direction,
    Theme,
    Date,
    Owner,
    /// A column the vocabulary says holds no fact lapis reads.
    Ignore,
    Unknown,
}

impl Role {
    pub fn is_value_like(self) -> bool {
        matches!(
            self,
            Role::Value(_)
                | Role::Target(_)
                | Role::Rating
                | Role::Benchmark
                | Role::Completion
                | Role::Progress
                | Role::Date
        )
    }
}

/// The first `qN` (N = 1–4) standing alone in lower-cased text.
pub(crate) fn quarter_in(h: &str) -> Option<u8> {
    let b = h.as_bytes();
    (0..b.len().saturating_sub(1)).find_map(|i| {
        let prev_ok = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let next_ok = i + 2 >= b.len() || !b[i + 2].is_ascii_alphanumeric();
        (b[i] == b'q' && (b'1'..=b'4').contains(&b[i + 1]) && prev_ok && next_ok)
            .then(|| b[i + 1] - b'0')
    })
}

/// Reads one header cell through the vocabulary. `has_measure_column` disambiguates
/// "Strategic Objective" (a name, or the ref of the objective a measure serves).
pub fn role_of(header: &str, has_measure_column: bool, vocab: &Vocabulary) -> Role {
    let h = normalise_header(header);
    if h.is_empty() {
        return Role::Unknown;
    }
    // "2025 to 2026" is the year 2025-26.
    let h = h.replace(" to 20", "-20");
    let h = h.as_str();
    let year = find_financial_year(h).map(|(y, _, _)| y);
    let ytd = vocab
        .periods
        .year_to_date
        .iter()
        .any(|w| h.contains(w.as_str()));
    let rule = match vocab.column_rule(h) {
        Some(ColumnRole::Period) => match period_column(h, year, ytd, vocab) {
            Some(vc) => return Role::Value(vc),
            None => vocab.column_rule_after_period(h),
        },
        other => other,
    };
    match rule {
        None | Some(ColumnRole::Period) => Role::Unknown,
        Some(ColumnRole::Ref) => Role::Ref,
        Some(ColumnRole::Objective) => {
            if has_measure_column {
                Role::ObjectiveRef
            } else {
                Role::Name
            }
        }
        Some(ColumnRole::Name) => Role::Name,
        Some(ColumnRole::Owner) => Role::Owner,
        Some(ColumnRole::Completion) => Role::Completion,
        Some(ColumnRole::Progress) => Role::Progress,
        Some(ColumnRole::Comment) => Role::Comment,
        Some(ColumnRole::Target) => match (
            ytd || quarter_in(h).is_some() || h.contains("quarter"),
            year,
        ) {
            (false, Some(y)) => Role::Target(Some(y)),
            _ => Role::Target(None),
        },
        Some(ColumnRole::Rating) => Role::Rating,
        Some(ColumnRole::AsAt) => Role::AsAt,
        Some(ColumnRole::Benchmark) => Role::Benchmark,
        Some(ColumnRole::BenchmarkGroup) => Role::BenchmarkGroup,
        Some(ColumnRole::Frequency) => Role::Frequency,
        Some(ColumnRole::Direction) => Role::Direction,
        Some(ColumnRole::Theme) => Role::Theme,
        Some(ColumnRole::Date) => Role::Date,
        Some(ColumnRole::Value) => Role::Value(ValueColumn::Dated),
        Some(ColumnRole::Ignore) => Role::Ignore,
        Some(ColumnRole::SamePeriod) => match year {
            Some(y) => Role::Value(ValueColumn::SameQuarter(y)),
            None if h.contains("last year")
                || h.contains("previous year")
                || h.contains("a year ago") =>
            {
                Role::Value(ValueColumn::SameQuarterLastYear)
            }
            None => Role::Unknown,
        },
        Some(ColumnRole::PreviousQuarter) => Role::Value(ValueColumn::PreviousQuarter),
        Some(ColumnRole::PreviousYear) => match year {
            Some(y) => Role::Value(ValueColumn::Year(y)),
            None => Role::Value(ValueColumn::PreviousYear),
        },
        Some(ColumnRole::Current) => Role::Value(ValueColumn::Current),
    }
}

/// A header that prints a period: a year with or without a quarter, a quarter, "Year end".
fn period_column(h: &str, year: Option<i32>, ytd: bool, vocab: &Vocabulary) -> Option<ValueColumn> {
    let quarter = quarter_in(h).or_else(|| quarter_word(h));
    if let Some(y) = year {
        if let Some(q) = quarter {
            return Some(ValueColumn::YearQuarter(y, q));
        }
        let actual = ["actual", "outturn", "result"]
            .iter()
            .any(|w| h.contains(w));
        if actual && !ytd {
            return Some(ValueColumn::YearActual(y));
        }
        return Some(ValueColumn::Year(y));
    }
    if let Some(q) = quarter {
        // "Quarter 2", "Q2": a quarter of the report's year, and nothing else in the header.
        let rest = h
            .replace(&format!("quarter {q}"), "")
            .replace(&format!("q{q}"), "");
        let rest_words = rest
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| {
                !w.is_empty()
                    && ![
                        "ytd",
                        "data",
                        "actual",
                        "value",
                        "result",
                        "performance",
                        "position",
                    ]
                    .contains(w)
            })
            .count();
        if rest_words == 0 {
            return Some(ValueColumn::Quarter(q));
        }
    }
    if vocab
        .periods
        .year_end
        .iter()
        .any(|w| h.contains(w.as_str()))
    {
        return Some(ValueColumn::YearEnd);
    }
    None
}

/// "quarter 3" → 3.
fn quarter_word(h: &str) -> Option<u8> {
    let at = h.find("quarter ")? + "quarter ".len();
    let d = h[at..].chars().next()?;
    let next_ok = h[at + 1..]
        .chars()
        .next()
        .is_none_or(|c| !c.is_alphanumeric());
    (('1'..='4').contains(&d) && next_ok).then(|| d as u8 - b'0')
}

/// The roles of a header row, or `None` if the row is not a header we understand.
///
/// A header must name something (a name column, or an empty first cell before period columns)
/// and say at least one thing about it.
pub fn header_roles(cells: &[String], vocab: &Vocabulary) -> Option<Vec<Role>> {
    // A header names columns in a few words: a row with a sentence in it, or with fewer than
    // three cells, is not one (checked first: most rows asked about are data rows).
    let filled = cells.iter().filter(|c| !c.is_empty()).count();
    let sentence = cells.iter().any(|c| c.split_whitespace().count() > 8);
    if filled < 3 || sentence {
        return None;
    }
    let has_measure = cells.iter().any(|c| {
        let l = c.to_lowercase();
        l.contains("measure") || l.contains("indicator") || l.contains("kpi")
    });
    let mut roles: Vec<Role> = cells
        .iter()
        .map(|c| role_of(c, has_measure, vocab))
        .collect();
    // A table whose first header cell is empty and whose other headers are periods: the first
    // column holds names (the 2019/20 summary tables, "Quarter 2 / Target / Performance").
    if cells.first().is_some_and(|c| c.is_empty())
        && roles
            .iter()
            .skip(1)
            .filter(|r| matches!(r, Role::Value(_) | Role::Target(_) | Role::Rating))
            .count()
            >= 2
    {
        roles[0] = Role::Name;
    }
    let substantive = roles.iter().any(|r| {
        matches!(
            r,
            Role::Ref | Role::ObjectiveRef | Role::Value(_) | Role::Target(_) | Role::Completion
        )
    });
    let names = roles.iter().filter(|r| **r == Role::Name).count();
    let known = roles
        .iter()
        .filter(|r| !matches!(r, Role::Unknown | Role::Name))
        .count();
    let unknown = roles
        .iter()
        .zip(cells)
        .filter(|(r, c)| **r == Role::Unknown && !c.is_empty())
        .count();
    if substantive && names == 1 && known >= 1 && unknown <= 1.max((known + names) / 3) {
        Some(roles)
    } else {
        None
    }
}

/// Whether a header row is a quarter-by-quarter trend table (`\tJun 2023\tSep 2023\t…`).
pub fn trend_months(cells: &[String]) -> Option<Vec<Option<(i32, u32)>>> {
    if !cells.first().is_some_and(|c| c.is_empty()) {
        return None;
    }
    let months: Vec<Option<(i32, u32)>> = cells
        .iter()
        .skip(1)
        .map(|c| parse_month_year(c).map(|(y, m, _)| (y, m)))
        .collect();
    (months.iter().filter(|m| m.is_some()).count() >= 2).then_some(months)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(h: &str) -> Option<Vec<Role>> {
        header_roles(
            &h.split('\t').map(str::to_string).collect::<Vec<_>>(),
            Vocabulary::builtin(),
        )
    }

    #[test]
    fn derbyshire_quarterly_headers() {
        let r = roles("Strategic Objective\tMeasure\tSame quarter 2022-2023 (YTD)\tSame quarter 2023-2024 (YTD)\tLatest data (YTD)\tTarget for quarter (YTD)\tPerformance against target (YTD)\tLatest data as at\tLatest Benchmark (YTD)\tBenchmark Group\tReporting Frequency").unwrap();
        assert_eq!(r[0], Role::ObjectiveRef);
        assert_eq!(r[1], Role::Name);
        assert_eq!(r[2], Role::Value(ValueColumn::SameQuarter(2022)));
        assert_eq!(r[4], Role::Value(ValueColumn::Current));
        assert_eq!(r[5], Role::Target(None));
        assert_eq!(r[6], Role::Rating);
        assert_eq!(r[7], Role::AsAt);
        assert_eq!(r[8], Role::Benchmark);
        assert_eq!(r[9], Role::BenchmarkGroup);
        assert_eq!(r[10], Role::Frequency);
        let r = roles("Strategic Objective\tMeasure\t2022-2023 Year End\t2023-2024 Year End\t2024-2025 Target\tBenchmark\tBenchmark Group\tReporting Frequency").unwrap();
        assert_eq!(r[2], Role::Value(ValueColumn::Year(2022)));
        assert_eq!(r[4], Role::Target(Some(2024)));
        let r =
            roles("Number\tStrategic Objective\tExpected Completion\tProgress\tComments").unwrap();
        assert_eq!(
            r,
            vec![
                Role::Ref,
                Role::Name,
                Role::Completion,
                Role::Progress,
                Role::Comment
            ]
        );
        // Drifted wording.
        let r = roles("Measure\tLatest Quarter 2025-26 (YTD)\tTarget\tRAG rating").unwrap();
        assert_eq!(r[1], Role::Value(ValueColumn::Current));
    }

    #[test]
    fn derby_city_and_other_headers() {
        let r = roles("Ref\tDescription\t2023 24 actual\t2024 25 Q4 actual\tQ4 status\tTarget\tDoT\tCouncil Plan theme").unwrap();
        assert_eq!(r[2], Role::Value(ValueColumn::YearActual(2023)));
        assert_eq!(r[3], Role::Value(ValueColumn::YearQuarter(2024, 4)));
        assert_eq!(r[4], Role::Rating);
        assert_eq!(r[6], Role::Direction);
        assert_eq!(r[7], Role::Theme);
        let r = roles("\t2017/2018\t2018/2019\t2019/2020\tTarget\tPerformance").unwrap();
        assert_eq!(r[0], Role::Name);
        assert_eq!(r[3], Role::Value(ValueColumn::Year(2019)));
        let r = roles("Key Measure\tDate\tActual\tTarget\tPerformance").unwrap();
        assert_eq!(r[1], Role::Date);
        assert_eq!(r[2], Role::Value(ValueColumn::Dated));
        assert!(roles("Introduction\t3").is_none());
        assert!(roles("Rating\tStrategic Objective").is_none());
        assert!(trend_months(&["".into(), "Jun 2023".into(), "Sep 2023".into()]).is_some());
    }
}
