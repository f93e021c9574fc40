//! Differential tests of ACLs and conditions: the same configuration runs in Debian's
//! HAProxy 2.6 and in Rampart, and the same requests go to both. Every backend answers
//! with its own name (`http-request return`), so each answer says which `use_backend`
//! rule matched; statuses and bodies must be identical request for request.
//!
//! The ACLs cover every match method (`str sub beg end dir dom reg len found bool int
//! ip`), flags (`-i -f -m -n -u --`), integer operators and ranges, IPv4 masks, pattern
//! and map files, predefined ACLs, anonymous ACLs, `!`, `||` and implicit AND, ACLs
//! declared on several lines, `unless`, dynamic `use_backend` names, and backend
//! rules evaluated after the frontend's.

mod support;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use support::*;

const BACKENDS: &[&str] = &[
    "api", "static", "admin", "img", "dom", "len", "ipnet", "map", "neg", "or", "int", "range",
    "file", "reg", "found", "cook", "qs", "meth", "ver", "dyn", "def", "bkrule",
];

/// The configuration, with the frontend on `port`.
fn config(port: u16, dir: &TempDir) -> String {
    dir.write("paths.lst", "# comment\n/files\n\n/upload\n");
    dir.write("hosts.map", "www.example.com  api\nimg.example.com img\n");
    let mut s = format!(
        "global\n    nbthread 1\n\
         defaults\n    mode http\n    timeout connect 2s\n    timeout client 10s\n    timeout server 10s\n\
         frontend f\n    bind 127.0.0.1:{port}\n\
    acl is_api path_beg /api/\n\
    acl is_api hdr(host) -i api.example.com\n\
    acl is_static path_end .css .js\n\
    acl is_admin path_dir admin\n\
    acl is_img path_sub -i /IMG/\n\
    acl is_dom hdr_dom(host) example.org\n\
    acl long_path path_len gt 40\n\
    acl from_net src 127.0.0.64/26\n\
    acl in_map req.hdr(host),lower,map_str(hosts.map) -m found\n\
    acl x_big req.hdr_val(x-n) ge 100\n\
    acl x_range req.hdr_val(x-n) 10:20\n\
    acl in_file path -f paths.lst\n\
    acl regx path_reg ^/r/[0-9]+$\n\
    acl has_dbg req.hdr(x-debug) -m found\n\
    acl cook req.cook(sess) -m beg abc\n\
    acl qs urlp(id) -m int lt 5\n\
    acl named_u path -u 77 /named\n\
    acl empty_hdr req.hdr(x-e) -m len 0\n\
    use_backend api if is_api !has_dbg\n\
    use_backend static if is_static\n\
    use_backend admin if is_admin METH_GET || is_admin METH_POST\n\
    use_backend img if is_img\n\
    use_backend dom if is_dom\n\
    use_backend len if long_path\n\
    use_backend ipnet if from_net\n\
    use_backend neg unless {{ req.hdr(x-neg) -m str -i yes }} || {{ method GET HEAD POST }}\n\
    use_backend map if in_map\n\
    use_backend int if x_big\n\
    use_backend range if x_range\n\
    use_backend file if in_file\n\
    use_backend reg if regx\n\
    use_backend found if has_dbg\n\
    use_backend cook if cook\n\
    use_backend qs if qs\n\
    use_backend meth if METH_PUT\n\
    use_backend ver if HTTP_1.0\n\
    use_backend or if named_u or empty_hdr\n\
    use_backend %[req.hdr(x-be)] if {{ req.hdr(x-be) -m found }}\n\
    default_backend def\n"
    );
    for b in BACKENDS {
        s += &format!("backend {b}\n");
        if *b == "bkrule" {
            continue;
        }
        if *b == "def" {
            s += "    http-request return status 203 content-type text/plain string \"def-q\" if { query -m found }\n";
        }
        s +=
            &format!("    http-request return status 200 content-type text/plain string \"{b}\"\n");
    }
    s += "    acl t path /bk\n    http-request return status 202 content-type text/plain string \"bk-t\" if t\n\
          http-request return status 200 content-type text/plain string \"bk-f\"\n";
    s
}

