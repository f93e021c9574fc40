//! Tests of the fetch catalogue: the table against HAProxy's, then each family with
//! table-driven cases (one file per family).

use super::place::{Ckp, Src};
use super::*;
use crate::args::parse_args;
use crate::sample::Value;
use crate::stream::{Env, Stat, Target, TaskTimes, TcpInfo};
use rampart_h1::{parse_request, parse_response, ParseOpts, RequestHead, ResponseHead};
use std::net::SocketAddr;

mod cookie;
mod haproxy_table;
mod internal;
mod l4;
mod l7_hdr;
mod l7_req;
mod payload;
mod tls_hello;
mod url;

// ---------------------------------------------------------------------------------------
// Helpers shared by the family tests.

/// A request head parsed from raw text.
pub(super) fn req(raw: &str) -> RequestHead {
    let mut h = RequestHead::new();
    let r = parse_request(raw.as_bytes(), &ParseOpts::default(), &mut h);
    assert!(
        matches!(r, Ok(rampart_h1::Parsed::Complete(_))),
        "{raw:?}: {r:?}"
    );
    h
}

/// A response head parsed from raw text.
pub(super) fn res(raw: &str) -> ResponseHead {
    let mut h = ResponseHead::new();
    let r = parse_response(raw.as_bytes(), &ParseOpts::default(), &mut h);
    assert!(
        matches!(r, Ok(rampart_h1::Parsed::Complete(_))),
        "{raw:?}: {r:?}"
    );
    h
}

