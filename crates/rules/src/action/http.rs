//! One action of an HTTP rule set: [`parse`] reads it from the words of its line (the
//! caller then reads `if`/`unless`), [`HttpAct::exec`] runs it on a transaction.

use super::headers::{self, DelHeader, EarlyHint, ReplaceHeader, SetHeader};
use super::kw::{self, Kw};
use super::maps::{self, MapAct, MapOp};
use super::misc::{self, AddrPart, CaptureSlot, LogLevel, Service, TimeoutKind, TimeoutValue};
use super::normalize::{self, Normalizer};
use super::redirect::{self, Dest, Redirect};
use super::txn::{stream_of, Effect, Txn, Verdict};
use super::uri::{self, ReplaceUri, SetStartLine, UriPart};
use super::vars::{self, SetVar, VarValue};
use super::{ActCx, ActError, ErrKind, RuleSet};
use crate::args::ArgCtx;
use crate::expr::Expr;
use crate::pattern::Registry;
use crate::reply::Reply;
use crate::sample::{SmpType, Value};
use crate::stream::Iter;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// An action of `http-request`, `http-response` or `http-after-response`.
#[derive(Debug)]
pub enum HttpAct {
    Allow,
    Deny(Reply),
    Tarpit(Reply),
    Return(Reply),
    Auth {
        realm: Option<String>,
    },
    Reject,
    SilentDrop,
    DisableL7Retry,
    Redirect(Redirect),
    StrictMode(bool),
    SetHeader(SetHeader),
    EarlyHint(EarlyHint),
    DelHeader(DelHeader),
    ReplaceHeader(ReplaceHeader),
    SetStartLine(SetStartLine),
    ReplaceUri(ReplaceUri),
    Normalize(Normalizer),
    SetStatus {
        status: u16,
        reason: Option<String>,
    },
    Var(SetVar),
    Map(MapAct),
    Capture {
        expr: Expr,
        slot: CaptureSlot,
    },
    SetAddr {
        part: AddrPart,
        expr: Expr,
    },
    SetMark(u32),
    SetTos(i32),
    SetNice(i32),
    SetLogLevel(LogLevel),
    SetTimeout {
        which: TimeoutKind,
        value: TimeoutValue,
    },
    SetPriorityClass(Expr),
    SetPriorityOffset(Expr),
    WaitForBody {
        time_ms: u32,
        at_least: u32,
    },
    /// `use-service`: the service answers, the rule set stops.
    UseService(Service),
}