/// A request: its client address, then its bytes.
fn requests() -> Vec<(Ipv4Addr, String)> {
    let lo = Ipv4Addr::new(127, 0, 0, 1);
    let net = Ipv4Addr::new(127, 0, 0, 70);
    let get = |path: &str, extra: &str| format!("GET {path} HTTP/1.1\r\nHost: t\r\n{extra}\r\n");
    let mut v = vec![
        (lo, get("/api/v1", "")),
        (lo, get("/api/v1", "x-debug: 1\r\n")),
        (
            lo,
            "GET / HTTP/1.1\r\nHost: API.example.com\r\n\r\n".to_string(),
        ),
        (lo, get("/a/b.css", "")),
        (lo, get("/a/b.jsx", "")),
        (lo, get("/x/admin/y", "")),
        (
            lo,
            "POST /admin HTTP/1.1\r\nHost: t\r\ncontent-length: 0\r\n\r\n".to_string(),
        ),
        (lo, "DELETE /admin HTTP/1.1\r\nHost: t\r\n\r\n".to_string()),
        (lo, get("/a/img/b", "")),
        (
            lo,
            "GET / HTTP/1.1\r\nHost: www.example.org\r\n\r\n".to_string(),
        ),
        (
            lo,
            "GET / HTTP/1.1\r\nHost: example.org:80\r\n\r\n".to_string(),
        ),
        (
            lo,
            "GET / HTTP/1.1\r\nHost: notexample.org\r\n\r\n".to_string(),
        ),
        (lo, get(&format!("/{}", "p".repeat(45)), "")),
        (net, get("/", "")),
        (
            lo,
            "GET / HTTP/1.1\r\nHost: WWW.Example.com\r\n\r\n".to_string(),
        ),
        (
            lo,
            "GET / HTTP/1.1\r\nHost: img.example.com\r\n\r\n".to_string(),
        ),
        (lo, get("/", "x-n: 150\r\n")),
        (lo, get("/", "x-n: 15\r\n")),
        (lo, get("/", "x-n: 5\r\n")),
        (lo, get("/", "x-n: abc\r\n")),
        (lo, get("/files", "")),
        (lo, get("/upload", "")),
        (lo, get("/files/x", "")),
        (lo, get("/r/123", "")),
        (lo, get("/r/12a", "")),
        (lo, get("/", "cookie: a=1; sess=abcdef\r\n")),
        (lo, get("/", "cookie: sess=xabc\r\n")),
        (lo, get("/?id=3", "")),
        (lo, get("/?x=1&id=9", "")),
        (lo, get("/?id=", "")),
        (
            lo,
            "PUT /p HTTP/1.1\r\nHost: t\r\ncontent-length: 0\r\n\r\n".to_string(),
        ),
        (lo, "GET /v HTTP/1.0\r\n\r\n".to_string()),
        (lo, get("/named", "")),
        (lo, get("/", "x-e: \r\n")),
        (lo, get("/", "x-be: static\r\n")),
        (lo, get("/", "x-be: nosuch\r\n")),
        (lo, get("/", "x-be: bkrule\r\n")),
        (lo, get("/bk", "x-be: bkrule\r\n")),
        (lo, "OPTIONS /x HTTP/1.1\r\nHost: t\r\n\r\n".to_string()),
        (
            lo,
            "OPTIONS /x HTTP/1.1\r\nHost: t\r\nx-neg: YES\r\n\r\n".to_string(),
        ),
        (lo, get("/nothing", "")),
        (lo, get("/nothing?q", "")),
    ];
    // Deterministic variety: combinations of the pieces above.
    let paths = ["/api/", "/s.css", "/admin", "/IMG/", "/files", "/r/9", "/z"];
    let hdrs = [
        "",
        "x-n: 12\r\n",
        "x-debug: y\r\n",
        "cookie: sess=abc\r\n",
        "x-e: \r\n",
    ];
    for (i, p) in paths.iter().enumerate() {
        for (j, h) in hdrs.iter().enumerate() {
            let src = if (i + j) % 3 == 0 { net } else { lo };
            v.push((src, get(p, h)));
        }
    }
    v
}

