//! `tcp-check` and `http-check` lines (HAProxy's `proxy_parse_tcpcheck`,
//! `proxy_parse_httpcheck`, `parse_tcpcheck_connect|send|send_http|expect|comment`,
//! `tcpcheck_add_http_rule`), with HAProxy's error texts.

use super::*;
use crate::addr::{self, AddrOpts};
use crate::cnum::atol;
use crate::kw::{not_supported_yet, Cx};

/// `tcp-check <connect|send|send-binary|expect|comment> ...`.
pub(crate) fn tcp_check(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Be, "tcp-check", "");
    let what = cx.arg(0).unwrap_or("");
    let args: Vec<&str> = cx.args().iter().map(String::as_str).collect();
    let resolver = b.resolver().clone();
    let c = &b.px().checks;
    let index = c.own_tcp.last().map_or(0, |r| r.index + 1);
    let wrap = |e: String| format!("'tcp-check {what}' : {e}.");
    let rule = match what {
        "connect" => parse_connect(&args, &c.own_tcp, false, &resolver).map_err(wrap)?,
        "send" | "send-binary" => parse_send(&args).map_err(wrap)?,
        "send-lf" | "send-binary-lf" => {
            return Err(not_supported_yet(&format!("tcp-check {what}")))
        }
        "expect" => parse_expect(&args, &c.own_tcp, false).map_err(wrap)?,
        "comment" => parse_comment(&args).map_err(wrap)?,
        // HAProxy's `set-var(<name>)`, `set-var-fmt(<name>)`, `unset-var(<name>)`.
        w if is_var_action(w) => return Err(not_supported_yet(&format!("tcp-check {what}"))),
        _ => {
            return Err(format!(
                "'tcp-check' only supports 'comment', 'connect', 'send', 'send-binary', 'expect', 'set-var', 'unset-var'. but got '{what}'"
            ))
        }
    };
    let c = &mut b.px().checks;
    c.own_tcp.push(Rule { index, ..rule });
    if c.kind == Some(Kind::Tcp) {
        c.list = RuleList::OwnTcp;
        c.unused_tcp = false;
    } else {
        c.unused_tcp = true;
    }
    Ok(())
}

/// `http-check <disable-on-404|send-state|connect|send|expect|comment> ...`.
pub(crate) fn http_check(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Be, "http-check", "");
    let what = cx.arg(0).unwrap_or("");
    match what {
        "disable-on-404" => {
            cx.max_args(1)
                .map_err(|_| too_many(cx.arg(1).unwrap_or_default()))?;
            b.px().checks.disable_on_404 = true;
            return Ok(());
        }
        "send-state" => {
            cx.max_args(1)
                .map_err(|_| too_many(cx.arg(1).unwrap_or_default()))?;
            return Err(not_supported_yet("http-check send-state"));
        }
        _ => {}
    }
    let args: Vec<&str> = cx.args().iter().map(String::as_str).collect();
    let resolver = b.resolver().clone();
    let c = &b.px().checks;
    let index = match c.own_http.last() {
        Some(r) if !matches!(&r.action, Action::SendHttp(s) if s.from_opt) => r.index + 1,
        _ => 0,
    };
    let wrap = |e: String| format!("'http-check {what}' : {e}.");
    let rule = match what {
        "connect" => parse_connect(&args, &c.own_http, true, &resolver).map_err(wrap)?,
        "send" => parse_send_http(&args).map_err(wrap)?,
        "expect" => parse_expect(&args, &c.own_http, true).map_err(wrap)?,
        "comment" => parse_comment(&args).map_err(wrap)?,
        // HAProxy's `set-var(<name>)`, `set-var-fmt(<name>)`, `unset-var(<name>)`.
        w if is_var_action(w) => return Err(not_supported_yet(&format!("http-check {what}"))),
        _ => {
            return Err(format!(
                "'http-check' only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect', 'set-var', 'unset-var'. but got '{what}'"
            ))
        }
    };
    let rule = Rule { index, ..rule };
    let c = &mut b.px().checks;
    if c.kind == Some(Kind::Http) {
        c.list = RuleList::OwnHttp;
        c.unused_http = false;
        add_http_rule(c, rule).map_err(wrap)?;
    } else {
        c.unused_http = true;
        c.own_http.push(rule);
    }
    Ok(())
}

