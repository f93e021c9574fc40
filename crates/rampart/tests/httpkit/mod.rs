//! HTTP/1 pieces for the data-path tests, on top of `support`: a buffered reader of
//! messages for either side of a connection ([`Wire`]), parsed messages ([`Msg`]) that
//! keep their raw bytes (so a test can compare a head or a page byte for byte), and an
//! origin server ([`Origin`]) that records every request it receives and answers each
//! one as the test says, over keep-alive connections.
//!
//! Everything is bounded: reads carry the stream's I/O timeout, message sizes are capped,
//! and a malformed message fails the test with what was received.
#![allow(dead_code)]

use super::support::*;
use std::io::{ErrorKind, Read, Write};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Largest message part a test reads (heads, bodies, trailers).
const CAP: usize = 64 << 20;

/// A connection with a read buffer, to read HTTP messages from it.
pub struct Wire {
    pub s: Stream,
    buf: Vec<u8>,
}

/// Where a head search stopped.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Wire {
    pub fn new(s: Stream) -> Wire {
        Wire { s, buf: Vec::new() }
    }

    /// A new client connection to `127.0.0.1:port`.
    pub fn connect(port: u16) -> Wire {
        Wire::new(connect(local(port)))
    }

    pub fn send(&mut self, b: &[u8]) {
        self.s
            .write_all(b)
            .unwrap_or_else(|e| panic!("writing {} bytes: {e}", b.len()));
    }

    /// Reads more; false on end of stream or error.
    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16384];
        loop {
            match self.s.read(&mut chunk) {
                Ok(0) => return false,
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    assert!(self.buf.len() <= CAP, "more than {CAP} bytes buffered");
                    return true;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    panic!(
                        "nothing received within the I/O timeout (buffered: {:?})",
                        String::from_utf8_lossy(&self.buf)
                    )
                }
                Err(_) => return false,
            }
        }
    }

    /// Bytes received but not consumed yet.
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    /// The next head, through its empty line; `None` on a clean end of stream before
    /// any byte.
    pub fn head(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                return Some(self.buf.drain(..i + 4).collect());
            }
            if !self.fill() {
                assert!(
                    self.buf.is_empty(),
                    "end of stream inside a head: {:?}",
                    String::from_utf8_lossy(&self.buf)
                );
                return None;
            }
        }
    }

    /// Exactly `n` bytes.
    pub fn exact(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            assert!(
                self.fill(),
                "end of stream after {} of {n} bytes",
                self.buf.len()
            );
        }
        self.buf.drain(..n).collect()
    }

    /// One CRLF-terminated line, without its CRLF.
    fn line(&mut self) -> Vec<u8> {
        loop {
            if let Some(i) = find(&self.buf, b"\r\n") {
                let l = self.buf.drain(..i + 2).take(i).collect();
                return l;
            }
            assert!(self.fill(), "end of stream inside a line");
        }
    }

    /// A chunked body: the data, the trailer block (raw, without the final CRLF), and
    /// the raw bytes as received.
    pub fn chunked(&mut self) -> (Vec<u8>, String, Vec<u8>) {
        let (mut data, mut raw) = (Vec::new(), Vec::new());
        loop {
            let l = self.line();
            raw.extend_from_slice(&l);
            raw.extend_from_slice(b"\r\n");
            let text = String::from_utf8_lossy(&l);
            let size = usize::from_str_radix(text.split(';').next().unwrap_or("").trim(), 16)
                .unwrap_or_else(|_| panic!("bad chunk size line {text:?}"));
            if size == 0 {
                let mut trailers = String::new();
                loop {
                    let t = self.line();
                    raw.extend_from_slice(&t);
                    raw.extend_from_slice(b"\r\n");
                    if t.is_empty() {
                        return (data, trailers, raw);
                    }
                    trailers.push_str(&String::from_utf8_lossy(&t));
                    trailers.push_str("\r\n");
                }
            }
            let d = self.exact(size + 2);
            assert_eq!(&d[size..], b"\r\n", "chunk data not followed by CRLF");
            data.extend_from_slice(&d[..size]);
            raw.extend_from_slice(&d);
        }
    }

    /// Everything until the peer closes.
    pub fn rest_until_close(&mut self) -> Vec<u8> {
        while self.fill() {}
        std::mem::take(&mut self.buf)
    }

    /// Does the peer close within `within` without sending anything more?
    pub fn closes_within(&mut self, within: Duration) -> bool {
        assert!(
            self.buf.is_empty(),
            "unread bytes: {:?}",
            String::from_utf8_lossy(&self.buf)
        );
        wait_closed(&mut self.s, within).is_some()
    }

    /// Is the connection still open (no data, no close) after `quiet`?
    pub fn stays_open(&mut self, quiet: Duration) -> bool {
        assert!(
            self.buf.is_empty(),
            "unread bytes: {:?}",
            String::from_utf8_lossy(&self.buf)
        );
        stays_silent(&mut self.s, quiet)
    }
}

