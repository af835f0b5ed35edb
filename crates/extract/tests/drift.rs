//! Layout drift: the real reports rewritten the way a council's next template might print them
//! (columns reordered, headers reworded, page breaks elsewhere, header repeated after a page
//! break, HTML remnants), and the same facts must come out without a code change.

mod common;

use common::{facts, read, run};
use lapis_model::Extraction;

/// How to rewrite every table printed under one header line.
struct Drift<'a> {
    header: &'a str,
    /// New column order, as indexes into the old columns.
    order: &'a [usize],
    /// The new header, in the new order.
    renamed: &'a [&'a str],
    /// Break the page (blank lines, then the header again) after this many rows.
    page_break_every: Option<usize>,
    /// Print headers in `<b>` and `&`, `£` as HTML entities.
    html: bool,
}

/// The drifted text, with how many tables and rows the rule rewrote: a rule whose header is not
/// in the report rewrites nothing, and the test must say so rather than compare a report with
/// itself.
fn apply(text: &str, d: &Drift) -> (String, Rewritten) {
    let mut rewritten = Rewritten::default();
    let header_line: String = d
        .renamed
        .iter()
        .map(|c| {
            if d.html {
                format!("<b>{c}</b>")
            } else {
                c.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\t");
    let mut out = String::new();
    let mut in_table = false;
    let mut rows = 0;
    for line in text.lines() {
        if line == d.header {
            rewritten.tables += 1;
            in_table = true;
            rows = 0;
            out.push_str(&header_line);
        } else if in_table && line.contains('\t') {
            let cells: Vec<&str> = line.split('\t').collect();
            // A section row (text in the first cell only) stays as it is.
            let section = cells.iter().skip(1).all(|c| c.trim().is_empty());
            let moved: Vec<String> = if section {
                cells.iter().map(|c| c.to_string()).collect()
            } else {
                d.order
                    .iter()
                    .map(|i| cells.get(*i).copied().unwrap_or("").to_string())
                    .collect()
            };
            let mut row = moved.join("\t");
            if d.html {
                row = row.replace('&', "&amp;").replace('£', "&pound;");
            }
            out.push_str(&row);
            rows += 1;
            rewritten.rows += usize::from(!section);
            if d.page_break_every.is_some_and(|n| rows % n == 0) {
                out.push_str("\n\n\n");
                out.push_str(&header_line);
            }
        } else {
            in_table = false;
            out.push_str(line);
        }
        out.push('\n');
    }
    (out, rewritten)
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Rewritten {
    tables: usize,
    rows: usize,
}

fn assert_same_facts(original: &Extraction, drifted: &Extraction) {
    let (a, b) = (facts(original), facts(drifted));
    let lost: Vec<&String> = a.iter().filter(|f| !b.contains(f)).collect();
    let gained: Vec<&String> = b.iter().filter(|f| !a.contains(f)).collect();
    assert!(
        lost.is_empty() && gained.is_empty(),
        "{} facts lost:\n{}\n{} facts gained:\n{}",
        lost.len(),
        lost.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        gained.len(),
        gained
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn derby_city_with_reordered_renamed_columns_page_breaks_and_html() {
    let text = read("derby-city-2024-25-annual.txt");
    let (drifted, rewritten) = apply(
        &text,
        &Drift {
            header: "Ref\tDescription\t2023 24 actual\t2024 25 Q4 actual\tQ4 status\tTarget\tDoT\tCouncil Plan theme",
            order: &[1, 0, 5, 3, 4, 2, 7, 6],
            renamed: &[
                "Measure / action",
                "Reference",
                "Target",
                "Q4 2024/25 actual",
                "RAG status",
                "2023/24 actual",
                "Theme",
                "Direction of travel",
            ],
            page_break_every: Some(17),
            html: true,
        },
    );
    assert_eq!(
        rewritten,
        Rewritten {
            tables: 8,
            rows: 199
        }
    );
    let (a, b) = (run(&text, "E06000015"), run(&drifted, "E06000015"));
    // 188 printed cells, less the 7 "N/A" in a value column (Regen PM14a, PM14 b, PM18b, DH HD18
    // to HD21), which print no value.
    assert_eq!(a.observations.len(), 181);
    assert_same_facts(&a, &b);
}

#[test]
fn derbyshire_2023_24_summary_tables_reordered_and_renamed() {
    let text = read("derbyshire-county-2023-24-q2.txt");
    let (drifted, rewritten) = apply(
        &text,
        &Drift {
            header: "Key Measure\tDate\tActual\tTarget\tPerformance",
            order: &[0, 4, 3, 2, 1],
            renamed: &[
                "Indicator",
                "RAG rating",
                "Target",
                "Outturn",
                "Data period",
            ],
            page_break_every: Some(5),
            html: false,
        },
    );
    assert_eq!(
        rewritten,
        Rewritten {
            tables: 9,
            rows: 72
        }
    );
    let (a, b) = (run(&text, "E10000007"), run(&drifted, "E10000007"));
    assert_same_facts(&a, &b);
}

#[test]
fn derbyshire_2024_25_objective_tables_with_page_breaks_and_html() {
    let text = read("derbyshire-county-2024-25-q1.txt");
    let (drifted, rewritten) = apply(
        &text,
        &Drift {
            header: "Number\tStrategic Objective\tExpected Completion\tProgress\tComments",
            order: &[0, 1, 3, 2, 4],
            renamed: &[
                "Ref",
                "Objective",
                "Progress rating",
                "Due date",
                "Commentary",
            ],
            page_break_every: Some(2),
            html: true,
        },
    );
    assert_eq!(
        rewritten,
        Rewritten {
            tables: 10,
            rows: 31
        }
    );
    let (a, b) = (run(&text, "E10000007"), run(&drifted, "E10000007"));
    assert_eq!(a.objective_updates.len(), 33);
    assert_same_facts(&a, &b);
}

#[test]
fn derbyshire_2019_20_summary_tables_with_named_first_column_and_reordered_years() {
    let text = read("derbyshire-county-2019-20-annual.txt");
    let (drifted, rewritten) = apply(
        &text,
        &Drift {
            header: "\t2017/2018\t2018/2019\t2019/2020\tTarget\tPerformance",
            order: &[0, 5, 4, 3, 2, 1],
            renamed: &[
                "Key measure",
                "Performance",
                "Target 2019/20",
                "2019-20",
                "2018-19",
                "2017-18",
            ],
            page_break_every: Some(3),
            html: true,
        },
    );
    assert_eq!(
        rewritten,
        Rewritten {
            tables: 5,
            rows: 27
        }
    );
    let (a, b) = (run(&text, "E10000007"), run(&drifted, "E10000007"));
    assert_same_facts(&a, &b);
}

#[test]
fn derbyshire_2023_24_prose_charts_and_cross_table_reworded() {
    // The next template might introduce ratings and dates in other words, drop the bold from
    // the chart's current year, call the rating row "RAG status", and print the cross table with
    // its column groups swapped under another caption.
    let text = read("derbyshire-county-2023-24-q2.txt");
    let mut drifted = String::new();
    // Lines each rule rewrote: ratings, chart rating rows, bold years, cross-table rows, dates.
    let mut hits = [0usize; 5];
    for line in text.lines() {
        let line = if let Some(rest) = line.strip_prefix("Rating: ") {
            hits[0] += 1;
            format!("Progress rating: {rest}")
        } else if let Some(rest) = line.strip_prefix("Performance\t") {
            hits[1] += 1;
            format!("RAG status\t{rest}")
        } else if line.starts_with("<b>20") {
            hits[2] += 1;
            line.replace("<b>", "").replace("</b>", "")
        } else if line.contains('\t')
            && (line.starts_with("\tNumber of schools")
                || line.starts_with("\tPrimary\tSecondary")
                || line.starts_with("Outstanding\t")
                || line.starts_with("Good\t")
                || line.starts_with("Requires Improvement\t")
                || line.starts_with("Inadequate\t")
                || line.starts_with("Good or better - "))
        {
            hits[3] += 1;
            let c: Vec<&str> = line.split('\t').collect();
            let group = |a: &str, b: &str| {
                if line.starts_with("\tNumber") {
                    (b.to_string(), a.to_string())
                } else {
                    (a.to_string(), b.to_string())
                }
            };
            let (x, y) = group(c[1], c[3]);
            let (p, q) = (c[2], c.get(4).copied().unwrap_or(""));
            if line.starts_with("\tNumber") {
                format!("\t{x}\t{q}\t{y}\t{p}")
            } else {
                format!("{}\t{}\t{}\t{}\t{}", c[0], c[3], q, c[1], p)
            }
        } else {
            hits[4] += usize::from(line.contains("Expected completion date:"));
            line.replace("Expected completion date:", "Target date:")
                .replace(
                    "**Additional Data as at August 2023**",
                    "**Further data as at August 2023**",
                )
        };
        drifted.push_str(&line);
        drifted.push('\n');
    }
    assert_eq!(hits, [39, 30, 33, 8, 33], "lines rewritten by each rule");
    assert!(drifted.contains("\tPercentage of pupils\t\tNumber of schools"));
    let (a, b) = (run(&text, "E10000007"), run(&drifted, "E10000007"));
    assert_eq!(a.objective_updates.len(), 45);
    assert_same_facts(&a, &b);
    // The dates are still read.
    let dated = |x: &Extraction| {
        x.objective_updates
            .iter()
            .filter(|u| u.expected_completion.is_some())
            .count()
    };
    assert_eq!(dated(&a), dated(&b));
}

#[test]
fn derby_city_section_rows_reworded() {
    // Section rows name what follows them; the next template may word them differently.
    let text = read("derby-city-2024-25-annual.txt");
    // Each section row is repeated under every page's header.
    let renamed = [
        ("Actions identified in the Delivery Plan 2024 25\t", 7),
        ("Delivery Plan measures\t", 9),
        ("Priority projects and strategic risks\t", 8),
    ];
    for (section, times) in renamed {
        assert_eq!(text.matches(section).count(), times, "{section:?}");
    }
    let drifted = text
        .replace(
            "Actions identified in the Delivery Plan 2024 25\t",
            "Council Plan actions 2025 26\t",
        )
        .replace("Delivery Plan measures\t", "Key performance indicators\t")
        .replace(
            "Priority projects and strategic risks\t",
            "Major projects and corporate risks\t",
        );
    let (a, b) = (run(&text, "E06000015"), run(&drifted, "E06000015"));
    assert_same_facts(&a, &b);
}

#[test]
fn derbyshire_2023_24_charts_printed_with_their_cells_run_together() {
    // A PDF's narrow charts may set each row's label and value a word's space apart, so that
    // its text prints them as one run ("2021-2022 16.7", "Target 18.7", "Performance ★ Strong")
    // and the bold current year's row as a bold line ("**2023-2024 93.8%**"). Rows of other
    // labels ("Number of Participants") stay cells.
    let text = read("derbyshire-county-2023-24-q2.txt");
    let year = |c: &str| {
        let c = c.replace("<b>", "").replace("</b>", "");
        c.len() == 9 && c.starts_with("20") && c.as_bytes()[4] == b'-'
    };
    let joined_label =
        |c: &str| year(c) || c == "Target" || c == "Performance" || c.ends_with("Benchmark");
    let mut drifted = String::new();
    let mut in_chart = false;
    let (mut rows, mut bold) = (0, 0);
    for line in text.lines() {
        let cells: Vec<&str> = line.split('\t').collect();
        in_chart = cells.len() == 2 && (year(cells[0]) || in_chart);
        let line = if in_chart && joined_label(cells[0]) {
            rows += 1;
            if cells[0].starts_with("<b>") {
                bold += 1;
                let plain = |c: &str| c.replace("<b>", "").replace("</b>", "");
                format!("**{} {}**", plain(cells[0]), plain(cells[1].trim()))
            } else {
                format!("{} {}", cells[0], cells[1].trim())
            }
        } else {
            line.to_string()
        };
        drifted.push_str(&line);
        drifted.push('\n');
    }
    assert_eq!(
        (rows, bold),
        (187, 33),
        "chart rows run together, bold ones"
    );
    let (a, b) = (run(&text, "E10000007"), run(&drifted, "E10000007"));
    assert_same_facts(&a, &b);
}