/// Parses the action at `words[*idx]` for rule set `set`. On success `*idx` is on the
/// first word after the action's arguments (`if`, `unless`, or the end; anything else
/// is the caller's "expects either 'if' or 'unless'" error).
pub fn parse(
    set: RuleSet,
    words: &[&str],
    idx: &mut usize,
    cx: &mut ActCx<'_>,
) -> Result<HttpAct, ActError> {
    let word = super::arg(words, *idx);
    let Some(k) = kw::lookup(set, word) else {
        return Err(kw::unknown(set, word));
    };
    if k.experimental && !cx.experimental {
        return Err(ActError {
            kind: ErrKind::Experimental,
            msg: format!(
                "'{}' action is experimental, must be allowed via a global 'expose-experimental-directives'",
                k.name
            ),
        });
    }
    *idx += 1;
    let i = idx;
    Ok(match k.kw {
        Kw::NotYet(what) => {
            return Err(ActError {
                kind: ErrKind::NotYet,
                msg: format!(
                    "'{} {word}' is not supported yet (it needs {what})",
                    set.keyword()
                ),
            })
        }
        Kw::UseService => HttpAct::UseService(misc::parse_service(words, i, set)?),
        Kw::Allow => HttpAct::Allow,
        Kw::Reject => HttpAct::Reject,
        Kw::SilentDrop => HttpAct::SilentDrop,
        Kw::DisableL7Retry => HttpAct::DisableL7Retry,
        Kw::Deny => HttpAct::Deny(misc::parse_deny(words, i, set, false, cx)?),
        Kw::Tarpit => HttpAct::Tarpit(misc::parse_deny(words, i, set, true, cx)?),
        Kw::Return => HttpAct::Return(crate::reply::parse_reply(words, i, 200, set, cx)?),
        Kw::Auth => HttpAct::Auth {
            realm: misc::parse_auth(words, i)?,
        },
        Kw::Redirect => {
            let r = redirect::parse(words, i, set, true, cx)?;
            HttpAct::Redirect(r)
        }
        Kw::StrictMode => HttpAct::StrictMode(misc::parse_strict(words, i)?),
        Kw::SetHeader => HttpAct::SetHeader(headers::parse_set(words, i, set, false, cx)?),
        Kw::AddHeader => HttpAct::SetHeader(headers::parse_set(words, i, set, true, cx)?),
        Kw::EarlyHint => HttpAct::EarlyHint(headers::parse_early_hint(words, i, cx)?),
        Kw::DelHeader => HttpAct::DelHeader(headers::parse_del(words, i, set)?),
        Kw::ReplaceHeader => {
            HttpAct::ReplaceHeader(headers::parse_replace(words, i, set, true, cx)?)
        }
        Kw::ReplaceValue => {
            HttpAct::ReplaceHeader(headers::parse_replace(words, i, set, false, cx)?)
        }
        Kw::SetMethod => HttpAct::SetStartLine(uri::parse_set(words, i, UriPart::Method, cx)?),
        Kw::SetPath => HttpAct::SetStartLine(uri::parse_set(words, i, UriPart::Path, cx)?),
        Kw::SetPathq => HttpAct::SetStartLine(uri::parse_set(words, i, UriPart::PathQ, cx)?),
        Kw::SetQuery => HttpAct::SetStartLine(uri::parse_set(words, i, UriPart::Query, cx)?),
        Kw::SetUri => HttpAct::SetStartLine(uri::parse_set(words, i, UriPart::Uri, cx)?),
        Kw::ReplacePath => HttpAct::ReplaceUri(uri::parse_replace(words, i, UriPart::Path, cx)?),
        Kw::ReplacePathq => HttpAct::ReplaceUri(uri::parse_replace(words, i, UriPart::PathQ, cx)?),
        Kw::ReplaceUri => HttpAct::ReplaceUri(uri::parse_replace(words, i, UriPart::Uri, cx)?),
        Kw::NormalizeUri => HttpAct::Normalize(normalize::parse(words, i)?),
        Kw::SetStatus => {
            let (status, reason) = misc::parse_status(words, i)?;
            HttpAct::SetStatus { status, reason }
        }
        Kw::SetVar | Kw::SetVarFmt | Kw::UnsetVar => HttpAct::Var(vars::parse(words, i, set, cx)?),
        Kw::AddAcl => HttpAct::Map(maps::parse(words, i, MapOp::AddAcl, set, cx)?),
        Kw::DelAcl => HttpAct::Map(maps::parse(words, i, MapOp::DelAcl, set, cx)?),
        Kw::SetMap => HttpAct::Map(maps::parse(words, i, MapOp::SetMap, set, cx)?),
        Kw::DelMap => HttpAct::Map(maps::parse(words, i, MapOp::DelMap, set, cx)?),
        Kw::Capture => {
            let (expr, slot) = misc::parse_capture(words, i, set, cx)?;
            HttpAct::Capture { expr, slot }
        }
        Kw::SetSrc | Kw::SetSrcPort | Kw::SetDst | Kw::SetDstPort => {
            let part = match k.kw {
                Kw::SetSrc => AddrPart::Src,
                Kw::SetSrcPort => AddrPart::SrcPort,
                Kw::SetDst => AddrPart::Dst,
                _ => AddrPart::DstPort,
            };
            HttpAct::SetAddr {
                part,
                expr: misc::parse_addr(words, i, cx)?,
            }
        }
        Kw::SetMark => HttpAct::SetMark(misc::parse_number(words, i)? as u32),
        Kw::SetTos => HttpAct::SetTos(misc::parse_number(words, i)? as i32),
        Kw::SetNice => HttpAct::SetNice(misc::parse_nice(words, i)?),
        Kw::SetLogLevel => HttpAct::SetLogLevel(misc::parse_log_level(words, i)?),
        Kw::SetTimeout => {
            let (which, value) = misc::parse_timeout(words, i, cx)?;
            HttpAct::SetTimeout { which, value }
        }
        Kw::SetPriorityClass => HttpAct::SetPriorityClass(misc::parse_priority(words, i, cx)?),
        Kw::SetPriorityOffset => HttpAct::SetPriorityOffset(misc::parse_priority(words, i, cx)?),
        Kw::WaitForBody => {
            let (time_ms, at_least) = misc::parse_wait_for_body(words, i, cx)?;
            HttpAct::WaitForBody { time_ms, at_least }
        }
    })
}

