//! The request keys of the hash-based algorithms, extracted as HAProxy 2.6's backend.c
//! does (`get_server_sh`, `_uh`, `_ph`, `_ph_post`, `_hh`, `_rch`), then hashed with
//! the backend's function and optional `avalanche`.
//!
//! A missing key yields `None`: the caller then falls back to round robin, as HAProxy
//! does. When a single server is in use, HAProxy skips hashing (the hash is 0), except
//! for `url_param`, which always looks for its parameter.

use crate::hash::{avalanche, HashFn};
use rampart_h1::chars::{find_value_end, is_lws, is_token, trim_lws};
use rampart_h1::uri::path_of;
use std::net::IpAddr;

/// What a hash-based algorithm hashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    /// `balance source`: the client's address.
    Source,
    /// `balance uri [len N] [depth N] [whole] [path-only]`.
    Uri {
        len: u32,
        depth: u32,
        whole: bool,
        path_only: bool,
    },
    /// `balance url_param <name> [check_post]`: the parameter in the query string, or
    /// for a POST without it, in the part of the body received (HAProxy 2.6 looks at
    /// the body of every POST; `check_post` changes nothing).
    UrlParam { name: Box<[u8]> },
    /// `balance hdr(<name>) [use_domain_only]`: the first value of the header.
    Hdr {
        name: Box<[u8]>,
        use_domain_only: bool,
    },
    /// `balance rdp-cookie(<name>)`: the RDP cookie at the start of a `mode tcp` stream.
    RdpCookie { name: Box<[u8]> },
}

/// The HTTP request as the keys read it.
pub trait HttpView {
    /// The request target as received (origin or absolute form).
    fn uri(&self) -> &[u8];
    fn is_post(&self) -> bool;
    /// The whole value of the first header field named `name` (case-insensitive).
    fn header(&self, name: &[u8]) -> Option<&[u8]>;
    /// The part of the body received with the head (or all of it when buffered).
    fn body(&self) -> &[u8];
}

/// What a stream offers the balancing algorithm.
#[derive(Clone, Copy, Default)]
pub struct Input<'a> {
    /// The client's address (`balance source`).
    pub src: Option<IpAddr>,
    /// The request, in `mode http`.
    pub http: Option<&'a dyn HttpView>,
    /// The first bytes of a `mode tcp` stream received so far (`rdp-cookie`).
    pub payload: &'a [u8],
}

/// The hash of `key` for this stream, `None` when the key is missing.
pub(crate) fn hash_of(
    key: &Key,
    input: &Input<'_>,
    f: HashFn,
    aval: bool,
    tot_used: u32,
) -> Option<u32> {
    let finish = |h: u32| if aval { avalanche(h) } else { h };
    match key {
        Key::Source => {
            let src = input.src?;
            if tot_used == 1 {
                return Some(0);
            }
            let h = match src {
                IpAddr::V4(a) => u32::from_be_bytes(a.octets()),
                IpAddr::V6(a) => a
                    .octets()
                    .chunks_exact(4)
                    .fold(0, |h, w| h ^ u32::from_be_bytes([w[0], w[1], w[2], w[3]])),
            };
            Some(finish(h))
        }
        Key::Uri {
            len,
            depth,
            whole,
            path_only,
        } => {
            let req = input.http?;
            if tot_used == 1 {
                return Some(0);
            }
            let uri = if *path_only {
                path_of(req.uri())
            } else {
                req.uri()
            };
            Some(finish(f.hash(uri_part(uri, *len, *depth, *whole))))
        }
        Key::UrlParam { name } => {
            let req = input.http?;
            let v = query_param(req.uri(), name).or_else(|| {
                req.is_post()
                    .then(|| body_param(req.body(), name))
                    .flatten()
            })?;
            Some(finish(f.hash(v)))
        }
        Key::Hdr {
            name,
            use_domain_only,
        } => {
            let req = input.http?;
            if tot_used == 1 {
                return Some(0);
            }
            let v = first_value(req.header(name)?);
            if v.is_empty() {
                return None;
            }
            let v = if *use_domain_only { domain(v) } else { v };
            Some(finish(f.hash(v)))
        }
        Key::RdpCookie { name } => {
            let v = rdp_cookie(input.payload, name)?;
            if v.is_empty() {
                return None;
            }
            if tot_used == 1 {
                return Some(0);
            }
            Some(finish(f.hash(v)))
        }
    }
}

/// The part of the URI `balance uri` hashes: at most `len` bytes, up to the `depth`-th
/// directory, stopping at the query string unless `whole`.
pub fn uri_part(uri: &[u8], len: u32, depth: u32, whole: bool) -> &[u8] {
    let mut n = uri.len();
    if len > 0 {
        n = n.min(len as usize);
    }
    let stop_at = if depth > 0 { depth + 1 } else { 0 };
    let mut slashes = 0u32;
    let mut end = 0;
    while end < n {
        match uri[end] {
            b'/' => {
                slashes += 1;
                if slashes == stop_at {
                    break;
                }
            }
            b'?' if !whole => break,
            _ => {}
        }
        end += 1;
    }
    &uri[..end]
}

