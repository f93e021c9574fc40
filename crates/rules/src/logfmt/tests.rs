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
    lf.render_http(&s, &Cx::default(), &mut out, &mut |_, _| {});
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
            Node::Var(v, o) => format!("{v}{}", if o.has(Opts::QUOTE) { "Q" } else { "" }),
        })
        .collect();
    assert_eq!(kinds, ["ci", ":", "cp", "_", "[", "tr", "]", "_", "rQ"]);
    assert!(!lf.is_const());
    assert!(LogFormat::parse("plain", m).unwrap().is_const());
}
