//! Load balancing compared with HAProxy itself: Debian's HAProxy 2.6 and Rampart run the
//! same configuration (`nbthread 1`, so sequences are deterministic) in front of the
//! same in-test origins, which answer with their own name; every request goes through
//! both and must reach the same server. Covered: `roundrobin` and `static-rr` sequences
//! with uneven weights (1, 2, 3, 5 and 0), backups (the first one, or all with `option
//! allbackups`), `leastconn` and `first` with connections held open, and every
//! hash-based key (`source`, `uri` with its options, `url_param` in the query string
//! and in a POST body, `hdr` with `use_domain_only`, `rdp-cookie` in `mode tcp`) under
//! every `hash-type` (map-based, consistent), hash function (sdbm, djb2, wt6, crc32) and
//! `avalanche`, including the round-robin fallback when the key is missing, and
//! `hash-balance-factor`.

mod support;

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;
use support::*;

/// The servers of every backend: weights 1, 2, 3, 5, a weight-0 server and a backup.
const SERVERS: [(&str, &str); 6] = [
    ("s1", "weight 1"),
    ("s2", "weight 2"),
    ("s3", "weight 3"),
    ("s4", "weight 5"),
    ("z0", "weight 0"),
    ("bk", "backup"),
];

/// An origin answering its name: HTTP responses over keep-alive connections, or in
/// `tcp` mode its name at once, then holding the connection until the client leaves.
struct Origin {
    port: u16,
    open: Arc<AtomicUsize>,
}

