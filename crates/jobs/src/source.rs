//! Finding a job's documents: the URLs it lists, the links of an index page, the files of a
//! directory, or the documents of a Modern.Gov committee's recent meetings.

use std::path::PathBuf;

use chrono::NaiveDate;
use url::Url;

use crate::fetch::{Fetched, Fetcher};
use crate::job::{Job, Source};
use crate::moderngov;

/// A document a source names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// What the document is recorded as: its URL, or `file://` path.
    pub uri: String,
    /// Where it came from, for people (a link text, a meeting and agenda item).
    pub title: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Http(Url),
    File(PathBuf),
}

/// A source that could not be read: the run fails with this.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SourceError {
    #[error("source {what}: {source}")]
    Fetch {
        what: String,
        source: crate::fetch::FetchError,
    },
    #[error("source {what}: {message}")]
    Unreadable { what: String, message: String },
}

impl SourceError {
    pub fn http_status(&self) -> Option<u16> {
        match self {
            SourceError::Fetch { source, .. } => source.http_status(),
            SourceError::Unreadable { .. } => None,
        }
    }
}

async fn get_text(fetcher: &Fetcher, url: &Url, what: &str) -> Result<(String, Url), SourceError> {
    let fetched = fetcher
        .get(url, None)
        .await
        .map_err(|source| SourceError::Fetch {
            what: what.to_string(),
            source,
        })?;
    let Fetched::Body(body) = fetched else {
        return Err(SourceError::Unreadable {
            what: what.into(),
            message: "answered 304 Not Modified to an unconditional request".into(),
        });
    };
    let text = String::from_utf8_lossy(&body.bytes).into_owned();
    Ok((text, body.final_url))
}

/// The links of an HTML page that match the job's patterns, absolute, in page order, once each.
pub fn index_links(
    html: &str,
    base: &Url,
    links: &regex::Regex,
    text: Option<&regex::Regex>,
) -> Vec<Candidate> {
    let page = scraper::Html::parse_document(html);
    let anchors = scraper::Selector::parse("a[href]").expect("a constant selector");
    let mut out: Vec<Candidate> = Vec::new();
    for a in page.select(&anchors) {
        let Some(href) = a.value().attr("href") else {
            continue;
        };
        let Ok(mut url) = base.join(href.trim()) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") {
            continue;
        }
        url.set_fragment(None);
        let label = a.text().collect::<Vec<_>>().join(" ");
        let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
        if !links.is_match(url.as_str()) || text.is_some_and(|t| !t.is_match(&label)) {
            continue;
        }
        if out.iter().any(|c| c.uri == url.as_str()) {
            continue;
        }
        out.push(Candidate {
            uri: url.to_string(),
            title: (!label.is_empty()).then_some(label),
            location: Location::Http(url),
        });
    }
    out
}

/// The documents the job's source names now. `today` bounds a Modern.Gov search.
pub async fn discover(
    job: &Job,
    fetcher: &Fetcher,
    today: NaiveDate,
) -> Result<Vec<Candidate>, SourceError> {
    match &job.source {
        Source::Urls(urls) => Ok(urls
            .iter()
            .map(|u| Candidate {
                uri: u.to_string(),
                title: None,
                location: Location::Http(u.clone()),
            })
            .collect()),
        Source::Index {
            url,
            links,
            link_text,
        } => {
            let what = format!("index page {url}");
            let (html, base) = get_text(fetcher, url, &what).await?;
            if !lapis_extract::html::is_html(&html) {
                return Err(SourceError::Unreadable {
                    what,
                    message: "is not an HTML page".into(),
                });
            }
            Ok(index_links(&html, &base, links, link_text.as_ref()))
        }
        Source::Dir { path, files } => {
            let what = format!("directory {}", path.display());
            let entries = std::fs::read_dir(path).map_err(|e| SourceError::Unreadable {
                what: what.clone(),
                message: e.to_string(),
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .filter(|p| {
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    !name.starts_with('.') && files.as_ref().is_none_or(|f| f.is_match(&name))
                })
                .collect();
            found.sort();
            Ok(found
                .into_iter()
                .map(|p| {
                    let abs = std::fs::canonicalize(&p)
                        .or_else(|_| std::path::absolute(&p))
                        .unwrap_or(p);
                    Candidate {
                        uri: format!("file://{}", abs.display()),
                        title: None,
                        location: Location::File(abs),
                    }
                })
                .collect())
        }
        Source::ModernGov {
            site,
            committee_id,
            item_title,
            document_title,
            lookback_days,
            ..
        } => {
            let from = today - chrono::Duration::days(i64::from(*lookback_days));
            let mut list = site.join("mgWebService.asmx/GetMeetings").map_err(|e| {
                SourceError::Unreadable {
                    what: site.to_string(),
                    message: e.to_string(),
                }
            })?;
            list.query_pairs_mut()
                .append_pair("lCommitteeId", &committee_id.to_string())
                .append_pair("sFromDate", &moderngov::format_date(from))
                .append_pair("sToDate", &moderngov::format_date(today));
            let what = format!("Modern.Gov meetings of committee {committee_id} at {site}");
            let (xml, _) = get_text(fetcher, &list, &what).await?;
            let meetings =
                moderngov::meetings(&xml).map_err(|message| SourceError::Unreadable {
                    what: what.clone(),
                    message,
                })?;
            let mut out: Vec<Candidate> = Vec::new();
            // Some sites ignore the dates asked for and answer with the whole history.
            for meeting in meetings
                .iter()
                .filter(|m| m.date >= from && m.date <= today)
            {
                let mut agenda = site.join("mgWebService.asmx/GetMeeting").map_err(|e| {
                    SourceError::Unreadable {
                        what: site.to_string(),
                        message: e.to_string(),
                    }
                })?;
                agenda
                    .query_pairs_mut()
                    .append_pair("lMeetingId", &meeting.id);
                let what = format!(
                    "Modern.Gov meeting {} ({}) at {site}",
                    meeting.id, meeting.date
                );
                let (xml, _) = get_text(fetcher, &agenda, &what).await?;
                let docs = moderngov::linked_documents(&xml)
                    .map_err(|message| SourceError::Unreadable { what, message })?;
                for d in docs {
                    if d.restricted || !item_title.is_match(&d.item_title) {
                        continue;
                    }
                    if document_title
                        .as_ref()
                        .is_some_and(|t| !t.is_match(&d.title))
                    {
                        continue;
                    }
                    let Some(url) = moderngov::document_url(site, &d.url) else {
                        continue;
                    };
                    if out.iter().any(|c| c.uri == url.as_str()) {
                        continue;
                    }
                    out.push(Candidate {
                        uri: url.to_string(),
                        title: Some(format!("{} — {} — {}", meeting.date, d.item_title, d.title)),
                        location: Location::Http(url),
                    });
                }
            }
            Ok(out)
        }
    }
}
