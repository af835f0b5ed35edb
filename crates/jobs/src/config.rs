//! `lapis.toml`: the configuration of `lapis run` and the `lapis serve` daemon. Every field
//! has a default, so an absent file means the defaults; unknown fields are errors.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The daemon's configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Warehouse directory (or object-store URL). Relative to the configuration file.
    pub warehouse: String,
    /// Directory of job files. Relative to the configuration file.
    pub jobs: PathBuf,
    pub fetch: FetchPolicy,
    pub schedule: ScheduleConfig,
    pub server: ServerConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            warehouse: "./warehouse".into(),
            jobs: PathBuf::from("jobs"),
            fetch: FetchPolicy::default(),
            schedule: ScheduleConfig::default(),
            server: ServerConfig::default(),
        }
    }
}

/// The PostgreSQL-protocol server of `lapis serve`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Serve SQL at all (false: `lapis serve` only runs the schedule).
    pub enabled: bool,
    /// Address and port to listen on.
    pub listen: String,
    /// Address and port of the HTTP side (health, jobs, metrics, exports); "" turns it off.
    pub http_listen: String,
    /// PEM certificate chain and private key (PKCS#8, PKCS#1 or SEC1): both turn TLS on. A key
    /// that does not load stops the server; it never falls back to plain text.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Refuse clients that do not use TLS.
    pub tls_required: bool,
    /// Let clients in without a password, only when `listen` is a loopback address.
    pub trust_loopback: bool,
    /// User name → SCRAM-SHA-256 verifier (`lapis passwd NAME` prints one).
    pub users: std::collections::BTreeMap<String, String>,
    /// Connections served at once; more are refused (SQLSTATE 53300).
    pub max_connections: usize,
    /// Seconds a connection may run nothing before it is closed.
    pub idle_timeout_secs: u64,
    /// Longest a statement may run, in seconds (a client's `SET statement_timeout` can only
    /// shorten it).
    pub statement_timeout_secs: f64,
    /// Memory all queries together may hold, in MiB; sorts and joins spill to disk past it
    /// where they can, and fail where they cannot.
    pub memory_limit_mib: usize,
    /// Most rows one result may have.
    pub max_result_rows: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            enabled: true,
            listen: "127.0.0.1:5433".into(),
            http_listen: "127.0.0.1:8433".into(),
            tls_cert: None,
            tls_key: None,
            tls_required: false,
            trust_loopback: false,
            users: Default::default(),
            max_connections: 64,
            idle_timeout_secs: 3600,
            statement_timeout_secs: 300.0,
            memory_limit_mib: 2048,
            max_result_rows: 1_000_000,
        }
    }
}

/// How documents are fetched.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FetchPolicy {
    /// Seconds to wait for a connection.
    pub connect_timeout_secs: f64,
    /// Seconds for a whole request, body included.
    pub timeout_secs: f64,
    /// Largest document accepted, in bytes; a larger body is refused while it streams.
    pub max_bytes: usize,
    /// Attempts per request on network errors, 429 and 5xx (other 4xx are never retried).
    pub max_attempts: u32,
    /// First retry delay, in milliseconds; it doubles per attempt, with jitter.
    pub backoff_initial_ms: u64,
    /// Longest retry delay, in milliseconds.
    pub backoff_max_ms: u64,
    /// A Retry-After longer than this (seconds) fails the request instead of waiting.
    pub retry_after_max_secs: u64,
    /// Redirects followed per request.
    pub max_redirects: usize,
    /// Milliseconds between two requests to one host.
    pub host_delay_ms: u64,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            connect_timeout_secs: 10.0,
            timeout_secs: 120.0,
            max_bytes: lapis_extract::DEFAULT_MAX_BYTES,
            max_attempts: 4,
            backoff_initial_ms: 1_000,
            backoff_max_ms: 60_000,
            retry_after_max_secs: 300,
            max_redirects: 5,
            host_delay_ms: 1_000,
        }
    }
}

impl FetchPolicy {
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.connect_timeout_secs.max(0.001))
    }
    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout_secs.max(0.001))
    }
}

/// How `lapis serve` runs the schedule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleConfig {
    /// Run the schedule at all (false: `lapis serve` only serves).
    pub enabled: bool,
    /// At start-up, run once each job whose scheduled time passed while the daemon was down.
    pub catch_up: bool,
    /// Seconds a shutdown waits for runs in progress to finish their current document.
    pub shutdown_grace_secs: u64,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig {
            enabled: true,
            catch_up: true,
            shutdown_grace_secs: 60,
        }
    }
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{file}{}: {message}", if *line > 0 { format!(" line {line}") } else { String::new() })]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl Config {
    /// Reads `path`; relative paths in it are taken from the file's directory.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: 0,
            message: e.to_string(),
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError {
            file: file.clone(),
            line: e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(0),
            message: e.message().trim().to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        if !config.warehouse.contains("://") && Path::new(&config.warehouse).is_relative() {
            config.warehouse = base.join(&config.warehouse).display().to_string();
        }
        if config.jobs.is_relative() {
            config.jobs = base.join(&config.jobs);
        }
        for p in [&mut config.server.tls_cert, &mut config.server.tls_key]
            .into_iter()
            .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        if config.fetch.max_attempts == 0 {
            return Err(ConfigError {
                file,
                line: 0,
                message: "fetch.max_attempts must be at least 1".into(),
            });
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_configuration_is_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ops/lapis.toml");
        let c = Config::from_file(&path).expect("ops/lapis.toml");
        let d = Config::default();
        assert_eq!(format!("{:?}", c.fetch), format!("{:?}", d.fetch));
        assert_eq!(format!("{:?}", c.schedule), format!("{:?}", d.schedule));
        assert_eq!(format!("{:?}", c.server), format!("{:?}", d.server));
        assert!(c.warehouse.ends_with("ops/./warehouse"), "{}", c.warehouse);
        assert!(c.jobs.ends_with("ops/jobs"));
        let bad = std::env::temp_dir().join(format!("lapis-config-{}.toml", std::process::id()));
        std::fs::write(&bad, "[fetch]\ntimeout = 3\n").expect("write");
        let e = Config::from_file(&bad)
            .expect_err("unknown field")
            .to_string();
        std::fs::remove_file(&bad).ok();
        assert!(e.ends_with("line 2: unknown field `timeout`, expected one of `connect_timeout_secs`, `timeout_secs`, `max_bytes`, `max_attempts`, `backoff_initial_ms`, `backoff_max_ms`, `retry_after_max_secs`, `max_redirects`, `host_delay_ms`"), "{e}");
    }
}
