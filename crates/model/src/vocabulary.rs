//! The vocabulary of council reports, as data: what a column header means, which header phrases
//! name a period, which cells print "no value", which words are ratings and directions of
//! travel, and which lines are page furniture.
//!
//! It is read from `catalog/columns.toml` (compiled in as [`Vocabulary::builtin`], or loaded
//! from a file a user edited with [`Vocabulary::from_toml`]) so that a new council's wording is
//! taught without a build. What can go wrong is a malformed file: the error names the line and
//! the field.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{Direction, Rating};

/// The vocabulary shipped with lapis.
pub const BUILTIN_TOML: &str = include_str!("../../../catalog/columns.toml");

/// What a column holds, as the vocabulary names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    Ref,
    /// An objective: its name, or its ref in a table that also names a measure.
    Objective,
    Name,
    Owner,
    Completion,
    Progress,
    Comment,
    Target,
    Rating,
    AsAt,
    Benchmark,
    BenchmarkGroup,
    Frequency,
    Direction,
    Theme,
    Date,
    /// A value whose period is given by a `date` column.
    Value,
    /// A column lapis reads no fact from, on purpose.
    Ignore,
    /// The same quarter of an earlier year.
    SamePeriod,
    PreviousQuarter,
    PreviousYear,
    /// The report's own period.
    Current,
    /// Where headers that print a period are tried.
    Period,
}

/// One header rule: the first rule whose words match a header names its role.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnRule {
    pub role: ColumnRole,
    #[serde(default)]
    pub exact: Vec<String>,
    #[serde(default)]
    pub contains: Vec<String>,
    #[serde(default)]
    pub words: Vec<String>,
}

