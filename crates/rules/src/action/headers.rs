//! Header actions: `set-header`, `add-header`, `early-hint`, `del-header`,
//! `replace-header` and `replace-value` (`http_act.c`), on the request or the response
//! head with HAProxy's semantics: names compared without case, `set-header` removes
//! every occurrence then appends, `replace-header` matches each whole value and
//! `replace-value` each comma-separated element (the regex must match; the element is
//! then replaced by the expanded template, its surrounding blanks included), and a
//! request's `host` header kept equal to the authority of an absolute URI.

use super::txn::{Txn, Verdict};
use super::uri::update_authority;
use super::{arg, ActCx, ActError, Effect, RuleSet};
use crate::logfmt::LogFormat;
use crate::pattern::Method;
use crate::regex::{replace, Groups, Regex};
use rampart_h1::chars::{find_value_end, is_lws};
use rampart_h1::Version;

/// `set-header` and `add-header`.
#[derive(Debug)]
pub struct SetHeader {
    pub name: String,
    pub value: LogFormat,
    /// `add-header`: keep the existing occurrences.
    pub add: bool,
    /// The response head (response rule sets).
    pub res: bool,
}

/// `early-hint <name> <fmt>`.
#[derive(Debug)]
pub struct EarlyHint {
    pub name: String,
    pub value: LogFormat,
}

/// How `del-header` compares names (`-m`).
#[derive(Debug)]
pub enum NameMatch {
    Str,
    Beg,
    End,
    Sub,
    /// Case-sensitive regex over the (lower-case) name.
    Reg(Regex),
}

/// `del-header <name> [-m <meth>]`.
#[derive(Debug)]
pub struct DelHeader {
    pub name: String,
    pub how: NameMatch,
    pub res: bool,
}

/// `replace-header` (`full`) and `replace-value`.
#[derive(Debug)]
pub struct ReplaceHeader {
    pub name: String,
    pub re: Regex,
    pub value: LogFormat,
    pub full: bool,
    pub res: bool,
}

/// `set-header`, `add-header`: `<name> <fmt>`.
pub(crate) fn parse_set(
    words: &[&str],
    idx: &mut usize,
    set: RuleSet,
    add: bool,
    cx: &mut ActCx<'_>,
) -> Result<SetHeader, ActError> {
    let (name, value) = parse_name_fmt(words, idx, set, cx)?;
    Ok(SetHeader {
        name,
        value,
        add,
        res: set.is_response(),
    })
}

pub(crate) fn parse_early_hint(
    words: &[&str],
    idx: &mut usize,
    cx: &mut ActCx<'_>,
) -> Result<EarlyHint, ActError> {
    let (name, value) = parse_name_fmt(words, idx, RuleSet::HttpRequest, cx)?;
    Ok(EarlyHint { name, value })
}

fn parse_name_fmt(
    words: &[&str],
    idx: &mut usize,
    set: RuleSet,
    cx: &mut ActCx<'_>,
) -> Result<(String, LogFormat), ActError> {
    let i = *idx;
    if arg(words, i).is_empty() || arg(words, i + 1).is_empty() {
        return Err("expects exactly 2 arguments".into());
    }
    let value = cx.logformat(arg(words, i + 1), set, true)?;
    *idx = i + 2;
    Ok((arg(words, i).to_string(), value))
}

/// `del-header <name> [-m str|beg|end|sub|reg]`.
pub(crate) fn parse_del(
    words: &[&str],
    idx: &mut usize,
    set: RuleSet,
) -> Result<DelHeader, ActError> {
    let mut i = *idx;
    let name = arg(words, i);
    if name.is_empty() {
        return Err("expects at least 1 argument".into());
    }
    let mut how = NameMatch::Str;
    if arg(words, i + 1) == "-m" {
        i += 1;
        let meth = arg(words, i + 1);
        if meth.is_empty() {
            return Err("-m flag expects exactly 1 argument".into());
        }
        i += 1;
        how = match Method::by_name(meth) {
            Some(Method::Str) => NameMatch::Str,
            Some(Method::Beg) => NameMatch::Beg,
            Some(Method::End) => NameMatch::End,
            Some(Method::Sub) => NameMatch::Sub,
            Some(Method::Reg) => NameMatch::Reg(Regex::new(name, false)?),
            _ => {
                return Err(format!("-m with unsupported matching method '{meth}'").into());
            }
        };
    }
    *idx = i + 1;
    Ok(DelHeader {
        name: name.to_string(),
        how,
        res: set.is_response(),
    })
}