impl HttpAct {
    /// The action ends the rule set whatever happens (`ACT_FLAG_FINAL`): HAProxy warns
    /// about rules after an unconditional one. `redirect ... ignore-empty` is not final.
    pub fn is_final(&self) -> bool {
        match self {
            HttpAct::Allow
            | HttpAct::Deny(_)
            | HttpAct::Tarpit(_)
            | HttpAct::Return(_)
            | HttpAct::Auth { .. } => true,
            HttpAct::Redirect(r) => !r.ignore_empty,
            _ => false,
        }
    }

    /// The reply of `deny`, `tarpit` or `return`, for the model's resolution of
    /// `errorfiles`.
    pub fn reply_mut(&mut self) -> Option<&mut Reply> {
        match self {
            HttpAct::Deny(r) | HttpAct::Tarpit(r) | HttpAct::Return(r) => Some(r),
            _ => None,
        }
    }

    /// The capture slot the action fills, for the model's check of `id` slots.
    pub fn capture_slot(&self) -> Option<CaptureSlot> {
        match self {
            HttpAct::Capture { slot, .. } => Some(*slot),
            _ => None,
        }
    }

    /// HAProxy's check of a capture by `id` once the proxy's slots are known
    /// (`check_http_req_capture`, `check_http_res_capture`): in a proxy with the
    /// frontend capability, the slot must exist among `req_slots` (request rules) or
    /// `res_slots` (response rules). The message follows `Proxy '<name>': `.
    pub fn check_capture(
        &self,
        frontend: bool,
        req_slots: usize,
        res_slots: usize,
    ) -> Result<(), String> {
        let Some(slot) = self.capture_slot().filter(|s| s.by_id && frontend) else {
            return Ok(());
        };
        let (have, set) = if slot.response {
            (res_slots, "http-response")
        } else {
            (req_slots, "http-request")
        };
        // HAProxy compares as `int`: a negative id passes, and never captures.
        let id = slot.index as i32;
        if id >= 0 && id as usize >= have {
            return Err(format!(
                "unable to find capture id '{id}' referenced by {set} capture rule"
            ));
        }
        Ok(())
    }

    /// Binds `add-acl`, `del-acl`, `set-map`, `del-map` to the reference of their
    /// file, once every ACL and map of the configuration is loaded.
    pub fn bind_refs(&mut self, registry: &Registry) {
        if let HttpAct::Map(m) = self {
            m.bind(registry);
        }
    }

