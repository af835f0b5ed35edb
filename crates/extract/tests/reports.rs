//! The extractor on the four real reports (read from `../shared/reports`, never copied here) and
//! on drifted variants of them. Each assertion is a fact checked by hand against the report text.

mod common;

use common::{context, read, run};
use lapis_extract::{decode, extract, DEFAULT_MAX_BYTES};
use lapis_model::{Extraction, ObjectiveKind, Rating};

fn obs<'a>(x: &'a Extraction, name: &str, period: &str) -> &'a lapis_model::Observation {
    x.observations
        .iter()
        .find(|o| o.measure_name == name && o.period.label == period)
        .unwrap_or_else(|| panic!("no observation {name:?} for {period}"))
}

fn rated(x: &Extraction, kind: ObjectiveKind, rating: Option<Rating>) -> usize {
    x.objective_updates
        .iter()
        .filter(|u| u.kind == kind && u.rating == rating)
        .count()
}

#[test]
fn derbyshire_2024_25_q1() {
    let x = run(&read("derbyshire-county-2024-25-q1.txt"), "E10000007");
    assert_eq!(x.report.period.label, "2024-25 Q1");
    assert_eq!(x.report.council_name, "Derbyshire County Council");
    // "1 (3%) has been completed, 19 (58% have good progress, and 12 require review (36%). One has not been updated"
    assert_eq!(x.objective_updates.len(), 33);
    assert_eq!(
        rated(
            &x,
            ObjectiveKind::StrategicObjective,
            Some(Rating::Complete)
        ),
        1
    );
    assert_eq!(
        rated(&x, ObjectiveKind::StrategicObjective, Some(Rating::Good)),
        19
    );
    assert_eq!(
        rated(&x, ObjectiveKind::StrategicObjective, Some(Rating::Review)),
        12
    );
    assert_eq!(rated(&x, ObjectiveKind::StrategicObjective, None), 1);
    // SO19's title is split by a page break and joined back.
    let so19 = x
        .objective_updates
        .iter()
        .find(|u| u.objective_ref.as_deref() == Some("SO-19"))
        .expect("SO-19");
    assert!(
        so19.title.ends_with(
            "contribution they make to sustaining care and support in a challenging market"
        ),
        "{}",
        so19.title
    );
    assert!(
        x.objective_updates
            .iter()
            .any(|u| u.objective_ref.as_deref() == Some("SO-12")),
        "So-12 normalised"
    );
    let s = obs(
        &x,
        "Sickness Hours as a % of Working Hours Available",
        "2024-25 Q1",
    );
    assert_eq!(
        (s.value, s.target, s.rating),
        (Some(4.71), Some(4.9), Some(Rating::Good))
    );
    assert_eq!(s.objective_ref.as_deref(), Some("SO-25"));
    let d = obs(
        &x,
        "Amount of money raised from the disposal of land and buildings",
        "2024-25 Q1",
    );
    assert_eq!(
        (d.value, d.unit.as_deref(), d.target),
        (Some(9_156_980.0), Some("£"), Some(6_000_000.0))
    );
    assert_eq!(
        obs(
            &x,
            "Amount of money raised from the disposal of land and buildings",
            "2023-24 Q1"
        )
        .value,
        Some(1_915_500.0)
    );
    let ehcp = obs(&x, "Proportion of all new Education Health and Care plans issued within 20 weeks (excluding exceptions)", "2024-25 Q1");
    assert_eq!(
        (ehcp.value, ehcp.benchmark, ehcp.benchmark_group.as_deref()),
        (Some(22.8), Some(50.3), Some("All England Average"))
    );
    let rolling = obs(
        &x,
        "The number of children returning home from care planned move (rolling 12 months)",
        "2024-25 Q1",
    );
    assert_eq!(rolling.period.kind.as_str(), "rolling_12m");
    let waste = obs(&x, "Amount of household waste collected", "2023-24");
    assert_eq!(
        (waste.value, waste.benchmark),
        (Some(377_306.0), Some(349_715.0))
    );
    // 89 rows' figures, less SO-03's "shared agreement" measure, which prints "n/r" in every
    // column (no figure: an info issue, not three empty observations).
    assert_eq!(x.observations.len(), 86);
    assert!(x.parse_issues.iter().any(|i| i.source_line == 68
        && i.severity == lapis_model::Severity::Info
        && i.reason.contains("prints no figure")));
}

