//! Line cleaning: HTML remnants, markdown emphasis and headings, non-breaking spaces.
//!
//! Every later reader works on `Line`s, which keep their 1-based line number in the source so
//! that each event and parse issue can point back at the text it came from.

/// One line of a report, cleaned.
#[derive(Debug, Clone)]
pub struct Line {
    /// 1-based line number in the source text.
    pub no: u32,
    /// The line as printed (without the newline).
    pub raw: String,
    /// Cleaned text: tags and emphasis removed, whitespace collapsed; tabs kept.
    pub text: String,
    /// Markdown heading level (`#` = 1), if the line is a heading.
    pub heading: Option<u8>,
    /// Whether the printed line was bold (`**…**` or `<b>…</b>`) as a whole.
    pub bold: bool,
    /// Tab-separated cells, each cleaned and trimmed; empty for lines without tabs.
    pub cells: Vec<String>,
}

impl Line {
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
    pub fn is_tabular(&self) -> bool {
        self.cells.len() >= 2
    }
}

/// Removes `<b>`, `</p>`, `<sub>` and similar tags, keeping their text.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('>');
        let is_tag = close.is_some_and(|c| {
            let name = after[..c].trim_start_matches('/').trim();
            c <= 12 && !name.is_empty() && name.chars().all(|ch| ch.is_ascii_alphanumeric())
        });
        match (is_tag, close) {
            (true, Some(c)) => rest = &after[c + 1..],
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decodes the HTML entities a converted page leaves behind (`&amp;`, `&pound;`, `&#163;`).
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let decoded = after.find(';').filter(|end| *end <= 8).and_then(|end| {
            let name = &after[..end];
            let ch = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                "pound" => Some('£'),
                "ndash" => Some('–'),
                "rsquo" => Some('’'),
                _ => name
                    .strip_prefix('#')
                    .and_then(|n| match n.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => n.parse().ok(),
                    })
                    .and_then(char::from_u32),
            };
            ch.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a text ends on a word that joins it to more ("within", "of", "and"): a cell's or a
/// title's line that cannot end there ("Number of", "… implementation of").
pub(crate) fn ends_on_joining_word(text: &str) -> bool {
    const JOINING: &[&str] = &[
        "a", "about", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or",
        "per", "than", "the", "to", "with", "within", "without", "&",
    ];
    text.trim_end()
        .rsplit(' ')
        .next()
        .is_some_and(|w| JOINING.contains(&w))
}

/// Whether a text leaves a bracket open ("Good (Strong", "Mar-2023 (Annual").
pub(crate) fn open_bracket(text: &str) -> bool {
    text.matches('(').count() > text.matches(')').count()
}

/// Whether a cell's text cannot end there: it ends with a word that joins it to more ("within",
/// "of", "and") or leaves a bracket open ("Good (Strong in", "Mar-2023 (Annual").
pub(crate) fn open_ended(text: &str) -> bool {
    let t = text.trim_end();
    open_bracket(t) || ends_on_joining_word(t)
}

/// Whether a line of text ends where a word processor broke a hyphenated word ("risk-" over
/// "based"): the next line goes on without a space.
pub(crate) fn broken_at_hyphen(text: &str) -> bool {
    let mut end = text.chars().rev();
    end.next() == Some('-') && end.next().is_some_and(char::is_alphabetic)
}

/// Whether a cell's line broken at a hyphen goes on without a space ("risk-" over "based"). A
/// capital after the hyphen starts a word of its own: the reports print "Anti- Poverty" and
/// "Jan- March", with the space a line break leaves there.
pub(crate) fn joined_at_hyphen(text: &str, next: &str) -> bool {
    broken_at_hyphen(text) && !next.trim_start().starts_with(char::is_uppercase)
}

/// Whether a cell's line goes on without a space: broken at a hyphen (as `joined_at_hyphen`)
/// or after a slash between two words ("engagement/" over "consultation").
pub(crate) fn joined_unspaced(text: &str, next: &str) -> bool {
    joined_at_hyphen(text, next) || broken_at_slash(text)
}

/// Whether a line of a cell ends where the line broke after a slash between two words
/// ("Green/" over "Amber"): the next line goes on without a space.
pub(crate) fn broken_at_slash(text: &str) -> bool {
    let mut end = text.chars().rev();
    end.next() == Some('/') && end.next().is_some_and(char::is_alphabetic)
}

/// Whether a figure's per cent sign went to the next line of its narrow cell ("32.40" over
/// "%"): it is printed against the figure.
pub(crate) fn broken_before_unit(text: &str, next: &str) -> bool {
    text.ends_with(|c: char| c.is_ascii_digit()) && next.trim() == "%"
}

/// Whether a line broke after a number's hyphen before the word it joins ("3-" over "year
/// Local Transport Programme"): the next line goes on without a space.
pub(crate) fn broken_after_number(text: &str, next: &str) -> bool {
    let mut end = text.chars().rev();
    end.next() == Some('-')
        && end.next().is_some_and(|c| c.is_ascii_digit())
        && next.starts_with(char::is_lowercase)
}

/// Whether a year range broke inside its second year at the end of `text` ("2017/20" over "18",
/// a narrow header cell): `text` ends with four digits, a slash and one to three digits, and
/// `next` starts with the rest of the four.
pub(crate) fn broken_in_year(text: &str, next: &str) -> bool {
    let Some((head, tail)) = text.rsplit_once('/') else {
        return false;
    };
    let digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    let year = head.len() >= 4 && digits(&head[head.len() - 4..]);
    let rest = next.chars().take_while(char::is_ascii_digit).count();
    year && digits(tail)
        && tail.len() < 4
        && rest == 4 - tail.len()
        && !next[rest..].starts_with(|c: char| c.is_alphanumeric())
}

/// Cleans one cell or line of text: tags, HTML entities, `**`, markdown links, NBSP, repeated
/// spaces.
pub fn clean(s: &str) -> String {
    // Most cells hold none of the markup: only their spaces need collapsing.
    if !s.contains(['<', '&', '*', '[', '\u{a0}']) {
        return collapse_spaces(s);
    }
    let s = decode_entities(&strip_tags(s))
        .replace('\u{a0}', " ")
        .replace("**", "");
    collapse_spaces(&strip_links(&s))
}

/// Runs of spaces as one space, none at either end (tabs are kept).
fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `[text](target)` → `text`.
fn strip_links(s: &str) -> String {
    if !s.contains("](") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        match after.find("](") {
            Some(mid) if !after[..mid].contains('[') => match after[mid + 2..].find(')') {
                Some(end) => {
                    out.push_str(&rest[..open]);
                    out.push_str(&after[..mid]);
                    rest = &after[mid + 2 + end + 1..];
                }
                None => break,
            },
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

pub fn lines(text: &str) -> Vec<Line> {
    text.lines()
        .enumerate()
        .map(|(i, raw)| {
            let raw = raw.trim_end_matches('\r');
            let trimmed = raw.trim();
            let hashes = trimmed.bytes().take_while(|b| *b == b'#').count();
            let heading = (hashes > 0 && hashes <= 6 && trimmed[hashes..].starts_with(' '))
                .then_some(hashes as u8);
            let body = if heading.is_some() {
                &trimmed[hashes..]
            } else {
                trimmed
            };
            let stripped = strip_tags(body).replace('\u{a0}', " ");
            let stripped = stripped.trim().trim_start_matches("- ").trim();
            let bold =
                (stripped.starts_with("**") && stripped.ends_with("**") && stripped.len() > 4)
                    || (body.trim().starts_with("<b>") && body.trim().ends_with("</b>"));
            let cells: Vec<String> = if raw.contains('\t') {
                raw.split('\t')
                    .map(|c| clean(c).trim().to_string())
                    .collect()
            } else {
                Vec::new()
            };
            let text = if cells.is_empty() {
                clean(body).trim().to_string()
            } else {
                cells.join("\t")
            };
            Line {
                no: i as u32 + 1,
                raw: raw.to_string(),
                text,
                heading,
                bold,
                cells,
            }
        })
        .collect()
}

/// Strips a leading bullet, icons and the markdown emphasis from a title line.
pub fn title_text(s: &str) -> String {
    let t = s.trim().trim_start_matches('-').trim();
    let t = lapis_model::rating::strip_icons(t);
    let t = t.trim_start_matches('-').trim();
    lapis_model::rating::strip_icons(t).trim().to_string()
}

/// The leading icon of a line, if it starts with one (`✔`, `★`, `🚩`, `🟡`).
pub fn leading_icon(s: &str) -> Option<String> {
    let t = s
        .trim()
        .trim_start_matches('-')
        .trim()
        .trim_start_matches('*')
        .trim()
        // A list's bullet is no icon.
        .trim_start_matches(['•', '◦', '▪', '▫', '‣', '⁃', '·'])
        .trim();
    let icon: String = t
        .chars()
        .take_while(|c| {
            !c.is_alphanumeric()
                && !c.is_whitespace()
                && !c.is_ascii_punctuation()
                && *c != '£'
                && *c != '“'
                && *c != '‘'
        })
        .collect();
    (!icon.is_empty()).then_some(icon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_per_cent_sign_wrapped_under_its_figure_is_printed_against_it() {
        assert!(broken_before_unit("32.40", "%"));
        assert!(!broken_before_unit("32.40", "% of pupils"));
        assert!(!broken_before_unit("Percentage", "%"));
    }

    #[test]
    fn a_word_broken_at_its_hyphen_is_joined_whole_but_before_a_capital() {
        assert!(joined_at_hyphen("strength-", "based approach"));
        assert!(joined_at_hyphen("co-", "ordination"));
        // The reports print "Anti- Poverty" and "Jan- March": the line broke at the space.
        assert!(!joined_at_hyphen("develop an Anti-", "Poverty Strategy"));
        assert!(!joined_at_hyphen("Jan-", "March"));
        assert!(!joined_at_hyphen("target -", "based"));
        assert!(joined_unspaced("engagement/", "consultation"));
        assert!(!joined_unspaced("engagement", "consultation"));
    }

    #[test]
    fn a_number_broken_at_its_hyphen_before_a_word_is_joined_whole() {
        assert!(broken_after_number(
            "a £120 million 3-",
            "year Local Transport"
        ));
        assert!(!broken_after_number("a £120 million 3-", "Year"));
        assert!(!broken_after_number("a £120 million 3", "year"));
        assert!(!broken_after_number("pages 3 -", "year"));
    }

    #[test]
    fn a_year_broken_inside_its_digits_is_joined_whole() {
        assert!(broken_in_year("2017/20", "18"));
        assert!(broken_in_year("2019/2", "020"));
        assert!(broken_in_year("Actual 2018/201", "9 Target"));
        // A year range whole, a figure after a slash, or more digits than the year lacks.
        assert!(!broken_in_year("2017/2018", "2018/2019"));
        assert!(!broken_in_year("1/2", "34"));
        assert!(!broken_in_year("2017/20", "180"));
        assert!(!broken_in_year("2017/20", "18a"));
        assert!(!broken_in_year("2017", "18"));
    }

    #[test]
    fn html_entities_are_decoded() {
        assert_eq!(clean("Roads &amp; transport"), "Roads & transport");
        assert_eq!(clean("&pound;9,156,980"), "£9,156,980");
        assert_eq!(clean("&#163;1 &#x25;"), "£1 %");
        assert_eq!(clean("A&E & more; &bogus;"), "A&E & more; &bogus;");
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean("<b>2023-2024</b>"), "2023-2024");
        assert_eq!(clean("CO<sub>2</sub>e"), "CO2e");
        assert_eq!(clean("**Rating: Good**"), "Rating: Good");
        assert_eq!(clean("a < b and c > d"), "a < b and c > d");
        assert_eq!(
            clean("see [Go to 'x' section](#) now"),
            "see Go to 'x' section now"
        );
        let ls = lines("## Heading\n<b>Number</b>\t<b>Title</b>\n**✔ Bold title**");
        assert_eq!(ls[0].heading, Some(2));
        assert_eq!(ls[0].text, "Heading");
        assert_eq!(ls[1].cells, vec!["Number", "Title"]);
        assert!(ls[2].bold);
        assert_eq!(title_text(&ls[2].text), "Bold title");
        assert_eq!(leading_icon("- ✔ **x**").as_deref(), Some("✔"));
        assert_eq!(leading_icon("Plain"), None);
    }
}