impl ColumnRule {
    /// Whether the rule matches a header already normalised by [`normalise_header`].
    pub fn matches(&self, header: &str) -> bool {
        self.exact.iter().any(|w| header == w)
            || self.contains.iter().any(|w| header.contains(w.as_str()))
            || self
                .words
                .iter()
                .any(|w| header.split(|c: char| !c.is_alphanumeric()).any(|x| x == w))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodWords {
    #[serde(default)]
    pub year_end: Vec<String>,
    #[serde(default)]
    pub year_to_date: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmptyMarkers {
    #[serde(default)]
    pub markers: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectionWords {
    #[serde(default)]
    pub improving: Vec<String>,
    #[serde(default)]
    pub deteriorating: Vec<String>,
    #[serde(default)]
    pub unchanged: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Furniture {
    #[serde(default)]
    pub lines: Vec<String>,
}

/// Words one council uses differently.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CouncilWords {
    #[serde(default)]
    pub ratings: BTreeMap<String, String>,
    #[serde(default)]
    pub empty: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    column: Vec<ColumnRule>,
    #[serde(default)]
    periods: PeriodWords,
    #[serde(default)]
    empty: EmptyMarkers,
    #[serde(default)]
    ratings: BTreeMap<String, String>,
    #[serde(default)]
    directions: DirectionWords,
    #[serde(default)]
    furniture: Furniture,
    #[serde(default)]
    council: BTreeMap<String, CouncilWords>,
}

/// A vocabulary file that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VocabularyError {
    #[error("{source_name}: {message}")]
    Syntax {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: rating word {word:?} maps to {rating:?}, which is not a rating (strong, good, review, action, complete, blue, green, amber, red, green/amber, amber/red)")]
    UnknownRating {
        source_name: String,
        word: String,
        rating: String,
    },
}

/// Finds every column rule a header matches in one pass over the header (the rules hold some
/// two hundred words, and a report asks about every short row of every table).
#[derive(Debug, Clone)]
struct RuleIndex {
    contains: aho_corasick::AhoCorasick,
    /// Pattern id of `contains` → rule index.
    contains_rule: Vec<usize>,
    exact: std::collections::HashMap<String, usize>,
    words: std::collections::HashMap<String, usize>,
    /// Index of the `period` marker, if any.
    period: Option<usize>,
}

impl RuleIndex {
    fn new(rules: &[ColumnRule]) -> RuleIndex {
        let mut patterns = Vec::new();
        let mut contains_rule = Vec::new();
        let mut exact = std::collections::HashMap::new();
        let mut words = std::collections::HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            for w in &r.contains {
                patterns.push(w.clone());
                contains_rule.push(i);
            }
            for w in &r.exact {
                exact.entry(w.clone()).or_insert(i);
            }
            for w in &r.words {
                words.entry(w.clone()).or_insert(i);
            }
        }
        #[allow(clippy::expect_used)]
        let contains = aho_corasick::AhoCorasick::new(&patterns)
            .expect("a few hundred short words make an automaton");
        RuleIndex {
            contains,
            contains_rule,
            exact,
            words,
            period: rules.iter().position(|r| r.role == ColumnRole::Period),
        }
    }

    /// Indexes of the rules a normalised header matches, ascending.
    fn matches(&self, header: &str) -> Vec<usize> {
        let mut found: Vec<usize> = self
            .contains
            .find_overlapping_iter(header)
            .map(|m| self.contains_rule[m.pattern().as_usize()])
            .collect();
        found.extend(self.exact.get(header));
        found.extend(
            header
                .split(|c: char| !c.is_alphanumeric())
                .filter_map(|w| self.words.get(w)),
        );
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// The parsed vocabulary.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub columns: Vec<ColumnRule>,
    index: RuleIndex,
    pub periods: PeriodWords,
    empty: Vec<String>,
    ratings: BTreeMap<String, Rating>,
    directions: Vec<(String, Direction)>,
    furniture: Vec<String>,
    councils: BTreeMap<String, (BTreeMap<String, Rating>, Vec<String>)>,
}

/// Lower-cases a header, collapses its spaces and drops a trailing colon and surrounding
/// punctuation a template adds (`Target:`, `*Measure`).
pub fn normalise_header(header: &str) -> String {
    let h = header.trim().to_lowercase();
    let h = h
        .trim_end_matches(':')
        .trim()
        .trim_start_matches('*')
        .trim();
    h.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn normalise_word(w: &str) -> String {
    w.trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Vocabulary {
    /// The vocabulary compiled into lapis (`catalog/columns.toml`).
    pub fn builtin() -> &'static Vocabulary {
        static BUILTIN: std::sync::OnceLock<Vocabulary> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| {
            #[allow(clippy::expect_used)]
            Vocabulary::from_toml(BUILTIN_TOML, "catalog/columns.toml")
                .expect("the built-in vocabulary is checked by its tests")
        })
    }

    /// Parses a vocabulary file; `source_name` names it in errors.
    pub fn from_toml(text: &str, source_name: &str) -> Result<Vocabulary, VocabularyError> {
        let file: File = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            VocabularyError::Syntax {
                source_name: source_name.to_string(),
                message: match line {
                    Some(l) => format!("line {l}: {}", e.message()),
                    None => e.message().to_string(),
                },
            }
        })?;
        let ratings = |map: &BTreeMap<String, String>| {
            map.iter()
                .map(|(word, rating)| {
                    Rating::from_word(rating)
                        .map(|r| (normalise_word(word), r))
                        .ok_or_else(|| VocabularyError::UnknownRating {
                            source_name: source_name.to_string(),
                            word: word.clone(),
                            rating: rating.clone(),
                        })
                })
                .collect::<Result<BTreeMap<_, _>, _>>()
        };
        let mut directions: Vec<(String, Direction)> = Vec::new();
        for (words, d) in [
            (&file.directions.improving, Direction::Improving),
            (&file.directions.deteriorating, Direction::Deteriorating),
            (&file.directions.unchanged, Direction::Unchanged),
        ] {
            directions.extend(words.iter().map(|w| (normalise_word(w), d)));
        }
        // Longest phrases first, so that "getting worse" is read before "worse".
        directions.sort_by_key(|(w, _)| std::cmp::Reverse(w.chars().count()));
        let mut councils = BTreeMap::new();
        for (code, words) in &file.council {
            councils.insert(
                code.clone(),
                (
                    ratings(&words.ratings)?,
                    words.empty.iter().map(|w| normalise_word(w)).collect(),
                ),
            );
        }
        let columns: Vec<ColumnRule> = file
            .column
            .into_iter()
            .map(|mut r| {
                for list in [&mut r.exact, &mut r.contains, &mut r.words] {
                    for w in list.iter_mut() {
                        *w = normalise_word(w);
                    }
                }
                r
            })
            .collect();
        let index = RuleIndex::new(&columns);
        Ok(Vocabulary {
            index,
            columns,
            periods: PeriodWords {
                year_end: file
                    .periods
                    .year_end
                    .iter()
                    .map(|w| normalise_word(w))
                    .collect(),
                year_to_date: file
                    .periods
                    .year_to_date
                    .iter()
                    .map(|w| normalise_word(w))
                    .collect(),
            },
            empty: file
                .empty
                .markers
                .iter()
                .map(|w| normalise_word(w))
                .collect(),
            ratings: ratings(&file.ratings)?,
            directions,
            furniture: file
                .furniture
                .lines
                .iter()
                .map(|w| normalise_word(w))
                .collect(),
            councils,
        })
    }

    /// The role the first matching rule gives a normalised header; `None` when no rule does.
    pub fn column_rule(&self, header: &str) -> Option<ColumnRole> {
        let first = self.index.matches(header).into_iter().next();
        let at = match (first, self.index.period) {
            (Some(m), Some(p)) => m.min(p),
            (m, p) => m.or(p)?,
        };
        Some(self.columns[at].role)
    }

    /// The rules after the `period` marker, for a header that turned out not to print a period.
    pub fn column_rule_after_period(&self, header: &str) -> Option<ColumnRole> {
        let p = self.index.period?;
        self.index
            .matches(header)
            .into_iter()
            .find(|m| *m > p)
            .map(|m| self.columns[m].role)
    }

    /// Whether a cell prints "no value" (`-`, `n/a`, `..`, `tbc`), for this council.
    pub fn is_empty_marker(&self, council: &str, cell: &str) -> bool {
        let c = normalise_word(cell);
        c.is_empty()
            || self.empty.contains(&c)
            || self
                .councils
                .get(council)
                .is_some_and(|(_, e)| e.contains(&c))
    }

    /// The rating a whole cell's word means for this council, when the vocabulary knows it.
    pub fn rating_word(&self, council: &str, word: &str) -> Option<Rating> {
        let w = normalise_word(word.trim_matches(|c: char| c == '.' || c == '!'));
        self.councils
            .get(council)
            .and_then(|(r, _)| r.get(&w))
            .or_else(|| self.ratings.get(&w))
            .copied()
    }

    /// The direction a direction-of-travel cell gives: the whole cell first, then its words.
    pub fn direction(&self, text: &str) -> Option<Direction> {
        let t = normalise_word(text);
        if t.is_empty() {
            return None;
        }
        if let Some((_, d)) = self.directions.iter().find(|(w, _)| *w == t) {
            return Some(*d);
        }
        if t.starts_with("not ") || t.contains(" not ") || t.contains("no longer") {
            return None;
        }
        let words: Vec<&str> = t
            .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',')
            .filter(|w| !w.is_empty())
            .collect();
        self.directions
            .iter()
            .find(|(w, _)| {
                if w.contains(' ') {
                    t.contains(w.as_str())
                } else {
                    words.contains(&w.as_str())
                }
            })
            .map(|(_, d)| *d)
    }

    /// Whether a line is a protective marking or other furniture named in the file.
    pub fn is_furniture_line(&self, line: &str) -> bool {
        let l = normalise_word(line);
        !l.is_empty() && self.furniture.contains(&l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_parses_and_reads_words() {
        let v = Vocabulary::builtin();
        assert!(v.columns.len() > 10);
        assert!(v.is_empty_marker("E10000007", " N/A "));
        assert!(v.is_empty_marker("E10000007", "–"));
        assert!(!v.is_empty_marker("E10000007", "0"));
        assert_eq!(v.rating_word("x", "On track"), Some(Rating::Green));
        assert_eq!(v.rating_word("x", "Not met"), Some(Rating::Red));
        assert_eq!(v.direction("Getting worse"), Some(Direction::Deteriorating));
        assert_eq!(v.direction("▲"), Some(Direction::Improving));
        assert_eq!(v.direction("↑"), None);
        assert_eq!(v.direction("No change"), Some(Direction::Unchanged));
        assert_eq!(v.direction("Not improving"), None);
        assert!(v.is_furniture_line("OFFICIAL"));
        assert!(!v.is_furniture_line("Official figures"));
    }

    #[test]
    fn the_index_finds_the_first_rule_as_the_rules_in_order_do() {
        let v = Vocabulary::builtin();
        for h in [
            "latest performance against target (ytd)",
            "target for quarter (ytd)",
            "benchmark group",
            "progress rating",
            "q4 status",
            "measure ref",
            "2023 24 actual",
            "floor",
            "rag",
            "kpi",
            "expected completion",
            "same quarter 2022-2023 (ytd)",
        ] {
            let in_order = v
                .columns
                .iter()
                .find(|r| r.role == ColumnRole::Period || r.matches(h))
                .map(|r| r.role);
            assert_eq!(v.column_rule(h), in_order, "{h}");
        }
    }

    #[test]
    fn errors_name_the_line_and_the_word() {
        let e = Vocabulary::from_toml("[[column]]\nrole = \"nme\"\n", "x.toml").unwrap_err();
        assert!(e.to_string().starts_with("x.toml: line 2"), "{e}");
        let e = Vocabulary::from_toml(
            "[[column]]\nrole = \"name\"\n[ratings]\n\"on track\" = \"verdant\"\n",
            "x.toml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("\"verdant\""), "{e}");
        let e = Vocabulary::from_toml("[[column]]\nrole = \"name\"\nexcat = []\n", "x.toml")
            .unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
    }
}
