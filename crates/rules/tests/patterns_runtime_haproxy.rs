//! The runtime API's map and ACL changes, differentially: the same `add`, `set`, `del`,
//! `prepare`/`commit` and `clear` commands are sent to Debian's haproxy 2.6 (stats
//! socket) and applied to this crate's references, and after each one both answer the
//! same lookups (HTTP requests to HAProxy, `match_value` here).

#![allow(clippy::expect_used)]

mod common;

use rampart_rules::args::{parse_args, Arg};
use rampart_rules::conv::find;
use rampart_rules::map::{self, Map};
use rampart_rules::pattern::{
    parse_acl_patterns, AclSpec, Disk, LoadCx, Origin, PatRef, PatternSet, Registry,
};
use rampart_rules::sample::{SmpType, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const HAPROXY: &str = "/usr/sbin/haproxy";

struct Run {
    dir: PathBuf,
    child: Option<Child>,
}

impl Drop for Run {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One command on the stats socket; the answer.
fn cli(sock: &Path, cmd: &str) -> String {
    let mut s = UnixStream::connect(sock).expect("stats socket");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    s.write_all(format!("{cmd}\n").as_bytes())
        .expect("send command");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("answer");
    out
}

fn http(port: u16, case: &str, x: &str) -> String {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut r = BufReader::new(s);
    let req =
        format!("GET / HTTP/1.1\r\nhost: t\r\nt: {case}\r\nx: {x}\r\nconnection: close\r\n\r\n");
    r.get_mut().write_all(req.as_bytes()).expect("send");
    let mut line = String::new();
    r.read_line(&mut line).expect("status");
    assert!(line.starts_with("HTTP/1.1 200"), "{case} {x}: {line}");
    let mut len = 0usize;
    loop {
        line.clear();
        r.read_line(&mut line).expect("header");
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((n, v)) = l.split_once(':') {
            if n.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().expect("length");
            }
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).expect("body");
    String::from_utf8_lossy(&body).into_owned()
}

fn load_map(reg: &mut Registry, conv: &str, file: &Path) -> Arc<Map> {
    let d = find(conv).expect("converter");
    let (mut a, _) = parse_args(&format!("({},NO)", file.display()), &d.args).expect("args");
    let mut cx = LoadCx {
        registry: reg,
        files: &Disk,
        origin: Origin {
            file: "t.cfg",
            line: 1,
        },
        resolver: None,
        bufsize: 16384,
        proc_vars: Vec::new(),
    };
    map::load(conv, &mut a, &mut cx).expect("map loads");
    match a.swap_remove(0) {
        Arg::Map(m) => m,
        _ => unreachable!("a loaded map"),
    }
}

/// Applies a runtime command to our reference, as HAProxy's CLI does.
fn apply(r: &PatRef, cmd: &str) {
    let w: Vec<&str> = cmd.split_whitespace().collect();
    match w.as_slice() {
        ["add", "map", at, _, k, v] if at.starts_with('@') => {
            r.add_at(
                at[1..].parse().expect("version"),
                k.as_bytes(),
                Some(v.as_bytes()),
            )
            .expect("add");
        }
        ["add", "map", _, k, v] => {
            r.add(k.as_bytes(), Some(v.as_bytes())).expect("add");
        }
        ["add", "acl", _, k] => {
            r.add(k.as_bytes(), None).expect("add");
        }
        ["set", "map", _, k, v] => {
            let _ = r.set(k.as_bytes(), v.as_bytes());
        }
        ["del", _, _, k] => {
            r.del(k.as_bytes());
        }
        ["prepare", _, _] => {
            r.prepare();
        }
        ["commit", _, at, _] => {
            assert!(r.commit(at[1..].parse().expect("version")));
        }
        ["clear", _, _] => r.clear(),
        _ => panic!("unknown command {cmd}"),
    }
}

#[test]
fn runtime_changes_answer_as_haproxy() {
    assert!(Path::new(HAPROXY).exists(), "{HAPROXY} is required");
    let dir = std::env::temp_dir().join(format!("rampart-runtime-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("directory");
    let mut run = Run {
        dir: dir.clone(),
        child: None,
    };
    let beg = dir.join("beg.map");
    let ip = dir.join("ip.map");
    let dom = dir.join("dom.lst");
    std::fs::write(&beg, "/ root\n/api api\n/static st\n/api/v1 v1\n").expect("write");
    std::fs::write(&ip, "10.0.0.0/8 ten\n10.1.0.0/16 ten-one\n::1 lo6\n").expect("write");
    std::fs::write(&dom, "example.com\nfoo.org\n").expect("write");
    let sock = dir.join("s.sock");
    let port = common::free_ports(1);
    let cfg = format!(
        "global\n    stats socket {} level admin\n\
         defaults\n    mode http\n    timeout client 10s\n    timeout server 10s\n    timeout connect 10s\n\
         frontend f\n    bind 127.0.0.1:{port}\n\
         \x20   acl d req.fhdr(x) -m dom -i -f {}\n\
         \x20   http-request return status 200 content-type text/plain lf-string \"%[req.fhdr(x),map_beg({},NO)]\" if {{ req.hdr(t) -m str beg }}\n\
         \x20   http-request return status 200 content-type text/plain lf-string \"%[req.fhdr(x),map_ip({},NO)]\" if {{ req.hdr(t) -m str ip }}\n\
         \x20   http-request return status 200 content-type text/plain string 1 if {{ req.hdr(t) -m str dom }} d\n\
         \x20   http-request return status 200 content-type text/plain string 0 if {{ req.hdr(t) -m str dom }}\n",
        sock.display(),
        dom.display(),
        beg.display(),
        ip.display()
    );
    let cfgp = dir.join("t.cfg");
    std::fs::write(&cfgp, cfg).expect("write");
    let check = Command::new(HAPROXY)
        .arg("-c")
        .arg("-f")
        .arg(&cfgp)
        .output()
        .expect("haproxy -c");
    assert!(
        check.status.success(),
        "haproxy refused the configuration:\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    run.child = Some(
        Command::new(HAPROXY)
            .arg("-db")
            .arg("-f")
            .arg(&cfgp)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start haproxy"),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while UnixStream::connect(&sock).is_err() || TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "haproxy did not start");
        std::thread::sleep(Duration::from_millis(20));
    }

    let mut reg = Registry::new();
    let bm = load_map(&mut reg, "map_beg", &beg);
    let im = load_map(&mut reg, "map_ip", &ip);
    let spec = AclSpec {
        kw: "req.fhdr",
        keyword: None,
        out_type: SmpType::Str,
    };
    let words = format!("-m dom -i -f {}", dom.display());
    let w: Vec<&str> = words.split_whitespace().collect();
    let mut cx = LoadCx {
        registry: &mut reg,
        files: &Disk,
        origin: Origin {
            file: "t.cfg",
            line: 1,
        },
        resolver: None,
        bufsize: 16384,
        proc_vars: Vec::new(),
    };
    let acl: PatternSet = parse_acl_patterns(&w, &spec, &mut cx).expect("acl");
    let (b, i, d) = (beg.display(), ip.display(), dom.display());
    let dref = reg
        .lookup(&d.to_string())
        .expect("the list's reference")
        .clone();
    let (bref, iref) = (bm.reference().clone(), im.reference().clone());
    let script: Vec<(String, &PatRef)> = vec![
        (format!("add map {b} /new NEW"), &bref),
        (format!("add map {b} /api/v1/x V1X"), &bref),
        (format!("add map {b} /api dup"), &bref),
        (format!("set map {b} /api API2"), &bref),
        (format!("del map {b} /static"), &bref),
        (format!("add map {b} /static again"), &bref),
        ("prepare map B".into(), &bref),
        (format!("add map @1 {b} / ROOT1"), &bref),
        (format!("add map @1 {b} /x X1"), &bref),
        (format!("commit map @1 {b}"), &bref),
        (format!("add map {b} /x/y XY"), &bref),
        (format!("add map {i} 10.1.2.0/24 net24"), &iref),
        (format!("add map {i} 10.0.0.0/8 dup8"), &iref),
        (format!("add map {i} ::ffff:10.9.0.0/112 mapped"), &iref),
        (format!("set map {i} 10.0.0.0/8 TEN"), &iref),
        (format!("del map {i} 10.1.0.0/16"), &iref),
        (format!("add acl {d} bar.net"), &dref),
        (format!("del acl {d} foo.org"), &dref),
        (format!("clear map {b}"), &bref),
        (format!("add map {b} /after A"), &bref),
    ];
    let probes: &[(&str, &[&str])] = &[
        (
            "beg",
            &[
                "/",
                "/api",
                "/api/v1/x/y",
                "/api/v2",
                "/new/1",
                "/static/a",
                "/x/y/z",
                "/x",
                "/after",
                "z",
            ],
        ),
        (
            "ip",
            &[
                "10.0.0.1",
                "10.1.2.3",
                "10.1.3.3",
                "10.9.0.1",
                "::ffff:10.1.2.3",
                "::1",
                "11.0.0.1",
            ],
        ),
        (
            "dom",
            &[
                "www.example.com",
                "foo.org",
                "a.bar.net",
                "Bar.Net",
                "x.com",
            ],
        ),
    ];
    let mut diffs = Vec::new();
    let mut compared = 0;
    for (cmd, r) in &script {
        // The version number HAProxy gives is the first prepared one: 1.
        let sent = cmd.replace("prepare map B", &format!("prepare map {b}"));
        let answer = cli(&sock, &sent);
        assert!(
            answer.trim().is_empty() || answer.starts_with("New version created"),
            "{sent}: {answer}"
        );
        apply(r, &sent);
        for (case, inputs) in probes {
            for x in inputs.iter() {
                let theirs = http(port, case, x);
                let ours = match *case {
                    "beg" => text(bm.lookup(Value::str(x.as_bytes()), 16384)),
                    "ip" => text(
                        im.lookup(
                            Value::str(x.as_bytes())
                                .cast(SmpType::Addr)
                                .unwrap_or(Value::Sint(-1)),
                            16384,
                        ),
                    ),
                    _ => (if acl.matches(&Value::str(x.as_bytes())) {
                        "1"
                    } else {
                        "0"
                    })
                    .to_string(),
                };
                compared += 1;
                if theirs != ours {
                    diffs.push(format!(
                        "after `{sent}`: {case} {x}: haproxy {theirs:?}, rampart {ours:?}"
                    ));
                }
            }
        }
    }
    assert!(compared > 300, "only {compared} comparisons");
    assert!(diffs.is_empty(), "answers differ:\n{}", diffs.join("\n"));
}

fn text(v: Option<Value<'_>>) -> String {
    match v.and_then(|v| v.cast(SmpType::Str)) {
        Some(Value::Str(s)) => String::from_utf8_lossy(&s).into_owned(),
        _ => String::new(),
    }
}