fn origin(name: &'static str, tcp: bool) -> Origin {
    let l = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let port = l.local_addr().map(|a| a.port()).unwrap_or(0);
    let open = Arc::new(AtomicUsize::new(0));
    let count = open.clone();
    thread::spawn(move || {
        for s in l.incoming().flatten() {
            let count = count.clone();
            count.fetch_add(1, Ordering::SeqCst);
            thread::spawn(move || {
                let _ = s.set_read_timeout(Some(IO_TIMEOUT));
                if tcp {
                    serve_tcp(s, name);
                } else {
                    serve_http(s, name);
                }
                count.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    Origin { port, open }
}

fn serve_tcp(mut s: TcpStream, name: &str) {
    if s.write_all(name.as_bytes()).is_err() {
        return;
    }
    let mut sink = [0u8; 1024];
    while matches!(s.read(&mut sink), Ok(n) if n > 0) {}
}

fn serve_http(mut s: TcpStream, name: &str) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    loop {
        // One request: its head, then a body of `content-length` bytes.
        let end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            match s.read(&mut chunk) {
                Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                _ => return,
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < end + len {
            match s.read(&mut chunk) {
                Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                _ => return,
            }
        }
        buf.drain(..end + len);
        let resp = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{name}",
            name.len()
        );
        if s.write_all(resp.as_bytes()).is_err() {
            return;
        }
    }
}

/// The origins, HTTP and TCP, for [`SERVERS`].
struct Origins {
    http: Vec<Origin>,
    tcp: Vec<Origin>,
}

fn origins() -> Origins {
    Origins {
        http: SERVERS.iter().map(|(n, _)| origin(n, false)).collect(),
        tcp: SERVERS.iter().map(|(n, _)| origin(n, true)).collect(),
    }
}

/// One `listen` section per case: `lines` (balance, hash-type...) and the servers, with
/// `srv` appended to each server line (`f(i)` for server `i`).
fn section(
    name: &str,
    port: u16,
    bind_opts: &str,
    tcp: bool,
    lines: &str,
    o: &Origins,
    srv: impl Fn(usize) -> String,
) -> String {
    let mut s = format!("listen {name}\n    bind 127.0.0.1:{port}{bind_opts}\n");
    if tcp {
        s += "    mode tcp\n";
    }
    for l in lines.lines().filter(|l| !l.trim().is_empty()) {
        s += &format!("    {}\n", l.trim());
    }
    let origins = if tcp { &o.tcp } else { &o.http };
    for (i, (n, opts)) in SERVERS.iter().enumerate() {
        s += &format!(
            "    server {n} 127.0.0.1:{} {opts} {}\n",
            origins[i].port,
            srv(i)
        );
    }
    s
}

/// A configuration of `sections`.
fn config(sections: &[String]) -> String {
    format!(
        "global\n    nbthread 1\n\
         defaults\n    mode http\n    timeout connect 2s\n    timeout client 20s\n    timeout server 20s\n\
         {}",
        sections.concat()
    )
}

/// HAProxy and Rampart on the same sections, case `i` bound on `h + i` and `r + i`.
struct Pair {
    _dir: TempDir,
    _haproxy: Proc,
    _rampart: Proc,
    h: u16,
    r: u16,
}

/// A case: a name, whether in `mode tcp`, its lines, and the server options.
type Case = (String, bool, String, fn(usize) -> String);

fn no_opts(_: usize) -> String {
    String::new()
}

fn start(cases: &[Case], o: &Origins) -> Pair {
    start_with(cases, o, "")
}

/// [`start`] with `bind_opts` on every `bind` line.
fn start_with(cases: &[Case], o: &Origins, bind_opts: &str) -> Pair {
    let n = cases.len() as u16;
    let (hb, rb) = (free_ports(n), free_ports(n));
    let build = |base: u16| {
        let sections: Vec<String> = cases
            .iter()
            .enumerate()
            .map(|(i, (name, tcp, lines, f))| {
                section(name, base + i as u16, bind_opts, *tcp, lines, o, *f)
            })
            .collect();
        config(&sections)
    };
    let dir = TempDir::new("balance");
    let mut h = Launch::haproxy("haproxy", &dir, &build(hb));
    let mut r = Launch::rampart("rampart", &dir, &build(rb));
    for i in 0..n {
        h = h.ready_tcp(local(hb + i));
        r = r.ready_tcp(local(rb + i));
    }
    Pair {
        _haproxy: h.spawn(),
        _rampart: r.spawn(),
        _dir: dir,
        h: hb,
        r: rb,
    }
}

/// A keep-alive HTTP client reading the name in each response.
struct Client {
    s: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn new(port: u16) -> Client {
        let s = TcpStream::connect(local(port)).unwrap_or_else(|e| panic!("connect: {e}"));
        let _ = s.set_read_timeout(Some(IO_TIMEOUT));
        let _ = s.set_nodelay(true);
        Client { s, buf: Vec::new() }
    }

    /// Sends one request and returns the body of its response.
    fn ask(&mut self, req: &[u8]) -> String {
        self.s
            .write_all(req)
            .unwrap_or_else(|e| panic!("write: {e}"));
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(p) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..p]).to_ascii_lowercase();
                assert!(head.starts_with("http/1.1 200"), "response: {head}");
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if self.buf.len() >= p + 4 + len {
                    let body = String::from_utf8_lossy(&self.buf[p + 4..p + 4 + len]).into_owned();
                    self.buf.drain(..p + 4 + len);
                    return body;
                }
            }
            match self.s.read(&mut chunk) {
                Ok(n) if n > 0 => self.buf.extend_from_slice(&chunk[..n]),
                other => panic!(
                    "response cut short ({other:?}): {:?}",
                    String::from_utf8_lossy(&self.buf)
                ),
            }
        }
    }
}

/// Sends `reqs` to case `i` of both programs (one keep-alive connection each, both
/// at once) and checks that every request reached the same server; returns the
/// servers.
fn compare_http(p: &Pair, i: u16, name: &str, reqs: &[Vec<u8>]) -> Vec<String> {
    let run = |port: u16| {
        let mut c = Client::new(port);
        reqs.iter().map(|r| c.ask(r)).collect::<Vec<String>>()
    };
    let (h, r) = thread::scope(|sc| {
        let h = sc.spawn(|| run(p.h + i));
        let r = run(p.r + i);
        (
            h.join()
                .unwrap_or_else(|_| panic!("{name}: HAProxy client failed")),
            r,
        )
    });
    for (k, (a, b)) in h.iter().zip(&r).enumerate() {
        assert_eq!(
            a,
            b,
            "{name}: request {k} went to {a} with HAProxy, {b} with Rampart:\n{}",
            String::from_utf8_lossy(&reqs[k])
        );
    }
    h
}

