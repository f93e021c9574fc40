//! The statistics page in a real browser: headless Chromium, driven through
//! `chromedriver` with the W3C WebDriver protocol (HTTP and JSON, spoken by the small
//! client below over `std::net::TcpStream`). The page must render (a screenshot is
//! taken and checked: a PNG of the window's size, the page's colours in it, each server
//! row painted in its state's colour), show its key elements, and its admin form must
//! work as a browser submits it: ticking a server, choosing "Set state to MAINT" and
//! clicking Apply puts the server in maintenance (the redirected page, `show stat` and
//! the traffic agree), and "Set state to READY" brings it back.
//!
//! Chromium and chromedriver are required (Debian's `chromium` and `chromium-driver`,
//! which `.ci/run` installs): without them the test fails with how to install them.
//! `CHROMIUM_BIN` and `CHROMEDRIVER_BIN` may point at other binaries.

#![allow(clippy::expect_used)]

mod support;

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;

// ---------------------------------------------------------------------------------------
// The browser

/// Longest wait for one WebDriver command (starting the browser included).
const WD_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest wait for a page to load.
const PAGE_LOAD_MS: u64 = 30_000;
/// The browser window (the whole page, backend table included, fits in it).
const WINDOW: (u32, u32) = (1600, 1400);
/// The key WebDriver gives an element reference under.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A program named by `$env_var`, or found in `PATH`; the test fails (never skips)
/// when it is missing.
fn program(name: &str, env_var: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env_var).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let path = std::env::var("PATH").unwrap_or_default();
    let found = path
        .split(':')
        .chain(["/usr/bin", "/usr/local/bin"])
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| {
        panic!(
            "{name} is not installed: this test drives headless Chromium through \
                 chromedriver. Install them with `apt-get install -y chromium \
                 chromium-driver` (.ci/run does), or set {env_var}."
        )
    })
}

/// One HTTP/1.1 exchange with chromedriver on `127.0.0.1:port`; returns the status and
/// the body parsed as JSON.
fn wd_http(port: u16, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut s = TcpStream::connect(local(port))
        .unwrap_or_else(|e| panic!("chromedriver on port {port}: {e}"));
    let _ = s.set_read_timeout(Some(WD_TIMEOUT));
    let _ = s.set_write_timeout(Some(WD_TIMEOUT));
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes())
        .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
    // chromedriver may keep the connection open: the answer ends where its length says.
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let (status, payload) = loop {
        if let Some(answer) = complete(&raw) {
            break answer;
        }
        match s.read(&mut buf) {
            Ok(0) => panic!(
                "WebDriver {method} {path}: connection closed after {:?}",
                String::from_utf8_lossy(&raw)
            ),
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) => panic!("WebDriver {method} {path}: no answer within {WD_TIMEOUT:?}: {e}"),
        }
    };
    let v = serde_json::from_str(&payload).unwrap_or(Value::Null);
    (status, v)
}

/// The status and body of a complete HTTP response in `raw` (framed by
/// `Content-Length` or chunked), or `None` while it is incomplete.
fn complete(raw: &[u8]) -> Option<(u16, String)> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let body = &raw[end + 4..];
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
    };
    if let Some(len) = header("content-length:").and_then(|v| v.parse::<usize>().ok()) {
        return (body.len() >= len)
            .then(|| (status, String::from_utf8_lossy(&body[..len]).into_owned()));
    }
    if header("transfer-encoding:").is_some_and(|v| v.contains("chunked")) {
        let mut out = Vec::new();
        let mut rest = body;
        loop {
            let eol = rest.windows(2).position(|w| w == b"\r\n")?;
            let size = String::from_utf8_lossy(&rest[..eol]);
            let n = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
            if n == 0 {
                return Some((status, String::from_utf8_lossy(&out).into_owned()));
            }
            let data = rest.get(eol + 2..eol + 2 + n)?;
            out.extend_from_slice(data);
            rest = rest.get(eol + 4 + n..)?;
        }
    }
    // Neither: only a bodiless answer is complete here.
    (status == 204 || status == 304).then(|| (status, String::new()))
}