#[test]
fn derbyshire_2023_24_q2() {
    let x = run(&read("derbyshire-county-2023-24-q2.txt"), "E10000007");
    assert_eq!(x.report.period.label, "2023-24 Q2");
    // The defects breakdown (lines 1179-1185) is named by its bold caption, without its
    // "during Quarter 2", so the name holds from quarter to quarter.
    let urgent = obs(
        &x,
        "Percentage of defects responded to within target timescales: Started within 2 hrs (Urgent)",
        "2023-24 Q2",
    );
    assert_eq!((urgent.value, urgent.target), (Some(86.2), Some(100.0)));
    assert_eq!(urgent.rating, Some(Rating::Action));
    // "Of the 45 deliverables in the Plan, 33 have been rated as 'Good'; 2 have been rated as
    // 'Strong'; 9 have been rated as "Requiring Review" and 1 as "Requiring Action"."
    assert_eq!(x.objective_updates.len(), 45);
    assert_eq!(
        rated(&x, ObjectiveKind::Deliverable, Some(Rating::Good)),
        33
    );
    assert_eq!(
        rated(&x, ObjectiveKind::Deliverable, Some(Rating::Strong)),
        2
    );
    assert_eq!(
        rated(&x, ObjectiveKind::Deliverable, Some(Rating::Review)),
        9
    );
    assert_eq!(
        rated(&x, ObjectiveKind::Deliverable, Some(Rating::Action)),
        1
    );
    let ltp = obs(
        &x,
        "Total amount of expenditure on the delivery of the Local Transport Programme",
        "2023-24 Q2",
    );
    assert_eq!(
        (
            ltp.value,
            ltp.unit.as_deref(),
            ltp.rating,
            ltp.previous_rating
        ),
        (
            Some(16_420_000.0),
            Some("£"),
            Some(Rating::Action),
            Some(Rating::Good)
        )
    );
    // Chart block prior years belong to the measure whose current value (762) and target (550) they repeat.
    let plan = "Number of people with a learning disability and/or who are autistic with an outcome focused support plan";
    assert_eq!(obs(&x, plan, "2021-22").value, Some(373.0));
    assert_eq!(obs(&x, plan, "2022-23").value, Some(611.0));
    let early = obs(
        &x,
        "Early help assessments completed within 45 days",
        "2023-24 Q2 (Aug 2023)",
    );
    assert_eq!(early.period.end.to_string(), "2023-08-31");
    let phonics = obs(
        &x,
        "Percentage of pupils achieving the expected level in Phonics",
        "AY 2022-23",
    );
    assert_eq!(phonics.value, Some(79.0));
    let co2 = obs(
        &x,
        "Percentage reduction in CO2e from 2009-10 baseline",
        "2022-23",
    );
    assert_eq!((co2.value, co2.target), (Some(71.1), Some(68.5)));
    let social = obs(
        &x,
        "Social work assessments completed within 45 days",
        "2023-24 Q2 (Aug 2023)",
    );
    assert_eq!(
        (social.benchmark, social.benchmark_group.as_deref()),
        (Some(84.5), Some("National Benchmark"))
    );
    let roads = obs(
        &x,
        "Percentage of Principal roads where maintenance should be considered",
        "2023-24",
    );
    assert_eq!(
        (roads.value, roads.value_text.as_deref(), roads.target),
        (None, Some("Data due in Q3"), Some(13.0))
    );
    assert_eq!(
        obs(
            &x,
            "Percentage of Principal roads where maintenance should be considered",
            "2022-23"
        )
        .value,
        Some(15.4)
    );
    // Lines 822–831: the cross table of schools by Ofsted grade as at August 2023; the
    // "Good or better - National" row is the benchmark of the Derbyshire row, figure by figure.
    let aug = "2023-24 Q2 (Aug 2023)";
    assert_eq!(
        obs(&x, "Number of schools – Primary: Good", aug).value,
        Some(271.0)
    );
    assert_eq!(
        obs(&x, "Percentage of pupils – Secondary: Inadequate", aug).value,
        Some(11.9)
    );
    let better = obs(
        &x,
        "Percentage of pupils – Primary: Good or better - Derbyshire",
        aug,
    );
    assert_eq!(
        (
            better.value,
            better.benchmark,
            better.benchmark_group.as_deref(),
            better.period.kind.as_str()
        ),
        (Some(85.3), Some(91.8), Some("National"), "snapshot")
    );
    assert!(!x
        .observations
        .iter()
        .any(|o| o.measure_name.contains("Good or better - National")));
    assert_eq!(
        x.observations
            .iter()
            .filter(|o| o.period.label == aug && o.source_line >= 826 && o.source_line <= 831)
            .count(),
        20
    );
    // Line 541: the stop-smoking chart's "Number of Participants" is a figure of its own.
    let participants = obs(
        &x,
        "Number of participants in Council delivered stop smoking programmes who stop smoking: Number of Participants",
        "2023-24 Q1",
    );
    assert_eq!(participants.value, Some(1874.0));
    // Lines 1501–1503: the Notes table lists what the report leaves out: no figure, no warning.
    assert!(x
        .parse_issues
        .iter()
        .filter(|i| i.severity == lapis_model::Severity::Warning)
        .all(|i| i.source_line == 1280));
}

