//! The TCP rule sets (configuration manual 4.2 `tcp-request connection`, `tcp-request
//! session`, `tcp-request content`, `tcp-response content`; HAProxy's `tcp_rules.c`,
//! `tcp_act.c`, the TCP keywords of `vars.c`, `stream.c`, `queue.c`): [`parse`] reads one
//! action as HAProxy 2.6 does, with its messages, and [`TcpAct::exec`] runs it sans-IO.
//!
//! The actions these rule sets share with the HTTP ones (`set-var`, `capture`,
//! `set-src`..., `set-mark`, `silent-drop`...) are parsed by the same parsers and kept
//! as an [`HttpAct`], so they run through the same code; what only TCP has (`accept`,
//! `reject`, `close`, `expect-proxy layer4`, `switch-mode http`) answers a
//! [`TcpVerdict`].
//!
//! Errors: HAProxy prints a TCP rule's errors alone after `parsing [file:line] : `
//! ([`ErrKind::Invalid`] holds the whole text, unlike the HTTP rule sets where the
//! caller wraps it), [`ErrKind::Unknown`] is its "expects ..." list, [`ErrKind::NotYet`]
//! Rampart's "not supported yet".

use super::http::HttpAct;
use super::kw;
use super::misc::{self, AddrPart, CaptureSlot};
use super::txn::{Txn, Verdict};
use super::{arg, vars, ActCx, ActError, ErrKind};
use crate::expr::Expr;
use crate::fetch::place::Ckp;
use rampart_core::cnum::atoi;

/// A TCP rule set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TcpSet {
    /// `tcp-request connection`: right after `accept()`, before any handshake.
    Connection,
    /// `tcp-request session`: once the handshakes (PROXY header) are done.
    Session,
    /// `tcp-request content`: on the request's data, in the frontend then the backend.
    Content,
    /// `tcp-response content`: on the server's data.
    Response,
}

impl TcpSet {
    /// The keyword and its rule set word, as written (`tcp-request content`).
    pub fn keyword(self) -> &'static str {
        match self {
            TcpSet::Connection => "tcp-request connection",
            TcpSet::Session => "tcp-request session",
            TcpSet::Content => "tcp-request content",
            TcpSet::Response => "tcp-response content",
        }
    }

    /// The checkpoints where the rule set runs in a proxy with the frontend and/or
    /// backend capability (HAProxy's `where`).
    pub fn places(self, frontend: bool, backend: bool) -> [Option<Ckp>; 2] {
        match self {
            TcpSet::Connection => [Some(Ckp::FeConAcc), None],
            TcpSet::Session => [Some(Ckp::FeSesAcc), None],
            TcpSet::Content => [
                frontend.then_some(Ckp::FeReqCnt),
                backend.then_some(Ckp::BeReqCnt),
            ],
            TcpSet::Response => [
                frontend.then_some(Ckp::FeResCnt),
                backend.then_some(Ckp::BeResCnt),
            ],
        }
    }

    fn is_request(self) -> bool {
        self != TcpSet::Response
    }
}

/// `switch-mode http proto <name>`: the multiplexer asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MuxProto {
    /// No `proto`: HTTP/1 (HAProxy's default HTTP multiplexer on a TCP connection).
    Default,
    H1,
    /// A multiplexer HAProxy knows that cannot serve HTTP on the client side (`fcgi`,
    /// `none`): HAProxy refuses it once the configuration is read ("MUX protocol '...'
    /// is not compatible with the selected mode").
    Incompatible(&'static str),
}

/// An action of a TCP rule set.
#[derive(Debug)]
pub enum TcpAct {
    /// `accept`: stop evaluating the rule set, go on.
    Accept,
    /// `reject`: close the connection (counted as denied).
    Reject,
    /// `tcp-response content close`: close the server connection and the client's.
    Close,
    /// `tcp-request connection expect-proxy layer4`: read a PROXY header first.
    ExpectProxy,
    /// `tcp-request content switch-mode http [proto h1]`: go on as an HTTP session.
    SwitchMode(MuxProto),
    /// An action shared with the HTTP rule sets, run by their code.
    Http(HttpAct),
}