fn too_many(extra: &str) -> String {
    format!("'http-check' cannot handle unexpected argument '{extra}'.")
}

/// HAProxy's `tcpcheck_add_http_rule`: keeps an `http-check` ruleset valid and merges the
/// request of `option httpchk` with the first `http-check send`.
pub(super) fn add_http_rule(c: &mut Checks, rule: Rule) -> Result<(), String> {
    let rules = &mut c.own_http;
    // Positions of the rules that are not comments.
    let pos: Vec<usize> = (0..rules.len())
        .filter(|&i| !matches!(rules[i].action, Action::Comment))
        .collect();
    let is_opt_send = |a: &Action| matches!(a, Action::SendHttp(s) if s.from_opt);
    if is_opt_send(&rule.action) {
        let mut first = pos.first().copied();
        if first.is_some_and(|p| matches!(rules[p].action, Action::Connect(_))) {
            first = pos.get(1).copied();
        }
        match first {
            Some(p) if is_opt_send(&rules[p].action) => {
                rules.remove(p);
                rules.insert(0, rule);
            }
            Some(p) if matches!(rules[p].action, Action::SendHttp(_)) => {
                if let (Action::SendHttp(old), Action::SendHttp(new)) =
                    (&mut rules[p].action, rule.action)
                {
                    overwrite(old, new);
                    old.from_opt = false;
                }
            }
            _ => rules.insert(0, rule),
        }
        return Ok(());
    }
    let step = rule.index + 1;
    if let Some(&l) = pos.last() {
        let last = &rules[l].action;
        if !is_opt_send(last) {
            match &rule.action {
                Action::SendHttp(_) if !matches!(last, Action::Connect(_)) => {
                    return Err(format!(
                        "unable to add http-check send rule at step {step} (missing connect rule)"
                    ))
                }
                Action::Expect(_) if !matches!(last, Action::SendHttp(_) | Action::Expect(_)) => {
                    return Err(format!(
                        "unable to add http-check expect rule at step {step} (missing send rule)"
                    ))
                }
                Action::Connect(_) if !matches!(last, Action::Expect(_)) => {
                    return Err(format!(
                        "unable to add http-check connect rule at step {step} (missing expect rule)"
                    ))
                }
                _ => {}
            }
        }
    }
    if matches!(rule.action, Action::SendHttp(_)) {
        if let Some(&p) = pos.first() {
            if is_opt_send(&rules[p].action) {
                // The explicit send takes the place of the implicit one, merged.
                let old = rules.remove(p);
                if let (Action::SendHttp(mut merged), Action::SendHttp(new)) =
                    (old.action, rule.action)
                {
                    overwrite(&mut merged, new);
                    merged.from_opt = false;
                    rules.push(Rule {
                        index: rule.index,
                        comment: rule.comment.or(old.comment),
                        action: Action::SendHttp(merged),
                    });
                }
                return Ok(());
            }
        }
    }
    rules.push(rule);
    Ok(())
}

/// HAProxy's `tcpcheck_overwrite_send_http_rule`: what `new` sets replaces `old`'s.
fn overwrite(old: &mut HttpSend, new: HttpSend) {
    if new.meth.is_some() {
        old.meth = new.meth;
    }
    if new.uri.is_some() {
        old.uri = new.uri;
    }
    if new.ver.is_some() {
        old.ver = new.ver;
    }
    if !new.hdrs.is_empty() {
        old.hdrs = new.hdrs;
    }
    if new.body.is_some() {
        old.body = new.body;
    }
}

fn arg<'a>(args: &[&'a str], i: usize) -> &'a str {
    args.get(i).copied().unwrap_or("")
}

/// `comment` options share this check.
fn comment_arg(args: &[&str], i: usize, what: &str) -> Result<String, String> {
    let v = arg(args, i + 1);
    if v.is_empty() {
        return Err(format!("'{what}' expects a string as argument."));
    }
    Ok(v.to_string())
}

