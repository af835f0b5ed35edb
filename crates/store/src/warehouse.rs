//! The warehouse directory: opening it for reading or for writing (one writer at a time),
//! creating its tables, the archive of raw documents, and the one append path.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use deltalake::kernel::transaction::CommitProperties;
use deltalake::kernel::Transaction;
use deltalake::operations::write::SchemaMode;
use deltalake::protocol::SaveMode;
use deltalake::DeltaTable;
use lapis_model::{DocumentMeta, Extraction};
use tracing::{info, instrument, warn};
use url::Url;

use crate::schema::{batches, correction_batch, fetch_batch, job_run_batch, schema, TABLES};
use crate::{StoreError, StoreResult};

/// Version of the warehouse layout this lapis writes; a warehouse with a larger number is
/// refused. Format 2 added the `corrections` table and the extraction columns of `reports`;
/// format 3 the `fetches` table and the trigger and document counts of `job_runs`; format 4
/// the `source_page` of observations, objective updates, claims and parse issues; format 5 their
/// `source_table` (an HTML page's table). A writer upgrades an older warehouse in place (new
/// tables, new nullable columns).
pub const WAREHOUSE_FORMAT: u32 = 5;

const MARKER: &str = "_lapis.json";
const LOCK: &str = "_lapis.lock";
/// The report ids of appends begun and not yet finished (see [`Warehouse::append_many`]).
const PENDING: &str = "_lapis.pending";

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

/// A clock that starts at a time and moves on by a step each time it is read, so that every
/// append of a test gets its own `recorded_at`, in order.
#[derive(Debug)]
pub struct SteppingClock {
    next: std::sync::Mutex<DateTime<Utc>>,
    step: chrono::Duration,
}

impl SteppingClock {
    pub fn new(start: DateTime<Utc>, step: chrono::Duration) -> Self {
        SteppingClock {
            next: std::sync::Mutex::new(start),
            step,
        }
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> DateTime<Utc> {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let now = *next;
        *next = now + self.step;
        now
    }
}

/// One extraction of one document, ready to append: the events and where they came from.
#[derive(Debug, Clone, Copy)]
pub struct ExtractionUnit<'a> {
    /// The document's provenance row, when the document is new to the warehouse.
    pub document: Option<(&'a DocumentMeta, Option<DateTime<Utc>>)>,
    pub document_sha256: &'a str,
    pub source_uri: &'a str,
    /// The events; `extraction.report.report_id` names this extraction.
    pub extraction: &'a Extraction,
    /// This is the document's `sequence`th extraction (1 for its first ingest).
    pub sequence: i32,
    /// Hash of the extraction's content, to tell a changed extraction from an unchanged one.
    pub fingerprint: &'a str,
    /// Why it was made: `ingest`, `reextract`, `correction`.
    pub reason: &'a str,
    /// The layout asked for (`auto` unless the operator forced one).
    pub layout: &'a str,
}

/// A correction an operator made, appended to `corrections`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub correction_id: String,
    pub document_sha256: String,
    pub superseded_report_id: String,
    pub report_id: String,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: String,
    pub reason: String,
    pub operator: String,
}

/// What an append did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Appended {
    /// Rows appended per table (tables completed by an earlier, interrupted append count 0).
    pub rows: BTreeMap<&'static str, usize>,
}

impl Appended {
    pub fn events(&self) -> usize {
        self.rows
            .iter()
            .filter(|(t, _)| !matches!(**t, "reports" | "documents"))
            .map(|(_, n)| n)
            .sum()
    }
}

/// The exclusive right to write to a local warehouse, held while the [`Warehouse`] lives. The
/// operating system releases it when the process ends, however it ends.
#[derive(Debug)]
struct WriterLock {
    _file: File,
}

/// Who holds the lock, as its holder wrote it into the lock file.
fn lock_holder(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let text = text.trim();
    if text.is_empty() {
        "another process".to_string()
    } else {
        text.to_string()
    }
}

