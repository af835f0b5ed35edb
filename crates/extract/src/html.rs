//! HTML pages into the text the readers know: headings as `#` lines, paragraphs and list items
//! as lines, and every `<table>` as tab-separated rows, with `colspan` (the text in the first
//! column it spans, the rest empty, as a group header prints) and `rowspan` (the text repeated
//! in every row it spans) laid out on one grid, `<br>` inside a cell read as a space and entities
//! decoded. The page is parsed by a real HTML parser (html5ever, through `scraper`), so unclosed
//! tags and the other liberties of council web pages are read as a browser reads them.
//!
//! Each line of this text knows where on the page it came from: a table row knows its table (the
//! n-th `<table>` of the page) and its row (the n-th `<tr>` of that table), so that an event read
//! from a table cites them ([`to_text_and_places`]). Other lines (headings, paragraphs) are cited
//! by their line in this text, in the order the page shows them.

use scraper::{ElementRef, Html, Node};

/// Whether a document's text is an HTML page rather than report text.
pub fn is_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(2048)
        .collect::<String>()
        .to_ascii_lowercase();
    let t = head.trim_start_matches('\u{feff}').trim_start();
    t.starts_with("<!doctype html")
        || t.starts_with("<html")
        || head.contains("<html") && (head.contains("<head") || head.contains("<body"))
}

/// The page's text, as lines.
pub fn to_text(html: &str) -> String {
    to_text_and_places(html).0
}

/// The page's text, and for each of its lines the table and row it prints: (n-th `<table>` of
/// the page, n-th `<tr>` of that table), both from 1, or `None` for a line outside the tables.
pub fn to_text_and_places(html: &str) -> (String, Vec<Option<(u32, u32)>>) {
    let doc = Html::parse_document(html);
    let mut out = Writer::default();
    out.walk(doc.root_element());
    out.flush();
    (out.lines.join("\n") + "\n", out.places)
}

#[derive(Default)]
struct Writer {
    lines: Vec<String>,
    /// The table and row of each line.
    places: Vec<Option<(u32, u32)>>,
    /// Tables met so far, nested ones included, in the order of the page.
    tables: u32,
    /// Text of the block being written.
    current: String,
    /// Whether everything in the current block so far was bold.
    all_bold: bool,
    bold_depth: usize,
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "main"
            | "nav"
            | "aside"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "blockquote"
            | "pre"
            | "figure"
            | "figcaption"
            | "caption"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "title"
            | "address"
            | "form"
            | "fieldset"
    )
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of an element, `<br>` and block boundaries read as spaces.
fn cell_text(el: ElementRef<'_>) -> String {
    let mut s = String::new();
    for node in el.descendants() {
        match node.value() {
            Node::Text(t) => s.push_str(t),
            Node::Element(e) if e.name() == "br" || is_block(e.name()) => s.push(' '),
            _ => {}
        }
    }
    collapse(&s)
}

impl Writer {
    fn push(&mut self, line: String) {
        self.lines.push(line);
        self.places.push(None);
    }

    fn flush(&mut self) {
        let text = collapse(&self.current);
        if !text.is_empty() {
            let line = if self.all_bold && !text.starts_with('#') {
                format!("**{text}**")
            } else {
                text
            };
            self.push(line);
            self.push(String::new());
        }
        self.current.clear();
        self.all_bold = true;
    }

