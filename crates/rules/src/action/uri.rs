//! Request line rewrites: `set-method`, `set-path`, `set-pathq`, `set-query`,
//! `set-uri`, `replace-path`, `replace-pathq`, `replace-uri`, with HAProxy's rules
//! (`http_req_replace_stline` and the `http_replace_req_*` functions): the path of an
//! absolute URI keeps its scheme and authority, a URI without a path has it all
//! replaced, and a new URI with an authority rewrites the `host` header (a new `host`
//! header rewrites the authority in turn: [`update_authority`]).

use super::txn::{Txn, Verdict};
use super::{arg, is_cond, ActCx, ActError, RuleSet};
use crate::logfmt::LogFormat;
use crate::regex::{replace, Groups, Regex};
use rampart_h1::{Method, RequestHead, UriForm};

/// The part of the request line an action sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UriPart {
    Method,
    /// The path without the query string.
    Path,
    /// The path with the query string.
    PathQ,
    /// The query string (after `?`).
    Query,
    /// The whole target.
    Uri,
}

/// `set-method`, `set-path`, `set-pathq`, `set-query`, `set-uri`: `<fmt>`.
#[derive(Debug)]
pub struct SetStartLine {
    pub part: UriPart,
    pub fmt: LogFormat,
}

/// `replace-path`, `replace-pathq`, `replace-uri`: `<regex> <fmt>`.
#[derive(Debug)]
pub struct ReplaceUri {
    pub part: UriPart,
    pub re: Regex,
    pub fmt: LogFormat,
}

pub(crate) fn parse_set(
    words: &[&str],
    idx: &mut usize,
    part: UriPart,
    cx: &mut ActCx<'_>,
) -> Result<SetStartLine, ActError> {
    let i = *idx;
    let next = arg(words, i + 1);
    if arg(words, i).is_empty() || (!next.is_empty() && !is_cond(next)) {
        return Err("expects exactly 1 argument <format>".into());
    }
    let fmt = cx.logformat(arg(words, i), RuleSet::HttpRequest, true)?;
    *idx = i + 1;
    Ok(SetStartLine { part, fmt })
}

pub(crate) fn parse_replace(
    words: &[&str],
    idx: &mut usize,
    part: UriPart,
    cx: &mut ActCx<'_>,
) -> Result<ReplaceUri, ActError> {
    let i = *idx;
    let third = arg(words, i + 2);
    if arg(words, i).is_empty()
        || arg(words, i + 1).is_empty()
        || (!third.is_empty() && !is_cond(third))
    {
        return Err("expects exactly 2 arguments <match-regex> and <replace-format>".into());
    }
    let re =
        Regex::new(arg(words, i), false).map_err(|e| format!("failed to parse the regex : {e}"))?;
    let fmt = cx.logformat(arg(words, i + 1), RuleSet::HttpRequest, true)?;
    *idx = i + 2;
    Ok(ReplaceUri { part, re, fmt })
}

