//! The runtime API's map and ACL commands (`show|get|add|set|del|clear|prepare|commit
//! map|acl`), driven with socat against rampart and Debian's haproxy 2.6 on the same
//! configuration: every answer compared byte for byte (entry addresses masked), and the
//! traffic's view of each change (a header rendered from a map lookup and an ACL test).

#![allow(clippy::expect_used)]

mod support;

use std::io::Write;

use support::*;

/// Entry addresses (`0x55d0c2a1b2c0`) as `0xID`, in the order they first appear, so
/// that the same entry keeps the same name within one answer sequence.
fn mask(s: &str, seen: &mut Vec<String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("0x") {
        out.push_str(&rest[..i]);
        let hex: String = rest[i + 2..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        if hex.is_empty() {
            out.push_str("0x");
            rest = &rest[i + 2..];
            continue;
        }
        let id = format!("0x{hex}");
        let n = match seen.iter().position(|x| *x == id) {
            Some(n) => n,
            None => {
                seen.push(id);
                seen.len() - 1
            }
        };
        out.push_str(&format!("0xID{n}"));
        rest = &rest[i + 2 + hex.len()..];
    }
    out.push_str(rest);
    out
}

struct Side {
    _p: Proc,
    sock: String,
    port: u16,
    seen: Vec<String>,
}

impl Side {
    fn cli(&mut self, input: &str) -> String {
        // The configuration files differ by name only.
        let a = socat(&self.sock, input)
            .replace("/rampart.cfg", "/X.cfg")
            .replace("/haproxy.cfg", "/X.cfg");
        // HAProxy's internal HTTP client declares two ACLs of its own; rampart has no
        // such proxy (a documented difference).
        let a: String = a
            .split_inclusive('\n')
            .filter(|l| !l.contains("file 'httpclient'"))
            .collect();
        mask(&a, &mut self.seen)
    }

    /// The response's `x-map` and `x-acl` headers for a request with `host: h`.
    fn probe(&self, h: &str) -> (String, String) {
        let mut c = connect(local(self.port));
        c.write_all(format!("GET / HTTP/1.1\r\nhost: {h}\r\nconnection: close\r\n\r\n").as_bytes())
            .expect("request");
        let r = read_until_closed(&mut c, 1 << 16);
        let text = String::from_utf8_lossy(&r).to_lowercase();
        let hdr = |n: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{n}: ")))
                .unwrap_or("<none>")
                .trim()
                .to_string()
        };
        (hdr("x-map"), hdr("x-acl"))
    }
}

fn start(name: &str, dir: &TempDir, haproxy: bool) -> Side {
    let port = free_port();
    let sock = dir.join(&format!("{name}.sock"));
    let map = dir.join("hosts.map");
    let acl = dir.join("blocked.acl");
    std::fs::write(&map, "# comment\na.example be_a\nb.example be_b\n").expect("map");
    std::fs::write(&acl, "bad.example\n").expect("acl");
    let cfg = format!(
        "global\n    stats socket {} level admin\n\
         defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 5s\n\
         frontend fe\n    bind 127.0.0.1:{port}\n\
         \x20   acl blocked hdr(host) -f {}\n\
         \x20   acl inline hdr(host) -i x.example y.example\n\
         \x20   http-request set-var(txn.m) req.hdr(host),map({},none)\n\
         \x20   http-request set-var(txn.a) str(yes) if blocked\n\
         \x20   http-after-response set-header x-map %[var(txn.m)]\n\
         \x20   http-after-response set-header x-acl %[var(txn.a)]\n\
         \x20   http-request return status 200 if inline || !inline\n",
        sock.display(),
        acl.display(),
        map.display()
    );
    let l = if haproxy {
        Launch::haproxy(name, dir, &cfg)
    } else {
        Launch::rampart(name, dir, &cfg)
    };
    let p = l
        .ready(Ready::Unix(sock.clone()))
        .ready_tcp(local(port))
        .spawn();
    Side {
        _p: p,
        sock: format!("unix-connect:{}", sock.display()),
        port,
        seen: Vec::new(),
    }
}

