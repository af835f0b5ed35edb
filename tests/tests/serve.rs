//! `lapis serve` as a PostgreSQL database, checked with real clients: psql and Python's
//! psycopg 3. Read-only for real, passwords by SCRAM-SHA-256, TLS that is required when the
//! configuration says so, new events seen without a restart, and queries that cannot take the
//! server down.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use lapis_e2e::{report, stderr, stdout, Install};

const PASSWORD: &str = "correct horse battery";

/// Two ports free at once (bound together, so never the same one).
fn free_ports() -> (u16, u16) {
    let bind = || std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let (a, b) = (bind(), bind());
    let port = |l: &std::net::TcpListener| l.local_addr().expect("addr").port();
    (port(&a), port(&b))
}

/// A running `lapis serve` over a warehouse holding the 2024-25 Q1 report.
struct Daemon {
    lapis: Install,
    child: Child,
    port: u16,
    http_port: u16,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn verifier(lapis: &Install, user: &str, password: &str) -> String {
    let mut child = lapis
        .command(&["passwd", user])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("lapis passwd");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    let text = stdout(&out);
    let line = text.lines().last().expect("a line").to_string();
    assert!(
        line.starts_with(&format!("{user} = \"SCRAM-SHA-256$4096:")),
        "{line}"
    );
    assert!(!text.contains(password), "the password is printed");
    line
}

#[allow(clippy::result_large_err)] // a test helper: the error is the failed daemon's output
fn start(server_extra: &str) -> Result<Daemon, (Install, Output)> {
    let mut lapis = Install::new();
    let out = lapis.run(&[
        "ingest",
        "--council",
        "E10000007",
        &report("derbyshire-county-2024-25-q1.txt"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let users = verifier(&lapis, "analyst", PASSWORD);
    std::fs::create_dir_all(lapis.dir.path().join("jobs")).expect("jobs");
    // A port found free may be taken by another test's process before the server binds it:
    // then the server is started again on others.
    let mut attempts = 0;
    loop {
        attempts += 1;
        match spawn_serve(lapis, server_extra, &users) {
            Err((again, out))
                if attempts < 5 && stderr(&out).contains("Address already in use") =>
            {
                lapis = again;
            }
            done => return done,
        }
    }
}

#[allow(clippy::result_large_err)] // a test helper: the error is the failed daemon's output
fn spawn_serve(
    lapis: Install,
    server_extra: &str,
    users: &str,
) -> Result<Daemon, (Install, Output)> {
    let (port, http_port) = free_ports();
    let config = lapis.dir.path().join("lapis.toml");
    std::fs::write(
        &config,
        format!(
            "warehouse = \"{}\"\njobs = \"jobs\"\n[server]\nlisten = \"127.0.0.1:{port}\"\nhttp_listen = \"127.0.0.1:{http_port}\"\nstatement_timeout_secs = 20\nmax_result_rows = 50\n{server_extra}\n[server.users]\n{users}\n",
            lapis.warehouse().display()
        ),
    )
    .expect("config");
    let mut child = lapis.spawn(&["--config", config.to_str().expect("path"), "serve"]);
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("lapis serve: SQL") => break,
            Some(Ok(_)) => {}
            _ => {
                let out = child.wait_with_output().expect("wait");
                return Err((lapis, out));
            }
        }
        assert!(Instant::now() < deadline, "lapis serve did not start");
    }
    std::thread::spawn(move || for _ in lines {});
    Ok(Daemon {
        lapis,
        child,
        port,
        http_port,
    })
}

impl Daemon {
    fn psql(&self, password: Option<&str>, extra: &[&str], input: &str) -> Output {
        let mut c = Command::new("psql");
        c.args([
            "-X",
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "analyst",
            "-d",
            "lapis",
            "-w",
        ])
        .args(extra)
        .env_remove("PGPASSWORD")
        .env("PGCONNECT_TIMEOUT", "10")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        if let Some(p) = password {
            c.env("PGPASSWORD", p);
        }
        let mut child = c
            .spawn()
            .expect("psql is needed for these tests (apt-get install postgresql-client)");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write");
        child.wait_with_output().expect("psql")
    }

    /// psql with the right password, unaligned output, stopping at the first error.
    fn sql(&self, input: &str) -> Output {
        self.psql(
            Some(PASSWORD),
            &["-At", "-v", "ON_ERROR_STOP=0", "-v", "VERBOSITY=verbose"],
            input,
        )
    }

    fn python(&self, script: &str) -> Output {
        Command::new("python3")
            .arg("-c")
            .arg(script)
            .env(
                "LAPIS_DSN",
                format!(
                    "host=127.0.0.1 port={} user=analyst password='{PASSWORD}' dbname=lapis",
                    self.port
                ),
            )
            .output()
            .expect("python3")
    }

    /// GETs a page of the HTTP side: (status, content type, body).
    fn get(&self, path: &str, login: Option<(&str, &str)>) -> (u16, String, Vec<u8>) {
        let out = Command::new("python3")
            .arg("-c")
            .arg(
                r#"
import base64, sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1])
if len(sys.argv) > 2:
    req.add_header("Authorization", "Basic " + base64.b64encode(sys.argv[2].encode()).decode())
try:
    r = urllib.request.urlopen(req, timeout=30)
    status, ctype, body = r.status, r.headers.get("content-type"), r.read()
except urllib.error.HTTPError as e:
    status, ctype, body = e.code, e.headers.get("content-type"), e.read()
sys.stdout.buffer.write(f"{status}\n{ctype}\n".encode() + body)
"#,
            )
            .arg(format!("http://127.0.0.1:{}{path}", self.http_port))
            .args(login.map(|(u, p)| format!("{u}:{p}")))
            .output()
            .expect("python3");
        assert!(out.status.success(), "{}", stderr(&out));
        let mut parts = out.stdout.splitn(3, |b| *b == b'\n');
        let status = String::from_utf8_lossy(parts.next().unwrap_or_default())
            .parse()
            .unwrap_or(0);
        let ctype = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
        (status, ctype, parts.next().unwrap_or_default().to_vec())
    }

