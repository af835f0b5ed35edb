//! Deterministic synthetic council reports in the Derbyshire quarterly layout (the layout of
//! `samples/derbyshire-county-2025-26-q1-sample.txt`): per council a fixed set of strategic
//! objectives and key measures, each measure with its unit, polarity, base value, trend and
//! target; per quarter a report with the objectives' progress and, per measure, the same quarter
//! of the two previous years, the latest quarter, the target, the rating by the Derbyshire rule,
//! the month, a benchmark for some, the group and the frequency. The same inputs always give
//! the same bytes. About one figure in a hundred is restated (printed differently a year later),
//! as real councils do.

use std::fmt::Write;

/// A small, fast, deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn seed(parts: &[u64]) -> u64 {
    parts.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, p| {
        (h ^ p).wrapping_mul(0x0100_0000_01B3)
    })
}

/// One synthetic council.
#[derive(Debug, Clone)]
pub struct Council {
    pub code: String,
    pub name: String,
    pub index: usize,
}

/// The `n` councils of a synthetic nation: GSS-shaped codes of the five English kinds.
pub fn councils(n: usize) -> Vec<Council> {
    const KINDS: [&str; 5] = ["E06", "E07", "E08", "E09", "E10"];
    (0..n)
        .map(|i| Council {
            code: format!("{}{:06}", KINDS[i % 5], 500 + i),
            name: format!("Synthetic Council {}", i + 1),
            index: i,
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Percent,
    Money,
    Count,
}

#[derive(Debug, Clone)]
struct Measure {
    objective: usize,
    name: String,
    unit: Unit,
    higher_is_better: bool,
    base: f64,
    trend: f64,
    target_ratio: f64,
    benchmark: bool,
}

const THEMES: [&str; 4] = [
    "Resilient, Healthy and Safe Communities",
    "High Quality Public Services",
    "Effective Early Help for Individuals and Communities",
    "A Prosperous and Green Economy",
];

const SUBJECTS: [&str; 24] = [
    "children in care placed within the county",
    "household waste sent for reuse, recycling and composting",
    "adults receiving long-term support at home",
    "planning applications decided in time",
    "roads in need of maintenance",
    "young people in education, employment or training",
    "visits to libraries and heritage sites",
    "people completing a health check",
    "complaints resolved within timescale",
    "staff sickness absence",
    "potholes repaired within target",
    "residents satisfied with local services",
    "school places offered at a first preference",
    "carbon emissions from council buildings",
    "apprenticeships started",
    "homes connected to gigabit broadband",
    "delayed transfers of care",
    "safeguarding referrals repeated within a year",
    "bus journeys made",
    "businesses supported to grow",
    "trees planted",
    "early help assessments completed",
    "invoices paid within 30 days",
    "savings delivered against the budget plan",
];

const STATUS: [&str; 5] = ["Strong", "Good", "Good", "Review", "Action"];

/// Objectives and measures per council report.
pub const OBJECTIVES: usize = 24;
pub const MEASURES: usize = 150;

fn measures(council: &Council) -> Vec<Measure> {
    (0..MEASURES)
        .map(|k| {
            let mut r = Rng::new(seed(&[council.index as u64, k as u64, 1]));
            let unit = match r.below(3) {
                0 => Unit::Percent,
                1 => Unit::Money,
                _ => Unit::Count,
            };
            let subject = SUBJECTS[k % SUBJECTS.len()];
            let name = match unit {
                Unit::Percent => format!("Percentage of {subject} (measure {})", k + 1),
                Unit::Money => format!("Spend on {subject} (measure {})", k + 1),
                Unit::Count => format!("Number of {subject} (measure {})", k + 1),
            };
            let base = match unit {
                Unit::Percent => 20.0 + 70.0 * r.unit(),
                Unit::Money => 100_000.0 + 20_000_000.0 * r.unit(),
                Unit::Count => 50.0 + 10_000.0 * r.unit(),
            };
            Measure {
                objective: k % OBJECTIVES,
                name,
                unit,
                higher_is_better: r.below(3) != 0,
                base,
                trend: 0.04 * (r.unit() - 0.5),
                target_ratio: 0.9 + 0.2 * r.unit(),
                benchmark: r.below(3) == 0,
            }
        })
        .collect()
}

/// A measure's figure for a quarter of a financial year (`printed_in`: the year of the report
/// printing it, for restatements).
fn value(
    council: &Council,
    m: usize,
    measure: &Measure,
    year: i32,
    quarter: u8,
    printed_in: i32,
) -> f64 {
    let mut r = Rng::new(seed(&[
        council.index as u64,
        m as u64,
        year as u64,
        quarter as u64,
        2,
    ]));
    let mut v =
        measure.base * (1.0 + measure.trend * f64::from(year - 2015)) * (0.9 + 0.2 * r.unit());
    // About one figure in a hundred is printed differently by the report a year later.
    if printed_in > year && r.below(100) == 0 {
        v *= 1.01;
    }
    match measure.unit {
        Unit::Percent => (v.clamp(0.0, 100.0) * 10.0).round() / 10.0,
        _ => v.round(),
    }
}

fn grouped(n: f64) -> String {
    let digits = format!("{}", n.abs().round() as i64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

fn print(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Percent => format!("{v:.1}%"),
        Unit::Money => format!("£{}", grouped(v)),
        Unit::Count => grouped(v),
    }
}

/// The Derbyshire rule (DESIGN §4).
fn rating(value: f64, target: f64, higher_is_better: bool) -> &'static str {
    let mut rel = (value - target) / target.abs().max(f64::EPSILON);
    if !higher_is_better {
        rel = -rel;
    }
    let strong = if target > 95.0 { 0.02 } else { 0.05 };
    if rel > strong {
        "Strong"
    } else if rel >= -0.02 {
        "Good"
    } else if rel >= -0.10 {
        "Review"
    } else {
        "Action"
    }
}

const QUARTER_END: [&str; 4] = ["Jun", "Sep", "Dec", "Mar"];

/// The report of `council` for quarter `quarter` of the financial year starting in `year`.
pub fn report(council: &Council, year: i32, quarter: u8) -> String {
    let ms = measures(council);
    let mut out = String::new();
    let yy = |y: i32| y.rem_euclid(100);
    let _ = writeln!(out, "# {}\n", council.name);
    let _ = writeln!(
        out,
        "## Performance Report {year} -{} Quarter {quarter}\n",
        year + 1
    );
    let _ = writeln!(out, "## Introduction\n");
    let _ = writeln!(
        out,
        "A synthetic report generated by lapis-bench in the layout of a council's quarterly performance report. Its figures are made up.\n"
    );
    let end_year = if quarter == 4 { year + 1 } else { year };
    let as_at = format!(
        "{}-{:02}",
        QUARTER_END[usize::from(quarter - 1)],
        yy(end_year)
    );
    for (t, theme) in THEMES.iter().enumerate() {
        let _ = writeln!(out, "## {theme} - Progress for Strategic Objectives\n");
        let _ = writeln!(
            out,
            "Number\tStrategic Objective\tExpected Completion\tProgress\tComments"
        );
        for o in (0..OBJECTIVES).filter(|o| o % THEMES.len() == t) {
            let mut r = Rng::new(seed(&[
                council.index as u64,
                o as u64,
                year as u64,
                quarter as u64,
                3,
            ]));
            let status = STATUS[r.below(STATUS.len() as u64) as usize];
            let _ = writeln!(
                out,
                "SO-{:02}\tDeliver objective {} on {}\tMar {}\t{status}\tProgress in the quarter was {}.",
                o + 1,
                o + 1,
                SUBJECTS[o % SUBJECTS.len()],
                year + 1,
                status.to_lowercase()
            );
        }
        let _ = writeln!(out, "\n### {theme} - Latest Measure Data\n");
        let _ = writeln!(
            out,
            "Strategic Objective\tMeasure\tSame quarter {}-{} (YTD)\tSame quarter {}-{} (YTD)\tLatest Quarter {year}-{:02} (YTD)\tTarget for quarter (YTD)\tPerformance against target (YTD)\tLatest data as at\tLatest Benchmark (YTD)\tBenchmark Group\tReporting Frequency",
            year - 2,
            year - 1,
            year - 1,
            year,
            yy(year + 1)
        );
        for (k, m) in ms
            .iter()
            .enumerate()
            .filter(|(_, m)| m.objective % THEMES.len() == t)
        {
            let v2 = value(council, k, m, year - 2, quarter, year);
            let v1 = value(council, k, m, year - 1, quarter, year);
            let v0 = value(council, k, m, year, quarter, year);
            let target = match m.unit {
                Unit::Percent => ((m.base * m.target_ratio).min(99.0) * 10.0).round() / 10.0,
                _ => (m.base * m.target_ratio).round(),
            };
            let (bench, group) = if m.benchmark {
                (
                    print(m.unit, (v0 * 1.03 * 10.0).round() / 10.0),
                    format!("England Average {}-{:02}", year - 1, yy(year)),
                )
            } else {
                (String::new(), "Local Measure".to_string())
            };
            let _ = writeln!(
                out,
                "SO-{:02}\t{}\t{}\t{}\t{}\t{}\t{}\t{as_at}\t{bench}\t{group}\tQuarterly",
                m.objective + 1,
                m.name,
                print(m.unit, v2),
                print(m.unit, v1),
                print(m.unit, v0),
                print(m.unit, target),
                rating(v0, target, m.higher_is_better),
            );
        }
        out.push('\n');
    }
    out
}

/// The file name of a report.
pub fn file_name(council: &Council, year: i32, quarter: u8) -> String {
    format!(
        "{}-{year}-{:02}-q{quarter}.txt",
        council.code,
        (year + 1).rem_euclid(100)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_inputs_give_the_same_bytes_and_other_inputs_others() {
        let c = councils(3);
        assert_eq!(report(&c[1], 2020, 2), report(&c[1], 2020, 2));
        assert_ne!(report(&c[1], 2020, 2), report(&c[2], 2020, 2));
        assert_ne!(report(&c[1], 2020, 2), report(&c[1], 2020, 3));
        assert_eq!(c[0].code, "E06000500");
        assert_eq!(c[2].code, "E08000502");
    }

    #[test]
    fn every_generated_report_reads_whole_with_its_period() {
        let c = councils(2);
        for (year, quarter, label) in [(2015, 1, "2015-16 Q1"), (2024, 4, "2024-25 Q4")] {
            let text = report(&c[1], year, quarter);
            let ctx = lapis_extract::ReportContext {
                council_code: &c[1].code,
                council_name: None,
                document_sha256: "0000000000000000000000000000000000000000000000000000000000000000",
                layout: "auto",
                vocabulary: lapis_model::Vocabulary::builtin(),
            };
            let x = lapis_extract::extract(&text, &ctx).expect("extract");
            assert_eq!(x.report.period.label, label);
            assert_eq!(x.observations.len(), 3 * MEASURES);
            assert_eq!(x.objective_updates.len(), OBJECTIVES);
            assert_eq!(x.losses().count(), 0, "{:?}", x.losses().next());
            // The latest quarter is the report's own, with its target and rating.
            let latest = x
                .observations
                .iter()
                .filter(|o| o.period.label == label)
                .count();
            assert_eq!(latest, MEASURES);
            assert!(x
                .observations
                .iter()
                .filter(|o| o.period.label == label)
                .all(|o| o.target.is_some() && o.rating.is_some()));
        }
    }

    #[test]
    fn ratings_follow_the_derbyshire_rule() {
        assert_eq!(rating(4.42, 4.70, false), "Strong");
        assert_eq!(rating(100.0, 100.0, true), "Good");
        assert_eq!(rating(95.0, 100.0, true), "Review");
        assert_eq!(rating(80.0, 100.0, true), "Action");
        assert_eq!(grouped(1_915_500.0), "1,915,500");
        assert_eq!(grouped(707.0), "707");
    }
}