impl SetStartLine {
    pub(crate) fn exec(&self, tx: &mut Txn<'_>) -> Verdict<'static> {
        tx.render(&self.fmt);
        if self.part == UriPart::Query {
            tx.scratch.out.insert(0, b'?');
        }
        let Some(req) = tx.req.as_deref_mut() else {
            return Verdict::Continue;
        };
        let ok = set_part(req, self.part, &tx.scratch.out, &mut tx.scratch.tmp);
        if !ok || !tx.req_fits() {
            return tx.rewrite_failed();
        }
        Verdict::Continue
    }
}

impl ReplaceUri {
    pub(crate) fn exec(&self, tx: &mut Txn<'_>) -> Verdict<'static> {
        let Some(req) = tx.req.as_deref() else {
            return Verdict::Continue;
        };
        let uri = req.uri();
        let subject = match self.part {
            UriPart::Path => path_range(uri).map(|(s, e)| {
                let p = &uri[s..e];
                &p[..p.iter().position(|&c| c == b'?').unwrap_or(p.len())]
            }),
            UriPart::PathQ => path_range(uri).map(|(s, e)| &uri[s..e]),
            _ => Some(uri),
        };
        let Some(subject) = subject.filter(|s| !s.is_empty()) else {
            return Verdict::Continue;
        };
        let mut groups = Groups::default();
        if !self.re.captures(subject, &mut groups) {
            return Verdict::Continue;
        }
        // The subject is copied: rendering the template reads the head too.
        tx.scratch.tmp.clear();
        tx.scratch.tmp.extend_from_slice(subject);
        tx.render(&self.fmt);
        let sc = &mut *tx.scratch;
        sc.aux.clear();
        if replace(&mut sc.aux, tx.cx.bufsize, &sc.tmp, &sc.out, &groups).is_err() {
            return tx.rewrite_failed();
        }
        let ok = match tx.req.as_deref_mut() {
            Some(req) => set_part(req, self.part, &sc.aux, &mut sc.tmp),
            None => true,
        };
        if !ok || !tx.req_fits() {
            return tx.rewrite_failed();
        }
        Verdict::Continue
    }
}

/// Applies a new value to a part of the request line; false when HAProxy's rewrite
/// fails (a new absolute URI without an authority).
pub(crate) fn set_part(req: &mut RequestHead, part: UriPart, v: &[u8], tmp: &mut Vec<u8>) -> bool {
    match part {
        UriPart::Method => {
            req.set_method(v);
            true
        }
        UriPart::Path => {
            replace_path(req, v, false, tmp);
            true
        }
        UriPart::PathQ => {
            replace_path(req, v, true, tmp);
            true
        }
        UriPart::Query => {
            replace_query(req, v, tmp);
            true
        }
        UriPart::Uri => replace_uri(req, v, tmp),
    }
}

/// `http_replace_req_path`: the path (up to `?` unless `with_qs`) replaced by `path`;
/// without a path, the whole target is.
pub(crate) fn replace_path(req: &mut RequestHead, path: &[u8], with_qs: bool, tmp: &mut Vec<u8>) {
    let uri = req.uri();
    let (ps, pe) = path_range(uri).unwrap_or((0, uri.len()));
    let p = &uri[ps..pe];
    let plen = if with_qs {
        p.len()
    } else {
        p.iter().position(|&c| c == b'?').unwrap_or(p.len())
    };
    tmp.clear();
    tmp.extend_from_slice(&uri[..ps]);
    tmp.extend_from_slice(path);
    tmp.extend_from_slice(&p[plen..]);
    req.set_uri(tmp);
}

/// `http_replace_req_query`: `query` starts with `?`; it replaces what follows the
/// first `?` of the target, or is appended when there is none and it is not empty.
pub(crate) fn replace_query(req: &mut RequestHead, query: &[u8], tmp: &mut Vec<u8>) {
    let uri = req.uri();
    let (head_end, offset) = match uri.iter().position(|&c| c == b'?') {
        Some(q) => (q + 1, 1),
        None if query.len() > 1 => (uri.len(), 0),
        None => (uri.len(), 1),
    };
    tmp.clear();
    tmp.extend_from_slice(&uri[..head_end]);
    tmp.extend_from_slice(query.get(offset..).unwrap_or_default());
    req.set_uri(tmp);
}

/// `http_replace_req_uri` and `http_update_host`: the new target decides whether the
/// request has an authority; when it has one, every `host` header takes it. False when
/// an absolute URI has an empty authority.
pub(crate) fn replace_uri(req: &mut RequestHead, uri: &[u8], tmp: &mut Vec<u8>) -> bool {
    req.set_uri(uri);
    let form = match uri.first() {
        None | Some(b'/') => UriForm::Origin,
        Some(b'*') => UriForm::Asterisk,
        _ if req.method() == Method::Connect => UriForm::Authority,
        _ => UriForm::Absolute,
    };
    req.set_uri_form(form);
    let authority = match form {
        UriForm::Origin | UriForm::Asterisk => return true,
        UriForm::Authority => (0, uri.len()),
        UriForm::Absolute => match authority_range(uri) {
            Some((s, e)) if e > s => (s, e),
            _ => return false,
        },
    };
    tmp.clear();
    tmp.extend_from_slice(&uri[authority.0..authority.1]);
    let h = req.headers_mut();
    for i in 0..h.len() {
        if h.get_index(i).is_some_and(|(n, _)| n == b"host") {
            h.set_value_index(i, tmp);
        }
    }
    true
}

/// `http_update_authority`: after the `host` header changed to `host`, an absolute
/// URI's authority follows. False when the request has an authority but the URI shows
/// none.
pub(crate) fn update_authority(req: &mut RequestHead, host: &[u8], tmp: &mut Vec<u8>) -> bool {
    if !matches!(req.uri_form(), UriForm::Absolute | UriForm::Authority) {
        return true;
    }
    let uri = req.uri();
    let Some((s, e)) = authority_range(uri).filter(|(s, e)| e > s) else {
        return false;
    };
    if &uri[s..e] == host {
        return true;
    }
    tmp.clear();
    tmp.extend_from_slice(&uri[..s]);
    tmp.extend_from_slice(host);
    tmp.extend_from_slice(&uri[e..]);
    req.set_uri(tmp);
    true
}

/// The end of the scheme and its `://` (`http_parse_scheme`), when the target starts
/// with one.
fn scheme_end(uri: &[u8]) -> Option<usize> {
    if !uri.first()?.is_ascii_alphabetic() {
        return None;
    }
    let mut i = 1;
    while i < uri.len() && (uri[i].is_ascii_alphanumeric() || b"+-.".contains(&uri[i])) {
        i += 1;
    }
    uri[i..].starts_with(b"://").then_some(i + 3)
}

/// The authority of an absolute or authority-form target, user information skipped
/// (`http_parse_authority(parser, 1)`): from after the scheme (or the start) to the
/// first `/`.
pub(crate) fn authority_range(uri: &[u8]) -> Option<(usize, usize)> {
    if matches!(uri.first(), None | Some(b'*' | b'/')) {
        return None;
    }
    let from = scheme_end(uri).unwrap_or(0);
    let mut start = from;
    let mut i = from;
    while i < uri.len() && uri[i] != b'/' {
        i += 1;
        if uri[i - 1] == b'@' {
            start = i;
        }
    }
    Some((start, i))
}

/// The path of a target, query string included (`http_parse_path`): an origin-form
/// target whole, the part after the authority of an absolute one (none when it is
/// empty or when there is no scheme).
pub(crate) fn path_range(uri: &[u8]) -> Option<(usize, usize)> {
    match uri.first()? {
        b'*' => None,
        b'/' => Some((0, uri.len())),
        _ => {
            scheme_end(uri)?;
            let (_, end) = authority_range(uri)?;
            (end < uri.len()).then_some((end, uri.len()))
        }
    }
}