/// A parsed message with its raw head.
#[derive(Clone, Debug, Default)]
pub struct Msg {
    /// The head as received, empty line included.
    pub raw_head: Vec<u8>,
    /// The start line.
    pub start: String,
    /// Header fields in order, names as received.
    pub headers: Vec<(String, String)>,
    /// The body (decoded when chunked).
    pub body: Vec<u8>,
    /// The trailer block of a chunked body (`name: value\r\n` lines).
    pub trailers: String,
    /// The body bytes as received (chunk framing included).
    pub raw_body: Vec<u8>,
    pub chunked: bool,
}

impl Msg {
    fn parse_head(raw: Vec<u8>) -> Msg {
        let text = String::from_utf8_lossy(&raw).into_owned();
        let mut lines = text.split("\r\n");
        let start = lines.next().unwrap_or_default().to_string();
        let headers = lines
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (n, v) = l
                    .split_once(':')
                    .unwrap_or_else(|| panic!("header line without colon: {l:?}"));
                (n.to_string(), v.trim().to_string())
            })
            .collect();
        Msg {
            raw_head: raw,
            start,
            headers,
            ..Msg::default()
        }
    }

    /// The status of a response.
    pub fn status(&self) -> u16 {
        self.start
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not a status line: {:?}", self.start))
    }

    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Header names in wire order, as spelled.
    pub fn names(&self) -> Vec<&str> {
        self.headers.iter().map(|(n, _)| n.as_str()).collect()
    }

    pub fn head_text(&self) -> String {
        String::from_utf8_lossy(&self.raw_head).into_owned()
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The whole message as received.
    pub fn raw(&self) -> Vec<u8> {
        let mut v = self.raw_head.clone();
        v.extend_from_slice(&self.raw_body);
        v
    }

    /// The body as this message frames it: chunked, by length, or (`close_ok`) until
    /// the end of stream.
    fn read_body(&mut self, w: &mut Wire, close_ok: bool) {
        let te = self
            .header("transfer-encoding")
            .map(str::to_ascii_lowercase);
        if te.is_some_and(|t| t.contains("chunked")) {
            let (data, trailers, raw) = w.chunked();
            self.body = data;
            self.trailers = trailers;
            self.raw_body = raw;
            self.chunked = true;
        } else if let Some(n) = self.header("content-length") {
            let n: usize = n
                .parse()
                .unwrap_or_else(|_| panic!("bad content-length {n:?}"));
            self.body = w.exact(n);
            self.raw_body = self.body.clone();
        } else if close_ok {
            self.body = w.rest_until_close();
            self.raw_body = self.body.clone();
        }
    }
}

/// Reads a response; `head_req`: it answers a HEAD request (no body).
pub fn read_response(w: &mut Wire, head_req: bool) -> Msg {
    loop {
        let raw = w
            .head()
            .unwrap_or_else(|| panic!("connection closed before a response"));
        let mut m = Msg::parse_head(raw);
        let st = m.status();
        if (100..200).contains(&st) && st != 101 {
            continue;
        }
        if !(head_req || st == 204 || st == 304 || st == 101) {
            m.read_body(w, true);
        }
        return m;
    }
}

/// Reads a response including interim ones (each returned in order, the final last).
pub fn read_responses_with_interim(w: &mut Wire) -> Vec<Msg> {
    let mut out = Vec::new();
    loop {
        let raw = w
            .head()
            .unwrap_or_else(|| panic!("connection closed before a response"));
        let mut m = Msg::parse_head(raw);
        let st = m.status();
        if (100..200).contains(&st) && st != 101 {
            out.push(m);
            continue;
        }
        if !(st == 204 || st == 304 || st == 101) {
            m.read_body(w, true);
        }
        out.push(m);
        return out;
    }
}

