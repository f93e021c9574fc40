//! Differential test of the pattern layer against Debian's haproxy 2.6
//! (`/usr/sbin/haproxy`, installed by `.ci/run`): the same maps, ACLs and `regsub`
//! calls are evaluated by HAProxy (through `http-request return` answers) and by this
//! crate, over many inputs; any difference fails the test with the full list.
//!
//! Each case is selected by the request header `t`; the input travels in header `x`
//! (read with `req.fhdr`, which does not split at commas).

#![allow(clippy::expect_used)]

mod common;

use rampart_rules::args::{parse_args, Arg};
use rampart_rules::conv::{apply, find, Cx};
use rampart_rules::map;
use rampart_rules::pattern::{parse_acl_patterns, AclSpec, Disk, LoadCx, Origin, Registry};
use rampart_rules::sample::{SmpType, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const HAPROXY: &str = "/usr/sbin/haproxy";

/// Pattern files: name and content.
const FILES: &[(&str, &str)] = &[
    (
        "beg.map",
        "/ root\n/api api\n/api/v2 v2\n/api dup\n/apix apix\n/static/img img\n/Static upper\n",
    ),
    (
        "str.map",
        "# comment\nk first\nk second\nK upper\n  spaced   value with  blanks  \nlong v\n",
    ),
    ("end.map", ".com com\nexample.com ex\n.org org\nx.org xorg\n"),
    (
        "end_long.map",
        ".a1 a1\n.a2 a2\n.b b\n.c c\nz.b zb\n.d d\n.e e\n.f f\n.g g\nb b2\n.h h\n",
    ),
    (
        "dom.map",
        "example.com ex\nwww.example.com www\ncom com\n.org. org\nb.c bc\n",
    ),
    (
        "dom_long.map",
        "h1.test h1\nh2.test h2\nh3.test h3\nh4.test h4\nh5.test h5\ntest t\nh6.test h6\n\
         a.h7.test h7\nh8.test h8\nh9.test h9\nx:80 port\n",
    ),
    ("dir.map", "api a\n/v1/api/ v1\nimg i\n/ slash\n"),
    (
        "sub.map",
        "min m\nadmin a\nx x\nab ab\nbc bc\ncd cd\nde de\nef ef\nfg fg\ngh gh\nhi hi\n",
    ),
    (
        "ip.map",
        "10.0.0.0/8 ten\n10.1.0.0/16 ten-one\n10.1.2.3 host\n10.1.0.0/16 dup\n\
         192.168.0.0/255.255.0.255 odd\n::1 v6-lo\n2001:db8::/32 doc\n::ffff:172.16.0.0/108 mapped\n",
    ),
    ("int.map", "1 one\n5:10 range\n7 seven\n:0 neg\n20- twenty-up\n"),
    (
        "reg.map",
        "^/u/([a-z]+)/(\\d+) user=\\1,id=\\2\n^/A[0-9]+$ anum\n(?i)^/b ib\n^/(.*) rest=\\1\n",
    ),
    ("str_int.map", "a 1\nb -7\nc\nd +5\n"),
    ("str_ip.map", "a 10.0.0.1\nb ::1\nc ::ffff:1.2.3.4\n"),
    ("dom.lst", "example.com\n.Example.ORG\nfoo\n"),
    ("beg.lst", "/API\n/img\n"),
    ("str.lst", "Alpha\nbeta\n"),
    ("ip.lst", "10.0.0.0/8\n192.168.1.0/255.255.0.255\n::1\n"),
];

/// Converter cases: (id, expression after `req.fhdr(x),`, using `@` for the files'
/// directory).
const CONVS: &[(&str, &str)] = &[
    ("beg", "map_beg(@/beg.map,NO)"),
    ("str", "map(@/str.map,NO)"),
    ("str2", "map_str(@/str.map,NO)"),
    ("end", "map_end(@/end.map,NO)"),
    ("endl", "map_end(@/end_long.map,NO)"),
    ("dom", "map_dom(@/dom.map,NO)"),
    ("doml", "map_dom(@/dom_long.map,NO)"),
    ("dir", "map_dir(@/dir.map,NO)"),
    ("sub", "map_sub(@/sub.map,NO)"),
    ("ip", "map_ip(@/ip.map,NO)"),
    ("int", "map_int(@/int.map,NO)"),
    ("reg", "map_reg(@/reg.map,NO)"),
    ("regm", "map_regm(@/reg.map,NO)"),
    ("sint", "map_str_int(@/str_int.map,-1)"),
    ("sip", "map_str_ip(@/str_ip.map,0.0.0.0)"),
    ("rs1", "regsub(a,X)"),
    ("rs2", "regsub(a,X,g)"),
    ("rs3", "regsub(A,<\\0>,gi)"),
    ("rs4", "regsub(b*,-,g)"),
    ("rs5", "regsub(^.,^,g)"),
    ("rs6", "regsub('([a-z]+)/(\\d+)','\\2/\\1',g)"),
    ("rs7", "regsub('(?<=a)b',B,g)"),
    ("rs8", "regsub(x*,_,g)"),
];

/// ACL cases: (id, the words after `req.fhdr(x)`).
const ACLS: &[(&str, &str)] = &[
    ("a_dom", "-m dom -i -f @/dom.lst"),
    ("a_dom_cs", "-m dom -f @/dom.lst"),
    ("a_beg", "-m beg -i -f @/beg.lst"),
    ("a_beg_cs", "-m beg -f @/beg.lst"),
    ("a_str", "-i -f @/str.lst"),
    ("a_str_cs", "-f @/str.lst"),
    ("a_end", "-m end -i .PNG .jpg"),
    ("a_sub", "-m sub -i MIN abc"),
    ("a_dir", "-m dir api /img/"),
    ("a_len", "-m len gt 3 le 1"),
    ("a_int", "-m int ge 10 lt 3 5"),
    ("a_int2", "-m int 2:4 -7"),
    ("a_ip", "-m ip -f @/ip.lst"),
    ("a_ip2", "-m ip 127.1 10 0.0.0.0/0"),
    ("a_reg", "-m reg -i ^/a[0-9]+$ b{2}"),
    ("a_bin", "-m bin 616263 00"),
    ("a_map_file", "-M -m beg -f @/beg.map"),
    ("a_found", "-m found"),
    ("a_doml", "-M -m dom -i -f @/dom_long.map"),
    ("a_subl", "-M -m sub -i -f @/sub.map"),
    ("a_endl", "-M -m end -f @/end_long.map"),
    ("a_begi", "-M -m beg -i -f @/beg.map"),
    ("a_dirl", "-m dir a b c d e f g h i j img"),
];

/// More inputs, built from the pieces the patterns above are made of (a fixed
/// pseudo-random sequence, so a failure can be replayed).
fn generated_inputs() -> Vec<String> {
    const PIECES: &[&str] = &[
        "/", ".", ":", "?", "api", "API", "v2", "img", "example", "com", "org", "h7", "test", "a",
        "b", "c", "x", "min", "Static", "10", "1", "2", "u", "bob", "42", "ab", "z", "::", "ffff",
        "192", "168",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..200)
        .map(|_| {
            let n = 1 + next() % 6;
            (0..n)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect::<String>()
        })
        .collect()
}

/// The inputs every case is tried with.
const INPUTS: &[&str] = &[
    "",
    "/",
    "/api",
    "/api/v2",
    "/api/v2/x",
    "/api/v1",
    "/apix/y",
    "/API/x",
    "/static/img/a.png",
    "/Static/x",
    "/img",
    "/img/",
    "/v1/api/",
    "/v1/api",
    "/v1/apix",
    "/u/bob/42",
    "/A12",
    "/a12",
    "/B/x",
    "k",
    "K",
    "kk",
    "spaced",
    "long",
    "a",
    "b",
    "c",
    "d",
    "z",
    "Alpha",
    "alpha",
    "BETA",
    "www.example.com",
    "WWW.Example.COM",
    "example.com:8080",
    "example.company",
    "a.example.org",
    "x.org",
    "b.c",
    "ab.c",
    "h7.test",
    "a.h7.test",
    "sub.h3.test.",
    "x:80",
    "tEsT",
    "foo",
    "q.a1",
    "z.b",
    "ab",
    "admin",
    "xyz",
    "abcdefgh",
    "banana",
    "bbb",
    "abc/12 de/3",
    "aab",
    "0",
    "1",
    "3",
    "5",
    "7",
    "10",
    "11",
    "20",
    "25",
    "-3",
    "+7",
    "12abc",
    "10.1.2.3",
    "10.1.9.9",
    "10.2.0.1",
    "192.168.7.1",
    "192.168.1.1",
    "192.169.1.1",
    "127.0.0.1",
    "::1",
    "::ffff:10.1.2.3",
    "::ffff:172.16.3.4",
    "172.16.3.4",
    "2001:db8::5",
    "2002:0a01:0203::",
    "::10.1.2.3",
    "1.2.3.4:80",
];

/// Removes the directory and stops HAProxy whatever happens.
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

fn expand(s: &str, dir: &Path) -> String {
    s.replace('@', &dir.display().to_string())
}

fn config(dir: &Path, port: u16) -> String {
    let mut c = format!(
        "global\n    tune.bufsize 16384\n\
         defaults\n    mode http\n    timeout client 10s\n    timeout server 10s\n    timeout connect 10s\n\
         frontend f\n    bind 127.0.0.1:{port}\n"
    );
    for (id, words) in ACLS {
        c += &format!("    acl {id} req.fhdr(x) {}\n", expand(words, dir));
    }
    for (id, expr) in CONVS {
        c += &format!(
            "    http-request return status 200 content-type text/plain lf-string \"%[req.fhdr(x),{}]\" if {{ req.hdr(t) -m str {id} }}\n",
            expand(expr, dir)
        );
    }
    for (id, _) in ACLS {
        c += &format!(
            "    http-request return status 200 content-type text/plain string 1 if {{ req.hdr(t) -m str {id} }} {id}\n\
             \x20   http-request return status 200 content-type text/plain string 0 if {{ req.hdr(t) -m str {id} }}\n"
        );
    }
    c += "    http-request return status 404\n";
    c
}

/// One keep-alive HTTP/1.1 client.
struct Client {
    r: BufReader<TcpStream>,
}

impl Client {
    fn connect(port: u16) -> Client {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) => {
                    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
                    return Client {
                        r: BufReader::new(s),
                    };
                }
                Err(e) if Instant::now() > deadline => panic!("haproxy never listened: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    fn get(&mut self, case: &str, x: &str) -> String {
        let req = format!("GET / HTTP/1.1\r\nhost: t\r\nt: {case}\r\nx: {x}\r\n\r\n");
        self.r.get_mut().write_all(req.as_bytes()).expect("send");
        let mut line = String::new();
        self.r.read_line(&mut line).expect("status line");
        assert!(line.starts_with("HTTP/1.1 200"), "{case} {x:?}: {line}");
        let mut len = 0usize;
        loop {
            line.clear();
            self.r.read_line(&mut line).expect("header");
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((n, v)) = l.split_once(':') {
                if n.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().expect("content-length");
                }
            }
        }
        let mut body = vec![0; len];
        self.r.read_exact(&mut body).expect("body");
        String::from_utf8_lossy(&body).into_owned()
    }
}

