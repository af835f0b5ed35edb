//! Fetching over HTTP(S): conditional GET, timeouts, retries with exponential backoff and
//! jitter (network errors, 429 with Retry-After, 5xx; never other 4xx), a size limit enforced
//! while the body streams, a bounded number of redirects, a user agent that names lapis, and a
//! politeness delay between two requests to one host.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use reqwest::header::{
    HeaderMap, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
    RETRY_AFTER,
};
use tracing::{debug, warn};
use url::Url;

use crate::config::FetchPolicy;

/// The user agent lapis sends: the product, its version and where to read about it.
pub fn user_agent() -> String {
    format!(
        "lapis/{} (+{}; council performance reports)",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_REPOSITORY")
    )
}

/// What a conditional GET sends: the validators of the last copy fetched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A body fetched in full.
#[derive(Debug, Clone)]
pub struct Body {
    pub bytes: Vec<u8>,
    pub status: u16,
    pub final_url: Url,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_type: Option<String>,
}

/// What a GET gave.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// 304: the copy fetched before is current.
    NotModified,
    Body(Body),
}

/// Why a GET failed, after any retries.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("HTTP 403 Forbidden from {host}: the site refuses lapis (often a firewall that answers 403 to clients that are not web browsers); not retried. Ask the council to allow the user agent {agent:?}, or fetch the document by hand and `lapis ingest` it")]
    Forbidden { host: String, agent: String },
    #[error("HTTP {status} from {url}; not retried")]
    Status { url: String, status: u16 },
    #[error("{url} asked to retry after {secs} s (Retry-After), over fetch.retry_after_max_secs = {max}; not retried")]
    RetryAfterTooLong { url: String, secs: u64, max: u64 },
    #[error("{url}: the document is over the size limit of {limit} bytes{}; stopped reading", declared.map(|n| format!(" (Content-Length {n})")).unwrap_or_default())]
    TooLarge {
        url: String,
        limit: usize,
        declared: Option<u64>,
    },
    #[error("{url}: more than {limit} redirects (a redirect loop?)")]
    TooManyRedirects { url: String, limit: usize },
    #[error("{url}: gave up after {attempts} attempts; last: {last}")]
    GaveUp {
        url: String,
        attempts: u32,
        last: String,
    },
    #[error("{url}: {message}")]
    Request { url: String, message: String },
    #[error("stopped: the daemon is shutting down")]
    Cancelled,
}

impl FetchError {
    /// The HTTP status the server answered with, when it answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            FetchError::Forbidden { .. } => Some(403),
            FetchError::Status { status, .. } => Some(*status),
            FetchError::RetryAfterTooLong { .. } => Some(429),
            _ => None,
        }
    }
}

/// One attempt's failure: retried (after a delay the server may have asked for) or not.
enum Attempt {
    Retry {
        why: String,
        after: Option<Duration>,
        status: Option<u16>,
    },
    Fatal(FetchError),
}

/// An HTTP client with lapis's fetching rules. Shared by the jobs of one process, so the
/// politeness delay holds across them.
#[derive(Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    policy: FetchPolicy,
    /// When each host was last asked.
    hosts: tokio::sync::Mutex<HashMap<String, Instant>>,
}

