//! Rating rules: how a council turns a value and a target into a rating word (DESIGN §4).
//!
//! A rule needs the measure's polarity. "Better" is the relative difference
//! `(value - target) / |target|`, sign-flipped when lower is better. The thresholds are the
//! councils' own, as printed in their reports' keys:
//!
//! | scheme | rating | better |
//! |---|---|---|
//! | Derbyshire | strong | more than +5% (more than +2% when the target is above 95) |
//! | Derbyshire | good | from -2% to +5% (to +2% when the target is above 95) |
//! | Derbyshire | review | from -10% to below -2% |
//! | Derbyshire | action | below -10% |
//! | Derby City | blue | +10% or more |
//! | Derby City | green | from -2% to below +10% |
//! | Derby City | amber | from -10% to below -2% |
//! | Derby City | red | below -10% |

use crate::rating::Rating;

/// Whether a higher value of a measure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Polarity {
    HigherIsBetter,
    LowerIsBetter,
}

impl Polarity {
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::HigherIsBetter => "higher_is_better",
            Polarity::LowerIsBetter => "lower_is_better",
        }
    }

    pub fn parse(text: &str) -> Option<Polarity> {
        match text.trim() {
            "higher_is_better" => Some(Polarity::HigherIsBetter),
            "lower_is_better" => Some(Polarity::LowerIsBetter),
            _ => None,
        }
    }
}

/// A council's rating rule for measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Strong / Good / Review / Action.
    Derbyshire,
    /// Blue / Green / Amber / Red.
    DerbyCity,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Derbyshire => "derbyshire",
            Scheme::DerbyCity => "derby_city",
        }
    }

    pub fn parse(text: &str) -> Option<Scheme> {
        match text.trim() {
            "derbyshire" => Some(Scheme::Derbyshire),
            "derby_city" => Some(Scheme::DerbyCity),
            _ => None,
        }
    }

    /// The measure scheme a published rating word belongs to. `complete` and the split project
    /// words (`green/amber`) are not measure ratings.
    pub fn of_rating(rating: Rating) -> Option<Scheme> {
        match rating {
            Rating::Strong | Rating::Good | Rating::Review | Rating::Action => {
                Some(Scheme::Derbyshire)
            }
            Rating::Blue | Rating::Green | Rating::Amber | Rating::Red => Some(Scheme::DerbyCity),
            Rating::Complete | Rating::GreenAmber | Rating::AmberRed => None,
        }
    }

    /// The rating this rule gives `value` against `target`; `None` when the target is zero or a
    /// figure is not finite (a relative difference means nothing then).
    pub fn rate(self, value: f64, target: f64, polarity: Polarity) -> Option<Rating> {
        let better = relative_better(value, target, polarity)?;
        Some(match self {
            Scheme::Derbyshire => {
                let strong_above = if target > 95.0 { 0.02 } else { 0.05 };
                if better > strong_above {
                    Rating::Strong
                } else if better >= -0.02 {
                    Rating::Good
                } else if better >= -0.10 {
                    Rating::Review
                } else {
                    Rating::Action
                }
            }
            Scheme::DerbyCity => {
                if better >= 0.10 {
                    Rating::Blue
                } else if better >= -0.02 {
                    Rating::Green
                } else if better >= -0.10 {
                    Rating::Amber
                } else {
                    Rating::Red
                }
            }
        })
    }
}

/// `(value - target) / |target|`, sign-flipped when lower is better, rounded to 9 decimals so
/// that figures printed exactly on a threshold (4.9 against 5) land on it despite binary floats.
pub fn relative_better(value: f64, target: f64, polarity: Polarity) -> Option<f64> {
    if !value.is_finite() || !target.is_finite() || target == 0.0 {
        return None;
    }
    let raw = (value - target) / target.abs();
    let signed = match polarity {
        Polarity::HigherIsBetter => raw,
        Polarity::LowerIsBetter => -raw,
    };
    Some((signed * 1e9).round() / 1e9)
}

