//! The schedule of `lapis serve`, on `tokio-cron-scheduler`, with its known flaws designed
//! around:
//! - it starts a job's handler on every tick even while the previous run is still going: each
//!   job has a lock, and a tick that finds it taken is recorded as a `skipped` run;
//! - it keeps no memory across restarts: at start-up each job whose scheduled time passed
//!   since its last recorded run is run once (`catch-up`);
//! - its time-zone jobs freeze the UTC offset when they are created (upstream issue #107):
//!   schedules are in UTC, always;
//! - a panic in a handler would end that run silently: each run is its own task, and a panic
//!   is recorded as a failed run while the daemon lives on.
//!
//! Runs of different jobs may overlap; they take turns at the warehouse through its writer lock
//! (a lock file), which a run holds only to store a document or to record itself.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lapis_model::Vocabulary;
use lapis_store::{JobRun, SystemClock, Warehouse};
use tokio::sync::{watch, Mutex, OwnedMutexGuard};
use tracing::{error, info, warn};

use crate::config::Config;
use crate::fetch::Fetcher;
use crate::job::Job;
use crate::run::{perform, record, refresh, run_id, Progress, RunContext, Trigger};

/// The state the schedule's handlers share.
struct Shared {
    config: Config,
    fetcher: Fetcher,
    vocabulary: Vocabulary,
    definitions: lapis_sql::Definitions,
    lock_wait: Duration,
    /// Records of skipped and panicked runs, one at a time.
    writer: Mutex<()>,
    /// Held while the projections are refreshed after a run (one refresh at a time; runs and
    /// records do not wait for it).
    refreshing: Mutex<()>,
    /// Each job's slot, held while it runs.
    running: HashMap<String, Slot>,
    cancel: watch::Receiver<bool>,
    progress: Box<dyn Fn(Progress) + Send + Sync>,
}

/// A job's slot: held from the tick that starts a run until the run is done and about to be
/// recorded. The times of a run's start and end and of a skipped tick are read in `turn`,
/// in the order the slot saw them: a skip lies inside the run it gave way to, and the next
/// run starts after this one ended, however the tasks are scheduled.
#[derive(Debug, Default)]
struct Slot {
    run: Arc<Mutex<()>>,
    turn: std::sync::Mutex<()>,
}

impl Slot {
    /// The slot if it is free, and the time it was asked for.
    fn claim(&self) -> (DateTime<Utc>, Option<OwnedMutexGuard<()>>) {
        let _turn = self.turn.lock().unwrap_or_else(|e| e.into_inner());
        (Utc::now(), self.run.clone().try_lock_owned().ok())
    }

    /// Frees the slot, and the time it was freed: the end of its run.
    fn free(&self, guard: OwnedMutexGuard<()>) -> DateTime<Utc> {
        let _turn = self.turn.lock().unwrap_or_else(|e| e.into_inner());
        let now = Utc::now();
        drop(guard);
        now
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("the scheduler: {0}")]
    Scheduler(String),
    #[error("{0}")]
    Fetcher(String),
}

impl Shared {
    /// What a run of this daemon needs.
    fn context(&self) -> RunContext<'_> {
        RunContext {
            warehouse: &self.config.warehouse,
            fetcher: &self.fetcher,
            vocabulary: &self.vocabulary,
            definitions: &self.definitions,
            lock_wait: self.lock_wait,
            cancel: self.cancel.clone(),
            progress: self.progress.as_ref(),
        }
    }

    /// Records a run that did not happen (skipped) or ended in a panic.
    async fn record(&self, run: &JobRun) {
        let _w = self.writer.lock().await;
        self.record_holding_writer(run).await;
    }

    /// [`Shared::record`] for a caller that holds `writer` already.
    async fn record_holding_writer(&self, run: &JobRun) {
        let wh = Warehouse::open_writer(
            &self.config.warehouse,
            Box::new(SystemClock),
            self.lock_wait,
        )
        .await;
        match wh {
            Ok(wh) => {
                if let Err(e) = wh.append_job_run(run).await {
                    error!(job = %run.job, error = %e, "Cannot record the run.");
                }
            }
            Err(e) => error!(job = %run.job, error = %e, "Cannot record the run."),
        }
        (self.progress)(Progress::Finished(run.clone()));
    }

    /// One tick of a job's schedule (or its catch-up): runs it unless it is running already.
    async fn tick(self: Arc<Self>, job: Arc<Job>, trigger: Trigger) {
        if *self.cancel.borrow() {
            return;
        }
        let Some(slot) = self.running.get(&job.name) else {
            return;
        };
        let (now, guard) = slot.claim();
        let Some(guard) = guard else {
            warn!(job = %job.name, "Skipped a tick: the previous run is still going.");
            let run = JobRun::new(
                run_id(&job.name, now),
                &job.name,
                trigger.as_str(),
                now,
                "skipped",
            )
            .with_error("the previous run of this job was still going");
            self.record(&run).await;
            return;
        };
        let shared = self.clone();
        let task_job = job.clone();
        // Runs of different jobs may overlap: each takes the warehouse's writer lock only to
        // store a document or record itself.
        let task =
            tokio::spawn(async move { perform(&task_job, trigger, now, &shared.context()).await });
        let outcome = task.await;
        // The slot is free once the run has done its work: its record may be written while
        // the next tick starts the next run, whose start comes after this run's end. The
        // record holds `writer`, which a shutdown waits for after the slots.
        let _recording = self.writer.lock().await;
        let finished_at = slot.free(guard);
        match outcome {
            Ok(mut run) => {
                run.finished_at = finished_at;
                record(&job, run, &self.context()).await;
                drop(_recording);
                let _refreshing = self.refreshing.lock().await;
                refresh(&job, &self.context()).await;
            }
            Err(e) => {
                let message = if e.is_panic() {
                    let p = e.into_panic();
                    let text = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "a panic".into());
                    format!("the run panicked: {text}")
                } else {
                    "the run was cancelled".to_string()
                };
                error!(job = %job.name, %message, "Run failed.");
                let mut run = JobRun::new(
                    run_id(&job.name, now),
                    &job.name,
                    trigger.as_str(),
                    now,
                    "failed",
                )
                .with_error(message);
                run.finished_at = finished_at;
                self.record_holding_writer(&run).await;
            }
        }
    }
}

