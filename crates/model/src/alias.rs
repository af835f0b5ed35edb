//! Likely aliases: two measure names of one council that probably name the same measure.
//!
//! Councils reword measure names between plans ("Health and Wellbeing MOT" became "Number of
//! individuals completing a Health and Wellbeing MOT"), which gives the same measure two ids. A
//! person confirms an alias in the measure catalog; this module only ranks candidates. Two names
//! are compared as sets of content words (stopwords dropped, plurals folded), scored by the mean
//! of the overlap coefficient (one name contained in the other scores 1) and the Jaccard index
//! (penalises a short name inside a long one).

use std::collections::BTreeSet;

/// Words that carry no meaning of a measure's own. "Number", "percentage" and "rate" stay: a
/// count and a percentage of the same thing are two measures.
#[rustfmt::skip]
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "is", "of", "on", "or",
    "per", "the", "to", "with", "within", "who", "which", "that", "their", "are", "be", "been",
];

/// The content words of a name: lower-case alphanumeric words without stopwords, hyphens
/// inside a word dropped (`Non-principal` and `Nonprincipal` are one word), plural `s` folded
/// (`schools` and `school` are one word).
pub fn name_words(name: &str) -> BTreeSet<String> {
    name.split(|c: char| !c.is_alphanumeric() && c != '-')
        .map(|w| w.replace('-', "").to_lowercase())
        .filter(|w| !w.is_empty())
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|w| match w.strip_suffix('s') {
            Some(stem) if stem.len() >= 3 && !stem.ends_with('s') => stem.to_string(),
            _ => w,
        })
        .collect()
}

/// How alike two measure names are, from 0 (no content word shared) to 1 (the same words).
/// Names sharing fewer than two content words score 0 unless one of them has only one word.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (name_words(a), name_words(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(&b).count();
    let smaller = a.len().min(b.len());
    if shared < 2.min(smaller) {
        return 0.0;
    }
    let union = a.len() + b.len() - shared;
    let overlap = shared as f64 / smaller as f64;
    let jaccard = shared as f64 / union as f64;
    ((overlap + jaccard) / 2.0 * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reworded_name_scores_high() {
        let s = name_similarity(
            "Health and Wellbeing MOT",
            "Number of individuals completing a Health and Wellbeing MOT",
        );
        // {health, wellbeing, mot} inside {number, individual, completing, health, wellbeing,
        // mot}: overlap 1, Jaccard 0.5.
        assert_eq!(s, 0.75);
    }

    #[test]
    fn plurals_and_case_are_folded() {
        assert_eq!(
            name_words("Schools judged Good"),
            name_words("school judged good")
        );
        assert_eq!(
            name_similarity("Schools judged Good", "school judged good"),
            1.0
        );
        assert_eq!(
            name_words("Non-principal classified roads"),
            name_words("Nonprincipal classified roads")
        );
        // "business" keeps its s: "busines" is not a word.
        assert!(name_words("business rates").contains("business"));
    }

    #[test]
    fn a_count_and_a_percentage_do_not_score_as_one_name() {
        let s = name_similarity(
            "Percentage of participants who stop smoking",
            "Number of participants who stop smoking",
        );
        // {participant, stop, smoking} shared, one word each differs: (0.75 + 0.6) / 2.
        assert_eq!(s, 0.675);
    }

    #[test]
    fn unrelated_names_score_zero() {
        assert_eq!(
            name_similarity(
                "Sickness Hours as a % of Working Hours Available",
                "Household waste collected per head"
            ),
            0.0
        );
        // One shared word out of several is not enough.
        assert_eq!(
            name_similarity("Number of road casualties", "Number of library visits"),
            0.0
        );
        assert_eq!(name_similarity("", "anything"), 0.0);
    }

    #[test]
    fn different_qualifiers_score_below_a_rewording() {
        let variant = name_similarity(
            "Proportion of all new EHC plans issued within 20 weeks (including exceptions)",
            "Proportion of all new EHC plans issued within 20 weeks (excluding exceptions)",
        );
        let reworded = name_similarity(
            "Health and Wellbeing MOT",
            "Number of individuals completing a Health and Wellbeing MOT",
        );
        assert!(variant < 1.0 && variant > 0.5, "{variant}");
        assert!(reworded > 0.5);
    }
}
