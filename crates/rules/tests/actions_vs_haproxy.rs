//! Differential test of the HTTP actions against HAProxy 2.6 itself.
//!
//! One HAProxy process (Debian's `/usr/sbin/haproxy`, or `HAPROXY_BIN`) has one
//! frontend per case, which runs the case's rules as written, then reports the request
//! (or response) as the rules left it with `http-request return` (or `http-response
//! return`): method, target, version, `req.hdrs`, some variables. The
//! same rules are parsed with `rampart_rules::action`, run on the same request parsed
//! by `rampart_h1`, and the same report is rendered; answers that end the rule set
//! (deny, return, redirect, failed rewrites, invalid requests) are compared byte for
//! byte or by status.

#![allow(clippy::expect_used)]

mod common;

use common::{free_ports, Haproxy, TempDir};
use rampart_config::env::Env as ConfigEnv;
use rampart_config::lexer::{split_line, LineCtx};
use rampart_h1::{parse_request, parse_response, ParseOpts, Parsed, RequestHead, ResponseHead};
use rampart_rules::action::{http, ActCx, HttpAct, RuleSet, Scratch, Txn, Verdict};
use rampart_rules::conv::Cx;
use rampart_rules::fetch::place::Ckp;
use rampart_rules::logfmt::{LogFormat, Mode};
use rampart_rules::pattern::FileSource;
use rampart_rules::reply::write_reply;
use rampart_rules::stream::{Dir, Stream};
use rampart_rules::vars::StreamVars;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

/// A case: `http-request` rules (as written in a configuration) and a request head
/// (its `x-case` header is inserted after the request line).
struct ReqCase {
    rules: &'static [&'static str],
    req: &'static str,
}

const GET: &str =
    "GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nX-A: 1, 2 ,3\r\nx-a: 4\r\nCookie: c=1\r\n\r\n";
const ABS: &str = "GET http://old:81/p/./q/../r?b=2&a=1 HTTP/1.1\r\nHost: old:81\r\n\r\n";

