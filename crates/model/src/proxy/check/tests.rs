use crate::proxy::check::*;
use crate::proxy::testutil::*;

fn rules_of(text: &str, px: &str) -> (Option<Kind>, Vec<Rule>) {
    let r = run(text);
    let p = r.proxy(px);
    (p.checks.kind.clone(), p.checks.rules().to_vec())
}

#[test]
fn httpchk_forms() {
    let (k, rules) = rules_of("backend b\n option httpchk\n", "b");
    assert_eq!(k, Some(Kind::Http));
    assert!(
        matches!(&rules[0].action, Action::SendHttp(s) if s.meth.is_none() && s.uri.is_none() && s.from_opt)
    );
    let (_, rules) = rules_of("backend b\n option httpchk /health\n", "b");
    assert!(
        matches!(&rules[0].action, Action::SendHttp(s) if s.uri.as_deref() == Some("/health") && s.meth.is_none())
    );
    let (_, rules) = rules_of("backend b\n option httpchk GET /h HTTP/1.1\n", "b");
    let Action::SendHttp(s) = &rules[0].action else {
        panic!("{rules:?}")
    };
    assert_eq!(
        (s.meth.as_deref(), s.uri.as_deref(), s.ver.as_deref()),
        (Some("GET"), Some("/h"), Some("HTTP/1.1"))
    );
    let r = run("backend b\n option httpchk GET /h HTTP/1.1 x\n");
    assert!(r.has_alert("'option httpchk' cannot handle unexpected argument 'x'."));
}

#[test]
fn httpchk_merges_with_http_check_send() {
    let (_, rules) = rules_of(
        "backend b\n option httpchk GET /h\n http-check send hdr Host example.org\n http-check expect status 200\n",
        "b",
    );
    assert_eq!(rules.len(), 2, "{rules:?}");
    let Action::SendHttp(s) = &rules[0].action else {
        panic!("{rules:?}")
    };
    assert_eq!(s.meth.as_deref(), Some("GET"));
    assert_eq!(s.hdrs, [("Host".to_string(), "example.org".to_string())]);
    assert!(!s.from_opt);
    assert!(
        matches!(&rules[1].action, Action::Expect(e) if e.pattern == Pattern::Status(vec![(200, 200)]))
    );
}

#[test]
fn own_rules_replace_inherited_ones() {
    let text = "defaults\n option httpchk GET /health\nbackend a\nbackend b\n http-check expect status 200\n";
    let (_, a) = rules_of(text, "a");
    assert!(matches!(&a[0].action, Action::SendHttp(s) if s.uri.as_deref() == Some("/health")));
    // As in HAProxy 2.6: the backend's own list holds only its expect rule.
    let (_, b) = rules_of(text, "b");
    assert_eq!(b.len(), 1);
    assert!(matches!(&b[0].action, Action::Expect(_)));
}

