//! Claims: counts a report states about itself, from trend tables (`★ Strong\t2\t2`) and from
//! sentences ("Of the 45 deliverables in the Plan, 33 have been rated as 'Good'").
//! They let the warehouse check the extractor against the report's own arithmetic.

use std::sync::OnceLock;

use lapis_model::period::financial_quarter_of_month;
use lapis_model::rating::strip_icons;
use lapis_model::{ClaimEvent, Period, PeriodKind, Rating, Severity};
use regex::Regex;

use crate::header::trend_months;
use crate::Engine;

fn number_word(w: &str) -> Option<i64> {
    let w = w.to_lowercase();
    const WORDS: [&str; 11] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    WORDS
        .iter()
        .position(|x| *x == w)
        .map(|i| i as i64)
        .or_else(|| w.parse().ok())
}

fn subject_of(word: &str, line: &str) -> String {
    let w = word.to_lowercase();
    let from = if w.is_empty() { line.to_lowercase() } else { w };
    if from.contains("strategic objective") {
        "strategic objectives".into()
    } else if from.contains("deliverable") {
        "deliverables".into()
    } else if from.contains("performance measure") {
        "performance measures".into()
    } else if from.contains("measure") {
        "measures".into()
    } else if from.contains("action") {
        "actions".into()
    } else {
        from
    }
}

struct Patterns {
    total: Regex,
    rated: Regex,
    progress: Regex,
    based_on: Regex,
    derby: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let n = r"([0-9]+|one|two|three|four|five|six|seven|eight|nine|ten)";
        let q = "['\"“”‘’]*";
        Patterns {
            total: Regex::new(r"(?i)(?-u:\b)(?:of|against) the ([0-9]+) (deliverables|strategic objectives|measures) (?:in|outlined|outlines)(?-u:\b)").expect("pattern"),
            rated: Regex::new(&format!(
                r"(?i)(?-u:\b){n}[ \t]+(deliverables?|strategic objectives?|measures?)?[ \t]*(?:which |that )?(?:have been |has been |are |is )?(?:rated )?as {q}(?:requiring )?(strong|good|review|action){q}"
            ))
            .expect("pattern"),
            progress: Regex::new(&format!(
                r"(?i)(?-u:\b){n}(?:[ \t]*\([0-9]+%\)?)?[ \t]*(?:has been |have been |have |require |requires |has not been )(completed|good progress|review|action|updated)"
            ))
            .expect("pattern"),
            based_on: Regex::new(r"(?i)based on ([0-9]+) rated (measures|deliverables)").expect("pattern"),
            derby: Regex::new(r"(?i)([0-9]+) (performance measures?|delivery plan actions?|strategic risks?|priority projects?)").expect("pattern"),
        }
    })
}