/// A headless Chromium session through a chromedriver of its own. Dropping it ends the
/// session, then kills what is left of the browser and chromedriver (by their pids).
struct Browser {
    driver: Proc,
    port: u16,
    session: String,
    /// The browser's process (chromedriver reports it): chromedriver's death does not
    /// end it, so cleanup kills it and its children explicitly.
    browser_pid: Option<i32>,
}

impl Browser {
    fn start(dir: &TempDir) -> Browser {
        let chromium = program("chromium", "CHROMIUM_BIN");
        let chromedriver = program("chromedriver", "CHROMEDRIVER_BIN");
        let port = free_port();
        let driver = Launch::new("chromedriver", &chromedriver, dir)
            .arg(format!("--port={port}"))
            .arg(format!(
                "--log-path={}",
                dir.join("chromedriver.log").display()
            ))
            .ready_tcp(local(port))
            .spawn();
        let ready = wait_until(Duration::from_secs(10), || {
            wd_http(port, "GET", "/status", None).1["value"]["ready"] == json!(true)
        });
        assert!(ready, "chromedriver is not ready: {}", driver.stderr());
        let profile = dir.join("chromium-profile");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--no-first-run",
                    "--force-color-profile=srgb", "--hide-scrollbars",
                    format!("--window-size={},{}", WINDOW.0, WINDOW.1),
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        }}});
        let (status, v) = wd_http(port, "POST", "/session", Some(&caps));
        let session = v["value"]["sessionId"].as_str().map(str::to_string);
        let Some(session) = session.filter(|_| status == 200) else {
            let log = std::fs::read_to_string(dir.join("chromedriver.log")).unwrap_or_default();
            let tail: String = log.lines().rev().take(30).collect::<Vec<_>>().join("\n");
            panic!("chromium did not start ({status}): {v}\nchromedriver.log (last lines, newest first):\n{tail}");
        };
        let browser_pid = v["value"]["capabilities"]["goog:processID"]
            .as_i64()
            .and_then(|p| i32::try_from(p).ok());
        let b = Browser {
            driver,
            port,
            session,
            browser_pid,
        };
        b.cmd(
            "POST",
            "/timeouts",
            json!({"pageLoad": PAGE_LOAD_MS, "script": 20_000, "implicit": 0}),
        );
        b
    }

    /// A command of the session (`suffix` after `/session/{id}`); its `value`. Panics with
    /// WebDriver's error otherwise.
    fn cmd(&self, method: &str, suffix: &str, body: Value) -> Value {
        let path = format!("/session/{}{suffix}", self.session);
        let body = (method == "POST").then_some(&body);
        let (status, v) = wd_http(self.port, method, &path, body);
        if status != 200 {
            panic!(
                "WebDriver {method} {suffix} failed ({status}): {} {}",
                v["value"]["error"], v["value"]["message"]
            );
        }
        v["value"].clone()
    }

    fn get(&self, suffix: &str) -> Value {
        self.cmd("GET", suffix, Value::Null)
    }

    fn goto(&self, url: &str) {
        self.cmd("POST", "/url", json!({ "url": url }));
    }

    fn url(&self) -> String {
        self.get("/url").as_str().unwrap_or_default().to_string()
    }

    fn title(&self) -> String {
        self.get("/title").as_str().unwrap_or_default().to_string()
    }

    /// The elements matching a CSS selector (`using` may also be "xpath").
    fn find_all(&self, using: &str, what: &str) -> Vec<String> {
        let v = self.cmd("POST", "/elements", json!({"using": using, "value": what}));
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The one element matching a CSS selector; the test fails when there is not
    /// exactly one.
    fn one(&self, css: &str) -> String {
        self.one_by("css selector", css)
    }

    fn one_by(&self, using: &str, what: &str) -> String {
        let mut all = self.find_all(using, what);
        if all.len() != 1 {
            let src = self.get("/source");
            let src = src.as_str().unwrap_or_default();
            panic!(
                "{using} {what:?}: {} elements on {} ({} bytes):\n{}",
                all.len(),
                self.url(),
                src.len(),
                src.chars().take(3000).collect::<String>()
            );
        }
        all.remove(0)
    }

    /// The elements under `el` matching a CSS selector.
    fn within(&self, el: &str, css: &str) -> Vec<String> {
        let v = self.cmd(
            "POST",
            &format!("/element/{el}/elements"),
            json!({"using": "css selector", "value": css}),
        );
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn text(&self, el: &str) -> String {
        self.get(&format!("/element/{el}/text"))
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn attr(&self, el: &str, name: &str) -> Option<String> {
        self.get(&format!("/element/{el}/attribute/{name}"))
            .as_str()
            .map(str::to_string)
    }

    fn selected(&self, el: &str) -> bool {
        self.get(&format!("/element/{el}/selected")) == json!(true)
    }

    fn click(&self, el: &str) {
        self.cmd("POST", &format!("/element/{el}/click"), json!({}));
    }

    /// A PNG of the viewport, or of one element.
    fn screenshot(&self, el: Option<&str>) -> Vec<u8> {
        let suffix = match el {
            Some(e) => format!("/element/{e}/screenshot"),
            None => "/screenshot".into(),
        };
        let b64 = self.get(&suffix);
        base64_decode(b64.as_str().unwrap_or_default())
            .unwrap_or_else(|| panic!("screenshot: not base64"))
    }

    /// Runs a script; its result.
    fn exec(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
    }

    /// Runs an asynchronous script (its last argument is the callback); its result.
    fn exec_async(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/async",
            json!({"script": script, "args": args}),
        )
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends the browser as WebDriver does; whatever survives (a failed command, a
        // hung browser) is killed below.
        let path = format!("/session/{}", self.session);
        let port = self.port;
        let ended = std::thread::spawn(move || wd_http(port, "DELETE", &path, None));
        let end = Instant::now() + Duration::from_secs(20);
        while !ended.is_finished() && Instant::now() < end {
            std::thread::sleep(STEP);
        }
        let mut pids = descendants(self.driver.pid());
        if let Some(b) = self.browser_pid {
            pids.push(b);
            pids.extend(descendants(b));
        }
        for p in pids {
            kill(p, nix::sys::signal::Signal::SIGKILL);
        }
        // `driver` (chromedriver) is killed when dropped.
    }
}

/// The processes descending from `root` (children, their children...), from /proc.
fn descendants(root: i32) -> Vec<i32> {
    let mut parent = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // "pid (comm) S ppid ...": the ppid follows the state after the last ')'.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<i32>().ok());
            if let Some(pp) = ppid {
                parent.push((pid, pp));
            }
        }
    }
    let mut out = Vec::new();
    let mut todo = vec![root];
    while let Some(p) = todo.pop() {
        for &(c, pp) in &parent {
            if pp == p && !out.contains(&c) {
                out.push(c);
                todo.push(c);
            }
        }
    }
    out
}

