//! Evaluating `expect` rules on the data received so far, sans-IO (HAProxy's
//! `tcpcheck_eval_expect`, `tcpcheck_eval_expect_http` and the custom MySQL and LDAP
//! functions), with the info texts HAProxy reports when one fails.

use crate::http::{self, Parsed};
use crate::ruleset::{Custom, ExpectStep, HdrPat, Matcher, Proto, Step, StepKind, Text};
use crate::status::{Report, Status};
use rampart_model::proxy::check::CheckStatus;

/// What an expect decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Eval {
    /// More data may change the answer.
    Wait,
    /// Matched; `code` is what the rule sets as the check's code.
    Continue { code: i64 },
    /// Failed (or a custom rule concluded): the check ends with this report.
    Stop(Report),
    /// Matched, and a custom rule ending the ruleset reported this status at once (the
    /// MySQL version, LDAP's "Success"): HAProxy records it before the final report.
    Reported(Report),
}

/// Context of an evaluation.
pub struct Ctx<'a> {
    pub proto: Proto,
    /// `http-check disable-on-404` and the server is not down: a 404 passes conditionally.
    pub nolb_404: bool,
    /// Room of the receive buffer (`tune.bufsize`): a full buffer is the last read.
    pub bufsize: usize,
    pub steps: &'a [Step],
}

/// HAProxy's step number of rule `i`: index + 1, 0 for the implicit first connect.
pub fn step_id(steps: &[Step], i: usize) -> u32 {
    match steps.get(i) {
        Some(Step {
            index: 0,
            kind: StepKind::Connect(c),
            ..
        }) if c.implicit => 0,
        Some(s) => s.index + 1,
        None => 1,
    }
}

/// Whether another non-comment rule follows rule `i`.
fn is_last(steps: &[Step], i: usize) -> bool {
    i + 1 >= steps.len()
}

pub fn eval(cx: &Ctx<'_>, i: usize, e: &ExpectStep, data: &[u8], last_read: bool) -> Eval {
    if cx.proto == Proto::Http {
        eval_http(cx, i, e, data, last_read)
    } else {
        eval_tcp(cx, i, e, data, last_read)
    }
}

