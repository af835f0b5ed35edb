//! The warehouse directory: opening it, creating its tables, and the one ingest path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use deltalake::kernel::transaction::CommitProperties;
use deltalake::kernel::Transaction;
use deltalake::protocol::SaveMode;
use deltalake::DeltaTable;
use lapis_model::DocumentMeta;
use sha2::{Digest, Sha256};
use tracing::{info, instrument};
use url::Url;

use crate::schema::{batches, schema, TABLES};
use crate::{StoreError, StoreResult};

/// Version of the warehouse layout this lapis writes; a warehouse with a larger number is refused.
pub const WAREHOUSE_FORMAT: u32 = 1;

/// Where time comes from, so that tests are deterministic.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// One document to ingest, with its provenance.
#[derive(Debug, Clone)]
pub struct IngestRequest<'a> {
    pub bytes: &'a [u8],
    pub source_uri: String,
    pub council_code: String,
    pub council_name: Option<String>,
    pub job: Option<String>,
    pub media_type: String,
    pub fetched_at: Option<DateTime<Utc>>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub layout: String,
}

/// What an ingest did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    /// The document was already in the warehouse; nothing was appended.
    AlreadyIngested { sha256: String, report_id: String },
    Ingested {
        sha256: String,
        report_id: String,
        period_label: String,
        extractor: String,
        /// Rows appended per table (tables completed by an earlier, interrupted ingest count 0).
        appended: BTreeMap<&'static str, usize>,
        parse_issues: usize,
    },
}

#[derive(Debug)]
pub struct Warehouse {
    location: String,
    root: Url,
    local_root: Option<PathBuf>,
    clock: Box<dyn Clock>,
}

fn to_url(location: &str) -> StoreResult<(Url, Option<PathBuf>)> {
    if location.contains("://") {
        let url = Url::parse(location).map_err(|e| StoreError::Warehouse {
            location: location.into(),
            message: e.to_string(),
        })?;
        if url.scheme() == "file" {
            let path = url.to_file_path().map_err(|_| StoreError::Warehouse {
                location: location.into(),
                message: "bad file URL".into(),
            })?;
            return Ok((url, Some(path)));
        }
        return Ok((url, None));
    }
    let path = std::path::absolute(location).map_err(|e| StoreError::Io {
        path: location.into(),
        source: e,
    })?;
    let url = Url::from_directory_path(&path).map_err(|_| StoreError::Warehouse {
        location: location.into(),
        message: "not an absolute path".into(),
    })?;
    Ok((url, Some(path)))
}

fn app_id(sha256: &str) -> String {
    format!("lapis-doc-{sha256}")
}

impl Warehouse {
    /// Opens (creating if needed) the warehouse at a directory or object-store URL.
    #[instrument(skip(clock))]
    pub async fn open(location: &str, clock: Box<dyn Clock>) -> StoreResult<Warehouse> {
        let (root, local_root) = to_url(location)?;
        if let Some(dir) = &local_root {
            if dir.exists() && !dir.is_dir() {
                return Err(StoreError::Warehouse {
                    location: location.into(),
                    message: "exists and is not a directory".into(),
                });
            }
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Io {
                path: dir.display().to_string(),
                source: e,
            })?;
            let marker = dir.join("_lapis.json");
            match std::fs::read_to_string(&marker) {
                Ok(text) => {
                    let found = text
                        .split("\"format\":")
                        .nth(1)
                        .and_then(|r| {
                            r.trim()
                                .trim_end_matches(['}', '\n', ' '])
                                .trim()
                                .parse::<u32>()
                                .ok()
                        })
                        .ok_or_else(|| StoreError::Warehouse {
                            location: location.into(),
                            message: format!("unreadable {}", marker.display()),
                        })?;
                    if found > WAREHOUSE_FORMAT {
                        return Err(StoreError::NewerFormat {
                            location: location.into(),
                            found,
                            supported: WAREHOUSE_FORMAT,
                        });
                    }
                }
                Err(_) => {
                    std::fs::write(&marker, format!("{{\"format\": {WAREHOUSE_FORMAT}}}\n"))
                        .map_err(|e| StoreError::Io {
                            path: marker.display().to_string(),
                            source: e,
                        })?;
                }
            }
        }
        let wh = Warehouse {
            location: location.to_string(),
            root,
            local_root,
            clock,
        };
        for table in TABLES {
            wh.open_or_create(table).await?;
        }
        Ok(wh)
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    /// URL of one event table.
    pub fn table_url(&self, table: &str) -> StoreResult<Url> {
        self.root
            .join(&format!("{table}/"))
            .map_err(|e| StoreError::Warehouse {
                location: self.location.clone(),
                message: e.to_string(),
            })
    }

