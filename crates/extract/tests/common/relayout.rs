//! The same report re-printed the ways councils' templates and export tools print it: table
//! syntaxes (pipe, grid, fixed-width with wrapped cells, CSV) and changes of what is printed
//! (header synonyms, tables run together, columns reordered, empty-cell markers, CRLF and
//! no-break spaces, page furniture). Used by the drift matrix and by the extraction benchmark;
//! the transformations work on the tab-separated text of `../shared/reports/`.
#![allow(dead_code)]

use lapis_extract::header::{header_roles, Role};
use lapis_model::Vocabulary;

/// One way of re-printing a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// Markdown pipe tables (`| a | b |` over `|---|---|`).
    Pipe,
    /// ASCII grid tables with `+---+` rules and cells wrapped over several lines.
    Grid,
    /// Fixed-width columns, long cells wrapped within their column (`pdftotext -layout`).
    FixedWidth,
    /// Fixed-width columns as a spreadsheet prints them: figures set to the right of their
    /// column, words (headers included) to the left.
    FixedWidthFiguresRight,
    /// Comma-separated values, quoted where a cell holds a comma or a quote.
    Csv,
    /// An HTML page: headings, paragraphs, lists, and tables with a `<thead>`.
    Html,
    /// Another template's header words for the same columns.
    HeaderSynonyms,
    /// No blank line between a table and the next.
    NoBlankLines,
    /// The columns of every table in another order.
    ColumnsReordered,
    /// Empty value cells printed as `-`, `n/a`, `..`, `–`.
    EmptyMarkers,
    /// A byte-order mark, CRLF line ends, no-break spaces and smart quotes.
    CrlfBomNbsp,
    /// A form feed, a running header, `Page N of M` and `OFFICIAL` every 40 lines, tables
    /// included.
    PageFurniture,
}

pub const ALL: &[Transform] = &[
    Transform::Pipe,
    Transform::Grid,
    Transform::FixedWidth,
    Transform::FixedWidthFiguresRight,
    Transform::Csv,
    Transform::Html,
    Transform::HeaderSynonyms,
    Transform::NoBlankLines,
    Transform::ColumnsReordered,
    Transform::EmptyMarkers,
    Transform::CrlfBomNbsp,
    Transform::PageFurniture,
];

impl Transform {
    pub fn name(self) -> &'static str {
        match self {
            Transform::Pipe => "pipe tables",
            Transform::Grid => "grid tables",
            Transform::FixedWidth => "fixed-width, wrapped",
            Transform::FixedWidthFiguresRight => "fixed-width, figures right",
            Transform::Csv => "CSV",
            Transform::Html => "HTML page",
            Transform::HeaderSynonyms => "header synonyms",
            Transform::NoBlankLines => "no blank lines",
            Transform::ColumnsReordered => "columns reordered",
            Transform::EmptyMarkers => "empty-cell markers",
            Transform::CrlfBomNbsp => "CRLF/BOM/NBSP/quotes",
            Transform::PageFurniture => "page furniture",
        }
    }

    /// Syntax transformations print the tables; the others change what is printed.
    pub fn is_syntax(self) -> bool {
        matches!(
            self,
            Transform::Pipe
                | Transform::Grid
                | Transform::FixedWidth
                | Transform::FixedWidthFiguresRight
                | Transform::Csv
                | Transform::Html
        )
    }

    pub fn apply(self, text: &str) -> String {
        match self {
            Transform::Pipe => per_block(text, pipe_block),
            Transform::Grid => per_block(text, grid_block),
            Transform::FixedWidth => per_block(text, fixed_block),
            Transform::FixedWidthFiguresRight => per_block(text, fixed_block_figures_right),
            Transform::Csv => per_block(text, csv_block),
            Transform::Html => html_page(text),
            Transform::HeaderSynonyms => header_synonyms(text),
            Transform::NoBlankLines => no_blank_lines(text),
            Transform::ColumnsReordered => per_block(text, |b| per_table(b, reorder_block)),
            Transform::EmptyMarkers => per_block(text, |b| per_table(b, marker_block)),
            Transform::CrlfBomNbsp => crlf_bom_nbsp(text),
            Transform::PageFurniture => page_furniture(text),
        }
    }
}

/// Text made safe for HTML, keeping the `<b>`, `<sub>` and `<p>` markup the text export left.
fn escape(t: &str) -> String {
    let text = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut out = String::new();
    let mut rest = t;
    while let Some(at) = rest.find('<') {
        out.push_str(&text(&rest[..at]));
        let after = &rest[at + 1..];
        let tag = after.find('>').filter(|end| {
            let name = after[..*end].trim_start_matches('/');
            *end <= 12 && !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric())
        });
        match tag {
            Some(end) => {
                out.push_str(&rest[at..at + end + 2]);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str("&lt;");
                rest = after;
            }
        }
    }
    out.push_str(&text(rest));
    out
}