/// What the orchestrator does after a TCP action.
#[derive(Debug)]
pub enum TcpVerdict<'r> {
    /// The verdict of an action shared with HTTP (`Continue`, `Effect`), `accept`
    /// (`Stop`), `reject` (`Reject`), `silent-drop` (`SilentDrop`).
    Common(Verdict<'r>),
    /// `close`.
    Close,
    /// `expect-proxy layer4`: go on with the next rule; the connection must start
    /// with a PROXY header.
    ExpectProxy,
    /// `switch-mode http`: stop evaluating; the stream goes on in HTTP.
    SwitchHttp,
}

/// What a word of a TCP rule set's list stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum T {
    Var,
    Addr(AddrPart),
    SetMark,
    SetTos,
    SilentDrop,
    SetLogLevel,
    SetNice,
    SwitchMode,
    UseService,
    SetPriorityClass,
    SetPriorityOffset,
    NotYet(&'static str),
}

/// One registered action keyword: its name, whether it matches as a prefix.
type Entry = (&'static str, bool, T);

const STICK: &str = "stick tables";
const OT: &str = "the OpenTracing filter";
const SPOE: &str = "SPOE";
const DNS: &str = "DNS resolvers";

const SC: [Entry; 5] = [
    ("sc-inc-gpc", true, T::NotYet(STICK)),
    ("sc-inc-gpc0", true, T::NotYet(STICK)),
    ("sc-inc-gpc1", true, T::NotYet(STICK)),
    ("sc-set-gpt", true, T::NotYet(STICK)),
    ("sc-set-gpt0", true, T::NotYet(STICK)),
];

const VARS: [Entry; 3] = [
    ("set-var-fmt", true, T::Var),
    ("set-var", true, T::Var),
    ("unset-var", true, T::Var),
];

/// `tcp-request connection` and `tcp-request session`, in the order Debian's HAProxy
/// 2.6 holds them (its "expects ..." message shows it).
const CONN: &[Entry] = &[
    SC[0],
    SC[1],
    SC[2],
    SC[3],
    SC[4],
    VARS[0],
    VARS[1],
    VARS[2],
    ("set-dst", false, T::Addr(AddrPart::Dst)),
    ("set-dst-port", false, T::Addr(AddrPart::DstPort)),
    ("set-mark", false, T::SetMark),
    ("set-src", false, T::Addr(AddrPart::Src)),
    ("set-src-port", false, T::Addr(AddrPart::SrcPort)),
    ("set-tos", false, T::SetTos),
    ("silent-drop", false, T::SilentDrop),
];

/// `tcp-request content`.
const CONTENT: &[Entry] = &[
    ("ot-group", false, T::NotYet(OT)),
    ("set-log-level", false, T::SetLogLevel),
    ("set-nice", false, T::SetNice),
    ("switch-mode", false, T::SwitchMode),
    ("use-service", false, T::UseService),
    SC[0],
    SC[1],
    SC[2],
    SC[3],
    SC[4],
    ("send-spoe-group", false, T::NotYet(SPOE)),
    ("do-resolve", true, T::NotYet(DNS)),
    VARS[0],
    VARS[1],
    VARS[2],
    ("set-src", false, T::Addr(AddrPart::Src)),
    ("set-src-port", false, T::Addr(AddrPart::SrcPort)),
    ("set-dst", false, T::Addr(AddrPart::Dst)),
    ("set-dst-port", false, T::Addr(AddrPart::DstPort)),
    ("set-mark", false, T::SetMark),
    ("set-tos", false, T::SetTos),
    ("silent-drop", false, T::SilentDrop),
    ("set-priority-class", false, T::SetPriorityClass),
    ("set-priority-offset", false, T::SetPriorityOffset),
];

/// `tcp-response content`.
const RESPONSE: &[Entry] = &[
    ("ot-group", false, T::NotYet(OT)),
    ("set-log-level", false, T::SetLogLevel),
    ("set-nice", false, T::SetNice),
    SC[0],
    SC[1],
    SC[2],
    SC[3],
    SC[4],
    ("send-spoe-group", false, T::NotYet(SPOE)),
    VARS[0],
    VARS[1],
    VARS[2],
    ("set-mark", false, T::SetMark),
    ("set-tos", false, T::SetTos),
    ("silent-drop", false, T::SilentDrop),
];

fn list(set: TcpSet) -> &'static [Entry] {
    match set {
        TcpSet::Connection | TcpSet::Session => CONN,
        TcpSet::Content => CONTENT,
        TcpSet::Response => RESPONSE,
    }
}