#[test]
fn derby_city_2024_25_annual() {
    let x = run(&read("derby-city-2024-25-annual.txt"), "E06000015");
    assert_eq!(x.report.period.label, "2024-25 Q4");
    assert_eq!(
        x.report.published_at.map(|d| d.to_string()).as_deref(),
        Some("2025-08-01")
    );
    let travel = x
        .observations
        .iter()
        .find(|o| o.measure_ref.as_deref() == Some("C PM24") && o.period.label == "2024-25 Q4")
        .expect("C PM24");
    assert_eq!(
        (travel.value, travel.target, travel.rating),
        (Some(18.0), Some(15.0), Some(Rating::Green))
    );
    let cin = x
        .observations
        .iter()
        .find(|o| o.measure_ref.as_deref() == Some("EHCS PM27") && o.period.label == "2023-24")
        .expect("EHCS PM27");
    // "2023 24 actual" is the whole year (DESIGN §3: no quarter for a whole-year value).
    assert_eq!(cin.period.kind, lapis_model::PeriodKind::FinancialYear);
    assert_eq!(cin.period.quarter, None);
    assert_eq!(
        (cin.value, cin.unit.as_deref()),
        (Some(110.4), Some("per 10,000 population"))
    );
    let occupancy = x
        .observations
        .iter()
        .find(|o| o.measure_ref.as_deref() == Some("EHCS PM31") && o.value.is_some())
        .expect("EHCS PM31");
    assert_eq!(occupancy.period.label, "2023-24 Q3", "91.9% (Q3 data)");
    let poverty = x
        .observations
        .iter()
        .find(|o| o.measure_ref.as_deref() == Some("PH PM24") && o.period.label == "2022")
        .expect("PH PM24 2022");
    assert_eq!(
        (poverty.value, poverty.period.kind.as_str()),
        (Some(28.7), "calendar_year")
    );
    let risk = x
        .objective_updates
        .iter()
        .find(|u| u.objective_ref.as_deref() == Some("SR30_PS24"))
        .expect("risk");
    assert_eq!(
        (risk.kind, risk.risk_score),
        (ObjectiveKind::StrategicRisk, Some(16))
    );
    let slipping = x
        .objective_updates
        .iter()
        .find(|u| u.objective_ref.as_deref() == Some("VB 07"))
        .expect("VB 07");
    assert_eq!(
        (
            slipping.kind,
            slipping.rating,
            slipping.status_text.as_deref()
        ),
        (
            ObjectiveKind::Action,
            Some(Rating::Amber),
            Some("Some slippage")
        )
    );
    let hubs = x
        .objective_updates
        .iter()
        .find(|u| u.objective_ref.as_deref() == Some("PMP171"))
        .expect("PMP171");
    assert_eq!(
        (hubs.kind, hubs.rating),
        (ObjectiveKind::PriorityProject, Some(Rating::GreenAmber))
    );
    // "27 Performance Measures 9 Delivery Plan actions 1 Strategic risk 11 Priority projects"
    let growth: Vec<_> = x
        .claims
        .iter()
        .filter(|c| c.scope.as_deref() == Some("A City of Growth"))
        .map(|c| (c.subject.as_str(), c.count))
        .collect();
    assert_eq!(
        growth,
        vec![
            ("performance measures", 27),
            ("delivery plan actions", 9),
            ("strategic risks", 1),
            ("priority projects", 11)
        ]
    );
}