fn html_page(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Report</title></head><body>\n",
    );
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.contains('\t') {
            let mut j = i;
            while j < lines.len() && lines[j].contains('\t') {
                j += 1;
            }
            let block: Vec<Vec<String>> = lines[i..j].iter().map(|l| cells(l)).collect();
            let width = block.iter().map(Vec::len).max().unwrap_or(0);
            let header = block_roles(&block).is_some();
            out.push_str("<table>\n");
            for (n, row) in block.iter().enumerate() {
                let th = header && n == 0;
                if th {
                    out.push_str("<thead>");
                }
                out.push_str("<tr>");
                let mut row = row.clone();
                row.resize(width, String::new());
                for c in &row {
                    let c = escape(c.trim());
                    if th {
                        out.push_str(&format!("<th>{c}</th>"));
                    } else {
                        out.push_str(&format!("<td>{c}</td>"));
                    }
                }
                out.push_str("</tr>");
                if th {
                    out.push_str("</thead>");
                }
                out.push('\n');
            }
            out.push_str("</table>\n");
            i = j;
            continue;
        }
        let t = line.trim();
        let hashes = t.bytes().take_while(|b| *b == b'#').count();
        if t.is_empty() {
        } else if (1..=6).contains(&hashes) && t[hashes..].starts_with(' ') {
            out.push_str(&format!(
                "<h{hashes}>{}</h{hashes}>\n",
                escape(t[hashes..].trim())
            ));
        } else if let Some(item) = t.strip_prefix("- ") {
            out.push_str(&format!("<ul><li>{}</li></ul>\n", escape(item)));
        } else if t.starts_with("**") && t.ends_with("**") && t.len() > 4 {
            out.push_str(&format!(
                "<p><strong>{}</strong></p>\n",
                escape(&t[2..t.len() - 2])
            ));
        } else {
            out.push_str(&format!("<p>{}</p>\n", escape(t)));
        }
        i += 1;
    }
    out.push_str("</body></html>\n");
    out
}

fn cells(line: &str) -> Vec<String> {
    line.split('\t').map(str::to_string).collect()
}

/// Rewrites every block of consecutive tab-separated lines.
fn per_block(text: &str, f: fn(&[Vec<String>]) -> Vec<String>) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].contains('\t') {
            out.push(lines[i].to_string());
            i += 1;
            continue;
        }
        let mut j = i;
        while j < lines.len() && lines[j].contains('\t') {
            j += 1;
        }
        let block: Vec<Vec<String>> = lines[i..j].iter().map(|l| cells(l)).collect();
        out.extend(f(&block));
        i = j;
    }
    out.join("\n") + "\n"
}

/// Applies `f` to each table of a block: a header row starts a table.
fn per_table(block: &[Vec<String>], f: fn(&[Vec<String>]) -> Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=block.len() {
        if i == block.len() || block_roles(&block[i..]).is_some() {
            out.extend(f(&block[start..i]));
            start = i;
        }
    }
    out
}

/// Cell text as a converter prints it: markup the report's own text export left (`<b>`) kept.
fn plain(c: &str) -> String {
    c.trim().to_string()
}

fn pipe_block(block: &[Vec<String>]) -> Vec<String> {
    let width = block.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = Vec::new();
    for (n, row) in block.iter().enumerate() {
        let mut cs: Vec<String> = row.iter().map(|c| plain(c).replace('|', "\\|")).collect();
        cs.resize(width, String::new());
        out.push(format!("| {} |", cs.join(" | ")));
        if n == 0 {
            out.push(format!("|{}|", vec!["---"; width].join("|")));
        }
    }
    out
}

/// Word-wraps text to lines of at most `width` characters (a longer word stands alone).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for w in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

fn column_widths(block: &[Vec<String>], cap: usize) -> Vec<usize> {
    let width = block.iter().map(Vec::len).max().unwrap_or(0);
    (0..width)
        .map(|c| {
            let longest_word = block
                .iter()
                .filter_map(|r| r.get(c))
                .flat_map(|t| t.split_whitespace().map(|w| w.chars().count()))
                .max()
                .unwrap_or(1);
            block
                .iter()
                .filter_map(|r| r.get(c))
                .map(|t| plain(t).chars().count())
                .max()
                .unwrap_or(1)
                .clamp(3, cap)
                .max(longest_word)
        })
        .collect()
}

/// A row's cells word-wrapped to their column widths, as the physical lines that print it: each
/// line holds every column's part, padded to `width + gutter`.
fn wrapped_lines(row: &[String], widths: &[usize], gutter: usize) -> Vec<Vec<String>> {
    let wrapped: Vec<Vec<String>> = widths
        .iter()
        .enumerate()
        .map(|(c, w)| wrap(&plain(row.get(c).map_or("", String::as_str)), *w))
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
    (0..height)
        .map(|k| {
            wrapped
                .iter()
                .zip(widths)
                .map(|(lines, w)| pad(lines.get(k).map_or("", String::as_str), w + gutter))
                .collect()
        })
        .collect()
}