const REQ_CASES: &[ReqCase] = &[
    ReqCase { rules: &["set-header X-A \"v %[path]\""], req: GET },
    ReqCase { rules: &["add-header x-a 5", "add-header X-New \"%[hdr(x-a,2)]\""], req: GET },
    ReqCase { rules: &["del-header X-a"], req: GET },
    ReqCase { rules: &["del-header x- -m beg"], req: GET },
    ReqCase { rules: &["del-header OOKIE -m end", "del-header os -m sub"], req: GET },
    ReqCase { rules: &["del-header ^(x|c) -m reg"], req: GET },
    ReqCase { rules: &["replace-header x-a ^([0-9]) <\\1>"], req: GET },
    ReqCase { rules: &["replace-value X-A ^([23])$ v\\1"], req: GET },
    ReqCase { rules: &["replace-value x-a . \"[%[path]]\""], req: GET },
    ReqCase {
        rules: &["replace-value x ^a$ b"],
        req: "GET / HTTP/1.1\r\nHost: h\r\nx: ,a, \"a,a\" ,\r\nx: a\r\n\r\n",
    },
    ReqCase { rules: &["replace-header cookie C=(.*) d"], req: GET },
    ReqCase { rules: &["set-header host new"], req: ABS },
    ReqCase { rules: &["replace-header host ^old(.*) x\\1"], req: ABS },
    ReqCase { rules: &["set-uri https://u@n2:8/z"], req: ABS },
    ReqCase { rules: &["set-uri http://a.b/c", "set-header host d"], req: GET },
    ReqCase { rules: &["set-uri /o", "set-header host d"], req: ABS },
    ReqCase { rules: &["set-method POST", "set-path /n%[path]"], req: GET },
    ReqCase { rules: &["set-pathq /n"], req: GET },
    ReqCase { rules: &["set-query y=2"], req: GET },
    ReqCase { rules: &["set-query %[str()]"], req: GET },
    ReqCase { rules: &["set-query a"], req: "GET /p HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["set-query %[str()]"], req: "GET /p HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["set-path /n"], req: ABS },
    ReqCase { rules: &["set-path /n"], req: "GET http://h:1 HTTP/1.1\r\nHost: h:1\r\n\r\n" },
    ReqCase { rules: &["set-pathq /n?z"], req: "GET http://h:1?q HTTP/1.1\r\nHost: h:1\r\n\r\n" },
    ReqCase { rules: &["set-query z"], req: ABS },
    ReqCase { rules: &["replace-path /a/(.*) /z/\\1"], req: GET },
    ReqCase { rules: &["replace-pathq x=(.) y\\1"], req: GET },
    ReqCase { rules: &["replace-uri ^/a /c%[hdr(x-a)]"], req: GET },
    ReqCase { rules: &["replace-uri ^http://([^/]*)(.*) \\2?h=\\1"], req: ABS },
    ReqCase { rules: &["replace-uri ^(.*)$ http://new\\1"], req: GET },
    ReqCase { rules: &["replace-path ^/p(.*) \\1"], req: ABS },
    ReqCase { rules: &["normalize-uri path-merge-slashes"], req: "GET //a//b/?x//y HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri path-strip-dot"], req: ABS },
    ReqCase { rules: &["normalize-uri path-strip-dot"], req: "GET /./a/./b/.?./ HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri path-strip-dotdot"], req: ABS },
    ReqCase { rules: &["normalize-uri path-strip-dotdot"], req: "GET /../a/../../b/.. HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri path-strip-dotdot full"], req: "GET /../a/../../b/c/.. HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri path-strip-dotdot"], req: "GET /a/b/c/../../d/e/..? HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri query-sort-by-name"], req: ABS },
    ReqCase { rules: &["normalize-uri query-sort-by-name"], req: "GET /q?c=1&b&a=2&b=0&&a HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri query-sort-by-name"], req: "GET /q?z&y& HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri query-sort-by-name"], req: "GET /q HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri percent-to-uppercase"], req: "GET /%aa%Bb%z1%?%cc HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri percent-to-uppercase strict"], req: "GET /%aa%z1 HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri percent-decode-unreserved"], req: "GET /%41%2f%7E%2D%5f%2E%30%%4 HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri percent-decode-unreserved strict"], req: "GET /%41%4 HTTP/1.1\r\nHost: h\r\n\r\n" },
    // HAProxy 2.6 reads these with a condition as `path-merge-slashes`.
    ReqCase { rules: &["normalize-uri path-strip-dotdot if TRUE"], req: "GET /a//b/../c HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri percent-to-uppercase if TRUE"], req: "GET //%aa HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri percent-decode-unreserved strict if TRUE"], req: "GET //%41 HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri fragment-strip"], req: "GET /a#b?c#d HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri fragment-encode"], req: "GET /a#b?c#d HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri fragment-strip"], req: "GET /a?b HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["normalize-uri fragment-encode"], req: "GET /a?b HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase {
        rules: &["set-var(txn.a) path,upper", "set-var-fmt(sess.b) \"<%[path]%[hdr(nope)]>\"",
            "set-var(req.c,ifnotexists) int(1)", "set-var(req.c,ifnotexists) int(2)"],
        req: GET,
    },
    ReqCase {
        rules: &["set-var(txn.a) str(x)", "unset-var(txn.a)", "set-var(txn.a,ifexists) str(y)",
            "set-var(req.c) int(5)", "set-var(req.c,ifgt) int(9)", "set-var(req.c,iflt) int(7)"],
        req: GET,
    },
    // Rewrites that overflow the buffer: an error in strict mode, skipped otherwise.
    ReqCase {
        rules: &["set-header x1 %[req.hdrs]%[req.hdrs]", "set-header x2 %[req.hdrs]%[req.hdrs]"],
        req: "GET / HTTP/1.1\r\nHost: h\r\nbig: {BIG}\r\n\r\n",
    },
    ReqCase {
        rules: &["strict-mode off", "set-header x1 %[req.hdrs]%[req.hdrs]",
            "set-header x2 %[req.hdrs]%[req.hdrs]", "set-header x3 ok"],
        req: "GET / HTTP/1.1\r\nHost: h\r\nbig: {BIG}\r\n\r\n",
    },
    ReqCase { rules: &["deny"], req: GET },
    ReqCase { rules: &["deny deny_status 429"], req: GET },
    ReqCase { rules: &["tarpit deny_status 200 content-type text/plain string nope hdr x y"], req: GET },
    ReqCase { rules: &["return status 201 content-type text/plain lf-string \"u=%[url]\" hdr X-A \"%[req.hdr(x-a)]\" hdr X-E \"%[req.hdr(nope)]\""], req: GET },
    ReqCase { rules: &["return status 204"], req: GET },
    ReqCase { rules: &["return content-type t string s"], req: "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["redirect location /x%[path] code 303 set-cookie A=1"], req: GET },
    ReqCase { rules: &["redirect scheme https drop-query append-slash"], req: "GET /s/b?c HTTP/1.1\r\nHost: h1, h2\r\n\r\n" },
    ReqCase { rules: &["redirect prefix / code 301"], req: GET },
    ReqCase { rules: &["redirect prefix http://n code 308 clear-cookie S"], req: "GET http://h HTTP/1.1\r\nHost: h\r\n\r\n" },
    ReqCase { rules: &["redirect location %[hdr(nope)] ignore-empty", "set-header r 1"], req: GET },
    ReqCase { rules: &["redirect scheme https"], req: "GET / HTTP/1.0\r\n\r\n" },
    ReqCase { rules: &["set-header host %[str()]", "set-header host x"], req: ABS },
    ReqCase { rules: &["set-header host %[str()]", "set-header y z"], req: ABS },
    ReqCase { rules: &["replace-uri ^/(.*) http:///\\1"], req: GET },
    ReqCase {
        rules: &["set-var-fmt(txn.a) \"%{+Q}[path]|%{+Q}[hdr(nope)]|%{+M}[hdr(nope)]|%[hdr(nope)]|%{+E}[str(a]b)]\""],
        req: GET,
    },
    ReqCase { rules: &["set-var(txn.a) req.hdr(x-a,-1)", "set-var(sess.b) req.fhdr(x-a)"], req: GET },
    ReqCase { rules: &["set-method PURGE", "set-header m %[method]"], req: GET },
    ReqCase { rules: &["set-method GET", "set-header m %[method]"], req: "PURGE /x HTTP/1.1\r\nHost: h\r\n\r\n" },
];

