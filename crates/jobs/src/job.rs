//! Job files: one TOML file per job in the jobs directory (`jobs/README.md` documents every
//! field). Reading is strict: an unknown field, a bad schedule, pattern, URL or council code is
//! an error that names the file, the line and the field.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use croner::Cron;
use regex::Regex;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

/// A job file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobFile {
    name: Spanned<String>,
    #[serde(default = "yes")]
    enabled: bool,
    schedule: Spanned<String>,
    #[serde(default = "auto")]
    layout: String,
    council: CouncilFile,
    source: SourceFile,
    /// Free text for people: where the source came from, whom to ask.
    #[serde(default)]
    description: Option<String>,
}

fn yes() -> bool {
    true
}

fn auto() -> String {
    "auto".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CouncilFile {
    code: Spanned<String>,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
enum SourceFile {
    Urls(UrlsFile),
    Index(IndexFile),
    Dir(DirFile),
    Moderngov(ModernGovFile),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UrlsFile {
    urls: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndexFile {
    url: Spanned<String>,
    links: Spanned<String>,
    #[serde(default)]
    link_text: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DirFile {
    path: String,
    #[serde(default)]
    files: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModernGovFile {
    site: Spanned<String>,
    committee_id: u32,
    #[serde(default)]
    committee: Option<String>,
    item_title: Spanned<String>,
    #[serde(default)]
    document_title: Option<Spanned<String>>,
    #[serde(default = "lookback")]
    lookback_days: u32,
}

fn lookback() -> u32 {
    120
}

/// A job, checked and ready to run.
#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    pub file: PathBuf,
    pub enabled: bool,
    /// The schedule as written (5 or 6 fields).
    pub schedule_text: String,
    /// The schedule in the 6-field form (seconds first) that the scheduler takes.
    pub schedule: String,
    pub layout: String,
    pub council_code: String,
    pub council_name: String,
    pub source: Source,
    pub description: Option<String>,
}

/// Where a job finds its documents.
#[derive(Debug, Clone)]
pub enum Source {
    /// Fixed document URLs.
    Urls(Vec<Url>),
    /// An HTML page whose links (absolute URL matching `links`, text matching `link_text`) are
    /// the documents.
    Index {
        url: Url,
        links: Regex,
        link_text: Option<Regex>,
    },
    /// Files in a local directory whose names match `files`.
    Dir { path: PathBuf, files: Option<Regex> },
    /// A committee on a council's Modern.Gov site: its meetings of the last `lookback_days`
    /// days, their agenda items whose title matches `item_title`, and of those the documents
    /// whose title matches `document_title`.
    ModernGov {
        site: Url,
        committee_id: u32,
        committee: Option<String>,
        item_title: Regex,
        document_title: Option<Regex>,
        lookback_days: u32,
    },
}

impl Source {
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Urls(_) => "urls",
            Source::Index { .. } => "index",
            Source::Dir { .. } => "dir",
            Source::ModernGov { .. } => "moderngov",
        }
    }
}

/// A job file that cannot be used: the file, the line (1-based; 0 when unknown) and what is
/// wrong, naming the field.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{file}{}: {message}", line_suffix(*line))]
pub struct JobFileError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

fn line_suffix(line: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" line {line}")
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses a cron schedule of 6 fields (seconds first) or the usual 5 (then at second 0).
/// Returns the 6-field form.
pub fn parse_schedule(text: &str) -> Result<(String, Cron), String> {
    let fields = text.split_whitespace().count();
    let six = match fields {
        5 => format!("0 {}", text.trim()),
        6 => text.trim().to_string(),
        n => {
            return Err(format!(
            "{text:?} has {n} fields; a schedule has 5 (minute hour day month weekday) or 6 (second first), in UTC"
        ))
        }
    };
    let cron = croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(&six)
        .map_err(|e| format!("{text:?} is not a cron schedule: {e}"))?;
    Ok((six, cron))
}

impl Job {
    /// The schedule, parsed.
    pub fn cron(&self) -> Cron {
        // Checked when the file was read.
        parse_schedule(&self.schedule)
            .map(|(_, c)| c)
            .expect("schedule checked when the job was read")
    }

    /// The first scheduled time after `t` (UTC).
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron().find_next_occurrence(&t, false).ok()
    }

    /// Reads and checks one job file.
    pub fn from_file(path: &Path) -> Result<Job, JobFileError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| JobFileError {
            file: file.clone(),
            line: 0,
            message: e.to_string(),
        })?;
        Job::from_toml(&text, path)
    }

    /// Checks a job file's text; `path` names it in errors and anchors relative directories.
    pub fn from_toml(text: &str, path: &Path) -> Result<Job, JobFileError> {
        let file = path.display().to_string();
        let err = |line: usize, message: String| JobFileError {
            file: file.clone(),
            line,
            message,
        };
        let parsed: JobFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
            err(line, e.message().trim().to_string())
        })?;
        let at = |s: &std::ops::Range<usize>| line_of(text, s.start);
        let name = parsed.name.get_ref().trim().to_string();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(err(
                at(&parsed.name.span()),
                format!("name {name:?}: use letters, digits, '-' and '_' only"),
            ));
        }
        let (schedule, _) = parse_schedule(parsed.schedule.get_ref())
            .map_err(|m| err(at(&parsed.schedule.span()), format!("schedule: {m}")))?;
        let code = parsed.council.code.get_ref().trim().to_string();
        if !lapis_model::is_council_code(&code) {
            return Err(err(
                at(&parsed.council.code.span()),
                format!("council.code {code:?} is not a council's GSS code (a letter and eight digits, such as E10000007)"),
            ));
        }
        let regex = |s: &Spanned<String>, field: &str| {
            Regex::new(&format!("(?i){}", s.get_ref())).map_err(|e| {
                err(
                    at(&s.span()),
                    format!("{field}: not a regular expression: {e}"),
                )
            })
        };
        let web_url = |s: &Spanned<String>, field: &str| {
            let url = Url::parse(s.get_ref().trim())
                .map_err(|e| err(at(&s.span()), format!("{field}: not a URL: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(err(
                    at(&s.span()),
                    format!("{field}: {url} is not an http(s) URL"),
                ));
            }
            Ok(url)
        };
        let source = match &parsed.source {
            SourceFile::Urls(u) => {
                if u.urls.is_empty() {
                    return Err(err(0, "source.urls.urls: list at least one URL".into()));
                }
                Source::Urls(
                    u.urls
                        .iter()
                        .map(|s| web_url(s, "source.urls.urls"))
                        .collect::<Result<_, _>>()?,
                )
            }
            SourceFile::Index(i) => Source::Index {
                url: web_url(&i.url, "source.index.url")?,
                links: regex(&i.links, "source.index.links")?,
                link_text: i
                    .link_text
                    .as_ref()
                    .map(|s| regex(s, "source.index.link_text"))
                    .transpose()?,
            },
            SourceFile::Dir(d) => {
                let base = path.parent().unwrap_or(Path::new("."));
                Source::Dir {
                    path: base.join(&d.path),
                    files: d
                        .files
                        .as_ref()
                        .map(|s| regex(s, "source.dir.files"))
                        .transpose()?,
                }
            }
            SourceFile::Moderngov(m) => {
                let mut site = web_url(&m.site, "source.moderngov.site")?;
                if !site.path().ends_with('/') {
                    let p = format!("{}/", site.path());
                    site.set_path(&p);
                }
                Source::ModernGov {
                    site,
                    committee_id: m.committee_id,
                    committee: m.committee.clone(),
                    item_title: regex(&m.item_title, "source.moderngov.item_title")?,
                    document_title: m
                        .document_title
                        .as_ref()
                        .map(|s| regex(s, "source.moderngov.document_title"))
                        .transpose()?,
                    lookback_days: m.lookback_days,
                }
            }
        };
        Ok(Job {
            name,
            file: path.to_path_buf(),
            enabled: parsed.enabled,
            schedule_text: parsed.schedule.get_ref().trim().to_string(),
            schedule,
            layout: parsed.layout,
            council_code: code,
            council_name: parsed.council.name,
            source,
            description: parsed.description,
        })
    }
}