impl WriterLock {
    async fn acquire(dir: &Path, location: &str, wait: Duration) -> StoreResult<WriterLock> {
        let path = dir.join(LOCK);
        let io = |e| StoreError::Io {
            path: path.display().to_string(),
            source: e,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let started = Instant::now();
        let mut told = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {
                    let holder = lock_holder(&path);
                    if started.elapsed() >= wait {
                        return Err(StoreError::Locked {
                            location: location.to_string(),
                            holder,
                            waited_secs: wait.as_secs(),
                        });
                    }
                    if !told {
                        warn!(location, %holder, "Waiting for the writer lock.");
                        told = true;
                    }
                    // Waits without holding up the runtime's threads (a daemon runs jobs
                    // and serves queries on them meanwhile).
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        let command: Vec<String> = std::env::args().collect();
        let holder = format!(
            "pid {} ({}), since {}",
            std::process::id(),
            command.join(" "),
            Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
        );
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        file.write_all(holder.as_bytes()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(WriterLock { _file: file })
    }
}

#[derive(Debug)]
pub struct Warehouse {
    location: String,
    root: Url,
    local_root: Option<PathBuf>,
    clock: Box<dyn Clock>,
    /// Held by a writer; `None` for a reader (which can never append).
    lock: Option<WriterLock>,
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

/// The application transaction of one extraction: its report id.
fn unit_txn(report_id: &str) -> String {
    format!("lapis-{report_id}")
}

/// The application transaction on `reports` whose version counts a document's extractions.
fn document_txn(sha256: &str) -> String {
    format!("lapis-doc-{sha256}")
}

fn read_format(marker: &Path, location: &str) -> StoreResult<u32> {
    let text = std::fs::read_to_string(marker).map_err(|e| StoreError::Io {
        path: marker.display().to_string(),
        source: e,
    })?;
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("format")?.as_u64())
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| StoreError::Warehouse {
            location: location.into(),
            message: format!("unreadable {}", marker.display()),
        })
}

impl Warehouse {
    /// Opens the warehouse for writing, creating it (directory, marker, tables) if needed. Takes
    /// the exclusive writer lock first, waiting up to `lock_wait` for another writer to finish;
    /// the error then names the holder.
    #[instrument(skip(clock))]
    pub async fn open_writer(
        location: &str,
        clock: Box<dyn Clock>,
        lock_wait: Duration,
    ) -> StoreResult<Warehouse> {
        let (root, local_root) = to_url(location)?;
        let mut lock = None;
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
            lock = Some(WriterLock::acquire(dir, location, lock_wait).await?);
            let marker = dir.join(MARKER);
            let found = if marker.exists() {
                read_format(&marker, location)?
            } else {
                0
            };
            if found > WAREHOUSE_FORMAT {
                return Err(StoreError::NewerFormat {
                    location: location.into(),
                    found,
                    supported: WAREHOUSE_FORMAT,
                });
            }
            let wh = Warehouse {
                location: location.to_string(),
                root,
                local_root: local_root.clone(),
                clock,
                lock,
            };
            let fresh = !dir.join("reports").join("_delta_log").is_dir();
            for table in TABLES {
                wh.open_or_create(table).await?;
            }
            if fresh {
                // A new warehouse has no append begun: nothing to look up on its first one.
                wh.set_pending(Some(BTreeSet::new()))?;
            }
            if found < WAREHOUSE_FORMAT {
                // Written after the tables, so a marker always means a complete warehouse.
                let tmp = dir.join(format!("{MARKER}.partial"));
                let write = |p: &Path, bytes: &[u8]| {
                    std::fs::write(p, bytes).map_err(|e| StoreError::Io {
                        path: p.display().to_string(),
                        source: e,
                    })
                };
                write(
                    &tmp,
                    format!("{{\"format\": {WAREHOUSE_FORMAT}}}\n").as_bytes(),
                )?;
                std::fs::rename(&tmp, &marker).map_err(|e| StoreError::Io {
                    path: marker.display().to_string(),
                    source: e,
                })?;
            }
            return Ok(wh);
        }
        // Object stores have no lock file: Delta's optimistic commits refuse a conflicting
        // writer instead (see the README).
        let wh = Warehouse {
            location: location.to_string(),
            root,
            local_root,
            clock,
            lock,
        };
        for table in TABLES {
            wh.open_or_create(table).await?;
        }
        Ok(wh)
    }

    /// Opens an existing warehouse for reading. Never creates or changes anything: a directory
    /// that is not a warehouse, or a warehouse missing tables, is an error that says so.
    pub async fn open_reader(location: &str) -> StoreResult<Warehouse> {
        let (root, local_root) = to_url(location)?;
        if let Some(dir) = &local_root {
            let marker = dir.join(MARKER);
            if !marker.is_file() {
                return Err(StoreError::NotAWarehouse {
                    location: location.into(),
                    reason: if dir.is_dir() {
                        format!("{} has no {MARKER}", dir.display())
                    } else {
                        format!("{} does not exist", dir.display())
                    },
                });
            }
            let found = read_format(&marker, location)?;
            if found > WAREHOUSE_FORMAT {
                return Err(StoreError::NewerFormat {
                    location: location.into(),
                    found,
                    supported: WAREHOUSE_FORMAT,
                });
            }
            let missing: Vec<&str> = TABLES
                .iter()
                .copied()
                .filter(|t| !dir.join(t).join("_delta_log").is_dir())
                .collect();
            if !missing.is_empty() {
                return Err(StoreError::MissingTables {
                    location: location.into(),
                    tables: missing.join(", "),
                    hint: if found < WAREHOUSE_FORMAT {
                        "it was written by an older lapis: run a writing command (lapis ingest or lapis reextract) once to upgrade it"
                    } else {
                        "restore them from a backup; lapis never deletes a table"
                    },
                });
            }
        }
        Ok(Warehouse {
            location: location.to_string(),
            root,
            local_root,
            clock: Box::new(SystemClock),
            lock: None,
        })
    }

    /// Whether `location` is a local warehouse of this lapis's format with every table: then
    /// a writer has nothing to create or upgrade there.
    pub fn is_current(location: &str) -> bool {
        let Ok((_, Some(dir))) = to_url(location) else {
            return false;
        };
        read_format(&dir.join(MARKER), location).is_ok_and(|f| f == WAREHOUSE_FORMAT)
            && TABLES
                .iter()
                .all(|t| dir.join(t).join("_delta_log").is_dir())
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    /// The warehouse's directory, when it is local.
    pub fn local_root(&self) -> Option<&Path> {
        self.local_root.as_deref()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
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

    /// Opens one event table as it was at `version`.
    pub async fn table_at(&self, table: &str, version: i64) -> StoreResult<DeltaTable> {
        deltalake::open_table_with_version(self.table_url(table)?, version.max(0) as u64)
            .await
            .map_err(Self::delta_err(table))
    }

    async fn open_or_create(&self, table: &str) -> StoreResult<DeltaTable> {
        let url = self.table_url(table)?;
        match &self.local_root {
            Some(root) => {
                let dir = root.join(table);
                if dir.join("_delta_log").is_dir() {
                    return self.upgrade(self.table(table).await?, table).await;
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

    /// Adds the columns a table of an older warehouse format lacks (new columns are nullable),
    /// with an empty append in schema-merge mode: no rows, only the table's new schema.
    async fn upgrade(&self, table: DeltaTable, name: &str) -> StoreResult<DeltaTable> {
        let wanted = schema(name);
        let have: Vec<String> = table
            .snapshot()
            .map_err(Self::delta_err(name))?
            .schema()
            .fields()
            .map(|f| f.name().to_string())
            .collect();
        if wanted.fields().iter().all(|f| have.contains(f.name())) {
            return Ok(table);
        }
        info!(
            table = name,
            "Adding the columns of warehouse format {WAREHOUSE_FORMAT}."
        );
        let empty = deltalake::arrow::array::RecordBatch::new_empty(wanted);
        table
            .write(vec![empty])
            .with_save_mode(SaveMode::Append)
            .with_schema_mode(SchemaMode::Merge)
            .await
            .map_err(Self::delta_err(name))
    }

    pub(crate) fn writable(&self) -> StoreResult<()> {
        if self.lock.is_some() || self.local_root.is_none() {
            Ok(())
        } else {
            Err(StoreError::ReadOnly {
                location: self.location.clone(),
            })
        }
    }

    /// Path of a document's raw bytes in the archive.
    pub fn archive_path(&self, sha256: &str) -> Option<PathBuf> {
        self.local_root
            .as_ref()
            .map(|r| r.join("_documents").join(&sha256[..2]).join(sha256))
    }

    /// Keeps a document's raw bytes, content-addressed. Written to a file of this process's
    /// own and renamed into place, so a reader never sees part of a document.
    pub fn archive(&self, sha256: &str, bytes: &[u8]) -> StoreResult<()> {
        self.writable()?;
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
        let tmp = path.with_extension(format!("partial-{}", std::process::id()));
        std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))
    }

    /// The raw bytes of an archived document.
    pub fn read_archived(&self, sha256: &str, max_bytes: usize) -> StoreResult<Vec<u8>> {
        let path = self
            .archive_path(sha256)
            .ok_or_else(|| StoreError::Warehouse {
                location: self.location.clone(),
                message: "the document archive of an object-store warehouse is not readable yet"
                    .into(),
            })?;
        let io = |e| StoreError::Io {
            path: path.display().to_string(),
            source: e,
        };
        let mut bytes = Vec::new();
        File::open(&path)
            .map_err(io)?
            .take(max_bytes as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        Ok(bytes)
    }

    async fn txn_version(&self, table: &DeltaTable, app_id: &str) -> StoreResult<Option<i64>> {
        let state = table.snapshot().map_err(Self::delta_err("?"))?;
        state
            .transaction_version(table.log_store().as_ref(), app_id)
            .await
            .map_err(Self::delta_err("?"))
    }

    /// How many extractions of a document are committed (0: the document is not in the
    /// warehouse).
    pub async fn extractions_of(&self, sha256: &str) -> StoreResult<i32> {
        let reports = self.table("reports").await?;
        let n = self.txn_version(&reports, &document_txn(sha256)).await?;
        Ok(n.and_then(|n| i32::try_from(n).ok()).unwrap_or(0))
    }

    /// Appends one extraction, all or nothing (see the crate docs): each table's commit carries
    /// the unit's application transaction, so a retry skips what is already there; the
    /// `reports` row goes last and also moves the document's extraction count to
    /// `unit.sequence`.
    #[instrument(skip(self, unit), fields(report_id = %unit.extraction.report.report_id))]
    pub async fn append(&self, unit: &ExtractionUnit<'_>) -> StoreResult<Appended> {
        let mut out = self.append_many(std::slice::from_ref(unit)).await?;
        Ok(out.pop().unwrap_or_default())
    }

    /// Appends several extractions (of distinct documents) with one commit per table, not one
    /// per extraction per table: how a backfill of years of reports stays fast and leaves few
    /// files and log entries. The guarantees are those of [`Warehouse::append`], per unit: each
    /// commit carries every unit's application transaction (a retry skips, table by table, the
    /// units already there), and `reports` goes last, so a crash leaves each document's
    /// extraction whole or invisible.
    pub async fn append_many(&self, units: &[ExtractionUnit<'_>]) -> StoreResult<Vec<Appended>> {
        self.writable()?;
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let recorded_at = self.clock.now();
        let failpoint = std::env::var("LAPIS_FAILPOINT").ok();
        let all: Vec<_> = units.iter().map(|u| batches(u, recorded_at)).collect();
        let mut out = vec![Appended::default(); units.len()];
        let ids: Vec<String> = units
            .iter()
            .map(|u| u.extraction.report.report_id.clone())
            .collect();
        // Asking a table whether a unit's transaction is there replays its log: only a unit an
        // earlier append began (and did not finish) can be there, so only those are asked. A
        // warehouse without a pending file (an object store) asks for every unit.
        let earlier = self.pending()?;
        self.set_pending(Some(
            earlier.iter().flatten().chain(&ids).cloned().collect(),
        ))?;
        let tables: Vec<&'static str> = all[0].tables.iter().map(|(t, _)| *t).collect();
        for (k, table) in tables.into_iter().enumerate() {
            let t = self.table(table).await?;
            let mut txns = Vec::new();
            let mut rows = Vec::new();
            for (i, unit) in units.iter().enumerate() {
                let txn = unit_txn(unit.extraction.report.report_id.as_str());
                let ask = earlier.as_ref().is_none_or(|e| e.contains(&ids[i]));
                if ask && self.txn_version(&t, &txn).await?.is_some() {
                    out[i].rows.insert(table, 0);
                    continue;
                }
                let batch = &all[i].tables[k].1;
                out[i].rows.insert(table, batch.num_rows());
                txns.push(Transaction::new(txn, 1));
                if table == "reports" {
                    txns.push(Transaction::new(
                        document_txn(unit.document_sha256),
                        i64::from(unit.sequence),
                    ));
                }
                rows.push(batch.clone());
            }
            if txns.is_empty() {
                continue;
            }
            let props = CommitProperties::default().with_application_transactions(txns);
            let mut write = t
                .write(rows)
                .with_save_mode(SaveMode::Append)
                .with_commit_properties(props);
            if table == "reports" {
                // A format-1 table gains the extraction columns.
                write = write.with_schema_mode(SchemaMode::Merge);
            }
            write.await.map_err(Self::delta_err(table))?;
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
        let done: BTreeSet<&String> = ids.iter().collect();
        self.set_pending(Some(
            earlier
                .into_iter()
                .flatten()
                .filter(|id| !done.contains(id))
                .collect(),
        ))?;
        info!(units = units.len(), "Appended extractions.");
        Ok(out)
    }

    /// The report ids of appends begun and not finished; `None` when the warehouse keeps no
    /// such file (an object store, or a warehouse an older lapis wrote, until its first
    /// append: every unit is then checked).
    fn pending(&self) -> StoreResult<Option<BTreeSet<String>>> {
        let Some(root) = &self.local_root else {
            return Ok(None);
        };
        let path = root.join(PENDING);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text.lines().map(str::to_string).collect())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Io {
                path: path.display().to_string(),
                source: e,
            }),
        }
    }

    /// Replaces the pending file (written aside, synced and renamed, so it is never half there).
    fn set_pending(&self, ids: Option<BTreeSet<String>>) -> StoreResult<()> {
        let (Some(root), Some(ids)) = (&self.local_root, ids) else {
            return Ok(());
        };
        let path = root.join(PENDING);
        let io = |p: &Path| {
            let p = p.display().to_string();
            move |e| StoreError::Io { path: p, source: e }
        };
        let tmp = root.join(format!("{PENDING}.partial"));
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        for id in &ids {
            writeln!(f, "{id}").map_err(io(&tmp))?;
        }
        f.sync_all().map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))
    }

    /// Appends a correction row. The correcting extraction is appended first (by the caller),
    /// so the correction never names a report that does not exist.
    pub async fn append_correction(&self, correction: &Correction) -> StoreResult<()> {
        self.writable()?;
        let t = self.table("corrections").await?;
        let txn = format!("lapis-correction-{}", correction.correction_id);
        if self.txn_version(&t, &txn).await?.is_some() {
            return Ok(());
        }
        let batch = correction_batch(correction, self.clock.now());
        t.write(vec![batch])
            .with_save_mode(SaveMode::Append)
            .with_commit_properties(
                CommitProperties::default().with_application_transaction(Transaction::new(txn, 1)),
            )
            .await
            .map_err(Self::delta_err("corrections"))?;
        Ok(())
    }
}

/// One run of a fetch job, as `job_runs` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    pub run_id: String,
    pub job: String,
    /// What started it: `schedule`, `catch-up` or `manual`.
    pub trigger: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// `succeeded`, `failed`, `partial` or `skipped`.
    pub status: String,
    pub documents_seen: u64,
    pub documents_new: u64,
    pub documents_unchanged: u64,
    pub documents_failed: u64,
    pub events_appended: u64,
    pub error: Option<String>,
}

impl JobRun {
    /// A run that started (and, for now, ended) at `at` with nothing seen or appended.
    pub fn new(
        run_id: String,
        job: &str,
        trigger: &str,
        at: DateTime<Utc>,
        status: &str,
    ) -> JobRun {
        JobRun {
            run_id,
            job: job.into(),
            trigger: trigger.into(),
            started_at: at,
            finished_at: at,
            status: status.into(),
            documents_seen: 0,
            documents_new: 0,
            documents_unchanged: 0,
            documents_failed: 0,
            events_appended: 0,
            error: None,
        }
    }

    pub fn with_error(mut self, error: impl Into<String>) -> JobRun {
        self.error = Some(error.into());
        self
    }
}

/// One document a job fetched (or failed to fetch or ingest), as `fetches` records it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fetch {
    pub fetch_id: String,
    pub run_id: String,
    pub job: String,
    pub url: String,
    pub final_url: Option<String>,
    pub fetched_at: DateTime<Utc>,
    pub http_status: Option<u16>,
    /// `new`, `unchanged`, `not_extracted` (archived, but lapis cannot read it) or `failed`.
    pub outcome: String,
    pub sha256: Option<String>,
    pub bytes: Option<u64>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub report_id: Option<String>,
    pub error: Option<String>,
}

impl Warehouse {
    /// Appends one row to a table, once: the commit carries the application transaction
    /// `app_id`, and a table that already has it is left alone.
    async fn append_once(
        &self,
        table: &str,
        app_id: String,
        batch: deltalake::arrow::array::RecordBatch,
    ) -> StoreResult<()> {
        self.writable()?;
        let t = self.table(table).await?;
        if self.txn_version(&t, &app_id).await?.is_some() {
            return Ok(());
        }
        t.write(vec![batch])
            .with_save_mode(SaveMode::Append)
            .with_commit_properties(
                CommitProperties::default()
                    .with_application_transaction(Transaction::new(app_id, 1)),
            )
            .await
            .map_err(Self::delta_err(table))?;
        Ok(())
    }