    fn warehouse(&self) -> PathBuf {
        self.lapis.warehouse()
    }
}

/// The newest version of each table's log: the warehouse's state, to check nothing changed.
fn versions(wh: &Path) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = std::fs::read_dir(wh)
        .expect("warehouse")
        .flatten()
        .filter(|e| e.path().join("_delta_log").is_dir())
        .map(|e| {
            let n = std::fs::read_dir(e.path().join("_delta_log"))
                .expect("log")
                .count();
            (e.file_name().to_string_lossy().into_owned(), n)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn psql_lists_describes_and_queries_the_views() {
    let d = start("").unwrap_or_else(|(_, out)| panic!("{}", stderr(&out)));
    let out = d.sql("\\dv\n\\d current_ratings\nselect count(*) from observations;\nselect period_label, count(*) from observations_current group by 1 order by 1 limit 2;\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for view in [
        "current_ratings",
        "observations",
        "yoy_direction",
        "benchmark_gaps",
        "job_runs",
        "fetches",
    ] {
        assert!(
            text.contains(&format!("public|{view}|view|")),
            "{view} missing: {text}"
        );
    }
    assert!(text.contains("value|double precision"), "{text}");
    assert!(text.contains("period_end|date"), "{text}");
    assert!(text.lines().any(|l| l == "86"), "{text}");
    // Functions drivers call that DataFusion lacks.
    let out = d.sql("select json_build_object('start', 1, 'cycle', false, 'name', 'x');\nselect to_regtype('int4'), to_regtype('hstore') is null;\n");
    assert_eq!(
        stdout(&out),
        "{\"start\" : 1, \"cycle\" : false, \"name\" : \"x\"}\n23|t\n",
        "{}",
        stderr(&out)
    );
    // The session's time zone, set and shown in both spellings.
    let out = d.sql(
        "show timezone;\nset timezone to 'Europe/London';\nshow time zone;\nset time zone 'UTC';\nshow timezone;\n",
    );
    assert_eq!(
        stdout(&out),
        "UTC\nSET\nEurope/London\nSET\nUTC\n",
        "{}",
        stderr(&out)
    );
    // The raw event tables are not in the default schema.
    let out = d.sql("\\dt\nselect count(*) from raw_observations;\n");
    assert!(!stdout(&out).contains("raw_"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("raw_observations' not found"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn passwords_are_checked() {
    let d = start("").unwrap_or_else(|(_, out)| panic!("{}", stderr(&out)));
    let out = d.psql(Some("wrong password"), &["-c", "select 1"], "");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("password authentication failed for user \"analyst\""),
        "{}",
        stderr(&out)
    );
    let out = d.psql(None, &["-c", "select 1"], "");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no password supplied"),
        "{}",
        stderr(&out)
    );
    let out = Command::new("psql")
        .args([
            "-X",
            "-w",
            "-h",
            "127.0.0.1",
            "-p",
            &d.port.to_string(),
            "-U",
            "nobody",
            "-d",
            "lapis",
            "-c",
            "select 1",
        ])
        .env("PGPASSWORD", PASSWORD)
        .output()
        .expect("psql");
    assert!(
        stderr(&out).contains("password authentication failed for user \"nobody\""),
        "{}",
        stderr(&out)
    );
    let out = d.psql(Some(PASSWORD), &["-At", "-c", "select 1"], "");
    assert_eq!(stdout(&out).trim(), "1", "{}", stderr(&out));
}

#[test]
fn writes_and_file_access_are_refused_and_change_nothing() {
    let d = start("").unwrap_or_else(|(_, out)| panic!("{}", stderr(&out)));
    let before = versions(&d.warehouse());
    let target = d.lapis.dir.path().join("stolen.csv");
    let attempts = [
        ("insert into observations (event_id) values ('x');", "25006"),
        ("update observations set value = 0;", "25006"),
        ("delete from observations;", "25006"),
        (
            &format!("copy (select 1) to '{}';", target.display()),
            "25006",
        ),
        ("copy observations from '/etc/passwd';", "25006"),
        ("create table t as select 1;", "25006"),
        ("create view v as select 1;", "25006"),
        ("drop view observations;", "25006"),
        (
            &format!(
                "create external table x stored as csv location '{}';",
                d.lapis.dir.path().display()
            ),
            "",
        ),
        ("set datafusion.execution.batch_size = 1;", "42501"),
    ];
    for (sql, code) in attempts {
        let out = d.sql(sql);
        let err = stderr(&out);
        assert!(
            err.contains("ERROR:"),
            "{sql} was not refused: {}",
            stdout(&out)
        );
        if !code.is_empty() {
            assert!(err.contains(&format!("ERROR:  {code}:")), "{sql}: {err}");
        }
    }
    assert!(!target.exists(), "COPY wrote a file");
    assert_eq!(versions(&d.warehouse()), before);
    // EXPLAIN ANALYZE shows plans, not where the server keeps its files.
    let out = d.sql(
        "explain analyze select count(*) from observations;\nexplain select * from reports;\n",
    );
    let text = stdout(&out);
    assert!(text.contains("<warehouse>/observations/part-"), "{text}");
    assert!(
        !text.contains(&d.warehouse().display().to_string()),
        "{text}"
    );
    // Still serving.
    assert_eq!(stdout(&d.sql("select count(*) from reports;")).trim(), "1");
}

#[test]
fn runaway_and_deep_queries_get_errors_and_the_server_serves_on() {
    let d = start("").unwrap_or_else(|(_, out)| panic!("{}", stderr(&out)));
    let deep = format!("select {};\n", vec!["1"; 20_000].join("+"));
    let out = d.sql(&deep);
    assert!(
        stderr(&out).contains("54001: the query nests expressions more than 1000 deep"),
        "{}",
        stderr(&out)
    );
    let started = Instant::now();
    let out = d.sql("set statement_timeout = '1s';\nselect count(*) from observations a, observations b, observations c, observations d where a.value + b.value > c.value + d.value;\n");
    assert!(
        stderr(&out).contains("57014: canceling statement due to statement timeout (1 s)"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    let out = d.sql("select * from observations;\n");
    assert!(
        stderr(&out).contains("54000: the result has more than 50 rows (server.max_result_rows)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        stdout(&d.sql("select count(*) from observations;")).trim(),
        "86"
    );
    // The same limits for prepared statements (the extended protocol, as psycopg sends them).
    let out = d.python(
        r#"
import os, psycopg
with psycopg.connect(os.environ["LAPIS_DSN"], autocommit=True) as conn:
    cur = conn.cursor()
    cur.execute("set statement_timeout = '1s'")
    for sql, args in [
        ("select count(*) from observations a, observations b, observations c, observations d where a.value + %s + b.value > c.value + d.value", (0,)),
        ("select * from observations where value > %s or value is null", (0,)),
    ]:
        try:
            cur.execute(sql, args)
            print("ran", cur.fetchall()[:1])
        except psycopg.Error as e:
            print("error", e.sqlstate)
    cur.execute("select count(*) from observations where council_code = %s", ("E10000007",))
    print("count", cur.fetchone()[0])
# A server-side cursor (DECLARE … FETCH): the same limits, summed over its FETCHes.
for sql in ["select * from observations where value > %s or value is null",
            "select count(*) from observations a, observations b, observations c, observations d where a.value + %s + b.value > c.value + d.value"]:
    with psycopg.connect(os.environ["LAPIS_DSN"]) as conn:
        conn.execute("set statement_timeout = '1s'")
        cur = conn.cursor(name="big")
        got = 0
        try:
            cur.execute(sql, (0,))
            while True:
                rows = cur.fetchmany(20)
                if not rows:
                    break
                got += len(rows)
            print("cursor ran", got)
        except psycopg.Error as e:
            print("cursor error", e.sqlstate, "after", got)
"#,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "error 57014\nerror 54000\ncount 86\ncursor error 54000 after 40\ncursor error 57014 after 0\n"
    );
}

#[test]
fn a_report_appended_while_clients_are_connected_is_seen_without_a_restart() {
    let d = start("").unwrap_or_else(|(_, out)| panic!("{}", stderr(&out)));
    let ingest = format!(
        "{} --warehouse {} ingest --council E10000007 {} > /dev/null",
        d.lapis.bin.display(),
        d.warehouse().display(),
        report("derbyshire-county-2023-24-q2.txt")
    );
    // One psql session: a query, an ingest by another process, the same queries again.
    let out = d.sql(&format!(
        "select count(*) from reports;\nselect count(*) from current_ratings;\n\\! {ingest}\nselect count(*) from reports;\nselect string_agg(period_label, ',' order by period_end) from reports;\n"
    ));
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 4, "{lines:?} {}", stderr(&out));
    assert_eq!(lines[0], "1");
    assert_eq!(lines[2], "2");
    assert_eq!(lines[3], "2023-24 Q2,2024-25 Q1");
}

#[test]
fn psycopg_runs_parameterised_queries_and_refuses_writes() {
    let d = start("").unwrap_or_else(|(_, out)| panic!("{}", stderr(&out)));
    let out = d.python(
        r#"
import os, psycopg
with psycopg.connect(os.environ["LAPIS_DSN"]) as conn:
    cur = conn.cursor()
    cur.execute("select count(*) from observations where council_code = %s and period_year = %s", ("E10000007", 2024))
    print("count", cur.fetchone()[0])
    cur.execute("select measure_name, value from observations where value > %s and unit = %s order by value desc limit 2", (90.0, "%"))
    for row in cur.fetchall():
        print("row", row[0], row[1])
    try:
        cur.execute("insert into observations (event_id) values (%s)", ("x",))
        print("inserted")
    except psycopg.Error as e:
        print("refused", e.sqlstate)
    conn.rollback()
    cur.execute("select count(*) from reports")
    print("reports", cur.fetchone()[0])
    # A server-side cursor (DECLARE, then FETCH in batches), as psycopg does for large results:
    # all of its 50 rows, as many as server.max_result_rows allows any statement here.
    with conn.cursor(name="big") as big:
        big.itersize = 20
        big.execute("select measure_name, period_label, value from observations where council_code = %s order by measure_name, period_label limit 50", ("E10000007",))
        first = big.fetchmany(2)
        print("first", len(first), [d.name for d in big.description])
        print("rest", sum(1 for _ in big))
"#,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("count 28\n"), "{text}");
    assert!(text.contains("refused 25006\n"), "{text}");
    assert!(text.contains("reports 1\n"), "{text}");
    assert!(
        text.contains("first 2 ['measure_name', 'period_label', 'value']\n"),
        "{text}"
    );
    assert!(text.contains("rest 48\n"), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("row ")).count(),
        2,
        "{text}"
    );
}

fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let cert = dir.join("server.crt");
    let key = dir.join("server.key");
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is needed for the TLS tests");
    assert!(out.status.success(), "{}", stderr(&out));
    (cert, key)
}

#[test]
fn tls_when_configured_required_when_asked_and_never_a_silent_fallback() {
    let certs = tempfile::tempdir().expect("tempdir");
    let (cert, key) = self_signed(certs.path());
    let d = start(&format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"\ntls_required = true",
        cert.display(),
        key.display()
    ))
    .unwrap_or_else(|(_, out)| panic!("{}", stderr(&out)));
    let with_sslmode = |mode: &str, sql: &str| {
        Command::new("psql")
            .args(["-X", "-w", "-At", "-c", sql])
            .arg(format!(
                "host=127.0.0.1 port={} user=analyst dbname=lapis sslmode={mode}",
                d.port
            ))
            .env("PGPASSWORD", PASSWORD)
            .output()
            .expect("psql")
    };
    let secure = with_sslmode("require", "select count(*) from reports");
    assert_eq!(stdout(&secure).trim(), "1", "{}", stderr(&secure));
    // The HTTP side uses the same certificate: HTTPS only.
    let https = Command::new("python3")
        .arg("-c")
        .arg(
            r#"
import base64, ssl, sys, urllib.request
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
auth = "Basic " + base64.b64encode(sys.argv[2].encode()).decode()
req = urllib.request.Request("https://127.0.0.1:%s/health" % sys.argv[1], headers={"Authorization": auth})
print(urllib.request.urlopen(req, context=ctx, timeout=30).status)
try:
    urllib.request.urlopen("http://127.0.0.1:%s/health" % sys.argv[1], timeout=10)
    print("plain http answered")
except Exception:
    print("plain http refused")
"#,
        )
        .arg(d.http_port.to_string())
        .arg(format!("analyst:{PASSWORD}"))
        .output()
        .expect("python3");
    assert_eq!(
        stdout(&https),
        "200\nplain http refused\n",
        "{}",
        stderr(&https)
    );
    let plain = with_sslmode("disable", "select 1");
    assert!(!plain.status.success());
    assert!(
        stderr(&plain).contains("this lapis server requires TLS"),
        "{}",
        stderr(&plain)
    );
    // A key that does not load stops the server before it listens.
    std::fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n",
    )
    .expect("write");
    let Err((_, out)) = start(&format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"",
        cert.display(),
        key.display()
    )) else {
        panic!("the server started with a broken key");
    };
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("server TLS: private key"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("never falls back to plain text"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_server_refuses_to_start_without_users_or_with_trust_off_loopback() {
    let lapis = Install::new();
    std::fs::create_dir_all(lapis.dir.path().join("jobs")).expect("jobs");
    let config = lapis.dir.path().join("lapis.toml");
    for (server, expected) in [
        (
            "listen = \"127.0.0.1:0\"",
            "no users: add one to [server.users]",
        ),
        (
            "listen = \"0.0.0.0:0\"\ntrust_loopback = true",
            "0.0.0.0 is not a loopback address",
        ),
        (
            "listen = \"127.0.0.1:0\"\n[server.users]\nanalyst = \"hunter2\"",
            "[server.users] analyst: not a SCRAM-SHA-256 verifier",
        ),
    ] {
        std::fs::write(
            &config,
            format!(
                "warehouse = \"{}\"\njobs = \"jobs\"\n[server]\n{server}\n",
                lapis.warehouse().display()
            ),
        )
        .expect("write");
        let out = lapis.run(&["--config", config.to_str().expect("path"), "serve"]);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    }
}

/// What SQLAlchemy's inspector reads (Superset lists schemas, tables and views this way).
#[test]
fn sqlalchemy_inspector_lists_schemas_tables_views_and_columns() {
    let d = start("").unwrap_or_else(|(_, out)| panic!("{}", stderr(&out)));
    let out = d.python(&format!(
        r#"
import sqlalchemy as sa
eng = sa.create_engine("postgresql+psycopg://analyst:{}@127.0.0.1:{}/lapis")
insp = sa.inspect(eng)
print("schemas", insp.get_schema_names())
print("tables", insp.get_table_names())
print("views", sorted(insp.get_view_names()))
cols = {{c["name"]: str(c["type"]) for c in insp.get_columns("current_ratings")}}
print("columns", len(cols), cols["council_code"], cols["period_year"], cols["period_end"], cols["value"], cols["rating_reproduced"])
ocols = {{c["name"]: str(c["type"]) for c in insp.get_columns("observations")}}
print("observations columns", len(ocols), ocols["recorded_at"], ocols["source_page"], ocols["source_table"])
with eng.connect() as c:
    print("count", c.execute(sa.text("select count(*) from observations where period_year = :y"), {{"y": 2024}}).scalar())
"#,
        PASSWORD.replace(' ', "%20"),
        d.port
    ));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("schemas ['public']\n"), "{text}");
    assert!(text.contains("tables ['measure_catalog']\n"), "{text}");
    assert!(text.contains("'benchmark_gaps', 'claim_reconciliation', 'corrections', 'council_schemes', 'current_ratings', 'documents', 'extractions', 'fetches', 'job_runs', 'measures', 'objective_status', 'objective_updates', 'observations', 'observations_current', 'parse_issues', 'polarity_evidence', 'rating_audit', 'report_claims', 'reports', 'restatements', 'yoy_direction']"), "{text}");
    assert!(text.contains("count 28\n"), "{text}");
    // The columns, with their types (what Superset shows a dataset with).
    assert!(
        text.contains("columns 32 TEXT INTEGER DATE DOUBLE PRECISION BOOLEAN\n"),
        "{text}"
    );
    assert!(
        text.contains("observations columns 30 TIMESTAMP INTEGER INTEGER\n"),
        "{text}"
    );
}

#[test]
fn http_health_jobs_metrics_and_exports_behind_the_same_users() {
    let d = start("").unwrap_or_else(|(_, out)| panic!("{}", stderr(&out)));
    let me = Some(("analyst", PASSWORD));
    assert_eq!(d.get("/health", None).0, 401);
    assert_eq!(d.get("/health", Some(("analyst", "wrong"))).0, 401);
    let (status, ctype, body) = d.get("/health", me);
    assert_eq!((status, ctype.as_str()), (200, "application/json"));
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("\"status\": \"ok\"") && text.contains("\"warehouse\": \"readable\""),
        "{text}"
    );
    let (status, _, body) = d.get("/jobs", me);
    assert_eq!(status, 200);
    assert!(
        String::from_utf8_lossy(&body).contains("\"jobs\": []"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    // A query and a refused write, then the counters.
    let _ = d.sql("select count(*) from reports;\ninsert into reports (report_id) values ('x');\n");
    let (status, ctype, body) = d.get("/metrics", me);
    assert_eq!((status, ctype.as_str()), (200, "text/plain; version=0.0.4"));
    let text = String::from_utf8_lossy(&body);
    for line in [
        "lapis_sql_queries_total 1",
        "lapis_sql_refused_total 1",
        "lapis_sql_query_duration_seconds_count 1",
        "lapis_sql_query_duration_seconds_bucket{le=\"+Inf\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing: {text}");
    }
    assert!(
        text.contains("# TYPE lapis_sql_query_duration_seconds histogram"),
        "{text}"
    );
    // Exports: filtered CSV, Parquet, and no raw tables.
    let expected = stdout(&d.sql("select count(*) from current_ratings where council_code = 'E10000007' and period_label = '2024-25 Q1';"));
    let (status, ctype, body) = d.get(
        "/export/current_ratings.csv?council=E10000007&period=2024-25%20Q1",
        me,
    );
    assert_eq!((status, ctype.as_str()), (200, "text/csv; charset=utf-8"));
    let csv = String::from_utf8_lossy(&body);
    assert!(csv.starts_with("council_code,measure_id,"), "{csv}");
    assert_eq!((csv.lines().count() - 1).to_string(), expected.trim());
    assert!(csv.lines().skip(1).all(|l| l.starts_with("E10000007,")));
    let (status, ctype, body) = d.get("/export/reports.parquet", me);
    assert_eq!(
        (status, ctype.as_str()),
        (200, "application/vnd.apache.parquet")
    );
    assert!(body.starts_with(b"PAR1") && body.ends_with(b"PAR1"));
    assert_eq!(d.get("/export/raw_observations.csv", me).0, 404);
    // 86 observations, over this server's limit of 50 rows: refused before anything is sent.
    let (status, _, body) = d.get("/export/observations.csv", me);
    assert_eq!(status, 413, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body)
        .contains("observations has 86 rows here, over server.max_result_rows = 50"));
    assert_eq!(d.get("/export/reports.csv?council=E10000007", me).0, 200);
    assert_eq!(d.get("/nothing", me).0, 404);
}

/// The PostgreSQL JDBC driver from Debian (what DBeaver, Metabase and Tableau use):
/// DatabaseMetaData's tables, views and columns, and a prepared statement.
#[test]
fn jdbc_reads_the_catalog_and_runs_a_prepared_statement() {
    let d = start("").unwrap_or_else(|(_, out)| panic!("{}", stderr(&out)));
    let classes = tempfile::tempdir().expect("tempdir");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/JdbcProbe.java");
    let out = Command::new("javac")
        .arg("-d")
        .arg(classes.path())
        .arg(&source)
        .output()
        .expect("javac is needed (apt-get install default-jdk-headless)");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = Command::new("java")
        .arg("-cp")
        .arg(format!(
            "{}:/usr/share/java/postgresql.jar",
            classes.path().display()
        ))
        .arg("JdbcProbe")
        .arg(format!("jdbc:postgresql://127.0.0.1:{}/lapis", d.port))
        .arg("analyst")
        .arg(PASSWORD)
        .output()
        .expect("java");
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let columns = stdout(&d.sql(
        "select count(*) from information_schema.columns where table_name = 'current_ratings';",
    ));
    let text = stdout(&out);
    assert!(text.contains("product PostgreSQL 16.0 (lapis)\n"), "{text}");
    assert!(text.contains("tables 1 views 21\n"), "{text}");
    assert!(
        text.contains(&format!(
            "columns {} first council_code:text\n",
            columns.trim()
        )),
        "{text}"
    );
    assert!(text.contains("count 86\n"), "{text}");
    // Named portals read in pieces, under the row limit (50 here) and the statement timeout.
    assert!(
        text.contains("fetched 40\nerror 54000\nerror 57014\n"),
        "{text}"
    );
}

/// Grafana's PostgreSQL data source through pgconn (Go), the layer Grafana queries with: its
/// settings page, its query editor's table and column lists, and a panel of two statements
/// with its time macros expanded.
#[test]
fn grafana_lists_tables_and_column_types_and_draws_a_panel() {
    let d = start("").unwrap_or_else(|(_, out)| panic!("{}", stderr(&out)));
    let probe = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/grafana_probe.go");
    let cache = tempfile::tempdir().expect("tempdir");
    let out = Command::new("go")
        .arg("run")
        .arg(&probe)
        .arg(format!(
            "host=127.0.0.1 port={} user=analyst password='{PASSWORD}' dbname=lapis",
            d.port
        ))
        .env("GO111MODULE", "off")
        .env("GOPATH", "/usr/share/gocode")
        .env("GOCACHE", cache.path())
        .output()
        .expect("go is needed (apt-get install golang-go golang-github-jackc-pgconn-dev)");
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let columns = stdout(&d.sql(
        "select count(*) from information_schema.columns where table_name = 'current_ratings';",
    ));
    let panel =
        stdout(&d.sql("select count(*) from current_ratings where period_end = '2024-06-30';"));
    // 2024-06-30 is 1,719,705,600 s after 1970; Grafana's 1y buckets are 365 days
    // (31,536,000 s), so its bucket starts at 54 × 31,536,000 = 1,702,944,000.
    assert_eq!(
        stdout(&out),
        format!(
            "version 1600\ntables 22 picked public.current_ratings\ncolumns {} period_end date value double precision council_code text\npanel 1702944000.0 {}\n",
            columns.trim(),
            panel.trim()
        )
    );
}

/// psqlODBC through unixODBC's isql (what Excel and Power BI's ODBC path use): a query, the
/// tables (SQLTables) and a view's columns (SQLColumns).
#[test]
fn odbc_lists_tables_and_columns_and_queries() {
    let d = start("").unwrap_or_else(|(_, out)| panic!("{}", stderr(&out)));
    let dir = tempfile::tempdir().expect("tempdir");
    let ini = dir.path().join("odbc.ini");
    std::fs::write(
        &ini,
        format!("[lapis]\nDriver = PostgreSQL Unicode\nServername = 127.0.0.1\nPort = {}\nDatabase = lapis\nSSLmode = disable\n", d.port),
    )
    .expect("odbc.ini");
    let isql = |input: &str| {
        let mut child = Command::new("isql")
            .args(["-b", "-d,", "lapis", "analyst", PASSWORD])
            .env("ODBCINI", &ini)
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("isql is needed (apt-get install unixodbc odbc-postgresql)");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write");
        child.wait_with_output().expect("isql")
    };
    let out = isql("select count(*) from observations where council_code = 'E10000007'\n");
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).lines().any(|l| l.trim() == "86"),
        "{}",
        stdout(&out)
    );
    let out = isql("help\n");
    let text = stdout(&out);
    assert!(text.contains("lapis,public,current_ratings,VIEW"), "{text}");
    assert!(
        text.contains("lapis,public,measure_catalog,TABLE"),
        "{text}"
    );
    let out = isql("help current_ratings\n");
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(
        text.contains("lapis,public,current_ratings,council_code,"),
        "{text}"
    );
    assert!(
        text.contains("lapis,public,current_ratings,period_end,"),
        "{text}"
    );
}

/// What Npgsql (Power BI's and Excel's PostgreSQL driver) asks when it connects: DISCARD ALL,
/// version(), then the type catalog, telling arrays from base types by their receive function,
/// with ranges, domains, composites and enums. These queries are ours, written to use the same
/// catalog features: pg_type joined to pg_proc on a regproc column, pg_range, a correlated
/// scalar subquery, pg_attribute of composites, pg_enum.
#[test]
fn npgsql_start_up_batch_is_answered() {
    let d = start("").unwrap_or_else(|(_, out)| panic!("{}", stderr(&out)));
    // What Npgsql (Power BI's and Excel's connector) sends on its first connection: DISCARD ALL
    // from its pool, then one Query message of four statements with `--` comments: version(),
    // the type catalog (arrays told from base types by their receive function, ranges and
    // multiranges by pg_range, the element type joined back), composite fields, enum labels.
    // Its reader expects each statement's rows in turn. (Written here in the form Npgsql 8
    // builds it for a server of version 14 or later, table composites not loaded.)
    let out = d.python(
        r#"
import os, psycopg
batch = """SELECT version();
SELECT ns.nspname, t.oid, t.typname, t.typtype, t.typnotnull, t.elemtypoid
FROM (
    -- each type with its kind, arrays found by their receive function
    SELECT typ.oid, typ.typnamespace, typ.typname, typ.typtype, typ.typrelid, typ.typnotnull, typ.relkind,
        elemtyp.oid AS elemtypoid, elemtyp.typname AS elemtypname, elemcls.relkind AS elemrelkind,
        CASE WHEN elemproc.proname='array_recv' THEN 'a' ELSE elemtyp.typtype END AS elemtyptype
    FROM (
        SELECT typ.oid, typnamespace, typname, typrelid, typnotnull, relkind, typelem AS elemoid,
            CASE WHEN proc.proname='array_recv' THEN 'a' ELSE typ.typtype END AS typtype,
            CASE
                WHEN proc.proname='array_recv' THEN typ.typelem
                WHEN typ.typtype='r' THEN rngsubtype
                WHEN typ.typtype='m' THEN (SELECT rngtypid FROM pg_range WHERE rngmultitypid = typ.oid)
                WHEN typ.typtype='d' THEN typ.typbasetype
            END AS elemtypoid
        FROM pg_type AS typ
        LEFT JOIN pg_class AS cls ON (cls.oid = typ.typrelid)
        LEFT JOIN pg_proc AS proc ON proc.oid = typ.typreceive
        LEFT JOIN pg_range ON (pg_range.rngtypid = typ.oid)
    ) AS typ
    LEFT JOIN pg_type AS elemtyp ON elemtyp.oid = elemtypoid
    LEFT JOIN pg_class AS elemcls ON (elemcls.oid = elemtyp.typrelid)
    LEFT JOIN pg_proc AS elemproc ON elemproc.oid = elemtyp.typreceive
) AS t
JOIN pg_namespace AS ns ON (ns.oid = typnamespace)
WHERE
    typtype IN ('b', 'r', 'm', 'e', 'd') OR -- kinds read as they are
    (typtype = 'c' AND relkind='c') OR
    (typtype = 'p' AND typname IN ('record', 'void')) OR
    (typtype = 'a' AND (
        elemtyptype IN ('b', 'r', 'm', 'e', 'd') OR
        (elemtyptype = 'p' AND elemtypname IN ('record', 'void')) OR
        (elemtyptype = 'c' AND elemrelkind='c')
    ))
ORDER BY CASE
       WHEN typtype IN ('b', 'e', 'p') THEN 0 -- element types before their containers
       WHEN typtype = 'r' THEN 1
       WHEN typtype = 'm' THEN 2
       WHEN typtype = 'c' THEN 3
       WHEN typtype = 'd' AND elemtyptype <> 'a' THEN 4
       WHEN typtype = 'a' THEN 5
       WHEN typtype = 'd' AND elemtyptype = 'a' THEN 6
END;
-- fields of free-standing composite types
SELECT typ.oid, att.attname, att.atttypid
FROM pg_type AS typ
JOIN pg_namespace AS ns ON (ns.oid = typ.typnamespace)
JOIN pg_class AS cls ON (cls.oid = typ.typrelid)
JOIN pg_attribute AS att ON (att.attrelid = typ.typrelid)
WHERE (typ.typtype = 'c' AND cls.relkind='c') AND attnum > 0 AND NOT attisdropped
ORDER BY typ.oid, att.attnum;
-- enum labels
SELECT pg_type.oid, enumlabel
FROM pg_enum
JOIN pg_type ON pg_type.oid=enumtypid
ORDER BY oid, enumsortorder;
"""
conn = psycopg.connect(os.environ["LAPIS_DSN"], autocommit=True)
conn.execute("DISCARD ALL")
pg = conn.pgconn
pg.send_query(batch.encode())
results = []
while (r := pg.get_result()) is not None:
    if r.error_message:
        print("error", r.error_message.decode())
    results.append([[r.get_value(i, j) and r.get_value(i, j).decode() for j in range(r.nfields)] for i in range(r.ntuples)])
print("results", len(results), [len(r) for r in results[2:]])
print("version", results[0][0][0].split(" (")[0])
types = {row[2]: row for row in results[1]}
for name in ["int4", "text", "float8", "date", "bool", "timestamptz", "_int4", "_text"]:
    print("|".join(x or "" for x in types[name]))
kinds = [row[3] for row in results[1]]
first_array = kinds.index("a")
print("base before arrays", all(k != "a" for k in kinds[:first_array]) and all(k == "a" for k in kinds[first_array:]))
"#,
    );
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(
        stdout(&out),
        "results 4 [0, 0]\n\
         version PostgreSQL 16.0 on lapis 0.1.0\n\
         pg_catalog|23|int4|b|f|\n\
         pg_catalog|25|text|b|f|\n\
         pg_catalog|701|float8|b|f|\n\
         pg_catalog|1082|date|b|f|\n\
         pg_catalog|16|bool|b|f|\n\
         pg_catalog|1184|timestamptz|b|f|\n\
         pg_catalog|1007|_int4|a|f|23\n\
         pg_catalog|1009|_text|a|f|25\n\
         base before arrays True\n"
    );
}

#[test]
fn connections_over_the_limit_are_told_why_and_idle_ones_are_closed() {
    let d = start("max_connections = 1\nidle_timeout_secs = 2")
        .unwrap_or_else(|(_, out)| panic!("{}", stderr(&out)));
    // One client holds the only slot (a query, then 1.5 s of thought, less than the idle
    // timeout, then another).
    let mut holder = Command::new("psql")
        .args([
            "-X",
            "-w",
            "-At",
            "-h",
            "127.0.0.1",
            "-p",
            &d.port.to_string(),
            "-U",
            "analyst",
            "-d",
            "lapis",
        ])
        .env("PGPASSWORD", PASSWORD)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("psql");
    holder
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"select 1;\n\\! sleep 1.5\nselect 2;\n")
        .expect("write");
    // It holds the slot once its first answer is back (not after a fixed wait: on a busy
    // machine psql may take longer than that to log in).
    let mut answers = BufReader::new(holder.stdout.take().expect("stdout"));
    let mut first = String::new();
    answers
        .read_line(&mut first)
        .expect("the holder's first answer");
    assert_eq!(first, "1\n");
    let out = d.psql(Some(PASSWORD), &["-At", "-c", "select 'second'"], "");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("FATAL:  sorry, too many clients already (max_connections = 1)"),
        "{}",
        stderr(&out)
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut answers, &mut rest).expect("the holder's answers");
    let held = holder.wait_with_output().expect("psql");
    assert_eq!(rest, "2\n", "{}", stderr(&held));
    // Now the slot is free; a client that sits idle past 2 s loses its connection.
    let out = d.psql(
        Some(PASSWORD),
        &["-At"],
        "select 1;\n\\! sleep 4\nselect 2;\n",
    );
    assert_eq!(stdout(&out), "1\n", "{}", stderr(&out));
    // Told why first, as PostgreSQL tells it (FATAL 57P05).
    assert!(
        stderr(&out).contains("FATAL:  terminating connection due to idle-session timeout"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("server closed the connection unexpectedly"),
        "{}",
        stderr(&out)
    );
    let out = d.psql(Some(PASSWORD), &["-At", "-c", "select 'after'"], "");
    assert_eq!(stdout(&out), "after\n", "{}", stderr(&out));
}

