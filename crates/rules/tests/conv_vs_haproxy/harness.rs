//! Runs Debian's haproxy 2.6 on a loopback port with one `http-request` rule pair per
//! case, and evaluates the same expressions with the library, so both results can be
//! compared byte for byte.
//!
//! HAProxy's side: `set-var(txn.r) <expression>` then `return` with
//! `lf-string "%[var(txn.r)]|%[var(txn.r),hex]|%[var(txn.r),length]"`: the text, the
//! bytes (which also show the type: an integer gives 8 bytes) and the length, so a
//! missing sample (`||`) and an empty one (`||0`) differ. Long results are compared by
//! length and CRC-32 instead. The library's side renders its result the same way.

use rampart_rules::args::{parse_args, Arg, ArgSpec, ArgType};
use rampart_rules::conv::{self, Cx, Lookup};
use rampart_rules::sample::{SmpType, Value};
use std::borrow::Cow;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How a result is shown.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Show {
    /// Text, hexadecimal bytes and length.
    Full,
    /// Length and CRC-32 of the bytes (results too long for a response).
    Digest,
}

/// One expression to compare: a constant fetch followed by converters, in HAProxy's
/// syntax.
#[derive(Clone, Debug)]
pub struct Case {
    pub expr: String,
    pub show: Show,
}

pub fn full(expr: &str) -> Case {
    Case {
        expr: expr.to_string(),
        show: Show::Full,
    }
}

pub fn digest(expr: &str) -> Case {
    Case {
        expr: expr.to_string(),
        show: Show::Digest,
    }
}

/// The haproxy binary: `HAPROXY_BIN`, else Debian's.
pub fn haproxy_bin() -> PathBuf {
    let p = std::env::var_os("HAPROXY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/sbin/haproxy"));
    assert!(
        p.exists(),
        "{} not found: install Debian's haproxy 2.6 (apt-get install haproxy; .ci/run does)",
        p.display()
    );
    p
}

