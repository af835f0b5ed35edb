//! Tab-separated tables: measure tables, objective tables and mixed tables (Derby City's single
//! table with section rows for actions, measures, and projects and risks).
//!
//! A table starts at a header row the vocabulary understands and runs over the following tab
//! rows. A row whose leading cells are empty and that carries no values continues the row above
//! (a page break split it), even across a repeated header.

use lapis_model::period::{parse_date, parse_month_year};
use lapis_model::rating::parse_rating;
use lapis_model::value::{parse_value, ValueNote};
use lapis_model::{
    measure_id, ObjectiveKind, ObjectiveUpdate, Observation, Period, PeriodKind, Severity,
};

use crate::header::{header_roles, Role, ValueColumn};
use crate::Engine;

/// A data row, with its continuation lines joined.
#[derive(Debug, Clone)]
struct Row {
    idx: usize,
    roles: Vec<Role>,
    cells: Vec<String>,
    section: Option<Section>,
    /// The bold caption of a table whose rows are parts of one measure (a breakdown such as
    /// "Percentage of defects responded to within target timescales": "Completed within 9 days").
    caption: Option<String>,
    /// Whether the header says its values are cumulative from the start of the year.
    ytd: bool,
    /// Cells that printed "no value" ("n/r", "-"), emptied before reading.
    markers: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Actions,
    Measures,
    ProjectsAndRisks,
}

fn section_of(text: &str) -> Option<Section> {
    let l = text.to_lowercase();
    if l.contains("project") || l.contains("risk") {
        Some(Section::ProjectsAndRisks)
    } else if l.contains("measure") || l.contains("indicator") {
        Some(Section::Measures)
    } else if l.contains("action") || l.contains("deliverable") {
        Some(Section::Actions)
    } else {
        None
    }
}

impl Row {
    fn get(&self, role: Role) -> Option<&str> {
        self.roles
            .iter()
            .zip(&self.cells)
            .find(|(r, c)| **r == role && !c.is_empty())
            .map(|(_, c)| c.as_str())
    }
    fn any(&self, pred: impl Fn(Role) -> bool) -> bool {
        self.roles
            .iter()
            .zip(&self.cells)
            .any(|(r, c)| pred(*r) && !c.is_empty())
    }
}

/// `SO15`, `So-12`, `SO09`, `SO-1` → `SO-15`, `SO-12`, `SO-09`, `SO-01`; other refs have their
/// whitespace collapsed (`SR46_ CR46` → `SR46_CR46`).
pub fn normalise_ref(r: &str) -> String {
    let t = r.trim();
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("so") {
        let digits = rest.trim_start_matches(['-', ' ']);
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            if let Ok(n) = digits.parse::<u32>() {
                return format!("SO-{n:02}");
            }
        }
    }
    let collapsed = t.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.replace("_ ", "_").replace(" _", "_")
}

/// The period kind a measure's name implies for quarterly values.
fn kind_from_name(name: &str, default: PeriodKind) -> PeriodKind {
    let l = name.to_lowercase();
    if l.contains("rolling 12") || l.contains("rolling twelve") {
        PeriodKind::Rolling12m
    } else if l.contains("snapshot") {
        PeriodKind::Snapshot
    } else {
        default
    }
}

fn non_numeric_marker(t: &str) -> bool {
    let l = t.trim().to_lowercase();
    l.is_empty() || matches!(l.as_str(), "n/a" | "na" | "-" | "n/r")
}

/// A row whose theme cell is blank (Derby City's `Regen PM14 b`) belongs to the theme of the
/// rows around it in the same section: the table is grouped by theme.
fn inherit_blank_themes(rows: &mut [Row]) {
    let theme_at = |row: &Row| row.roles.iter().position(|r| *r == Role::Theme);
    for i in 0..rows.len() {
        let Some(col) = theme_at(&rows[i]) else {
            continue;
        };
        if rows[i].cells.get(col).is_some_and(|c| !c.is_empty()) {
            continue;
        }
        let neighbour = |j: usize| {
            let n = &rows[j];
            (n.roles == rows[i].roles && n.section == rows[i].section)
                .then(|| n.cells.get(col).filter(|c| !c.is_empty()).cloned())
                .flatten()
        };
        let before = i.checked_sub(1).and_then(neighbour);
        let after = (i + 1 < rows.len()).then(|| neighbour(i + 1)).flatten();
        let theme = match (before, after) {
            (Some(b), Some(a)) if a != b => None,
            (b, a) => b.or(a),
        };
        if let Some(theme) = theme {
            rows[i]
                .cells
                .resize(rows[i].roles.len().max(col + 1), String::new());
            rows[i].cells[col] = theme;
        }
    }
}