fn pad(s: &str, w: usize) -> String {
    format!("{s:<w$}")
}

fn grid_block(block: &[Vec<String>]) -> Vec<String> {
    let widths = column_widths(block, 24);
    let rule = |c: char| {
        format!(
            "+{}+",
            widths
                .iter()
                .map(|w| c.to_string().repeat(w + 2))
                .collect::<Vec<_>>()
                .join("+")
        )
    };
    let mut out = vec![rule('-')];
    for (n, row) in block.iter().enumerate() {
        for parts in wrapped_lines(row, &widths, 0) {
            out.push(format!("| {} |", parts.join(" | ")));
        }
        out.push(rule(if n == 0 { '=' } else { '-' }));
    }
    out
}

fn fixed_block(block: &[Vec<String>]) -> Vec<String> {
    fixed_lines(block, &column_widths(block, 28), false)
}

/// A block's rows as fixed-width lines of `widths`, each figure set at its column's right where
/// `figures_right`, everything else at the left.
fn fixed_lines(block: &[Vec<String>], widths: &[usize], figures_right: bool) -> Vec<String> {
    let mut out = Vec::new();
    for row in block {
        let filled: Vec<usize> = (0..row.len())
            .filter(|c| !row[*c].trim().is_empty())
            .collect();
        if filled == [0] && widths.len() > 2 {
            // A section row spans the table, as a merged cell does.
            out.push(plain(&row[0]));
            continue;
        }
        for parts in wrapped_lines(row, widths, 3) {
            let line: String = parts
                .iter()
                .zip(widths)
                .map(|(part, w)| {
                    let text = part.trim_end();
                    if figures_right && is_figure(text) {
                        format!("{text:>w$}   ")
                    } else {
                        part.clone()
                    }
                })
                .collect();
            out.push(line.trim_end().to_string());
        }
    }
    out
}

/// A figure alone, as a spreadsheet sets it: a number with its sign, currency, thousands commas
/// and unit ("£1,915,500", "-3.2%", "16.90%", "£3.929m", "10.40").
pub fn is_figure(cell: &str) -> bool {
    let t = cell.trim();
    let core = t
        .trim_start_matches(['£', '$', '-', '+', '−'])
        .trim_end_matches(['%', 'p', 'k', 'm']);
    !core.is_empty()
        && core.starts_with(|c: char| c.is_ascii_digit())
        && core
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}

fn fixed_block_figures_right(block: &[Vec<String>]) -> Vec<String> {
    // Columns as wide as a page's share, not their words: a short header stands well apart from
    // the figures under it.
    let widths: Vec<usize> = column_widths(block, 28)
        .iter()
        .map(|w| *w.max(&16))
        .collect();
    fixed_lines(block, &widths, true)
}

fn csv_block(block: &[Vec<String>]) -> Vec<String> {
    let width = block.iter().map(Vec::len).max().unwrap_or(0);
    block
        .iter()
        .map(|row| {
            let mut cs: Vec<String> = row
                .iter()
                .map(|c| {
                    let c = plain(c);
                    if c.contains(',') || c.contains('"') {
                        format!("\"{}\"", c.replace('"', "\"\""))
                    } else {
                        c
                    }
                })
                .collect();
            cs.resize(width, String::new());
            cs.join(",")
        })
        .collect()
}

/// The roles of a block's header, if its first line is a header lapis reads.
fn block_roles(block: &[Vec<String>]) -> Option<Vec<Role>> {
    let clean: Vec<String> = block[0]
        .iter()
        .map(|c| lapis_extract::text::clean(c))
        .collect();
    header_roles(&clean, Vocabulary::builtin())
}