impl Engine<'_> {
    fn claim(
        &mut self,
        idx: usize,
        subject: String,
        scope: Option<String>,
        rating: Option<String>,
        count: i64,
        period_label: String,
    ) {
        self.claims.push(ClaimEvent {
            subject,
            scope,
            rating,
            count,
            period_label,
            source_line: self.lines[idx].no,
            source_page: None,
            source_table: None,
        });
        self.used[idx] = true;
    }

    pub(crate) fn read_trend_tables(&mut self) {
        for i in 0..self.lines.len() {
            if self.used[i] || !self.lines[i].is_tabular() {
                continue;
            }
            let Some(months) = trend_months(&self.lines[i].cells) else {
                continue;
            };
            self.used[i] = true;
            self.feature("trends");
            let heading = (0..i)
                .rev()
                .take(20)
                .find(|k| !self.lines[*k].is_blank() && !self.lines[*k].is_tabular())
                .map(|k| self.lines[k].text.trim().to_lowercase())
                .unwrap_or_default();
            let mut subject = subject_of("", &heading);
            // The 2019/20 report counts "Completed deliverables" and "Ongoing deliverables" in
            // two tables: the completed ones are not among the deliverables rated.
            let completed = heading.starts_with("completed");
            let mut j = i + 1;
            while j < self.lines.len() && self.lines[j].is_tabular() {
                let cells = self.lines[j].cells.clone();
                if trend_months(&cells).is_some() {
                    break;
                }
                let label = cells[0].trim();
                if label.is_empty() {
                    // "\tDeliverables\tDeliverables…": what the columns count.
                    if let Some(s) = cells.iter().find(|c| !c.is_empty()) {
                        if !heading.contains(&s.to_lowercase())
                            && subject_of("", &heading) == heading
                        {
                            subject = subject_of("", s);
                        }
                    }
                    self.used[j] = true;
                    j += 1;
                    continue;
                }
                let word = strip_icons(label);
                let rating = Rating::from_word(word)
                    .map(|r| r.as_str().to_string())
                    .unwrap_or_else(|| word.to_lowercase());
                let mut any = false;
                for (c, month) in cells.iter().skip(1).zip(&months) {
                    let (Some((y, m)), Ok(count)) = (month, c.trim().parse::<i64>()) else {
                        continue;
                    };
                    let (fy, q) = financial_quarter_of_month(*y, *m);
                    let label = Period::quarter(PeriodKind::QuarterYtd, fy, q).label;
                    let subject = if completed && subject == "deliverables" {
                        "completed deliverables".to_string()
                    } else {
                        subject.clone()
                    };
                    self.claim(j, subject, None, Some(rating.clone()), count, label);
                    any = true;
                }
                if !any {
                    self.issue(j, Severity::Info, "trend row with no counts");
                }
                j += 1;
            }
        }
    }

    pub(crate) fn read_claims(&mut self) {
        let p = patterns();
        let period_label = self.period.label.clone();
        for i in 0..self.lines.len() {
            let line = self.lines[i].text.clone();
            if self.lines[i].is_tabular() {
                if self.used[i] {
                    continue;
                }
                let cells = self.lines[i].cells.clone();
                let counts: Vec<_> = cells
                    .iter()
                    .flat_map(|c| p.derby.captures_iter(c))
                    .collect();
                // A theme's percentages ("% priority performance measures improved … 52%"):
                // not claims, said so; in a cell of their own, or in the counts' cell where a
                // print ran their lines together.
                let percentages = cells
                    .iter()
                    .any(|c| c.starts_with('%') || c.contains("% priority"));
                if counts.len() >= 2 {
                    let scope = cells
                        .iter()
                        .skip(1)
                        .find(|c| !c.is_empty() && !p.derby.is_match(c))
                        .cloned();
                    for cap in counts {
                        let n: i64 = cap[1].parse().unwrap_or(0);
                        let mut subject = cap[2].to_lowercase();
                        if !subject.ends_with('s') {
                            subject.push('s');
                        }
                        self.claim(i, subject, scope.clone(), None, n, period_label.clone());
                    }
                    self.feature("claims");
                }
                if percentages {
                    self.issue(
                        i,
                        Severity::Info,
                        "percentage summary; lapis records counts, not percentages, as claims",
                    );
                }
                continue;
            }
            let lower = line.to_lowercase();
            if !(lower.contains("deliverable")
                || lower.contains("strategic objective")
                || lower.contains("measure"))
            {
                continue;
            }
            let scope = if lower.contains("this priority") {
                self.themes[i].clone()
            } else {
                None
            };
            let mut found = false;
            for cap in p.total.captures_iter(&line) {
                let n: i64 = cap[1].parse().unwrap_or(0);
                self.claim(
                    i,
                    subject_of(&cap[2], &line),
                    scope.clone(),
                    None,
                    n,
                    period_label.clone(),
                );
                found = true;
            }
            // Cheap guards before the capturing searches (most prose lines have neither).
            let rated = lower
                .contains(" as ")
                .then(|| p.rated.captures_iter(&line))
                .into_iter()
                .flatten();
            for cap in rated {
                let Some(n) = number_word(&cap[1]) else {
                    continue;
                };
                let subject = subject_of(cap.get(2).map_or("", |m| m.as_str()), &line);
                let rating = cap[3].to_lowercase();
                self.claim(
                    i,
                    subject,
                    scope.clone(),
                    Some(rating),
                    n,
                    period_label.clone(),
                );
                found = true;
            }
            let progress =
                (lower.contains("been ") || lower.contains("have ") || lower.contains("require"))
                    .then(|| p.progress.captures_iter(&line))
                    .into_iter()
                    .flatten();
            for cap in progress {
                let Some(n) = number_word(&cap[1]) else {
                    continue;
                };
                let rating = match cap[2].to_lowercase().as_str() {
                    "completed" => "complete",
                    "good progress" => "good",
                    "review" => "review",
                    "action" => "action",
                    _ => "blank",
                };
                self.claim(
                    i,
                    subject_of("", &line),
                    scope.clone(),
                    Some(rating.into()),
                    n,
                    period_label.clone(),
                );
                found = true;
            }
            for cap in p.based_on.captures_iter(&line) {
                let n: i64 = cap[1].parse().unwrap_or(0);
                self.claim(
                    i,
                    format!("rated {}", cap[2].to_lowercase()),
                    scope.clone(),
                    None,
                    n,
                    period_label.clone(),
                );
                found = true;
            }
            if found {
                self.feature("claims");
            }
        }
    }
}