/// A private directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "rampart-rules-{tag}-{}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos()
        ));
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An expression as one configuration word: double-quoted, with `\`, `"` and `$`
/// escaped.
fn config_word(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if matches!(c, '\\' | '"' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A running haproxy that answers `GET /N` with case N's result.
pub struct Haproxy {
    child: Child,
    addr: SocketAddr,
    _dir: TempDir,
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Haproxy {
    /// Starts haproxy with `env` (such as `TZ`) for `cases`.
    pub fn start(cases: &[Case], env: &[(&str, &str)]) -> Haproxy {
        let dir = TempDir::new("conv");
        let port = crate::common::free_ports(1);
        let mut cfg = format!(
            "global\n  nbthread 1\ndefaults\n  mode http\n  timeout client 10s\n  timeout server 10s\n  timeout connect 10s\nfrontend f\n  bind 127.0.0.1:{port}\n"
        );
        for (n, c) in cases.iter().enumerate() {
            cfg.push_str(&format!(
                "  http-request set-var(txn.r) {} if {{ path /{n} }}\n",
                config_word(&c.expr)
            ));
            let fmt = match c.show {
                Show::Full => "%[var(txn.r)]|%[var(txn.r),hex]|%[var(txn.r),length]",
                Show::Digest => "%[var(txn.r),length]|%[var(txn.r),crc32]",
            };
            cfg.push_str(&format!(
                "  http-request return status 200 content-type text/plain lf-string \"{fmt}\" if {{ path /{n} }}\n"
            ));
        }
        let path = dir.0.join("haproxy.cfg");
        if let Some(p) = std::env::var_os("CONV_KEEP_CFG") {
            std::fs::write(p, &cfg).ok();
        }
        std::fs::write(&path, cfg).expect("write configuration");
        let log = std::fs::File::create(dir.0.join("haproxy.log")).expect("log file");
        let mut cmd = Command::new(haproxy_bin());
        cmd.arg("-db")
            .arg("-f")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start haproxy");
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut h = Haproxy {
            child,
            addr,
            _dir: dir,
        };
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            if TcpStream::connect(addr).is_ok() {
                break;
            }
            if let Ok(Some(st)) = h.child.try_wait() {
                let log = std::fs::read_to_string(h._dir.0.join("haproxy.log")).unwrap_or_default();
                panic!("haproxy exited ({st}) before listening:\n{log}");
            }
            assert!(Instant::now() < end, "haproxy did not listen within 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        h
    }

    /// The answers to every case, over one keep-alive connection.
    pub fn answers(&self, n: usize) -> Vec<Vec<u8>> {
        let mut s = TcpStream::connect(self.addr).expect("connect to haproxy");
        s.set_nodelay(true).ok();
        s.set_read_timeout(Some(Duration::from_secs(10))).ok();
        s.set_write_timeout(Some(Duration::from_secs(10))).ok();
        let mut buf: Vec<u8> = Vec::new();
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let req = format!("GET /{i} HTTP/1.1\r\nhost: t\r\n\r\n");
            s.write_all(req.as_bytes()).expect("send request");
            out.push(read_response(&mut s, &mut buf));
        }
        out
    }
}

/// One response's body (by its content-length).
fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> Vec<u8> {
    let mut chunk = [0u8; 16384];
    loop {
        if let Some(h) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..h]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .expect("content-length");
            if buf.len() >= h + 4 + len {
                let mut body = buf[h + 4..h + 4 + len].to_vec();
                buf.drain(..h + 4 + len);
                if !head.starts_with("http/1.1 200") {
                    // Shown as such in the differences.
                    body = head.lines().next().unwrap_or_default().as_bytes().to_vec();
                }
                return body;
            }
        }
        let n = s.read(&mut chunk).expect("read response");
        assert!(n > 0, "haproxy closed the connection");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The constant fetches the cases start with.
fn fetch(name: &str, rest: &str) -> (Value<'static>, usize) {
    let one = |t: ArgType| ArgSpec {
        types: Box::leak(Box::new([t])),
        min: 1,
    };
    let (args, used) = match name {
        "int" => parse_args(rest, &one(ArgType::Sint)),
        "ipv4" => parse_args(rest, &one(ArgType::Ipv4)),
        "ipv6" => parse_args(rest, &one(ArgType::Ipv6)),
        _ => parse_args(rest, &one(ArgType::Str)),
    }
    .unwrap_or_else(|e| panic!("fetch {name}{rest}: {e}"));
    let v = match (name, args.into_iter().next()) {
        ("str", Some(Arg::Str(s))) => Value::Str(Cow::Owned(s.into_bytes())),
        ("bin", Some(Arg::Str(s))) => {
            let b = s.as_bytes();
            let bytes = (0..b.len() / 2)
                .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
                .collect();
            Value::Bin(Cow::Owned(bytes))
        }
        ("int", Some(Arg::Sint(n))) => Value::Sint(n),
        ("ipv4", Some(Arg::Ipv4(a))) => Value::Ipv4(a),
        ("ipv6", Some(Arg::Ipv6(a))) => Value::Ipv6(a),
        (n, a) => panic!("fetch {n} with {a:?} is not supported by the harness"),
    };
    (v, used)
}

/// Evaluates `expr` with the library, as HAProxy's `sample_parse_expr` reads it.
pub fn evaluate(expr: &str, cx: &Cx) -> Option<Value<'static>> {
    let name_end = expr.find(['(', ',']).unwrap_or(expr.len());
    let (v, used) = fetch(&expr[..name_end], &expr[name_end..]);
    let mut rest = &expr[name_end + used..];
    let mut v = Some(v);
    while let Some(r) = rest.strip_prefix(',') {
        let end = r.find(['(', ',']).unwrap_or(r.len());
        let name = &r[..end];
        let Lookup::Known(d) = conv::lookup(name) else {
            panic!("converter {name} is not implemented");
        };
        let (mut args, used) =
            parse_args(&r[end..], &d.args).unwrap_or_else(|e| panic!("{expr}: {e}"));
        if let Some(check) = d.check {
            check(&mut args).unwrap_or_else(|e| panic!("{expr}: {e}"));
        }
        v = v.and_then(|v| conv::apply(d, v, &args, cx).map(Value::into_owned));
        rest = &r[end + used..];
    }
    assert!(rest.is_empty(), "{expr}: unparsed '{rest}'");
    v
}

fn cast_bytes(v: &Value<'_>, to: SmpType) -> Option<Vec<u8>> {
    match v.clone().cast(to)? {
        Value::Str(s) | Value::Bin(s) => Some(s.into_owned()),
        _ => None,
    }
}

/// The library's result shown as HAProxy's rule shows it: stored in a variable (which
/// keeps at most a buffer of bytes, a string one less for its NUL), then printed with
/// control characters as `%XX`.
pub fn render(v: Option<Value<'_>>, show: Show, cx: &Cx) -> Vec<u8> {
    let v = v.map(|v| match v {
        Value::Str(mut s) if s.len() >= cx.bufsize => {
            s.to_mut().truncate(cx.bufsize - 1);
            Value::Str(s)
        }
        Value::Bin(mut s) if s.len() > cx.bufsize => {
            s.to_mut().truncate(cx.bufsize);
            Value::Bin(s)
        }
        v => v,
    });
    let Some(v) = v else {
        return match show {
            Show::Full => b"||".to_vec(),
            Show::Digest => b"|".to_vec(),
        };
    };
    let text = cast_bytes(&v, SmpType::Str).unwrap_or_default();
    let len = text.len().to_string();
    let bin = cast_bytes(&v, SmpType::Bin).unwrap_or_default();
    let mut out = Vec::new();
    match show {
        Show::Full => {
            for &c in &text {
                if (c < 0x20 && c != b'\t') || c == 0x7f {
                    out.extend_from_slice(format!("%{c:02X}").as_bytes());
                } else {
                    out.push(c);
                }
            }
            out.push(b'|');
            let n = bin.len().min(cx.bufsize / 2);
            for b in &bin[..n] {
                out.extend_from_slice(format!("{b:02X}").as_bytes());
            }
            out.push(b'|');
            out.extend_from_slice(len.as_bytes());
        }
        Show::Digest => {
            out.extend_from_slice(len.as_bytes());
            out.push(b'|');
            out.extend_from_slice(rampart_core::hash::crc32(&bin).to_string().as_bytes());
        }
    }
    out
}

/// Runs `cases` on haproxy (with `env`) and on the library (`local` being the zone
/// `ltime` uses), and returns the differences, one line each.
pub fn compare(cases: &[Case], env: &[(&str, &str)]) -> Vec<String> {
    let h = Haproxy::start(cases, env);
    let got = h.answers(cases.len());
    let cx = Cx::default();
    let mut diffs = Vec::new();
    for (c, theirs) in cases.iter().zip(got) {
        let ours = render(evaluate(&c.expr, &cx), c.show, &cx);
        if ours != theirs {
            diffs.push(format!(
                "{}\n    haproxy: {:?}\n    rampart: {:?}",
                c.expr,
                String::from_utf8_lossy(&theirs),
                String::from_utf8_lossy(&ours)
            ));
        }
    }
    diffs
}

/// Runs `haproxy -c` on a configuration whose only rule uses `expr`; `Ok` when valid,
/// else the alert lines.
pub fn haproxy_check(expr: &str) -> Result<(), String> {
    let dir = TempDir::new("check");
    let path = dir.0.join("c.cfg");
    let cfg = format!(
        "defaults\n  mode http\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\nfrontend f\n  bind 127.0.0.1:1\n  http-request set-var(txn.r) {}\n",
        config_word(expr)
    );
    std::fs::write(&path, cfg).expect("write configuration");
    let out = Command::new(haproxy_bin())
        .arg("-c")
        .arg("-f")
        .arg(&path)
        .output()
        .expect("run haproxy -c");
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    Err(err
        .lines()
        .filter(|l| l.contains("ALERT") && l.contains("c.cfg:"))
        .collect::<Vec<_>>()
        .join("\n"))
}
