//! Tests of the error keywords: HAProxy's messages (checked with `haproxy -c` on the same
//! lines), inheritance, precedence and the resolution of `http-errors` sections.

use super::{ErrorConf, ErrorReply};
use crate::proxy::testutil::*;
use rampart_rules::reply::ReplyBody;
use std::path::PathBuf;

/// A directory with error files, removed when dropped.
struct Files(PathBuf);

impl Files {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("rampart-errors-{tag}-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        for (name, status) in [("503.http", 503), ("404.http", 404), ("a503.http", 503)] {
            let body = format!("{name}\n");
            let _ = std::fs::write(
                dir.join(name),
                format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                ),
            );
        }
        let _ = std::fs::write(dir.join("bad.http"), "garbage");
        Files(dir)
    }
    /// `text` with every `@` replaced by the directory.
    fn cfg(&self, text: &str) -> String {
        text.replace('@', &self.0.to_string_lossy())
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The raw bytes of the message a proxy sends for `status` (`None`: built-in page).
fn sent(r: &Run, px: &str, status: u16) -> Option<String> {
    r.proxy(px).errors.get(status).map(|e| match e {
        ErrorReply::Message(m) => String::from_utf8_lossy(&m.raw).into_owned(),
        ErrorReply::Reply(r) => format!("reply {} {:?}", r.status, r.body),
    })
}

const T: &str =
    "defaults\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n";

#[test]
fn parse_errors_match_haproxy() {
    let f = Files::new("parse");
    let r = run(&f.cfg(&format!(
        "{T}frontend fe\n errorloc\n errorloc 503\n errorloc 999 http://x\n errorfiles\n \
         errorfiles site 999\n http-error\n http-error status 503 foo\n http-error status 999\n \
         http-error status 201\n http-error content-type text/plain string x\n \
         http-error status 503 errorfiles\n http-error status 404 errorfile /nonexist\n \
         http-error status 503 file /nonexist\n http-error status 503 string x\n \
         http-error status 404 errorfile @/bad.http hdr a b\n errorfile 503\n \
         http-error default-errorfiles\n"
    )));
    let dir = f.0.to_string_lossy();
    for msg in [
        "errorloc : expects <status_code> and <url> as arguments.\n".to_string(),
        "errorloc : status code '999' not handled.".into(),
        "errorfiles : expects <name> as argument.".into(),
        "errorfiles : status code '999' not handled.".into(),
        "http-error : expects at least a <status> as arguments.\n".into(),
        "http-error : unknown keyword 'foo'.".into(),
        "http-error : Unexpected status code '999'".into(),
        "http-error: status code '201' not handled.".into(),
        "http-error : 'errorfiles' expects <name> as argument".into(),
        "http-error : error opening file '/nonexist'.".into(),
        "http-error : error opening file '/nonexist'".into(),
        "http-error : a content type must be defined when non-empty payload is configured".into(),
        format!("http-error : '{dir}/bad.http': unable to parse headers (error offset: 0)"),
        "errorfile : expects <status_code> and <file> as arguments.\n".into(),
        "http-error : status code '0' not handled by default with 'default-errorfiles' argument."
            .into(),
    ] {
        assert!(r.has_alert(&msg), "{msg}");
    }
    // Two lines say "expects at least a <status>": no status, and a payload without one.
    let n = r
        .diags
        .iter()
        .filter(|d| d.message.starts_with("http-error : expects at least"))
        .count();
    assert_eq!(n, 2);
}

#[test]
fn reply_warnings_match_haproxy() {
    let f = Files::new("warn");
    let r = run(&f.cfg(&format!(
        "{T}http-errors site\n errorfile 503 @/503.http\nfrontend fe\n bind :8080\n \
         http-error status 503 content-type text/plain\n \
         http-error status 503 content-type text/plain default-errorfiles hdr x-a b\n \
         http-error status 503 hdr content-length 3\n"
    )));
    for msg in [
        "content-type 'text/plain' ignored by the http reply because neither errorfile nor payload defined.",
        "content-type 'text/plain' ignored by the http reply when used with an erorrfile.",
        "hdr parameters ignored by the http reply when used with an erorrfile.",
        "header 'content-length' always ignored by the http reply.",
    ] {
        assert!(r.has_warning(msg), "{msg}");
    }
    assert!(r.valid());
}

#[test]
fn sections_resolved_after_parsing() {
    let f = Files::new("resolve");
    let r = run(&f.cfg(&format!(
        "{T} errorfiles nosuch\nfrontend fe\n bind :8080\n errorfiles site 404 503\n \
         http-error status 404 errorfiles site\n errorfiles other 503\n default_backend be\n\
         backend be\n errorfiles nosuch2\nfrontend off\n bind :8081\n disabled\n errorfiles gone\n\
         http-errors site\n errorfile 503 @/503.http\n"
    )));
    let m = r.messages();
    // HAProxy's lines, word for word (its pid aside).
    let tail: Vec<&str> = m.iter().map(String::as_str).skip(m.len() - 6).collect();
    assert_eq!(
        tail,
        [
            "[ALERT]    (1) : config : proxy 'fe': unknown http-errors section 'nosuch' (at t.cfg:6).",
            "[WARNING]  (1) : config : config: proxy 'fe' : status '404' not declared in http-errors section 'site' (at t.cfg:9).",
            "[WARNING]  (1) : config : config: proxy 'fe' : status '404' not declared in http-errors section 'site' (at t.cfg:10).",
            "[ALERT]    (1) : config : proxy 'fe': unknown http-errors section 'other' (at t.cfg:11).",
            "[ALERT]    (1) : config : proxy 'be': unknown http-errors section 'nosuch' (at t.cfg:6).",
            "[ALERT]    (1) : config : proxy 'be': unknown http-errors section 'nosuch2' (at t.cfg:14).",
        ],
        "{m:#?}"
    );
}

#[test]
fn last_setting_wins_and_defaults_come_first() {
    let f = Files::new("order");
    let r = run(&f.cfg(&format!(
        "http-errors site\n errorfile 503 @/a503.http\n errorfile 404 @/404.http\n\
         {T} errorfile 503 @/503.http\n errorloc302 404 http://x/404\n\
         frontend inherit\n bind :8080\n\
         frontend section\n bind :8081\n errorfiles site\n\
         frontend codes\n bind :8082\n errorfiles site 404\n\
         frontend back\n bind :8083\n errorfiles site\n errorfile 503 @/503.http\n \
         errorloc303 404 /x\n\
         frontend builtin\n bind :8084\n http-error status 503 default-errorfiles\n \
         http-error status 404\n\
         frontend one\n bind :8085\n http-error status 503 errorfiles site\n"
    )));
    assert!(r.valid());
    let loc = |s: &str| {
        format!("HTTP/1.1 {s}\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: ")
    };
    let a503 = "HTTP/1.1 503 X\r\nContent-Length: 10\r\n\r\na503.http\n";
    let d503 = "HTTP/1.1 503 X\r\nContent-Length: 9\r\n\r\n503.http\n";
    let s404 = "HTTP/1.1 404 X\r\nContent-Length: 9\r\n\r\n404.http\n";
    assert_eq!(sent(&r, "inherit", 503).as_deref(), Some(d503));
    assert_eq!(
        sent(&r, "inherit", 404),
        Some(format!("{}http://x/404\r\n\r\n", loc("302 Found")))
    );
    assert_eq!(sent(&r, "section", 503).as_deref(), Some(a503));
    assert_eq!(sent(&r, "section", 404).as_deref(), Some(s404));
    assert_eq!(sent(&r, "codes", 503).as_deref(), Some(d503));
    assert_eq!(sent(&r, "codes", 404).as_deref(), Some(s404));
    assert_eq!(sent(&r, "back", 503).as_deref(), Some(d503));
    assert_eq!(
        sent(&r, "back", 404),
        Some(format!("{}/x\r\n\r\n", loc("303 See Other")))
    );
    assert_eq!(sent(&r, "builtin", 503), None);
    assert_eq!(sent(&r, "builtin", 404).as_deref(), Some("reply 404 Empty"));
    assert_eq!(sent(&r, "one", 503).as_deref(), Some(a503));
    assert_eq!(sent(&r, "one", 404), sent(&r, "inherit", 404));
    // A status without an entry of its own uses 500's.
    assert_eq!(sent(&r, "inherit", 418), None);
    // The list keeps what was written, inherited entries first.
    let conf = &r.proxy("one").errors.conf;
    assert_eq!(conf.len(), 3);
    assert!(matches!(&conf[2], ErrorConf::Section { name, codes: Some(_), .. } if name == "site"));
}

#[test]
fn http_error_replies() {
    let r = run(&format!(
        "{T}frontend fe\n bind :8080\n http-error status 500 content-type text/plain string oops hdr x-a b\n \
         http-error status 400\n http-error status 500 content-type text/plain string twice\n"
    ));
    assert!(r.valid());
    let p = r.proxy("fe");
    let Some(ErrorReply::Reply(reply)) = p.errors.get(500) else {
        panic!("{:?}", p.errors.table);
    };
    assert!(matches!(&reply.body, ReplyBody::Raw(b) if b == b"twice"));
    assert_eq!(reply.content_type.as_deref(), Some("text/plain"));
    let Some(ErrorReply::Reply(reply)) = p.errors.get(400) else {
        panic!("{:?}", p.errors.table);
    };
    assert_eq!(reply.status, 400);
    assert!(matches!(reply.body, ReplyBody::Empty));
}

#[test]
fn http_request_return_errorfiles_resolved() {
    use rampart_rules::action::HttpAct;
    use rampart_rules::reply::ReplyBody as RB;
    let f = Files::new("return");
    let r = run(&f.cfg(&format!(
        "{T}frontend fe\n bind :8080\n http-request return status 503 errorfiles site if TRUE\n \
         http-request return status 404 errorfiles site if TRUE\n \
         http-request return status 503 errorfiles nowhere\n\
         http-errors site\n errorfile 503 @/503.http\n"
    )));
    assert!(r.has_warning(
        "Proxy 'fe': status '404' referenced by an http reply not declared in http-errors section 'site'."
    ));
    assert!(r.has_alert(
        "Proxy 'fe': unknown http-errors section 'nowhere' referenced by an http reply ."
    ));
    let bodies: Vec<_> = r
        .proxy("fe")
        .http_request
        .iter()
        .map(|rule| match &*rule.act {
            HttpAct::Return(reply) => match &reply.body {
                RB::ErrorFile(m) => format!("file {}", m.status),
                RB::Empty => "Empty".to_string(),
                RB::ErrorFiles(n) => format!("ErrorFiles({n:?})"),
                _ => "other".to_string(),
            },
            _ => "not a return".to_string(),
        })
        .collect();
    assert_eq!(bodies, ["file 503", "Empty", "ErrorFiles(\"nowhere\")"]);
}
