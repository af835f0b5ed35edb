//! The schedule of `lapis serve`, in process, against a real HTTP server on 127.0.0.1: a
//! one-second schedule fires, ingests and records; ticks of a slow job never overlap; a run
//! missed while the daemon was down is caught up once; a panic is a failed run and the daemon
//! lives on.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::server::{Route, Server};
use common::*;
use lapis_jobs::Config;
use lapis_store::{JobRun, SystemClock, Warehouse};

fn config(wh: &std::path::Path, fetch: lapis_jobs::FetchPolicy) -> Config {
    Config {
        warehouse: wh.display().to_string(),
        fetch,
        ..Config::default()
    }
}

fn urls_job(dir: &std::path::Path, name: &str, schedule: &str, url: &str) -> lapis_jobs::Job {
    job(
        dir,
        &format!(
            "name = \"{name}\"\nschedule = \"{schedule}\"\n[council]\ncode = \"E10000007\"\nname = \"Derbyshire County Council\"\n[source.urls]\nurls = [\"{url}\"]\n"
        ),
    )
}

/// Runs the daemon until `shutdown` resolves.
async fn serve_with(
    config: Config,
    jobs: Vec<lapis_jobs::Job>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    lapis_jobs::schedule::serve(
        config,
        jobs,
        lapis_model::Vocabulary::builtin().clone(),
        lapis_sql::Definitions::default(),
        Duration::from_secs(30),
        Box::new(|_| {}),
        shutdown,
    )
    .await
    .expect("serve");
}

async fn serve_for(config: Config, jobs: Vec<lapis_jobs::Job>, how_long: Duration) {
    serve_with(config, jobs, tokio::time::sleep(how_long)).await;
}

/// Runs the daemon until the runs it recorded satisfy `enough` (looked at four times a second)
/// or a minute has passed: how many ticks a window of seconds holds depends on how busy the
/// machine is (a first ingest may take over two seconds while other builds run).
async fn serve_until(
    config: Config,
    jobs: Vec<lapis_jobs::Job>,
    wh: &std::path::Path,
    enough: impl Fn(&[JobRun]) -> bool,
) {
    let wh = wh.to_path_buf();
    let until = async move {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let Ok(reader) = Warehouse::open_reader(wh.to_str().expect("path")).await else {
                continue;
            };
            if reader.job_runs().await.is_ok_and(|r| enough(&r)) {
                return;
            }
        }
    };
    serve_with(config, jobs, until).await;
}

async fn runs(wh: &std::path::Path) -> Vec<JobRun> {
    Warehouse::open_reader(wh.to_str().expect("path"))
        .await
        .expect("warehouse")
        .job_runs()
        .await
        .expect("job_runs")
}

/// A run the test's end stopped (the daemon shut down while it was going).
fn stopped_by_shutdown(r: &JobRun) -> bool {
    r.status == "partial"
        && r.error
            .as_deref()
            .is_some_and(|e| e.starts_with("stopped by shutdown after 0 of 1 documents"))
}