    /// Records a job run (once per run id).
    pub async fn append_job_run(&self, run: &JobRun) -> StoreResult<()> {
        let batch = job_run_batch(run, self.clock.now());
        self.append_once("job_runs", format!("lapis-run-{}", run.run_id), batch)
            .await
    }

    /// Records a fetch (once per fetch id).
    pub async fn append_fetch(&self, fetch: &Fetch) -> StoreResult<()> {
        let batch = fetch_batch(fetch, self.clock.now());
        self.append_once("fetches", format!("lapis-fetch-{}", fetch.fetch_id), batch)
            .await
    }

    /// Runs one query over the named tables (registered under their own names).
    async fn select(
        &self,
        tables: &[&str],
        sql: &str,
    ) -> StoreResult<Vec<deltalake::arrow::array::RecordBatch>> {
        use deltalake::datafusion::prelude::SessionContext;
        let engine = |e: deltalake::datafusion::error::DataFusionError| StoreError::Warehouse {
            location: self.location.clone(),
            message: format!("reading {}: {e}", tables.join(", ")),
        };
        let ctx = SessionContext::new();
        for name in tables {
            let table = self.table(name).await?;
            table
                .update_datafusion_session(&ctx.state())
                .map_err(Self::delta_err(name))?;
            let provider = table.table_provider().await.map_err(engine)?;
            ctx.register_table(*name, provider).map_err(engine)?;
        }
        ctx.sql(sql)
            .await
            .map_err(engine)?
            .collect()
            .await
            .map_err(engine)
    }