/// `replace-header`, `replace-value`: `<name> <regex> <fmt>`.
pub(crate) fn parse_replace(
    words: &[&str],
    idx: &mut usize,
    set: RuleSet,
    full: bool,
    cx: &mut ActCx<'_>,
) -> Result<ReplaceHeader, ActError> {
    let i = *idx;
    if arg(words, i).is_empty() || arg(words, i + 1).is_empty() || arg(words, i + 2).is_empty() {
        return Err("expects exactly 3 arguments".into());
    }
    let re = Regex::new(arg(words, i + 1), false)?;
    let value = cx.logformat(arg(words, i + 2), set, true)?;
    *idx = i + 3;
    Ok(ReplaceHeader {
        name: arg(words, i).to_string(),
        re,
        value,
        full,
        res: set.is_response(),
    })
}

/// The header list the action edits, `None` when that head is not there (a macro:
/// the borrow stays on the head's field).
macro_rules! headers {
    ($tx:expr, $res:expr) => {
        if $res {
            $tx.res.as_deref_mut().map(|h| h.headers_mut())
        } else {
            $tx.req.as_deref_mut().map(|h| h.headers_mut())
        }
    };
}

fn fits(tx: &Txn<'_>, res: bool) -> bool {
    if res {
        tx.res_fits()
    } else {
        tx.req_fits()
    }
}

/// After the request's `host` header changed: the authority of an absolute URI
/// follows (`http_update_authority`); false when the URI has none to change.
fn sync_authority(tx: &mut Txn<'_>, res: bool, name: &[u8], value_of: &[u8]) -> bool {
    if res || !name.eq_ignore_ascii_case(b"host") {
        return true;
    }
    match tx.req.as_deref_mut() {
        Some(req) => update_authority(req, value_of, &mut tx.scratch.aux),
        None => true,
    }
}

impl SetHeader {
    pub(crate) fn exec(&self, tx: &mut Txn<'_>) -> Verdict<'static> {
        tx.render(&self.value);
        let name = self.name.as_bytes();
        let Some(h) = headers!(tx, self.res) else {
            return Verdict::Continue;
        };
        if !self.add {
            h.remove(name);
        }
        h.append(name, &tx.scratch.out);
        if !fits(tx, self.res) {
            if let Some(h) = headers!(tx, self.res) {
                h.remove_index(h.len().saturating_sub(1));
            }
            return tx.rewrite_failed();
        }
        let value = std::mem::take(&mut tx.scratch.out);
        let ok = sync_authority(tx, self.res, name, &value);
        tx.scratch.out = value;
        if !ok {
            return tx.rewrite_failed();
        }
        Verdict::Continue
    }
}

impl EarlyHint {
    pub(crate) fn exec(&self, tx: &mut Txn<'_>) -> Verdict<'_> {
        if tx
            .req
            .as_deref()
            .is_none_or(|r| r.version() != Version::Http11)
        {
            return Verdict::Continue;
        }
        tx.render(&self.value);
        Verdict::Effect(Effect::EarlyHint { name: &self.name })
    }
}

impl DelHeader {
    fn matches(&self, n: &[u8]) -> bool {
        let p = self.name.as_bytes();
        match &self.how {
            NameMatch::Str => n.eq_ignore_ascii_case(p),
            NameMatch::Beg => n.len() >= p.len() && n[..p.len()].eq_ignore_ascii_case(p),
            NameMatch::End => n.len() >= p.len() && n[n.len() - p.len()..].eq_ignore_ascii_case(p),
            NameMatch::Sub => p.is_empty() || n.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p)),
            NameMatch::Reg(re) => re.is_match(n),
        }
    }

