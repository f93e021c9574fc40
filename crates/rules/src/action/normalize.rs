//! `http-request normalize-uri <normalizer>` (experimental in HAProxy 2.6), byte for
//! byte as `uri_normalizer.c` rewrites the path: merging slashes, removing `.` and
//! `..` segments, sorting the query, percent-encoding, decoding and case, fragments.
//! The path-only normalizers stop at `?`; the others see the query string too.
//!
//! HAProxy 2.6 quirk, kept: `path-strip-dotdot`, `percent-to-uppercase` and
//! `percent-decode-unreserved` without their optional word but followed by a condition
//! (`normalize-uri path-strip-dotdot if X`) run as `path-merge-slashes` (its parser
//! never sets the normalizer in that case, leaving the first one).
//! `tests/actions_vs_haproxy.rs` shows it.

use super::txn::{Txn, Verdict};
use super::uri::{path_range, replace_path, replace_query};
use super::{arg, is_cond, ActError};

/// The normalizers of HAProxy 2.6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Normalizer {
    FragmentEncode,
    FragmentStrip,
    PathMergeSlashes,
    PathStripDot,
    /// `path-strip-dotdot [full]`: with `full`, `..` segments beyond the root vanish.
    PathStripDotdot {
        full: bool,
    },
    /// `strict`: an invalid `%` sequence makes the request invalid (400).
    PercentDecodeUnreserved {
        strict: bool,
    },
    PercentToUppercase {
        strict: bool,
    },
    QuerySortByName,
}

pub(crate) fn parse(words: &[&str], idx: &mut usize) -> Result<Normalizer, ActError> {
    let mut i = *idx;
    let name = arg(words, i);
    if name.is_empty() {
        return Err("missing argument <normalizer>".into());
    }
    i += 1;
    // An optional word: `full` or `strict` (`Some(true)`), nothing (`Some(false)`), or
    // a condition (`None`): HAProxy 2.6 then leaves the rule's normalizer at its first
    // value, `path-merge-slashes`, and Rampart does the same.
    let mut flag = |want: &str| -> Result<Option<bool>, ActError> {
        let w = arg(words, i);
        if w == want {
            i += 1;
            Ok(Some(true))
        } else if w.is_empty() {
            Ok(Some(false))
        } else if is_cond(w) {
            Ok(None)
        } else {
            Err(format!("unknown argument '{w}' for '{name}' normalizer").into())
        }
    };
    let or_merge =
        |f: Option<bool>, n: fn(bool) -> Normalizer| f.map_or(Normalizer::PathMergeSlashes, n);
    let n = match name {
        "path-merge-slashes" => Normalizer::PathMergeSlashes,
        "path-strip-dot" => Normalizer::PathStripDot,
        "path-strip-dotdot" => or_merge(flag("full")?, |full| Normalizer::PathStripDotdot { full }),
        "query-sort-by-name" => Normalizer::QuerySortByName,
        "percent-to-uppercase" => or_merge(flag("strict")?, |strict| {
            Normalizer::PercentToUppercase { strict }
        }),
        "percent-decode-unreserved" => or_merge(flag("strict")?, |strict| {
            Normalizer::PercentDecodeUnreserved { strict }
        }),
        "fragment-strip" => Normalizer::FragmentStrip,
        "fragment-encode" => Normalizer::FragmentEncode,
        _ => return Err(format!("unknown normalizer '{name}'").into()),
    };
    *idx = i;
    Ok(n)
}

/// An invalid percent sequence under `strict`.
pub struct Invalid;