fn parse_connect(
    args: &[&str],
    rules: &[Rule],
    http: bool,
    resolver: &addr::HostResolver,
) -> Result<Rule, String> {
    for r in rules {
        match &r.action {
            Action::Connect(_) => break,
            Action::Comment => continue,
            Action::SendHttp(s) if s.from_opt => continue,
            _ => return Err("first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the tcp-check ruleset".into()),
        }
    }
    let mut c = Connect::default();
    let mut comment = None;
    let mut i = 1;
    while i < args.len() && !args[i].is_empty() {
        let w = args[i];
        match w {
            "default" => c.default = true,
            "addr" => {
                let v = arg(args, i + 1);
                if v.is_empty() {
                    return Err(format!("'{w}' expects <ipv4|ipv6> as argument."));
                }
                let a = addr::parse(v, &AddrOpts::SOURCE, resolver)
                    .map_err(|e| format!("'{w}' : {}.", e.trim_end()))?;
                c.addr = Some(a);
                i += 1;
            }
            "port" => {
                let v = arg(args, i + 1);
                if v.is_empty() {
                    return Err(format!(
                        "'{w}' expects a port number or a sample expression as argument."
                    ));
                }
                if !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(not_supported_yet(&format!("{w} <sample expression>")));
                }
                let p = atol(v);
                if !(1..=65535).contains(&p) {
                    return Err(format!("expects a valid TCP port (from range 1 to 65535) or a sample expression, got {v}."));
                }
                c.port = Some(p as u16);
                i += 1;
            }
            "comment" => {
                comment = Some(comment_arg(args, i, w)?);
                i += 1;
            }
            "send-proxy" => c.send_proxy = true,
            "linger" => c.linger = true,
            "proto" | "via-socks4" | "ssl" | "sni" | "alpn" => {
                let _ = http;
                return Err(not_supported_yet(w));
            }
            _ => return Err(format!("expects 'comment', 'port', 'addr', 'send-proxy', 'ssl', 'sni', 'alpn' or 'via-socks4', 'linger', 'default' but got '{w}' as argument.")),
        }
        i += 1;
    }
    Ok(Rule {
        index: 0,
        comment,
        action: Action::Connect(c),
    })
}

fn parse_send(args: &[&str]) -> Result<Rule, String> {
    let kw = arg(args, 0);
    let binary = kw == "send-binary";
    let data = arg(args, 1);
    if data.is_empty() {
        return Err(format!(
            "'{kw}' expects a {} as argument",
            if binary { "binary string" } else { "string" }
        ));
    }
    let mut comment = None;
    let mut i = 2;
    while i < args.len() && !args[i].is_empty() {
        if args[i] == "comment" {
            comment = Some(comment_arg(args, i, "comment")?);
            i += 2;
        } else {
            return Err(format!(
                "expects 'comment' but got '{}' as argument.",
                args[i]
            ));
        }
    }
    let bytes = if binary {
        parse_hex(data).map_err(|e| format!("'{data}' invalid binary string ({e}).\n"))?
    } else {
        data.as_bytes().to_vec()
    };
    Ok(Rule {
        index: 0,
        comment,
        action: Action::Send(bytes),
    })
}

/// HAProxy's `parse_binary` for hexadecimal strings.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) {
        return Err("an even number of hex digit is expected".into());
    }
    let mut out = Vec::with_capacity(s.len() / 2);
    let b = s.as_bytes();
    for pair in b.chunks(2) {
        let mut v = 0u8;
        for &c in pair {
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| format!("an hex digit is expected (found '{}')", c as char))?;
            v = v * 16 + d as u8;
        }
        out.push(v);
    }
    Ok(out)
}

