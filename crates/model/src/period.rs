//! Periods: financial quarters and years, academic and calendar years, months and snapshots.
//!
//! English councils report on the financial year (1 April to 31 March). A `Period` is the valid
//! time of a fact; its `year` is the start year of the financial or academic year (or the calendar
//! year), its `quarter` the financial quarter (Q1 = April–June).

use chrono::NaiveDate;

/// How a value relates to its period (DESIGN §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodKind {
    QuarterYtd,
    Quarter,
    Month,
    FinancialYear,
    AcademicYear,
    CalendarYear,
    Snapshot,
    Rolling12m,
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::QuarterYtd => "quarter_ytd",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Month => "month",
            PeriodKind::FinancialYear => "financial_year",
            PeriodKind::AcademicYear => "academic_year",
            PeriodKind::CalendarYear => "calendar_year",
            PeriodKind::Snapshot => "snapshot",
            PeriodKind::Rolling12m => "rolling_12m",
        }
    }
}

/// A period of valid time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Period {
    pub kind: PeriodKind,
    pub year: i32,
    pub quarter: Option<u8>,
    pub end: NaiveDate,
    pub label: String,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    // All callers pass month-end days that exist; fall back to the epoch rather than panic.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn fy_label(year: i32) -> String {
    format!("{}-{:02}", year, (year + 1).rem_euclid(100))
}

/// Last day of financial quarter `q` of the financial year starting in `year`.
pub fn quarter_end(year: i32, q: u8) -> NaiveDate {
    match q {
        1 => date(year, 6, 30),
        2 => date(year, 9, 30),
        3 => date(year, 12, 31),
        _ => date(year + 1, 3, 31),
    }
}

fn month_end(year: i32, month: u32) -> NaiveDate {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    date(ny, nm, 1).pred_opt().unwrap_or_default()
}

/// The financial year (start year) and quarter that contain a calendar month.
pub fn financial_quarter_of_month(year: i32, month: u32) -> (i32, u8) {
    match month {
        4..=6 => (year, 1),
        7..=9 => (year, 2),
        10..=12 => (year, 3),
        _ => (year - 1, 4),
    }
}

impl Period {
    pub fn financial_year(year: i32) -> Period {
        Period {
            kind: PeriodKind::FinancialYear,
            year,
            quarter: None,
            end: date(year + 1, 3, 31),
            label: fy_label(year),
        }
    }

    pub fn academic_year(year: i32) -> Period {
        Period {
            kind: PeriodKind::AcademicYear,
            year,
            quarter: None,
            end: date(year + 1, 8, 31),
            label: format!("AY {}", fy_label(year)),
        }
    }

    pub fn calendar_year(year: i32) -> Period {
        Period {
            kind: PeriodKind::CalendarYear,
            year,
            quarter: None,
            end: date(year, 12, 31),
            label: year.to_string(),
        }
    }

    /// A financial quarter of `kind` (`QuarterYtd`, `Quarter`, `Rolling12m` or `Snapshot`).
    pub fn quarter(kind: PeriodKind, year: i32, q: u8) -> Period {
        let q = q.clamp(1, 4);
        Period {
            kind,
            year,
            quarter: Some(q),
            end: quarter_end(year, q),
            label: format!("{} Q{}", fy_label(year), q),
        }
    }

    /// A value as at the end of a calendar month, placed in its financial quarter.
    pub fn month(kind: PeriodKind, year: i32, month: u32) -> Period {
        let (fy, q) = financial_quarter_of_month(year, month);
        let end = month_end(year, month);
        Period {
            kind,
            year: fy,
            quarter: Some(q),
            end,
            label: format!("{} Q{} ({})", fy_label(fy), q, end.format("%b %Y")),
        }
    }

    /// A value as at the end of a calendar month: the financial quarter itself when the month
    /// ends a quarter (`Jun-24` → 2024-25 Q1), otherwise that month within its quarter.
    pub fn as_at_month(kind: PeriodKind, year: i32, month: u32) -> Period {
        let p = Period::month(kind, year, month);
        match p.quarter {
            Some(q) if p.end == quarter_end(p.year, q) => Period::quarter(kind, p.year, q),
            _ => p,
        }
    }

    /// The same period one year earlier.
    pub fn year_before(&self) -> Period {
        match self.kind {
            PeriodKind::FinancialYear => Period::financial_year(self.year - 1),
            PeriodKind::AcademicYear => Period::academic_year(self.year - 1),
            PeriodKind::CalendarYear => Period::calendar_year(self.year - 1),
            kind => match self.quarter {
                Some(q) if self.end == quarter_end(self.year, q) => {
                    Period::quarter(kind, self.year - 1, q)
                }
                _ => {
                    use chrono::Datelike;
                    Period::month(kind, self.end.year() - 1, self.end.month())
                }
            },
        }
    }
}

/// Parses the start year of a financial year written `2024-25`, `2024-2025`, `2024/25`,
/// `2024 25`, `2024 -2025` or `2024/2025`. The second part must be the following year.
pub fn parse_financial_year(text: &str) -> Option<i32> {
    find_financial_year(text).map(|(y, _, _)| y)
}