#[test]
fn derbyshire_2019_20_annual() {
    let x = run(&read("derbyshire-county-2019-20-annual.txt"), "E10000007");
    assert_eq!(x.report.period.label, "2019-20 Q4");
    let sick = obs(
        &x,
        "Average number of days lost per appointment to sickness (Not including schools)",
        "2019-20",
    );
    assert_eq!(
        (
            sick.value,
            sick.target,
            sick.rating,
            sick.rating_text.as_deref()
        ),
        (Some(10.4), Some(9.8), None, Some("🟡"))
    );
    assert_eq!(
        obs(
            &x,
            "Average number of days lost per appointment to sickness (Not including schools)",
            "2017-18"
        )
        .value,
        Some(9.96)
    );
    assert!(x
        .objective_updates
        .iter()
        .any(|u| u.title == "Kept Council Tax as low as possible"
            && u.rating_text.as_deref() == Some("✔")));
    // Line 86: "The status for this deliverable has changed to \"requiring action\"": the
    // text makes the 📌 deliverable's rating certain; no other icon is given a rating.
    let savings = x
        .objective_updates
        .iter()
        .find(|u| u.title == "Achieved budget savings of £46.8m")
        .expect("the savings deliverable");
    assert_eq!(
        (savings.rating, savings.rating_text.as_deref()),
        (Some(Rating::Action), Some("📌"))
    );
    assert_eq!(
        x.objective_updates
            .iter()
            .filter(|u| u.rating.is_some())
            .count(),
        1
    );
    // Lines 304–308: a headline tile with no data and no table row is kept as printed.
    let web = obs(&x, "Services accessed by Council websites", "2019-20");
    assert_eq!(
        (web.value, web.value_text.as_deref()),
        (None, Some("No Data 31 Mar 20"))
    );
    // The trend table: Mar 2020, ongoing deliverables rated Good: 32.
    assert!(x.claims.iter().any(|c| c.period_label == "2019-20 Q4"
        && c.rating.as_deref() == Some("good")
        && c.count == 32));
}