    /// The latest fetch of each URL that returned a document (HTTP 200, or a file read), for
    /// conditional requests and to tell a known document from a new one.
    pub async fn last_fetches(&self) -> StoreResult<Vec<Fetch>> {
        let batches = self
            .select(
                &["fetches"],
                "SELECT fetch_id, run_id, job, url, final_url, fetched_at, http_status, outcome, \
                 sha256, bytes, etag, last_modified, report_id, error FROM ( \
                 SELECT *, ROW_NUMBER() OVER (PARTITION BY url ORDER BY fetched_at DESC, recorded_at DESC) AS n \
                 FROM fetches WHERE sha256 IS NOT NULL) WHERE n = 1 ORDER BY url",
            )
            .await?;
        let mut out = Vec::new();
        for b in &batches {
            let c = Columns::new(b, &self.location)?;
            for row in 0..b.num_rows() {
                out.push(Fetch {
                    fetch_id: c.text(0, row).unwrap_or_default(),
                    run_id: c.text(1, row).unwrap_or_default(),
                    job: c.text(2, row).unwrap_or_default(),
                    url: c.text(3, row).unwrap_or_default(),
                    final_url: c.text(4, row),
                    fetched_at: c.time(5, row).unwrap_or_default(),
                    http_status: c.int(6, row).and_then(|n| u16::try_from(n).ok()),
                    outcome: c.text(7, row).unwrap_or_default(),
                    sha256: c.text(8, row),
                    bytes: c.int(9, row).and_then(|n| u64::try_from(n).ok()),
                    etag: c.text(10, row),
                    last_modified: c.text(11, row),
                    report_id: c.text(12, row),
                    error: c.text(13, row),
                });
            }
        }
        Ok(out)
    }

