//! Very large transfers through the real `rampart` binary: memory must not grow with the
//! size of what passes through. Each test streams generated, checksummed data (no files)
//! between a client and a server written in the test, samples the proxy's resident
//! memory (`VmRSS` in `/proc/PID/status`) during the transfer, reads its peak (`VmHWM`)
//! at the end, and asserts both stay under [`RSS_LIMIT_KB`], a bound far above what the
//! proxy needs and far below what buffering even a small part of the data would take.
//!
//! - `mode tcp`: [`TCP_LEN`] (10 GiB) uploaded and downloaded at once on one connection;
//! - `mode http`: [`HTTP_LEN`] (10 GiB) uploaded then downloaded on one keep-alive
//!   connection, once with `Content-Length` bodies and once with chunked ones.
//!
//! Time on a loaded 2-core machine (debug build): each test 30-45 s alone, the file
//! about 95 s with its three tests in parallel.
//!
//! Run against HAProxy with `RAMPART_UNDER_TEST=/usr/sbin/haproxy` to check the
//! expectations. No timing is asserted; every I/O call is bounded by the harness.

// Shared test bodies live in helpers, where a failed expectation must panic too.
#![allow(clippy::expect_used)]

mod support;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::Shutdown;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use support::*;

/// Bytes each way in `mode tcp`.
const TCP_LEN: u64 = 10 << 30;
/// Bytes each way in `mode http` (per body).
const HTTP_LEN: u64 = 10 << 30;
/// The proxy's resident memory must stay below this (kB).
const RSS_LIMIT_KB: u64 = 64 * 1024;

// ---------------------------------------------------------------------------------------
// Memory of the proxy

/// A field of `/proc/PID/status` in kB.
fn status_kb(pid: i32, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Samples the resident memory of a process every 50 ms until stopped.
struct RssWatch {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<(u64, usize)>,
    pid: i32,
}

impl RssWatch {
    fn start(pid: i32) -> RssWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = thread::spawn(move || {
            let (mut max, mut n) = (0, 0);
            while !s.load(Ordering::SeqCst) {
                if let Some(kb) = status_kb(pid, "VmRSS") {
                    max = max.max(kb);
                    n += 1;
                }
                thread::sleep(Duration::from_millis(50));
            }
            (max, n)
        });
        RssWatch { stop, thread, pid }
    }

    /// Stops sampling; asserts the sampled maximum and the process's peak are under the
    /// limit, and says what they were.
    fn check(self, what: &str, bytes: u64, started: Instant) {
        self.stop.store(true, Ordering::SeqCst);
        let (max, samples) = self.thread.join().unwrap_or((u64::MAX, 0));
        let hwm = status_kb(self.pid, "VmHWM").unwrap_or(u64::MAX);
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "{what}: {:.1} GiB moved in {secs:.1} s ({:.0} MB/s); proxy VmRSS max {max} kB over {samples} samples, VmHWM {hwm} kB",
            bytes as f64 / f64::from(1 << 30),
            bytes as f64 / secs / 1e6
        );
        assert!(samples > 0, "{what}: the proxy's memory was sampled");
        assert!(
            max < RSS_LIMIT_KB,
            "{what}: proxy VmRSS reached {max} kB (limit {RSS_LIMIT_KB} kB)"
        );
        assert!(
            hwm < RSS_LIMIT_KB,
            "{what}: proxy VmHWM is {hwm} kB (limit {RSS_LIMIT_KB} kB)"
        );
    }
}

// ---------------------------------------------------------------------------------------
// mode tcp

#[test]
fn tcp_10_gib_each_way_in_constant_memory() {
    let dir = TempDir::new("big-tcp");
    let (p, e) = (free_port(), free_port());
    // The server checks what it receives (stream 1) while it sends its own (stream 2).
    let (_srv, rx) = two_way_server(e, TCP_LEN);
    let cfg = format!(
        "defaults\n    mode tcp\n    timeout connect 5s\n    timeout client 60s\n    timeout server 60s\n\
         listen l\n    bind 127.0.0.1:{p}\n    server s 127.0.0.1:{e}\n"
    );
    let rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local(p))
        .spawn();
    let watch = RssWatch::start(rp.pid());
    let started = Instant::now();

    let c = connect(local(p));
    let mut w = c.try_clone();
    let sender = thread::spawn(move || {
        let r = Pattern::new(1).write_to(&mut w, TCP_LEN);
        w.shutdown(Shutdown::Write);
        r.map_err(|e| e.to_string())
    });
    let mut r = c;
    let got = Pattern::new(2).verify_from(&mut r, TCP_LEN);
    let sent = sender
        .join()
        .unwrap_or_else(|_| Err("sender panicked".into()));
    assert_eq!(sent, Ok(()), "the client sent its upload");
    assert_eq!(got, Ok(TCP_LEN), "the client received the download intact");
    let (srv_got, srv_sent) = rx
        .recv_timeout(IO_TIMEOUT)
        .unwrap_or_else(|e| panic!("the server did not finish: {e}"));
    assert_eq!(srv_sent, Ok(()), "the server sent the download");
    assert_eq!(
        srv_got,
        Ok(TCP_LEN),
        "the server received the upload intact"
    );
    watch.check("mode tcp, each way", 2 * TCP_LEN, started);
}