    /// Calls `f` on every sample expression of the action, those of its log-format
    /// strings included, in the order HAProxy parses them (a reply's headers before
    /// its body), for the model's resolution of arguments naming proxies, servers and
    /// user lists.
    pub fn exprs_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        match self {
            HttpAct::Deny(r) | HttpAct::Tarpit(r) | HttpAct::Return(r) => r.exprs_mut(f),
            HttpAct::Redirect(r) => {
                if let Dest::Fmt(lf) = &mut r.dest {
                    lf.exprs_mut(f);
                }
            }
            HttpAct::SetHeader(a) => a.value.exprs_mut(f),
            HttpAct::EarlyHint(a) => a.value.exprs_mut(f),
            HttpAct::ReplaceHeader(a) => a.value.exprs_mut(f),
            HttpAct::SetStartLine(a) => a.fmt.exprs_mut(f),
            HttpAct::ReplaceUri(a) => a.fmt.exprs_mut(f),
            HttpAct::Var(v) => match &mut v.value {
                VarValue::Expr(e) => f(e),
                VarValue::Fmt(lf) => lf.exprs_mut(f),
                VarValue::Unset => {}
            },
            HttpAct::Map(m) => {
                m.key.exprs_mut(f);
                if let Some(v) = &mut m.value {
                    v.exprs_mut(f);
                }
            }
            HttpAct::Capture { expr, .. } | HttpAct::SetAddr { expr, .. } => f(expr),
            HttpAct::SetTimeout {
                value: TimeoutValue::Expr(e),
                ..
            } => f(e),
            HttpAct::SetPriorityClass(e) | HttpAct::SetPriorityOffset(e) => f(e),
            HttpAct::Allow
            | HttpAct::Auth { .. }
            | HttpAct::Reject
            | HttpAct::SilentDrop
            | HttpAct::DisableL7Retry
            | HttpAct::StrictMode(_)
            | HttpAct::DelHeader(_)
            | HttpAct::Normalize(_)
            | HttpAct::SetStatus { .. }
            | HttpAct::SetMark(_)
            | HttpAct::SetTos(_)
            | HttpAct::SetNice(_)
            | HttpAct::SetLogLevel(_)
            | HttpAct::SetTimeout { .. }
            | HttpAct::WaitForBody { .. }
            | HttpAct::UseService(_) => {}
        }
    }

    /// The argument contexts of the action in rule set `set` when the proxy's
    /// context (`px->conf.args.ctx`) was `previous`: the one its expressions are
    /// reported in, and the one it leaves for the next line. Most of HAProxy's
    /// parsers set it before reading their expressions; some leave it as it was
    /// (`set-timeout`, `set-src`...), and `capture` sets it only after its expression.
    pub fn arg_ctx(&self, set: RuleSet, previous: ArgCtx) -> (ArgCtx, ArgCtx) {
        let by_set = if set.is_response() {
            ArgCtx::Hrs
        } else {
            ArgCtx::Hrq
        };
        let ctx = match self {
            HttpAct::Deny(_)
            | HttpAct::Tarpit(_)
            | HttpAct::Return(_)
            | HttpAct::SetHeader(_)
            | HttpAct::EarlyHint(_)
            | HttpAct::DelHeader(_)
            | HttpAct::ReplaceHeader(_)
            | HttpAct::Map(_) => by_set,
            HttpAct::Var(v) if !matches!(v.value, VarValue::Unset) => by_set,
            HttpAct::SetStartLine(_) | HttpAct::ReplaceUri(_) => ArgCtx::Hrq,
            HttpAct::Capture { .. } => return (previous, ArgCtx::Cap),
            HttpAct::Redirect(r) if matches!(r.dest, Dest::Fmt(_)) => ArgCtx::Rdr,
            _ => previous,
        };
        (ctx, ctx)
    }

    /// Runs the action.
    pub fn exec(&self, tx: &mut Txn<'_>) -> Verdict<'_> {
        match self {
            HttpAct::Allow => Verdict::Stop,
            HttpAct::Deny(r) => Verdict::Deny(r),
            HttpAct::Tarpit(r) => Verdict::Tarpit(r),
            HttpAct::Return(r) => Verdict::Return(r),
            HttpAct::Auth { realm } => Verdict::Auth {
                realm: realm.as_deref(),
            },
            HttpAct::Reject => Verdict::Reject,
            HttpAct::SilentDrop => Verdict::SilentDrop,
            HttpAct::DisableL7Retry => Verdict::Effect(Effect::DisableL7Retry),
            HttpAct::Redirect(r) => r.exec(tx),
            HttpAct::StrictMode(on) => {
                tx.strict = *on;
                Verdict::Continue
            }
            HttpAct::SetHeader(a) => a.exec(tx),
            HttpAct::EarlyHint(a) => a.exec(tx),
            HttpAct::DelHeader(a) => a.exec(tx),
            HttpAct::ReplaceHeader(a) => a.exec(tx),
            HttpAct::SetStartLine(a) => a.exec(tx),
            HttpAct::ReplaceUri(a) => a.exec(tx),
            HttpAct::Normalize(n) => n.exec(tx),
            HttpAct::SetStatus { status, reason } => {
                let Some(res) = tx.res.as_deref_mut() else {
                    return Verdict::Continue;
                };
                let reason = match reason {
                    Some(r) => r.as_bytes(),
                    None => rampart_h1::reason_phrase(*status).as_bytes(),
                };
                res.set_status(*status, reason);
                if !tx.res_fits() {
                    return tx.rewrite_failed();
                }
                Verdict::Continue
            }
            HttpAct::Var(v) => v.exec(tx),
            HttpAct::Map(m) => m.exec(tx),
            HttpAct::Capture { expr, slot } => {
                let s = stream_of!(tx);
                let v = expr
                    .eval(&s, &mut Iter::single(), tx.cx)
                    .and_then(|v| v.cast(SmpType::Str));
                let Some(Value::Str(b)) = v else {
                    return Verdict::Continue;
                };
                let n = slot.len.map_or(b.len(), |l| l.min(b.len()));
                tx.scratch.out.clear();
                tx.scratch.out.extend_from_slice(&b[..n]);
                Verdict::Effect(Effect::Capture(*slot))
            }
            HttpAct::SetAddr { part, expr } => set_addr(*part, expr, tx),
            HttpAct::SetMark(m) => Verdict::Effect(Effect::SetMark(*m)),
            HttpAct::SetTos(t) => Verdict::Effect(Effect::SetTos(*t)),
            HttpAct::SetNice(n) => Verdict::Effect(Effect::SetNice(*n)),
            HttpAct::SetLogLevel(l) => Verdict::Effect(Effect::SetLogLevel(*l)),
            HttpAct::SetTimeout { which, value } => {
                let ms = match value {
                    TimeoutValue::Const(ms) => *ms,
                    TimeoutValue::Expr(e) => match sint(e, tx) {
                        Some(v) => u32::try_from(v.max(0)).unwrap_or(u32::MAX),
                        None => return Verdict::Continue,
                    },
                };
                Verdict::Effect(Effect::SetTimeout { which: *which, ms })
            }
            HttpAct::SetPriorityClass(e) => match sint(e, tx) {
                Some(v) => {
                    Verdict::Effect(Effect::SetPriorityClass((v as i32).clamp(-0x7ff, 0x7ff)))
                }
                None => Verdict::Continue,
            },
            HttpAct::SetPriorityOffset(e) => match sint(e, tx) {
                Some(v) => Verdict::Effect(Effect::SetPriorityOffset(
                    (v as i32).clamp(-0x7ffff, 0x7ffff),
                )),
                None => Verdict::Continue,
            },
            HttpAct::WaitForBody { time_ms, at_least } => Verdict::WaitForBody {
                time_ms: *time_ms,
                at_least: *at_least,
            },
            HttpAct::UseService(s) => Verdict::Service(*s),
        }
    }
}