fn parse_send_http(args: &[&str]) -> Result<Rule, String> {
    let mut s = HttpSend::default();
    let mut comment = None;
    let mut host_seen: Option<String> = None;
    let mut i = 1;
    while i < args.len() && !args[i].is_empty() {
        let w = args[i];
        match w {
            "meth" | "uri" | "ver" | "body" => {
                let v = arg(args, i + 1);
                if v.is_empty() {
                    return Err(format!("'{w}' expects a string as argument."));
                }
                let v = Some(v.to_string());
                match w {
                    "meth" => s.meth = v,
                    "uri" => s.uri = v,
                    "ver" => s.ver = v,
                    _ => s.body = v,
                }
                i += 1;
            }
            "uri-lf" | "body-lf" => return Err(not_supported_yet(w)),
            "hdr" => {
                let (n, v) = (arg(args, i + 1), arg(args, i + 2));
                if n.is_empty() || v.is_empty() {
                    return Err(format!("'{w}' expects <name> and <value> as arguments"));
                }
                if n.eq_ignore_ascii_case("host") {
                    if let Some(prev) = &host_seen {
                        return Err(format!(
                            "'{n}' header already defined (previous value is '{prev}')"
                        ));
                    }
                    host_seen = Some(v.to_string());
                }
                if v.contains('%') {
                    return Err(not_supported_yet("hdr <log-format value>"));
                }
                if !n.eq_ignore_ascii_case("content-length")
                    && !n.eq_ignore_ascii_case("transfer-encoding")
                {
                    s.hdrs.push((n.to_string(), v.to_string()));
                }
                i += 2;
            }
            "comment" => {
                comment = Some(comment_arg(args, i, w)?);
                i += 1;
            }
            _ => return Err(format!("expects 'comment', 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body' or 'body-lf' but got '{w}' as argument.")),
        }
        i += 1;
    }
    Ok(Rule {
        index: 0,
        comment,
        action: Action::SendHttp(s),
    })
}

fn parse_comment(args: &[&str]) -> Result<Rule, String> {
    let v = arg(args, 1);
    if v.is_empty() {
        return Err("expects a string as argument".into());
    }
    Ok(Rule {
        index: 0,
        comment: Some(v.to_string()),
        action: Action::Comment,
    })
}

fn status_arg(
    w: &str,
    v: &str,
    allowed: &[CheckStatus],
    list: &str,
) -> Result<CheckStatus, String> {
    if v.is_empty() {
        return Err(format!("'{w}' expects a string as argument"));
    }
    allowed
        .iter()
        .copied()
        .find(|s| s.name().eq_ignore_ascii_case(v))
        .ok_or_else(|| format!("'{w}' only supports {list} status (got '{v}')."))
}

fn regex_ok(p: &str) -> Result<(), String> {
    regex::bytes::Regex::new(p)
        .map(|_| ())
        .map_err(|e| format!("regex '{p}' is invalid (error={e})"))
}

