//! The one table model: whatever syntax a report's tables are printed in, they become the same
//! rows of cells, each with its line in the source, before any report reader sees them.
//!
//! Read here: tab-separated text (Word's text export), Markdown and ASCII pipe tables (with
//! `+---+` grid rules and cells over several lines), CSV blocks, and fixed-width columns (what
//! `pdftotext -layout` prints), whose gutters are found from the whole block and whose cells
//! wrapped over several lines of their column are joined. The text is normalised first (byte
//! order mark, CRLF, no-break and zero-width spaces, form feeds, smart quotes, hyphen and minus
//! variants) and page furniture (`Page 3 of 12`, protective markings, a running header repeated
//! at every page break) is dropped, never read as a row or as part of a name.
//!
//! What goes wrong here is a block that looks like a table and is not (aligned prose): such a
//! block has no header the vocabulary knows, its rows reach the readers as cells, and whatever
//! no reader takes is reported as a parse issue, never dropped silently.

use lapis_model::value::parse_value;
use lapis_model::Vocabulary;

use crate::header::{header_roles, role_of, Role};
use crate::text::{clean, Line};

/// What a document's text becomes: its lines, tables as cells, furniture gone.
pub fn read(text: &str, vocab: &Vocabulary) -> Vec<Line> {
    let text = normalise(text);
    let mut lines = crate::text::lines(&text);
    let mut dropped = vec![false; lines.len()];
    drop_furniture(&lines, &mut dropped, vocab);
    pipe_tables(&mut lines, &mut dropped);
    csv_tables(&mut lines, &mut dropped, vocab);
    fixed_width_tables(&mut lines, &mut dropped, vocab);
    tables_over_page_breaks(&lines, &mut dropped);
    lines
        .into_iter()
        .zip(dropped)
        .filter(|(_, d)| !d)
        .map(|(mut l, _)| {
            if l.raw.contains(PAGE_BREAK) {
                l.raw = l.raw.replace(PAGE_BREAK, "");
                l.text = l.text.replace(PAGE_BREAK, "").trim().to_string();
                for c in &mut l.cells {
                    *c = c.replace(PAGE_BREAK, "").trim().to_string();
                }
            }
            l
        })
        .collect()
}

/// A table a page break parted with nothing but furniture and blank lines between its parts (a
/// PDF's table whose header is not printed again over its rest): the blank lines are dropped,
/// so that the rows go on under the header they were printed under. Only where the lines on
/// either side are rows of as many cells. A bare page number there is furniture, and dropped.
fn tables_over_page_breaks(lines: &[Line], dropped: &mut [bool]) {
    let number = |l: &Line| is_bare_number(&l.raw.replace(PAGE_BREAK, ""));
    let mut i = 0;
    while i < lines.len() {
        let gap = |k: usize| dropped[k] || lines[k].is_blank() || number(&lines[k]);
        if !gap(i) || i == 0 || dropped[i - 1] || !lines[i - 1].is_tabular() {
            i += 1;
            continue;
        }
        let end = (i..lines.len()).find(|&k| !gap(k)).unwrap_or(lines.len());
        let broken = (i..end).any(|k| lines[k].raw.contains(PAGE_BREAK));
        let goes_on = lines
            .get(end)
            .is_some_and(|l| l.is_tabular() && l.cells.len() == lines[i - 1].cells.len());
        if broken && goes_on {
            dropped[i..end].fill(true);
        }
        i = end.max(i + 1);
    }
}

/// Characters that print the same but differ in bytes, made one; the line count is kept.
pub fn normalise(text: &str) -> String {
    let text = text.trim_start_matches('\u{feff}');
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            // A form feed starts a page: the page break itself is not text.
            '\u{c}' => out.push(PAGE_BREAK),
            '\u{a0}' | '\u{2007}' | '\u{202f}' | '\u{2009}' | '\u{2002}' | '\u{2003}' => {
                out.push(' ')
            }
            '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}' => {}
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{2032}' => out.push('\''),
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{2033}' => out.push('"'),
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2212}' | '\u{fe63}' | '\u{ff0d}' => {
                out.push('-')
            }
            _ => out.push(c),
        }
    }
    out
}

/// Marks where a form feed was, so that furniture beside page breaks can be recognised; it is
/// removed with the furniture.
const PAGE_BREAK: char = '\u{e000}';

/// A line that is a number alone, as Word and Typst print a page's number.
pub(crate) fn is_bare_number(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.len() <= 4 && t.chars().all(|c| c.is_ascii_digit())
}

pub(crate) fn is_page_number(line: &str) -> bool {
    let l = line.trim().trim_matches(PAGE_BREAK).trim().to_lowercase();
    let words: Vec<&str> = l
        .split(|c: char| c.is_whitespace() || c == '|')
        .filter(|w| !w.is_empty())
        .collect();
    let num = |w: &str| !w.is_empty() && w.len() <= 4 && w.chars().all(|c| c.is_ascii_digit());
    match words.as_slice() {
        ["page", n] | [n, "page"] => num(n),
        ["page", n, "of", m] => num(n) && num(m),
        ["-", n, "-"] => num(n),
        _ => false,
    }
}

fn drop_furniture(lines: &[Line], dropped: &mut [bool], vocab: &Vocabulary) {
    // Page breaks: form feeds where the text has them, else page-number lines.
    let mut feeds = Vec::new();
    let mut numbers = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.raw.contains(PAGE_BREAK) {
            feeds.push(i);
        }
        // Furniture is short: a page number or a marking, never a paragraph.
        if l.raw.trim().len() > 60 {
            continue;
        }
        let t = l.raw.replace(PAGE_BREAK, "");
        let page_number = is_page_number(&t);
        if page_number {
            numbers.push(i);
        }
        let empty_page_break = l.raw.contains(PAGE_BREAK) && t.trim().is_empty();
        if page_number || empty_page_break || vocab.is_furniture_line(&t) {
            dropped[i] = true;
        }
    }
    // The first page has a running header too, though no form feed comes before it.
    let breaks = if feeds.is_empty() {
        numbers
    } else {
        std::iter::once(0).chain(feeds).collect()
    };
    // A running header (or footer): the same short line printed right at three or more page
    // breaks, at least half of them: the line that holds the form feed, the first line after
    // it, the last line before it.
    let mut seen: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    let non_blank = |k: &usize| !lines[*k].raw.replace(PAGE_BREAK, "").trim().is_empty();
    for &b in &breaks {
        let after = (b + 1..lines.len()).find(non_blank);
        let before = (0..b).rev().find(non_blank);
        for k in [Some(b), after, before].into_iter().flatten() {
            if lines[k].is_tabular() {
                continue;
            }
            let t = lines[k].raw.replace(PAGE_BREAK, "").trim().to_string();
            // A table's rule or repeated header after a page break is not a running header.
            let chars: Vec<char> = t.chars().collect();
            let table_like = is_rule(&t) || is_pipe_row(&t) || chunks(&chars).len() > 2;
            if t.chars().count() <= 100 && t.chars().any(char::is_alphabetic) && !table_like {
                let e = seen.entry(t).or_default();
                if !e.contains(&k) {
                    e.push(k);
                }
            }
        }
    }
    let pages = breaks.len();
    for (_, at) in seen {
        if at.len() >= 3 && at.len() * 2 >= pages {
            for k in at {
                dropped[k] = true;
            }
        }
    }
}