/// Standard base64 (padding optional); `None` on a character outside the alphabet.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Width and height of a PNG image, from its signature and header chunk.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (png.len() > 24 && png.starts_with(b"\x89PNG\r\n\x1a\n") && &png[12..16] == b"IHDR")
        .then(|| (be(&png[16..20]), be(&png[20..24])))
}

/// What the browser sees in a PNG it decodes: the number of distinct colours, the
/// share of the most common one (`[r, g, b]`), and how many pixels have each of
/// `wanted` (`0xRRGGBB`, within 3 per channel).
#[derive(Debug)]
struct Pixels {
    distinct: u64,
    dominant: [u8; 3],
    dominant_share: f64,
    wanted: Vec<u64>,
}

/// Decodes `png` in the page (an image drawn on a canvas) and counts its colours.
fn analyse(b: &Browser, png: &[u8], wanted: &[u32]) -> Pixels {
    const SCRIPT: &str = r#"
const [b64, wanted, done] = arguments;
const img = new Image();
img.onerror = () => done({error: 'the screenshot does not decode'});
img.onload = () => {
  const c = document.createElement('canvas');
  c.width = img.width; c.height = img.height;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  const counts = new Map();
  const hits = wanted.map(() => 0);
  for (let i = 0; i < d.length; i += 4) {
    const rgb = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    counts.set(rgb, (counts.get(rgb) || 0) + 1);
  }
  let best = 0, bestN = 0;
  for (const [rgb, n] of counts) {
    if (n > bestN) { best = rgb; bestN = n; }
    wanted.forEach((w, k) => {
      const near = [16, 8, 0].every(s => Math.abs(((rgb >> s) & 255) - ((w >> s) & 255)) <= 3);
      if (near) hits[k] += n;
    });
  }
  done({distinct: counts.size, dominant: [best >> 16, (best >> 8) & 255, best & 255],
        share: bestN / (d.length / 4), hits});
};
img.src = 'data:image/png;base64,' + b64;
"#;
    let v = b.exec_async(SCRIPT, json!([base64_encode(png), wanted]));
    assert!(v["error"].is_null(), "{v}");
    let dom: Vec<u8> = v["dominant"]
        .as_array()
        .map(|a| a.iter().map(|x| x.as_u64().unwrap_or(0) as u8).collect())
        .unwrap_or_default();
    Pixels {
        distinct: v["distinct"].as_u64().unwrap_or(0),
        dominant: [
            dom.first().copied().unwrap_or(0),
            dom.get(1).copied().unwrap_or(0),
            dom.get(2).copied().unwrap_or(0),
        ],
        dominant_share: v["share"].as_f64().unwrap_or(0.0),
        wanted: v["hits"]
            .as_array()
            .map(|a| a.iter().map(|x| x.as_u64().unwrap_or(0)).collect())
            .unwrap_or_default(),
    }
}

