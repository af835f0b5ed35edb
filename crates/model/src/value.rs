//! Printed values: `2,707`, `44%`, `£1,915,500`, `£16.420m`, `110.4 per 10,000 population`,
//! `518kg`, `-1.17`, `91.9% (Q3 data)`, `5967 (Q3 2023/24)`, `28.7% (2022)`, `n/r`, `Due in Q3`.
//!
//! A value is split into a number, a unit and an annotation that may move it to another period.
//! Text that is not a number (`n/r`, `data not yet available`) gives `number = None`; the text is
//! always kept as printed by the caller. Money is in pounds whatever the printed scale (`£16.420m` is
//! 16,420,000 with unit `£`), so figures printed at different scales compare and sum.

/// An annotation in brackets after a value that says which period it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueNote {
    /// `(Q3 data)`: quarter 3 of the column's year.
    Quarter(u8),
    /// `(Q3 2023/24)`: quarter 3 of financial year 2023.
    QuarterOfYear(u8, i32),
    /// `(2022)`: calendar year 2022.
    CalendarYear(i32),
    /// `(provisional)`.
    Provisional,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedValue {
    pub number: Option<f64>,
    pub unit: Option<String>,
    pub note: Option<ValueNote>,
}

fn parse_note(inner: &str) -> Option<ValueNote> {
    let t = inner.trim().to_ascii_lowercase();
    if t == "provisional" {
        return Some(ValueNote::Provisional);
    }
    if t.len() == 4 && t.chars().all(|c| c.is_ascii_digit()) {
        return t.parse().ok().map(ValueNote::CalendarYear);
    }
    if let Some(rest) = t.strip_prefix('q') {
        let q = rest.chars().next()?.to_digit(10)? as u8;
        if !(1..=4).contains(&q) {
            return None;
        }
        let after = rest[1..].trim();
        if after.is_empty() || after == "data" {
            return Some(ValueNote::Quarter(q));
        }
        return crate::period::parse_financial_year(after).map(|y| ValueNote::QuarterOfYear(q, y));
    }
    None
}