/// Reads a response head only (a tunnel's, whose body is the tunnel).
pub fn read_head_only(w: &mut Wire) -> Msg {
    Msg::parse_head(
        w.head()
            .unwrap_or_else(|| panic!("connection closed before a response")),
    )
}

/// Reads a request head (`None` when the connection closed cleanly first).
pub fn read_request_head(w: &mut Wire) -> Option<Msg> {
    w.head().map(Msg::parse_head)
}

/// Sends `req` on a new connection and reads one response.
pub fn exchange(port: u16, req: &[u8]) -> (Wire, Msg) {
    let mut w = Wire::connect(port);
    w.send(req);
    let head_req = req.starts_with(b"HEAD ");
    let m = read_response(&mut w, head_req);
    (w, m)
}

// ---------------------------------------------------------------------------------------
// The origin

/// What the origin does once it wrote an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Then {
    /// Wait for the next request on the connection.
    KeepAlive,
    /// Close the connection.
    Close,
    /// Keep the connection open this long without reading, then close.
    Hold(Duration),
    /// Echo every byte from now on (tunnels: WebSocket, CONNECT).
    Echo,
}

/// An origin's answer to one request.
#[derive(Clone, Debug)]
pub struct Answer {
    pub bytes: Vec<u8>,
    pub then: Then,
    /// Wait this long before answering.
    pub delay: Duration,
}

impl Answer {
    pub fn raw(bytes: impl AsRef<[u8]>, then: Then) -> Answer {
        Answer {
            bytes: bytes.as_ref().to_vec(),
            then,
            delay: Duration::ZERO,
        }
    }

    /// `200 OK` with `body` and its length, connection kept.
    pub fn ok(body: &str) -> Answer {
        Answer::raw(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: text/plain\r\n\r\n{body}",
                body.len()
            ),
            Then::KeepAlive,
        )
    }

    pub fn after(mut self, d: Duration) -> Answer {
        self.delay = d;
        self
    }
}

/// How the origin treats `Expect: 100-continue`.
pub type OnExpect = dyn Fn(&Msg) -> Option<Answer> + Send + Sync;
type Answerer = dyn Fn(&Msg, usize) -> Answer + Send + Sync;

/// An HTTP/1.1 origin in the test: records each request (head and decoded body) and
/// answers with `answer(request, index)` (the index counts requests across connections).
pub struct Origin {
    pub srv: TestServer,
    pub port: u16,
    seen: Arc<Mutex<Vec<Msg>>>,
}

impl Origin {
    pub fn start(
        port: u16,
        answer: impl Fn(&Msg, usize) -> Answer + Send + Sync + 'static,
    ) -> Origin {
        Origin::with_expect(port, answer, |_| None)
    }