    pub(crate) fn exec(&self, tx: &mut Txn<'_>) -> Verdict<'static> {
        let Some(h) = headers!(tx, self.res) else {
            return Verdict::Continue;
        };
        let mut i = 0;
        while let Some((n, _)) = h.get_index(i) {
            if self.matches(n) {
                h.remove_index(i);
            } else {
                i += 1;
            }
        }
        Verdict::Continue
    }
}

impl ReplaceHeader {
    pub(crate) fn exec(&self, tx: &mut Txn<'_>) -> Verdict<'static> {
        tx.render(&self.value);
        let room = tx.cx.bufsize;
        let name = self.name.as_bytes();
        let mut i = 0;
        loop {
            let Some(h) = headers!(tx, self.res) else {
                return Verdict::Continue;
            };
            let Some((n, v)) = h.get_index(i) else {
                break;
            };
            if !n.eq_ignore_ascii_case(name) {
                i += 1;
                continue;
            }
            let sc = &mut *tx.scratch;
            let out = &mut sc.tmp;
            out.clear();
            let changed = if self.full {
                replace_whole(&self.re, v, &sc.out, room, out)
            } else {
                replace_elements(&self.re, v, &sc.out, room, out, &mut sc.aux)
            };
            match changed {
                Err(()) => return tx.rewrite_failed(),
                Ok(false) => {}
                Ok(true) => {
                    let is_host = n == b"host";
                    h.set_value_index(i, out);
                    if !fits(tx, self.res) {
                        return tx.rewrite_failed();
                    }
                    if is_host {
                        let value = std::mem::take(&mut tx.scratch.tmp);
                        let ok = sync_authority(tx, self.res, b"host", &value);
                        tx.scratch.tmp = value;
                        if !ok {
                            return tx.rewrite_failed();
                        }
                    }
                }
            }
            i += 1;
        }
        Verdict::Continue
    }
}

/// `replace-header` on one value: when `re` matches, the value becomes the expanded
/// template. `Ok(false)`: no match.
fn replace_whole(
    re: &Regex,
    v: &[u8],
    tpl: &[u8],
    room: usize,
    out: &mut Vec<u8>,
) -> Result<bool, ()> {
    let mut groups = Groups::default();
    if !re.captures(v, &mut groups) {
        return Ok(false);
    }
    replace(out, room, v, tpl, &groups).map_err(|_| ())?;
    Ok(true)
}

/// `replace-value`: each comma-separated element of `v` (HAProxy's walk: blanks
/// around an element belong to it) that `re` matches is replaced with its blanks by
/// the expanded template; the new whole value is written to `out`.
fn replace_elements(
    re: &Regex,
    v: &[u8],
    tpl: &[u8],
    room: usize,
    out: &mut Vec<u8>,
    repl: &mut Vec<u8>,
) -> Result<bool, ()> {
    let mut groups = Groups::default();
    let mut changed = false;
    let mut pos = 0;
    let mut first = true;
    loop {
        // The next element starts after the comma that ended the previous one.
        if !first {
            if pos >= v.len() {
                break;
            }
            if v[pos] == b',' {
                out.push(b',');
                pos += 1;
            }
        }
        first = false;
        let start = pos;
        let mut vs = pos;
        while vs < v.len() && is_lws(v[vs]) {
            vs += 1;
        }
        let mut ve = vs + find_value_end(&v[vs..]);
        let end = ve;
        while ve > vs && is_lws(v[ve - 1]) {
            ve -= 1;
        }
        let elem = &v[vs..ve];
        if re.captures(elem, &mut groups) {
            repl.clear();
            replace(repl, room, elem, tpl, &groups).map_err(|_| ())?;
            out.extend_from_slice(repl);
            changed = true;
        } else {
            out.extend_from_slice(&v[start..end]);
        }
        pos = end;
        if pos >= v.len() {
            break;
        }
    }
    Ok(changed)
}
