//! End-to-end tests of what variables do inside sample expressions (manual 7.3.1 and
//! 3.1): the converters that read one (`concat`, `add_item`, `strcmp`,
//! `secure_memcmp`, the arithmetic ones and `hmac` with a variable operand), those
//! that write one as a side effect (`set-var`, `unset-var`, also inside ACL
//! conditions), process-wide `proc.` variables shared by every connection and thread,
//! and the global section's `set-var`/`set-var-fmt` evaluated once at start-up, with
//! HAProxy's messages for bad ones.
//!
//! Every expectation is HAProxy 2.6's: `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs the
//! same tests against it.

mod httpkit;
mod support;

use httpkit::*;
use support::*;

/// The reply's `x-out` header to `req` on a new connection.
fn out(port: u16, req: &str) -> String {
    let (_, m) = exchange(port, req.as_bytes());
    assert_eq!(m.status(), 200, "{req}");
    m.header("x-out").unwrap_or("<none>").to_string()
}

#[test]
fn converters_read_variables() {
    let dir = TempDir::new("vars-read");
    let p = free_ports(1);
    let conf = cfg(
        "    set-var proc.twelve int(12)\n",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n\
             \x20   http-request set-var(txn.s) req.hdr(x-s)\n\
             \x20   http-request set-var(txn.n) req.hdr(x-n),add(0) if {{ req.hdr(x-n) -m found }}\n\
             \x20   http-request set-var(txn.k) str(a2V5)\n\
             \x20   http-request set-var(txn.b) bin(61620063)\n\
             \x20   http-request return status 200 hdr x-out \"%[req.hdr(x-in),concat(<,txn.s,>)]|%[req.hdr(x-in),concat(<,txn.none,>)]|%[req.hdr(x-in),concat(,txn.b,)]|%[req.hdr(x-in),concat(,txn.n)]|%[req.hdr(x-in),add_item(',',txn.s,_suf)]|%[req.hdr(x-in),add_item(',',txn.s)]|%[req.hdr(x-in),add_item(',',,_suf)]|%[req.hdr(x-in),strcmp(txn.s)]|%[req.hdr(x-in),secure_memcmp(txn.s)]|%[int(30),add(txn.n)]|%[int(30),div(proc.twelve)]|%[int(7),and(txn.n)]|%[int(1),sub(txn.none)]|%[req.hdr(x-in),hmac(sha256,txn.k),hex]\"\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    // Every variable set.
    assert_eq!(
        out(p, "GET / HTTP/1.1\r\nhost: t\r\nx-in: abc\r\nx-s: abc\r\nx-n: 12\r\n\r\n"),
        "abc<abc>|abc<>|abcab|abc12|abc,abc_suf|abc,abc|abc,_suf|0|1|42|2|4||9C196E32DC0175F86F4B1CB89289D6619DE6BEE699E4C378E68309ED97A1A6AB"
    );
    // An empty input: `add_item` adds no delimiter; a missing variable fails `strcmp`,
    // `secure_memcmp` and the arithmetic converters. `strcmp` orders by the first
    // byte difference, then by length.
    assert_eq!(
        out(p, "GET / HTTP/1.1\r\nhost: t\r\nx-in: \r\nx-s: abc\r\n\r\n"),
        "<abc>|<>|ab||abc_suf|abc|_suf|-1|0||2|||5D5D139563C95B5967B9BD9A8C9B233A9DEDB45072794CD232DC1B74832607D0"
    );
    assert_eq!(
        out(
            p,
            "GET / HTTP/1.1\r\nhost: t\r\nx-in: abz\r\nx-s: abc\r\n\r\n"
        )
        .split('|')
        .nth(7),
        Some("23")
    );
    assert_eq!(
        out(
            p,
            "GET / HTTP/1.1\r\nhost: t\r\nx-in: aaz\r\nx-s: abc\r\n\r\n"
        )
        .split('|')
        .nth(7),
        Some("-1")
    );
    assert_eq!(
        out(
            p,
            "GET / HTTP/1.1\r\nhost: t\r\nx-in: abcd\r\nx-s: abc\r\n\r\n"
        )
        .split('|')
        .nth(7),
        Some("1")
    );
}

#[test]
fn converters_write_variables() {
    let dir = TempDir::new("vars-write");
    let p = free_ports(1);
    let conf = cfg(
        "    nbthread 2\n",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n\
             \x20   http-request deny deny_status 403 if {{ req.hdr(x-d),set-var(txn.d,ifnotexists),length -m int 0 }}\n\
             \x20   http-request set-var(txn.x) str(first)\n\
             \x20   http-request set-var(txn.y) str(keep),set-var(txn.x,ifnotexists),set-var(txn.z)\n\
             \x20   http-request set-var(txn.w) str(gone),unset-var(txn.x)\n\
             \x20   http-request set-var(proc.hits) var(proc.hits,0),add(1)\n\
             \x20   http-request set-var(txn.r) str(res),set-var(res.r)\n\
             \x20   http-request set-var(txn.q) str(req),set-var(req.q)\n\
             \x20   http-request return status 200 hdr x-out \"d=%[var(txn.d)] x=%[var(txn.x)] y=%[var(txn.y)] z=%[var(txn.z)] w=%[var(txn.w)] r=%[var(txn.r)] q=%[var(txn.q)] hits=%[var(proc.hits)]\"\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    let (mut c, m) = exchange(p, b"GET / HTTP/1.1\r\nhost: t\r\nx-d: dd\r\n\r\n");
    assert_eq!(
        m.header("x-out"),
        Some("d=dd x= y= z= w=gone r= q=req hits=1")
    );
    // The ACL's converter stores the empty header, whose length makes the rule deny.
    c.send(b"GET / HTTP/1.1\r\nhost: t\r\nx-d: \r\n\r\n");
    assert_eq!(read_response(&mut c, false).status(), 403);
    // proc variables are shared by connections (and threads).
    for n in 2..6 {
        assert_eq!(
            out(p, "GET / HTTP/1.1\r\nhost: t\r\nx-d: a\r\n\r\n"),
            format!("d=a x= y= z= w=gone r= q=req hits={n}")
        );
    }
}

#[test]
fn global_set_var_runs_once_at_start_up() {
    let dir = TempDir::new("vars-global");
    let p = free_ports(1);
    let conf = cfg(
        "    set-var proc.int12 int(12)\n\
         \x20   set-var proc.int5 var(proc.str60,60),div(proc.int12)\n\
         \x20   set-var proc.str1 str(\"this is\")\n\
         \x20   set-var proc.str var(proc.str1)\n\
         \x20   set-var-fmt proc.str \"%[var(proc.str)] a string %[var(proc.int5),mul(2)]\"\n\
         \x20   set-var proc.bool bool(1)\n",
        "",
        &format!(
            "frontend f\n    bind 127.0.0.1:{p}\n\
             \x20   http-request set-var(txn.e) str(e),set-var(proc.str60,ifexists)\n\
             \x20   http-request return status 200 hdr x-out \"%[var(proc.int5)]|%[var(proc.str)]|%[var(proc.bool)]|%[var(proc.str60)]\"\n"
        ),
    );
    let _px = proxy(&dir, &conf, p);
    // proc.str60 exists (named by the global section) though it was never set.
    assert_eq!(
        out(p, "GET / HTTP/1.1\r\nhost: t\r\n\r\n"),
        "5|this is a string 10|1|e"
    );
}

#[test]
fn bad_global_set_var_lines_are_refused_with_haproxys_messages() {
    let dir = TempDir::new("vars-check");
    for (line, msg) in [
        (
            "set-var proc.x",
            "'set-var' requires a process-wide variable name ('proc.<name>') and a sample expression.",
        ),
        (
            "set-var-fmt proc.x",
            "'set-var-fmt' requires a process-wide variable name ('proc.<name>') and a format string.",
        ),
        (
            "set-var txn.x int(1)",
            "'set-var': cannot set variable 'txn.x', only scope 'proc' is permitted in the global section.",
        ),
        (
            "set-var proc.x req.hdr(host)",
            "fetch method 'set-var(proc.x)' extracts information from 'HTTP request headers', none of which is available here",
        ),
        ("set-var proc.x-y int(1)", "invalid syntax at char '-y)'"),
        (
            "set-var proc.x int(1),concat(a,bad)",
            "invalid args in converter 'concat' : failed to register variable name 'bad'",
        ),
        (
            "set-var proc.x str(a),add_item(a,)",
            "invalid args in converter 'add_item' : one of the optional arguments has to be nonempty",
        ),
        (
            "set-var proc.x str(a),set-var(proc.y,ifnope)",
            "invalid args in converter 'set-var' : unknown condition \"ifnope\"",
        ),
        (
            "set-var proc.x int(1),add(foo)",
            "invalid args in converter 'add' : expects an integer or a variable name",
        ),
    ] {
        let conf = cfg(&format!("    {line}\n"), "", "");
        let path = dir.write("bad.cfg", &conf);
        let r = std::process::Command::new(rampart_bin())
            .args(["-c", "-f"])
            .arg(&path)
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(1), "{line}: {err}");
        assert!(
            err.contains(&format!(": config : parsing [{}:2] : {msg}\n", path.display())),
            "{line}: {err}"
        );
    }
}