/// Compiles `name(args)` as a sample expression's fetch would be.
pub(super) fn compile(text: &str) -> (&'static FetchDef, Vec<Arg>) {
    let n = text.find('(').unwrap_or(text.len());
    let def = find(&text[..n]).unwrap_or_else(|| panic!("no fetch {text}"));
    let (mut args, used) =
        parse_args(&text[n..], &def.args).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(n + used, text.len(), "{text}: trailing text");
    if !args.is_empty() {
        if let Some(check) = def.check {
            check(&mut args).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }
    (def, args)
}

/// The configuration-time error of `name(args)`.
pub(super) fn compile_err(text: &str) -> String {
    let n = text.find('(').unwrap_or(text.len());
    let def = find(&text[..n]).unwrap_or_else(|| panic!("no fetch {text}"));
    let mut args = match parse_args(&text[n..], &def.args) {
        Ok((a, _)) => a,
        Err(e) => return e,
    };
    match def.check.map(|c| c(&mut args)) {
        Some(Err(e)) => e,
        _ => panic!("{text} compiles"),
    }
}

/// One evaluation of `name(args)` (a sample expression's single value).
pub(super) fn one(text: &str, s: &Stream<'_>) -> Option<Value<'static>> {
    let (def, args) = compile(text);
    (def.f)(s, &args, &mut Iter::single()).map(Value::into_owned)
}

/// Every value of `name(args)` as an ACL iterates over them.
pub(super) fn every(text: &str, s: &Stream<'_>) -> Vec<Value<'static>> {
    let (def, args) = compile(text);
    let mut it = Iter::all();
    let mut out = Vec::new();
    for _ in 0..100 {
        match (def.f)(s, &args, &mut it) {
            Some(v) => out.push(v.into_owned()),
            None => break,
        }
        if !it.more {
            break;
        }
    }
    out
}

/// A value as text for compact expectations: strings as they are, binaries in hex,
/// integers in decimal, booleans as `true`/`false`, addresses printed.
pub(super) fn show(v: &Value<'_>) -> String {
    match v {
        Value::Str(s) => String::from_utf8_lossy(s).into_owned(),
        Value::Bin(b) => b.iter().map(|c| format!("{c:02x}")).collect(),
        Value::Sint(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Ipv4(a) => a.to_string(),
        Value::Ipv6(a) => a.to_string(),
        Value::Meth(m) => String::from_utf8_lossy(m.text()).into_owned(),
    }
}

/// Expectations: `(expression, expected value shown)`, `None` for no sample.
pub(super) type Cases<'a> = &'a [(&'a str, Option<&'a str>)];

/// Checks a table of `(expression, expected)` against one stream; `None` expects no
/// sample.
pub(super) fn check_all(s: &Stream<'_>, cases: &[(&str, Option<&str>)]) {
    for (expr, want) in cases {
        let got = one(expr, s).map(|v| show(&v));
        assert_eq!(got.as_deref(), *want, "{expr}");
    }
}

/// An environment with everything the orchestrator could answer, set per test.
#[derive(Default)]
pub(super) struct TestEnv {
    pub src: Option<SocketAddr>,
    pub dst: Option<SocketAddr>,
    pub conn: Option<(Option<SocketAddr>, Option<SocketAddr>)>,
    pub server_conn: Option<(Option<SocketAddr>, Option<SocketAddr>)>,
    pub local: Vec<SocketAddr>,
    pub tcp: Option<TcpInfo>,
    pub http: bool,
    pub partial: bool,
    pub captures: Vec<(bool, usize, &'static str)>,
    pub line: Option<&'static str>,
    pub users: Vec<(&'static str, &'static str, &'static str)>,
    pub proxy_header: bool,
    pub stats: Vec<(Stat, Target, i64)>,
    pub err: Option<(u32, u32)>,
    pub pending: Option<u64>,
}

impl Env for TestEnv {
    fn src(&self) -> Option<SocketAddr> {
        self.src
    }
    fn dst(&self) -> Option<SocketAddr> {
        self.dst
    }
    fn conn_addrs(&self) -> Option<(Option<SocketAddr>, Option<SocketAddr>)> {
        self.conn
    }
    fn server_conn(&self) -> Option<(Option<SocketAddr>, Option<SocketAddr>)> {
        self.server_conn
    }
    fn is_local(&self, addr: SocketAddr) -> Option<bool> {
        Some(self.local.iter().any(|a| a.ip() == addr.ip()))
    }
    fn tcp_info(&self) -> Option<TcpInfo> {
        self.tcp
    }
    fn http_mode(&self) -> bool {
        self.http
    }
    fn partial(&self) -> bool {
        self.partial
    }
    fn capture(&self, response: bool, idx: usize) -> Option<&[u8]> {
        self.captures
            .iter()
            .find(|(r, i, _)| *r == response && *i == idx)
            .map(|(_, _, v)| v.as_bytes())
    }
    fn logged_request_line(&self) -> Option<&[u8]> {
        self.line.map(str::as_bytes)
    }
    fn use_proxy_header(&self) -> bool {
        self.proxy_header
    }
    fn check_user(&self, list: &str, user: &[u8], pass: &[u8]) -> Option<bool> {
        let mut known = false;
        for (l, u, p) in &self.users {
            if *l == list {
                known = true;
                if u.as_bytes() == user && p.as_bytes() == pass {
                    return Some(true);
                }
            }
        }
        known.then_some(false)
    }
    fn stat(&self, what: Stat, of: Target) -> Option<i64> {
        self.stats
            .iter()
            .find(|(w, t, _)| *w == what && *t == of)
            .map(|(_, _, v)| *v)
    }
    fn conn_error(&self, server_side: bool) -> Option<u32> {
        self.err.map(|(f, b)| if server_side { b } else { f })
    }
    fn body_pending(&self, _dir: Dir) -> Option<u64> {
        self.pending
    }
    fn task_times(&self) -> Option<TaskTimes> {
        Some(TaskTimes {
            calls: 4,
            cpu_ns: 1000,
            lat_ns: 10,
        })
    }
}

// ---------------------------------------------------------------------------------------
// The catalogue.

#[test]
fn every_fetch_name_is_unique_and_valid_somewhere() {
    let mut names: Vec<&str> = all().map(|d| d.name).collect();
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), n, "duplicate fetch names");
    for d in all() {
        assert!(d.uses.valid_at().0 != 0, "{} is valid nowhere", d.name);
        assert!(d.args.min <= d.args.types.len(), "{}", d.name);
    }
}

/// `ARG2(0,STR,SINT)` as an argument specification.
fn arg_spec(text: &str) -> (usize, Vec<ArgType>) {
    if text == "0" {
        return (0, Vec::new());
    }
    let inner = &text[text.find('(').unwrap() + 1..text.len() - 1];
    let mut parts = inner.split(',');
    let min = parts.next().unwrap().parse().unwrap();
    let types = parts
        .map(|t| match t {
            "SINT" => ArgType::Sint,
            "STR" => ArgType::Str,
            "IPV4" => ArgType::Ipv4,
            "IPV6" => ArgType::Ipv6,
            "FE" => ArgType::Fe,
            "BE" => ArgType::Be,
            "SRV" => ArgType::Srv,
            "TAB" => ArgType::Tab,
            "USR" => ArgType::Usr,
            other => panic!("argument type {other}"),
        })
        .collect();
    (min, types)
}

fn smp_type(text: &str) -> SmpType {
    match text {
        "SMP_T_BOOL" => SmpType::Bool,
        "SMP_T_SINT" => SmpType::Sint,
        "SMP_T_IPV4" => SmpType::Ipv4,
        "SMP_T_IPV6" => SmpType::Ipv6,
        "SMP_T_STR" => SmpType::Str,
        "SMP_T_BIN" => SmpType::Bin,
        "SMP_T_METH" => SmpType::Meth,
        "SMP_T_ANY" => SmpType::Any,
        other => panic!("type {other}"),
    }
}

/// HAProxy's `use` column as a mask (`SMP_SRC_L4SRV` alone is the number 13).
fn uses_mask(text: &str) -> u32 {
    const NAMES: [&str; 23] = [
        "CONST", "INTRN", "LISTN", "FTEND", "L4CLI", "L5CLI", "TRACK", "L6REQ", "HRQHV", "HRQHP",
        "HRQBO", "BKEND", "SERVR", "L4SRV", "L5SRV", "L6RES", "HRSHV", "HRSHP", "HRSBO", "RQFIN",
        "RSFIN", "TXFIN", "SSFIN",
    ];
    let bit = |n: &str| NAMES.iter().position(|x| *x == n).unwrap() as u32;
    text.split('|')
        .map(|p| {
            if let Some(n) = p.strip_prefix("SMP_USE_") {
                1 << bit(n)
            } else {
                bit(p.strip_prefix("SMP_SRC_").unwrap())
            }
        })
        .fold(0, |a, b| a | b)
}

#[test]
fn the_catalogue_is_haproxys() {
    use haproxy_table::HAPROXY;
    for (name, args, out, used) in HAPROXY {
        let Some(d) = find(name) else {
            // `var` belongs to the variables, which may be built elsewhere.
            assert!(
                not_yet(name).is_some() || *name == "var",
                "{name} is neither implemented nor listed"
            );
            continue;
        };
        let (min, types) = arg_spec(args);
        assert_eq!(
            (d.args.min, d.args.types),
            (min, &types[..]),
            "{name} arguments"
        );
        assert_eq!(d.output, smp_type(out), "{name} output");
        assert_eq!(d.uses.0, uses_mask(used), "{name} sources");
    }
    for d in all() {
        assert!(
            HAPROXY.iter().any(|(n, ..)| *n == d.name),
            "{} is not one of HAProxy's",
            d.name
        );
    }
    let addons = [
        "51d.all",
        "da-csv-fetch",
        "wurfl-get",
        "wurfl-get-all",
        "lua.",
    ];
    for (name, _) in NOT_YET {
        assert!(
            addons.contains(name) || HAPROXY.iter().any(|(n, ..)| n == name),
            "{name} is not one of HAProxy's"
        );
        assert!(find(name).is_none(), "{name} is implemented");
    }
}

#[test]
fn places_follow_the_sources() {
    let valid = |n: &str, c: Ckp| find(n).map(|d| d.uses.valid_at().contains(c));
    assert_eq!(valid("res.hdr", Ckp::FeHrqHdr), Some(false));
    assert_eq!(valid("hdr", Ckp::FeHrsHdr), Some(true));
    assert_eq!(valid("src", Ckp::FeConAcc), Some(true));
    assert_eq!(valid("path", Ckp::FeConAcc), Some(false));
    assert_eq!(valid("be_name", Ckp::FeSetBck), Some(false));
    assert_eq!(valid("req.payload", Ckp::FeHrqHdr), Some(true));
    assert_eq!(valid("res.payload", Ckp::FeReqCnt), Some(false));
    // unique-id's odd declaration makes it valid everywhere.
    assert_eq!(valid("unique-id", Ckp::CfgParser), Some(true));
    assert!(find("unique-id").unwrap().uses.contains(Src::Const));
}

#[test]
fn later_subsystems_are_known_but_not_yet_supported() {
    assert_eq!(not_yet("ssl_fc_sni"), Some("TLS"));
    assert_eq!(not_yet("sc0_http_req_rate"), Some("stick tables"));
    assert_eq!(not_yet("table_avl"), Some("stick tables"));
    assert_eq!(not_yet("res.cache_hit"), Some("the cache"));
    assert_eq!(not_yet("lua.anything"), Some("Lua"));
    assert_eq!(not_yet("src_port"), None);
    assert_eq!(not_yet("ssl_nope"), None, "names are exact");
    assert_eq!(not_yet("nope"), None);
}