/// `http-response` cases: the rules and the server's response.
struct ResCase {
    rules: &'static [&'static str],
    res: &'static str,
}

const RES: &str = "HTTP/1.1 200 OK\r\nServer: s\r\nX-V: a, b\r\nContent-Length: 0\r\n\r\n";

const RES_CASES: &[ResCase] = &[
    ResCase {
        rules: &["set-status 503 reason Busy", "set-header x-s %[status]"],
        res: RES,
    },
    ResCase {
        rules: &["set-status 404", "del-header server"],
        res: RES,
    },
    ResCase {
        rules: &["set-status 299"],
        res: RES,
    },
    ResCase {
        rules: &[
            "replace-value x-v ^b$ c",
            "add-header x-v %[res.hdr(server)]",
        ],
        res: RES,
    },
    ResCase {
        rules: &[
            "replace-header server (.*) <\\1>",
            "set-var(res.v) res.hdr(x-v,1)",
            "set-header x-r %[var(res.v)]",
        ],
        res: RES,
    },
    ResCase {
        rules: &["deny"],
        res: RES,
    },
    ResCase {
        rules: &["redirect location /l code 307"],
        res: RES,
    },
    ResCase {
        rules: &["return status 202 content-type t lf-string %[status]"],
        res: RES,
    },
];

/// What the request rules' final `return` reports.
const REQ_REPORT: &str =
    "%[method] %[url] %[req.ver]\n%[req.hdrs]\n%[var(txn.a)]|%[var(sess.b)]|%[var(req.c)]";