impl Rating {
    /// A scheme-independent rank, 4 best … 1 worst. A split project rating (`green/amber`)
    /// ranks as its worse half.
    pub fn rank(self) -> i32 {
        match self {
            Rating::Complete | Rating::Strong | Rating::Blue => 4,
            Rating::Good | Rating::Green => 3,
            Rating::Review | Rating::Amber | Rating::GreenAmber => 2,
            Rating::Action | Rating::Red | Rating::AmberRed => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Polarity::*;

    #[test]
    fn derbyshire_thresholds() {
        let s = Scheme::Derbyshire;
        // Sickness 4.42% against a 4.70% target: 6% better when lower is better.
        assert_eq!(s.rate(4.42, 4.70, LowerIsBetter), Some(Rating::Strong));
        assert_eq!(s.rate(4.42, 4.70, HigherIsBetter), Some(Rating::Review));
        assert_eq!(s.rate(52.5, 50.0, HigherIsBetter), Some(Rating::Good));
        assert_eq!(s.rate(52.55, 50.0, HigherIsBetter), Some(Rating::Strong));
        assert_eq!(s.rate(49.0, 50.0, HigherIsBetter), Some(Rating::Good));
        assert_eq!(s.rate(48.95, 50.0, HigherIsBetter), Some(Rating::Review));
        assert_eq!(s.rate(45.0, 50.0, HigherIsBetter), Some(Rating::Review));
        assert_eq!(s.rate(44.95, 50.0, HigherIsBetter), Some(Rating::Action));
        // Exactly on the threshold despite binary floats.
        assert_eq!(s.rate(4.9, 5.0, HigherIsBetter), Some(Rating::Good));
        // Targets above 95 are strong from 2% better.
        assert_eq!(s.rate(98.0, 96.0, HigherIsBetter), Some(Rating::Strong));
        assert_eq!(s.rate(105.0, 100.0, HigherIsBetter), Some(Rating::Strong));
        assert_eq!(s.rate(97.0, 96.0, HigherIsBetter), Some(Rating::Good));
        assert_eq!(s.rate(1.0, 0.0, HigherIsBetter), None);
    }

    #[test]
    fn derby_city_thresholds() {
        let s = Scheme::DerbyCity;
        // 18 travel-training completions against 15: 20% better, Blue by the key.
        assert_eq!(s.rate(18.0, 15.0, HigherIsBetter), Some(Rating::Blue));
        assert_eq!(s.rate(11.0, 10.0, HigherIsBetter), Some(Rating::Blue));
        assert_eq!(s.rate(10.9, 10.0, HigherIsBetter), Some(Rating::Green));
        assert_eq!(s.rate(9.8, 10.0, HigherIsBetter), Some(Rating::Green));
        assert_eq!(s.rate(9.7, 10.0, HigherIsBetter), Some(Rating::Amber));
        assert_eq!(s.rate(9.0, 10.0, HigherIsBetter), Some(Rating::Amber));
        assert_eq!(s.rate(8.9, 10.0, HigherIsBetter), Some(Rating::Red));
        // Suspensions falling is better when lower is better.
        assert_eq!(s.rate(3487.0, 5199.0, LowerIsBetter), Some(Rating::Blue));
    }

    #[test]
    fn ranks_and_schemes() {
        assert_eq!(Rating::Strong.rank(), 4);
        assert_eq!(Rating::Green.rank(), 3);
        assert_eq!(Rating::GreenAmber.rank(), 2);
        assert_eq!(Rating::AmberRed.rank(), 1);
        assert_eq!(Scheme::of_rating(Rating::Review), Some(Scheme::Derbyshire));
        assert_eq!(Scheme::of_rating(Rating::Amber), Some(Scheme::DerbyCity));
        assert_eq!(Scheme::of_rating(Rating::Complete), None);
        assert_eq!(Polarity::parse("lower_is_better"), Some(LowerIsBetter));
        assert_eq!(
            Scheme::parse(Scheme::DerbyCity.as_str()),
            Some(Scheme::DerbyCity)
        );
    }
}