/// Sends one request from `src` on a new connection; the status and body.
fn ask(port: u16, src: Ipv4Addr, req: &str) -> String {
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
        .unwrap_or_else(|e| panic!("socket: {e}"));
    sock.bind(&SocketAddr::from((src, 0)).into())
        .unwrap_or_else(|e| panic!("bind {src}: {e}"));
    sock.connect(&local(port).into())
        .unwrap_or_else(|e| panic!("connect: {e}"));
    let mut s: TcpStream = sock.into();
    let _ = s.set_read_timeout(Some(IO_TIMEOUT));
    s.write_all(req.as_bytes())
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..p]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= p + 4 + len {
                let status = head.split(' ').nth(1).unwrap_or("?").to_string();
                return format!(
                    "{status} {}",
                    String::from_utf8_lossy(&buf[p + 4..p + 4 + len])
                );
            }
        }
        match s.read(&mut chunk) {
            Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            other => panic!(
                "response cut short ({other:?}): {:?}",
                String::from_utf8_lossy(&buf)
            ),
        }
    }
}

#[test]
fn acl_routing_matches_haproxy() {
    let dir = TempDir::new("acl-diff");
    let (hp, rp) = (free_port(), free_port());
    let h = Launch::haproxy("haproxy", &dir, &config(hp, &dir))
        .ready_tcp(local(hp))
        .spawn();
    let r = Launch::rampart("rampart", &dir, &config(rp, &dir))
        .ready_tcp(local(rp))
        .spawn();
    let mut diffs = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (src, req) in requests() {
        let a = ask(hp, src, &req);
        let b = ask(rp, src, &req);
        seen.insert(a.clone());
        if a != b {
            diffs.push(format!("{src} {req:?}: haproxy {a:?}, rampart {b:?}"));
        }
    }
    drop((h, r));
    assert!(diffs.is_empty(), "differences:\n{}", diffs.join("\n"));
    // The requests reach most backends: the test exercises the rules, not a default.
    assert!(
        seen.len() >= 20,
        "only {} distinct answers: {seen:?}",
        seen.len()
    );
}

/// The whole response to `req` on a new connection (the server closes after it).
fn raw(port: u16, req: &str) -> String {
    let mut s = TcpStream::connect(local(port)).unwrap_or_else(|e| panic!("connect: {e}"));
    let _ = s.set_read_timeout(Some(IO_TIMEOUT));
    s.write_all(req.as_bytes())
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn monitor_uri_and_monitor_fail_match_haproxy() {
    let dir = TempDir::new("monitor-diff");
    let cfg = |port: u16| {
        format!(
            "defaults\n    mode http\n    timeout connect 2s\n    timeout client 10s\n    timeout server 10s\n\
             frontend f\n    bind 127.0.0.1:{port}\n    monitor-uri /health\n\
             acl down req.hdr(x-down) -m found\n    monitor fail if down\n    default_backend b\n\
             backend b\n    http-request return status 200 content-type text/plain string \"b\"\n"
        )
    };
    let (hp, rp) = (free_port(), free_port());
    let _h = Launch::haproxy("haproxy", &dir, &cfg(hp))
        .ready_tcp(local(hp))
        .spawn();
    let _r = Launch::rampart("rampart", &dir, &cfg(rp))
        .ready_tcp(local(rp))
        .spawn();
    let reqs = [
        "GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: t\r\nx-down: 1\r\nConnection: close\r\n\r\n",
        "GET /health?x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        "GET http://h/health HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    ];
    for req in reqs {
        let (a, b) = (raw(hp, req), raw(rp, req));
        assert!(a.starts_with("HTTP/1.1 "), "haproxy: {a:?}");
        assert_eq!(a, b, "request {req:?}");
    }
    assert!(raw(rp, reqs[1]).starts_with("HTTP/1.1 503"));
}
