//! The lapis domain model: periods, ratings, printed values and the events an extraction yields.
//!
//! Everything here is a pure function of its inputs: no I/O, no clocks, no async. The extractor
//! builds these types from report text; the store turns them into Arrow rows. What can go wrong
//! here is only bad text, and every parser returns `None` (never panics) for text it cannot read.

pub mod alias;
pub mod council;
pub mod direction;
pub mod event;
pub mod period;
pub mod rating;
pub mod scheme;
pub mod value;
pub mod vocabulary;

pub use alias::{name_similarity, name_words};
pub use council::is_council_code;
pub use direction::Direction;
pub use event::{
    event_id, measure_id, normalise_name, ClaimEvent, DocumentMeta, Extraction, ObjectiveKind,
    ObjectiveUpdate, Observation, ParseIssue, ReadCounts, ReportMeta, Severity,
};
pub use period::{Period, PeriodKind};
pub use rating::{ParsedRating, Rating};
pub use scheme::{relative_better, Polarity, Scheme};
pub use value::{ParsedValue, ValueNote};
pub use vocabulary::{ColumnRole, Vocabulary, VocabularyError};