fn memmem(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// Upper-case hexadecimal dump (HAProxy's `dump_binary`).
fn hex(data: &[u8]) -> Vec<u8> {
    const H: &[u8; 16] = b"0123456789ABCDEF";
    let mut v = Vec::with_capacity(data.len() * 2);
    for b in data {
        v.push(H[usize::from(b >> 4)]);
        v.push(H[usize::from(b & 15)]);
    }
    v
}

fn eval_tcp(cx: &Ctx<'_>, i: usize, e: &ExpectStep, data: &[u8], mut last_read: bool) -> Eval {
    last_read |= data.len() >= cx.bufsize;
    if !last_read {
        if let Matcher::String(p) | Matcher::Binary(p) = &e.matcher {
            if data.len() < p.len() {
                return Eval::Wait;
            }
        }
        if e.min_recv > 0 && (data.len() as i64) < e.min_recv {
            return Eval::Wait;
        }
    }
    let matched = match &e.matcher {
        Matcher::String(p) | Matcher::Binary(p) => memmem(data, p),
        Matcher::Regex(r) => r.is_match(data),
        Matcher::RBinary(r) => r.is_match(&hex(data)),
        Matcher::Custom(c) => return custom(cx, i, e, *c, data, last_read),
        _ => false,
    };
    if !matched && !last_read && e.min_recv == -1 {
        return Eval::Wait;
    }
    let code = if e.code_from_payload {
        payload_code(data)
    } else {
        0
    };
    if matched ^ e.inverse {
        return Eval::Continue { code };
    }
    let status = e.err_status.map_or(Status::L7Rsp, Status::from);
    let info = on_error(cx, i, e, matched, None, data);
    Eval::Stop(Report::new(status, info).with_code(code))
}

/// `status-code res.payload(0,3)`: the first three bytes as a number.
fn payload_code(data: &[u8]) -> i64 {
    let d = &data[..data.len().min(3)];
    std::str::from_utf8(d)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// HAProxy's `tcpcheck_expect_onerror_message`.
fn on_error(
    cx: &Ctx<'_>,
    i: usize,
    e: &ExpectStep,
    matched: bool,
    info: Option<&str>,
    data: &[u8],
) -> String {
    let mut msg = String::new();
    if let Some(t) = info.filter(|t| !t.is_empty()) {
        msg.push_str(t);
    } else if let Some(t) = &e.on_error {
        msg.push_str(&t.render(data));
    } else if cx.proto == Proto::Tcp {
        msg.push_str(if matched {
            "TCPCHK matched unwanted content"
        } else {
            "TCPCHK did not match content"
        });
        let step = step_id(cx.steps, i);
        match &e.matcher {
            Matcher::Status(_) => msg.push_str(&format!("(status codes) at step {step}")),
            Matcher::String(p) | Matcher::Body(p) => {
                msg.push_str(&format!(" '{}' at step {step}", String::from_utf8_lossy(p)))
            }
            Matcher::Binary(_) => msg.push_str(&format!(" (binary) at step {step}")),
            Matcher::Regex(_) | Matcher::RStatus(_) | Matcher::RBody(_) => {
                msg.push_str(&format!(" (regex) at step {step}"))
            }
            Matcher::RBinary(_) => msg.push_str(&format!(" (binary regex) at step {step}")),
            Matcher::Custom(_) => msg.push_str(&format!(" (custom function) at step {step}")),
            Matcher::Header { .. } => {
                msg.push_str(&format!(" (header pattern) at step {step}"));
                return msg;
            }
        }
    }
    if let Some(c) = &cx.steps.get(i).and_then(|s| s.comment.clone()) {
        msg.push_str(" comment: ");
        msg.push_str(c);
    }
    msg
}

/// HAProxy's `tcpcheck_expect_onsuccess_message` for the last rule.
pub fn on_success(proto: Proto, e: Option<&ExpectStep>, data: &[u8]) -> String {
    match e.and_then(|e| e.on_success.as_ref()) {
        Some(t) => t.render(data),
        None if proto == Proto::Tcp => "(tcp-check)".to_string(),
        None => String::new(),
    }
}

fn eval_http(cx: &Ctx<'_>, i: usize, e: &ExpectStep, data: &[u8], last_read: bool) -> Eval {
    let r = match http::parse(data, last_read) {
        Parsed::Partial if !last_read && data.len() < cx.bufsize => return Eval::Wait,
        Parsed::Partial | Parsed::Invalid => {
            let status = Status::L7Rsp;
            let info = on_error(cx, i, e, false, None, data);
            return Eval::Stop(Report::new(status, info));
        }
        Parsed::Head(r) => r,
    };
    let last_read = last_read || r.complete || data.len() >= cx.bufsize;
    let code = i64::from(r.status);
    if cx.nolb_404 && r.status == 404 {
        return Eval::Continue { code };
    }
    let mut desc: Option<String> = None;
    let err = e.err_status.map(Status::from);
    let (matched, status) = match &e.matcher {
        Matcher::Status(codes) => {
            let s = u32::from(r.status);
            desc = Some(r.reason.clone());
            (
                codes.iter().any(|&(a, b)| s >= a && s <= b),
                err.unwrap_or(Status::L7Sts),
            )
        }
        Matcher::RStatus(re) => {
            desc = Some(r.reason.clone());
            (
                re.is_match(r.status.to_string().as_bytes()),
                err.unwrap_or(Status::L7Sts),
            )
        }
        Matcher::Header { name, value, full } => {
            desc = Some(r.reason.clone());
            (
                header_match(&r, name, value.as_ref(), *full),
                err.unwrap_or(Status::L7Sts),
            )
        }
        Matcher::Body(_) | Matcher::RBody(_) => {
            if r.body.is_empty() {
                if !last_read {
                    return Eval::Wait;
                }
                let info = e.on_error.as_ref().map_or_else(
                    || "HTTP content check could not find a response body".to_string(),
                    |t| t.render(data),
                );
                return Eval::Stop(
                    Report::new(err.unwrap_or(Status::L7Rsp), with_comment(cx, i, info))
                        .with_code(code),
                );
            }
            if let Matcher::Body(p) = &e.matcher {
                if !last_read && r.body.len() < p.len() {
                    return Eval::Wait;
                }
            }
            if !last_read && e.min_recv > 0 && (r.body.len() as i64) < e.min_recv {
                return Eval::Wait;
            }
            let m = match &e.matcher {
                Matcher::Body(p) => memmem(&r.body, p),
                Matcher::RBody(re) => re.is_match(&r.body),
                _ => false,
            };
            if !m && !last_read && e.min_recv == -1 {
                return Eval::Wait;
            }
            desc = Some(if e.inverse {
                "HTTP check matched unwanted content".into()
            } else {
                "HTTP content check did not match".into()
            });
            (m, err.unwrap_or(Status::L7Rsp))
        }
        _ => (false, err.unwrap_or(Status::L7Rsp)),
    };
    if matched ^ e.inverse {
        return Eval::Continue { code };
    }
    let info = match &e.on_error {
        Some(t) => t.render(data),
        None => desc.unwrap_or_default(),
    };
    Eval::Stop(Report::new(status, with_comment(cx, i, info)).with_code(code))
}

fn with_comment(cx: &Ctx<'_>, i: usize, mut info: String) -> String {
    if let Some(c) = cx.steps.get(i).and_then(|s| s.comment.as_deref()) {
        info.push_str(" comment: ");
        info.push_str(c);
    }
    info
}

fn hdr_match(p: &HdrPat, v: &[u8], name: bool) -> bool {
    let eq = |a: &[u8], b: &[u8]| {
        if name {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match p {
        HdrPat::Str(s) => eq(v, s.as_bytes()),
        HdrPat::Beg(s) => v.len() >= s.len() && eq(&v[..s.len()], s.as_bytes()),
        HdrPat::End(s) => v.len() >= s.len() && eq(&v[v.len() - s.len()..], s.as_bytes()),
        HdrPat::Sub(s) => {
            if name {
                let lv = v.to_ascii_lowercase();
                memmem(&lv, s.to_ascii_lowercase().as_bytes())
            } else {
                memmem(v, s.as_bytes())
            }
        }
        HdrPat::Reg(r) => r.is_match(v),
    }
}

/// `hdr name <p> [value <p>]`: some header matches the name pattern, and one of its
/// values (comma-separated unless `fhdr`) the value pattern.
fn header_match(r: &http::Response, name: &HdrPat, value: Option<&HdrPat>, full: bool) -> bool {
    for (n, v) in &r.headers {
        if !hdr_match(name, n.as_bytes(), true) {
            continue;
        }
        let Some(vp) = value else {
            return true;
        };
        let parts: Vec<&[u8]> = if full {
            vec![v.as_slice()]
        } else {
            v.split(|&b| b == b',').map(trim).collect()
        };
        if parts.iter().any(|p| hdr_match(vp, p, false)) {
            return true;
        }
    }
    false
}

fn trim(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', r @ ..] = v {
        v = r;
    }
    while let [r @ .., b' ' | b'\t'] = v {
        v = r;
    }
    v
}

/// MySQL and LDAP expects (the agent's is evaluated by the runner, which applies it).
fn custom(cx: &Ctx<'_>, i: usize, e: &ExpectStep, c: Custom, data: &[u8], last: bool) -> Eval {
    match c {
        Custom::MysqlInit => mysql_packet(cx, i, e, data, 0, last),
        Custom::MysqlOk => {
            let hs = 4
                + data.first().map_or(0, |&b| usize::from(b))
                + (data.get(1).map_or(0, |&b| usize::from(b)) << 8)
                + (data.get(2).map_or(0, |&b| usize::from(b)) << 16);
            mysql_packet(cx, i, e, data, hs, last)
        }
        Custom::LdapBind => ldap(cx, i, e, data, last),
        Custom::Agent => Eval::Wait,
    }
}

fn mysql_packet(cx: &Ctx<'_>, i: usize, e: &ExpectStep, d: &[u8], off: usize, last: bool) -> Eval {
    let short = |last: bool| {
        if last {
            Eval::Stop(Report::new(
                Status::L7Rsp,
                on_error(cx, i, e, false, None, d),
            ))
        } else {
            Eval::Wait
        }
    };
    if d.len() < off + 4 {
        return short(last);
    }
    let plen =
        usize::from(d[off]) + (usize::from(d[off + 1]) << 8) + (usize::from(d[off + 2]) << 16);
    if d.len() < off + plen + 4 {
        return short(last);
    }
    if d.get(off + 4) == Some(&0xff) {
        let err = i64::from(d.get(off + 5).copied().unwrap_or(0))
            + (i64::from(d.get(off + 6).copied().unwrap_or(0)) << 8);
        let desc = String::from_utf8_lossy(d.get(off + 7..).unwrap_or(&[])).into_owned();
        let desc = desc.split('\0').next().unwrap_or("").to_string();
        let info = on_error(cx, i, e, false, Some(&desc), d);
        return Eval::Stop(Report::new(Status::L7Sts, info).with_code(err));
    }
    if !is_last(cx.steps, i) {
        return Eval::Continue { code: 0 };
    }
    // HAProxy shows what follows the handshake's first five bytes (the server version).
    let v = d.get(5..).unwrap_or(&[]);
    let v = &v[..v.iter().position(|&b| b == 0).unwrap_or(v.len())];
    Eval::Reported(Report::new(ok_status(e), String::from_utf8_lossy(v)))
}

fn ldap(cx: &Ctx<'_>, i: usize, e: &ExpectStep, d: &[u8], last: bool) -> Eval {
    let fail = |status: Status, desc: &str, code: i64| {
        Eval::Stop(Report::new(status, on_error(cx, i, e, false, Some(desc), d)).with_code(code))
    };
    let short = || {
        if last {
            fail(Status::L7Rsp, "", 0)
        } else {
            Eval::Wait
        }
    };
    let Some(&lb) = d.get(1) else { return short() };
    let mut p = 1usize;
    let mut nbytes = 0usize;
    let msglen = if lb & 0x80 != 0 {
        nbytes = usize::from(lb & 0x7f);
        if d.len() < 1 + nbytes {
            return short();
        }
        match nbytes {
            4 if d.len() >= 6 => u32::from_be_bytes([d[2], d[3], d[4], d[5]]) as usize,
            2 if d.len() >= 4 => usize::from(u16::from_be_bytes([d[2], d[3]])),
            _ => return fail(Status::L7Rsp, "Not LDAPv3 protocol", 0),
        }
    } else {
        usize::from(lb)
    };
    p += 1 + nbytes;
    if d.len() < 2 + nbytes + msglen {
        return short();
    }
    if d.get(p..p + 4) != Some(&[0x02, 0x01, 0x01, 0x61][..]) {
        return fail(Status::L7Rsp, "Not LDAPv3 protocol", 0);
    }
    p += 4;
    let n = match d.get(p) {
        Some(&b) if b & 0x80 != 0 => usize::from(b & 0x7f),
        _ => 0,
    };
    p += 1 + n;
    if d.get(p..p + 2) != Some(&[0x0a, 0x01][..]) {
        return fail(Status::L7Rsp, "Not LDAPv3 protocol", 0);
    }
    p += 2;
    let code = i64::from(d.get(p).copied().unwrap_or(0));
    if code != 0 {
        return fail(
            Status::L7Sts,
            "See RFC: http://tools.ietf.org/html/rfc4511#section-4.1.9",
            code,
        );
    }
    Eval::Reported(Report::new(ok_status(e), "Success"))
}

/// The status of a successful last expect.
pub fn ok_status(e: &ExpectStep) -> Status {
    e.ok_status.map_or(Status::L7Ok, |s: CheckStatus| s.into())
}

/// `Text` rendering for tests and the runner.
pub fn render(t: &Text, data: &[u8]) -> String {
    t.render(data)
}