#[test]
fn drifted_layout_reordered_and_renamed_columns() {
    // The 2024-25 Q1 measure table with its columns reordered and headers reworded, and a page
    // break in a new place: the same facts must come out.
    let original = read("derbyshire-county-2024-25-q1.txt");
    let header = "Strategic Objective\tMeasure\tSame quarter 2022-2023 (YTD)\tSame quarter 2023-2024 (YTD)\tLatest data (YTD)\tTarget for quarter (YTD)\tPerformance against target (YTD)\tLatest data as at\tLatest Benchmark (YTD)\tBenchmark Group\tReporting Frequency";
    let order = [1usize, 0, 4, 5, 6, 3, 2, 10, 9, 8, 7];
    let renamed = [
        "Performance Measure",
        "Objective",
        "Latest Quarter 2024-25 (YTD)",
        "Target",
        "RAG rating",
        "Same period 2023-24 (YTD)",
        "Same period 2022-23 (YTD)",
        "Frequency",
        "Comparator group",
        "Benchmark",
        "Data as at",
    ];
    let mut drifted = String::new();
    let mut in_table = false;
    for line in original.lines() {
        if line == header {
            in_table = true;
            drifted.push_str(&renamed.join("\t"));
        } else if in_table && line.contains('\t') {
            let cells: Vec<&str> = line.split('\t').collect();
            let moved: Vec<&str> = order
                .iter()
                .map(|i| cells.get(*i).copied().unwrap_or(""))
                .collect();
            drifted.push_str(&moved.join("\t"));
        } else {
            in_table = false;
            drifted.push_str(line);
        }
        drifted.push('\n');
    }
    let a = run(&original, "E10000007");
    let b = run(&drifted, "E10000007");
    let key = |x: &Extraction| {
        let mut v: Vec<String> = x
            .observations
            .iter()
            .map(|o| {
                format!(
                    "{}|{}|{:?}|{:?}|{:?}|{:?}|{:?}",
                    o.measure_id,
                    o.period.label,
                    o.value,
                    o.target,
                    o.rating,
                    o.benchmark,
                    o.benchmark_group
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(key(&a), key(&b));
}

#[test]
fn bad_input_is_refused_clearly() {
    use lapis_extract::ExtractError;
    assert_eq!(decode(b"", DEFAULT_MAX_BYTES), Err(ExtractError::Empty));
    assert_eq!(
        decode(b"%PDF-1.4", DEFAULT_MAX_BYTES),
        Err(ExtractError::Pdf)
    );
    // An HTML page that shows no report (an error or login page) is refused as such.
    let ctx = context("E06000015", lapis_model::Vocabulary::builtin());
    for page in [
        "<html><head></head></html>",
        "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>",
        "<!doctype html><html><head><title>Sign in</title></head><body><form><label>User name</label><input name=u><label>Password</label><input type=password></form></body></html>",
    ] {
        let text = decode(page.as_bytes(), DEFAULT_MAX_BYTES).expect("text");
        assert_eq!(extract(text, &ctx).map(|_| ()), Err(ExtractError::Html), "{page}");
    }
    assert!(matches!(
        decode(&[0, 1, 2], DEFAULT_MAX_BYTES),
        Err(ExtractError::Binary { .. })
    ));
    assert!(matches!(
        decode(b"ok \xff", DEFAULT_MAX_BYTES),
        Err(ExtractError::InvalidUtf8 { offset: 3 })
    ));
    assert!(matches!(
        decode(&vec![b'a'; 2000], 1000),
        Err(ExtractError::TooLarge {
            bytes: 2000,
            limit: 1000
        })
    ));
    // A truncated report still yields what it holds, never a panic.
    let text = read("derby-city-2024-25-annual.txt");
    for cut in [200, 5_000, 12_345, 20_000] {
        let mut end = cut.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let _ = extract(&text[..end], &ctx);
    }
}

#[test]
fn a_truncated_report_is_flagged_by_its_own_summary_counts() {
    // A cut text has no end marker to miss (the real reports end without a newline), but its
    // summary still counts what the whole report holds: 33 strategic objectives (line 33).
    let full = read("derbyshire-county-2024-25-q1.txt");
    let cut = (0..=full.len() / 3)
        .rev()
        .find(|i| full.is_char_boundary(*i))
        .unwrap_or(0);
    let x = run(&full[..cut], "E10000007");
    let warnings: Vec<&str> = x
        .parse_issues
        .iter()
        .filter(|i| i.reason.contains("may be truncated"))
        .map(|i| i.reason.as_str())
        .collect();
    assert_eq!(
        warnings,
        ["the report's summary counts 33 strategic objectives for 2024-25 Q1, but lapis read 9: the text may be truncated, or part of its layout was not understood"]
    );
    // Derby City cut in half: its per-theme counts (94 measures, 55 actions, 32 projects,
    // 18 risks) outrun what the first half holds.
    let city = read("derby-city-2024-25-annual.txt");
    let half = (0..=city.len() / 2)
        .rev()
        .find(|i| city.is_char_boundary(*i))
        .unwrap_or(0);
    let y = run(&city[..half], "E06000015");
    assert!(y.parse_issues.iter().any(|i| i
        .reason
        .starts_with("the report's summary counts 94 performance measures")));
    // The whole reports raise no such warning.
    for (stem, council) in [
        ("derbyshire-county-2024-25-q1.txt", "E10000007"),
        ("derbyshire-county-2023-24-q2.txt", "E10000007"),
        ("derbyshire-county-2019-20-annual.txt", "E10000007"),
        ("derby-city-2024-25-annual.txt", "E06000015"),
    ] {
        let x = run(&read(stem), council);
        assert!(
            !x.parse_issues
                .iter()
                .any(|i| i.reason.contains("may be truncated")),
            "{stem}"
        );
    }
}

/// Nothing invented from a row whose cells ran together: 2025-26 Q1's land-sales row with its
/// four figures read as one cell a word's space apart (as a PDF printer sets cells that fill
/// their columns), which puts its rating under a year's value. Neither cell is read as a value:
/// each is a parse issue that names it, and every other measure of the report keeps its facts.
#[test]
fn a_row_whose_cells_ran_together_is_said_not_read() {
    let text = read("derbyshire-county-2025-26-q1.txt");
    let row = "SO-24\tAmount of money raised from the disposal of land and buildings\t\
               £1,915,500\t£9,152,480\t£7,722,500\t£6,000,000\tStrong\t";
    assert_eq!(
        text.matches(row).count(),
        1,
        "the row as the report prints it"
    );
    let joined = "SO-24\tAmount of money raised from the disposal of land and buildings\t\
                  £1,915,500 £9,152,480 £7,722,500 £6,000,000\tStrong\t";
    let whole = run(&text, "E10000007");
    let x = run(&text.replacen(row, joined, 1), "E10000007");
    let land = "Amount of money raised from the disposal of land and buildings";
    let values = |x: &Extraction| -> Vec<(String, Option<String>)> {
        x.observations
            .iter()
            .filter(|o| o.measure_name == land && o.value_text.is_some())
            .map(|o| (o.period.label.clone(), o.value_text.clone()))
            .collect()
    };
    assert_eq!(
        values(&whole),
        [
            ("2023-24 Q1".to_string(), Some("£1,915,500".to_string())),
            ("2024-25 Q1".to_string(), Some("£9,152,480".to_string())),
            ("2025-26 Q1".to_string(), Some("£7,722,500".to_string())),
        ]
    );
    assert_eq!(values(&x), []);
    let said: Vec<&str> = x
        .parse_issues
        .iter()
        .filter(|i| i.raw_text.starts_with("SO-24\tAmount of money"))
        .map(|i| i.reason.as_str())
        .collect();
    assert!(
        said.iter().any(|r| r.contains("holds 4 figures")
            && r.contains("\"£1,915,500 £9,152,480 £7,722,500 £6,000,000\"")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|r| r.contains("2024-25 Q1 value cell holds a rating, \"Strong\"")),
        "{said:?}"
    );
    let others = |x: &Extraction| {
        x.observations
            .iter()
            .filter(|o| o.measure_name != land)
            .count()
    };
    assert_eq!(others(&x), others(&whole));
}
