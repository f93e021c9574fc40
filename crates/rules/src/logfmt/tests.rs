use super::*;
use crate::stream::NoEnv;
use rampart_h1::{parse_request, ParseOpts, RequestHead};

fn http() -> Mode {
    Mode {
        http: true,
        merge_spaces: false,
        proxy_http: true,
        place: Ckp::FeHrqHdr,
    }
}

fn render(fmt: &str, raw: &str) -> String {
    let lf = LogFormat::parse(fmt, http()).unwrap_or_else(|e| panic!("{fmt}: {e}"));
    let mut h = RequestHead::new();
    assert!(parse_request(raw.as_bytes(), &ParseOpts::default(), &mut h).is_ok());
    let mut s = Stream::new(&NoEnv);
    s.req = Some(&h);
    let mut out = Vec::new();
    lf.render_http(&s, &Cx::default(), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn http_rendering_matches_haproxy() {
    // Outputs observed from haproxy 2.6 with `http-request return lf-string`.
    let r = "GET /p?q=1 HTTP/1.1\r\nhost: h\r\n\r\n";
    assert_eq!(
        render(
            "A=%[req.hdr(nope)] B=%{+Q}[req.hdr(nope)] C=%{+Q}[str(x)] D=%[str()]",
            r
        ),
        "A= B= C=x D="
    );
    assert_eq!(
        render("E=%{+X}[int(255)] G=%%  H=%[int(-3)]", r),
        "E=255 G=%  H=-3"
    );
    assert_eq!(
        render("J=%[bin(0102),hex] L=%[ipv6(::1)]", r),
        "J=0102 L=::1"
    );
    assert_eq!(render("a%-b %{+Q}[bin(410a7f4209)]c", r), "a-b A%0A%7FB\tc");
    assert_eq!(render("x%[bin(41000a)]y", r), "xAy");
    assert_eq!(render("%[path]%[query]", r), "/pq=1");
}

#[test]
fn errors_use_haproxys_wording() {
    let err = |f: &str| LogFormat::parse(f, http()).unwrap_err();
    assert_eq!(err("abc%"), "truncated line after '%'");
    assert!(err("%1").starts_with("unexpected variable name near '1' at position 1"));
    assert!(err("%zz").starts_with("no such format variable 'zz'"));
    assert_eq!(
        err("%{+Q}"),
        "parse argument modifier without variable name near '%{+Q}'"
    );
    assert_eq!(err("%[path"), "missing ']' after 'path'");
    assert_eq!(err("%[path x]"), "expected ']' after 'path', but found ' '");
    assert_eq!(
        err("%[res.hdr(x)]"),
        "sample fetch <res.hdr(x)]> may not be reliably used here because it needs 'HTTP response headers' which is not available here"
    );
    let tcp = Mode {
        proxy_http: false,
        ..http()
    };
    assert_eq!(
        LogFormat::parse("%HM", tcp).unwrap_err(),
        "format variable 'HM' is reserved for HTTP mode"
    );
}

#[test]
fn log_lines_merge_spaces_and_keep_variables() {
    let m = Mode {
        http: false,
        merge_spaces: true,
        ..http()
    };
    let lf = LogFormat::parse("%ci:%cp   [%tr] %{+Q}r", m).unwrap();
    let kinds: Vec<String> = lf
        .nodes
        .iter()
        .map(|n| match n {
            Node::Text(t) => t.clone(),
            Node::Separator => "_".into(),
            Node::Expr(..) => "E".into(),
            Node::Var(v, o) => format!("{}{}", v.name(), if o.has(Opts::QUOTE) { "Q" } else { "" }),
        })
        .collect();
    assert_eq!(kinds, ["ci", ":", "cp", "_", "[", "tr", "]", "_", "rQ"]);
    assert!(!lf.is_const());
    assert!(LogFormat::parse("plain", m).unwrap().is_const());
}

struct LogEnv {
    caps: Vec<Option<&'static [u8]>>,
    line: Option<&'static [u8]>,
}

impl crate::stream::Env for LogEnv {
    fn src(&self) -> Option<std::net::SocketAddr> {
        "10.0.0.1:4242".parse().ok()
    }
    fn dst(&self) -> Option<std::net::SocketAddr> {
        "127.0.0.1:80".parse().ok()
    }
    fn frontend(&self) -> Option<(i64, &str)> {
        Some((1, "fe"))
    }
    fn backend(&self) -> Option<(i64, &str)> {
        Some((2, "be"))
    }
    fn server(&self) -> Option<(i64, &str)> {
        Some((1, "s1"))
    }
    fn capture(&self, response: bool, idx: usize) -> Option<&[u8]> {
        if response {
            None
        } else {
            self.caps.get(idx).copied().flatten()
        }
    }
    fn captures(&self, response: bool) -> usize {
        if response {
            0
        } else {
            self.caps.len()
        }
    }
    fn logged_request_line(&self) -> Option<&[u8]> {
        self.line
    }
}

fn log_line(fmt: &str, env: &LogEnv, rec: &LogRec) -> String {
    let m = Mode {
        http: false,
        merge_spaces: true,
        ..http()
    };
    let lf = LogFormat::parse(fmt, m).unwrap_or_else(|e| panic!("{fmt}: {e}"));
    let s = Stream::new(env);
    let mut out = Vec::new();
    lf.render_log(&s, &Cx::default(), rec, true, 1024, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn log_variables_render_as_haproxy() {
    let rec = LogRec {
        t_handshake: 0,
        t_idle: 2,
        t_request: 3,
        t_queue: 3,
        t_connect: 4,
        t_data: 9,
        t_close: 10,
        status: 200,
        bytes_out: 123,
        err: TermErr::None,
        fin: FinState::None,
        actconn: 1,
        feconn: 1,
        beconn: 1,
        srvconn: 1,
        ..LogRec::default()
    };
    let env = LogEnv {
        caps: vec![],
        line: Some(b"GET /a?b=\"c\"#d HTTP/1.1"),
    };
    // The default httplog format without its dates; no captures: one space only.
    assert_eq!(
        log_line(
            "%ci:%cp %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r",
            &env,
            &rec
        ),
        "10.0.0.1:4242 fe be/s1 1/0/1/5/8 200 123 - - ---- 1/1/1/1/0 0/0 \"GET /a?b=#22c#22#23d HTTP/1.1\""
    );
    assert_eq!(
        log_line("%HM|%HU|%HP|%HPO|%HQ|%HV", &env, &rec),
        "GET|/a?b=#22c#22#23d|/a|/a|?b=#22c#22#23d|HTTP/1.1"
    );
    let env = LogEnv {
        caps: vec![Some(b"a|b{c}"), None],
        line: None,
    };
    assert_eq!(
        log_line(
            "%hr %hrl %{+Q}hrl %r %{-M}[str()] %[str()] %{+Q}o %[str(x)]",
            &env,
            &rec
        ),
        "{a#7Cb#7Bc#7D|} a#7Cb#7Bc#7D - \"a#7Cb#7Bc#7D\" \"\" <BADREQ>  - \"x\""
    );
    let rec = LogRec {
        redispatched: true,
        retries: 3,
        logasap: true,
        ..rec
    };
    assert_eq!(
        log_line("%rc %B %Tt %{+X}ci:%{+X}cp", &env, &rec),
        "+3 +123 +10 0A000001:1092"
    );
}
