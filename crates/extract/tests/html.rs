//! Provenance of facts read from an HTML page: a fact printed in a table cites the table (the
//! n-th `<table>` of the page) and its row (the n-th `<tr>` of that table), and that row, found
//! by an HTML parser of its own here, shows it.

mod common;

use common::relayout::Transform;
use common::{read, run};
use scraper::{ElementRef, Html, Selector};

/// Report, council, and how many observations and objective updates are printed in tables (the
/// others are read from outside the tables: a chart's caption and date in 2019-20, and the
/// objectives of 2019-20 and 2023-24, which are paragraphs under headings).
const REPORTS: &[(&str, &str, usize, usize)] = &[
    ("derby-city-2024-25-annual.txt", "E06000015", 181, 105),
    ("derbyshire-county-2019-20-annual.txt", "E10000007", 60, 0),
    ("derbyshire-county-2023-24-q2.txt", "E10000007", 140, 0),
    ("derbyshire-county-2024-25-q1.txt", "E10000007", 86, 33),
    ("derbyshire-county-2025-26-q1.txt", "E10000007", 104, 24),
];

/// The text of each row of each table of a page, as a browser's DOM numbers them.
fn table_rows(page: &str) -> Vec<Vec<String>> {
    let doc = Html::parse_document(page);
    let tables = Selector::parse("table").expect("selector");
    doc.select(&tables)
        .map(|t| {
            t.descendants()
                .filter_map(ElementRef::wrap)
                .filter(|e| e.value().name() == "tr")
                .filter(|tr| {
                    tr.ancestors()
                        .filter_map(ElementRef::wrap)
                        .find(|a| a.value().name() == "table")
                        .is_some_and(|a| a.id() == t.id())
                })
                .map(|tr| tr.text().collect::<Vec<_>>().join(" "))
                .collect()
        })
        .collect()
}

/// A key shows in a row whatever the spaces and punctuation between its words and its case (a
/// reference printed "So-12" or "SO13" is read as SO-12, SO-13).
fn shows(row: &str, key: &str) -> bool {
    let squeeze = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase()
    };
    squeeze(row).contains(&squeeze(key))
}

#[test]
fn facts_from_an_html_page_cite_their_table_and_row() {
    for (report, council, in_tables, objectives_in_tables) in REPORTS {
        let text = read(report);
        let page = Transform::Html.apply(&text);
        let rows = table_rows(&page);
        let x = run(&page, council);
        let from_text = run(&text, council);
        assert_eq!(
            x.observations.len(),
            from_text.observations.len(),
            "{report}"
        );
        let row = |table: u32, row: u32| -> &str {
            rows.get(table as usize - 1)
                .and_then(|t| t.get(row as usize - 1))
                .unwrap_or_else(|| panic!("{report}: no row {row} in table {table}"))
        };
        let mut cited = 0;
        for o in &x.observations {
            let Some(table) = o.source_table else {
                continue;
            };
            cited += 1;
            let shown = row(table, o.source_line);
            // A row under a measure's heading row prints the part of the name after the colon;
            // a row of a chart's data (period, value) under the measure's caption, its value.
            let key = o.measure_ref.as_deref().unwrap_or(&o.measure_name);
            let part = o.measure_name.rsplit(": ").next().unwrap_or_default();
            let value = o.value_text.as_deref().filter(|v| !v.is_empty());
            assert!(
                shows(shown, key)
                    || o.measure_ref.is_none() && shows(shown, part)
                    || value.is_some_and(|v| shows(shown, v)),
                "{report}: {} {:?}: table {table} row {} is {shown:?}",
                o.measure_name,
                o.period.label,
                o.source_line
            );
        }
        let mut objectives = 0;
        for u in &x.objective_updates {
            let Some(table) = u.source_table else {
                continue;
            };
            objectives += 1;
            let shown = row(table, u.source_line);
            let key = u.objective_ref.as_deref().unwrap_or(&u.title);
            assert!(
                shows(shown, key),
                "{report}: {key}: table {table} row {} is {shown:?}",
                u.source_line
            );
        }
        for i in &x.parse_issues {
            if let Some(table) = i.source_table {
                let shown = row(table, i.source_line);
                let first = i.raw_text.split('\t').find(|c| !c.trim().is_empty());
                assert!(
                    first.is_some_and(|c| shows(shown, c)),
                    "{report}: issue {:?}: table {table} row {} is {shown:?}",
                    i.raw_text,
                    i.source_line
                );
            }
        }
        println!(
            "{report}: {} tables; {cited} of {} observations and {objectives} of {} objective updates cite a table and row",
            rows.len(),
            x.observations.len(),
            x.objective_updates.len()
        );
        assert_eq!(
            (cited, objectives),
            (*in_tables, *objectives_in_tables),
            "{report}"
        );
        // A text report's events cite no table.
        assert!(from_text
            .observations
            .iter()
            .all(|o| o.source_table.is_none()));
    }
}