impl Normalizer {
    pub(crate) fn exec(self, tx: &mut Txn<'_>) -> Verdict<'static> {
        let bufsize = tx.cx.bufsize;
        let Some(req) = tx.req.as_deref_mut() else {
            return Verdict::Continue;
        };
        let uri = req.uri();
        let Some((ps, pe)) = path_range(uri) else {
            return Verdict::Continue;
        };
        let path = &uri[ps..pe];
        let no_qs = &path[..path.iter().position(|&c| c == b'?').unwrap_or(path.len())];
        let sc = &mut *tx.scratch;
        let out = &mut sc.out;
        out.clear();
        // The normalizers write into a buffer of `bufsize` bytes (HAProxy's trash).
        let input_len = match self {
            Normalizer::PathMergeSlashes
            | Normalizer::PathStripDot
            | Normalizer::PathStripDotdot { .. } => no_qs.len(),
            _ => path.len(),
        };
        if input_len > bufsize {
            return Verdict::Error {
                failed_rewrite: false,
            };
        }
        let res = match self {
            Normalizer::PathMergeSlashes => {
                merge_slashes(no_qs, out);
                Ok(false)
            }
            Normalizer::PathStripDot => {
                strip_dot(no_qs, out);
                Ok(false)
            }
            Normalizer::PathStripDotdot { full } => {
                strip_dotdot(no_qs, full, out);
                Ok(false)
            }
            Normalizer::QuerySortByName => {
                let q = path
                    .iter()
                    .position(|&c| c == b'?')
                    .map_or(&[][..], |p| &path[p..]);
                if q.is_empty() {
                    // HAProxy's query is then a NUL byte, which changes nothing.
                    return Verdict::Continue;
                }
                sort_query(q, b'&', out);
                Ok(true)
            }
            Normalizer::PercentToUppercase { strict } => {
                percent_upper(path, strict, out).map(|_| false)
            }
            Normalizer::PercentDecodeUnreserved { strict } => {
                percent_decode_unreserved(path, strict, out).map(|_| false)
            }
            Normalizer::FragmentStrip => {
                out.extend_from_slice(
                    &path[..path.iter().position(|&c| c == b'#').unwrap_or(path.len())],
                );
                Ok(false)
            }
            Normalizer::FragmentEncode => {
                fragment_encode(path, out);
                if out.len() > bufsize {
                    return Verdict::Error {
                        failed_rewrite: false,
                    };
                }
                Ok(false)
            }
        };
        let with_qs = !matches!(
            self,
            Normalizer::PathMergeSlashes
                | Normalizer::PathStripDot
                | Normalizer::PathStripDotdot { .. }
        );
        match res {
            Err(Invalid) => return Verdict::BadRequest,
            Ok(true) => replace_query(req, &sc.out, &mut sc.tmp),
            Ok(false) => replace_path(req, &sc.out, with_qs, &mut sc.tmp),
        }
        if !tx.req_fits() {
            return tx.rewrite_failed();
        }
        Verdict::Continue
    }
}

/// `uri_normalizer_fragment_encode`: `#` becomes `%23`.
pub fn fragment_encode(input: &[u8], out: &mut Vec<u8>) {
    for &c in input {
        if c == b'#' {
            out.extend_from_slice(b"%23");
        } else {
            out.push(c);
        }
    }
}

fn is_unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c.wrapping_sub(b'A').wrapping_add(10),
    }
}

/// `uri_normalizer_percent_decode_unreserved`: `%XX` of an unreserved character is
/// decoded; a `%` without two hex digits is kept, or invalid with `strict`.
pub fn percent_decode_unreserved(
    input: &[u8],
    strict: bool,
    out: &mut Vec<u8>,
) -> Result<(), Invalid> {
    let mut i = 0;
    while i < input.len() {
        let c = input[i];
        i += 1;
        if c == b'%' {
            if let (Some(&h1), Some(&h2)) = (input.get(i), input.get(i + 1)) {
                if h1.is_ascii_hexdigit() && h2.is_ascii_hexdigit() {
                    let d = (hex(h1) << 4).wrapping_add(hex(h2));
                    if is_unreserved(d) {
                        out.push(d);
                    } else {
                        out.extend_from_slice(&[c, h1, h2]);
                    }
                    i += 2;
                    continue;
                }
            }
            if strict {
                return Err(Invalid);
            }
        }
        out.push(c);
    }
    Ok(())
}