/// The expression's value as an integer, if it has one.
fn sint(e: &Expr, tx: &Txn<'_>) -> Option<i64> {
    let s = tx.stream();
    match e
        .eval(&s, &mut Iter::single(), tx.cx)?
        .cast(SmpType::Sint)?
    {
        Value::Sint(v) => Some(v),
        _ => None,
    }
}

/// `set-src`, `set-dst` keep the port (0 when the address was not an IP one);
/// `set-src-port`, `set-dst-port` keep the address (`0.0.0.0` when it was not IP).
fn set_addr<'r>(part: AddrPart, expr: &Expr, tx: &mut Txn<'_>) -> Verdict<'r> {
    let cur = match part {
        AddrPart::Src | AddrPart::SrcPort => tx.env.src(),
        AddrPart::Dst | AddrPart::DstPort => tx.env.dst(),
    };
    let s = tx.stream();
    let new = match part {
        AddrPart::Src | AddrPart::Dst => {
            let ip: IpAddr = match expr
                .eval(&s, &mut Iter::single(), tx.cx)
                .and_then(|v| v.cast(SmpType::Addr))
            {
                Some(Value::Ipv4(a)) => a.into(),
                Some(Value::Ipv6(a)) => a.into(),
                _ => return Verdict::Continue,
            };
            SocketAddr::new(ip, cur.map_or(0, |c| c.port()))
        }
        AddrPart::SrcPort | AddrPart::DstPort => {
            let Some(Value::Sint(p)) = expr
                .eval(&s, &mut Iter::single(), tx.cx)
                .and_then(|v| v.cast(SmpType::Sint))
            else {
                return Verdict::Continue;
            };
            let ip = cur.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.ip());
            SocketAddr::new(ip, p as u16)
        }
    };
    match part {
        AddrPart::Src | AddrPart::SrcPort => Verdict::Effect(Effect::SetSrc(new)),
        AddrPart::Dst | AddrPart::DstPort => Verdict::Effect(Effect::SetDst(new)),
    }
}