    /// Like [`Origin::start`]; `on_expect` sees the head of each request carrying
    /// `Expect: 100-continue`: `None` sends `100 Continue` then reads the body, `Some`
    /// answers at once without reading it.
    pub fn with_expect(
        port: u16,
        answer: impl Fn(&Msg, usize) -> Answer + Send + Sync + 'static,
        on_expect: impl Fn(&Msg) -> Option<Answer> + Send + Sync + 'static,
    ) -> Origin {
        let seen: Arc<Mutex<Vec<Msg>>> = Arc::default();
        let answer: Arc<Answerer> = Arc::new(answer);
        let on_expect: Arc<OnExpect> = Arc::new(on_expect);
        let s2 = seen.clone();
        let srv = TestServer::tcp(port, move |s| {
            serve(Wire::new(s), &s2, &*answer, &*on_expect);
        });
        Origin { srv, port, seen }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Msg> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits (bounded) until `n` requests were received; returns them.
    pub fn wait_requests(&self, n: usize) -> Vec<Msg> {
        wait_until(Duration::from_secs(10), || self.requests().len() >= n);
        self.requests()
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.srv.accepted()
    }
}

fn serve(mut w: Wire, seen: &Mutex<Vec<Msg>>, answer: &Answerer, on_expect: &OnExpect) {
    loop {
        let Some(raw) = catch_head(&mut w) else {
            return;
        };
        let mut m = Msg::parse_head(raw);
        let expects = m
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
        let early = if expects { on_expect(&m) } else { None };
        let a = match early {
            Some(a) => {
                seen.lock().unwrap_or_else(|e| e.into_inner()).push(m);
                a
            }
            None => {
                if expects {
                    w.send(b"HTTP/1.1 100 Continue\r\n\r\n");
                }
                m.read_body(&mut w, false);
                let idx = {
                    let mut g = seen.lock().unwrap_or_else(|e| e.into_inner());
                    g.push(m.clone());
                    g.len() - 1
                };
                answer(&m, idx)
            }
        };
        if !a.delay.is_zero() {
            thread::sleep(a.delay);
        }
        if w.s.write_all(&a.bytes).is_err() {
            return;
        }
        match a.then {
            Then::KeepAlive => {}
            Then::Close => return,
            Then::Hold(d) => {
                thread::sleep(d);
                return;
            }
            Then::Echo => {
                let pending = std::mem::take(&mut w.buf);
                if w.s.write_all(&pending).is_ok() {
                    echo(w.s);
                }
                return;
            }
        }
    }
}

/// A request head, or `None` when the peer closed or went silent (the proxy keeps idle
/// connections open).
fn catch_head(w: &mut Wire) -> Option<Vec<u8>> {
    let start = Instant::now();
    loop {
        if let Some(i) = find(&w.buf, b"\r\n\r\n") {
            return Some(w.buf.drain(..i + 4).collect());
        }
        let mut chunk = [0u8; 16384];
        match w.s.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => w.buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
        if start.elapsed() > IO_TIMEOUT {
            return None;
        }
    }
}

// ---------------------------------------------------------------------------------------
// curl

/// Runs curl with `args` (plus `-s -S` and a time bound); returns its stdout, failing the
/// test when curl fails.
pub fn curl(args: &[&str]) -> String {
    let out = std::process::Command::new("curl")
        .args(["-s", "-S", "--max-time", "20"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run curl (apt-get install curl): {e}"));
    assert!(
        out.status.success(),
        "curl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs curl with `-v`; returns stdout and stderr (where `-v` writes the exchange).
pub fn curl_verbose(args: &[&str]) -> (String, String) {
    let out = std::process::Command::new("curl")
        .args(["-s", "-S", "-v", "--max-time", "20"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run curl (apt-get install curl): {e}"));
    assert!(
        out.status.success(),
        "curl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An origin answering every request with `status` and its `name` as body.
pub fn answering(port: u16, name: &'static str, status: u16) -> Origin {
    Origin::start(port, move |_, _| status_answer(status, name))
}

/// A keep-alive response with `status` and `body`.
pub fn status_answer(status: u16, body: &str) -> Answer {
    Answer::raw(
        format!(
            "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
        Then::KeepAlive,
    )
}

/// A listener that accepts and closes: a health check connecting to it passes.
pub fn check_port(port: u16) -> TestServer {
    TestServer::tcp(port, |_| {})
}

// ---------------------------------------------------------------------------------------
// Configurations

/// A configuration with `global` lines `global`, HTTP defaults (timeouts 2s/20s/20s) plus
/// `defaults` lines, then `body`.
pub fn cfg(global: &str, defaults: &str, body: &str) -> String {
    format!(
        "global\n{global}\
         defaults\n\
         \x20   mode http\n\
         \x20   timeout connect 2s\n\
         \x20   timeout client 20s\n\
         \x20   timeout server 20s\n\
         {defaults}\
         {body}"
    )
}

/// `listen l` on `port` to the origin on `origin`, with `extra` lines.
pub fn listen(port: u16, origin: u16, extra: &str) -> String {
    format!("listen l\n    bind 127.0.0.1:{port}\n{extra}    server o 127.0.0.1:{origin}\n")
}

/// `listen l` on `port` with `lines`, then `servers` (whole `server` lines).
pub fn listen_with(port: u16, lines: &str, servers: &[String]) -> String {
    let mut s = format!("listen l\n    bind 127.0.0.1:{port}\n{lines}");
    for l in servers {
        s.push_str("    ");
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// Starts the proxy under test on `conf`, ready on `port`.
pub fn proxy(dir: &TempDir, conf: &str, port: u16) -> Proc {
    Launch::rampart("proxy", dir, conf)
        .ready_tcp(local(port))
        .spawn()
}