// ---------------------------------------------------------------------------------------
// mode http

/// How a body is framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    Length,
    Chunked,
}

/// Writes each buffer it is given as one chunk; [`ChunkedWriter::finish`] ends the body.
struct ChunkedWriter<'a, W: Write>(&'a mut W);

impl<W: Write> Write for ChunkedWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        write!(self.0, "{:x}\r\n", buf.len())?;
        self.0.write_all(buf)?;
        self.0.write_all(b"\r\n")?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<W: Write> ChunkedWriter<'_, W> {
    fn finish(self) -> io::Result<()> {
        self.0.write_all(b"0\r\n\r\n")
    }
}

/// Reads the data of a chunked body (end of stream after the last chunk and trailers).
struct ChunkedReader<'a, R: BufRead> {
    r: &'a mut R,
    left: u64,
    done: bool,
}

impl<'a, R: BufRead> ChunkedReader<'a, R> {
    fn new(r: &'a mut R) -> Self {
        ChunkedReader {
            r,
            left: 0,
            done: false,
        }
    }

    fn line(&mut self) -> io::Result<String> {
        let mut l = String::new();
        (&mut *self.r).take(4096).read_line(&mut l)?;
        if !l.ends_with('\n') {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "bad chunk line"));
        }
        Ok(l.trim_end().to_string())
    }
}

impl<R: BufRead> Read for ChunkedReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let size = self.line()?;
            let hex = size.split(';').next().unwrap_or("").trim();
            self.left = u64::from_str_radix(hex, 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            if self.left == 0 {
                // Trailers, up to the empty line.
                while !self.line()?.is_empty() {}
                self.done = true;
                return Ok(0);
            }
        }
        let want = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.r.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.left -= n as u64;
        if self.left == 0 && !self.line()?.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "no CRLF after chunk",
            ));
        }
        Ok(n)
    }
}