    /// Every job run, oldest first.
    pub async fn job_runs(&self) -> StoreResult<Vec<JobRun>> {
        let batches = self
            .select(
                &["job_runs"],
                "SELECT run_id, job, COALESCE(trigger, 'manual'), started_at, finished_at, status, \
                 documents_seen, documents_new, COALESCE(documents_unchanged, 0), \
                 COALESCE(documents_failed, 0), events_appended, error \
                 FROM job_runs ORDER BY started_at, recorded_at",
            )
            .await?;
        let mut out = Vec::new();
        for b in &batches {
            let c = Columns::new(b, &self.location)?;
            let n = |i, row| {
                c.int(i, row)
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0)
            };
            for row in 0..b.num_rows() {
                out.push(JobRun {
                    run_id: c.text(0, row).unwrap_or_default(),
                    job: c.text(1, row).unwrap_or_default(),
                    trigger: c.text(2, row).unwrap_or_default(),
                    started_at: c.time(3, row).unwrap_or_default(),
                    finished_at: c.time(4, row).unwrap_or_default(),
                    status: c.text(5, row).unwrap_or_default(),
                    documents_seen: n(6, row),
                    documents_new: n(7, row),
                    documents_unchanged: n(8, row),
                    documents_failed: n(9, row),
                    events_appended: n(10, row),
                    error: c.text(11, row),
                });
            }
        }
        Ok(out)
    }
}

