//! A real HTTP/1.1 server on 127.0.0.1 (a free port), in the test process, whose routes can
//! be changed while it runs and which misbehaves on request: fails, hangs, throttles, refuses,
//! redirects in a loop, answers slowly or with too much. Every request is logged.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a route answers.
#[derive(Debug, Clone)]
pub enum Route {
    /// 200 with the body, an ETag and Last-Modified; 304 to a request that sends them back.
    Doc {
        body: Vec<u8>,
        content_type: String,
        etag: Option<String>,
    },
    /// `status` with this body and headers.
    Raw {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// The first `n` requests get `status` (with Retry-After if given), then `then`.
    FailFirst {
        n: usize,
        status: u16,
        retry_after: Option<String>,
        then: Box<Route>,
    },
    /// Reads the request and never answers (until the server is dropped).
    Hang,
    /// Waits, then answers as `then`.
    Slow { delay: Duration, then: Box<Route> },
    /// 200 with `total` bytes streamed without a Content-Length, in chunks, until the client
    /// hangs up. How many were written is logged in `streamed`.
    Endless { total: usize },
}

impl Route {
    pub fn text(body: &str) -> Route {
        Route::Doc {
            body: body.as_bytes().to_vec(),
            content_type: "text/plain; charset=utf-8".into(),
            etag: Some(format!("\"{:x}\"", fnv(body.as_bytes()))),
        }
    }
    pub fn html(body: &str) -> Route {
        Route::Raw {
            status: 200,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: body.as_bytes().to_vec(),
        }
    }
    pub fn xml(body: &str) -> Route {
        Route::Raw {
            status: 200,
            headers: vec![("Content-Type".into(), "text/xml; charset=utf-8".into())],
            body: body.as_bytes().to_vec(),
        }
    }
    pub fn status(status: u16) -> Route {
        Route::Raw {
            status,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: format!("<html><body><h1>{status}</h1></body></html>").into_bytes(),
        }
    }
    pub fn redirect(to: &str) -> Route {
        Route::Raw {
            status: 302,
            headers: vec![("Location".into(), to.into())],
            body: Vec::new(),
        }
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub at: Instant,
    pub status: u16,
}

#[derive(Debug, Default)]
struct State {
    routes: HashMap<String, Route>,
    hits: HashMap<String, usize>,
    log: Vec<Request>,
}

/// The server; stops accepting when dropped.
#[derive(Debug, Clone)]
pub struct Server {
    pub port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    pub streamed: Arc<AtomicUsize>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("addr").port();
        let server = Server {
            port,
            state: Arc::new(Mutex::new(State::default())),
            stop: Arc::new(AtomicBool::new(false)),
            streamed: Arc::new(AtomicUsize::new(0)),
        };
        let s = server.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let s = s.clone();
                std::thread::spawn(move || s.handle(stream));
            }
        });
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn route(&self, path: &str, route: Route) {
        self.state
            .lock()
            .expect("state")
            .routes
            .insert(path.into(), route);
    }

    /// Requests for `path` so far (any query string ignored unless part of `path`).
    pub fn requests(&self, path: &str) -> Vec<Request> {
        self.state
            .lock()
            .expect("state")
            .log
            .iter()
            .filter(|r| r.path == path || r.path.split('?').next() == Some(path))
            .cloned()
            .collect()
    }

    /// How many requests for `path` arrived, answered or not yet.
    pub fn arrived(&self, path: &str) -> usize {
        self.state
            .lock()
            .expect("state")
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    pub fn all_requests(&self) -> Vec<Request> {
        self.state.lock().expect("state").log.clone()
    }

    fn handle(&self, stream: TcpStream) {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let key = path.clone();
        let (route, hit) = {
            let mut st = self.state.lock().expect("state");
            let route = st
                .routes
                .get(&key)
                .or_else(|| st.routes.get(key.split('?').next().unwrap_or("")))
                .cloned();
            let hit = {
                let n = st.hits.entry(key.clone()).or_insert(0);
                *n += 1;
                *n
            };
            (route, hit)
        };
        let route = route.unwrap_or_else(|| Route::status(404));
        self.answer(stream, &path, headers, route, hit);
    }

    fn log(&self, path: &str, headers: HashMap<String, String>, status: u16) {
        self.state.lock().expect("state").log.push(Request {
            path: path.into(),
            headers,
            at: Instant::now(),
            status,
        });
    }

    fn answer(
        &self,
        mut stream: TcpStream,
        path: &str,
        headers: HashMap<String, String>,
        route: Route,
        hit: usize,
    ) {
        match route {
            Route::Doc {
                body,
                content_type,
                etag,
            } => {
                let lm = "Wed, 01 Oct 2025 08:00:00 GMT";
                let fresh = match (&etag, headers.get("if-none-match")) {
                    (Some(e), Some(sent)) => sent == e,
                    _ => headers.get("if-modified-since").is_some_and(|s| s == lm),
                };
                let mut extra = vec![("Last-Modified".to_string(), lm.to_string())];
                if let Some(e) = &etag {
                    extra.push(("ETag".into(), e.clone()));
                }
                if fresh {
                    self.log(path, headers, 304);
                    write_response(&mut stream, 304, &extra, b"");
                } else {
                    self.log(path, headers, 200);
                    extra.push(("Content-Type".into(), content_type));
                    write_response(&mut stream, 200, &extra, &body);
                }
            }
            Route::Raw {
                status,
                headers: h,
                body,
            } => {
                self.log(path, headers, status);
                write_response(&mut stream, status, &h, &body);
            }
            Route::FailFirst {
                n,
                status,
                retry_after,
                then,
            } => {
                if hit <= n {
                    self.log(path, headers, status);
                    let mut h = vec![("Content-Type".to_string(), "text/html".to_string())];
                    if let Some(r) = retry_after {
                        h.push(("Retry-After".into(), r));
                    }
                    write_response(&mut stream, status, &h, b"<html><body>busy</body></html>");
                } else {
                    self.answer(stream, path, headers, *then, hit);
                }
            }
            Route::Hang => {
                self.log(path, headers, 0);
                let until = Instant::now() + Duration::from_secs(60);
                let mut buf = [0u8; 64];
                let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                while Instant::now() < until && !self.stop.load(Ordering::SeqCst) {
                    match stream.read(&mut buf) {
                        Ok(0) => break,
                        _ => continue,
                    }
                }
            }
            Route::Slow { delay, then } => {
                std::thread::sleep(delay);
                self.answer(stream, path, headers, *then, hit);
            }
            Route::Endless { total } => {
                self.log(path, headers, 200);
                let head =
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 * 1024];
                let mut sent = 0;
                while sent < total {
                    if stream.write_all(&chunk).is_err() {
                        break;
                    }
                    sent += chunk.len();
                    self.streamed.store(sent, Ordering::SeqCst);
                }
            }
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        304 => "Not Modified",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn write_response(stream: &mut TcpStream, status: u16, headers: &[(String, String)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nConnection: close\r\n",
        reason(status)
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if status != 304 {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
}
