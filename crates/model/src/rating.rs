//! Ratings as councils print them: words, icons, history and risk scores.
//!
//! `✔ Good (Strong in Q1)` is rating `good` with previous rating `strong`; `Risk score 16` is a
//! risk score; `Green/Amber` is one word of Derby City's project scheme. An icon alone is kept as
//! text and never guessed into a word.

/// A council's own rating word, lower-cased in storage (DESIGN §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rating {
    Strong,
    Good,
    Review,
    Action,
    Complete,
    Blue,
    Green,
    Amber,
    Red,
    GreenAmber,
    AmberRed,
}

impl Rating {
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Strong => "strong",
            Rating::Good => "good",
            Rating::Review => "review",
            Rating::Action => "action",
            Rating::Complete => "complete",
            Rating::Blue => "blue",
            Rating::Green => "green",
            Rating::Amber => "amber",
            Rating::Red => "red",
            Rating::GreenAmber => "green/amber",
            Rating::AmberRed => "amber/red",
        }
    }

    /// Reads one rating word (case-insensitive, surrounding punctuation ignored).
    pub fn from_word(word: &str) -> Option<Rating> {
        let w: String = word
            .trim()
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '/')
            .to_ascii_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Some(match w.as_str() {
            "strong" => Rating::Strong,
            "good" => Rating::Good,
            "review" => Rating::Review,
            "action" => Rating::Action,
            "complete" | "completed" => Rating::Complete,
            "blue" => Rating::Blue,
            "green" => Rating::Green,
            "amber" => Rating::Amber,
            "red" => Rating::Red,
            "green/amber" | "green / amber" => Rating::GreenAmber,
            "amber/red" | "amber / red" => Rating::AmberRed,
            _ => return None,
        })
    }
}

/// What a rating cell says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedRating {
    pub rating: Option<Rating>,
    pub previous: Option<Rating>,
    pub risk_score: Option<i32>,
    /// The cell as printed, trimmed (icons kept).
    pub text: String,
}

fn is_icon(c: char) -> bool {
    !c.is_alphanumeric() && !c.is_whitespace() && !c.is_ascii_punctuation() && c != '£'
}

/// Removes leading icons (★ ✔ 🚩 ⦿ …) and the `Rating:` prefix.
pub fn strip_icons(text: &str) -> &str {
    let t = text.trim().trim_start_matches(is_icon).trim();
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("rating:") {
        t[7..].trim()
    } else {
        t
    }
}

/// Parses a rating cell: `★ Strong`, `✔ Good (Strong in Q1)`, `Action (Good in Q1)`,
/// `Rating: Strong (Good in Q1)`, `Green/Amber`, `Risk score 16`, `Blue`.
pub fn parse_rating(text: &str) -> ParsedRating {
    let printed = text.trim().to_string();
    let t = strip_icons(text);
    let mut out = ParsedRating {
        text: printed,
        ..ParsedRating::default()
    };
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("risk score") {
        out.risk_score = rest.trim().parse().ok();
        return out;
    }
    let (head, tail) = match t.find('(') {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    out.rating = Rating::from_word(head);
    if let (Some(_), Some(tail)) = (out.rating, tail) {
        // "(Strong in Q1)"
        let inner = tail.trim_end_matches(')');
        if let Some(word) = inner.split(" in ").next() {
            out.previous = Rating::from_word(word);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_with_icons_and_history() {
        let r = parse_rating("✔ Good (Strong in Q1)");
        assert_eq!(
            (r.rating, r.previous),
            (Some(Rating::Good), Some(Rating::Strong))
        );
        assert_eq!(r.text, "✔ Good (Strong in Q1)");
        assert_eq!(parse_rating("★ Strong").rating, Some(Rating::Strong));
        assert_eq!(parse_rating("🚩 Action").rating, Some(Rating::Action));
        let r = parse_rating("Rating: Strong (Good in Q1)");
        assert_eq!(
            (r.rating, r.previous),
            (Some(Rating::Strong), Some(Rating::Good))
        );
        assert_eq!(parse_rating("Green/Amber").rating, Some(Rating::GreenAmber));
        assert_eq!(parse_rating("Amber/Red").rating, Some(Rating::AmberRed));
        assert_eq!(parse_rating("Risk score 16").risk_score, Some(16));
        assert_eq!(parse_rating("Risk Score 9").risk_score, Some(9));
        assert_eq!(parse_rating("Completed").rating, Some(Rating::Complete));
        assert_eq!(parse_rating("No Target").rating, None);
        assert_eq!(parse_rating("🟡").rating, None);
        assert_eq!(parse_rating("").rating, None);
    }
}