fn error_text(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut text = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "cannot connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// Seconds (or an HTTP date) in a Retry-After header.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

fn header(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

impl Fetcher {
    pub fn new(policy: &FetchPolicy) -> Result<Fetcher, String> {
        let client = reqwest::Client::builder()
            .user_agent(user_agent())
            .connect_timeout(policy.connect_timeout())
            .timeout(policy.timeout())
            .redirect(reqwest::redirect::Policy::limited(policy.max_redirects))
            .build()
            .map_err(|e| error_text(&e))?;
        Ok(Fetcher {
            client,
            policy: policy.clone(),
            hosts: tokio::sync::Mutex::new(HashMap::new()),
        })
    }

    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// Waits until the host may be asked again, and marks it asked now.
    async fn polite(&self, url: &Url) {
        let host = url.host_str().unwrap_or_default().to_string();
        let delay = Duration::from_millis(self.policy.host_delay_ms);
        let mut hosts = self.hosts.lock().await;
        if let Some(last) = hosts.get(&host) {
            let due = *last + delay;
            let now = Instant::now();
            if due > now {
                tokio::time::sleep(due - now).await;
            }
        }
        hosts.insert(host, Instant::now());
    }

    fn backoff(&self, attempt: u32) -> Duration {
        use rand::Rng;
        let base = self
            .policy
            .backoff_initial_ms
            .saturating_mul(1u64 << attempt.saturating_sub(1).min(20));
        let capped = base.min(self.policy.backoff_max_ms) as f64;
        let jitter: f64 = rand::rng().random_range(0.5..1.5);
        Duration::from_millis((capped * jitter).min(self.policy.backoff_max_ms as f64) as u64)
    }

    /// GETs `url`, conditionally when `validators` are given, retrying what can be retried.
    pub async fn get(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        let attempts = self.policy.max_attempts.max(1);
        let mut last = String::new();
        for attempt in 1..=attempts {
            self.polite(url).await;
            match self.once(url, validators).await {
                Ok(f) => return Ok(f),
                Err(Attempt::Fatal(e)) => return Err(e),
                Err(Attempt::Retry { why, after, status }) => {
                    last = why;
                    if attempt == attempts {
                        break;
                    }
                    let wait = match after {
                        Some(after) if after.as_secs() > self.policy.retry_after_max_secs => {
                            return Err(FetchError::RetryAfterTooLong {
                                url: url.to_string(),
                                secs: after.as_secs(),
                                max: self.policy.retry_after_max_secs,
                            })
                        }
                        Some(after) => after,
                        None => self.backoff(attempt),
                    };
                    warn!(%url, attempt, ?status, wait_ms = wait.as_millis() as u64, reason = %last, "Retrying.");
                    tokio::time::sleep(wait).await;
                }
            }
        }
        Err(FetchError::GaveUp {
            url: url.to_string(),
            attempts,
            last,
        })
    }

    async fn once(&self, url: &Url, validators: Option<&Validators>) -> Result<Fetched, Attempt> {
        let mut req = self.client.get(url.clone());
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                req = req.header(IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                req = req.header(IF_MODIFIED_SINCE, lm);
            }
        }
        let fatal = |e| Err(Attempt::Fatal(e));
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_redirect() => {
                return fatal(FetchError::TooManyRedirects {
                    url: url.to_string(),
                    limit: self.policy.max_redirects,
                })
            }
            Err(e) if e.is_builder() => {
                return fatal(FetchError::Request {
                    url: url.to_string(),
                    message: error_text(&e),
                })
            }
            Err(e) => {
                return Err(Attempt::Retry {
                    why: error_text(&e),
                    after: None,
                    status: None,
                })
            }
        };
        let status = resp.status().as_u16();
        debug!(%url, status, "Answered.");
        match status {
            304 => return Ok(Fetched::NotModified),
            200..=299 => {}
            403 => {
                return fatal(FetchError::Forbidden {
                    host: url.host_str().unwrap_or_default().to_string(),
                    agent: user_agent(),
                })
            }
            429 | 500..=599 => {
                return Err(Attempt::Retry {
                    why: format!("HTTP {status}"),
                    after: retry_after(resp.headers()),
                    status: Some(status),
                })
            }
            _ => {
                return fatal(FetchError::Status {
                    url: url.to_string(),
                    status,
                })
            }
        }
        let limit = self.policy.max_bytes;
        let declared = header(resp.headers(), CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
        let too_large = |declared| FetchError::TooLarge {
            url: url.to_string(),
            limit,
            declared,
        };
        if declared.is_some_and(|n| n > limit as u64) {
            return fatal(too_large(declared));
        }
        let etag = header(resp.headers(), ETAG);
        let last_modified = header(resp.headers(), LAST_MODIFIED);
        let content_type = header(resp.headers(), CONTENT_TYPE);
        let final_url = resp.url().clone();
        let mut bytes = Vec::with_capacity(declared.unwrap_or(0).min(limit as u64) as usize);
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > limit {
                        return fatal(too_large(declared));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(Attempt::Retry {
                        why: format!("reading the body: {}", error_text(&e)),
                        after: None,
                        status: Some(status),
                    })
                }
            }
        }
        Ok(Fetched::Body(Body {
            bytes,
            status,
            final_url,
            etag,
            last_modified,
            content_type,
        }))
    }
}
