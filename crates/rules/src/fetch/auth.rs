//! HTTP authentication fetches (manual 7.3.6): the scheme, user and password of the
//! request's credentials, a bearer token, and the check against a `userlist` (asked of
//! the orchestrator, which holds the lists).
//!
//! The credentials are read as HAProxy's `get_http_auth` reads them: the first
//! comma-separated element of the first `Authorization` field (`Proxy-Authorization`
//! for a proxy request with `option http-use-proxy-header`), a scheme before the first
//! space that is a case-insensitive prefix of `Basic` or `Bearer` (so `bas` is Basic),
//! then for Basic the base64 text decoded (HAProxy's decoder, which accepts padding
//! inside the text) and split at its first `:`, each part ending at a NUL byte.

use super::hdr;
use super::place::{Src, Uses};
use super::{def, req_head, spec, uses, FetchDef};
use crate::args::{Arg, ArgType as A};
use crate::sample::{SmpType as T, Value};
use crate::stream::Stream;
use std::borrow::Cow;

const HRQHV: Uses = uses(&[Src::Hrqhv]);

pub(super) static FETCHES: &[FetchDef] = &[
    def("http_auth_type", spec(&[], 0), T::Str, HRQHV, |s, _, _| {
        Some(Value::str(match credentials(s)? {
            Auth::Basic { .. } => b"Basic",
            Auth::Bearer(_) => b"Bearer",
        }))
    }),
    def(
        "http_auth_user",
        spec(&[], 0),
        T::Str,
        HRQHV,
        |s, _, _| match credentials(s)? {
            Auth::Basic { user, .. } => Some(Value::Str(Cow::Owned(user))),
            Auth::Bearer(_) => None,
        },
    ),
    def(
        "http_auth_pass",
        spec(&[], 0),
        T::Str,
        HRQHV,
        |s, _, _| match credentials(s)? {
            Auth::Basic { pass, .. } => Some(Value::Str(Cow::Owned(pass))),
            Auth::Bearer(_) => None,
        },
    ),
    def(
        "http_auth_bearer",
        spec(&[A::Str], 0),
        T::Str,
        HRQHV,
        |s, a, _| {
            let h = req_head(s)?;
            let Some(Arg::Str(name)) = a.first() else {
                return match credentials(s)? {
                    Auth::Bearer(token) => Some(Value::str(token)),
                    Auth::Basic { .. } => None,
                };
            };
            // A named field: an empty token unless it holds "Bearer <token>".
            let v = hdr::elements(hdr::Fields::of(h.headers()), name.as_bytes(), false)
                .next()
                .unwrap_or_default();
            let (scheme, rest) = match v.iter().position(|&c| c == b' ') {
                Some(p) => (&v[..p], &v[p + 1..]),
                None => (v, &v[v.len()..]),
            };
            let token = skip_spaces(rest);
            if scheme.eq_ignore_ascii_case(b"Bearer") && !token.is_empty() {
                Some(Value::str(token))
            } else {
                Some(Value::str(b""))
            }
        },
    ),
    def(
        "http_auth",
        spec(&[A::Usr], 1),
        T::Bool,
        HRQHV,
        |s, a, _| {
            let list = userlist(a)?;
            match credentials(s)? {
                Auth::Basic { user, pass } => {
                    Some(Value::Bool(s.env.check_user(list, &user, &pass)?))
                }
                Auth::Bearer(_) => None,
            }
        },
    ),
    // The user's name when the credentials are valid; the ACL then matches its groups.
    def(
        "http_auth_group",
        spec(&[A::Usr], 1),
        T::Str,
        HRQHV,
        |s, a, _| {
            let list = userlist(a)?;
            match credentials(s)? {
                Auth::Basic { user, pass } if s.env.check_user(list, &user, &pass)? => {
                    Some(Value::Str(Cow::Owned(user)))
                }
                _ => None,
            }
        },
    ),
];

/// Credentials found in the request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Auth<'a> {
    Basic { user: Vec<u8>, pass: Vec<u8> },
    Bearer(&'a [u8]),
}

/// The user list an argument names.
fn userlist(a: &[Arg]) -> Option<&str> {
    match a.first() {
        Some(Arg::Unresolved(_, name) | Arg::Str(name)) => Some(name),
        _ => None,
    }
}

fn skip_spaces(mut s: &[u8]) -> &[u8] {
    while let [b' ', rest @ ..] = s {
        s = rest;
    }
    s
}

fn credentials<'a>(s: &Stream<'a>) -> Option<Auth<'a>> {
    let h = req_head(s)?;
    let proxied = s.env.use_proxy_header() && !matches!(h.uri().first(), Some(b'/' | b'*'));
    let field: &[u8] = if proxied {
        b"proxy-authorization"
    } else {
        b"authorization"
    };
    parse(hdr::elements(hdr::Fields::of(h.headers()), field, false).next()?)
}

/// Reads one credentials value (`get_http_auth`).
pub(crate) fn parse(v: &[u8]) -> Option<Auth<'_>> {
    let sp = v.iter().position(|&c| c == b' ')?;
    if sp == 0 {
        return None;
    }
    let scheme = &v[..sp];
    let data = skip_spaces(&v[sp..]);
    let prefix_of = |full: &[u8]| {
        scheme.len() <= full.len() && full[..scheme.len()].eq_ignore_ascii_case(scheme)
    };
    if prefix_of(b"Basic") {
        let mut text = base64dec(data)?;
        if let Some(nul) = text.iter().position(|&c| c == 0) {
            text.truncate(nul);
        }
        let colon = text.iter().position(|&c| c == b':')?;
        let pass = text.split_off(colon + 1);
        text.truncate(colon);
        return Some(Auth::Basic { user: text, pass });
    }
    if prefix_of(b"Bearer") {
        return Some(Auth::Bearer(data));
    }
    None
}

/// HAProxy's `base64dec`: groups of four characters, `=` padding allowed in the last
/// two places of any group (and three, which yields nothing), no other character.
pub(crate) fn base64dec(s: &[u8]) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut t, mut i, mut pad, mut len) = ([0u32; 4], 0, 0, 0);
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => 64,
            _ => return None,
        };
        if pad > 0 && (v != 64 || i < 2) {
            return None;
        }
        if v == 64 {
            pad += 1;
        }
        t[i] = u32::from(v);
        i += 1;
        if i == 4 {
            out.truncate(len);
            out.push((t[0] << 2).wrapping_add(t[1] >> 4) as u8);
            out.push((t[1] << 4).wrapping_add(t[2] >> 2) as u8);
            out.push((t[2] << 6).wrapping_add(t[3]) as u8);
            len += 3 - pad;
            pad = 0;
            i = 0;
        }
    }
    out.truncate(len);
    Some(out)
}
