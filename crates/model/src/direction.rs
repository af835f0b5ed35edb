//! Directions of travel as councils print them ("Improving", "Getting better", "Worse",
//! "Deteriorating", "Same", "No change"), read into one vocabulary: improving, deteriorating or
//! unchanged. The words are data: the `[directions]` of `catalog/columns.toml` (with the arrows
//! councils' keys define as better or worse, such as ⇧ ⇩ ⇔ and the Wingdings é ê è), then the
//! word stems below. A plain ↑ or ↓ says whether a figure went up, not whether that is better,
//! so it is not read. The views use this through the SQL function `lapis_direction`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Improving,
    Deteriorating,
    Unchanged,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Improving => "improving",
            Direction::Deteriorating => "deteriorating",
            Direction::Unchanged => "unchanged",
        }
    }

    /// Reads a printed direction of travel; `None` for text that states none.
    pub fn parse(text: &str) -> Option<Direction> {
        // The words of catalog/columns.toml first (arrows, Wingdings letters, "Getting better").
        if let Some(d) = crate::Vocabulary::builtin().direction(text) {
            return Some(d);
        }
        let t = text.trim().to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
        // "Not improving" and "no longer deteriorating" are rare; a negation is not read.
        if has(&["not ", "no longer"]) && !has(&["no change", "not changed"]) {
            return None;
        }
        if has(&["improv", "better", "upturn"]) {
            Some(Direction::Improving)
        } else if has(&["deteriorat", "declin", "worse", "worsen"]) {
            Some(Direction::Deteriorating)
        } else if has(&[
            "same",
            "no change",
            "not changed",
            "unchanged",
            "stable",
            "static",
            "maintained",
            "no movement",
        ]) {
            Some(Direction::Unchanged)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_directions() {
        for (text, want) in [
            ("Improving", Some(Direction::Improving)),
            ("Getting better", Some(Direction::Improving)),
            ("Better", Some(Direction::Improving)),
            ("Deteriorating", Some(Direction::Deteriorating)),
            ("Declining", Some(Direction::Deteriorating)),
            ("Getting worse", Some(Direction::Deteriorating)),
            ("Same", Some(Direction::Unchanged)),
            ("No change", Some(Direction::Unchanged)),
            ("Stable", Some(Direction::Unchanged)),
            ("↑", None),
            ("⇧", Some(Direction::Improving)),
            ("ê", Some(Direction::Deteriorating)),
            ("è", Some(Direction::Unchanged)),
            ("Not improving", None),
            ("", None),
        ] {
            assert_eq!(Direction::parse(text), want, "{text:?}");
        }
    }
}
