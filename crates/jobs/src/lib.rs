//! lapis-jobs: fetch jobs. A job (a TOML file in `jobs/`) names a council, a schedule and a
//! source; a run finds the source's documents, fetches what is new, and hands each document's
//! bytes to the one ingest path (`lapis-ingest`), recording the run in `job_runs` and each
//! fetch in `fetches`. `lapis run` runs jobs once; `lapis serve` runs them on their schedules.

pub mod config;
pub mod fetch;
pub mod job;
pub mod moderngov;
pub mod run;
pub mod schedule;
pub mod source;

pub use config::{Config, FetchPolicy};
pub use fetch::Fetcher;
pub use job::{load_dir, Job, JobFileError, Source};
pub use run::{run_job, DocumentOutcome, Progress, RunContext, Trigger};
