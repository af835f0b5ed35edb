//! Fetch job runs against a real HTTP server on 127.0.0.1: what is new goes in once, what is
//! not modified adds nothing, and every way a server can fail is refused, recorded and leaves
//! the warehouse's events unchanged.

mod common;

use std::time::{Duration, Instant};

use common::server::{Route, Server};
use common::*;

const Q1: &str = "derbyshire-county-2024-25-q1.txt";
const Q2: &str = "derbyshire-county-2023-24-q2.txt";

fn index_job(server: &Server, dir: &std::path::Path) -> lapis_jobs::Job {
    job(
        dir,
        &format!(
            r#"name = "index"
schedule = "0 6 * * 1"
[council]
code = "E10000007"
name = "Derbyshire County Council"
[source.index]
url = "{}"
links = '/reports/.*\.txt$'
"#,
            server.url("/performance/")
        ),
    )
}

fn index_page(links: &[&str]) -> String {
    let items: String = links
        .iter()
        .map(|l| format!("<li><a href=\"{l}\">Performance report</a></li>"))
        .collect();
    format!("<!DOCTYPE html><html><head><title>How are we performing?</title></head><body><ul>{items}<li><a href=\"/about\">About</a></li></ul></body></html>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_report_on_the_index_is_ingested_by_the_next_run_and_only_it() {
    let server = Server::start();
    let (q1, q2) = (report(Q1), report(Q2));
    server.route("/reports/q1.txt", Route::text(&q1));
    server.route("/reports/q2.txt", Route::text(&q2));
    server.route(
        "/performance/",
        Route::html(&index_page(&["../reports/q1.txt"])),
    );
    let dir = tempdir();
    let wh = wh(&dir);
    let job = index_job(&server, dir.path());

    let (first, progress) = run(&job, &wh, &fast()).await;
    assert_eq!(first.status, "succeeded", "{first:?}");
    assert_eq!(
        (
            first.documents_seen,
            first.documents_new,
            first.documents_unchanged
        ),
        (1, 1, 0)
    );
    let q1_obs = observations_in(&q1, "E10000007");
    assert_eq!(q1_obs, 86);
    assert_eq!(one(&wh, "select count(*) from observations").await, "86");
    assert!(progress
        .iter()
        .any(|p| matches!(p, lapis_jobs::Progress::Found { documents: 1, .. })));
    // The relative link was resolved against the page; the job's provenance is kept.
    assert_eq!(
        one(&wh, "select source_uri || '|' || job || '|' || (etag is not null) || '|' || last_modified from documents").await,
        format!("{}|index|true|Wed, 01 Oct 2025 08:00:00 GMT", server.url("/reports/q1.txt"))
    );

    // A second report appears on the index.
    server.route(
        "/performance/",
        Route::html(&index_page(&["../reports/q1.txt", "/reports/q2.txt#top"])),
    );
    let (second, _) = run(&job, &wh, &fast()).await;
    assert_eq!(second.status, "succeeded", "{second:?}");
    assert_eq!(
        (
            second.documents_seen,
            second.documents_new,
            second.documents_unchanged
        ),
        (2, 1, 1)
    );
    let q2_obs = observations_in(&q2, "E10000007");
    assert_eq!(
        one(&wh, "select count(*) from observations").await,
        (q1_obs + q2_obs).to_string()
    );
    // The run counts every event it appended: the new report's rows in each event table.
    let q2_events = one(
        &wh,
        "select (select count(*) from observations o join reports r using (report_id) where r.period_label = '2023-24 Q2') \
         + (select count(*) from objective_updates o join reports r using (report_id) where r.period_label = '2023-24 Q2') \
         + (select count(*) from report_claims o join reports r using (report_id) where r.period_label = '2023-24 Q2') \
         + (select count(*) from parse_issues o join reports r using (report_id) where r.period_label = '2023-24 Q2')",
    )
    .await;
    assert_eq!(second.events_appended.to_string(), q2_events);
    // The old report was asked for conditionally and answered 304.
    let q1_requests = server.requests("/reports/q1.txt");
    assert_eq!(q1_requests.len(), 2);
    assert_eq!(q1_requests[1].status, 304);
    assert!(q1_requests[1].headers.contains_key("if-none-match"));
    assert!(q1_requests[0].headers["user-agent"].starts_with("lapis/0.1.0 (+"));

    // A third run: nothing new, nothing appended.
    let (third, _) = run(&job, &wh, &fast()).await;
    assert_eq!(
        (
            third.documents_new,
            third.documents_unchanged,
            third.events_appended
        ),
        (0, 2, 0)
    );
    assert_eq!(one(&wh, "select count(*) from reports").await, "2");
    assert_eq!(
        rows(&wh, "select status, documents_seen, documents_new, documents_unchanged, documents_failed, trigger from job_runs order by started_at").await,
        vec!["succeeded|1|1|0|0|manual", "succeeded|2|1|1|0|manual", "succeeded|2|0|2|0|manual"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_document_at_another_address_adds_nothing() {
    let server = Server::start();
    let q1 = report(Q1);
    // No validators: each run fetches the body, and the hash says it is known.
    server.route(
        "/a.txt",
        Route::Raw {
            status: 200,
            headers: vec![],
            body: q1.clone().into_bytes(),
        },
    );
    server.route(
        "/b.txt",
        Route::Raw {
            status: 200,
            headers: vec![],
            body: q1.into_bytes(),
        },
    );
    let dir = tempdir();
    let wh = wh(&dir);
    let job = job(
        dir.path(),
        &format!(
            "name = \"urls\"\nschedule = \"0 6 * * 1\"\n[council]\ncode = \"E10000007\"\nname = \"Derbyshire\"\n[source.urls]\nurls = [\"{}\", \"{}\"]\n",
            server.url("/a.txt"),
            server.url("/b.txt")
        ),
    );
    let (r, _) = run(&job, &wh, &fast()).await;
    assert_eq!(
        (r.documents_new, r.documents_unchanged, r.status.as_str()),
        (1, 1, "succeeded")
    );
    assert_eq!(one(&wh, "select count(*) from observations").await, "86");
    let (r, _) = run(&job, &wh, &fast()).await;
    assert_eq!(
        (r.documents_new, r.documents_unchanged, r.events_appended),
        (0, 2, 0)
    );
    assert_eq!(
        one(&wh, "select count(*) from raw_observations").await,
        "86"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderngov_meetings_agenda_items_and_documents() {
    let server = Server::start();
    let today = chrono::Utc::now().date_naive();
    let d = |days: i64| {
        (today - chrono::Duration::days(days))
            .format("%d/%m/%Y")
            .to_string()
    };
    // This site ignores the dates asked for and answers with the whole history.
    let meetings = |extra: &str| {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<getmeetings><committee><committeeid>135</committeeid><committeetitle>Cabinet</committeetitle></committee>
<meeting><meetingid>900</meetingid><meetingdate>{}</meetingdate><meetingtime>2.00 pm</meetingtime></meeting>
<meeting><meetingid>1001</meetingid><meetingdate>{}</meetingdate><meetingtime>2.00 pm</meetingtime></meeting>
{extra}</getmeetings>"#,
            d(400),
            d(30)
        )
    };
    let agenda = |id: &str, doc: &str, restricted_doc: &str| {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<meeting><meetingid>{id}</meetingid><agendaitems>
<agendaitem><agendaitemnumber>4</agendaitemnumber><agendaitemtitle>Minutes of the last meeting</agendaitemtitle>
 <linkeddocuments><linkeddoc><attachmentid>1</attachmentid><title>Minutes</title><url>{minutes}</url><isrestricted>False</isrestricted></linkeddoc></linkeddocuments></agendaitem>
<agendaitem><agendaitemnumber>5</agendaitemnumber><agendaitemtitle>Performance Monitoring and Budget Monitoring/Forecast Outturn</agendaitemtitle>
 <linkeddocuments>
  <linkeddoc><attachmentid>2</attachmentid><title>Performance report</title><url>{doc}</url><isrestricted>False</isrestricted></linkeddoc>
  <linkeddoc><attachmentid>3</attachmentid><title>Performance report (exempt appendix)</title><url>{restricted_doc}</url><isrestricted>True</isrestricted></linkeddoc>
 </linkeddocuments></agendaitem>
</agendaitems></meeting>"#,
            minutes = server.url("/documents/minutes.txt"),
        )
    };
    server.route("/mgWebService.asmx/GetMeetings", Route::xml(&meetings("")));
    server.route(
        "/mgWebService.asmx/GetMeeting?lMeetingId=900",
        Route::xml(&agenda(
            "900",
            &server.url("/documents/old.txt"),
            &server.url("/documents/x.txt"),
        )),
    );
    server.route(
        "/mgWebService.asmx/GetMeeting?lMeetingId=1001",
        Route::xml(&agenda(
            "1001",
            "/documents/s1001/q2.txt",
            &server.url("/documents/secret.txt"),
        )),
    );
    let q2 = report(Q2);
    server.route("/documents/s1001/q2.txt", Route::text(&q2));
    let dir = tempdir();
    let wh = wh(&dir);
    let job = job(
        dir.path(),
        &format!(
            r#"name = "cabinet"
schedule = "0 6 * * 1"
[council]
code = "E10000007"
name = "Derbyshire County Council"
[source.moderngov]
site = "{}"
committee_id = 135
committee = "Cabinet"
item_title = "performance"
lookback_days = 120
"#,
            server.url("")
        ),
    );
    let (r, _) = run(&job, &wh, &fast()).await;
    assert_eq!(r.status, "succeeded", "{r:?}");
    // Only the unrestricted document of the performance item of the recent meeting.
    assert_eq!((r.documents_seen, r.documents_new), (1, 1));
    let asked = server.requests("/mgWebService.asmx/GetMeetings");
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].path.contains("lCommitteeId=135")
            && asked[0]
                .path
                .contains(&format!("sToDate={}", d(0).replace('/', "%2F"))),
        "{}",
        asked[0].path
    );
    assert!(server
        .requests("/mgWebService.asmx/GetMeeting?lMeetingId=900")
        .is_empty());
    assert!(server.requests("/documents/secret.txt").is_empty());
    assert!(server.requests("/documents/minutes.txt").is_empty());
    assert_eq!(
        one(&wh, "select count(*) from observations").await,
        observations_in(&q2, "E10000007").to_string()
    );

    // A new meeting with the next report: the next run ingests it, and only it.
    let q1 = report(Q1);
    server.route(
        "/mgWebService.asmx/GetMeetings",
        Route::xml(&meetings(&format!(
            "<meeting><meetingid>1002</meetingid><meetingdate>{}</meetingdate></meeting>",
            d(1)
        ))),
    );
    server.route(
        "/mgWebService.asmx/GetMeeting?lMeetingId=1002",
        Route::xml(&agenda(
            "1002",
            &server.url("/documents/s1002/q1.txt"),
            &server.url("/documents/secret2.txt"),
        )),
    );
    server.route("/documents/s1002/q1.txt", Route::text(&q1));
    let (r, _) = run(&job, &wh, &fast()).await;
    assert_eq!(
        (r.documents_seen, r.documents_new, r.documents_unchanged),
        (2, 1, 1),
        "{r:?}"
    );
    assert_eq!(server.requests("/documents/s1002/q1.txt").len(), 1);
    assert_eq!(
        one(
            &wh,
            "select string_agg(period_label, ',' order by period_end) from reports"
        )
        .await,
        "2023-24 Q2,2024-25 Q1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_fails_twice_then_answers_is_retried() {
    let server = Server::start();
    server.route(
        "/q1.txt",
        Route::FailFirst {
            n: 2,
            status: 503,
            retry_after: None,
            then: Box::new(Route::text(&report(Q1))),
        },
    );
    let dir = tempdir();
    let wh = wh(&dir);
    let job = urls_job(dir.path(), &[server.url("/q1.txt")]);
    let (r, _) = run(&job, &wh, &fast()).await;
    assert_eq!(
        (r.status.as_str(), r.documents_new),
        ("succeeded", 1),
        "{r:?}"
    );
    let statuses: Vec<u16> = server
        .requests("/q1.txt")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![503, 503, 200]);
    assert_eq!(one(&wh, "select count(*) from observations").await, "86");
}

fn urls_job(dir: &std::path::Path, urls: &[String]) -> lapis_jobs::Job {
    let list: Vec<String> = urls.iter().map(|u| format!("\"{u}\"")).collect();
    job(
        dir,
        &format!(
            "name = \"urls\"\nschedule = \"0 6 * * 1\"\n[council]\ncode = \"E10000007\"\nname = \"Derbyshire County Council\"\n[source.urls]\nurls = [{}]\n",
            list.join(", ")
        ),
    )
}

/// A run that failed on every document: recorded with the error, and no events.
async fn assert_failed_cleanly(wh: &std::path::Path, r: &lapis_store::JobRun, error: &str) {
    assert_eq!(r.status, "failed", "{r:?}");
    assert_eq!(
        (r.documents_new, r.documents_failed, r.events_appended),
        (0, 1, 0),
        "{r:?}"
    );
    let recorded = one(wh, "select status || '|' || error from job_runs").await;
    assert!(
        recorded.starts_with("failed|1 of 1 documents failed: "),
        "{recorded}"
    );
    assert!(recorded.contains(error), "{recorded} lacks {error:?}");
    for table in [
        "reports",
        "documents",
        "observations",
        "raw_observations",
        "raw_reports",
        "raw_parse_issues",
    ] {
        assert_eq!(
            one(wh, &format!("select count(*) from {table}")).await,
            "0",
            "{table}"
        );
    }
    let fetch = one(wh, "select outcome || '|' || error from fetches").await;
    assert!(
        fetch.starts_with("failed|") && fetch.contains(error),
        "{fetch}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_times_out() {
    let server = Server::start();
    server.route("/q1.txt", Route::Hang);
    let dir = tempdir();
    let wh = wh(&dir);
    let job = urls_job(dir.path(), &[server.url("/q1.txt")]);
    let mut policy = fast();
    policy.timeout_secs = 0.5;
    policy.max_attempts = 2;
    let started = Instant::now();
    let (r, _) = run(&job, &wh, &policy).await;
    let took = started.elapsed();
    assert_failed_cleanly(&wh, &r, "gave up after 2 attempts; last: timed out").await;
    assert_eq!(server.requests("/q1.txt").len(), 2);
    assert!(
        took >= Duration::from_millis(1000) && took < Duration::from_secs(20),
        "{took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_requests_is_retried_after_the_time_the_server_asks() {
    let server = Server::start();
    server.route(
        "/q1.txt",
        Route::FailFirst {
            n: 1,
            status: 429,
            retry_after: Some("1".into()),
            then: Box::new(Route::text(&report(Q1))),
        },
    );
    server.route(
        "/later.txt",
        Route::FailFirst {
            n: 5,
            status: 429,
            retry_after: Some("3600".into()),
            then: Box::new(Route::status(200)),
        },
    );
    let dir = tempdir();
    let wh = wh(&dir);
    let job = urls_job(
        dir.path(),
        &[server.url("/q1.txt"), server.url("/later.txt")],
    );
    let (r, _) = run(&job, &wh, &fast()).await;
    assert_eq!(
        (r.status.as_str(), r.documents_new, r.documents_failed),
        ("partial", 1, 1),
        "{r:?}"
    );
    let asked = server.requests("/q1.txt");
    assert_eq!(
        asked.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![429, 200]
    );
    let waited = asked[1].at - asked[0].at;
    assert!(
        waited >= Duration::from_millis(950),
        "retried after {waited:?}, not the 1 s asked"
    );
    // An hour is more than this configuration waits: refused at once, not retried.
    assert_eq!(server.requests("/later.txt").len(), 1);
    let error = r.error.expect("error");
    assert!(
        error.contains(
            "asked to retry after 3600 s (Retry-After), over fetch.retry_after_max_secs = 5"
        ),
        "{error}"
    );
    assert_eq!(one(&wh, "select count(*) from observations").await, "86");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firewall_403_is_its_own_error_and_is_not_retried() {
    let server = Server::start();
    server.route("/q1.txt", Route::status(403));
    server.route("/q2.txt", Route::text(&report(Q2)));
    let dir = tempdir();
    let wh = wh(&dir);
    let job = urls_job(dir.path(), &[server.url("/q1.txt"), server.url("/q2.txt")]);
    let (r, _) = run(&job, &wh, &fast()).await;
    assert_eq!(
        (r.status.as_str(), r.documents_failed),
        ("failed", 2),
        "{r:?}"
    );
    assert_eq!(
        server.requests("/q1.txt").len(),
        1,
        "a 403 is never retried"
    );
    // The host refused lapis: the run asks it nothing more.
    assert!(server.requests("/q2.txt").is_empty());
    let error = r.error.expect("error");
    assert!(
        error.contains(
            "HTTP 403 Forbidden from 127.0.0.1: the site refuses lapis (often a firewall"
        ),
        "{error}"
    );
    assert_eq!(one(&wh, "select count(*) from observations").await, "0");
    assert_eq!(
        rows(&wh, "select http_status, outcome from fetches order by url").await,
        vec!["403|failed", "403|failed"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_client_errors_are_not_retried() {
    let server = Server::start();
    let dir = tempdir();
    let wh = wh(&dir);
    let job = urls_job(dir.path(), &[server.url("/gone.txt")]);
    let (r, _) = run(&job, &wh, &fast()).await;
    assert_failed_cleanly(&wh, &r, "HTTP 404 from").await;
    assert_eq!(server.requests("/gone.txt").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_error_page_served_as_a_report_is_refused() {
    let server = Server::start();
    server.route(
        "/q1.txt",
        Route::html("<!DOCTYPE html><html><head><title>Sorry</title></head><body><h1>Sorry, something went wrong</h1><p>Please try again later.</p></body></html>"),
    );
    let dir = tempdir();
    let wh = wh(&dir);
    let job = urls_job(dir.path(), &[server.url("/q1.txt")]);
    let (r, _) = run(&job, &wh, &fast()).await;
    assert_failed_cleanly(
        &wh,
        &r,
        "refused: the document is an HTML page that holds no report",
    )
    .await;
    // Its bytes were archived before it was read: the evidence of what the server sent.
    let archived = std::fs::read_dir(wh.join("_documents"))
        .expect("archive")
        .count();
    assert_eq!(archived, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_size_limit_is_refused_while_it_streams() {
    let server = Server::start();
    server.route(
        "/endless.txt",
        Route::Endless {
            total: 256 * 1024 * 1024,
        },
    );
    server.route(
        "/declared.txt",
        Route::Raw {
            status: 200,
            headers: vec![],
            body: vec![b'x'; 2 * 1024 * 1024],
        },
    );
    let dir = tempdir();
    let wh = wh(&dir);
    let mut policy = fast();
    policy.max_bytes = 1024 * 1024;
    policy.timeout_secs = 30.0;
    let job = urls_job(dir.path(), &[server.url("/endless.txt")]);
    let (r, _) = run(&job, &wh, &policy).await;
    assert_failed_cleanly(
        &wh,
        &r,
        "over the size limit of 1048576 bytes; stopped reading",
    )
    .await;
    // The client hung up long before the server had sent its 256 MiB.
    std::thread::sleep(Duration::from_millis(300));
    let sent = server.streamed.load(std::sync::atomic::Ordering::SeqCst);
    assert!(sent < 64 * 1024 * 1024, "the server sent {sent} bytes");
    // A Content-Length over the limit is refused before the body is read.
    let dir2 = tempdir();
    let wh = common::wh(&dir2);
    let job = urls_job(dir2.path(), &[server.url("/declared.txt")]);
    let (r, _) = run(&job, &wh, &policy).await;
    assert_failed_cleanly(
        &wh,
        &r,
        "over the size limit of 1048576 bytes (Content-Length 2097152)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_loop_is_cut_off() {
    let server = Server::start();
    server.route("/a", Route::redirect("/b"));
    server.route("/b", Route::redirect("/a"));
    server.route("/moved.txt", Route::redirect("/reports/q1.txt"));
    server.route("/reports/q1.txt", Route::text(&report(Q1)));
    let dir = tempdir();
    let wh = wh(&dir);
    let job = urls_job(dir.path(), &[server.url("/a")]);
    let (r, _) = run(&job, &wh, &fast()).await;
    assert_failed_cleanly(&wh, &r, "more than 5 redirects (a redirect loop?)").await;
    assert!(
        server.all_requests().len() <= 7,
        "{}",
        server.all_requests().len()
    );
    // A plain redirect is followed, and the final address kept.
    let dir2 = tempdir();
    let wh = common::wh(&dir2);
    let job = urls_job(dir2.path(), &[server.url("/moved.txt")]);
    let (r, _) = run(&job, &wh, &fast()).await;
    assert_eq!(r.documents_new, 1, "{r:?}");
    assert_eq!(
        one(&wh, "select url || ' -> ' || final_url from fetches").await,
        format!(
            "{} -> {}",
            server.url("/moved.txt"),
            server.url("/reports/q1.txt")
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_to_one_host_are_spaced() {
    let server = Server::start();
    server.route("/q1.txt", Route::text(&report(Q1)));
    server.route("/q2.txt", Route::text(&report(Q2)));
    let dir = tempdir();
    let wh = wh(&dir);
    let job = urls_job(dir.path(), &[server.url("/q1.txt"), server.url("/q2.txt")]);
    let mut policy = fast();
    policy.host_delay_ms = 700;
    let (r, _) = run(&job, &wh, &policy).await;
    assert_eq!(r.documents_new, 2, "{r:?}");
    let a = &server.requests("/q1.txt")[0];
    let b = &server.requests("/q2.txt")[0];
    assert!(
        b.at - a.at >= Duration::from_millis(690),
        "{:?}",
        b.at - a.at
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_directory_and_a_failed_document_among_good_ones() {
    let dir = tempdir();
    let share = dir.path().join("share");
    std::fs::create_dir_all(&share).expect("dir");
    std::fs::write(share.join("q1.txt"), report(Q1)).expect("write");
    // Truncated: the first 300 bytes of a report, no table in them.
    std::fs::write(
        share.join("q2-truncated.txt"),
        &report(Q2).as_bytes()[..300],
    )
    .expect("write");
    std::fs::write(share.join("notes.docx"), b"PK\x03\x04 not a report").expect("write");
    let wh = wh(&dir);
    let job = job(
        dir.path(),
        "name = \"share\"\nschedule = \"0 6 * * 1\"\n[council]\ncode = \"E10000007\"\nname = \"Derbyshire County Council\"\n[source.dir]\npath = \"share\"\nfiles = '\\.txt$'\n",
    );
    let (r, _) = run(&job, &wh, &fast()).await;
    assert_eq!(
        (
            r.status.as_str(),
            r.documents_seen,
            r.documents_new,
            r.documents_failed
        ),
        ("partial", 2, 1, 1),
        "{r:?}"
    );
    assert!(
        r.error
            .as_deref()
            .unwrap_or_default()
            .contains("q2-truncated.txt: refused: no report was recognised"),
        "{r:?}"
    );
    // The good document is in, whole; nothing of the bad one.
    assert_eq!(one(&wh, "select count(*) from observations").await, "86");
    assert_eq!(one(&wh, "select count(*) from raw_reports").await, "1");
}

fn render_pdf(text: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> Vec<u8> {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../extract/tests/pdf/render.py");
    let run = std::process::Command::new("python3")
        .arg(&script)
        .arg(text)
        .arg(out)
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed to render test PDFs: {e}"));
    assert!(
        run.status.success(),
        "render.py failed (pip install fpdf2): {}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read(out).expect("pdf")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pdf_report_is_read_and_a_scanned_one_is_archived_and_recorded_but_not_extracted() {
    let dir = tempdir();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reports")
        .join(Q1);
    let pdf = render_pdf(&source, &dir.path().join("q1.pdf"), &[]);
    let scan = render_pdf(
        std::path::Path::new("-"),
        &dir.path().join("scan.pdf"),
        &["--scan"],
    );
    let server = Server::start();
    let pdf_route = |body: Vec<u8>| Route::Doc {
        body,
        content_type: "application/pdf".into(),
        etag: None,
    };
    server.route("/q1.pdf", pdf_route(pdf.clone()));
    server.route("/scan.pdf", pdf_route(scan.clone()));
    let wh = wh(&dir);
    let job = urls_job(
        dir.path(),
        &[server.url("/q1.pdf"), server.url("/scan.pdf")],
    );
    let (r, _) = run(&job, &wh, &fast()).await;
    assert_eq!(
        (r.status.as_str(), r.documents_new, r.documents_failed),
        ("partial", 1, 1),
        "{r:?}"
    );
    let error = r.error.expect("error");
    assert!(
        error.contains(
            "scan.pdf: not extracted: the PDF has no text layer (2 pages of images, a scan?)"
        ),
        "{error}"
    );
    let text =
        lapis_extract::document_text(&pdf, lapis_extract::DEFAULT_MAX_BYTES).expect("pdf text");
    assert_eq!(
        one(&wh, "select count(*) from observations").await,
        observations_in(&text, "E10000007").to_string()
    );
    assert_eq!(
        one(&wh, "select media_type from documents").await,
        "application/pdf"
    );
    // The scan's bytes are kept, for a lapis that reads scans one day; no event refers to them.
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(&scan));
    assert!(wh.join("_documents").join(&sha[..2]).join(&sha).is_file());
    assert_eq!(
        rows(&wh, "select outcome, sha256 from fetches order by url").await,
        vec![
            format!("new|{}", hex::encode(sha2::Sha256::digest(&pdf))),
            format!("not_extracted|{sha}")
        ]
    );
    assert_eq!(one(&wh, "select count(*) from raw_reports").await, "1");
    // Next run: both are known (asked with If-Modified-Since, answered 304).
    let (r, _) = run(&job, &wh, &fast()).await;
    assert_eq!(
        (r.status.as_str(), r.documents_unchanged, r.documents_failed),
        ("succeeded", 2, 0),
        "{r:?}"
    );
    let asked = server.requests("/scan.pdf");
    assert_eq!(asked[1].status, 304);
    assert_eq!(
        asked[1].headers["if-modified-since"],
        "Wed, 01 Oct 2025 08:00:00 GMT"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_does_not_hold_the_writer_lock_while_a_site_is_slow() {
    let server = Server::start();
    server.route(
        "/slow.txt",
        Route::Slow {
            delay: Duration::from_millis(2500),
            then: Box::new(Route::text(&report(Q1))),
        },
    );
    let dir = tempdir();
    let wh = wh(&dir);
    let job = urls_job(dir.path(), &[server.url("/slow.txt")]);
    let mut policy = fast();
    policy.timeout_secs = 10.0;
    let location = wh.clone();
    let running = tokio::spawn(async move { run(&job, &location, &policy).await });
    while server.arrived("/slow.txt") == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Another writer (a `lapis ingest`, say) gets the lock at once while the site answers.
    let started = Instant::now();
    let other = lapis_store::Warehouse::open_writer(
        wh.to_str().expect("path"),
        Box::new(lapis_store::SystemClock),
        Duration::from_millis(500),
    )
    .await;
    assert!(
        other.is_ok(),
        "the lock was held during the fetch: {other:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(500));
    drop(other);
    let (r, _) = running.await.expect("run");
    assert_eq!(
        (r.status.as_str(), r.documents_new),
        ("succeeded", 1),
        "{r:?}"
    );
    assert_eq!(one(&wh, "select count(*) from observations").await, "86");
}