/// The columns of a query result, cast to text, 64-bit integers and times.
struct Columns {
    cols: Vec<deltalake::arrow::array::ArrayRef>,
}

impl Columns {
    fn new(batch: &deltalake::arrow::array::RecordBatch, location: &str) -> StoreResult<Columns> {
        use deltalake::arrow::compute::cast;
        use deltalake::arrow::datatypes::{DataType, TimeUnit};
        let cols = batch
            .columns()
            .iter()
            .map(|col| {
                let to = match col.data_type() {
                    DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
                        DataType::Int64
                    }
                    DataType::Timestamp(..) => {
                        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
                    }
                    _ => DataType::Utf8,
                };
                cast(col, &to).map_err(|e| StoreError::Warehouse {
                    location: location.into(),
                    message: format!("reading a column: {e}"),
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok(Columns { cols })
    }
    fn text(&self, i: usize, row: usize) -> Option<String> {
        use deltalake::arrow::array::{Array, StringArray};
        let c = self.cols[i].as_any().downcast_ref::<StringArray>()?;
        (!c.is_null(row)).then(|| c.value(row).to_string())
    }
    fn int(&self, i: usize, row: usize) -> Option<i64> {
        use deltalake::arrow::array::{Array, Int64Array};
        let c = self.cols[i].as_any().downcast_ref::<Int64Array>()?;
        (!c.is_null(row)).then(|| c.value(row))
    }
    fn time(&self, i: usize, row: usize) -> Option<DateTime<Utc>> {
        use deltalake::arrow::array::{Array, TimestampMicrosecondArray};
        let c = self.cols[i]
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()?;
        (!c.is_null(row)).then(|| DateTime::from_timestamp_micros(c.value(row)))?
    }
}

/// One committed extraction of a document, as its `reports` row records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractionRecord {
    pub report_id: String,
    pub document_sha256: String,
    pub source_uri: Option<String>,
    pub council_code: String,
    pub council_name: Option<String>,
    pub period_label: Option<String>,
    /// The document's nth extraction (1 for rows written before extractions were counted).
    pub sequence: i32,
    pub fingerprint: Option<String>,
    pub layout: Option<String>,
}

impl Warehouse {
    /// Every committed extraction, oldest first per document. The current extraction of a
    /// document is its last (the highest `sequence`).
    pub async fn extractions(&self) -> StoreResult<Vec<ExtractionRecord>> {
        use deltalake::arrow::array::{Array, Int32Array, StringArray};
        use deltalake::arrow::compute::cast;
        use deltalake::arrow::datatypes::DataType;
        use deltalake::datafusion::prelude::SessionContext;

        let engine = |e: deltalake::datafusion::error::DataFusionError| StoreError::Warehouse {
            location: self.location.clone(),
            message: format!("reading reports: {e}"),
        };
        let table = self.table("reports").await?;
        let ctx = SessionContext::new();
        table
            .update_datafusion_session(&ctx.state())
            .map_err(Self::delta_err("reports"))?;
        let provider = table.table_provider().await.map_err(engine)?;
        ctx.register_table("reports", provider).map_err(engine)?;
        let batches = ctx
            .sql(
                "SELECT report_id, document_sha256, source_uri, council_code, council_name, \
                 period_label, CAST(COALESCE(extraction_seq, 1) AS INT), fingerprint, layout \
                 FROM reports ORDER BY document_sha256, 7, recorded_at",
            )
            .await
            .map_err(engine)?
            .collect()
            .await
            .map_err(engine)?;
        let mut out = Vec::new();
        for batch in batches {
            let text = |i: usize| -> StoreResult<StringArray> {
                let col =
                    cast(batch.column(i), &DataType::Utf8).map_err(|e| StoreError::Warehouse {
                        location: self.location.clone(),
                        message: format!("reports column {i}: {e}"),
                    })?;
                Ok(col
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .cloned()
                    .unwrap_or_else(|| StringArray::from(Vec::<Option<&str>>::new())))
            };
            let cols: Vec<StringArray> = [0, 1, 2, 3, 4, 5, 7, 8]
                .into_iter()
                .map(text)
                .collect::<StoreResult<_>>()?;
            let seq = batch
                .column(6)
                .as_any()
                .downcast_ref::<Int32Array>()
                .cloned()
                .unwrap_or_else(|| Int32Array::from(Vec::<i32>::new()));
            let get = |c: &StringArray, row: usize| {
                (row < c.len() && !c.is_null(row)).then(|| c.value(row).to_string())
            };
            for row in 0..batch.num_rows() {
                out.push(ExtractionRecord {
                    report_id: get(&cols[0], row).unwrap_or_default(),
                    document_sha256: get(&cols[1], row).unwrap_or_default(),
                    source_uri: get(&cols[2], row),
                    council_code: get(&cols[3], row).unwrap_or_default(),
                    council_name: get(&cols[4], row),
                    period_label: get(&cols[5], row),
                    sequence: if row < seq.len() && !seq.is_null(row) {
                        seq.value(row)
                    } else {
                        1
                    },
                    fingerprint: get(&cols[6], row),
                    layout: get(&cols[7], row),
                });
            }
        }
        Ok(out)
    }
}