/// Small deterministic generator for varied requests.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn word(&mut self) -> String {
        let n = 1 + self.next() % 12;
        (0..n)
            .map(|_| {
                let c = b"abcdefghijklmnopqrstuvwxyz0123456789-_.~"[(self.next() % 40) as usize];
                c as char
            })
            .collect()
    }
}

/// 1,000 varied requests: paths of several depths, query strings with and without the
/// `id` parameter, POST bodies carrying it, `X-Key` and `Host` headers (sometimes
/// missing, empty or with several values).
fn requests() -> Vec<Vec<u8>> {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    (0..1000)
        .map(|k| {
            let depth = 1 + g.next() % 4;
            let mut path = String::new();
            for _ in 0..depth {
                path += "/";
                path += &g.word();
            }
            let q = match g.next() % 5 {
                0 => String::new(),
                1 => format!("?id={}", g.word()),
                2 => format!("?a={}&id={}&b=2", g.word(), g.word()),
                3 => format!("?x={}", g.word()),
                _ => format!("?ida=1&id=&z={}", g.word()),
            };
            let host = match g.next() % 4 {
                0 => format!("{}.example.com", g.word()),
                1 => format!("www.{}.org", g.word()),
                2 => g.word(),
                _ => format!("a.b.{}.net", g.word()),
            };
            // Host first and a header always after it: HAProxy's `use_domain_only`
            // looks at one byte past the value, which is then the next name's first.
            let mut head = format!("Host: {host}\r\n");
            match g.next() % 4 {
                0 => {}
                1 => head += &format!("X-Key: {}\r\n", g.word()),
                2 => head += &format!("X-Key: {} , {}\r\n", g.word(), g.word()),
                _ => head += "X-Key:\r\n",
            }
            head += "Accept: */*\r\n";
            if k % 7 == 3 && q.is_empty() {
                let body = format!("a=1&id={}", g.word());
                format!(
                    "POST {path} HTTP/1.1\r\n{head}Content-Length: {}\r\n\r\n{body}",
                    body.len()
                )
                .into_bytes()
            } else {
                format!("GET {path}{q} HTTP/1.1\r\n{head}\r\n").into_bytes()
            }
        })
        .collect()
}

fn distinct(v: &[String]) -> usize {
    let mut d: Vec<&String> = v.iter().collect();
    d.sort();
    d.dedup();
    d.len()
}

const FUNCTIONS: [&str; 4] = ["sdbm", "djb2", "wt6", "crc32"];

/// Every hash type, function and avalanche setting, for the `balance` line `algo`.
fn hash_cases(tag: &str, algo: &str) -> Vec<Case> {
    let mut v = Vec::new();
    for ty in ["map-based", "consistent"] {
        for f in FUNCTIONS {
            for aval in ["", " avalanche"] {
                v.push((
                    format!("{tag}_{}_{f}{}", &ty[..3], aval.trim()),
                    false,
                    format!("balance {algo}\nhash-type {ty} {f}{aval}"),
                    no_opts as fn(usize) -> String,
                ));
            }
        }
    }
    v
}

fn check_hashing(cases: Vec<Case>) {
    let o = origins();
    let p = start(&cases, &o);
    let reqs = requests();
    for (i, (name, ..)) in cases.iter().enumerate() {
        let got = compare_http(&p, i as u16, name, &reqs);
        assert!(
            distinct(&got) >= 3,
            "{name}: only {} servers used",
            distinct(&got)
        );
        assert!(
            !got.iter().any(|s| s == "z0" || s == "bk"),
            "{name}: {got:?}"
        );
    }
}

#[test]
fn uri_hashing_matches_haproxy() {
    let mut cases = hash_cases("uri", "uri");
    cases.push((
        "uri_len".into(),
        false,
        "balance uri len 6\nhash-type consistent".into(),
        no_opts,
    ));
    cases.push((
        "uri_depth".into(),
        false,
        "balance uri depth 2 whole".into(),
        no_opts,
    ));
    cases.push((
        "uri_path".into(),
        false,
        "balance uri path-only whole".into(),
        no_opts,
    ));
    check_hashing(cases);
}