fn parse_expect(args: &[&str], rules: &[Rule], http: bool) -> Result<Rule, String> {
    use CheckStatus::*;
    if arg(args, 1).is_empty() {
        return Err("expects at least a matching pattern as arguments".into());
    }
    let bad_kw = |w: &str| {
        if http {
            format!("'only supports min-recv, [!]string', '[!]rstring', '[!]string-lf', '[!]status', '[!]rstatus', [!]hdr, [!]fhdr or comment but got '{w}' as argument.")
        } else {
            format!("'only supports min-recv, '[!]binary', '[!]string', '[!]rstring', '[!]string-lf''[!]rbinary', '[!]binary-lf' or comment but got '{w}' as argument.")
        }
    };
    let mut e = Expect {
        pattern: Pattern::String(Vec::new()),
        inverse: false,
        min_recv: -1,
        ok_status: None,
        err_status: None,
        tout_status: None,
        on_success: None,
        on_error: None,
    };
    let mut pattern: Option<Pattern> = None;
    let mut comment = None;
    let mut i = 1;
    while i < args.len() && !args[i].is_empty() {
        let mut w = args[i];
        let mut in_pattern = false;
        if w.starts_with('!') {
            in_pattern = true;
            while let Some(r) = w.strip_prefix('!') {
                e.inverse = !e.inverse;
                w = r;
            }
            if w.is_empty() {
                i += 1;
                w = arg(args, i);
            }
        }
        let not_with_bang = |w: &str| format!("[!] not supported with '{w}'");
        let next = arg(args, i + 1);
        match w {
            "min-recv" | "comment" | "on-success" | "on-error" | "ok-status" | "error-status"
            | "tout-status" | "status-code" | "custom"
                if in_pattern =>
            {
                return Err(not_with_bang(w))
            }
            "min-recv" => {
                if next.is_empty() {
                    return Err(format!("'{w}' expects a integer as argument"));
                }
                let v = atol(next);
                if !(-1..=i64::from(i32::MAX)).contains(&v) {
                    return Err(format!("'{w}' expects -1 or an integer from 0 to INT_MAX"));
                }
                e.min_recv = v;
                i += 1;
            }
            "string" | "rstring" | "binary" | "rbinary" | "status" | "rstatus" => {
                if http && w.ends_with("binary") {
                    return Err(bad_kw(w));
                }
                if !http && w.ends_with("status") {
                    return Err(bad_kw(w));
                }
                if pattern.is_some() {
                    return Err("only on pattern expected".into());
                }
                if next.is_empty() {
                    return Err(format!("'{w}' expects a <pattern> as argument"));
                }
                pattern = Some(match w {
                    "string" => Pattern::String(next.as_bytes().to_vec()),
                    "binary" => Pattern::Binary(
                        parse_hex(next).map_err(|e| format!("invalid binary string ({e})"))?,
                    ),
                    "status" => Pattern::Status(status_codes(next)?),
                    _ => {
                        regex_ok(next)?;
                        match w {
                            "rstring" => Pattern::Rstring(next.to_string()),
                            "rbinary" => Pattern::Rbinary(next.to_string()),
                            _ => Pattern::Rstatus(next.to_string()),
                        }
                    }
                });
                i += 1;
            }
            "string-lf" | "binary-lf" => {
                if http && w == "binary-lf" {
                    return Err(bad_kw(w));
                }
                return Err(not_supported_yet(&format!("expect {w}")));
            }
            "custom" => return Err(bad_kw(w)),
            "hdr" | "fhdr" => {
                if !http {
                    return Err(bad_kw(w));
                }
                if pattern.is_some() {
                    return Err("only on pattern expected".into());
                }
                let (p, used) = parse_hdr(&args[i..])?;
                pattern = Some(p);
                i += used;
            }
            "comment" => {
                if next.is_empty() {
                    return Err(format!("'{w}' expects a string as argument"));
                }
                comment = Some(next.to_string());
                i += 1;
            }
            "on-success" | "on-error" => {
                if next.is_empty() {
                    return Err(format!("'{w}' expects a string as argument"));
                }
                if next.contains('%') {
                    return Err(not_supported_yet(&format!("{w} <log-format string>")));
                }
                if w == "on-success" {
                    e.on_success = Some(next.to_string());
                } else {
                    e.on_error = Some(next.to_string());
                }
                i += 1;
            }
            "ok-status" => {
                e.ok_status = Some(status_arg(
                    w,
                    next,
                    &[L7Ok, L7OkC, L6Ok, L4Ok],
                    "'L4OK', 'L6OK', 'L7OK' or 'L7OKC'",
                )?);
                i += 1;
            }
            "error-status" => {
                e.err_status = Some(status_arg(
                    w,
                    next,
                    &[L7Rsp, L7Sts, L7OkC, L6Rsp, L4Con],
                    "'L4CON', 'L6RSP', 'L7RSP' or 'L7STS'",
                )?);
                i += 1;
            }
            "tout-status" => {
                e.tout_status = Some(status_arg(
                    w,
                    next,
                    &[L7Tout, L6Tout, L4Tout],
                    "'L4TOUT', 'L6TOUT' or 'L7TOUT'",
                )?);
                i += 1;
            }
            "status-code" => {
                if next.is_empty() {
                    return Err(format!("'{w}' expects an expression as argument"));
                }
                return Err(not_supported_yet(w));
            }
            _ => return Err(bad_kw(w)),
        }
        i += 1;
    }
    let Some(p) = pattern else {
        return Err("pattern not found".into());
    };
    let _ = rules;
    e.pattern = p;
    Ok(Rule {
        index: 0,
        comment,
        action: Action::Expect(e),
    })
}