/// `uri_normalizer_percent_upper`: the hex digits of `%xx` in upper case.
pub fn percent_upper(input: &[u8], strict: bool, out: &mut Vec<u8>) -> Result<(), Invalid> {
    let mut i = 0;
    while i < input.len() {
        let c = input[i];
        i += 1;
        if c == b'%' {
            if let (Some(&h1), Some(&h2)) = (input.get(i), input.get(i + 1)) {
                if h1.is_ascii_hexdigit() && h2.is_ascii_hexdigit() {
                    out.extend_from_slice(&[c, h1.to_ascii_uppercase(), h2.to_ascii_uppercase()]);
                    i += 2;
                    continue;
                }
            }
            if strict {
                return Err(Invalid);
            }
        }
        out.push(c);
    }
    Ok(())
}

/// `uri_normalizer_path_dot`: segments equal to `.` are dropped with the slash that
/// follows them.
pub fn strip_dot(path: &[u8], out: &mut Vec<u8>) {
    let mut rest = path;
    while !rest.is_empty() {
        let (seg, more) = match rest.iter().position(|&c| c == b'/') {
            Some(p) => (&rest[..p], Some(&rest[p + 1..])),
            None => (rest, None),
        };
        if seg != b"." {
            out.extend_from_slice(seg);
            if more.is_some() {
                out.push(b'/');
            }
        }
        rest = more.unwrap_or_default();
    }
}

/// `uri_normalizer_path_dotdot`: each `/..` removes the segment before it; those
/// that go beyond the start stay in front (unless `full`).
pub fn strip_dotdot(path: &[u8], full: bool, out: &mut Vec<u8>) {
    // Built from the end, as HAProxy does, then reversed in place.
    let start = out.len();
    let rev = out;
    let mut offset = path.len() as isize - 1;
    let mut up = 0usize;
    let at = |o: isize| path[o as usize];
    let starts =
        |o: isize, pat: &[u8]| o >= 0 && path.get(o as usize..).is_some_and(|s| s.starts_with(pat));
    if offset >= 2 && starts(offset - 2, b"/..") {
        up += 1;
        offset -= 2;
    }
    while offset >= 0 {
        if offset >= 3 && starts(offset - 3, b"/../") {
            up += 1;
            offset -= 3;
            continue;
        }
        if up > 0 {
            offset -= 1;
            if offset >= 0 {
                up -= 1;
                while offset >= 0 && at(offset) != b'/' {
                    offset -= 1;
                }
            }
        } else {
            rev.push(at(offset));
            offset -= 1;
            while offset >= 0 && at(offset) != b'/' {
                rev.push(at(offset));
                offset -= 1;
            }
        }
    }
    if up > 0 {
        rev.push(b'/');
        if !full {
            for _ in 0..up {
                rev.extend_from_slice(b"../");
            }
        }
    }
    rev[start..].reverse();
}

/// `uri_normalizer_path_merge_slashes`: runs of `/` become one.
pub fn merge_slashes(path: &[u8], out: &mut Vec<u8>) {
    let mut prev_slash = false;
    for &c in path {
        if c == b'/' && prev_slash {
            continue;
        }
        prev_slash = c == b'/';
        out.push(c);
    }
}

/// `uri_normalizer_query_sort`: `query` starts with `?`; its parameters (split on
/// `delim`, a final empty one dropped) sorted by name, bytewise, equal names keeping
/// their order.
pub fn sort_query(query: &[u8], delim: u8, out: &mut Vec<u8>) {
    let Some((&first, mut rest)) = query.split_first() else {
        return;
    };
    out.push(first);
    let mut params: Vec<&[u8]> = Vec::new();
    while !rest.is_empty() {
        match rest.iter().position(|&c| c == delim) {
            Some(p) => {
                params.push(&rest[..p]);
                rest = &rest[p + 1..];
            }
            None => {
                params.push(rest);
                rest = &[];
            }
        }
    }
    let name = |p: &[u8]| -> usize { p.iter().position(|&c| c == b'=').unwrap_or(p.len()) };
    params.sort_by(|a, b| a[..name(a)].cmp(&b[..name(b)]));
    for (i, p) in params.iter().enumerate() {
        if i > 0 {
            out.push(delim);
        }
        out.extend_from_slice(p);
    }
}