    fn delta_err(table: &str) -> impl Fn(deltalake::DeltaTableError) -> StoreError + '_ {
        move |source| StoreError::Delta {
            table: table.to_string(),
            source,
        }
    }

    /// Opens one event table at its latest version.
    pub async fn table(&self, table: &str) -> StoreResult<DeltaTable> {
        deltalake::open_table(self.table_url(table)?)
            .await
            .map_err(Self::delta_err(table))
    }

    async fn open_or_create(&self, table: &str) -> StoreResult<DeltaTable> {
        let url = self.table_url(table)?;
        match &self.local_root {
            Some(root) => {
                let dir = root.join(table);
                if dir.join("_delta_log").is_dir() {
                    return self.table(table).await;
                }
                std::fs::create_dir_all(&dir).map_err(|e| StoreError::Io {
                    path: dir.display().to_string(),
                    source: e,
                })?;
            }
            None => {
                if let Ok(t) = deltalake::open_table(url.clone()).await {
                    return Ok(t);
                }
            }
        }
        let empty = deltalake::arrow::array::RecordBatch::new_empty(schema(table));
        DeltaTable::try_from_url(url)
            .await
            .map_err(Self::delta_err(table))?
            .write(vec![empty])
            .with_save_mode(SaveMode::Append)
            .with_table_name(table)
            .with_configuration([("delta.appendOnly", Some("true"))])
            .await
            .map_err(Self::delta_err(table))
    }

    /// Path of a document's raw bytes in the archive.
    pub fn archive_path(&self, sha256: &str) -> Option<PathBuf> {
        self.local_root
            .as_ref()
            .map(|r| r.join("_documents").join(&sha256[..2]).join(sha256))
    }

    fn archive(&self, sha256: &str, bytes: &[u8]) -> StoreResult<()> {
        let Some(path) = self.archive_path(sha256) else {
            return Ok(());
        };
        if path.exists() {
            return Ok(());
        }
        let io = |p: &Path| {
            let p = p.display().to_string();
            move |e| StoreError::Io { path: p, source: e }
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let tmp = path.with_extension("partial");
        std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))
    }

    async fn has_txn(&self, table: &DeltaTable, sha256: &str) -> StoreResult<bool> {
        let state = table.snapshot().map_err(Self::delta_err("?"))?;
        let v = state
            .transaction_version(table.log_store().as_ref(), app_id(sha256))
            .await
            .map_err(Self::delta_err("?"))?;
        Ok(v.is_some())
    }

    /// The one ingest path: extract a document and append its events, all or nothing.
    #[instrument(skip(self, req), fields(source = %req.source_uri, council = %req.council_code))]
    pub async fn ingest(&self, req: &IngestRequest<'_>) -> StoreResult<IngestOutcome> {
        let sha256 = hex::encode(Sha256::digest(req.bytes));
        let reports = self.table("reports").await?;
        let report_id = format!("r-{}", &sha256[..16]);
        if self.has_txn(&reports, &sha256).await? {
            return Ok(IngestOutcome::AlreadyIngested { sha256, report_id });
        }
        let bad = |source| StoreError::BadDocument {
            source_uri: req.source_uri.clone(),
            source,
        };
        let text =
            lapis_extract::decode(req.bytes, lapis_extract::DEFAULT_MAX_BYTES).map_err(bad)?;
        let ctx = lapis_extract::ReportContext {
            council_code: &req.council_code,
            council_name: req.council_name.as_deref(),
            document_sha256: &sha256,
            layout: &req.layout,
        };
        let extraction = lapis_extract::extract(text, &ctx).map_err(bad)?;
        let doc = DocumentMeta {
            sha256: sha256.clone(),
            source_uri: req.source_uri.clone(),
            job: req.job.clone(),
            media_type: req.media_type.clone(),
            bytes: req.bytes.len() as u64,
            etag: req.etag.clone(),
            last_modified: req.last_modified.clone(),
        };
        self.archive(&sha256, req.bytes)?;
        let recorded_at = self.clock.now();
        let all = batches(&doc, req.fetched_at, &extraction, recorded_at);
        let failpoint = std::env::var("LAPIS_FAILPOINT").ok();
        let mut appended = BTreeMap::new();
        for (table, batch) in all.tables {
            let t = self.table(table).await?;
            if self.has_txn(&t, &sha256).await? {
                appended.insert(table, 0);
                continue;
            }
            let rows = batch.num_rows();
            let props = CommitProperties::default()
                .with_application_transaction(Transaction::new(app_id(&sha256), 1));
            t.write(vec![batch])
                .with_save_mode(SaveMode::Append)
                .with_commit_properties(props)
                .await
                .map_err(Self::delta_err(table))?;
            appended.insert(table, rows);
            match failpoint.as_deref() {
                Some(f) if f == format!("crash-after:{table}") => {
                    eprintln!("LAPIS_FAILPOINT: aborting after committing {table}");
                    std::process::abort();
                }
                Some(f) if f == format!("error-after:{table}") => {
                    return Err(StoreError::Failpoint {
                        table: table.into(),
                    })
                }
                _ => {}
            }
        }
        info!(report_id = %extraction.report.report_id, observations = extraction.observations.len(), "Ingested report.");
        Ok(IngestOutcome::Ingested {
            sha256,
            report_id: extraction.report.report_id,
            period_label: extraction.report.period.label,
            extractor: extraction.report.extractor,
            appended,
            parse_issues: extraction.parse_issues.len(),
        })
    }
}