/// A message head: the first line and the headers (names in lower case).
struct Head {
    first: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn read(r: &mut impl BufRead) -> io::Result<Option<Head>> {
        let mut first = String::new();
        if (&mut *r).take(8192).read_line(&mut first)? == 0 {
            return Ok(None);
        }
        let mut headers = Vec::new();
        loop {
            let mut l = String::new();
            (&mut *r).take(8192).read_line(&mut l)?;
            let l = l.trim_end();
            if l.is_empty() {
                break;
            }
            if headers.len() > 100 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "too many headers",
                ));
            }
            if let Some((n, v)) = l.split_once(':') {
                headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        Ok(Some(Head {
            first: first.trim_end().to_string(),
            headers,
        }))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn framing(&self) -> Option<(Framing, u64)> {
        if self
            .get("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
        {
            return Some((Framing::Chunked, 0));
        }
        self.get("content-length")
            .and_then(|v| v.parse().ok())
            .map(|n| (Framing::Length, n))
    }
}

/// Verifies a body framed as `head` says against `pattern`; returns its length.
fn verify_body(
    r: &mut impl BufRead,
    head: &Head,
    pattern: &Pattern,
    limit: u64,
) -> Result<u64, String> {
    match head.framing() {
        Some((Framing::Length, n)) => {
            let got = pattern.verify_from(&mut r.take(n), limit)?;
            if got == n {
                Ok(got)
            } else {
                Err(format!("body ended after {got} of {n} bytes"))
            }
        }
        Some((Framing::Chunked, _)) => pattern.verify_from(&mut ChunkedReader::new(r), limit),
        None => Err(format!("no body framing in {:?}", head.first)),
    }
}

/// Writes `len` bytes of `pattern` as a body framed with `framing` (the head is sent).
fn send_body(w: &mut impl Write, framing: Framing, pattern: &Pattern, len: u64) -> io::Result<()> {
    match framing {
        Framing::Length => pattern.write_to(w, len),
        Framing::Chunked => {
            let mut cw = ChunkedWriter(w);
            pattern.write_to(&mut cw, len)?;
            cw.finish()
        }
    }
}

fn framing_header(framing: Framing, len: u64) -> String {
    match framing {
        Framing::Length => format!("content-length: {len}\r\n"),
        Framing::Chunked => "transfer-encoding: chunked\r\n".into(),
    }
}

/// The origin: `POST /up` verifies an upload of stream 1 and answers 200 (500 with the
/// reason otherwise); `GET /down` sends `len` bytes of stream 2, framed as the
/// request's `x-framing` header says (`close`: no framing, the body ends with the
/// connection).
fn origin(s: Stream, len: u64) {
    let mut w = s.try_clone();
    let mut r = BufReader::with_capacity(256 * 1024, s);
    while let Ok(Some(head)) = Head::read(&mut r) {
        let ok = if head.first.starts_with("POST /up ") {
            let (status, text) = match verify_body(&mut r, &head, &Pattern::new(1), len) {
                Ok(n) if n == len => ("200 OK", format!("verified {n}")),
                Ok(n) => ("500 Bad", format!("got {n} bytes")),
                Err(e) => ("500 Bad", e),
            };
            write!(
                w,
                "HTTP/1.1 {status}\r\ncontent-length: {}\r\n\r\n{text}",
                text.len()
            )
            .is_ok()
        } else if head.first.starts_with("GET /down ") && head.get("x-framing") == Some("close") {
            let _ = write!(w, "HTTP/1.1 200 OK\r\n\r\n")
                .and_then(|()| Pattern::new(2).write_to(&mut w, len));
            break;
        } else if head.first.starts_with("GET /down ") {
            let framing = match head.get("x-framing") {
                Some("chunked") => Framing::Chunked,
                _ => Framing::Length,
            };
            write!(w, "HTTP/1.1 200 OK\r\n{}\r\n", framing_header(framing, len)).is_ok()
                && send_body(&mut w, framing, &Pattern::new(2), len).is_ok()
        } else {
            write!(w, "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n").is_ok()
        };
        if !ok {
            break;
        }
    }
}

fn http_upload_then_download(framing: Framing) {
    let dir = TempDir::new("big-http");
    let (p, e) = (free_port(), free_port());
    let _srv = TestServer::tcp(e, |s| origin(s, HTTP_LEN));
    let cfg = format!(
        "defaults\n    mode http\n    timeout connect 5s\n    timeout client 60s\n    timeout server 60s\n\
         frontend f\n    bind 127.0.0.1:{p}\n    default_backend b\n\
         backend b\n    server s 127.0.0.1:{e}\n"
    );
    let rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local(p))
        .spawn();
    let watch = RssWatch::start(rp.pid());
    let started = Instant::now();

    let c = connect(local(p));
    let mut w = c.try_clone();
    let mut r = BufReader::with_capacity(256 * 1024, c);
    // Upload.
    write!(
        w,
        "POST /up HTTP/1.1\r\nhost: test\r\n{}\r\n",
        framing_header(framing, HTTP_LEN)
    )
    .expect("request head");
    send_body(&mut w, framing, &Pattern::new(1), HTTP_LEN).expect("upload sent");
    let head = Head::read(&mut r)
        .expect("response to the upload")
        .expect("a response to the upload");
    let mut text = String::new();
    if let Some((Framing::Length, n)) = head.framing() {
        (&mut r)
            .take(n)
            .read_to_string(&mut text)
            .expect("response body");
    }
    assert_eq!(
        (head.first.as_str(), text.as_str()),
        ("HTTP/1.1 200 OK", format!("verified {HTTP_LEN}").as_str()),
        "the origin received the upload intact"
    );
    // Download on the same connection.
    let name = match framing {
        Framing::Length => "length",
        Framing::Chunked => "chunked",
    };
    write!(
        w,
        "GET /down HTTP/1.1\r\nhost: test\r\nx-framing: {name}\r\n\r\n"
    )
    .expect("request head");
    let head = Head::read(&mut r)
        .expect("response to the download")
        .expect("a response to the download");
    assert_eq!(head.first, "HTTP/1.1 200 OK");
    assert_eq!(
        head.framing().map(|f| f.0),
        Some(framing),
        "the response keeps its framing"
    );
    let got = verify_body(&mut r, &head, &Pattern::new(2), HTTP_LEN);
    assert_eq!(got, Ok(HTTP_LEN), "the client received the download intact");
    watch.check(
        &format!("mode http, {name} bodies, upload then download"),
        2 * HTTP_LEN,
        started,
    );
}

#[test]
fn http_content_length_bodies_in_constant_memory() {
    http_upload_then_download(Framing::Length);
}