/// A tick skipped because the job's run before it was still going.
fn skipped(r: &JobRun) -> bool {
    r.status == "skipped"
        && r.error.as_deref() == Some("the previous run of this job was still going")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_second_schedule_fires_ingests_and_records_runs() {
    let server = Server::start();
    server.route(
        "/q1.txt",
        Route::text(&report("derbyshire-county-2024-25-q1.txt")),
    );
    let dir = tempdir();
    let wh = wh(&dir);
    let job = urls_job(
        dir.path(),
        "every-second",
        "* * * * * *",
        &server.url("/q1.txt"),
    );
    serve_until(config(&wh, fast()), vec![job], &wh, |runs| {
        runs.iter().filter(|r| r.status == "succeeded").count() >= 2
    })
    .await;
    let runs = runs(&wh).await;
    // A tick that comes while the run before it is still going (a first ingest may take over
    // a second on a busy machine) is skipped, as `ticks_of_a_slow_job_never_overlap` shows.
    assert!(
        runs.iter().all(|r| r.trigger == "schedule"
            && (r.status == "succeeded" || skipped(r) || stopped_by_shutdown(r))),
        "{runs:?}"
    );
    let done: Vec<&JobRun> = runs.iter().filter(|r| r.status == "succeeded").collect();
    assert!(done.len() >= 2, "{runs:?}");
    assert_eq!(done[0].documents_new, 1);
    assert!(
        done[1..]
            .iter()
            .all(|r| r.documents_unchanged == 1 && r.events_appended == 0),
        "{runs:?}"
    );
    assert_eq!(one(&wh, "select count(*) from observations").await, "86");
    // Later runs asked conditionally and were told 304.
    assert!(server.requests("/q1.txt")[1..]
        .iter()
        .all(|r| r.status == 304));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticks_of_a_slow_job_never_overlap() {
    let server = Server::start();
    server.route(
        "/slow.txt",
        Route::Slow {
            delay: Duration::from_millis(2500),
            then: Box::new(Route::text(&report("derbyshire-county-2024-25-q1.txt"))),
        },
    );
    let dir = tempdir();
    let wh = wh(&dir);
    let job = urls_job(dir.path(), "slow", "* * * * * *", &server.url("/slow.txt"));
    let mut fetch = fast();
    fetch.timeout_secs = 10.0;
    serve_until(config(&wh, fetch), vec![job], &wh, |runs| {
        let skipped = runs.iter().filter(|r| skipped(r)).count();
        runs.len() - skipped >= 2 && skipped >= 2
    })
    .await;
    let runs = runs(&wh).await;
    let (ran, skipped): (Vec<&JobRun>, Vec<&JobRun>) =
        runs.iter().partition(|r| r.status != "skipped");
    assert!(ran.len() >= 2, "{runs:?}");
    assert!(skipped.len() >= 2, "{runs:?}");
    for pair in ran.windows(2) {
        assert!(
            pair[1].started_at >= pair[0].finished_at,
            "runs overlap: {pair:?}"
        );
    }
    for s in &skipped {
        assert_eq!(
            s.error.as_deref(),
            Some("the previous run of this job was still going")
        );
        // Each skip happened while a run was going.
        assert!(
            ran.iter()
                .any(|r| r.started_at <= s.started_at && s.started_at <= r.finished_at),
            "{s:?} in {runs:#?}"
        );
    }
    // One request per run; a run the shutdown stopped mid-request may not have been answered.
    let stopped = ran
        .iter()
        .filter(|r| {
            r.error
                .as_deref()
                .is_some_and(|e| e.starts_with("stopped by shutdown"))
        })
        .count();
    assert!(stopped <= 1, "{runs:?}");
    let asked = server.requests("/slow.txt");
    assert!(
        asked.len() + stopped >= ran.len() && asked.len() <= ran.len(),
        "{} requests, {runs:?}",
        asked.len()
    );
    assert_eq!(one(&wh, "select count(*) from observations").await, "86");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_missed_while_the_daemon_was_down_is_caught_up_once() {
    let server = Server::start();
    server.route(
        "/q1.txt",
        Route::text(&report("derbyshire-county-2024-25-q1.txt")),
    );
    let dir = tempdir();
    let wh = wh(&dir);
    // Once a year, on 1 January at midnight; the last run was two years ago.
    let job = urls_job(dir.path(), "yearly", "0 0 1 1 *", &server.url("/q1.txt"));
    let long_ago = Utc::now() - chrono::Duration::days(730);
    {
        let w = Warehouse::open_writer(
            wh.to_str().expect("path"),
            Box::new(SystemClock),
            Duration::from_secs(5),
        )
        .await
        .expect("warehouse");
        w.append_job_run(&JobRun::new(
            "yearly-old".into(),
            "yearly",
            "schedule",
            long_ago,
            "succeeded",
        ))
        .await
        .expect("append");
    }
    serve_for(
        config(&wh, fast()),
        vec![job.clone()],
        Duration::from_millis(2000),
    )
    .await;
    let after_first = runs(&wh).await;
    let caught: Vec<&JobRun> = after_first
        .iter()
        .filter(|r| r.trigger == "catch-up")
        .collect();
    assert_eq!(caught.len(), 1, "{after_first:?}");
    assert_eq!(
        (caught[0].status.as_str(), caught[0].documents_new),
        ("succeeded", 1)
    );
    // Restarted again: the catch-up run is the last run now, and no tick was missed since.
    serve_for(
        config(&wh, fast()),
        vec![job.clone()],
        Duration::from_millis(1500),
    )
    .await;
    assert_eq!(runs(&wh).await.len(), after_first.len());
    // With catch-up turned off, nothing runs at start-up.
    let mut off = config(&wh, fast());
    off.schedule.catch_up = false;
    let jobs = [job];
    let missed = lapis_jobs::schedule::missed(
        &jobs,
        &runs(&wh).await,
        Utc::now() + chrono::Duration::days(400),
    );
    assert_eq!(missed.len(), 1, "a year later the job is due again");
    serve_for(off, vec![], Duration::from_millis(500)).await;
    assert_eq!(runs(&wh).await.len(), 2);
    assert_eq!(one(&wh, "select count(*) from observations").await, "86");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_a_run_is_a_failed_run_and_the_daemon_lives_on() {
    let server = Server::start();
    server.route(
        "/q1.txt",
        Route::text(&report("derbyshire-county-2024-25-q1.txt")),
    );
    let dir = tempdir();
    let wh = wh(&dir);
    // Only the job named "boom" panics; the variable names it.
    std::env::set_var("LAPIS_FAILPOINT", "panic-in-run:boom");
    let boom = urls_job(dir.path(), "boom", "* * * * * *", &server.url("/q1.txt"));
    let good = urls_job(dir.path(), "good", "* * * * * *", &server.url("/q1.txt"));
    serve_until(config(&wh, fast()), vec![boom, good], &wh, |runs| {
        let of = |job: &str, status: &str| {
            runs.iter()
                .filter(|r| r.job == job && r.status == status)
                .count()
        };
        of("boom", "failed") >= 2 && of("good", "succeeded") >= 2
    })
    .await;
    let runs = runs(&wh).await;
    let booms: Vec<&JobRun> = runs.iter().filter(|r| r.job == "boom").collect();
    assert!(
        booms.iter().filter(|r| r.status == "failed").count() >= 2,
        "{runs:?}"
    );
    for r in booms
        .iter()
        .filter(|r| !stopped_by_shutdown(r) && !skipped(r))
    {
        assert_eq!(r.status, "failed");
        assert_eq!(
            r.error.as_deref(),
            Some("the run panicked: LAPIS_FAILPOINT: a panic inside the run of boom")
        );
    }
    let goods: Vec<&JobRun> = runs.iter().filter(|r| r.job == "good").collect();
    assert!(
        goods
            .iter()
            .all(|r| r.status == "succeeded" || skipped(r) || stopped_by_shutdown(r))
            && goods.iter().filter(|r| r.status == "succeeded").count() >= 2,
        "{runs:?}"
    );
    assert_eq!(one(&wh, "select count(*) from observations").await, "86");
}