/// What the response rules' final `return` reports: HAProxy renders a reply once the
/// server's response is dropped, so these rules, added after each case's, keep what is
/// reported in variables first.
const RES_TAIL: &[&str] = &["set-var(txn.st) status", "set-var(txn.h) res.hdrs"];
const RES_REPORT: &str = "%[var(txn.st)]\n%[var(txn.h)]\n%[var(res.v)]";

#[test]
fn actions_match_haproxy() {
    let server = TcpListener::bind("127.0.0.1:0").expect("server socket");
    let server_addr = server.local_addr().expect("server address");
    thread::spawn(move || serve(server));
    let n = (REQ_CASES.len() + RES_CASES.len()) as u16;
    let base = free_ports(n);
    let dir = TempDir::new("actions");
    let cfg = config(base, server_addr);
    let cfg_path = dir.0.join("actions.cfg");
    std::fs::write(&cfg_path, &cfg).expect("write configuration");
    let ports: Vec<u16> = (base..base + n).collect();
    let _haproxy = Haproxy::start(&cfg_path, &ports);

    let mut diffs = Vec::new();
    for (i, c) in REQ_CASES.iter().enumerate() {
        let raw = with_case(c.req, i);
        let theirs = exchange(base + i as u16, &raw);
        let mine = run_request(c.rules, &raw);
        compare(
            &format!("request case {i} {:?}", c.rules),
            &theirs,
            &mine,
            &mut diffs,
        );
    }
    for (i, c) in RES_CASES.iter().enumerate() {
        let raw = format!("GET /r HTTP/1.1\r\nx-case: {i}\r\nHost: h\r\n\r\n");
        let port = base + (REQ_CASES.len() + i) as u16;
        let theirs = exchange(port, &raw);
        let mine = run_response(c.rules, &raw, c.res);
        compare(
            &format!("response case {i} {:?}", c.rules),
            &theirs,
            &mine,
            &mut diffs,
        );
    }
    assert!(
        diffs.is_empty(),
        "{} differences with HAProxy:\n{}\n\nconfiguration:\n{cfg}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// The case's request: `x-case` after the request line, `{BIG}` made 4000 bytes.
fn with_case(req: &str, i: usize) -> String {
    let (line, rest) = req.split_once("\r\n").unwrap_or((req, ""));
    format!("{line}\r\nx-case: {i}\r\n{rest}").replace("{BIG}", &"y".repeat(4000))
}

/// One frontend per case, on consecutive ports from `base`: the request cases, then
/// the response cases (their frontend forwards to the in-test server).
fn config(base: u16, server: SocketAddr) -> String {
    let mut c = String::from(
        "global\n    expose-experimental-directives\n\
         defaults\n    mode http\n    timeout client 10s\n    timeout server 10s\n    timeout connect 10s\n\n\
         backend be_res\n",
    );
    c.push_str(&format!("    server s {server}\n\n"));
    for (i, case) in REQ_CASES.iter().enumerate() {
        c.push_str(&format!(
            "frontend fe_req{i}\n    bind 127.0.0.1:{}\n",
            base + i as u16
        ));
        for r in case.rules {
            c.push_str(&format!("    http-request {r}\n"));
        }
        c.push_str(&format!(
            "    http-request return status 200 content-type text/plain lf-string \"{}\"\n\n",
            REQ_REPORT.replace('\n', "\\n")
        ));
    }
    for (i, case) in RES_CASES.iter().enumerate() {
        let port = base + (REQ_CASES.len() + i) as u16;
        c.push_str(&format!(
            "frontend fe_res{i}\n    bind 127.0.0.1:{port}\n    default_backend be_res\n"
        ));
        for r in case.rules.iter().chain(RES_TAIL) {
            c.push_str(&format!("    http-response {r}\n"));
        }
        c.push_str(&format!(
            "    http-response return status 200 content-type text/plain lf-string \"{}\"\n\n",
            RES_REPORT.replace('\n', "\\n")
        ));
    }
    c
}

/// A response: status and the whole bytes.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Rules went through: the report's body.
    Report(String),
    /// An answer compared byte for byte.
    Bytes(String),
    /// An answer compared by status (HAProxy's error pages).
    Status(u16),
}

fn compare(what: &str, theirs: &(u16, String, String), mine: &Outcome, diffs: &mut Vec<String>) {
    let (status, whole, body) = theirs;
    let same = match mine {
        Outcome::Report(r) => *status == 200 && body == r,
        Outcome::Bytes(b) => whole == b,
        Outcome::Status(s) => status == s,
    };
    if !same {
        diffs.push(format!(
            "{what}:\n  haproxy {status} {whole:?}\n  rampart {mine:?}"
        ));
    }
}

/// An HTTP stream, nothing else known.
struct HttpEnv;

impl rampart_rules::stream::Env for HttpEnv {
    fn http_mode(&self) -> bool {
        true
    }
}

struct Files;

impl FileSource for Files {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        Err(format!("no file {path}"))
    }
}