/// A row rebuilt from cells, keeping the printed line.
fn table_row(line: &Line, cells: Vec<String>) -> Line {
    Line {
        text: cells.join("\t"),
        cells,
        heading: None,
        bold: false,
        ..line.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// Pipe tables.

fn is_rule(t: &str) -> bool {
    let t = t.trim();
    (t.starts_with('+') || t.starts_with('|') || t.starts_with('-') || t.starts_with(':'))
        && (t.contains("--") || t.contains("=="))
        && t.chars()
            .all(|c| matches!(c, '+' | '-' | '=' | '|' | ':' | ' '))
}

fn is_pipe_row(t: &str) -> bool {
    let t = t.trim();
    t.starts_with('|') && t.ends_with('|') && t.len() > 2
}

fn pipe_cells(t: &str) -> Vec<String> {
    let t = t.trim();
    let inner = t.strip_prefix('|').unwrap_or(t);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    cells.push(cur);
    cells.iter().map(|c| clean(c).trim().to_string()).collect()
}

fn pipe_tables(lines: &mut [Line], dropped: &mut [bool]) {
    let mut i = 0;
    while i < lines.len() {
        let is_part = |l: &Line| {
            let t = l.raw.trim();
            !l.is_tabular()
                && (is_pipe_row(t) || is_rule(t) && (t.contains('|') || t.contains('+')))
        };
        if dropped[i] || !is_part(&lines[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < lines.len() && (dropped[j] || is_part(&lines[j])) {
            j += 1;
        }
        let block: Vec<usize> = (i..j).filter(|k| !dropped[*k]).collect();
        let rows = block
            .iter()
            .filter(|k| is_pipe_row(&lines[**k].raw))
            .count();
        if rows >= 2 {
            // A grid table rules every row; a cell over several lines is joined.
            let grid = block
                .iter()
                .filter(|k| lines[**k].raw.trim().starts_with('+'))
                .count()
                >= 2;
            let mut row: Option<(usize, Vec<String>)> = None;
            let flush = |row: &mut Option<(usize, Vec<String>)>, lines: &mut [Line]| {
                if let Some((k, cells)) = row.take() {
                    lines[k] = table_row(&lines[k], cells);
                }
            };
            for &k in &block {
                let raw = lines[k].raw.clone();
                if is_rule(&raw) {
                    dropped[k] = true;
                    flush(&mut row, lines);
                    continue;
                }
                let cells = pipe_cells(&raw);
                match (&mut row, grid) {
                    (Some((_, acc)), true) => {
                        dropped[k] = true;
                        for (n, c) in cells.into_iter().enumerate() {
                            if n >= acc.len() {
                                acc.push(String::new());
                            }
                            if !c.is_empty() {
                                if !acc[n].is_empty() {
                                    acc[n].push(' ');
                                }
                                acc[n].push_str(&c);
                            }
                        }
                    }
                    _ => {
                        flush(&mut row, lines);
                        row = Some((k, cells));
                    }
                }
            }
            flush(&mut row, lines);
        }
        i = j;
    }
    // Markdown without outer pipes: `a | b` over `--- | ---`.
    for i in 1..lines.len() {
        let t = lines[i].raw.trim().to_string();
        if dropped[i] || !is_rule(&t) || !t.contains('|') || lines[i - 1].is_tabular() {
            continue;
        }
        let head = lines[i - 1].raw.trim().to_string();
        if !head.contains('|') || is_pipe_row(&head) {
            continue;
        }
        dropped[i] = true;
        let cells = pipe_cells(&head);
        lines[i - 1] = table_row(&lines[i - 1], cells);
        let mut k = i + 1;
        while k < lines.len() && lines[k].raw.contains('|') && !lines[k].is_tabular() {
            let cells = pipe_cells(&lines[k].raw);
            lines[k] = table_row(&lines[k], cells);
            k += 1;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CSV.

/// Splits one CSV record; `None` when its quotes do not close on the line.
fn csv_fields(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut at_start = true;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' if quoted => quoted = false,
            '"' if at_start => quoted = true,
            ',' if !quoted => {
                fields.push(std::mem::take(&mut cur));
                at_start = true;
                continue;
            }
            _ => cur.push(c),
        }
        at_start = false;
    }
    (!quoted).then(|| {
        fields.push(cur);
        fields
    })
}

pub(crate) fn is_figure(cell: &str) -> bool {
    parse_value(cell).is_some_and(|v| v.number.is_some())
}

/// A year's two last digits under its first part ("2023" over "24", or "2024" over "25 Q4"), or
/// the end of a span of years under its start ("2023 to" over "2024 (YTD)", or "to" alone over
/// it): a header cell wrapped in a narrow column, the header's, not a figure.
fn year_rest(text: &str, above: &str) -> bool {
    let first = text.split(' ').next().unwrap_or("");
    let year =
        |w: &str| w.len() == 4 && w.starts_with("20") && w.chars().all(|ch| ch.is_ascii_digit());
    let mut before = above.split_whitespace().rev();
    let last = before.next().unwrap_or("");
    let digits = first.len() == 2 && first.chars().all(|ch| ch.is_ascii_digit());
    digits && year(last)
        || year(first) && matches!(last, "to" | "-" | "–") && before.next().is_none_or(year)
}

/// A figure that is data, not a header word (a year heading a column, "2017/2018", is one).
fn is_data(cell: &str, vocab: &Vocabulary) -> bool {
    is_figure(cell) && matches!(role_of(cell, true, vocab), Role::Unknown | Role::Name)
}

fn csv_tables(lines: &mut [Line], dropped: &mut [bool], vocab: &Vocabulary) {
    let candidate = |l: &Line| -> Option<Vec<String>> {
        let t = l.raw.trim();
        // A CSV record starts at the margin and does not align text in columns.
        if l.is_tabular()
            || l.raw.starts_with([' ', '\t'])
            || l.raw.contains("  ")
            || !t.contains(',')
            || l.heading.is_some()
            || t.starts_with("- ")
            || t.starts_with("* ")
            || t.starts_with('|')
        {
            return None;
        }
        // Commas that only group a figure's thousands ("2020-2021 1,554": a chart's row whose
        // cells a PDF set a word's space apart) make no record.
        // (One to three digits before each, starting a word or after another such comma, and
        // three after: "2021-2022,373" is a record.)
        let chars: Vec<char> = t.chars().collect();
        let thousands = |k: usize| {
            let digits = chars[..k]
                .iter()
                .rev()
                .take_while(|c| c.is_ascii_digit())
                .count();
            let before = k.checked_sub(digits + 1).map(|b| chars[b]);
            (1..=3).contains(&digits)
                && before.is_none_or(|c| matches!(c, ' ' | ',' | '£' | '$' | '€' | '('))
                && chars.len() >= k + 4
                && chars[k + 1..k + 4].iter().all(char::is_ascii_digit)
                && chars.get(k + 4).is_none_or(|c| !c.is_ascii_digit())
        };
        if !t.contains('"') && (0..chars.len()).all(|k| chars[k] != ',' || thousands(k)) {
            return None;
        }
        let fields = csv_fields(t)?;
        // A sentence with commas, each followed by a space as prose writes them (a CSV file's
        // are not), ended by its full stop and holding no figure of its own, is prose (a PDF's
        // paragraphs follow each other with no blank line between them).
        let sentence = t.ends_with(['.', '!', '?'])
            && fields[1..].iter().all(|f| f.starts_with(' '))
            && !fields.iter().any(|f| is_figure(f.trim()));
        (fields.len() >= 2 && !sentence).then_some(fields)
    };
    let mut i = 0;
    while i < lines.len() {
        if dropped[i] {
            i += 1;
            continue;
        }
        let Some(first) = candidate(&lines[i]) else {
            i += 1;
            continue;
        };
        let n = first.len();
        let mut block = vec![(i, first)];
        let mut j = i + 1;
        while j < lines.len() {
            if dropped[j] {
                j += 1;
                continue;
            }
            match candidate(&lines[j]) {
                Some(f) if f.len() == n => block.push((j, f)),
                _ => break,
            }
            j += 1;
        }
        if block.len() < 2 {
            i = j.max(i + 1);
            continue;
        }
        let cleaned: Vec<Vec<String>> = block
            .iter()
            .map(|(_, f)| f.iter().map(|c| clean(c).trim().to_string()).collect())
            .collect();
        let has_header = cleaned.iter().any(|c| header_roles(c, vocab).is_some());
        let short = cleaned
            .iter()
            .all(|c| c.iter().all(|f| f.split_whitespace().count() <= 12));
        let with_figures = cleaned
            .iter()
            .filter(|c| c.iter().any(|f| is_figure(f)))
            .count();
        if block.len() >= 2 && (has_header || n >= 3 || short && with_figures * 2 >= block.len()) {
            for ((k, _), cells) in block.iter().zip(cleaned) {
                lines[*k] = table_row(&lines[*k], cells);
            }
        }
        i = j.max(i + 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Fixed-width columns.

/// A run of text and where it starts and ends, in characters.
pub(crate) type Chunk = (usize, usize, String);

/// Runs of text separated by two or more spaces, as (start, end, text) in characters.
pub(crate) fn chunks(line: &[char]) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        if line[i] == ' ' {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        while i < line.len() {
            if line[i] != ' ' {
                end = i + 1;
                i += 1;
            } else if i + 1 < line.len() && line[i + 1] != ' ' {
                i += 1;
            } else {
                break;
            }
        }
        out.push((start, end, line[start..end].iter().collect()));
    }
    out
}

struct Grid {
    /// Column start positions (the first is 0).
    starts: Vec<usize>,
}

impl Grid {
    /// The gutters shared by the lines: positions blank in every line, two or more wide.
    fn of(rows: &[&Vec<char>]) -> Option<Grid> {
        let width = rows.iter().map(|r| r.len()).max()?;
        let mut occupied = vec![false; width];
        for r in rows {
            for (p, c) in r.iter().enumerate() {
                if *c != ' ' {
                    occupied[p] = true;
                }
            }
        }
        let first = occupied.iter().position(|o| *o)?;
        let mut starts = vec![0];
        let mut p = first;
        while p < width {
            if occupied[p] {
                p += 1;
                continue;
            }
            let gap_start = p;
            while p < width && !occupied[p] {
                p += 1;
            }
            if p < width && p - gap_start >= 2 {
                starts.push(p);
            }
        }
        (starts.len() >= 2).then_some(Grid { starts })
    }

    /// Figures set to the right of their column under a header set to its left ("Jun 2023"
    /// over a "2" a column's width to its right, as a word processor prints a table with no
    /// rules) stand in a gutter of their own: a column with no header word, only figures, beside
    /// a headed one that no line fills with it. They are that column's.
    fn join_headless_figures(&mut self, lines: &[&[Chunk]], vocab: &Vocabulary) {
        for c in (1..self.starts.len()).rev() {
            let in_column = |col: usize, line: &[Chunk]| -> Vec<String> {
                line.iter()
                    .filter(|(s, _, _)| self.column_of(*s) == col)
                    .map(|(_, _, t)| t.clone())
                    .collect()
            };
            let mut figures = 0;
            let mut words_left = 0;
            let mut complementary = true;
            for line in lines {
                let here = in_column(c, line);
                let left = in_column(c - 1, line);
                if here.iter().any(|t| !is_data(t, vocab)) {
                    figures = 0;
                    break;
                }
                figures += here.len();
                words_left += left.iter().filter(|t| !is_data(t, vocab)).count();
                complementary &= here.is_empty() || left.is_empty();
            }
            if figures > 0 && words_left > 0 && complementary && c - 1 > 0 {
                self.starts.remove(c);
            }
        }
    }

    fn column_of(&self, pos: usize) -> usize {
        self.starts.iter().rposition(|s| *s <= pos).unwrap_or(0)
    }

    /// Whether a chunk crosses a gutter (a spanning caption or section row).
    fn spans(&self, start: usize, end: usize) -> bool {
        self.column_of(start) != self.column_of(end.saturating_sub(1))
    }

    fn cells(&self, line: &[Chunk]) -> Vec<String> {
        let mut cells = vec![String::new(); self.starts.len()];
        for (start, _, text) in line {
            let start = *start;
            let c = &mut cells[self.column_of(start)];
            if !c.is_empty() {
                c.push(' ');
            }
            c.push_str(text);
        }
        cells.iter().map(|c| clean(c).trim().to_string()).collect()
    }
}

/// The lines of each column joined into its cell: with a space, but for a word broken after its
/// hyphen at the end of a line ("risk-" over "based"), after a slash ("Green/" over "Amber"), a
/// year inside its digits ("2017/20" over "18") or a figure before its per cent sign ("32.40"
/// over "%").
fn join_cells(rows: &[Vec<String>]) -> Vec<String> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    (0..width).map(|c| joined_cell(rows, c, false)).collect()
}

/// Column `c` of `rows`' lines joined into one cell: with a space between lines, but where the
/// line broke a word at its hyphen or slash, in a year or before its unit; and, `whole_words`,
/// where the line broke a word with no hyphen (a lower-case rest under a letter).
fn joined_cell(rows: &[Vec<String>], c: usize, whole_words: bool) -> String {
    let mut cell = String::new();
    for part in rows
        .iter()
        .filter_map(|r| r.get(c))
        .filter(|t| !t.is_empty())
    {
        let broken_word = whole_words
            && cell.ends_with(char::is_alphabetic)
            && part.starts_with(char::is_lowercase);
        if !cell.is_empty()
            && !broken_word
            && !crate::text::joined_unspaced(&cell, part)
            && !crate::text::broken_in_year(&cell, part)
            && !crate::text::broken_before_unit(&cell, part)
            && !crate::text::broken_after_number(&cell, part)
        {
            cell.push(' ');
        }
        cell.push_str(part);
    }
    cell
}

/// A header's lines joined cell by cell, as `join_cells` does; but a cell whose words a narrow
/// column broke with no hyphen ("Numb" over "er", "Completio" over "n", as Word and fpdf2 break
/// a word too long for its cell) is joined whole where only so it reads as a header the
/// vocabulary knows ("Number", "Expected Completion").
fn header_cells(rows: &[Vec<String>], vocab: &Vocabulary) -> Vec<String> {
    let known = |cell: &str| role_of(cell, true, vocab) != Role::Unknown;
    join_cells(rows)
        .into_iter()
        .enumerate()
        .map(|(c, cell)| {
            if known(&cell) {
                return cell;
            }
            let whole = joined_cell(rows, c, true);
            if known(&whole) {
                whole
            } else {
                cell
            }
        })
        .collect()
}

/// Whether line `n` starts a table header: its runs of text, with the lines below projected onto
/// them (a wrapped header), are headers the vocabulary reads.
fn starts_header(all: &[Vec<Chunk>], n: usize, vocab: &Vocabulary) -> bool {
    let heads = &all[n];
    // (A year whose rest is under it, "2023" over "24", is a header's.)
    let year_over_rest = |(s, e, t): &Chunk| {
        all.get(n + 1).is_some_and(|below| {
            below
                .iter()
                .any(|(bs, be, bt)| bs < &(e + 2) && be + 2 > *s && year_rest(bt, t))
        })
    };
    if heads.len() < 3
        || heads
            .iter()
            .any(|c| is_data(&c.2, vocab) && !year_over_rest(c))
    {
        return false;
    }
    let cells: Vec<String> = heads.iter().map(|c| c.2.clone()).collect();
    // A header's first line names at least two columns the vocabulary knows; a data row
    // ("SM 01  Continue to develop  N/A  On track  Green") does not.
    // (A word a narrow column broke with no hyphen, "Numb" over "er", names its column whole.)
    let whole = |c: usize| -> String {
        let (s, e, _) = &heads[c];
        let below = all.get(n + 1).and_then(|b| {
            b.iter()
                .find(|(bs, be, _)| bs < &(e + 2) && be + 2 > *s)
                .map(|(_, _, t)| t.clone())
        });
        match below {
            Some(rest) => joined_cell(&[vec![cells[c].clone()], vec![rest]], 0, true),
            None => cells[c].clone(),
        }
    };
    let known = heads
        .iter()
        .enumerate()
        .filter(|&(c, _)| {
            let read = |h: &str| !matches!(role_of(h, true, vocab), Role::Unknown | Role::Name);
            read(&cells[c]) || read(&whole(c))
        })
        .count();
    if known < 2 {
        return false;
    }
    if header_roles(&cells, vocab).is_some() {
        return true;
    }
    // A header over a first column it leaves blank (the names' column of a chart's data).
    if heads[0].0 > 0 {
        let mut blank_first = vec![String::new()];
        blank_first.extend(cells.iter().cloned());
        if header_roles(&blank_first, vocab).is_some() {
            return true;
        }
    }
    let mut lines = vec![cells];
    for parts in all.iter().skip(n + 1).take(2) {
        let mut line = vec![String::new(); heads.len()];
        let above = join_cells(&lines);
        for (start, end, text) in parts {
            let over = heads
                .iter()
                .position(|(s, e, _)| *start < *e + 2 && *end + 2 > *s);
            // A figure under the header is a row's, but for a year's rest under its first part.
            if is_figure(text) && !over.is_some_and(|c| year_rest(text, &above[c])) {
                return false;
            }
            match over {
                Some(c) if line[c].is_empty() => line[c] = text.clone(),
                Some(c) => {
                    line[c].push(' ');
                    line[c].push_str(text);
                }
                None => return false,
            }
        }
        lines.push(line);
        if header_roles(&header_cells(&lines, vocab), vocab).is_some() {
            return true;
        }
    }
    false
}

fn fixed_width_tables(lines: &mut [Line], dropped: &mut [bool], vocab: &Vocabulary) {
    let part = |l: &Line| {
        let t = l.raw.trim();
        // A bullet at the margin starts a list item; inside a column it is a cell's text.
        let bullet = ["- ", "* ", "• ", "◦ ", "▪ ", "– "]
            .iter()
            .any(|b| l.raw.starts_with(b));
        // A bold line of one run is a title (a table's, or a section's), not a row.
        let title = t.len() > 4 && t.starts_with("**") && t.ends_with("**") && !t.contains("  ");
        !l.is_tabular()
            && !t.is_empty()
            && l.heading.is_none()
            && !l.raw.contains('|')
            && !bullet
            && !title
    };
    let mut i = 0;
    while i < lines.len() {
        if dropped[i] || !part(&lines[i]) {
            i += 1;
            continue;
        }
        let mut block = Vec::new();
        let mut j = i;
        while j < lines.len() && (dropped[j] || part(&lines[j])) {
            if !dropped[j] {
                block.push(j);
            }
            j += 1;
        }
        read_fixed_block(lines, dropped, &block, vocab);
        i = j;
    }
}

fn read_fixed_block(lines: &mut [Line], dropped: &mut [bool], block: &[usize], vocab: &Vocabulary) {
    let chars: Vec<Vec<char>> = block
        .iter()
        .map(|k| {
            lines[*k]
                .raw
                .replace(PAGE_BREAK, "")
                .trim_end()
                .chars()
                .collect()
        })
        .collect();
    let runs: Vec<Vec<Chunk>> = chars.iter().map(|c| chunks(c)).collect();
    let Some(first_multi) = (0..block.len()).find(|n| runs[*n].len() >= 2) else {
        return;
    };
    // Tables printed one under the other with no blank line: a header starts a new table.
    // The second line of a wrapped header ("Objective  2023-24 (YTD)  …" under "Strategic
    // Measure  Same Quarter  …") may read as a header itself; it starts no table.
    // (Nor does the third: a header's lines, up to three under its first, hold no data.)
    // (A year's rest under its first part, "24" under "2023", is no data.)
    let data = |n: usize| {
        runs[n].iter().any(|(s, e, t)| {
            is_data(t, vocab)
                && !(n > 0
                    && runs[n - 1]
                        .iter()
                        .any(|(ps, pe, pt)| s < &(pe + 2) && e + 2 > *ps && year_rest(t, pt)))
        })
    };
    let mut starts = vec![0];
    let mut header_from: Option<usize> = None;
    for n in first_multi + 1..block.len() {
        if n - 1 == first_multi || starts.last() == Some(&(n - 1)) {
            header_from = starts_header(&runs, n - 1, vocab).then_some(n - 1);
        }
        // A header printed again at once (a repeated header over the source's own) does start
        // a table.
        let words = |k: usize| runs[k].iter().map(|c| c.2.as_str()).collect::<Vec<_>>();
        // (A page break parts no header's lines: a header printed again alone at a page's foot,
        // a new table's header on the next page.)
        let under_header = header_from.is_some_and(|h| {
            n - h <= 3
                && (h + 1..=n).all(|k| !data(k))
                && !(block[h] + 1..=block[n]).any(|k| lines[k].raw.contains(PAGE_BREAK))
                && words(n) != words(h)
        });
        // A line under a cell that cannot end there ("Mar-2023 (Annual" over "Measure)",
        // "… CO2e from" over "2009-10 baseline") is that cell's rest, not a header; but over a
        // page break (a row broken there, the header printed again over its rest).
        let goes_on = runs[n].iter().any(|(s, e, _)| {
            runs[n - 1]
                .iter()
                .any(|(ps, pe, pt)| s < &(pe + 2) && e + 2 > *ps && crate::text::open_ended(pt))
        }) && !(block[n - 1] + 1..=block[n])
            .any(|k| lines[k].raw.contains(PAGE_BREAK));
        // A header printed again atop a page whose first line is one cell set in ("Council"
        // over "Plan" over "theme", the other cells one or two lines lower) starts a table
        // with that line.
        let page_broken =
            |k: usize| (block[k - 1] + 1..=block[k]).any(|m| lines[m].raw.contains(PAGE_BREAK));
        // (Not over the table's own header printed again whole, word for word: that header
        // lacks no line, so the line over it is the rest of the row the page break cut, "Corridors"
        // under "Delivery of our Transforming / Cities projects - Priority".)
        let whole_again = |k: usize| {
            starts
                .last()
                .is_some_and(|s| *s < n && runs[*s].len() >= 2 && words(*s) == words(k))
        };
        let set_in_first = runs[n].len() == 1
            && n + 1 < block.len()
            && page_broken(n)
            && !page_broken(n + 1)
            && runs[n + 1].len() >= 3
            && starts_header(&runs, n + 1, vocab)
            && !whole_again(n + 1);
        if starts.last() == Some(&(n - 1)) && n > 1 && runs[n - 1].len() == 1 && page_broken(n - 1)
        {
            // (Its second line starts no table of its own: the header goes on from it.)
            header_from = Some(n);
            continue;
        }
        // The table's own header printed again (a page's top with no blank line above it)
        // starts a table even under a cell that reads as going on: the row's rest follows it.
        let again = whole_again(n);
        if !under_header && (set_in_first || (!goes_on || again) && starts_header(&runs, n, vocab))
        {
            starts.push(n);
        }
    }
    starts.push(block.len());
    for w in starts.windows(2) {
        read_fixed_table(
            lines,
            dropped,
            &block[w[0]..w[1]],
            &runs[w[0]..w[1]],
            &chars[w[0]..w[1]],
            vocab,
        );
    }
}

/// One table of a fixed-width block (and the caption lines above it).
fn read_fixed_table(
    lines: &mut [Line],
    dropped: &mut [bool],
    block: &[usize],
    runs: &[Vec<Chunk>],
    chars: &[Vec<char>],
    vocab: &Vocabulary,
) {
    let multi: Vec<usize> = (0..block.len()).filter(|n| runs[*n].len() >= 2).collect();
    if multi.is_empty() {
        return;
    }
    let lone_header = multi.len() == 1 && {
        let cells: Vec<String> = runs[multi[0]].iter().map(|c| c.2.clone()).collect();
        header_roles(&cells, vocab).is_some()
    };
    if multi.len() < 2 && !lone_header {
        return;
    }
    // The table starts at its first line of several chunks; a caption above it stays text.
    let first = multi[0];
    let Some(mut grid) = Grid::of(&multi.iter().map(|n| &chars[*n]).collect::<Vec<_>>()) else {
        return;
    };
    grid.join_headless_figures(
        &multi
            .iter()
            .map(|n| runs[*n].as_slice())
            .collect::<Vec<_>>(),
        vocab,
    );
    let cells: Vec<Vec<String>> = runs.iter().map(|r| grid.cells(r)).collect();
    let spanning: Vec<bool> = runs
        .iter()
        .map(|ch| ch.len() == 1 && grid.spans(ch[0].0, ch[0].1))
        .collect();
    // The header: its first line, and each following line that reads as more of it (a wrapped
    // header cell). A line whose text sits only under name and comment headers is a wrapped
    // data cell instead (a row continued after a page break), unless it makes the header read
    // better.
    let score = |joined: &[String], roles: &[Role]| -> i32 {
        let known = roles.iter().filter(|r| **r != Role::Unknown).count() as i32;
        let unknown = roles
            .iter()
            .zip(joined)
            .filter(|(r, c)| **r == Role::Unknown && !c.is_empty())
            .count() as i32;
        known - 2 * unknown
    };
    // A header printed again with the rest of a row broken over the page set in its band
    // (ReportLab prints the rest of a split row in the style of the header it is set under):
    // its lines read as a header printed before, each cell the same or the same followed by more
    // words, the first cell the same and three words more in all. The header is that one, and
    // the words after are a row of their own with no first cell: the rest of the row above.
    let again = (2..=8.min(block.len() - first)).rev().find_map(|k| {
        let joined = join_cells(&cells[first..first + k]);
        lines[..block[0]]
            .iter()
            .rev()
            .filter(|l| l.cells.len() == joined.len() && l.cells[0] == joined[0])
            .find_map(|l| {
                let rest = rest_after(&l.cells, &joined)?;
                let roles = header_roles(&l.cells, vocab)?;
                Some((k, l.cells.clone(), roles, rest))
            })
    });
    if let Some((k, head, roles, rest)) = again {
        let k0 = block[first];
        lines[k0] = table_row(&lines[k0], head);
        let k1 = block[first + 1];
        lines[k1] = table_row(&lines[k1], rest);
        for n in first + 2..first + k {
            dropped[block[n]] = true;
        }
        read_fixed_rows(
            lines,
            dropped,
            block,
            &cells,
            &spanning,
            &grid,
            &roles,
            first + k,
            vocab,
        );
        return;
    }
    let mut best: Option<(usize, Vec<Role>, i32)> = None;
    for k in 1..=6.min(block.len() - first) {
        let joined = header_cells(&cells[first..first + k], vocab);
        let Some(roles) = header_roles(&joined, vocab) else {
            if best.is_some() {
                break;
            }
            continue;
        };
        let s = score(&joined, &roles);
        let Some((_, prev_roles, prev_score)) = best.as_ref() else {
            best = Some((k, roles, s));
            continue;
        };
        let added = &cells[first + k - 1];
        // A year's two last digits under its first part ("2023" over "24", a header cell
        // wrapped in a narrow column) are the header's, not a figure.
        let above = join_cells(&cells[first..first + k - 1]);
        let has_figure = added
            .iter()
            .enumerate()
            .any(|(i, c)| is_figure(c) && !above.get(i).is_some_and(|a| year_rest(c, a)));
        let beyond_text = added.iter().enumerate().any(|(c, t)| {
            !t.is_empty()
                && !matches!(
                    prev_roles.get(c),
                    Some(Role::Name | Role::Comment | Role::Ref | Role::ObjectiveRef | Role::Theme)
                )
        });
        if has_figure || spanning[first + k - 1] {
            break;
        }
        if s > *prev_score || s == *prev_score && beyond_text {
            best = Some((k, roles, s));
        } else {
            break;
        }
    }
    let Some((header_len, roles, _)) = best else {
        // A grid with no header lapis knows (a chart, a cross table, a key): one row per line,
        // but a line with text in one column only and no figure continues a row whose cell
        // wrapped: a column other than the first, under a row with a label or under a line of
        // headings ("Percentage of" over "pupils"); or the first, under a row of figures and
        // over another ("Requires" over "Improvement").
        let figures = |c: &[String]| c.iter().any(|t| is_figure(t));
        let mut row: Option<(usize, Vec<Vec<String>>)> = None;
        for n in first..block.len() {
            let c = &cells[n];
            let one = c.iter().filter(|t| !t.is_empty()).count() == 1 && !figures(c);
            let under = |p: &[Vec<String>]| {
                if c[0].is_empty() {
                    !p[0][0].is_empty() || !p.iter().any(|r| figures(r))
                } else {
                    !p[0][0].is_empty()
                        && p.iter().any(|r| figures(r))
                        && cells.get(n + 1).is_none_or(|next| figures(next))
                }
            };
            // Or a line of several cells and no figure, its first empty, each cell under text
            // of the row's last line, fewer than that line's, on the same page: the wrapped
            // cells of a row whose first cell is its label ("Theme  A City of  27 Performance
            // Measures …" over "Growth  Priority projects", LaTeX's rows set with no space
            // between them). (A header's second line under cells spanning columns has more
            // cells, not fewer; its first line printed again atop the next page is no row's.)
            let wrapped = |k: usize, p: &[Vec<String>]| {
                let last = &p[p.len() - 1];
                let same_page = !(k..=block[n]).any(|l| lines[l].raw.contains(PAGE_BREAK));
                let filled: Vec<usize> = (0..c.len()).filter(|i| !c[*i].is_empty()).collect();
                filled.len() >= 2
                    && c[0].is_empty()
                    && !figures(c)
                    && !p[0][0].is_empty()
                    && filled
                        .iter()
                        .all(|i| last.get(*i).is_some_and(|t| !t.is_empty()))
                    && filled.len() < last.iter().filter(|t| !t.is_empty()).count()
                    && same_page
            };
            let continues = !spanning[n]
                && row
                    .as_ref()
                    .is_some_and(|(k, parts)| one && under(parts) || wrapped(*k, parts));
            if continues {
                if let Some((_, parts)) = row.as_mut() {
                    parts.push(c.clone());
                }
                dropped[block[n]] = true;
                continue;
            }
            if let Some((k, parts)) = row.take() {
                lines[k] = table_row(&lines[k], join_cells(&parts));
            }
            if runs[n].len() >= 2 || !spanning[n] && !c[0].is_empty() {
                row = Some((block[n], vec![c.clone()]));
            }
        }
        if let Some((k, parts)) = row.take() {
            lines[k] = table_row(&lines[k], join_cells(&parts));
        }
        return;
    };
    let k0 = block[first];
    lines[k0] = table_row(
        &lines[k0],
        header_cells(&cells[first..first + header_len], vocab),
    );
    for n in first + 1..first + header_len {
        dropped[block[n]] = true;
    }
    read_fixed_rows(
        lines,
        dropped,
        block,
        &cells,
        &spanning,
        &grid,
        &roles,
        first + header_len,
        vocab,
    );
}

/// The words a header's cells have after those of a header printed before, cell by cell: each
/// cell the same or the same followed by more words, three words more in all.
pub(crate) fn rest_after(head: &[String], cells: &[String]) -> Option<Vec<String>> {
    let mut rest = Vec::new();
    for (h, c) in head.iter().zip(cells) {
        if h == c {
            rest.push(String::new());
        } else if !h.is_empty() && c.starts_with(&format!("{h} ")) {
            rest.push(c[h.len()..].trim().to_string());
        } else {
            return None;
        }
    }
    let words: usize = rest.iter().map(|c| c.split_whitespace().count()).sum();
    (words >= 3).then_some(rest)
}

/// The rows of a fixed-width table under its header, from line `from` of the block: each
/// row's lines joined into its cells.
#[allow(clippy::too_many_arguments)]
fn read_fixed_rows(
    lines: &mut [Line],
    dropped: &mut [bool],
    block: &[usize],
    cells: &[Vec<String>],
    spanning: &[bool],
    grid: &Grid,
    roles: &[Role],
    from: usize,
    vocab: &Vocabulary,
) {
    let key: Vec<usize> = roles
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, Role::Ref | Role::ObjectiveRef))
        .map(|(c, _)| c)
        .collect();
    let holds_figures = |r: &Role| {
        matches!(
            r,
            Role::Value(_) | Role::Target(_) | Role::Rating | Role::Benchmark | Role::Completion
        )
    };
    let mut row: Option<(usize, Vec<Vec<String>>)> = None;
    let flush = |row: &mut Option<(usize, Vec<Vec<String>>)>, lines: &mut [Line]| {
        if let Some((k, parts)) = row.take() {
            lines[k] = table_row(&lines[k], join_cells(&parts));
        }
    };
    for n in from..block.len() {
        let c = &cells[n];
        let filled: Vec<usize> = (0..c.len()).filter(|i| !c[*i].is_empty()).collect();
        // A cell in lower case under more text of its column goes on with it ("N/A -" over
        // "action"), whatever its word reads as.
        // So does any cell under more text of its column on a line whose key cell is empty,
        // in a table keyed by a reference ("110.4 per" over "10,000 population").
        let unkeyed = !key.is_empty() && key.iter().all(|k| c.get(*k).is_none_or(String::is_empty));
        // And on a line whose key holds the digits that the row's key, a label so far, lacks
        // (a reference wrapped in a narrow column: "EHCS" over "PM27").
        let label_key = row.as_ref().is_some_and(|(_, parts)| {
            key.iter().all(|k| {
                parts.iter().all(|p| {
                    p.get(*k)
                        .is_none_or(|t| !t.chars().any(|ch| ch.is_ascii_digit()))
                })
            })
        });
        let key_rest = !key.is_empty()
            && label_key
            && key.iter().all(|k| {
                c.get(*k)
                    .is_some_and(|t| t.chars().any(|ch| ch.is_ascii_digit()))
            });
        // (Or any cell under text of its column that cannot end a cell: "Social work
        // assessments completed within" over "45 days", "Good (Strong in" over "Q1)".)
        let above = |i: usize| {
            row.as_ref()
                .and_then(|(_, parts)| parts.last())
                .and_then(|p| p.get(i))
                .filter(|t| !t.is_empty())
        };
        let goes_on = |i: usize| {
            above(i).is_some_and(|t| {
                unkeyed
                    || key_rest
                    || c[i].chars().next().is_some_and(char::is_lowercase)
                    || crate::text::open_ended(t)
            })
        };
        let figures = filled.iter().any(|i| {
            !goes_on(*i)
                && roles.get(*i).is_some_and(holds_figures)
                && (is_figure(&c[*i]) || crate::rating_like(&c[*i], vocab))
        });
        // Without a key column, a capitalised name beside a value starts a row ("Percentage of
        // pupils…" beside "Data due in Q3"), where a wrapped name's next line does not.
        let named_row = key.is_empty()
            && roles.iter().zip(c).enumerate().any(|(i, (r, t))| {
                *r == Role::Name
                    && !above(i).is_some_and(|t| crate::text::open_ended(t))
                    && t.chars()
                        .next()
                        .is_some_and(|ch| ch.is_uppercase() || ch.is_ascii_digit())
            })
            && roles
                .iter()
                .zip(c)
                .enumerate()
                .any(|(i, (r, t))| holds_figures(r) && !t.is_empty() && !goes_on(i));
        // A key cell that is a label, not a reference ("Overarching" over "Measure"), wraps
        // like any other cell: a line with more of it and no figures continues the row.
        let label = |t: &str| !t.is_empty() && !t.chars().any(|ch| ch.is_ascii_digit());
        let key_wraps = row.as_ref().is_some_and(|(_, parts)| {
            key.iter()
                .all(|k| parts[0].get(*k).is_some_and(|t| label(t)))
        }) && key
            .iter()
            .all(|k| c.get(*k).is_none_or(|t| t.is_empty() || label(t)));
        // So does a reference wrapped in a narrow column ("ASC Local" over "2a2(ii)"): a line
        // whose key starts with a digit or in lower case (a reference starts in capitals), with
        // no figures, every cell under more text of its column, below a row whose figures its
        // first lines held.
        let ref_wraps = !key.is_empty()
            && !figures
            && key.iter().all(|k| {
                c.get(*k).is_some_and(|t| {
                    t.chars()
                        .next()
                        .is_some_and(|ch| ch.is_ascii_digit() || ch.is_lowercase())
                        || key_rest
                })
            })
            && row.as_ref().is_some_and(|(_, parts)| {
                let last = parts.last().map_or(&[][..], Vec::as_slice);
                let row_figures = parts.iter().any(|p| {
                    p.iter().enumerate().any(|(i, t)| {
                        roles.get(i).is_some_and(holds_figures)
                            && (is_figure(t) || crate::rating_like(t, vocab))
                    })
                });
                let others: Vec<usize> = filled
                    .iter()
                    .copied()
                    .filter(|i| !key.contains(i))
                    .collect();
                row_figures
                    && !others.is_empty()
                    && filled
                        .iter()
                        .all(|i| last.get(*i).is_some_and(|t| !t.is_empty()))
            });
        // A row of its first cell only (a group's title, "Actions identified in the Delivery
        // Plan") goes on in a line of that cell only that starts in lower case or with a figure
        // ("2024 25"); one that starts in capitals is the next such row.
        let title_wraps = row
            .as_ref()
            .is_some_and(|(_, parts)| parts.iter().all(|p| p[1..].iter().all(String::is_empty)))
            && c[1..].iter().all(String::is_empty)
            && c[0]
                .chars()
                .next()
                .is_some_and(|ch| ch.is_lowercase() || ch.is_ascii_digit());
        // A row of its name only so far (its first lines set above its figures: cells set in the
        // middle of their row) goes on in a line whose name goes on ("The daily" over "average
        // of days  6.7  5.6"), the figures its own.
        let name_first = row.as_ref().is_some_and(|(_, parts)| {
            parts.iter().all(|p| {
                p.iter()
                    .zip(roles)
                    .all(|(t, r)| t.is_empty() || *r == Role::Name)
            })
        }) && roles.iter().enumerate().any(|(i, r)| {
            *r == Role::Name && c.get(i).is_some_and(|t| !t.is_empty()) && goes_on(i)
        }) && key.iter().all(|k| c.get(*k).is_none_or(String::is_empty));
        let continues = row.is_some()
            && !spanning[n]
            && (title_wraps
                || name_first
                || !figures
                    && !named_row
                    && (key.is_empty()
                        || key_wraps
                        || ref_wraps
                        || key.iter().all(|k| c.get(*k).is_none_or(String::is_empty))));
        if continues {
            if let Some((_, parts)) = row.as_mut() {
                parts.push(c.clone());
            }
            dropped[block[n]] = true;
            continue;
        }
        flush(&mut row, lines);
        if spanning[n] {
            // A section row or a caption across the columns: its text in the first cell.
            let text = clean(lines[block[n]].raw.trim());
            let mut cells = vec![String::new(); grid.starts.len()];
            cells[0] = text;
            lines[block[n]] = table_row(&lines[block[n]], cells);
            continue;
        }
        row = Some((block[n], vec![c.clone()]));
    }
    flush(&mut row, lines);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str) -> Vec<Vec<String>> {
        read(text, Vocabulary::builtin())
            .into_iter()
            .filter(|l| l.is_tabular())
            .map(|l| l.cells)
            .collect()
    }

    #[test]
    fn a_table_parted_by_a_page_break_goes_on_under_its_header() {
        let text = "Ref\tMeasure\tValue\nM1\tFirst\t1\n\n            7\n\u{c}\nM2\tSecond\t2\n";
        let lines = read(text, Vocabulary::builtin());
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Ref\tMeasure\tValue", "M1\tFirst\t1", "M2\tSecond\t2"],
            "the blank line and the page number between the rows are gone"
        );
        // Rows of another width after the break, or prose: the blank line stays.
        let text = "Ref\tMeasure\tValue\nM1\tFirst\t1\n\n7\n\u{c}\nM2\tSecond\n";
        let lines = read(text, Vocabulary::builtin());
        assert!(lines.iter().any(|l| l.is_blank()));
        assert!(lines.iter().any(|l| l.text == "7"));
    }

    /// A row's title cut by a page break, its last line atop the next page (after the running
    /// footer and header) right over the table's header printed again whole: that line is the
    /// row's, not a first line of the header set in.
    #[test]
    fn a_rows_last_line_after_page_furniture_over_its_header_again_is_the_rows() {
        let t = concat!(
            "Reference   Theme          RAG status   Title\n",
            "PMP63       A Green City   Green        Allestree Rewilding\n",
            "PMP29       A Green City   Green        Delivery of our Transforming\n",
            "                                        Cities projects - Priority\n",
            "Page 12 of 21\n",
            "\u{c}OFFICIAL\n",
            "                                        Corridors\n",
            "Reference   Theme          RAG status   Title\n",
            "PMP36       A Green City   Green        Public Realm\n",
        );
        let head = vec!["Reference", "Theme", "RAG status", "Title"];
        assert_eq!(
            cells(t),
            [
                head.clone(),
                vec!["PMP63", "A Green City", "Green", "Allestree Rewilding"],
                vec![
                    "PMP29",
                    "A Green City",
                    "Green",
                    "Delivery of our Transforming Cities projects - Priority Corridors"
                ],
                head,
                vec!["PMP36", "A Green City", "Green", "Public Realm"],
            ]
        );
    }

    /// A header printed again with the rest of the row above set in its band: the header is the
    /// one printed before, and the words under it a row of their own with no first cell.
    #[test]
    fn a_header_printed_again_with_a_rows_rest_in_its_band() {
        let text = "Ref\tMeasure\tLatest Target 2025-26 (YTD)\tPerformance against target\n\
                    M1\tPercentage of people following a safeguarding section\t80%\tGood\n\
                    \n\
                    Ref     Measure        Latest     Performance\n\
                    \x20       42 enquiry     Target     against\n\
                    \x20       say their      2025-26    target\n\
                    \x20       outcome        (YTD)\n\
                    M2      Number of      75%        Good\n";
        let head = [
            "Ref",
            "Measure",
            "Latest Target 2025-26 (YTD)",
            "Performance against target",
        ];
        assert_eq!(
            cells(text),
            [
                head.to_vec(),
                vec![
                    "M1",
                    "Percentage of people following a safeguarding section",
                    "80%",
                    "Good"
                ],
                head.to_vec(),
                vec!["", "42 enquiry say their outcome", "", ""],
                vec!["M2", "Number of", "75%", "Good"],
            ]
        );
    }

    /// A wrapped cell's next line that starts in capitals or with a figure still goes on with
    /// it where the text above cannot end a cell (a joining word, a bracket left open), in the
    /// name's column and in a rating's.
    #[test]
    fn cells_that_cannot_end_go_on_in_the_next_line() {
        let text = "\
KPI                                               Data period   Outturn          Target   RAG
Social work assessments completed within          Aug-2023      88.4%            85.0%    Good (Strong in
45 days                                                                                   Q1)
Percentage of residents satisfied overall with                  Data due in Q3   60.0%    No data for
Highways and Transportation services                                                      2023-24
Employee sickness absence                         Sep-2023      4.7%             5.1%     Strong
";
        assert_eq!(
            cells(text)[1..],
            [
                vec![
                    "Social work assessments completed within 45 days",
                    "Aug-2023",
                    "88.4%",
                    "85.0%",
                    "Good (Strong in Q1)"
                ],
                vec![
                    "Percentage of residents satisfied overall with Highways and Transportation services",
                    "",
                    "Data due in Q3",
                    "60.0%",
                    "No data for 2023-24"
                ],
                vec!["Employee sickness absence", "Sep-2023", "4.7%", "5.1%", "Strong"],
            ]
        );
    }

    /// A name's first line set above its row's figures (cells set in the middle of their row):
    /// the line under it, its name going on in lower case, is the same row, figures and all.
    #[test]
    fn a_names_first_line_above_its_figures_is_the_same_row() {
        let text = "\
\x20                      2017/2018       2018/2019      2019/2020      Target
The daily
average of days        6.7             5.6            6.5            5.6
lost to delayed
transfers of care
Percentage of pupils   84.9%           77.7%          80.7%          90.0%
in good schools
";
        assert_eq!(
            cells(text)[1..],
            [
                vec![
                    "The daily average of days lost to delayed transfers of care",
                    "6.7",
                    "5.6",
                    "6.5",
                    "5.6"
                ],
                vec![
                    "Percentage of pupils in good schools",
                    "84.9%",
                    "77.7%",
                    "80.7%",
                    "90.0%"
                ],
            ]
        );
    }

    /// A header printed again alone at a page's foot, and a table of other columns on the next
    /// page under a caption of two lines: the page break parts them, the second header starts a
    /// table of its own.
    #[test]
    fn a_header_alone_before_a_page_break_is_no_part_of_the_next_pages_header() {
        let text = "\
Ref.    Objective                 Due date    Progress status    Commentary
SO-09   Enable the best start     Mar 2027    Good               Progressing well.

Ref.    Objective                 Due date    Progress status    Commentary
\u{c}
People: Latest
Measure Data
Objective   Performance indicator        Q1 2023/24   This period   Target 2025/26   Frequency
SO-01       Number of children living    322          364           343              Monthly
";
        let c = cells(text);
        assert_eq!(
            c.last().map(Vec::as_slice),
            Some(
                &[
                    "SO-01",
                    "Number of children living",
                    "322",
                    "364",
                    "343",
                    "Monthly"
                ]
                .map(String::from)[..]
            )
        );
        assert!(c
            .iter()
            .any(|row| row[..3] == ["Objective", "Performance indicator", "Q1 2023/24"]));
    }

    #[test]
    fn normalised_text_keeps_its_lines() {
        let t = normalise("\u{feff}a\u{a0}b\r\nc \u{2019}d\u{2019}\r\n\u{c}e \u{2212}5");
        assert_eq!(t, "a b\nc 'd'\n\u{e000}e -5");
    }

    #[test]
    fn pipe_tables_markdown_and_grid() {
        let md = "| Ref | Measure | Latest data | Target |\n|---|:---|---:|---|\n| A1 | Homes built | 1,203 | 1,100 |\n| A2 | Roads \\| paths | 5% | 4% |\n";
        let c = cells(md);
        assert_eq!(c.len(), 3);
        assert_eq!(c[1], vec!["A1", "Homes built", "1,203", "1,100"]);
        assert_eq!(c[2][1], "Roads | paths");
        let grid = "+-----+---------------+--------+\n| Ref | Measure       | Latest |\n+=====+===============+========+\n| A1  | Homes built   | 1,203  |\n|     | in the county |        |\n+-----+---------------+--------+\n";
        let c = cells(grid);
        assert_eq!(c.len(), 2);
        assert_eq!(c[1], vec!["A1", "Homes built in the county", "1,203"]);
    }

    #[test]
    fn csv_blocks() {
        let csv = "Intro, with a comma.\n\nRef,Measure,Latest data,Target\nA1,\"Homes built, net\",\"1,203\",\"1,100\"\nA2,Roads,5%,4%\n";
        let c = cells(csv);
        assert_eq!(c.len(), 3);
        assert_eq!(c[1], vec!["A1", "Homes built, net", "1,203", "1,100"]);
    }

    #[test]
    fn fixed_width_with_wrapped_cells_and_header() {
        let t = "\
Strategic   Measure                 Latest data   Target for
Objective                           (YTD)         quarter (YTD)
SO-01       Number of children      364           343
            living with carers
SO-02       Homes built             1,203         1,100
";
        let c = cells(t);
        assert_eq!(c.len(), 3, "{c:?}");
        assert_eq!(
            c[0],
            vec![
                "Strategic Objective",
                "Measure",
                "Latest data (YTD)",
                "Target for quarter (YTD)"
            ]
        );
        assert_eq!(
            c[1],
            vec![
                "SO-01",
                "Number of children living with carers",
                "364",
                "343"
            ]
        );
        assert_eq!(c[2], vec!["SO-02", "Homes built", "1,203", "1,100"]);
    }

    /// A word processor's table printed as text: headers set at their cells' left, figures at
    /// their right, far apart; words ("N/A") at the left again. The figures are their header's.
    #[test]
    fn figures_set_right_under_headers_set_left_are_their_columns() {
        let t = concat!(
            "             Jun 2023              Sep 2023              Dec 2023\n",
            "Strong                    2                     2\n",
            "Good                     33                    33\n",
            "Completed    N/A                                1\n",
        );
        assert_eq!(
            cells(t),
            [
                vec!["", "Jun 2023", "Sep 2023", "Dec 2023"],
                vec!["Strong", "2", "2", ""],
                vec!["Good", "33", "33", ""],
                vec!["Completed", "N/A", "1", ""],
            ]
        );
    }

    #[test]
    fn furniture_is_dropped() {
        let t = "Title\n\u{c}Running head\nPage 1 of 3\nText one\n\u{c}Running head\nPage 2 of 3\nOFFICIAL\nText two\n\u{c}Running head\nText three\n";
        let kept: Vec<String> = read(t, Vocabulary::builtin())
            .into_iter()
            .map(|l| l.text)
            .collect();
        assert_eq!(kept, vec!["Title", "Text one", "Text two", "Text three"]);
    }
}