fn base64_encode(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The proxy and its servers

/// The page's colours for the rows this test looks at (HAProxy's style sheet).
const TITRE: u32 = 0x20d0d0;
const ACTIVE_UP: u32 = 0xc0ffc0;
const MAINTAIN: u32 = 0xc07820;
const PXNAME: u32 = 0xb00040;

/// An HTTP origin answering with its name; counts the requests it received (health
/// checks, which connect and send nothing, are not counted).
fn counting_origin(port: u16, name: &'static str) -> (TestServer, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let srv = TestServer::tcp(port, move |mut s| {
        let mut buf = [0u8; 4096];
        let mut got = Vec::new();
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
            if got.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        h.fetch_add(1, Ordering::SeqCst);
        let resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{name}",
            name.len()
        );
        let _ = s.write_all(resp.as_bytes());
    });
    (srv, hits)
}

/// The stats page on `port` (Basic authentication, admin mode), a frontend on
/// `port + 1` balancing over three checked servers.
fn config(sock: &str, port: u16, origins: [u16; 3]) -> String {
    format!(
        "global\n\
         \x20   stats socket {sock} level admin\n\
         defaults\n\
         \x20   mode http\n\
         \x20   timeout client 10s\n\
         \x20   timeout server 10s\n\
         \x20   timeout connect 2s\n\
         listen stats\n\
         \x20   bind 127.0.0.1:{port}\n\
         \x20   stats enable\n\
         \x20   stats uri /stats\n\
         \x20   stats realm Rampart\n\
         \x20   stats auth admin:secret\n\
         \x20   stats admin if TRUE\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{fe}\n\
         \x20   default_backend be\n\
         backend be\n\
         \x20   balance roundrobin\n\
         \x20   server s1 127.0.0.1:{} check inter 200ms\n\
         \x20   server s2 127.0.0.1:{} check inter 200ms\n\
         \x20   server s3 127.0.0.1:{} check inter 200ms\n",
        origins[0],
        origins[1],
        origins[2],
        fe = port + 1,
    )
}

/// Each server's status in `show stat` (field 17).
fn statuses(sock: &str) -> Vec<(String, String)> {
    socat(&format!("unix-connect:{sock}"), "show stat\n")
        .lines()
        .filter(|l| l.starts_with("be,s"))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((f.get(1)?.to_string(), f.get(17)?.to_string()))
        })
        .collect()
}

fn status_of(sock: &str, srv: &str) -> String {
    statuses(sock)
        .into_iter()
        .find(|(s, _)| s == srv)
        .map(|(_, st)| st)
        .unwrap_or_default()
}