/// `action_lookup`: the first entry equal to the word, or that it starts with for
/// prefix entries.
fn lookup(set: TcpSet, word: &str) -> Option<&'static Entry> {
    list(set)
        .iter()
        .find(|(name, prefix, _)| word == *name || (*prefix && word.starts_with(name)))
}

/// HAProxy's "expects ..." message for a word that names no action.
fn unknown(set: TcpSet, cx: &ActCx<'_>, kind: &str, word: &str) -> ActError {
    let names: Vec<String> = list(set)
        .iter()
        .map(|(n, p, _)| format!("'{n}{}'", if *p { "(*)" } else { "" }))
        .collect();
    let names = names.join(", ");
    let (msg, extra): (String, &[&'static str]) = if set.is_request() {
        (
            format!(
                "'{}' expects 'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc0' ... 'track-sc2', {names} in {kind} '{}' (got '{word}').",
                set.keyword(),
                cx.proxy
            ),
            &[
                "accept",
                "reject",
                "capture",
                "track-sc",
                "expect-proxy",
                "expect-netscaler-cip",
            ],
        )
    } else {
        (
            format!(
                "'{}' expects 'accept', 'close', 'reject', {names} in {kind} '{}' (got '{word}').",
                set.keyword(),
                cx.proxy
            ),
            &["accept", "reject", "close"],
        )
    };
    let mut msg = msg;
    let names = list(set).iter().map(|(n, p, _)| (*n, *p));
    if let Some(best) = kw::closest(word, names, extra) {
        msg.push_str(&format!(" Did you mean '{best}' maybe ?"));
    }
    // `tcp-request` ends its message with a newline of its own.
    if set.is_request() {
        msg.push('\n');
    }
    ActError {
        kind: ErrKind::Unknown,
        msg,
    }
}

fn not_yet(set: TcpSet, word: &str, what: &str) -> ActError {
    ActError {
        kind: ErrKind::NotYet,
        msg: format!(
            "'{} {word}' is not supported yet (it needs {what})",
            set.keyword()
        ),
    }
}

/// Parses the action at `words[*idx]`; `words` is the whole line (`tcp-request`,
/// `content`, the action...), as HAProxy's messages name its first words. `kind` is
/// the proxy's type as HAProxy names it (`frontend`, `proxy`, `defaults`...). On
/// success `*idx` is on the first word after the action (`if`, `unless`, the end, or
/// anything else for the caller's "only accepts 'if' or 'unless'" error).
pub fn parse(
    set: TcpSet,
    words: &[&str],
    idx: &mut usize,
    kind: &str,
    cx: &mut ActCx<'_>,
) -> Result<TcpAct, ActError> {
    let places = set.places(cx.frontend, cx.backend);
    let word = arg(words, *idx);
    let i = *idx;
    let (a0, a1) = (arg(words, 0), arg(words, 1));
    match word {
        "accept" => {
            *idx += 1;
            return Ok(TcpAct::Accept);
        }
        "reject" => {
            *idx += 1;
            return Ok(TcpAct::Reject);
        }
        "close" if !set.is_request() => {
            *idx += 1;
            return Ok(TcpAct::Close);
        }
        _ if !set.is_request() => {}
        "capture" => return parse_capture(set, words, idx, kind, cx),
        w if w.starts_with("track-sc") => {
            let num = &w[8..];
            let digits = num.bytes().take_while(u8::is_ascii_digit).count();
            if digits < num.len() {
                return Err(format!("'{a0} {a1} {w}' : Wrong track-sc number '{num}'").into());
            }
            let n: u64 = num
                .parse()
                .unwrap_or(if num.is_empty() { 0 } else { u64::MAX });
            if n >= 3 {
                return Err(format!(
                    "'{a0} {a1} {w}' : {} track-sc number exceeding 2 (MAX_SESS_STKCTR-1) value",
                    n as u32
                )
                .into());
            }
            return Err(not_yet(set, w, STICK));
        }
        "expect-proxy" | "expect-netscaler-cip" => {
            let layer = arg(words, i + 1);
            if layer != "layer4" {
                return Err(format!(
                    "'{a0} {a1} {word}' only supports 'layer4' in {kind} '{}' (got '{layer}')",
                    cx.proxy
                )
                .into());
            }
            if set != TcpSet::Connection {
                return Err(format!(
                    "'{word} {layer}' is not allowed in '{a0} {a1}' rules in {kind} '{}'",
                    cx.proxy
                )
                .into());
            }
            if word == "expect-netscaler-cip" {
                return Err(not_yet(
                    set,
                    "expect-netscaler-cip",
                    "the NetScaler client IP insertion protocol",
                ));
            }
            *idx += 2;
            return Ok(TcpAct::ExpectProxy);
        }
        _ => {}
    }
    let Some(&(_, _, t)) = lookup(set, word) else {
        return Err(unknown(set, cx, kind, word));
    };
    *idx += 1;
    let act = match t {
        T::NotYet(what) => return Err(not_yet(set, word, what)),
        T::Var => HttpAct::Var(vars::parse_at(words, idx, places, cx)?),
        T::Addr(part) => HttpAct::SetAddr {
            part,
            expr: misc::parse_addr(words, idx, cx)?,
        },
        T::SetMark => HttpAct::SetMark(misc::parse_number(words, idx)? as u32),
        T::SetTos => HttpAct::SetTos(misc::parse_number(words, idx)? as i32),
        T::SilentDrop => HttpAct::SilentDrop,
        T::SetLogLevel => HttpAct::SetLogLevel(misc::parse_log_level(words, idx)?),
        T::SetNice => HttpAct::SetNice(misc::parse_nice(words, idx)?),
        T::SetPriorityClass => HttpAct::SetPriorityClass(parse_priority(words, idx, cx)?),
        T::SetPriorityOffset => HttpAct::SetPriorityOffset(parse_priority(words, idx, cx)?),
        T::UseService => return Err(parse_service(set, words, *idx)),
        T::SwitchMode => return parse_switch_mode(words, idx, kind, cx),
    };
    Ok(TcpAct::Http(act))
}

/// `capture <sample> len <length>` (`tcp-request content` only).
fn parse_capture(
    set: TcpSet,
    words: &[&str],
    idx: &mut usize,
    kind: &str,
    cx: &mut ActCx<'_>,
) -> Result<TcpAct, ActError> {
    let (a0, a1) = (arg(words, 0), arg(words, 1));
    let what = format!("'{a0} {a1} capture'");
    if !cx.frontend {
        return Err(format!("{what} : proxy '{}' has no frontend capability", cx.proxy).into());
    }
    let mut i = *idx;
    if set != TcpSet::Content {
        return Err(format!(
            "'capture {}' is not allowed in '{a0} {a1}' rules in {kind} '{}'",
            arg(words, i + 1),
            cx.proxy
        )
        .into());
    }
    i += 1;
    let places = set.places(cx.frontend, cx.backend);
    let (expr, _) = cx
        .expr(words, &mut i)
        .map_err(|e| format!("{what} : {e}"))?;
    super::check_fetch_at(&expr, places, arg(words, i - 1)).map_err(|e| format!("{what} : {e}"))?;
    let mut len = 0;
    if arg(words, i) == "len" {
        i += 1;
        len = atoi(arg(words, i));
        if len <= 0 {
            return Err(format!("{what} : length must be > 0").into());
        }
        i += 1;
    }
    if len == 0 {
        return Err(format!("{what} : a positive 'len' argument is mandatory").into());
    }
    let index = cx.req_captures;
    cx.req_captures += 1;
    *idx = i;
    Ok(TcpAct::Http(HttpAct::Capture {
        expr,
        slot: CaptureSlot {
            response: false,
            index,
            len: Some(len as usize),
            by_id: false,
        },
    }))
}

/// `set-priority-class <expr>`, `set-priority-offset <expr>`: checked against the
/// HTTP request's places whatever the rule set (`queue.c`), its message naming the
/// line's first word.
fn parse_priority(words: &[&str], idx: &mut usize, cx: &mut ActCx<'_>) -> Result<Expr, ActError> {
    let (expr, _) = cx.expr(words, idx)?;
    let places = [
        cx.frontend.then_some(Ckp::FeHrqHdr),
        cx.backend.then_some(Ckp::BeHrqHdr),
    ];
    super::check_fetch_at(&expr, places, arg(words, 0))?;
    Ok(expr)
}

/// `use-service <name>`: HAProxy's Prometheus exporter serves HTTP only; Lua services
/// need Lua. The messages name the line's first and second words, as HAProxy's do.
fn parse_service(set: TcpSet, words: &[&str], idx: usize) -> ActError {
    let name = arg(words, idx);
    if name.is_empty() {
        return format!("'{}' expects a service name.", arg(words, 0)).into();
    }
    if name.starts_with("lua.") {
        return not_yet(set, &format!("use-service {name}"), "Lua");
    }
    if name == "prometheus-exporter" {
        return "Prometheus exporter service only available on 'http-request' rulesets".into();
    }
    format!("'{}' unknown service name.", arg(words, 1)).into()
}

/// `switch-mode http [proto <name>]` (`stream_parse_switch_mode`).
fn parse_switch_mode(
    words: &[&str],
    idx: &mut usize,
    kind: &str,
    cx: &mut ActCx<'_>,
) -> Result<TcpAct, ActError> {
    let what = format!("'{} {}'", arg(words, 0), arg(words, *idx - 1));
    let mode = arg(words, *idx);
    if mode.is_empty() {
        return Err(format!("{what} expects a mode as argument.").into());
    }
    if !cx.frontend {
        return Err(format!(
            "{what} not allowed because {kind} '{}' has no frontend capability",
            cx.proxy
        )
        .into());
    }
    if mode != "http" {
        return Err(format!("{what} expects a valid mode (got '{mode}').").into());
    }
    let mut proto = MuxProto::Default;
    if arg(words, *idx + 1) == "proto" {
        let p = arg(words, *idx + 2);
        if p.is_empty() {
            return Err(format!("{what}: 'proto' expects a protocol as argument.").into());
        }
        proto = match p {
            "h1" => MuxProto::H1,
            "h2" => {
                return Err(ActError {
                    kind: ErrKind::NotYet,
                    msg: "'tcp-request content switch-mode http proto h2' is not supported yet (it needs HTTP/2)".into(),
                })
            }
            "fcgi" => MuxProto::Incompatible("fcgi"),
            "none" => MuxProto::Incompatible("none"),
            _ => {
                return Err(format!(
                    "{what}: 'proto' expects a valid MUX protocol, if specified (got '{p}')"
                )
                .into())
            }
        };
        *idx += 2;
    }
    *idx += 1;
    Ok(TcpAct::SwitchMode(proto))
}

impl TcpAct {
    /// The capture's expression, for HAProxy's warning about captures of request
    /// contents without `tcp-request inspect-delay`.
    pub fn capture_expr(&self) -> Option<&Expr> {
        match self {
            TcpAct::Http(HttpAct::Capture { expr, .. }) => Some(expr),
            _ => None,
        }
    }

    /// The multiplexer a `switch-mode` asks for.
    pub fn switch_mode(&self) -> Option<MuxProto> {
        match self {
            TcpAct::SwitchMode(p) => Some(*p),
            _ => None,
        }
    }

    /// Runs the action. The transaction has no heads in `mode tcp` (`req_data` or
    /// `res_data` is the buffered payload); in `mode http`, `tcp-request content`
    /// rules see the request head.
    pub fn exec(&self, tx: &mut Txn<'_>) -> TcpVerdict<'_> {
        match self {
            TcpAct::Accept => TcpVerdict::Common(Verdict::Stop),
            TcpAct::Reject => TcpVerdict::Common(Verdict::Reject),
            TcpAct::Close => TcpVerdict::Close,
            TcpAct::ExpectProxy => TcpVerdict::ExpectProxy,
            TcpAct::SwitchMode(_) => TcpVerdict::SwitchHttp,
            TcpAct::Http(a) => TcpVerdict::Common(a.exec(tx)),
        }
    }
}

#[cfg(test)]
mod tests;