#[test]
fn tcp_check_rules() {
    let (k, rules) = rules_of(
        "backend b\n option tcp-check\n tcp-check connect port 6379 send-proxy\n tcp-check send PING\n tcp-check expect !string -ERR\n tcp-check send-binary 0a0B comment bin\n tcp-check expect rbinary ^0a min-recv 2 error-status L7STS\n",
        "b",
    );
    assert_eq!(k, Some(Kind::Tcp));
    assert_eq!(rules.len(), 5);
    assert!(matches!(&rules[0].action, Action::Connect(c) if c.port == Some(6379) && c.send_proxy));
    assert!(matches!(&rules[1].action, Action::Send(d) if d == b"PING"));
    assert!(
        matches!(&rules[2].action, Action::Expect(e) if e.inverse && e.pattern == Pattern::String(b"-ERR".to_vec()))
    );
    assert!(matches!(&rules[3].action, Action::Send(d) if d == &[10, 11]));
    assert_eq!(rules[3].comment.as_deref(), Some("bin"));
    assert!(
        matches!(&rules[4].action, Action::Expect(e) if e.min_recv == 2 && e.err_status == Some(CheckStatus::L7Sts))
    );
    assert_eq!(
        rules.iter().map(|r| r.index).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
}

#[test]
fn tcp_check_errors_are_haproxys() {
    let r = run("backend b\n tcp-check send\n");
    assert!(r.has_alert("'tcp-check send' : 'send' expects a string as argument."));
    let r = run("backend b\n tcp-check send-binary 0g\n");
    assert!(r.has_alert("'tcp-check send-binary' : '0g' invalid binary string (an hex digit is expected (found 'g')).\n."));
    let r = run("backend b\n tcp-check expect\n");
    assert!(r.has_alert("'tcp-check expect' : expects at least a matching pattern as arguments."));
    let r = run("backend b\n tcp-check send x\n tcp-check connect\n");
    assert!(r.has_alert("'tcp-check connect' : first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the tcp-check ruleset."));
    let r = run("backend b\n tcp-check connect port 0\n");
    assert!(r.has_alert("'tcp-check connect' : expects a valid TCP port (from range 1 to 65535) or a sample expression, got 0.."));
    let r = run("backend b\n tcp-check send-lf %[src]\n");
    assert!(r.has_alert("'tcp-check send-lf' is not supported yet"));
    let r = run("backend b\n tcp-check set-var(check.x) str(a)\n");
    assert!(r.has_alert("'tcp-check set-var(check.x)' is not supported yet"));
    let r = run("backend b\n http-check unset-var(check.x)\n");
    assert!(r.has_alert("'http-check unset-var(check.x)' is not supported yet"));
    let r = run("backend b\n tcp-check set-varx\n");
    assert!(r.has_alert("'tcp-check' only supports 'comment', 'connect', 'send', 'send-binary', 'expect', 'set-var', 'unset-var'. but got 'set-varx'"));
}

#[test]
fn http_check_errors_are_haproxys() {
    let r = run(
        "backend b\n option httpchk\n http-check expect status 200\n http-check send meth GET\n",
    );
    assert!(r.has_alert(
        "'http-check send' : unable to add http-check send rule at step 2 (missing connect rule)."
    ));
    let r = run("backend b\n option httpchk\n http-check expect status 2x\n");
    assert!(r.has_alert("'http-check expect' : invalid character 'x' in the list of status codes."));
    let r = run("backend b\n option httpchk\n http-check expect rstatus (\n");
    assert!(r
        .messages()
        .iter()
        .any(|m| m.contains("regex '(' is invalid")));
    let r = run("backend b\n option httpchk\n http-check expect binary 00\n");
    assert!(r.has_alert("'http-check expect' : 'only supports min-recv, [!]string', '[!]rstring', '[!]string-lf', '[!]status', '[!]rstatus', [!]hdr, [!]fhdr or comment but got 'binary' as argument.."));
}

#[test]
fn protocol_options() {
    let (k, _) = rules_of("backend b\n option mysql-check user u pre-41\n", "b");
    assert_eq!(
        k,
        Some(Kind::Mysql {
            user: Some("u".into()),
            post41: false
        })
    );
    let (k, _) = rules_of("backend b\n option smtpchk EHLO mx.example\n", "b");
    assert_eq!(
        k,
        Some(Kind::Smtp {
            cmd: "EHLO mx.example".into()
        })
    );
    let (k, _) = rules_of("backend b\n option smtpchk\n", "b");
    assert_eq!(
        k,
        Some(Kind::Smtp {
            cmd: "HELO localhost".into()
        })
    );
    let r = run("backend b\n option pgsql-check\n");
    assert!(r.has_alert("'option pgsql-check' expects 'user <username>' as argument."));
    let r = run("backend b\n option mysql-check user u post-42\n");
    assert!(r.has_alert("keyword 'user' only supports 'post-41' and 'pre-41' (got 'post-42')."));
    // A later option replaces the check type.
    let (k, _) = rules_of("backend b\n option httpchk\n option redis-check\n", "b");
    assert_eq!(k, Some(Kind::Redis));
}

#[test]
fn server_check_options() {
    let r = run("backend b\n server s 127.0.0.1:80 check check-send-proxy agent-check agent-port 9 agent-inter 3s agent-send hi agent-addr 127.0.0.2\n server t 127.0.0.1:81 track s\n");
    let b = r.proxy("b");
    let c = &b.servers[0].settings.check;
    assert!(c.send_proxy && c.agent.enabled);
    assert_eq!(c.agent.port, Some(9));
    assert_eq!(c.agent.inter, Some(3000));
    assert_eq!(c.agent.send.as_deref(), Some("hi"));
    assert_eq!(b.servers[1].settings.check.track.as_deref(), Some("s"));
    let r = run("backend b\n server s 127.0.0.1:80 check track t\n");
    assert!(r.has_alert("unable to enable checks and tracking at the same time!"));
    let r = run("backend b\n server s 127.0.0.1:80 agent-check\n");
    assert!(r.has_alert("server s does not have agent port. Agent check has been disabled."));
}