/// Sends `n` requests through the frontend; returns how many each server answered
/// (by its name in the body) and the requests each origin received meanwhile.
fn traffic(fe: u16, n: usize, hits: &[Arc<AtomicUsize>; 3]) -> ([usize; 3], [usize; 3]) {
    let before: Vec<usize> = hits.iter().map(|h| h.load(Ordering::SeqCst)).collect();
    let mut answered = [0usize; 3];
    for _ in 0..n {
        let (status, body) = http_get(connect(local(fe)), "/");
        assert_eq!(status, 200, "{body}");
        match body.as_str() {
            "s1" => answered[0] += 1,
            "s2" => answered[1] += 1,
            "s3" => answered[2] += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    let mut received = [0usize; 3];
    for (k, h) in hits.iter().enumerate() {
        received[k] = h.load(Ordering::SeqCst) - before[k];
    }
    (answered, received)
}

/// The page's row of server `srv` of backend `be`: the element, its class and the text
/// of its status cell.
fn server_row(b: &Browser, be: &str, srv: &str) -> (String, String, String) {
    let row = b.one_by("xpath", &format!("//tr[.//a[@name='{be}/{srv}']]"));
    let class = b.attr(&row, "class").unwrap_or_default();
    // Centred cells: the name, the status, the last check, the weight...
    let cells = b.within(&row, "td.ac");
    assert!(
        cells.len() >= 3,
        "row {be}/{srv}: {} centred cells",
        cells.len()
    );
    assert_eq!(b.text(&cells[0]), srv);
    let status = b.text(&cells[1]);
    (row, class, status)
}

/// Waits (reloading the page) until server `srv`'s row has class `class`.
fn wait_row(b: &Browser, url: &str, srv: &str, class: &str) -> (String, String) {
    let mut last = (String::new(), String::new());
    let ok = wait_until(Duration::from_secs(10), || {
        b.goto(url);
        let (_, c, st) = server_row(b, "be", srv);
        last = (c.clone(), st);
        c == class
    });
    assert!(ok, "{srv}'s row stays {last:?}, expected class {class}");
    last
}

/// A status cell: the time since the last change (HAProxy's `human_time`), then `state`.
fn since(state: &str) -> regex::Regex {
    regex::Regex::new(&format!(r"^(\d+[dhms]){{1,2}} {state}$")).expect("a valid regex")
}

/// Ticks `srv` alone in backend `be`'s form, chooses `action` and clicks Apply.
fn apply(b: &Browser, srv: &str, action: &str, label: &str) {
    for cb in b.find_all("css selector", "input.be-checkbox") {
        let want = b.attr(&cb, "value").as_deref() == Some(srv);
        if b.selected(&cb) != want {
            b.click(&cb);
        }
        assert_eq!(b.selected(&cb), want);
    }
    let select = b.one("form[method=post] select[name=action]");
    let option = b
        .within(&select, &format!("option[value={action}]"))
        .pop()
        .unwrap_or_else(|| panic!("no option {action} in the admin form"));
    assert_eq!(b.text(&option), label);
    b.click(&option);
    assert!(b.selected(&option), "option {action} not selected");
    let apply = b.one("form[method=post] input[type=submit]");
    assert_eq!(b.attr(&apply, "value").as_deref(), Some("Apply"));
    b.click(&apply);
}

/// Waits until the browser shows the page the form's redirect leads to, and checks the
/// status message.
fn expect_done(b: &Browser, page: &str) {
    let mut url = String::new();
    let ok = wait_until(Duration::from_secs(10), || {
        url = b.url();
        url.ends_with(";st=DONE")
    });
    assert!(ok, "after Apply the browser is at {url}");
    assert!(url.starts_with(page), "{url}");
    let msg = b.one("div.active_up");
    let text = b.text(&msg);
    assert!(
        text.contains("Action processed successfully."),
        "status message: {text:?}"
    );
    // Its [X] link removes the message: back to the page without `;st=`.
    let close = b
        .within(&msg, "a.lfsb")
        .pop()
        .expect("the message's [X] link");
    assert_eq!(b.attr(&close, "href").as_deref(), Some("/stats"));
}

#[test]
fn stats_page_in_chromium() {
    let dir = TempDir::new("stats-chrome");
    let ports = [free_port(), free_port(), free_port()];
    let (o1, h1) = counting_origin(ports[0], "s1");
    let (o2, h2) = counting_origin(ports[1], "s2");
    let (o3, h3) = counting_origin(ports[2], "s3");
    let _origins = (o1, o2, o3);
    let hits = [h1, h2, h3];
    let port = free_ports(2);
    let sock = dir.join("admin.sock").to_string_lossy().into_owned();
    let proxy = Launch::rampart("proxy", &dir, &config(&sock, port, ports))
        .ready_tcp(local(port))
        .ready_tcp(local(port + 1))
        .spawn();
    let all_up = wait_until(Duration::from_secs(10), || {
        let st = statuses(&sock);
        st.len() == 3 && st.iter().all(|(_, s)| s == "UP")
    });
    assert!(all_up, "servers not UP: {:?}", statuses(&sock));
    // Every server takes traffic to begin with.
    let n = 30;
    let (answered, received) = traffic(port + 1, n, &hits);
    assert!(answered.iter().all(|&a| a > 0), "{answered:?}");
    assert_eq!(received, answered);

    let b = Browser::start(&dir);
    // The credentials in the URL answer the page's Basic challenge (the browser keeps
    // them in the URLs it shows).
    let page = format!("http://admin:secret@127.0.0.1:{port}/stats");
    b.goto(&page);

    // Key elements.
    assert_eq!(b.title(), "Statistics Report for HAProxy");
    let h1 = b.text(&b.one("h1"));
    assert!(h1.starts_with("HAProxy version 2.6"), "h1: {h1:?}");
    let h2 = b.text(&b.one("h2"));
    assert_eq!(h2, format!("Statistics Report for pid {}", proxy.pid()));
    // The external links, as HAProxy's build has them.
    for (text, href) in [
        ("Primary site", "http://www.haproxy.org/"),
        ("Updates (v2.6)", "http://www.haproxy.org/#down"),
        ("Online manual", "http://www.haproxy.org/#docs"),
    ] {
        let a = b.one_by("xpath", &format!("//a[text()='{text}']"));
        assert_eq!(b.attr(&a, "href").as_deref(), Some(href), "{text}");
    }
    for px in ["stats", "fe", "be"] {
        let name = b.one(&format!("th.pxname a.px[href='#{px}']"));
        assert_eq!(b.text(&name), px);
    }
    let be_table = b.one_by("xpath", "//table[@class='tbl'][.//a[@name='be/Backend']]");
    let heads: Vec<String> = b
        .within(&be_table, "tr.titre th")
        .iter()
        .map(|h| b.text(h))
        .collect();
    for h in ["Queue", "Sessions", "Server", "Status", "LastChk", "Wght"] {
        assert!(heads.iter().any(|x| x == h), "{h} not in {heads:?}");
    }
    let backend_row = b.one_by("xpath", "//tr[.//a[@name='be/Backend']]");
    assert_eq!(b.attr(&backend_row, "class").as_deref(), Some("backend"));
    for srv in ["s1", "s2", "s3"] {
        let (_, class, status) = server_row(&b, "be", srv);
        assert_eq!(class, "active_up", "{srv}");
        assert!(since("UP").is_match(&status), "{srv}: {status:?}");
        let cb = b.one(&format!("input.be-checkbox[name=s][value={srv}]"));
        assert_eq!(b.attr(&cb, "type").as_deref(), Some("checkbox"));
        assert!(!b.selected(&cb));
    }
    // The head's checkbox ticks and unticks every server (its inline script).
    let all = b.one("form[method=post] tr.titre input[type=checkbox]");
    let boxes = b.find_all("css selector", "input.be-checkbox");
    assert_eq!(boxes.len(), 3);
    for state in [true, false] {
        b.click(&all);
        for cb in &boxes {
            assert_eq!(b.selected(cb), state, "after the head's checkbox");
        }
    }
    // The form names its backend in a hidden field, as HAProxy's (`#<id>`).
    let hidden = b.one("form[method=post] input[type=hidden][name=b]");
    assert!(
        b.attr(&hidden, "value").is_some_and(|v| v.starts_with('#')),
        "{:?}",
        b.attr(&hidden, "value")
    );
    let options: Vec<String> = b
        .find_all("css selector", "select[name=action] option")
        .iter()
        .filter_map(|o| b.attr(o, "value"))
        .collect();
    for want in ["ready", "drain", "maint", "shutdown"] {
        assert!(options.iter().any(|o| o == want), "{want} in {options:?}");
    }

    // The rendering: a PNG of the window, with the page's colours in it.
    let shot = b.screenshot(None);
    std::fs::write(dir.join("stats-page.png"), &shot).expect("write the screenshot");
    let size = png_size(&shot).unwrap_or_else(|| panic!("not a PNG ({} bytes)", shot.len()));
    // The viewport: the window less what the browser draws around the page.
    let viewport = b.exec(
        "return [Math.round(innerWidth * devicePixelRatio), \
                 Math.round(innerHeight * devicePixelRatio)];",
    );
    assert_eq!(json!([size.0, size.1]), viewport, "screenshot size");
    assert!(size.0 == WINDOW.0 && size.1 > WINDOW.1 / 2, "{size:?}");
    assert!(shot.len() > 20_000, "a {}-byte screenshot", shot.len());
    let px = analyse(&b, &shot, &[TITRE, ACTIVE_UP, MAINTAIN, PXNAME]);
    assert!(px.distinct >= 16, "{px:?}");
    assert!(px.dominant_share < 0.95, "nearly one colour: {px:?}");
    for (k, name) in ["table heads", "UP rows", "MAINT legend", "proxy names"]
        .iter()
        .enumerate()
    {
        assert!(
            px.wanted[k] > 50,
            "no {name} colour on the screenshot: {px:?}"
        );
    }
    // A row is painted in its state's colour.
    let (row, _, _) = server_row(&b, "be", "s2");
    let row_px = analyse(&b, &b.screenshot(Some(&row)), &[ACTIVE_UP]);
    assert_eq!(row_px.dominant, [0xc0, 0xff, 0xc0], "s2's row: {row_px:?}");

    // MAINT through the form.
    apply(&b, "s2", "maint", "Set state to MAINT");
    expect_done(&b, &page);
    let (row, class, status) = server_row(&b, "be", "s2");
    assert_eq!(class, "maintain");
    assert!(status.ends_with("MAINT"), "s2: {status:?}");
    let row_px = analyse(&b, &b.screenshot(Some(&row)), &[MAINTAIN]);
    assert_eq!(row_px.dominant, [0xc0, 0x78, 0x20], "s2's row: {row_px:?}");
    assert!(since("MAINT").is_match(&status), "s2: {status:?}");
    for srv in ["s1", "s3"] {
        assert_eq!(server_row(&b, "be", srv).1, "active_up", "{srv}");
    }
    assert_eq!(status_of(&sock, "s2"), "MAINT");
    assert_eq!(status_of(&sock, "s1"), "UP");
    let (answered, received) = traffic(port + 1, n, &hits);
    assert_eq!(answered[1], 0, "s2 answered in MAINT: {answered:?}");
    assert_eq!(
        received[1], 0,
        "s2 received requests in MAINT: {received:?}"
    );
    assert!(answered[0] > 0 && answered[2] > 0, "{answered:?}");
    assert_eq!(answered[0] + answered[2], n);

    // READY through the same form (posted from the redirected page).
    apply(&b, "s2", "ready", "Set state to READY");
    expect_done(&b, &page);
    let up = wait_until(Duration::from_secs(10), || status_of(&sock, "s2") == "UP");
    assert!(up, "s2 after READY: {:?}", statuses(&sock));
    let (_, status) = wait_row(&b, &page, "s2", "active_up");
    assert!(since("UP").is_match(&status), "s2: {status:?}");
    let (answered, received) = traffic(port + 1, n, &hits);
    assert!(answered.iter().all(|&a| a > 0), "{answered:?}");
    assert_eq!(received, answered);
}