#[test]
fn url_param_hashing_matches_haproxy() {
    let mut cases = hash_cases("param", "url_param id");
    cases.push((
        "param_post".into(),
        false,
        "balance url_param id check_post".into(),
        no_opts,
    ));
    check_hashing(cases);
}

#[test]
fn header_hashing_matches_haproxy() {
    let mut cases = hash_cases("hdr", "hdr(x-key)");
    cases.push((
        "host_dom".into(),
        false,
        "balance hdr(host) use_domain_only".into(),
        no_opts,
    ));
    cases.push((
        "host_dom_c".into(),
        false,
        "balance hdr(Host) use_domain_only\nhash-type consistent djb2".into(),
        no_opts,
    ));
    check_hashing(cases);
}

#[test]
fn source_hashing_matches_haproxy() {
    // The source hash uses no hash function: only the type and avalanche matter.
    let mut cases: Vec<Case> = Vec::new();
    for ty in ["map-based", "consistent"] {
        for aval in ["", " avalanche"] {
            cases.push((
                format!("src_{}{}", &ty[..3], aval.trim()),
                true,
                format!("balance source\nhash-type {ty} sdbm{aval}"),
                no_opts,
            ));
        }
    }
    let o = origins();
    let p = start(&cases, &o);
    for (i, (name, ..)) in cases.iter().enumerate() {
        let mut got = Vec::new();
        for k in 0..1000u32 {
            let src = Ipv4Addr::new(
                127,
                (k % 200 + 1) as u8,
                (k / 200 * 37 % 256) as u8,
                (k * 13 % 254 + 1) as u8,
            );
            let a = tcp_name(src, p.h + i as u16);
            let b = tcp_name(src, p.r + i as u16);
            assert_eq!(
                a, b,
                "{name}: client {src} went to {a} with HAProxy, {b} with Rampart"
            );
            got.push(a);
        }
        // Loopback addresses are all close to 0x7f000000: without avalanche they fall
        // on one point of the consistent ring.
        let want = if name == "src_con" { 1 } else { 3 };
        assert!(distinct(&got) >= want, "{name}: {got:?}");
    }
}

/// Connects from `src` to `port` (mode tcp) and returns the name the server sends.
fn tcp_name(src: Ipv4Addr, port: u16) -> String {
    hold(src, port).1
}

fn tcp_from(src: Ipv4Addr, port: u16) -> TcpStream {
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
        .unwrap_or_else(|e| panic!("socket: {e}"));
    let _ = sock.set_linger(Some(Duration::ZERO));
    sock.bind(&SocketAddr::new(IpAddr::V4(src), 0).into())
        .unwrap_or_else(|e| panic!("bind {src}: {e}"));
    sock.connect(&local(port).into())
        .unwrap_or_else(|e| panic!("connect from {src}: {e}"));
    let s: TcpStream = sock.into();
    let _ = s.set_read_timeout(Some(IO_TIMEOUT));
    s
}