/// The value of parameter `name` in the query string of `uri`.
pub fn query_param<'a>(uri: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let q = memchr(uri, b'?')?;
    let mut params = &uri[q + 1..];
    let plen = name.len();
    while params.len() > plen {
        if params[plen] == b'=' && &params[..plen] == name {
            let v = &params[plen + 1..];
            let end = memchr(v, b'&').unwrap_or(v.len());
            return Some(&v[..end]);
        }
        let amp = memchr(params, b'&')?;
        params = &params[amp + 1..];
    }
    None
}

/// The value of parameter `name` in a form-encoded body: the value's first character
/// must be a token character (a blank ends the value there), as HAProxy checks it.
pub fn body_param<'a>(body: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut params = body;
    let plen = name.len();
    while params.len() > plen {
        if params[plen] == b'=' && &params[..plen] == name {
            let v = &params[plen + 1..];
            let mut end = 0;
            while end < v.len() && v[end] != b'&' {
                // HAProxy tests the value's first character on every step.
                let c = v[0];
                if !is_token(c) {
                    if is_lws(c) {
                        break;
                    }
                    return None;
                }
                end += 1;
            }
            return Some(&v[..end]);
        }
        let amp = memchr(params, b'&')?;
        params = &params[amp + 1..];
    }
    None
}

/// The first comma-separated element of a header value, blanks trimmed (commas
/// inside quoted strings do not count).
pub fn first_value(v: &[u8]) -> &[u8] {
    trim_lws(&v[..find_value_end(v)])
}

/// `use_domain_only`: the label before the last dot (`example` of
/// `www.example.com`), the whole value when it has no dot.
pub fn domain(v: &[u8]) -> &[u8] {
    let n = v.len();
    let mut p = n;
    let mut end = n;
    let mut in_domain = false;
    while p > 0 {
        if in_domain {
            if v[p - 1] == b'.' {
                break;
            }
        } else if p < n && v[p] == b'.' {
            end = p;
            in_domain = true;
        }
        p -= 1;
    }
    &v[p..end]
}

/// The value of the RDP cookie `name` (`Cookie: name=value\r\n` after the 11-byte
/// X.224 header), `None` when it is absent or not complete yet.
pub fn rdp_cookie<'a>(data: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let d = data.get(11..)?;
    if d.len() <= 7 || !d[..7].eq_ignore_ascii_case(b"Cookie:") {
        return None;
    }
    let mut d = &d[7..];
    while let [b' ', rest @ ..] = d {
        d = rest;
    }
    if !name.is_empty() {
        if d.len() <= name.len()
            || d[name.len()] != b'='
            || !d[..name.len()].eq_ignore_ascii_case(name)
        {
            return None;
        }
        d = &d[name.len() + 1..];
    } else {
        let eq = d
            .iter()
            .position(|&c| c == b'=' || c == b'\r' || c == b'\n')?;
        if d[eq] != b'=' {
            return None;
        }
        d = &d[eq + 1..];
    }
    let cr = d.iter().position(|&c| c == b'\r')?;
    if d.len() < cr + 2 || d[cr + 1] != b'\n' {
        return None;
    }
    Some(&d[..cr])
}

fn memchr(s: &[u8], c: u8) -> Option<usize> {
    s.iter().position(|&x| x == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_parts() {
        assert_eq!(uri_part(b"/a/b/c?x=1", 0, 0, false), b"/a/b/c");
        assert_eq!(uri_part(b"/a/b/c?x=1", 0, 0, true), b"/a/b/c?x=1");
        assert_eq!(uri_part(b"/a/b/c?x=1", 0, 2, false), b"/a/b");
        assert_eq!(uri_part(b"/a/b/c?x=1", 3, 0, false), b"/a/");
        assert_eq!(path_of(b"http://h:80/p?q"), b"/p?q");
        assert_eq!(path_of(b"http://h:80"), b"");
        assert_eq!(path_of(b"*"), b"");
        assert_eq!(path_of(b"h:80"), b"");
    }

    #[test]
    fn params() {
        assert_eq!(query_param(b"/p?a=1&id=42&b", b"id"), Some(&b"42"[..]));
        assert_eq!(query_param(b"/p?id=", b"id"), Some(&b""[..]));
        assert_eq!(
            query_param(b"/p?id", b"id"),
            None,
            "needs more than the name"
        );
        assert_eq!(query_param(b"/p?id=&x", b"id"), Some(&b""[..]));
        assert_eq!(query_param(b"/p?xid=1", b"id"), None);
        assert_eq!(query_param(b"/p", b"id"), None);
        assert_eq!(body_param(b"a=1&id=7", b"id"), Some(&b"7"[..]));
        assert_eq!(body_param(b"id=\x01", b"id"), None);
        assert_eq!(body_param(b"id= x", b"id"), Some(&b""[..]));
    }

    #[test]
    fn headers_and_domains() {
        assert_eq!(first_value(b" a , b"), b"a");
        assert_eq!(first_value(b"\"x,y\", z"), b"\"x,y\"");
        assert_eq!(domain(b"www.example.com"), b"example");
        assert_eq!(domain(b"example.com"), b"example");
        assert_eq!(domain(b"localhost"), b"localhost");
    }

    #[test]
    fn rdp() {
        let mut m = vec![0u8; 11];
        m.extend_from_slice(b"Cookie: mstshash=alice\r\n");
        assert_eq!(rdp_cookie(&m, b"mstshash"), Some(&b"alice"[..]));
        assert_eq!(rdp_cookie(&m, b"other"), None);
        assert_eq!(rdp_cookie(&m[..m.len() - 1], b"mstshash"), None);
    }
}