fn reorder_block(block: &[Vec<String>]) -> Vec<String> {
    let Some(roles) = block_roles(block) else {
        return block.iter().map(|r| r.join("\t")).collect();
    };
    // The first column stays (a name column may be headed by an empty cell); the rest reversed.
    let n = roles.len();
    let order: Vec<usize> = std::iter::once(0).chain((1..n).rev()).collect();
    block
        .iter()
        .map(|row| {
            let filled: Vec<usize> = (0..row.len())
                .filter(|c| !row[*c].trim().is_empty())
                .collect();
            if filled == [0] {
                return row.join("\t");
            }
            order
                .iter()
                .map(|c| row.get(*c).cloned().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect()
}

fn marker_block(block: &[Vec<String>]) -> Vec<String> {
    let Some(roles) = block_roles(block) else {
        return block.iter().map(|r| r.join("\t")).collect();
    };
    const MARKERS: &[&str] = &["-", "n/a", "..", "–", "N/A", "tbc"];
    let mut k = 0;
    block
        .iter()
        .enumerate()
        .map(|(n, row)| {
            let named = roles
                .iter()
                .zip(row)
                .any(|(r, c)| *r == Role::Name && !c.trim().is_empty());
            let values = roles
                .iter()
                .zip(row)
                .any(|(r, c)| matches!(r, Role::Value(_)) && !c.trim().is_empty());
            if n == 0 || !named || !values {
                return row.join("\t");
            }
            let mut row = row.clone();
            row.resize(roles.len(), String::new());
            for (r, c) in roles.iter().zip(row.iter_mut()) {
                if matches!(r, Role::Value(_) | Role::Benchmark) && c.trim().is_empty() {
                    *c = MARKERS[k % MARKERS.len()].to_string();
                    k += 1;
                }
            }
            row.join("\t")
        })
        .collect()
}

/// Header cells as other councils' templates word them.
const SYNONYMS: &[(&str, &str)] = &[
    ("Strategic Objective", "Objective"),
    ("Measure", "Performance indicator"),
    ("Key Measure", "KPI"),
    ("Number", "Ref"),
    ("No.", "Ref."),
    ("Expected Completion", "Due date"),
    ("Progress", "Progress status"),
    ("Comments", "Commentary"),
    ("Latest data (YTD)", "This quarter (YTD)"),
    ("Target for quarter (YTD)", "Quarterly target (YTD)"),
    ("Performance against target (YTD)", "RAG rating (YTD)"),
    ("Latest data as at", "Data as of"),
    ("Latest Benchmark (YTD)", "National average (YTD)"),
    ("Benchmark Group", "Comparator group"),
    ("Reporting Frequency", "Frequency"),
    ("Same quarter 2022-2023 (YTD)", "Same quarter 2022/23 (YTD)"),
    (
        "Same quarter 2023-2024 (YTD)",
        "Same quarter 2023 to 2024 (YTD)",
    ),
    ("Same Quarter 2023-24 (YTD)", "Q1 2023/24 (YTD)"),
    ("Same Quarter 2024-25 (YTD)", "Quarter 1 2024-2025 (YTD)"),
    ("Latest Quarter 2025-26 (YTD)", "This period (YTD)"),
    ("Latest Target 2025-26 (YTD)", "Target 2025/26 (YTD)"),
    ("2022-2023 Year End", "2022/23 outturn"),
    ("2023-2024 Year End", "2023 to 2024 year end"),
    ("2024-2025 Target", "Target 2024/25"),
    ("Ref", "Reference"),
    ("Description", "Title"),
    ("2023 24 actual", "2023/24 actual"),
    ("2024 25 Q4 actual", "Q4 2024/25 actual"),
    ("Q4 status", "RAG status"),
    ("DoT", "Direction of travel"),
    ("Council Plan theme", "Theme"),
    ("Date", "Data period"),
    ("Actual", "Outturn"),
    ("Performance", "RAG"),
];

fn header_synonyms(text: &str) -> String {
    per_block(text, |block| {
        let mut out: Vec<String> = Vec::new();
        for row in block {
            let is_header = block_roles(std::slice::from_ref(row)).is_some();
            if !is_header {
                out.push(row.join("\t"));
                continue;
            }
            let renamed: Vec<String> = row
                .iter()
                .map(|c| {
                    let bare = lapis_extract::text::clean(c);
                    SYNONYMS
                        .iter()
                        .find(|(from, _)| *from == bare)
                        .map_or_else(|| c.clone(), |(_, to)| to.to_string())
                })
                .collect();
            out.push(renamed.join("\t"));
        }
        out
    })
}

/// A blank line between two tab-separated lines is removed: tables run on into each other.
fn no_blank_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.trim().is_empty() {
            let prev = lines[..i].iter().rev().find(|l| !l.trim().is_empty());
            let next = lines[i + 1..].iter().find(|l| !l.trim().is_empty());
            if prev.is_some_and(|p| p.contains('\t')) && next.is_some_and(|n| n.contains('\t')) {
                continue;
            }
        }
        out.push(*l);
    }
    out.join("\n") + "\n"
}

fn crlf_bom_nbsp(text: &str) -> String {
    let body = text
        .replace(" of ", "\u{a0}of\u{a0}")
        .replace("'", "\u{2019}")
        .replace('\n', "\r\n");
    format!("\u{feff}{body}")
}

fn page_furniture(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let pages = lines.len() / 40 + 1;
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if i > 0 && i % 40 == 0 {
            let page = i / 40 + 1;
            out.push("\u{c}Council Performance Report | Cabinet".to_string());
            out.push(format!("Page {page} of {pages}"));
            out.push("OFFICIAL".to_string());
        }
        out.push(l.to_string());
    }
    out.join("\n") + "\n"
}
