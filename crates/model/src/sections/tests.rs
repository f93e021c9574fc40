//! Tests of the non-proxy sections: headers, duplicates, the implemented keywords and the
//! end-of-configuration checks, with HAProxy 2.6's messages.

#![allow(clippy::unwrap_used, clippy::field_reassign_with_default)]

use std::path::Path;

use rampart_config::{Diagnostics, SectionKind};

use super::mailers::DEFAULT_TIMEOUT_MAIL_MS;
use super::userlist::Password;
use super::*;
use crate::addr::{Host, Port};
use crate::global::tests::{config, rendered};
use crate::global::DefaultPath;
use crate::{LowerCx, LowerOptions};

fn run_in(text: &str, cwd: &Path) -> (Others, Vec<String>) {
    let c = config(text);
    let mut diags = Diagnostics::new();
    let mut opts = LowerOptions::default();
    opts.cwd = cwd.to_path_buf();
    opts.resolver = crate::global::tests::test_resolver();
    let others = {
        let mut cx = LowerCx {
            sources: &c.sources,
            diags: &mut diags,
            opts: &opts,
            default_path: DefaultPath::default(),
        };
        let mut b = OthersBuilder::default();
        for s in c
            .sections
            .iter()
            .filter(|s| s.kind != SectionKind::Global && !s.kind.is_proxy())
        {
            if cx.diags.aborted() {
                break;
            }
            lower_section(&mut b, s, &mut cx);
        }
        b.finish(&mut cx)
    };
    (others, rendered(&diags, &c))
}

fn run(text: &str) -> (Others, Vec<String>) {
    run_in(text, Path::new("/tmp"))
}

#[test]
fn userlists() {
    let (o, m) = run("userlist L\n group G users u1,u2\n user u1 password $6$abc$def\n user u2 insecure-password x groups H\n group H\n");
    assert!(m.is_empty(), "{m:?}");
    let ul = o.userlist("L").unwrap();
    assert_eq!(ul.groups.len(), 2);
    assert_eq!(ul.users[0].password, Password::Crypt("$6$abc$def".into()));
    assert_eq!(ul.users[0].groups, vec!["G".to_string()]);
    assert_eq!(ul.users[1].password, Password::Insecure("x".into()));
    assert_eq!(ul.users[1].groups, vec!["H".to_string(), "G".to_string()]);

    let (_, m) = run("userlist\nuserlist a b\nuserlist a/b\nuserlist a\nuserlist a\n");
    assert_eq!(
        m,
        [
            "ALERT parsing [t.cfg:1]: 'userlist' expects <name> as arguments.",
            "ALERT parsing [t.cfg:2] : 'userlist' cannot handle unexpected argument 'b'.",
            "ALERT parsing [t.cfg:3]: character '/' is not permitted in 'userlist' name 'a/b'.",
            "WARNING parsing [t.cfg:5]: ignoring duplicated userlist 'a'.",
        ]
    );
    let (_, m) = run("userlist L\n group G users u1,u2\n group G\n group H foo\n user u1 password foo\n user u1\n user u7 bogus\n user\n group\n group a/b\n foo\n");
    assert_eq!(
        m,
        [
            "WARNING parsing [t.cfg:3]: ignoring duplicated group 'G' in userlist 'L'.",
            "ALERT parsing [t.cfg:4]: 'group' only supports 'users' option.",
            "WARNING parsing [t.cfg:6]: ignoring duplicated user 'u1' in userlist 'L'.",
            "ALERT parsing [t.cfg:7]: 'user' only supports 'password', 'insecure-password' and 'groups' options.",
            "ALERT parsing [t.cfg:8]: 'user' expects <name> as arguments.",
            "ALERT parsing [t.cfg:9]: 'group' expects <name> as arguments.",
            "ALERT parsing [t.cfg:10]: character '/' is not permitted in 'group' name 'a/b'.",
            "ALERT parsing [t.cfg:11]: unknown keyword 'foo' in 'users' section",
        ]
    );
    // Cross-references are checked once parsing succeeded, as in HAProxy.
    let (_, m) = run("userlist L\n group G users u1,u2\n user u1\nuserlist M\n group G users nobody\n user u2 groups X\n");
    assert_eq!(
        m,
        [
            "ALERT userlist 'L': no such user 'u2' specified in group 'G'",
            "ALERT userlist 'M': no such group 'X' specified in user 'u2'",
            "ALERT userlist 'M': no such user 'nobody' specified in group 'G'",
        ]
    );
}