/// Reads every `*.toml` job file of a directory, in name order. All files are checked; the
/// errors of every bad file are returned together. Two files naming the same job are an error.
pub fn load_dir(dir: &Path) -> Result<Vec<Job>, Vec<JobFileError>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            return Err(vec![JobFileError {
                file: dir.display().to_string(),
                line: 0,
                message: format!("cannot read the jobs directory: {e}"),
            }])
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut jobs: Vec<Job> = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        match Job::from_file(&file) {
            Ok(job) => {
                if let Some(other) = jobs.iter().find(|j| j.name == job.name) {
                    errors.push(JobFileError {
                        file: file.display().to_string(),
                        line: 0,
                        message: format!(
                            "name {:?} is already the name of the job in {}",
                            job.name,
                            other.file.display()
                        ),
                    });
                } else {
                    jobs.push(job);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(jobs)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "derbyshire-cabinet"
schedule = "30 6 * * 1"
[council]
code = "E10000007"
name = "Derbyshire County Council"
[source.moderngov]
site = "https://democracy.derbyshire.gov.uk"
committee_id = 135
item_title = "performance"
"#;

    #[test]
    fn a_good_file_reads() {
        let job = Job::from_toml(GOOD, Path::new("jobs/x.toml")).expect("valid");
        assert_eq!(job.name, "derbyshire-cabinet");
        assert_eq!(job.schedule, "0 30 6 * * 1");
        assert_eq!(job.layout, "auto");
        assert!(job.enabled);
        let Source::ModernGov {
            site,
            lookback_days,
            ..
        } = &job.source
        else {
            panic!("moderngov source")
        };
        assert_eq!(site.as_str(), "https://democracy.derbyshire.gov.uk/");
        assert_eq!(*lookback_days, 120);
        let next = job
            .next_after("2026-11-30T07:00:00Z".parse().expect("time"))
            .expect("next");
        assert_eq!(next.to_rfc3339(), "2026-12-07T06:30:00+00:00");
    }

    fn error(text: &str) -> String {
        Job::from_toml(text, Path::new("jobs/x.toml"))
            .expect_err("invalid")
            .to_string()
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let e = error(&GOOD.replace("schedule =", "shedule ="));
        assert!(
            e.starts_with("jobs/x.toml line 3: unknown field `shedule`"),
            "{e}"
        );
        let e = error(&GOOD.replace("30 6 * * 1", "30 6 * *"));
        assert!(
            e.starts_with("jobs/x.toml line 3: schedule: \"30 6 * *\" has 4 fields"),
            "{e}"
        );
        let e = error(&GOOD.replace("30 6 * * 1", "61 6 * * 1"));
        assert!(e.starts_with("jobs/x.toml line 3: schedule:"), "{e}");
        let e = error(&GOOD.replace("E10000007", "E1000007"));
        assert!(
            e.starts_with("jobs/x.toml line 5: council.code \"E1000007\""),
            "{e}"
        );
        let e = error(&GOOD.replace("\"performance\"", "\"perf(\""));
        assert!(
            e.starts_with(
                "jobs/x.toml line 10: source.moderngov.item_title: not a regular expression"
            ),
            "{e}"
        );
        let e = error(&GOOD.replace("committee_id = 135", "committee_id = 135\npage = 2"));
        assert!(
            e.starts_with("jobs/x.toml line 10: unknown field `page`"),
            "{e}"
        );
        let e = error(&GOOD.replace("[source.moderngov]", "[source.ftp]"));
        assert!(
            e.contains("line 7") && e.contains("unknown variant `ftp`"),
            "{e}"
        );
        let e = error(&GOOD.replace("https://democracy", "ftp://democracy"));
        assert!(
            e.starts_with("jobs/x.toml line 8: source.moderngov.site: ftp://"),
            "{e}"
        );
        let e = error(&GOOD.replace("name = \"Derbyshire County Council\"\n", ""));
        assert!(e.contains("missing field `name`"), "{e}");
    }
}