#[test]
fn round_robin_sequences_match_haproxy() {
    let cases: Vec<Case> = vec![
        ("rr".into(), false, "balance roundrobin".into(), no_opts),
        ("srr".into(), false, "balance static-rr".into(), no_opts),
        // Only backups serve: the first one, or all of them with `option allbackups`.
        ("rr_bk".into(), false, "balance roundrobin".into(), |i| {
            if i < 4 {
                "disabled".into()
            } else if i == 4 {
                "backup weight 3".into()
            } else {
                "weight 2".into()
            }
        }),
        (
            "rr_allbk".into(),
            false,
            "balance roundrobin\noption allbackups".into(),
            |i| {
                if i < 4 {
                    "disabled".into()
                } else if i == 4 {
                    "backup weight 3".into()
                } else {
                    "weight 2".into()
                }
            },
        ),
        (
            "srr_allbk".into(),
            false,
            "balance static-rr\noption allbackups".into(),
            |i| {
                if i < 4 {
                    "disabled".into()
                } else if i == 4 {
                    "backup weight 3".into()
                } else {
                    "weight 2".into()
                }
            },
        ),
        // A server down among weighted ones.
        ("rr_down".into(), false, "balance roundrobin".into(), |i| {
            if i == 2 {
                "disabled".into()
            } else {
                String::new()
            }
        }),
        // Hashing with the key always missing: the round-robin fallback.
        (
            "uri_fallback".into(),
            false,
            "balance hdr(x-none)".into(),
            no_opts,
        ),
        (
            "uri_fallback_c".into(),
            false,
            "balance hdr(x-none)\nhash-type consistent".into(),
            no_opts,
        ),
    ];
    let o = origins();
    let p = start(&cases, &o);
    let reqs: Vec<Vec<u8>> = (0..200)
        .map(|k| format!("GET /{k} HTTP/1.1\r\nHost: h\r\n\r\n").into_bytes())
        .collect();
    for (i, (name, ..)) in cases.iter().enumerate() {
        let got = compare_http(&p, i as u16, name, &reqs);
        let count = |n: &str| got.iter().filter(|s| *s == n).count();
        let count198 = |n: &str| got[..198].iter().filter(|s| *s == n).count();
        match name.as_str() {
            "rr" | "srr" => {
                // 1 + 2 + 3 + 5 = 11 turns per cycle, 18 cycles.
                assert_eq!(
                    [
                        count198("s1"),
                        count198("s2"),
                        count198("s3"),
                        count198("s4")
                    ],
                    [18, 36, 54, 90],
                    "{name}: {got:?}"
                );
            }
            "rr_bk" => assert_eq!(count("z0"), 200, "{name}: only the first backup serves"),
            "rr_allbk" | "srr_allbk" => {
                assert_eq!((count("z0"), count("bk")), (120, 80), "{name}: {got:?}")
            }
            _ => assert!(distinct(&got) >= 3, "{name}: {got:?}"),
        }
        assert!(
            !got.iter().any(|s| s == "z0") || name.contains("bk"),
            "{name}: weight 0 chosen"
        );
    }
}

/// Opens a mode-tcp connection to `port` from `src` and returns it with the server's
/// name.
fn hold(src: Ipv4Addr, port: u16) -> (TcpStream, String) {
    let mut s = tcp_from(src, port);
    let mut buf = [0u8; 16];
    let n = s.read(&mut buf).unwrap_or_else(|e| panic!("read: {e}"));
    (s, String::from_utf8_lossy(&buf[..n]).into_owned())
}

#[test]
fn leastconn_and_first_with_held_connections_match_haproxy() {
    let cases: Vec<Case> = vec![
        ("lc".into(), true, "balance leastconn".into(), no_opts),
        ("first".into(), true, "balance first".into(), |i| {
            format!("maxconn 4 id {}", 10 - i)
        }),
        // Saturated servers are passed over (and put back in their place).
        ("rr_full".into(), true, "balance roundrobin".into(), |_| {
            "maxconn 4".into()
        }),
        ("srr_full".into(), true, "balance static-rr".into(), |_| {
            "maxconn 4".into()
        }),
        ("lc_full".into(), true, "balance leastconn".into(), |_| {
            "maxconn 4".into()
        }),
        // Consistent hashing bounded by the load: a server above 150% of its share is
        // passed over.
        (
            "bounded".into(),
            true,
            "balance source\nhash-type consistent\nhash-balance-factor 150".into(),
            no_opts,
        ),
    ];
    let o = origins();
    let p = start(&cases, &o);
    let open = |o: &Origins| {
        o.tcp
            .iter()
            .map(|x| x.open.load(Ordering::SeqCst))
            .sum::<usize>()
    };
    for (i, (name, ..)) in cases.iter().enumerate() {
        let (ph, pr) = (p.h + i as u16, p.r + i as u16);
        let mut held: Vec<(TcpStream, TcpStream)> = Vec::new();
        let mut seq = Vec::new();
        // Open 12 connections through each, then close every third one and open 8 more:
        // each choice depends on the connections the servers hold.
        for round in 0..2 {
            let n = if round == 0 { 12 } else { 8 };
            for _ in 0..n {
                let k = seq.len() as u8;
                let src = Ipv4Addr::new(127, 3 + k % 2, 7, 1 + k / 2);
                let (a, sa) = hold(src, ph);
                let (b, sb) = hold(src, pr);
                assert_eq!(
                    sa,
                    sb,
                    "{name}: connection {} went to {sa} with HAProxy, {sb} with Rampart",
                    seq.len()
                );
                seq.push(sa);
                held.push((a, b));
            }
            if round == 0 {
                // Every third connection closes, one at a time (the order of releases
                // orders equally loaded servers), each seen by both programs once
                // their servers saw it.
                for k in [11, 8, 5, 2] {
                    let before = open(&o);
                    drop(held.remove(k));
                    assert!(
                        wait_until(Duration::from_secs(5), || open(&o) == before - 2),
                        "{name}: close not propagated"
                    );
                    thread::sleep(Duration::from_millis(30));
                }
            }
        }
        assert!(distinct(&seq) >= 3, "{name}: {seq:?}");
        assert!(
            !seq.iter().any(|s| s == "z0" || s == "bk"),
            "{name}: {seq:?}"
        );
        if name == "bounded" {
            // 12 streams over a total weight of 11 * 16: s4 takes at most 150% of its
            // 5/11 share of (served + 1) at each choice.
            assert!(
                seq[..12].iter().filter(|s| *s == "s4").count() <= 9,
                "{name}: {seq:?}"
            );
        }
        if name == "first" {
            // Highest-weight server has the lowest id here: s4 fills first.
            assert_eq!(&seq[..5], ["s4", "s4", "s4", "s4", "s3"], "{name}: {seq:?}");
        }
        drop(held);
        assert!(
            wait_until(Duration::from_secs(5), || open(&o) == 0),
            "{name}: connections left"
        );
    }
}