#[test]
fn map_and_acl_commands_match_haproxy() {
    let dir = TempDir::new("climaps");
    let map = dir.join("hosts.map").display().to_string();
    let acl = dir.join("blocked.acl").display().to_string();
    let mut r = start("rampart", &dir, false);
    let mut h = start("haproxy", &dir, true);
    // Each step: the commands, then the traffic's view for a few hosts.
    let steps: Vec<String> = vec![
        "show map\n".into(),
        "show acl\n".into(),
        format!("show map {map}\n"),
        "show map #0\n".into(),
        format!("show acl {acl}\n"),
        "show acl #2\n".into(),
        "show map nosuch\n".into(),
        "show acl nosuch\n".into(),
        format!("get map {map} a.example\n"),
        format!("get map {map} c.example\n"),
        format!("get acl {acl} bad.example\n"),
        "get acl #2 X.EXAMPLE\n".into(),
        format!("get map {map}\n"),
        format!("add map {map} c.example be_c\n"),
        format!("add map {map} c.example\n"),
        format!("add acl {acl} worse.example\n"),
        format!("add acl {acl}\n"),
        format!("set map {map} a.example be_a2\n"),
        format!("set map {map} zz.example x\n"),
        format!("set map {map} a.example\n"),
        format!("set map {map} #0xzz x\n"),
        format!("del map {map} b.example\n"),
        format!("del map {map} b.example\n"),
        format!("del acl {acl} bad.example\n"),
        format!("del acl {acl}\n"),
        format!("del map {map} #0xzz\n"),
        format!("show map {map}\n"),
        format!("show acl {acl}\n"),
        format!("prepare map {map}\n"),
        format!("add map @1 {map} n.example be_n\n"),
        format!("add map @5 {map} n.example be_n\n"),
        format!("show map @1 {map}\n"),
        format!("show map {map}\n"),
        format!("commit map @7 {map}\n"),
        format!("commit map {map}\n"),
        "commit map @1\n".into(),
        format!("commit map @1 {map}\n"),
        format!("show map {map}\n"),
        "show map\n".into(),
        format!("clear acl {acl}\n"),
        "clear map\n".into(),
        format!("show acl {acl}\n"),
        format!("add map {map} <<\np.example be_p\nq.example   be_q\n\n"),
        format!("show map {map}\n"),
        format!("clear map {map}\n"),
        format!("show map {map}\n"),
    ];
    let hosts = [
        "a.example",
        "b.example",
        "c.example",
        "n.example",
        "p.example",
        "bad.example",
        "worse.example",
    ];
    for step in &steps {
        let (ra, ha) = (r.cli(step), h.cli(step));
        assert_eq!(ra, ha, "answer to {step:?}");
        for host in hosts {
            assert_eq!(r.probe(host), h.probe(host), "after {step:?}, host {host}");
        }
    }
}

/// `get var` and `set var` (experimental mode) on the process-wide variables.
#[test]
fn get_and_set_var_match_haproxy() {
    let dir = TempDir::new("clivars");
    let run = |name: &str, haproxy: bool| {
        let sock = dir.join(&format!("{name}.sock"));
        let cfg = format!(
            "global\n    stats socket {} level admin\n    set-var proc.a int(5)\n\
             \x20   set-var proc.s str(hello)\n",
            sock.display()
        );
        let l = if haproxy {
            Launch::haproxy(name, &dir, &cfg)
        } else {
            Launch::rampart(name, &dir, &cfg)
        };
        let p = l.ready(Ready::Unix(sock.clone())).spawn();
        (p, format!("unix-connect:{}", sock.display()))
    };
    let (_r, rs) = run("rampart", false);
    let (_h, hs) = run("haproxy", true);
    for cmd in [
        "get var proc.a",
        "get var proc.s",
        "get var proc.nope",
        "get var txn.x",
        "get var",
        "get var bad",
        "set var proc.b int(3)",
        "experimental-mode on; set var proc.b int(3); get var proc.b",
        "experimental-mode on; set var proc.c fmt %[var(proc.a)]x; get var proc.c",
        "experimental-mode on; set var proc.d expr str(e); get var proc.d",
        "experimental-mode on; set var proc.d bogus x",
        "experimental-mode on; set var txn.e int(1)",
        "experimental-mode on; set var proc.f",
        "experimental-mode on; set var",
        "experimental-mode on; set var proc.g nosuchfetch",
        "experimental-mode on; set var proc.a str(a),hex; get var proc.a",
        "operator; get var proc.a",
        "user; get var proc.a",
    ] {
        let input = format!("{cmd}\n");
        assert_eq!(socat(&rs, &input), socat(&hs, &input), "answer to {cmd:?}");
    }
}