/// This crate's answer for converter case `expr`.
fn ours_conv(
    reg: &mut Registry,
    expr: &str,
    x: &str,
    cache: &mut Vec<(String, Vec<Arg>)>,
) -> String {
    let open = expr.find('(').expect("converter arguments");
    let name = &expr[..open];
    let d = find(name).unwrap_or_else(|| panic!("no converter {name}"));
    let args = match cache.iter().find(|(e, _)| e == expr) {
        Some((_, a)) => a.clone(),
        None => {
            let (mut a, _) = parse_args(&expr[open..], &d.args).expect("arguments");
            if map::is_map_converter(name) {
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
                map::load(name, &mut a, &mut cx).expect("map loads");
            }
            if let Some(check) = d.check {
                check(&mut a).expect("check");
            }
            cache.push((expr.to_string(), a.clone()));
            a
        }
    };
    let out = apply(d, Value::str(x.as_bytes()), &args, &Cx::default());
    match out.and_then(|v| v.cast(SmpType::Str)) {
        Some(Value::Str(s)) => String::from_utf8_lossy(&s).into_owned(),
        // A converter that fails leaves the log-format item empty.
        _ => String::new(),
    }
}

#[test]
fn maps_acls_and_regsub_answer_as_haproxy() {
    assert!(
        Path::new(HAPROXY).exists(),
        "{HAPROXY} is required (.ci/run installs Debian's haproxy 2.6)"
    );
    let dir = std::env::temp_dir().join(format!("rampart-patterns-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let mut run = Run {
        dir: dir.clone(),
        child: None,
    };
    for (name, content) in FILES {
        std::fs::write(dir.join(name), content).expect("write pattern file");
    }
    let port = common::free_ports(1);
    let cfg = dir.join("t.cfg");
    std::fs::write(&cfg, config(&dir, port)).expect("write configuration");
    let check = Command::new(HAPROXY)
        .arg("-c")
        .arg("-f")
        .arg(&cfg)
        .output()
        .expect("run haproxy -c");
    assert!(
        check.status.success(),
        "haproxy refused the configuration:\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    run.child = Some(
        Command::new(HAPROXY)
            .arg("-db")
            .arg("-f")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start haproxy"),
    );
    let mut client = Client::connect(port);

    let extra = generated_inputs();
    let inputs: Vec<&str> = INPUTS
        .iter()
        .copied()
        .chain(extra.iter().map(String::as_str))
        .collect();
    let mut reg = Registry::new();
    let mut cache = Vec::new();
    let mut diffs = Vec::new();
    let mut compared = 0;
    for (id, expr) in CONVS {
        let expr = expand(expr, &dir);
        for x in &inputs {
            let theirs = client.get(id, x);
            let ours = ours_conv(&mut reg, &expr, x, &mut cache);
            compared += 1;
            if theirs != ours {
                diffs.push(format!(
                    "{id} {expr} on {x:?}: haproxy {theirs:?}, rampart {ours:?}"
                ));
            }
        }
    }
    let mut sets = Vec::new();
    for (id, words) in ACLS {
        let words = expand(words, &dir);
        let w: Vec<&str> = words.split_whitespace().collect();
        let spec = AclSpec {
            kw: "req.fhdr",
            keyword: None,
            out_type: SmpType::Str,
        };
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
        let set = parse_acl_patterns(&w, &spec, &mut cx).unwrap_or_else(|e| panic!("{id}: {e}"));
        sets.push((id, words.clone(), set));
    }
    for (id, words, set) in &sets {
        for x in &inputs {
            let theirs = client.get(id, x);
            let ours = if set.matches(&Value::str(x.as_bytes())) {
                "1"
            } else {
                "0"
            };
            compared += 1;
            if theirs != ours {
                diffs.push(format!(
                    "acl {id} {words} on {x:?}: haproxy {theirs}, rampart {ours}"
                ));
            }
        }
    }
    assert!(compared > 10_000, "only {compared} comparisons");
    assert!(
        diffs.is_empty(),
        "{} of {compared} answers differ:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// Configuration errors: HAProxy's message for a bad ACL or map, after its
/// `error detected while parsing ACL 'a' : ` or `invalid args in converter 'c' : `
/// prefix, equals this crate's.
#[test]
fn load_errors_read_as_haproxy_writes_them() {
    assert!(Path::new(HAPROXY).exists(), "{HAPROXY} is required");
    let dir = std::env::temp_dir().join(format!("rampart-pattern-errors-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let _run = Run {
        dir: dir.clone(),
        child: None,
    };
    let files: &[(&str, &str)] = &[
        ("ints.lst", "1\n2:3\nx\n"),
        ("ips.map", "10.0.0.1 a\nname b\n"),
        ("vals.map", "a 1\nb two\n"),
        ("two.map", "k v\n"),
        ("bin.lst", "6162\n616\n"),
    ];
    for (name, content) in files {
        std::fs::write(dir.join(name), content).expect("write pattern file");
    }
    let acls: &[&str] = &[
        "-m int -f @/ints.lst",
        "-m int 1-2-3",
        "-m int gt x",
        "-m int 5:3",
        "-m bin -f @/bin.lst",
        "-m bin zz",
        "-m ip -n foo",
        "-m ip 1.2.3.4/33",
        "-m ip 1.2.3.4.",
        "-m ip ::1/129",
        "-m reg (abc",
        "-m reg [z-a]",
        "-m reg a{2,1}",
        "-m foo x",
        "-q",
        "-u x a",
        "-f @/nope",
        "-f @/two.map -M -f @/two.map -m str",
        "-m ip -f @/ips.map",
    ];
    let convs: &[&str] = &[
        "map_ip(@/ips.map)",
        "map_str_int(@/vals.map)",
        "map_str_ip(@/vals.map)",
        "map_int(@/ips.map)",
        "map_str(@/nope.map)",
        "map_str_ip(@/two.map,foo)",
    ];
    let mut diffs = Vec::new();
    for (k, words) in acls.iter().enumerate() {
        let words = expand(words, &dir);
        let cfg = format!(
            "defaults\n    mode http\nfrontend f{k}\n    bind 127.0.0.1:{}\n    acl a req.fhdr(x) {words}\n",
            common::free_ports(1)
        );
        let theirs = haproxy_error(&dir, &cfg, "while parsing ACL 'a' : ");
        let mut reg = Registry::new();
        let mut cx = LoadCx {
            registry: &mut reg,
            files: &Disk,
            origin: Origin {
                file: "t.cfg",
                line: 5,
            },
            resolver: None,
            bufsize: 16384,
            proc_vars: Vec::new(),
        };
        let spec = AclSpec {
            kw: "req.fhdr",
            keyword: None,
            out_type: SmpType::Str,
        };
        let w: Vec<&str> = words.split_whitespace().collect();
        let ours = parse_acl_patterns(&w, &spec, &mut cx).err();
        assert!(theirs.is_some(), "haproxy accepted acl {words}");
        if theirs != ours {
            diffs.push(format!("acl {words}: haproxy {theirs:?}, rampart {ours:?}"));
        }
    }
    for (k, expr) in convs.iter().enumerate() {
        let expr = expand(expr, &dir);
        let name = &expr[..expr.find('(').unwrap_or(expr.len())];
        let cfg = format!(
            "defaults\n    mode http\nfrontend f{k}\n    bind 127.0.0.1:{}\n    http-request set-header y %[req.fhdr(x),{expr}]\n",
            common::free_ports(1)
        );
        let theirs = haproxy_error(
            &dir,
            &cfg,
            &format!("invalid args in converter '{name}' : "),
        );
        let d = find(name).expect("converter");
        let (mut a, _) = parse_args(&expr[name.len()..], &d.args).expect("arguments");
        let mut reg = Registry::new();
        let mut cx = LoadCx {
            registry: &mut reg,
            files: &Disk,
            origin: Origin {
                file: "t.cfg",
                line: 5,
            },
            resolver: None,
            bufsize: 16384,
            proc_vars: Vec::new(),
        };
        let ours = map::load(name, &mut a, &mut cx).err();
        // HAProxy ends the converter message with a period of its own.
        let ours = ours.map(|m| m.trim_end_matches('.').to_string());
        assert!(theirs.is_some(), "haproxy accepted {expr}");
        if theirs != ours {
            diffs.push(format!("{expr}: haproxy {theirs:?}, rampart {ours:?}"));
        }
    }
    assert!(diffs.is_empty(), "messages differ:\n{}", diffs.join("\n"));
}

/// The text of HAProxy's first alert after `marker`, without its final period; `None`
/// when the configuration is valid.
fn haproxy_error(dir: &Path, cfg: &str, marker: &str) -> Option<String> {
    let path = dir.join("e.cfg");
    std::fs::write(&path, cfg).expect("write configuration");
    let out = Command::new(HAPROXY)
        .arg("-c")
        .arg("-f")
        .arg(&path)
        .output()
        .expect("run haproxy -c");
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err.lines().find(|l| l.contains(marker))?;
    let text = &line[line.find(marker)? + marker.len()..];
    Some(text.strip_suffix('.').unwrap_or(text).to_string())
}