#[test]
fn rdp_cookie_hashing_matches_haproxy() {
    // The cookie arrives with a PROXY header in one packet, so both programs have it
    // when they choose the server; connections without it take the round robin.
    let cases: Vec<Case> = vec![
        ("rdp".into(), true, "balance rdp-cookie".into(), no_opts),
        (
            "rdp_c".into(),
            true,
            "balance rdp-cookie(user)\nhash-type consistent wt6".into(),
            no_opts,
        ),
    ];
    let o = origins();
    let p = start_with(&cases, &o, " accept-proxy");
    let mut g = Gen(42);
    for (i, (name, _, lines, _)) in cases.iter().enumerate() {
        let cookie = if lines.contains("(user)") {
            "user"
        } else {
            "mstshash"
        };
        let mut got = Vec::new();
        let mut seen: std::collections::HashMap<String, String> = Default::default();
        for k in 0..300 {
            let mut msg = b"PROXY TCP4 10.0.0.1 10.0.0.2 1234 3389\r\n".to_vec();
            msg.extend_from_slice(&[3, 0, 0, 0x2a, 0x25, 0xe0, 0, 0, 0, 0, 0]);
            let user = (k % 10 != 0).then(|| format!("u{}", g.next() % 40));
            if let Some(u) = &user {
                msg.extend_from_slice(format!("Cookie: {cookie}={u}\r\n").as_bytes());
            }
            let ask = |port: u16| {
                let mut s = TcpStream::connect(local(port)).unwrap_or_else(|e| panic!("{e}"));
                let _ = s.set_read_timeout(Some(IO_TIMEOUT));
                s.write_all(&msg).unwrap_or_else(|e| panic!("{e}"));
                let mut buf = [0u8; 16];
                let n = s.read(&mut buf).unwrap_or_else(|e| panic!("read: {e}"));
                String::from_utf8_lossy(&buf[..n]).into_owned()
            };
            let (a, b) = (ask(p.h + i as u16), ask(p.r + i as u16));
            assert_eq!(
                a, b,
                "{name}: connection {k} went to {a} with HAProxy, {b} with Rampart"
            );
            if let Some(u) = user {
                // A user always reaches the same server.
                assert_eq!(seen.entry(u).or_insert_with(|| a.clone()), &a, "{name}");
            }
            got.push(a);
        }
        assert!(distinct(&got) >= 3, "{name}: {got:?}");
    }
}