/// Finds the first financial-year expression in `text`: (start year, byte start, byte end).
pub fn find_financial_year(text: &str) -> Option<(i32, usize, usize)> {
    let b = text.as_bytes();
    let mut i = 0;
    while i + 4 <= b.len() {
        if b[i..i + 4].iter().all(u8::is_ascii_digit) && (i == 0 || !b[i - 1].is_ascii_digit()) {
            let year: i32 = text[i..i + 4].parse().ok()?;
            // "2025 to 2026".
            let rest = &text[i + 4..];
            if let Some(next) = rest
                .strip_prefix(" to ")
                .and_then(|r| r.get(..4))
                .and_then(|d| d.parse::<i32>().ok())
            {
                if next == year + 1 {
                    return Some((year, i, i + 4 + 4 + 4));
                }
            }
            let mut j = i + 4;
            while j < b.len() && matches!(b[j], b' ' | b'-' | b'/' | b'\t') && j < i + 7 {
                j += 1;
            }
            if j > i + 4 {
                let mut k = j;
                while k < b.len() && b[k].is_ascii_digit() {
                    k += 1;
                }
                let digits = &text[j..k];
                let next = match digits.len() {
                    2 => digits.parse::<i32>().ok().map(|d| year / 100 * 100 + d),
                    4 => digits.parse::<i32>().ok(),
                    _ => None,
                };
                if let Some(next) = next {
                    if next == year + 1 || (digits.len() == 2 && next + 100 == year + 1) {
                        return Some((year, i, k));
                    }
                }
            }
            i += 4;
        } else {
            i += 1;
        }
    }
    None
}

/// Parses a month name or abbreviation (`Jun`, `June`, `SEP`).
pub fn parse_month(text: &str) -> Option<u32> {
    let t = text.trim().to_ascii_lowercase();
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    if t.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| t.starts_with(m))
        .map(|i| i as u32 + 1)
}

/// Parses `Jun-24`, `Sep-2023`, `Mar 2025`, `31 Mar 2024`, `31 DEC 22` into (year, month, day?).
pub fn parse_month_year(text: &str) -> Option<(i32, u32, Option<u32>)> {
    let parts: Vec<&str> = text
        .split(['-', ' ', '/'])
        .filter(|p| !p.is_empty())
        .collect();
    let (day, rest) = match parts.as_slice() {
        [d, m, y] if d.chars().all(|c| c.is_ascii_digit()) => (d.parse().ok(), [*m, *y]),
        [m, y] => (None, [*m, *y]),
        _ => return None,
    };
    let month = parse_month(rest[0])?;
    let y = rest[1];
    if !y.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let year: i32 = match y.len() {
        2 => 2000 + y.parse::<i32>().ok()?,
        4 => y.parse().ok()?,
        _ => return None,
    };
    Some((year, month, day))
}

/// Parses a date such as `31 Mar 2024` or `Mar 2025` (the last day of the month when no day).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let (y, m, d) = parse_month_year(text.trim())?;
    match d {
        Some(d) => NaiveDate::from_ymd_opt(y, m, d),
        None => Some(month_end(y, m)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn financial_year_spellings() {
        for t in [
            "2024-25",
            "2024-2025",
            "2024/25",
            "2024 25",
            "2024 -2025",
            "2024/2025",
            "Quarter 1 2024-25",
        ] {
            assert_eq!(parse_financial_year(t), Some(2024), "{t}");
        }
        assert_eq!(parse_financial_year("1999/00"), Some(1999));
        assert_eq!(parse_financial_year("2024-26"), None);
        assert_eq!(parse_financial_year("20244-25"), None);
    }

    #[test]
    fn quarters_end_on_financial_quarter_ends() {
        let p = Period::quarter(PeriodKind::QuarterYtd, 2024, 1);
        assert_eq!(p.end, NaiveDate::from_ymd_opt(2024, 6, 30).unwrap());
        assert_eq!(p.label, "2024-25 Q1");
        let q4 = Period::quarter(PeriodKind::Quarter, 2024, 4);
        assert_eq!(q4.end, NaiveDate::from_ymd_opt(2025, 3, 31).unwrap());
        assert_eq!(Period::financial_year(2023).label, "2023-24");
        assert_eq!(
            find_financial_year("Quarter 1 2025 to 2026"),
            Some((2025, 10, 22))
        );
        assert_eq!(
            Period::academic_year(2022).end,
            NaiveDate::from_ymd_opt(2023, 8, 31).unwrap()
        );
    }

    #[test]
    fn months_fall_in_financial_quarters() {
        let aug = Period::month(PeriodKind::QuarterYtd, 2023, 8);
        assert_eq!((aug.year, aug.quarter), (2023, Some(2)));
        assert_eq!(aug.end, NaiveDate::from_ymd_opt(2023, 8, 31).unwrap());
        let feb = Period::month(PeriodKind::Snapshot, 2020, 2);
        assert_eq!((feb.year, feb.quarter), (2019, Some(4)));
        assert_eq!(feb.end, NaiveDate::from_ymd_opt(2020, 2, 29).unwrap());
        assert_eq!(
            aug.year_before().end,
            NaiveDate::from_ymd_opt(2022, 8, 31).unwrap()
        );
    }

    #[test]
    fn month_year_forms() {
        assert_eq!(parse_month_year("Jun-24"), Some((2024, 6, None)));
        assert_eq!(parse_month_year("Sep-2023"), Some((2023, 9, None)));
        assert_eq!(parse_month_year("31 DEC 22"), Some((2022, 12, Some(31))));
        assert_eq!(
            parse_date("31 Mar 2024"),
            NaiveDate::from_ymd_opt(2024, 3, 31)
        );
        assert_eq!(parse_date("Mar 2025"), NaiveDate::from_ymd_opt(2025, 3, 31));
        assert_eq!(parse_month_year("Good"), None);
    }
}