fn parse_rules(set: RuleSet, rules: &[&str]) -> Vec<HttpAct> {
    let env = ConfigEnv::empty();
    let ctx = LineCtx {
        env: &env,
        file: "t",
        line: 1,
        section: "frontend",
    };
    rules
        .iter()
        .map(|r| {
            let words = split_line(r.as_bytes(), &ctx).expect("rule words");
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            let mut cx = ActCx::new("fe", &Files);
            cx.experimental = true;
            let mut idx = 0;
            let a = http::parse(set, &words, &mut idx, &mut cx)
                .unwrap_or_else(|e| panic!("{r}: {e:?}"));
            // The only condition the cases use is `if TRUE`.
            assert!(
                words[idx..].is_empty() || words[idx..] == ["if", "TRUE"],
                "{r}"
            );
            a
        })
        .collect()
}

fn report(fmt: &str, s: &Stream<'_>) -> String {
    let lf = LogFormat::parse(
        fmt,
        Mode {
            http: true,
            merge_spaces: false,
            proxy_http: true,
            place: Ckp::FeHrqHdr,
        },
    )
    .or_else(|_| {
        LogFormat::parse(
            fmt,
            Mode {
                http: true,
                merge_spaces: false,
                proxy_http: true,
                place: Ckp::BeHrsHdr,
            },
        )
    })
    .expect("report format");
    let mut out = Vec::new();
    lf.render_http(s, &Cx::default(), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs the actions as a rule set does; `Some(outcome)` when one ended it.
fn run_set(acts: &[HttpAct], tx: &mut Txn<'_>, head_only: bool) -> Option<Outcome> {
    for a in acts {
        let v = a.exec(tx);
        let (mut out, mut tmp) = (Vec::new(), Vec::new());
        match v {
            Verdict::Continue | Verdict::RewriteFailed | Verdict::Effect(_) => continue,
            Verdict::Error { .. } => return Some(Outcome::Status(500)),
            Verdict::BadRequest => return Some(Outcome::Status(400)),
            Verdict::Deny(r) | Verdict::Tarpit(r) | Verdict::Return(r) => {
                // A reply replaces the server's response before it is rendered.
                let mut s = tx.stream();
                s.res = None;
                write_reply(
                    r, &s, tx.cx, None, None, head_only, None, &mut out, &mut tmp,
                );
            }
            Verdict::Redirect(r) => {
                let conn = tx
                    .req
                    .as_deref()
                    .filter(|h| h.version() == rampart_h1::Version::Http10)
                    .map(|_| &b"close"[..]);
                r.write_response(&tx.scratch.out, conn, None, &mut out);
            }
            other => panic!("unexpected verdict {other:?}"),
        }
        return Some(Outcome::Bytes(String::from_utf8_lossy(&out).into_owned()));
    }
    None
}

fn run_request(rules: &[&str], raw: &str) -> Outcome {
    let acts = parse_rules(RuleSet::HttpRequest, rules);
    let mut req = RequestHead::new();
    let parsed = parse_request(raw.as_bytes(), &ParseOpts::default(), &mut req);
    if !matches!(parsed, Ok(Parsed::Complete(_))) {
        // HAProxy must refuse it too.
        return Outcome::Status(400);
    }
    let head_only = req.method() == rampart_h1::Method::Head;
    let vars = StreamVars::default();
    let cx = Cx::default();
    let mut scratch = Scratch::default();
    let mut tx = Txn {
        env: &HttpEnv,
        req: Some(&mut req),
        res: None,
        req_data: &[],
        res_data: &[],
        req_complete: true,
        dir: Dir::Req,
        vars: &vars,
        cx: &cx,
        scratch: &mut scratch,
        strict: true,
    };
    if let Some(o) = run_set(&acts, &mut tx, head_only) {
        return o;
    }
    Outcome::Report(report(REQ_REPORT, &tx.stream()))
}

fn run_response(rules: &[&str], raw_req: &str, raw_res: &str) -> Outcome {
    let all: Vec<&str> = rules.iter().chain(RES_TAIL).copied().collect();
    let acts = parse_rules(RuleSet::HttpResponse, &all);
    let mut req = RequestHead::new();
    let _ = parse_request(raw_req.as_bytes(), &ParseOpts::default(), &mut req);
    let mut res = ResponseHead::new();
    let parsed = parse_response(raw_res.as_bytes(), &ParseOpts::default(), &mut res);
    assert!(
        matches!(parsed, Ok(Parsed::Complete(_))),
        "{raw_res}: {parsed:?}"
    );
    let vars = StreamVars::default();
    vars.start_response();
    let cx = Cx::default();
    let mut scratch = Scratch::default();
    let mut tx = Txn {
        env: &HttpEnv,
        req: Some(&mut req),
        res: Some(&mut res),
        req_data: &[],
        res_data: &[],
        req_complete: true,
        dir: Dir::Res,
        vars: &vars,
        cx: &cx,
        scratch: &mut scratch,
        strict: true,
    };
    match run_set(&acts, &mut tx, false) {
        // HAProxy's answer to a failed response rewrite is a 500 too; a bad response a 502.
        Some(Outcome::Status(400)) => Outcome::Status(502),
        Some(o) => o,
        None => Outcome::Report(report(RES_REPORT, &tx.stream())),
    }
}

/// The in-test server: answers the response of the case named by `x-case`.
fn serve(listener: TcpListener) {
    for conn in listener.incoming() {
        let Ok(mut conn) = conn else { continue };
        thread::spawn(move || {
            conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                if buf.len() > 65536 {
                    return;
                }
            }
            let text = String::from_utf8_lossy(&buf).to_ascii_lowercase();
            let case = text
                .lines()
                .find_map(|l| l.strip_prefix("x-case:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if let Some(c) = case.and_then(|i| RES_CASES.get(i)) {
                let _ = conn.write_all(c.res.as_bytes());
            }
            let _ = conn.shutdown(Shutdown::Write);
            let _ = conn.read(&mut chunk);
        });
    }
}

// ---------------------------------------------------------------------------------------
// Plumbing: ports, HAProxy, a small HTTP client.

/// Sends `raw` on a new connection and reads one response: status, the whole
/// response, the body.
fn exchange(port: u16, raw: &str) -> (u16, String, String) {
    let mut conn = TcpStream::connect(("127.0.0.1", port)).expect("connect to haproxy");
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
    conn.write_all(raw.as_bytes()).expect("send request");
    let head_req = raw.starts_with("HEAD ");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        if let Some(h) = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4) {
            let text = String::from_utf8_lossy(&buf[..h]).to_string();
            let cl = text
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .filter(|_| !head_req)
                .unwrap_or(0);
            if buf.len() >= h + cl {
                let status = text
                    .split(' ')
                    .nth(1)
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0);
                let whole = String::from_utf8_lossy(&buf[..h + cl]).into_owned();
                let body = String::from_utf8_lossy(&buf[h..h + cl]).into_owned();
                return (status, whole, body);
            }
        }
        match conn.read(&mut chunk) {
            Ok(0) => return (0, String::from_utf8_lossy(&buf).into_owned(), String::new()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!("reading the response: {e}"),
        }
        assert!(buf.len() < 1 << 20, "response too large");
    }
}