impl Engine<'_> {
    pub(crate) fn read_tables(&mut self) {
        let mut rows: Vec<Row> = Vec::new();
        // The last line read as a table's row.
        let mut last_row_line = 0;
        let mut idx = 0;
        while idx < self.lines.len() {
            let line = &self.lines[idx];
            let vocab = self.ctx.vocabulary;
            let Some(roles) = line
                .is_tabular()
                .then(|| header_roles(&line.cells, vocab))
                .flatten()
            else {
                idx += 1;
                continue;
            };
            let ytd = line.cells.iter().any(|c| {
                let c = c.to_lowercase();
                vocab
                    .periods
                    .year_to_date
                    .iter()
                    .any(|w| c.contains(w.as_str()))
            });
            let header_cells = line.cells.clone();
            self.used[idx] = true;
            self.feature("tables");
            self.read.tables += 1;
            // The table a person would name: the heading above it, else its first column.
            let table_name = (0..idx)
                .rev()
                .find(|k| self.lines[*k].heading.is_some() || self.lines[*k].bold)
                .map(|k| crate::text::title_text(&self.lines[k].text))
                .filter(|t| !t.is_empty());
            for (role, cell) in roles.iter().zip(&header_cells) {
                if *role == Role::Unknown && !cell.is_empty() {
                    let table = match &table_name {
                        Some(t) => format!("the table under {t:?}"),
                        None => "the table".to_string(),
                    };
                    let reason = format!(
                        "column header {cell:?} is not in the vocabulary (catalog/columns.toml); the column's cells are not read ({table}, header on line {})",
                        self.lines[idx].no
                    );
                    self.issue(idx, Severity::Warning, reason);
                }
            }
            let caption = self.breakdown_caption(idx);
            let mut section = None;
            // Whether the last row read was a section row.
            let mut titled = false;
            let mut j = idx + 1;
            // A blank line inside the table (a PDF's rows set further apart than its lines), under
            // a line of the table and over a row of its cells with its key: the table goes on.
            let key_column = roles
                .iter()
                .position(|r| matches!(r, Role::Ref | Role::ObjectiveRef));
            let goes_on = |k: usize| {
                let line = &self.lines[k];
                line.is_tabular()
                    && line.cells.len() == roles.len()
                    && header_roles(&line.cells, vocab).is_none()
                    && key_column.is_some_and(|c| !line.cells[c].is_empty())
            };
            while j < self.lines.len() {
                if self.lines[j].is_blank()
                    && j > idx + 1
                    && self.lines[j - 1].is_tabular()
                    && j + 1 < self.lines.len()
                    && goes_on(j + 1)
                {
                    j += 1;
                    continue;
                }
                if !self.lines[j].is_tabular() {
                    break;
                }
                let cells = self.lines[j].cells.clone();
                match header_roles(&cells, vocab) {
                    // A header repeated mid-table (after a page break).
                    Some(r) if r == roles => {
                        self.used[j] = true;
                        j += 1;
                        continue;
                    }
                    // Another table's header: that table starts here, blank line or not.
                    Some(_) => break,
                    None => {}
                }
                self.used[j] = true;
                let filled: Vec<usize> =
                    (0..cells.len()).filter(|i| !cells[*i].is_empty()).collect();
                if filled.is_empty() {
                    j += 1;
                    continue;
                }
                if filled.len() == 1 && filled[0] == 0 && roles.len() > 2 {
                    // A section row: "Delivery Plan measures", or a portfolio heading. Right
                    // under another, a row of no section's words is the rest of that one's title
                    // ("Actions identified in the Delivery" over "Plan 2024 25", a narrow
                    // column's lines read as rows of their own): the section holds.
                    match section_of(&cells[0]) {
                        Some(s) => section = Some(s),
                        None if titled => {}
                        None => section = None,
                    }
                    titled = true;
                    j += 1;
                    continue;
                }
                titled = false;
                let row = Row {
                    idx: j,
                    roles: roles.clone(),
                    cells,
                    section,
                    caption: caption.clone(),
                    ytd,
                    markers: Vec::new(),
                };
                let key_empty = !row.any(|r| matches!(r, Role::Ref | Role::ObjectiveRef));
                // (Over a header printed again, only where no line read as no table's starts
                // at the margin between them: that text holds the row this one goes on from,
                // its key at the margin, the rest of its cells indented.)
                let continues = key_empty
                    && filled[0] > 0
                    && !row.any(Role::is_value_like)
                    && rows.last().is_some_and(|prev| prev.roles == row.roles)
                    && (last_row_line + 1..j).all(|k| {
                        let line = &self.lines[k];
                        self.used[k] || line.is_blank() || line.raw.starts_with(char::is_whitespace)
                    });
                last_row_line = j;
                if continues {
                    if let Some(prev) = rows.last_mut() {
                        for (i, cell) in row.cells.iter().enumerate() {
                            if !cell.is_empty() && i < prev.cells.len() {
                                if !prev.cells[i].is_empty() {
                                    prev.cells[i].push(' ');
                                }
                                prev.cells[i].push_str(cell);
                            }
                        }
                    }
                } else {
                    rows.push(row);
                }
                j += 1;
            }
            idx = j;
        }
        self.read.rows += rows.len();
        inherit_blank_themes(&mut rows);
        for row in rows {
            self.read_row(&row);
        }
    }

    /// The caption of a breakdown table: a measure table whose first header cell is empty (its
    /// rows are labelled, not named) printed under a bold line. The caption names the measure the
    /// rows break down; a closing "during Quarter 2" is dropped so that the name stays the same
    /// from quarter to quarter.
    fn breakdown_caption(&self, header: usize) -> Option<String> {
        let line = &self.lines[header];
        if !line.cells.first().is_some_and(|c| c.is_empty()) {
            return None;
        }
        let above = (header.saturating_sub(3)..header)
            .rev()
            .find(|k| !self.lines[*k].is_blank())?;
        let caption = &self.lines[above];
        if caption.is_tabular() || !caption.bold || caption.heading.is_some() {
            return None;
        }
        let text = caption.text.trim();
        let lower = text.to_ascii_lowercase();
        let cut = ["during quarter ", "in quarter ", "for quarter "]
            .iter()
            .filter_map(|p| lower.rfind(p))
            .filter(|at| lower[*at..].split(' ').count() == 3)
            .min()
            .unwrap_or(text.len());
        Some(text[..cut].trim().to_string())
    }

    fn read_row(&mut self, row: &Row) {
        let mut cells = row.cells.clone();
        cells.resize(row.roles.len(), String::new());
        // "-", "n/a", "..", "tbc": no value, and nothing attaches to it.
        let vocab = self.ctx.vocabulary;
        let mut markers: Vec<String> = Vec::new();
        for (role, cell) in row.roles.iter().zip(cells.iter_mut()) {
            let holds_value = matches!(
                role,
                Role::Value(_) | Role::Target(_) | Role::Benchmark | Role::Rating | Role::Direction
            );
            if holds_value && !cell.is_empty() && vocab.is_empty_marker(self.ctx.council_code, cell)
            {
                markers.push(std::mem::take(cell));
            }
        }
        let row = Row {
            cells,
            markers,
            ..row.clone()
        };
        let Some(name) = row.get(Role::Name).map(|label| match &row.caption {
            Some(caption) => format!("{caption}: {label}"),
            None => label.to_string(),
        }) else {
            self.issue(
                row.idx,
                Severity::Warning,
                "table row without a measure or objective name",
            );
            return;
        };
        let is_measure_table = row
            .roles
            .iter()
            .any(|r| matches!(r, Role::Value(_) | Role::Target(_)));
        let target_text = row.get(Role::Target(None)).unwrap_or("").to_lowercase();
        let rating_text = row.get(Role::Rating).unwrap_or("").to_lowercase();
        let kind = match row.section {
            Some(Section::Actions) => Some(ObjectiveKind::Action),
            Some(Section::ProjectsAndRisks) => Some(
                if rating_text.starts_with("risk score") || target_text.contains("risk") {
                    ObjectiveKind::StrategicRisk
                } else {
                    ObjectiveKind::PriorityProject
                },
            ),
            Some(Section::Measures) => None,
            None if target_text.starts_with("n/a") && target_text.contains("action") => {
                Some(ObjectiveKind::Action)
            }
            None if target_text.starts_with("n/a") && target_text.contains("project") => {
                Some(ObjectiveKind::PriorityProject)
            }
            None if rating_text.starts_with("risk score")
                || target_text.starts_with("n/a") && target_text.contains("risk") =>
            {
                Some(ObjectiveKind::StrategicRisk)
            }
            None if !is_measure_table => Some(ObjectiveKind::StrategicObjective),
            None => None,
        };
        match kind {
            Some(kind) => self.objective_row(&row, &name, kind),
            None => self.measure_row(&row, &name),
        }
    }

    fn objective_row(&mut self, row: &Row, name: &str, kind: ObjectiveKind) {
        let rating_cell = row
            .get(Role::Progress)
            .or_else(|| row.get(Role::Rating))
            .unwrap_or("");
        let rating = self.rating(rating_cell);
        // Derby City prints an action's status words in the value column ("On track").
        let status_text = row
            .roles
            .iter()
            .zip(&row.cells)
            .find(|(r, c)| matches!(r, Role::Value(_)) && !c.is_empty() && !non_numeric_marker(c))
            .map(|(_, c)| c.clone());
        let theme = row
            .get(Role::Theme)
            .map(str::to_string)
            .or_else(|| self.themes[row.idx].clone());
        self.objectives.push(ObjectiveUpdate {
            objective_ref: row.get(Role::Ref).map(normalise_ref),
            kind,
            title: name.to_string(),
            theme,
            expected_completion: row
                .get(Role::Completion)
                .or_else(|| row.get(Role::Date))
                .and_then(parse_date),
            rating: rating.rating,
            rating_text: (!rating.text.is_empty()).then(|| rating.text.clone()),
            previous_rating: rating.previous,
            status_text,
            risk_score: rating.risk_score,
            comment: row.get(Role::Comment).map(str::to_string),
            source_line: self.lines[row.idx].no,
            source_page: None,
            source_table: None,
        });
    }

    /// The period of the report's own quarter for a measure of `kind`, moved to the month of an
    /// "as at" date when one is printed.
    fn current_period(&self, kind: PeriodKind, as_at: Option<&str>) -> Period {
        if let Some((y, m, _)) = as_at.and_then(parse_month_year) {
            let p = Period::month(kind, y, m);
            let quarter_end = lapis_model::period::quarter_end(p.year, p.quarter.unwrap_or(4));
            return if p.end == quarter_end {
                Period::quarter(kind, p.year, p.quarter.unwrap_or(4))
            } else {
                p
            };
        }
        Period::quarter(kind, self.period.year, self.period.quarter.unwrap_or(4))
    }

    /// The period a "Date" cell names: `Sep-2023`, `Aug-2023 (Annual Measure)`, empty.
    fn dated_period(&self, kind: PeriodKind, date: Option<&str>) -> Period {
        let Some(d) = date else {
            return Period::financial_year(self.period.year);
        };
        let annual = d.to_lowercase().contains("annual");
        let d = d.split('(').next().unwrap_or(d).trim();
        match parse_month_year(d) {
            Some((y, m, _)) if annual => {
                // A whole year ending that month: August ends an academic year.
                let (fy, _) = lapis_model::period::financial_quarter_of_month(y, m);
                if m == 8 {
                    Period::academic_year(y - 1)
                } else {
                    Period::financial_year(if m <= 3 { fy } else { y - 1 })
                }
            }
            Some((y, m, _)) => {
                let p = Period::month(kind, y, m);
                let quarter_end = lapis_model::period::quarter_end(p.year, p.quarter.unwrap_or(4));
                if p.end == quarter_end {
                    Period::quarter(kind, p.year, p.quarter.unwrap_or(4))
                } else {
                    p
                }
            }
            None => Period::financial_year(self.period.year),
        }
    }

    /// A rating cell: the council's own words, else the vocabulary's.
    fn rating(&self, cell: &str) -> lapis_model::ParsedRating {
        let mut pr = parse_rating(cell);
        if pr.rating.is_none() {
            pr.rating = self.ctx.vocabulary.rating_word(
                self.ctx.council_code,
                lapis_model::rating::strip_icons(cell),
            );
        }
        pr
    }

    fn measure_row(&mut self, row: &Row, name: &str) {
        let council = self.ctx.council_code;
        // One target, rating, benchmark and direction per row: a second one ("High target" and
        // "Low target") is said, not dropped.
        for (role, what) in [
            (Role::Target(None), "targets"),
            (Role::Rating, "ratings"),
            (Role::Benchmark, "benchmarks"),
            (Role::Direction, "directions of travel"),
        ] {
            let printed: Vec<&String> = row
                .roles
                .iter()
                .zip(&row.cells)
                .filter(|(r, c)| **r == role && !c.is_empty())
                .map(|(_, c)| c)
                .collect();
            if printed.len() > 1 {
                let reason = format!(
                    "the row prints {} {what} ({}); lapis keeps the first, {:?}",
                    printed.len(),
                    printed
                        .iter()
                        .map(|c| format!("{c:?}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    printed[0]
                );
                self.issue(row.idx, Severity::Warning, reason);
            }
        }
        let measure_ref = row.get(Role::Ref).map(normalise_ref);
        let objective_ref = row.get(Role::ObjectiveRef).map(normalise_ref);
        let theme = row
            .get(Role::Theme)
            .map(str::to_string)
            .or_else(|| self.themes[row.idx].clone());
        let mid = measure_id(council, measure_ref.as_deref(), name);
        let report_year = self.period.year;
        let report_q = self.period.quarter.unwrap_or(4);
        let derby_style = row.roles.iter().any(|r| {
            matches!(
                r,
                Role::Value(ValueColumn::YearActual(_) | ValueColumn::YearQuarter(..))
            )
        });
        let quarter_kind = kind_from_name(
            name,
            if derby_style && !row.ytd {
                PeriodKind::Quarter
            } else {
                PeriodKind::QuarterYtd
            },
        );
        let as_at = row.get(Role::AsAt);
        // One unit for the row: the first printed one (a rate's later cells often drop it).
        let row_unit = row
            .roles
            .iter()
            .zip(&row.cells)
            .filter(|(r, _)| matches!(r, Role::Value(_) | Role::Target(_)))
            .find_map(|(_, c)| parse_value(c).and_then(|v| v.unit));
        let base = Observation {
            measure_ref,
            objective_ref,
            theme,
            benchmark_group: row.get(Role::BenchmarkGroup).map(str::to_string),
            frequency: row.get(Role::Frequency).map(str::to_string),
            ..Observation::new(
                mid,
                name.to_string(),
                self.period.clone(),
                self.lines[row.idx].no,
            )
        };
        let mut made: Vec<(Observation, bool)> = Vec::new();
        let mut has_current_column = false;
        for (role, cell) in row.roles.iter().zip(&row.cells) {
            let Role::Value(vc) = role else { continue };
            let (period, is_current) = match *vc {
                ValueColumn::Current => (self.current_period(quarter_kind, as_at), true),
                ValueColumn::SameQuarter(y) => (Period::quarter(quarter_kind, y, report_q), false),
                ValueColumn::Year(y) => (Period::financial_year(y), y == report_year),
                // "2023 24 actual": the whole year (DESIGN §3: a whole-year value has no quarter).
                ValueColumn::YearActual(y) => (Period::financial_year(y), y == report_year),
                ValueColumn::YearQuarter(y, q) => (
                    Period::quarter(quarter_kind, y, q),
                    y == report_year && q == report_q,
                ),
                ValueColumn::Dated => (self.dated_period(quarter_kind, row.get(Role::Date)), true),
                ValueColumn::Quarter(q) if q == report_q => {
                    (self.current_period(quarter_kind, as_at), true)
                }
                ValueColumn::Quarter(q) => (Period::quarter(quarter_kind, report_year, q), false),
                ValueColumn::PreviousQuarter if report_q == 1 => {
                    (Period::quarter(quarter_kind, report_year - 1, 4), false)
                }
                ValueColumn::PreviousQuarter => (
                    Period::quarter(quarter_kind, report_year, report_q - 1),
                    false,
                ),
                ValueColumn::PreviousYear => (Period::financial_year(report_year - 1), false),
                ValueColumn::SameQuarterLastYear => (
                    Period::quarter(quarter_kind, report_year - 1, report_q),
                    false,
                ),
                ValueColumn::YearEnd if report_q == 4 => {
                    (Period::financial_year(report_year), true)
                }
                ValueColumn::YearEnd => {
                    if !cell.is_empty() {
                        let reason = format!(
                            "a \"year end\" column with no year in a report for {}: the value {cell:?} is not put in a year its header does not give",
                            self.period.label
                        );
                        self.issue(row.idx, Severity::Warning, reason);
                    }
                    continue;
                }
            };
            has_current_column |= is_current;
            if cell.is_empty() {
                continue;
            }
            // Nothing invented: a value cell that holds several figures ("£1,915,500 £9,152,480",
            // cells a word's space apart read as one) or a rating word ("Strong", cells out of
            // their columns) is said, not read as the column's value.
            let words: Vec<&str> = cell.split_whitespace().collect();
            if words.len() >= 2 && words.iter().all(|w| crate::layout::is_figure(w)) {
                let reason = format!(
                    "the {} value cell holds {} figures, {cell:?}: cells run together, none is read",
                    period.label,
                    words.len()
                );
                self.issue(row.idx, Severity::Warning, reason);
                continue;
            }
            if words.len() <= 2 && parse_rating(cell).rating.is_some() {
                let reason = format!(
                    "the {} value cell holds a rating, {cell:?}: the row's cells are out of their columns, it is not read as a value",
                    period.label
                );
                self.issue(row.idx, Severity::Warning, reason);
                continue;
            }
            let parsed = parse_value(cell);
            // "91.9% (Q3 data)" in a whole-year column is a quarter of that year.
            let q_kind = if period.kind == PeriodKind::FinancialYear {
                quarter_kind
            } else {
                period.kind
            };
            let period = match parsed.as_ref().and_then(|p| p.note) {
                Some(ValueNote::Quarter(q)) => Period::quarter(q_kind, period.year, q),
                Some(ValueNote::QuarterOfYear(q, y)) => Period::quarter(q_kind, y, q),
                Some(ValueNote::CalendarYear(y)) => Period::calendar_year(y),
                _ => period,
            };
            let number = parsed.as_ref().and_then(|p| p.number);
            let unit = parsed
                .and_then(|p| p.unit)
                .or_else(|| number.and(row_unit.clone()));
            let obs = Observation {
                period,
                value: number,
                value_text: Some(cell.clone()),
                unit,
                ..base.clone()
            };
            made.push((obs, is_current));
        }
        // Target, rating and benchmark belong to the report's own period. A target headed with
        // the report's own year ("Target 2025-26") beside the report's own figure is its target.
        let year_target_is_current = has_current_column && row.get(Role::Target(None)).is_none();
        let target_cell = row.get(Role::Target(None)).or_else(|| {
            year_target_is_current
                .then(|| row.get(Role::Target(Some(report_year))))
                .flatten()
        });
        let rating_cell = row.get(Role::Rating);
        let bench_cell = row.get(Role::Benchmark);
        let needs_current =
            target_cell.is_some() || rating_cell.is_some() || row.get(Role::Direction).is_some();
        if needs_current && has_current_column && !made.iter().any(|(_, c)| *c) {
            let period = row
                .roles
                .iter()
                .find_map(|r| match r {
                    Role::Value(ValueColumn::Current) => {
                        Some(self.current_period(quarter_kind, as_at))
                    }
                    Role::Value(ValueColumn::Dated) => {
                        Some(self.dated_period(quarter_kind, row.get(Role::Date)))
                    }
                    Role::Value(ValueColumn::YearQuarter(y, q)) if *y == report_year => {
                        Some(Period::quarter(quarter_kind, *y, *q))
                    }
                    Role::Value(ValueColumn::Year(y) | ValueColumn::YearActual(y))
                        if *y == report_year =>
                    {
                        Some(Period::financial_year(*y))
                    }
                    _ => None,
                })
                .unwrap_or_else(|| self.current_period(quarter_kind, as_at));
            made.push((
                Observation {
                    period,
                    ..base.clone()
                },
                true,
            ));
        }
        if let Some((obs, _)) = made.iter_mut().find(|(_, c)| *c) {
            if let Some(t) = target_cell {
                let p = parse_value(t);
                obs.target = p.as_ref().and_then(|p| p.number);
                obs.target_text = Some(t.to_string());
                if obs.unit.is_none() && obs.value.is_some() {
                    obs.unit = p.and_then(|p| p.unit);
                }
            }
            if let Some(r) = rating_cell {
                let pr = self.rating(r);
                obs.rating = pr.rating;
                obs.previous_rating = pr.previous;
                obs.rating_text = Some(pr.text);
            }
            obs.direction_text = row.get(Role::Direction).map(str::to_string);
        }
        // "2024-2025 Target" with no value for that year: the year's target, value not yet known.
        for (role, cell) in row.roles.iter().zip(&row.cells) {
            if let (Role::Target(Some(y)), false) = (role, cell.is_empty()) {
                if *y == report_year && year_target_is_current {
                    continue;
                }
                let period = Period::financial_year(*y);
                let p = parse_value(cell);
                match made.iter_mut().find(|(o, _)| o.period == period) {
                    Some((o, _)) => {
                        o.target = p.as_ref().and_then(|p| p.number);
                        o.target_text = Some(cell.clone());
                    }
                    None => made.push((
                        Observation {
                            period,
                            target: p.as_ref().and_then(|p| p.number),
                            target_text: Some(cell.clone()),
                            ..base.clone()
                        },
                        false,
                    )),
                }
            }
        }
        if let Some(b) = bench_cell {
            let p = parse_value(b);
            // The benchmark sits beside the current value, else beside the latest value printed.
            let target = match made.iter().position(|(_, c)| *c) {
                Some(i) => Some(i),
                None => made
                    .iter()
                    .enumerate()
                    .filter(|(_, (o, _))| o.value_text.is_some())
                    .max_by_key(|(_, (o, _))| o.period.end)
                    .map(|(i, _)| i),
            };
            match target {
                Some(i) => {
                    made[i].0.benchmark = p.and_then(|p| p.number);
                    made[i].0.benchmark_text = Some(b.to_string());
                }
                None => self.issue(
                    row.idx,
                    Severity::Warning,
                    "benchmark printed for a measure with no value to compare",
                ),
            }
        }
        if made.is_empty() && !row.markers.is_empty() {
            let reason = format!(
                "measure {name:?} prints no figure in this row (only {})",
                row.markers
                    .iter()
                    .map(|m| format!("{m:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            self.issue(row.idx, Severity::Info, reason);
            return;
        }
        if made.is_empty() {
            self.issue(
                row.idx,
                Severity::Warning,
                format!("measure {name:?} has no value, target or rating in this row"),
            );
            return;
        }
        for (obs, _) in made {
            self.push_observation(obs, row.idx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs() {
        assert_eq!(normalise_ref("SO15"), "SO-15");
        assert_eq!(normalise_ref("So-12"), "SO-12");
        assert_eq!(normalise_ref("SO09"), "SO-09");
        assert_eq!(normalise_ref("SO-01"), "SO-01");
        assert_eq!(normalise_ref("GW 03"), "GW 03");
        assert_eq!(normalise_ref("SR46_ CR46"), "SR46_CR46");
        assert_eq!(normalise_ref("Overarching Measure"), "Overarching Measure");
    }
}