/// Parses a printed value. Returns `None` only for empty text.
pub fn parse_value(text: &str) -> Option<ParsedValue> {
    let mut t = text.trim();
    if t.is_empty() {
        return None;
    }
    let mut note = None;
    let mut extra_unit: Option<String> = None;
    if let (Some(open), true) = (t.find('('), t.ends_with(')')) {
        let inner = &t[open + 1..t.len() - 1];
        if let Some(n) = parse_note(inner) {
            note = Some(n);
            t = t[..open].trim();
        }
    }
    let mut s = t;
    let mut unit = String::new();
    let negative_pound = s.starts_with("-£");
    if let Some(rest) = s.strip_prefix('£').or_else(|| s.strip_prefix("-£")) {
        unit.push('£');
        s = rest;
    }
    // Number: optional sign, digits with thousands separators, optional decimals.
    let bytes = s.as_bytes();
    let mut end = 0;
    if end < bytes.len() && (bytes[end] == b'-' || bytes[end] == b'+') {
        end += 1;
    }
    let digits_start = end;
    while end < bytes.len()
        && (bytes[end].is_ascii_digit() || bytes[end] == b',' || bytes[end] == b'.')
    {
        end += 1;
    }
    let num_text: String = s[..end].chars().filter(|c| *c != ',').collect();
    let has_digit = s[digits_start..end].bytes().any(|b| b.is_ascii_digit());
    // A comma must group thousands (`1,915,500`), otherwise this is not a number.
    let grouped_ok = s[digits_start..end].split('.').next().is_none_or(|int| {
        let groups: Vec<&str> = int.split(',').collect();
        groups.len() == 1 || (groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3))
    });
    if !has_digit || !grouped_ok {
        return Some(ParsedValue {
            number: None,
            unit: None,
            note,
        });
    }
    let rest = s[end..].trim();
    let rest_lower = rest.to_ascii_lowercase();
    // Money is stored in pounds: `£16.420m` is 16,420,000. The exponent is applied to the
    // printed decimal before it becomes a float, so the result is exact (16420000, not
    // 16420000.000000002).
    let exponent = match rest_lower.as_str() {
        "m" | "mn" | "million" if unit == "£" => 6,
        "k" | "thousand" if unit == "£" => 3,
        "bn" | "billion" if unit == "£" => 9,
        _ => 0,
    };
    let Ok(mut number) = format!("{num_text}e{exponent}").parse::<f64>() else {
        return Some(ParsedValue {
            number: None,
            unit: None,
            note,
        });
    };
    if negative_pound {
        number = -number;
    }
    match rest_lower.as_str() {
        "" => {}
        _ if exponent > 0 => {}
        "%" => unit.push('%'),
        "kg" | "km" | "m2" | "days" | "hours" => unit.push_str(&rest_lower),
        _ if rest_lower.starts_with("per ") => {
            let per = rest_lower.replace("100k", "100,000");
            let per = per.split(" (").next().unwrap_or(&per).trim().to_string();
            extra_unit = Some(per);
        }
        _ => {
            return Some(ParsedValue {
                number: None,
                unit: None,
                note,
            })
        }
    }
    let unit = match (unit.is_empty(), extra_unit) {
        (_, Some(per)) => Some(per),
        (true, None) => None,
        (false, None) => Some(unit),
    };
    Some(ParsedValue {
        number: Some(number),
        unit,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(t: &str) -> (Option<f64>, Option<String>) {
        let p = parse_value(t).unwrap();
        (p.number, p.unit)
    }

    #[test]
    fn value_forms_from_the_reports() {
        assert_eq!(v("2,707"), (Some(2707.0), None));
        assert_eq!(v("44%"), (Some(44.0), Some("%".into())));
        assert_eq!(v("£1,915,500"), (Some(1_915_500.0), Some("£".into())));
        // Money in base units: pounds, whatever scale the report prints.
        assert_eq!(v("£16.420m"), (Some(16_420_000.0), Some("£".into())));
        assert_eq!(v("£9.15m"), (Some(9_150_000.0), Some("£".into())));
        assert_eq!(v("£30.211m"), (Some(30_211_000.0), Some("£".into())));
        assert_eq!(v("£1.2bn"), (Some(1_200_000_000.0), Some("£".into())));
        assert_eq!(v("£450k"), (Some(450_000.0), Some("£".into())));
        assert_eq!(v("-£2.5m"), (Some(-2_500_000.0), Some("£".into())));
        assert_eq!(v("£3 million"), (Some(3_000_000.0), Some("£".into())));
        assert_eq!(v("30.211"), (Some(30.211), None));
        assert_eq!(
            v("110.4 per 10,000 population"),
            (Some(110.4), Some("per 10,000 population".into()))
        );
        assert_eq!(
            v("21.2 per 100k population"),
            (Some(21.2), Some("per 100,000 population".into()))
        );
        assert_eq!(v("518kg"), (Some(518.0), Some("kg".into())));
        assert_eq!(v("5.41km"), (Some(5.41), Some("km".into())));
        assert_eq!(v("-1.17"), (Some(-1.17), None));
        assert_eq!(v("n/r"), (None, None));
        assert_eq!(v("N/A"), (None, None));
        assert_eq!(v("Due in Q3"), (None, None));
        assert_eq!(v("data not yet available"), (None, None));
        assert_eq!(v("Not set"), (None, None));
        assert_eq!(v("2 hrs"), (None, None));
        assert_eq!(v("1,2"), (None, None));
        assert!(parse_value("  ").is_none());
    }

    #[test]
    fn annotations_move_periods() {
        let p = parse_value("91.9% (Q3 data)").unwrap();
        assert_eq!(
            (p.number, p.note),
            (Some(91.9), Some(ValueNote::Quarter(3)))
        );
        let p = parse_value("5967 (Q3 2023/24)").unwrap();
        assert_eq!(
            (p.number, p.note),
            (Some(5967.0), Some(ValueNote::QuarterOfYear(3, 2023)))
        );
        let p = parse_value("28.7% (2022)").unwrap();
        assert_eq!(
            (p.number, p.note),
            (Some(28.7), Some(ValueNote::CalendarYear(2022)))
        );
        let p = parse_value("561.3 per 100k population (provisional)").unwrap();
        assert_eq!(
            (p.number, p.note),
            (Some(561.3), Some(ValueNote::Provisional))
        );
    }
}