#[test]
fn http_errors_sections() {
    let dir = std::env::temp_dir().join(format!("rampart-he-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("errors")).unwrap();
    std::fs::write(
        dir.join("errors/503.http"),
        "HTTP/1.0 503 Service Unavailable\r\nContent-Length: 2\r\n\r\nno",
    )
    .unwrap();
    std::fs::write(dir.join("bad.http"), "hello").unwrap();
    let (o, m) = run_in(
        "http-errors site\n errorfile 503 errors/503.http\n errorfile 503 errors/503.http\n",
        &dir,
    );
    assert!(m.is_empty(), "{m:?}");
    let h = o.http_errors("site").unwrap();
    assert_eq!(h.files[&503].message.raw.len(), 57);
    assert_eq!(h.files[&503].path, dir.join("errors/503.http"));

    let (_, m) = run_in(
        "http-errors a/b\nhttp-errors E\n errorfile 503\n errorfile 999 bad.http\n errorfile 503 nonexist\n \
         errorfile 503 bad.http\n errorfile abc bad.http\n foo\nhttp-errors E\n",
        &dir,
    );
    assert_eq!(
        m,
        [
            "ALERT parsing [t.cfg:1] : character '/' is not permitted in 'http-errors' name 'a/b'.",
            "ALERT parsing [t.cfg:3] : errorfile: expects <status_code> and <file> as arguments.",
            "ALERT parsing [t.cfg:4] : errorfile : status code '999' not handled.",
            "ALERT parsing [t.cfg:5] : errorfile : error opening file 'nonexist'.",
            "ALERT parsing [t.cfg:6] : errorfile : 'bad.http': unable to parse headers (error offset: 0)",
            "ALERT parsing [t.cfg:7] : errorfile : status code '0' not handled.",
            "ALERT parsing [t.cfg:8] : unknown keyword 'foo' in 'http-errors' section",
            "ALERT parsing [t.cfg:9]: http-errors section 'E' already exists (declared at t.cfg:2).",
        ]
    );
    // A section without a name stops the load, as in HAProxy.
    let (_, m) = run_in("http-errors\nhttp-errors a/b\n", &dir);
    assert_eq!(
        m,
        ["ALERT parsing [t.cfg:1] : missing name for http-errors section."]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mailers_sections() {
    let (o, m) = run("mailers alerts\n timeout mail 20s\n mailer smtp1 192.168.0.1:587\n mailer smtp2 mail.example.com:25\n");
    assert!(m.is_empty(), "{m:?}");
    let ms = o.mailers("alerts").unwrap();
    assert_eq!(ms.timeout_mail_ms, 20_000);
    assert_eq!(ms.mailers.len(), 2);
    assert_eq!(ms.mailers[0].addr.port, Port::Range(587, 587));
    assert_eq!(ms.mailers[1].addr.host, Host::Ip([192, 0, 2, 25].into()));
    assert_eq!(
        run("mailers m\n").0.mailers("m").unwrap().timeout_mail_ms,
        DEFAULT_TIMEOUT_MAIL_MS
    );

    let (_, m) = run(
        "mailers\nmailers m\n mailer a\n mailer a/b 1.2.3.4:25\n mailer a 1.2.3.4\n mailer a /tmp/x.sock\n \
         timeout\n timeout foo 1s\n timeout mail\n timeout mail 5x\n foo\nmailers m\n",
    );
    assert_eq!(
        m,
        [
            "ALERT parsing [t.cfg:1] : missing name for mailers section.",
            "ALERT parsing [t.cfg:3] : 'mailer' expects <name> and <addr>[:<port>] as arguments.",
            "ALERT parsing [t.cfg:4] : character '/' is not permitted in server name 'a/b'.",
            "ALERT parsing [t.cfg:5] : 'mailer a' : missing port specification in '1.2.3.4'",
            "ALERT parsing [t.cfg:6] : 'mailer a' : TCP not supported for this address family.",
            "ALERT parsing [t.cfg:7] : 'timeout' expects 'mail' and <time> as arguments.",
            "ALERT parsing [t.cfg:8] : 'timeout' expects 'mail' and <time> as arguments got 'foo'.",
            "ALERT parsing [t.cfg:9] : 'timeout mail' expects <time> as argument.",
            "ALERT parsing [t.cfg:10]: unexpected character 'x' in argument to <timeout mail>.",
            "ALERT parsing [t.cfg:11] : unknown keyword 'foo' in 'mailers' section",
            "ALERT Parsing [t.cfg:12]: mailers section 'm' has the same name as another mailers section declared at t.cfg:2.",
        ]
    );
}

#[test]
fn catalogued_sections() {
    let (o, m) = run("peers p\npeers p\npeers a b\nresolvers r\nresolvers r\n resolution_pool_size 5\n nameserver a 1.2.3.4:53\n");
    assert_eq!(
        m,
        [
            "ALERT Parsing [t.cfg:2]: peers section 'p' has the same name as another peers section declared at t.cfg:1.",
            "ALERT parsing [t.cfg:3] : 'peers' cannot handle unexpected argument 'b'.",
            "ALERT Parsing [t.cfg:5]: resolvers 'r' has same name as another resolvers (declared at t.cfg:4).",
            "ALERT parsing [t.cfg:6] : 'resolution_pool_size' directive is not supported anymore (it never appeared in a stable release).",
            "ALERT parsing [t.cfg:7] : 'nameserver' is not supported yet",
        ]
    );
    assert_eq!(o.declared(SectionKind::Peers).count(), 1);

    let (_, m) = run("cache c a\ncache 0123456789012345678901234567890123\n total-max-size 4\ncache c\ncache c\n");
    assert_eq!(
        m,
        [
            "ALERT parsing [t.cfg:1] : 'cache' cannot handle unexpected argument 'a'.",
            "WARNING parsing [t.cfg:2]: cache name is limited to 32 characters, truncate to '01234567890123456789012345678901'.",
            "ALERT parsing [t.cfg:3] : 'total-max-size' is not supported yet",
            "ALERT parsing [t.cfg:5]: Duplicate cache name 'c'.",
        ]
    );
    assert_eq!(
        run("cache c\n").1,
        ["ALERT Size not specified for cache 'c'"]
    );

    let (_, m) = run("ring buf0\nring r\nring r\nring a/b\nring\n size 10\n bogus\n");
    assert_eq!(
        m,
        [
            "ALERT parsing [t.cfg:1] : sink named 'buf0' already exists.",
            "ALERT parsing [t.cfg:3] : sink named 'r' already exists.",
            "ALERT parsing [t.cfg:4] : invalid ring name 'a/b' (character '/' is not permitted).",
            "ALERT parsing [t.cfg:5] : missing ring name.",
            "ALERT parsing [t.cfg:6] : 'size' directive not usable with this type of sink.",
            "ALERT parsing [t.cfg:7] : unknown statement 'bogus'.",
        ]
    );

    let (_, m) = run("program p\n command x\nprogram p\nprogram\nprogram a b\nprogram q\n foo\n");
    assert_eq!(
        m,
        [
            "ALERT parsing [t.cfg:2] : 'command' is not supported yet",
            "ALERT parsing [t.cfg:3]: 'p' program section already exists in the configuration.",
            "ALERT parsing [t.cfg:4] : 'program' expects an <id> argument",
            "ALERT parsing [t.cfg:5] : 'program' cannot handle unexpected argument 'b'.",
            "ALERT parsing [t.cfg:7] : unknown keyword 'foo' in 'program' section",
        ]
    );
    assert_eq!(
        run("program q\n").1,
        ["ALERT The program section 'q' lacks a command to launch."]
    );

    let (_, m) = run("log-forward l\nlog-forward l\nlog-forward\n bind :514\n foo\nfcgi-app f\nfcgi-app f\nfcgi-app\n docroot /x\n foo\nnamespace_list\n namespace n\n");
    assert_eq!(
        m,
        [
            "ALERT Parsing [t.cfg:2]: log-forward section 'l' has the same name as another log-forward section declared at t.cfg:1.",
            "ALERT parsing [t.cfg:3] : missing name for ip-forward section.",
            "ALERT parsing [t.cfg:5] : unknown keyword 'foo' in log-forward section.",
            "ALERT Parsing [t.cfg:7]: fcgi-app section 'f' has the same name as another one declared at t.cfg:6.",
            "ALERT parsing [t.cfg:8]: 'fcgi-app' expects <name> as argument.",
            "ALERT parsing [t.cfg:9] : 'docroot' is not supported yet",
            "ALERT parsing [t.cfg:10]: unknown keyword 'foo' in 'fcgi-app' section",
            "ALERT parsing [t.cfg:12] : 'namespace' is not supported yet",
        ]
    );
}

#[test]
fn ring_sections() {
    let (o, m) = run(
        "ring r\n description my-ring\n format rfc5424\n size 32768\n maxlen 2000\n \
         timeout connect 2s\n timeout server 3s\n timeout other 1s\n \
         server s1 127.0.0.1:6514 log-proto octet-count\n server s2 127.0.0.1:6515\n",
    );
    assert_eq!(m, Vec::<String>::new());
    let r = o.ring("r").unwrap();
    assert_eq!(r.description.as_deref(), Some("my-ring"));
    assert_eq!(r.format, crate::log::LogFormat::Rfc5424);
    assert_eq!((r.size, r.maxlen), (32768, 2000));
    assert_eq!(
        (r.timeout_connect_ms, r.timeout_server_ms),
        (Some(2000), Some(3000))
    );
    assert_eq!(r.servers.len(), 2);
    assert_eq!(
        r.servers[0].settings.log_proto.as_deref(),
        Some("octet-count")
    );

    let (o, m) = run("ring r\n size 1000\n");
    assert_eq!(
        m,
        ["ALERT parsing [t.cfg:2] : ignoring new size '1000' that is smaller than current size '16384' for ring 'r'."]
    );
    assert_eq!(o.ring("r").unwrap().size, 16384);
    let (o, m) = run("ring r\n size 20000\n maxlen 30000\n");
    assert_eq!(
        m,
        ["WARNING ring 'r' event max length '30000' exceeds size, forced to size '20000'."]
    );
    assert_eq!(o.ring("r").unwrap().maxlen, 20000);
    let (_, m) = run("ring r\n format bogus\n maxlen 0\n timeout connect\n description\n server s2\n server s3 udp@127.0.0.1:5\n");
    assert_eq!(
        m,
        [
            "ALERT parsing [t.cfg:2] : unknown format 'bogus'.",
            "ALERT parsing [t.cfg:3] : invalid size '0' for new sink buffer.",
            "ALERT parsing [t.cfg:4] : 'timeout connect' expects <time> as argument.",
            "ALERT parsing [t.cfg:5] : missing ring description text.",
            "ALERT [t.cfg:6] : 'server' expects <name> and <addr>[:<port>] as arguments.",
            "ALERT [t.cfg:7] : 'server r/s3' : dgram-type address not acceptable in 'udp@127.0.0.1:5'\n",
        ]
    );
}

#[test]
fn log_forward_sections() {
    let (o, m) = run(
        "log-forward lf\n dgram-bind 127.0.0.1:1514\n bind 127.0.0.1:1515 backlog 5\n \
         log 127.0.0.1:1 format rfc5424 local0\n log global\n maxconn 20\n backlog 8\n \
         timeout client 5s\n",
    );
    assert_eq!(m, Vec::<String>::new());
    let lf = &o.log_forwards[0];
    assert_eq!(
        (lf.binds.len(), lf.dgram_binds.len(), lf.logs.len()),
        (1, 1, 2)
    );
    assert_eq!(
        (lf.maxconn, lf.backlog, lf.timeout_client_ms),
        (20, Some(8), Some(5000))
    );
    assert_eq!(
        run("log-forward lf\n log global\n").1,
        ["WARNING frontend 'lf' has no 'bind' directive. Please declare it as a backend if this was intended."]
    );
    let (_, m) = run(
        "log-forward lf\n timeout server 1s\n timeout client\n maxconn 10 20\n backlog\n log\n \
         dgram-bind tcp@127.0.0.1:1514\n bind udp@127.0.0.1:1514\n",
    );
    assert_eq!(
        m,
        [
            "ALERT parsing [t.cfg:2] : unknown keyword 'timeout server' in log-forward section.",
            "ALERT parsing [t.cfg:3] : missing timeout client value.",
            "ALERT parsing [t.cfg:4] : 'maxconn' cannot handle unexpected argument '20'.",
            "ALERT parsing [t.cfg:5] : 'backlog' expects an integer argument.",
            "ALERT parsing [t.cfg:6] : log : expects <address> and <facility> or global as arguments",
            "ALERT parsing [t.cfg:7] : 'dgram-bind tcp@127.0.0.1:1514' : stream-type address not acceptable in 'tcp@127.0.0.1:1514'",
            "ALERT parsing [t.cfg:8] : 'bind udp@127.0.0.1:1514' : dgram-type address not acceptable in 'udp@127.0.0.1:1514'",
        ]
    );
}

#[test]
fn tables_are_complete_and_unique() {
    let t = tables();
    assert_eq!(t.len(), 11);
    for info in &t {
        let mut names: Vec<_> = info.keywords.iter().map(|(n, _)| *n).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "duplicate in {}", info.title);
    }
}

#[test]
fn global_log_rings_resolve_at_start_up() {
    let c = config("global\n log ring@buf0 local0\n log ring@r local0\n log ring@stdout local0\n log ring@nope local0\nring r\n");
    let (others, _) = run("ring r\n");
    let mut diags = Diagnostics::new();
    let mut opts = LowerOptions::default();
    opts.resolver = crate::global::tests::test_resolver();
    let mut cx = LowerCx {
        sources: &c.sources,
        diags: &mut diags,
        opts: &opts,
        default_path: DefaultPath::default(),
    };
    let mut b = crate::global::GlobalBuilder::default();
    crate::global::lower_section(&mut b, &c.sections[0], &mut cx);
    let g = b.finish(&mut cx);
    let msgs: Vec<String> = ring::check_global_log_rings(&g.log, &others, &c.sources)
        .into_iter()
        .map(|d| d.message)
        .collect();
    assert_eq!(
        msgs,
        [
            "global log server declared in file 't.cfg' at line 4 uses incompatible ring 'stdout'.",
            "global log server declared in file 't.cfg' at line 5 uses unknown ring named 'nope'.",
        ]
    );
}