    fn walk(&mut self, el: ElementRef<'_>) {
        let name = el.value().name();
        match name {
            "script" | "style" | "noscript" | "template" | "svg" | "head" => {
                // The page's <title> often names the report and its quarter.
                if name == "head" {
                    if let Some(title) = el
                        .children()
                        .filter_map(ElementRef::wrap)
                        .find(|c| c.value().name() == "title")
                    {
                        self.flush();
                        self.current = cell_text(title);
                        self.all_bold = false;
                        self.flush();
                    }
                }
                return;
            }
            "table" => {
                self.flush();
                self.table(el);
                return;
            }
            "br" => {
                let bold = self.all_bold;
                self.flush();
                self.all_bold = bold;
                return;
            }
            _ => {}
        }
        let heading = name
            .strip_prefix('h')
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=6).contains(n));
        let block = is_block(name);
        if block {
            self.flush();
            if let Some(level) = heading {
                self.current = format!("{} ", "#".repeat(level));
                self.all_bold = false;
            } else if name == "li" {
                self.current = "- ".to_string();
                self.all_bold = false;
            }
        }
        let bold = matches!(name, "b" | "strong");
        if bold {
            self.bold_depth += 1;
        }
        for child in el.children() {
            match child.value() {
                Node::Text(t) => {
                    if !t.trim().is_empty() && self.bold_depth == 0 {
                        self.all_bold = false;
                    }
                    self.current.push_str(t);
                }
                Node::Element(_) => {
                    if let Some(c) = ElementRef::wrap(child) {
                        self.walk(c);
                    }
                }
                _ => {}
            }
        }
        if bold {
            self.bold_depth -= 1;
        }
        if block {
            self.flush();
        }
    }

    /// A table as rows of cells on one grid.
    fn table(&mut self, table: ElementRef<'_>) {
        // Numbered as `document.querySelectorAll("table")` numbers them: the tables nested in
        // this one's cells (read as their text) come after it.
        let number = self.tables + 1;
        self.tables += table
            .descendants()
            .filter_map(ElementRef::wrap)
            .filter(|e| e.value().name() == "table")
            .count()
            .max(1) as u32;
        let rows: Vec<ElementRef<'_>> = table
            .descendants()
            .filter_map(ElementRef::wrap)
            .filter(|e| e.value().name() == "tr")
            // Rows of this table, not of a table nested in one of its cells.
            .filter(|tr| {
                tr.ancestors()
                    .filter_map(ElementRef::wrap)
                    .find(|a| a.value().name() == "table")
                    .is_some_and(|t| t.id() == table.id())
            })
            .collect();
        if let Some(caption) = table
            .children()
            .filter_map(ElementRef::wrap)
            .find(|c| c.value().name() == "caption")
        {
            self.push(format!("**{}**", cell_text(caption)));
            self.push(String::new());
        }
        // The leading rows of header cells (a <thead>, or rows of <th> only) are one header.
        let header_rows = rows
            .iter()
            .take_while(|tr| {
                let in_head = tr
                    .ancestors()
                    .filter_map(ElementRef::wrap)
                    .any(|a| a.value().name() == "thead");
                let cells: Vec<ElementRef<'_>> = tr
                    .children()
                    .filter_map(ElementRef::wrap)
                    .filter(|c| matches!(c.value().name(), "td" | "th"))
                    .collect();
                in_head || !cells.is_empty() && cells.iter().all(|c| c.value().name() == "th")
            })
            .count();
        let mut grid: Vec<Vec<Option<String>>> = Vec::new();
        for (r, tr) in rows.iter().enumerate() {
            if grid.len() <= r {
                grid.push(Vec::new());
            }
            let in_header = r < header_rows;
            let mut col = 0;
            for cell in tr
                .children()
                .filter_map(ElementRef::wrap)
                .filter(|c| matches!(c.value().name(), "td" | "th"))
            {
                while grid[r].get(col).is_some_and(Option::is_some) {
                    col += 1;
                }
                let span = |a: &str| {
                    cell.value()
                        .attr(a)
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(1)
                        .clamp(1, 1000)
                };
                let (colspan, rowspan) = (span("colspan"), span("rowspan").min(rows.len() - r));
                let text = cell_text(cell);
                for dr in 0..rowspan {
                    while grid.len() <= r + dr {
                        grid.push(Vec::new());
                    }
                    let row = &mut grid[r + dr];
                    if row.len() < col + colspan {
                        row.resize(col + colspan, None);
                    }
                    for dc in 0..colspan {
                        // In the body a spanned row repeats the text and spanned columns are
                        // empty after the first, as a group header prints. In a header of
                        // several rows, a group header names every column it spans, and a
                        // header spanning rows is said once.
                        let repeat = if in_header { dr == 0 } else { dc == 0 };
                        row[col + dc] = Some(if repeat { text.clone() } else { String::new() });
                    }
                }
                col += colspan;
            }
        }
        if header_rows >= 2 {
            let width = grid[..header_rows].iter().map(Vec::len).max().unwrap_or(0);
            let joined: Vec<Option<String>> = (0..width)
                .map(|c| {
                    let parts: Vec<String> = grid[..header_rows]
                        .iter()
                        .filter_map(|row| row.get(c).cloned().flatten())
                        .filter(|t| !t.is_empty())
                        .collect();
                    Some(parts.join(" – "))
                })
                .collect();
            grid.splice(..header_rows, [joined]);
        }
        // The n-th line of the grid is the n-th <tr>, after a header of several rows, which is
        // one line citing its first.
        for (n, row) in grid.into_iter().enumerate() {
            let cells: Vec<String> = row.into_iter().map(Option::unwrap_or_default).collect();
            if cells.iter().all(String::is_empty) {
                continue;
            }
            if cells.len() == 1 {
                self.push(cells[0].clone());
            } else {
                self.push(cells.join("\t"));
            }
            let tr = if header_rows >= 2 && n > 0 {
                n + header_rows
            } else {
                n + 1
            };
            *self.places.last_mut().expect("a line was pushed") = Some((number, tr as u32));
        }
        self.push(String::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_with_spans_breaks_and_entities() {
        let page = r#"<!DOCTYPE html><html><head><title>Performance Report Quarter 2 2024/25</title></head>
<body><h2>Housing &amp; homes</h2><p><strong>Key measures</strong></p>
<table><thead><tr><th rowspan="2">Ref</th><th rowspan="2">Measure</th><th colspan="2">Quarter 2</th></tr>
<tr><th>2023/24</th><th>2024/25</th></tr></thead>
<tbody><tr><td>H1</td><td>Homes<br>built</td><td>1,203</td><td>&pound;4m</td></tr>
<tr><td>H2<td>Empty homes<td>88<td>91</tbody></table><ul><li>One</li></ul></body></html>"#;
        assert!(is_html(page));
        let text = to_text(page);
        let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
        // The header of two rows cites the first; the body rows are the table's third and
        // fourth <tr>.
        let (shown, places) = to_text_and_places(page);
        let cited: Vec<(&str, Option<(u32, u32)>)> = shown
            .split('\n')
            .zip(places)
            .filter(|(l, _)| l.contains('\t'))
            .collect();
        assert_eq!(
            cited.iter().map(|c| c.1).collect::<Vec<_>>(),
            vec![Some((1, 1)), Some((1, 3)), Some((1, 4))]
        );
        assert_eq!(
            lines,
            vec![
                "Performance Report Quarter 2 2024/25",
                "## Housing & homes",
                "**Key measures**",
                "Ref\tMeasure\tQuarter 2 – 2023/24\tQuarter 2 – 2024/25",
                "H1\tHomes built\t1,203\t£4m",
                "H2\tEmpty homes\t88\t91",
                "- One",
            ]
        );
    }

    #[test]
    fn tables_are_numbered_as_the_page_numbers_them() {
        // The second table is nested in a cell of the first (read as that cell's text); the
        // third is the page's third <table>.
        let page = r#"<html><body><table><tr><th>Ref</th><th>Value</th></tr>
<tr><td>A1</td><td><table><tr><td>nested</td></tr></table></td></tr></table>
<p>Between</p><table><tr><td>B1</td><td>7</td></tr><tr><td></td><td></td></tr><tr><td>B2</td><td>8</td></tr></table>
</body></html>"#;
        let (shown, places) = to_text_and_places(page);
        let rows: Vec<(&str, (u32, u32))> = shown
            .split('\n')
            .zip(places)
            .filter_map(|(l, p)| Some((l, p?)))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("Ref\tValue", (1, 1)),
                ("A1\tnested", (1, 2)),
                ("B1\t7", (3, 1)),
                ("B2\t8", (3, 3)),
            ]
        );
    }
}