/// Forty clients logging in at the same moment (a dashboard opening its tiles) are all served.
/// Each connection's tables come from snapshots the server shares; before they were shared,
/// 32 connections opening 20 tables each at once waited for ever on tokio's blocking pool.
#[test]
fn forty_clients_connecting_at_once_are_all_served() {
    let d = start("max_connections = 48").unwrap_or_else(|(_, out)| panic!("{}", stderr(&out)));
    let out = d.python(
        r#"
import os, threading, psycopg
results = []
barrier = threading.Barrier(40)
def client(k):
    barrier.wait()
    try:
        with psycopg.connect(os.environ["LAPIS_DSN"], autocommit=True, connect_timeout=60) as conn:
            n = conn.execute("select count(*) from current_ratings where council_code = %s", ("E10000007",)).fetchone()[0]
            results.append(("ok", n))
    except Exception as e:
        results.append(("error", str(e)))
threads = [threading.Thread(target=client, args=(k,)) for k in range(40)]
for t in threads: t.start()
for t in threads: t.join()
print(sorted(set(results)), len(results))
"#,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let expected =
        stdout(&d.sql("select count(*) from current_ratings where council_code = 'E10000007';"));
    assert_eq!(stdout(&out), format!("[('ok', {})] 40\n", expected.trim()));
}