/// The jobs whose scheduled time passed since their last recorded run (of any trigger). A
/// job that never ran is not caught up: `lapis run` starts it.
pub fn missed<'a>(jobs: &'a [Job], runs: &[JobRun], now: chrono::DateTime<Utc>) -> Vec<&'a Job> {
    jobs.iter()
        .filter(|j| j.enabled)
        .filter(|j| {
            let last = runs
                .iter()
                .filter(|r| r.job == j.name)
                .map(|r| r.started_at)
                .max();
            last.and_then(|t| j.next_after(t))
                .is_some_and(|due| due <= now)
        })
        .collect()
}

/// The daemon's scheduling half: runs `jobs` on their schedules until `shutdown` resolves,
/// then stops taking ticks, tells runs in progress to stop after their current document, and
/// waits for them (up to `schedule.shutdown_grace_secs`).
pub async fn serve(
    config: Config,
    jobs: Vec<Job>,
    vocabulary: Vocabulary,
    definitions: lapis_sql::Definitions,
    lock_wait: Duration,
    progress: Box<dyn Fn(Progress) + Send + Sync>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), ServeError> {
    use tokio_cron_scheduler::{Job as CronJob, JobScheduler};
    let fetcher = Fetcher::new(&config.fetch).map_err(ServeError::Fetcher)?;
    let (cancel_tx, cancel) = watch::channel(false);
    let jobs: Vec<Arc<Job>> = jobs
        .into_iter()
        .filter(|j| j.enabled)
        .map(Arc::new)
        .collect();
    let shared = Arc::new(Shared {
        running: jobs
            .iter()
            .map(|j| (j.name.clone(), Slot::default()))
            .collect(),
        config: config.clone(),
        fetcher,
        vocabulary,
        definitions,
        lock_wait,
        writer: Mutex::new(()),
        refreshing: Mutex::new(()),
        cancel,
        progress,
    });
    let scheduler =
        |e: tokio_cron_scheduler::JobSchedulerError| ServeError::Scheduler(e.to_string());
    let mut sched = JobScheduler::new().await.map_err(scheduler)?;
    if config.schedule.enabled {
        for job in &jobs {
            let (shared, job2) = (shared.clone(), job.clone());
            let cron = CronJob::new_async(job.schedule.as_str(), move |_id, _lock| {
                let (shared, job) = (shared.clone(), job2.clone());
                Box::pin(async move {
                    shared.tick(job, Trigger::Schedule).await;
                })
            })
            .map_err(scheduler)?;
            sched.add(cron).await.map_err(scheduler)?;
            info!(job = %job.name, schedule = %job.schedule, next = ?job.next_after(Utc::now()), "Scheduled.");
        }
        if config.schedule.catch_up {
            let runs = match Warehouse::open_reader(&config.warehouse).await {
                Ok(wh) => wh.job_runs().await.unwrap_or_else(|e| {
                    warn!(error = %e, "Cannot read job_runs; nothing is caught up.");
                    Vec::new()
                }),
                Err(_) => Vec::new(),
            };
            let plain: Vec<Job> = jobs.iter().map(|j| (**j).clone()).collect();
            for job in missed(&plain, &runs, Utc::now()) {
                info!(job = %job.name, "Catching up a run missed while the daemon was down.");
                if let Some(job) = jobs.iter().find(|j| j.name == job.name) {
                    tokio::spawn(shared.clone().tick(job.clone(), Trigger::CatchUp));
                }
            }
        }
        sched.start().await.map_err(scheduler)?;
    }
    shutdown.await;
    info!("Shutting down: no new runs; runs in progress stop after their current document.");
    let _ = cancel_tx.send(true);
    if let Err(e) = sched.shutdown().await {
        warn!(error = %e, "The scheduler did not stop cleanly.");
    }
    let grace = Duration::from_secs(config.schedule.shutdown_grace_secs);
    let wait_all = async {
        for slot in shared.running.values() {
            let _ = slot.run.lock().await;
        }
        // A skip or panic being recorded holds the writer.
        let _ = shared.writer.lock().await;
        let _ = shared.refreshing.lock().await;
    };
    if tokio::time::timeout(grace, wait_all).await.is_err() {
        warn!(grace_secs = grace.as_secs(), "Runs still going at the end of the grace period; what they had not appended is left out.");
    }
    Ok(())
}