/// `hdr|fhdr name [-m <meth>] <pattern> [value [-m <meth>] <pattern>]`; returns the
/// pattern and the number of words after the keyword it used.
fn parse_hdr(a: &[&str]) -> Result<(Pattern, usize), String> {
    let kw = arg(a, 0);
    let full = kw == "fhdr";
    if arg(a, 1).is_empty() || arg(a, 2).is_empty() || !matches!(arg(a, 1), "name" | "name-lf") {
        return Err(format!(
            "'{kw}' expects at the name keyword as first argument followed by a pattern"
        ));
    }
    if arg(a, 1) == "name-lf" {
        return Err(not_supported_yet("name-lf"));
    }
    let how = |i: usize| -> Result<MatchHow, String> {
        match arg(a, i + 1) {
            "" => Err(format!(
                "'{kw}' : '{}' expects at a matching pattern ('str', 'beg', 'end', 'sub' or 'reg')",
                arg(a, i)
            )),
            "str" => Ok(MatchHow::Str),
            "beg" => Ok(MatchHow::Beg),
            "end" => Ok(MatchHow::End),
            "sub" => Ok(MatchHow::Sub),
            "reg" => Ok(MatchHow::Reg),
            v => Err(format!(
                "'{kw}' : '{}' only supports 'str', 'beg', 'end', 'sub' or 'reg' (got '{v}')",
                arg(a, i)
            )),
        }
    };
    let mut i = 2;
    let mut name_how = MatchHow::Str;
    if arg(a, i) == "-m" {
        name_how = how(i)?;
        i += 2;
    }
    let name = HdrMatch {
        how: name_how,
        pattern: arg(a, i).to_string(),
    };
    if name.how == MatchHow::Reg {
        regex_ok(&name.pattern)?;
    }
    if !matches!(arg(a, i + 1), "value" | "value-lf") {
        return Ok((
            Pattern::Header {
                name,
                value: None,
                full,
            },
            i,
        ));
    }
    if arg(a, i + 1) == "value-lf" {
        return Err(not_supported_yet("value-lf"));
    }
    let mut vhow = MatchHow::Str;
    if arg(a, i + 2) == "-m" {
        i += 2;
        vhow = how(i)?;
    }
    let v = arg(a, i + 2);
    if v.is_empty() {
        return Err(format!("'{kw}' expect a pattern with the value keyword"));
    }
    if vhow == MatchHow::Reg {
        regex_ok(v)?;
    }
    Ok((
        Pattern::Header {
            name,
            value: Some(HdrMatch {
                how: vhow,
                pattern: v.to_string(),
            }),
            full,
        },
        i + 2,
    ))
}

/// `200`, `200-399`, `200,301-302`.
fn status_codes(p: &str) -> Result<Vec<(u32, u32)>, String> {
    let b = p.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let read = |i: &mut usize| {
        let mut v: u32 = 0;
        while *i < b.len() && b[*i].is_ascii_digit() {
            v = v.saturating_mul(10).saturating_add(u32::from(b[*i] - b'0'));
            *i += 1;
        }
        v
    };
    loop {
        let c1 = read(&mut i);
        let mut c2 = c1;
        if b.get(i) == Some(&b'-') {
            i += 1;
            c2 = read(&mut i);
        }
        if c1 > c2 {
            return Err(format!("invalid range of status codes '{p}'"));
        }
        out.push((c1, c2));
        match b.get(i) {
            None => break,
            Some(b',') => i += 1,
            Some(&c) => {
                return Err(format!(
                    "invalid character '{}' in the list of status codes",
                    c as char
                ))
            }
        }
    }
    Ok(out)
}

/// A variable action word (`set-var(check.x)`...), whole or without its name.
fn is_var_action(w: &str) -> bool {
    ["set-var", "set-var-fmt", "unset-var"].iter().any(|a| {
        w.strip_prefix(a)
            .is_some_and(|r| r.is_empty() || r.starts_with('('))
    })
}