#[test]
fn http_chunked_bodies_in_constant_memory() {
    http_upload_then_download(Framing::Chunked);
}

/// Bytes each way through spliced bodies (a 10 GiB copy is covered above).
const SPLICE_LEN: u64 = 1 << 30;

/// Writes `cmd` to the stats socket at `path` and returns the answer.
fn cli(path: &std::path::Path, cmd: &str) -> String {
    let mut s = std::os::unix::net::UnixStream::connect(path).expect("stats socket");
    s.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
    s.write_all(format!("{cmd}\n").as_bytes()).expect("command");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("answer");
    out
}

/// The `h1_spliced_bytes_in` and `_out` of the proxy `px`'s row of type `letter`.
fn spliced(typed: &str, letter: char, px: u64) -> (u64, u64) {
    let get = |name: &str| {
        typed
            .lines()
            .find(|l| {
                l.starts_with(&format!("{letter}.{px}.")) && l.contains(&format!(".{name}.1:"))
            })
            .and_then(|l| l.rsplit(':').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (get("h1_spliced_bytes_in"), get("h1_spliced_bytes_out"))
}

/// `option splice-request` and `splice-response`: a 1 GiB upload with Content-Length,
/// then on the same connection (the splice stopped at the body's end) a 1 GiB download
/// with Content-Length and one delimited by the server's close, all intact, in constant
/// memory, and counted as spliced by `show stat` (so the kernel did move them).
#[test]
fn http_bodies_spliced_intact() {
    let dir = TempDir::new("big-splice");
    let (p, e) = (free_port(), free_port());
    let _srv = TestServer::tcp(e, |s| origin(s, SPLICE_LEN));
    let sock = dir.path().join("s.sock");
    let cfg = format!(
        "global\n    stats socket {}\n\
         defaults\n    mode http\n    timeout connect 5s\n    timeout client 60s\n    timeout server 60s\n\
         option splice-request\n    option splice-response\n\
         frontend f\n    id 10\n    bind 127.0.0.1:{p}\n    default_backend b\n\
         backend b\n    id 20\n    server s 127.0.0.1:{e}\n",
        sock.display()
    );
    let rp = Launch::rampart("rampart", &dir, &cfg)
        .ready_tcp(local(p))
        .spawn();
    let watch = RssWatch::start(rp.pid());
    let started = Instant::now();

    let c = connect(local(p));
    let mut w = c.try_clone();
    let mut r = BufReader::with_capacity(256 * 1024, c);
    write!(
        w,
        "POST /up HTTP/1.1\r\nhost: test\r\ncontent-length: {SPLICE_LEN}\r\n\r\n"
    )
    .expect("request head");
    Pattern::new(1)
        .write_to(&mut w, SPLICE_LEN)
        .expect("upload sent");
    let head = Head::read(&mut r)
        .expect("response")
        .expect("a response to the upload");
    let mut text = String::new();
    if let Some((Framing::Length, n)) = head.framing() {
        (&mut r)
            .take(n)
            .read_to_string(&mut text)
            .expect("response body");
    }
    assert_eq!(
        text,
        format!("verified {SPLICE_LEN}"),
        "the upload arrived intact"
    );

    for framing in ["length", "close"] {
        write!(
            w,
            "GET /down HTTP/1.1\r\nhost: test\r\nx-framing: {framing}\r\n\r\n"
        )
        .expect("request head");
        let head = Head::read(&mut r)
            .expect("response")
            .expect("a response to the download");
        assert_eq!(head.first, "HTTP/1.1 200 OK", "{framing}");
        let got = if framing == "close" {
            assert!(head.framing().is_none(), "no framing added");
            Pattern::new(2).verify_from(&mut r, SPLICE_LEN)
        } else {
            verify_body(&mut r, &head, &Pattern::new(2), SPLICE_LEN)
        };
        assert_eq!(got, Ok(SPLICE_LEN), "the {framing} download arrived intact");
    }
    watch.check("mode http, spliced bodies", 3 * SPLICE_LEN, started);

    let typed = cli(&sock, "show stat typed");
    let (fe_in, fe_out) = spliced(&typed, 'F', 10);
    let (be_in, be_out) = spliced(&typed, 'B', 20);
    // Most of each body goes through the kernel; what came with a head was copied.
    let most = SPLICE_LEN / 2;
    assert!(
        fe_in > most && be_out > most,
        "upload spliced: {fe_in} {be_out}\n{typed}"
    );
    assert!(
        fe_out > 2 * most && be_in > 2 * most,
        "downloads spliced: {fe_out} {be_in}"
    );
}
