//! Semantic checks on a parsed head, the security boundary of the codec:
//! HAProxy 2.6's `h1_parse_cont_len_header`, `h1_parse_xfer_enc_header`,
//! `h1_parse_connection_header` (with `H1_MF_CLEAN_CONN_HDR`),
//! `h1_parse_upgrade_header`, the Host and authority checks of
//! `h1_headers_to_hdr_list` (src/h1.c), the request post-processing of
//! src/h1_htx.c and the mux checks of `h1_process_headers` (src/mux_h1.c: 413 on
//! HTTP/1.0 GET/HEAD/DELETE with a payload, 422 on an unknown transfer-coding,
//! websocket keys). Where 2.6 is lax this follows RFC 9112 and later HAProxy
//! versions: empty Content-Length elements, Transfer-Encoding in an HTTP/1.0
//! request, NUL in values and a missing Host in HTTP/1.1 are rejected.

use crate::chars::{find_value_end, for_each_word, is_lws, trim_lws};
use crate::error::{ErrorKind as K, ParseError};
use crate::headers::{Headers, Span};
use crate::message::{Facts, Method, RequestHead, ResponseHead, Version};
use crate::parse::{Field, ParseOpts};

/// Applies one complete header field to the facts. Returns whether the field is
/// kept (duplicate Content-Length/Host and emptied Connection fields are not).
pub(crate) fn on_field(
    request: bool,
    headers: &mut Headers,
    facts: &mut Facts,
    field: &mut Field,
) -> Result<bool, ParseError> {
    let name = headers.bytes(field.name);
    match name {
        b"content-length" => content_length(headers, facts, field),
        b"transfer-encoding" => {
            transfer_encoding(request, headers.bytes(field.value), facts, field.value_off)?;
            Ok(true)
        }
        b"connection" => Ok(connection(headers, facts, field)),
        b"upgrade" => {
            facts.upgrade = true;
            facts.websocket = false;
            for_each_word(headers.bytes(field.value), |_, _, w| {
                if w.eq_ignore_ascii_case(b"websocket") {
                    facts.websocket = true;
                }
            });
            Ok(true)
        }
        b"host" if request => {
            let v = headers.bytes(field.value);
            match facts.host {
                None => {
                    facts.host = Some(field.value);
                    facts.host_off = field.value_off;
                    Ok(true)
                }
                Some(h) if headers.bytes(h).eq_ignore_ascii_case(v) => Ok(false),
                Some(_) => Err(ParseError::at(K::DuplicateHost, field.value_off)),
            }
        }
        b"expect" if request => {
            if headers
                .bytes(field.value)
                .eq_ignore_ascii_case(b"100-continue")
            {
                facts.expect_continue = true;
            }
            Ok(true)
        }
        b"sec-websocket-key" if request => {
            if field.value.len == 24 {
                facts.ws_key = true;
            }
            Ok(true)
        }
        b"sec-websocket-accept" if !request => {
            facts.ws_accept = true;
            Ok(true)
        }
        _ => Ok(true),
    }
}

/// Content-Length: a list of identical decimal values. The first field is kept
/// with its value reduced to one number; later identical fields are dropped.
fn content_length(
    headers: &Headers,
    facts: &mut Facts,
    field: &mut Field,
) -> Result<bool, ParseError> {
    let v = headers.bytes(field.value);
    let err = |at: usize| {
        Err(ParseError::at(
            K::InvalidContentLength,
            field.value_off + at,
        ))
    };
    if v.is_empty() {
        return err(0);
    }
    let first = facts.content_length.is_none();
    let mut kept: Option<Span> = None;
    let mut i = 0;
    loop {
        let rest = v.get(i..).unwrap_or_default();
        let n = i + rest.iter().position(|&b| b == b',').unwrap_or(rest.len());
        let elem = v.get(i..n).unwrap_or_default();
        let lead = elem.iter().take_while(|&&b| is_lws(b)).count();
        let word = trim_lws(elem);
        if word.is_empty() {
            return err(i);
        }
        let mut cl: u64 = 0;
        for &b in word {
            if !b.is_ascii_digit() {
                return err(i + lead);
            }
            cl = match cl
                .checked_mul(10)
                .and_then(|c| c.checked_add(u64::from(b - b'0')))
            {
                Some(c) => c,
                None => return err(i + lead),
            };
        }
        if facts.content_length.is_some_and(|prev| prev != cl) {
            return err(i + lead);
        }
        facts.content_length = Some(cl);
        if kept.is_none() {
            let s = field.value.start as usize + i + lead;
            kept = Some(Span::new(s, s + word.len()));
        }
        if n >= v.len() {
            break;
        }
        i = n + 1;
    }
    if let Some(k) = kept {
        field.value = k;
    }
    Ok(first)
}

/// Transfer-Encoding: records `chunked` (and whether it is last) and any other
/// coding. `chunked` twice is an error; so is, in a request, a coding after it.
fn transfer_encoding(
    request: bool,
    v: &[u8],
    facts: &mut Facts,
    off: usize,
) -> Result<(), ParseError> {
    facts.te_present = true;
    let mut bad: Option<usize> = None;
    for_each_word(v, |start, _, w| {
        if bad.is_some() {
            return;
        }
        facts.chunked = false;
        if w.eq_ignore_ascii_case(b"chunked") {
            if facts.te_chunked_seen {
                bad = Some(start);
            }
            facts.te_chunked_seen = true;
            facts.chunked = true;
        } else {
            if request && facts.te_chunked_seen {
                bad = Some(start);
            }
            facts.te_other = true;
        }
    });
    match bad {
        Some(at) => Err(ParseError::at(K::InvalidTransferEncoding, off + at)),
        None => Ok(()),
    }
}

/// Connection: sets the close/keep-alive/upgrade flags and removes the `close`
/// and `keep-alive` tokens from the value in place, like HAProxy's
/// `H1_MF_CLEAN_CONN_HDR` (untouched prefix kept as is, later tokens joined by
/// `,`). Returns false when nothing is left, to drop the field.
fn connection(headers: &mut Headers, facts: &mut Facts, field: &mut Field) -> bool {
    let s = field.value.start as usize;
    let e = field.value.end();
    let Some(v) = headers.buf.get_mut(s..e) else {
        return false;
    };
    let (mut i, mut out, mut prev_end) = (0usize, 0usize, 0usize);
    while i < v.len() {
        if v.get(i).copied().is_some_and(is_lws) {
            i += 1;
            continue;
        }
        let n = i + find_value_end(v.get(i..).unwrap_or_default());
        let mut we = n;
        while we > i && v.get(we - 1).copied().is_some_and(is_lws) {
            we -= 1;
        }
        let word = v.get(i..we).unwrap_or_default();
        let drop = if word.eq_ignore_ascii_case(b"keep-alive") {
            facts.conn_keep_alive = true;
            true
        } else if word.eq_ignore_ascii_case(b"close") {
            facts.conn_close = true;
            true
        } else {
            if word.eq_ignore_ascii_case(b"upgrade") {
                facts.conn_upgrade = true;
            }
            false
        };
        if !drop {
            if out == prev_end {
                out = n;
            } else {
                if out > 0 {
                    if let Some(c) = v.get_mut(out) {
                        *c = b',';
                    }
                    out += 1;
                }
                v.copy_within(i..we, out);
                out += we - i;
            }
        }
        prev_end = n;
        i = n + 1;
    }
    field.value = Span::new(s, s + out);
    out > 0
}

/// End-of-head checks for a request.
pub(crate) fn finish_request(
    head: &mut RequestHead,
    opts: &ParseOpts,
    end: usize,
) -> Result<(), ParseError> {
    let host = head.facts.host.map(|h| head.headers.bytes(h));
    if !opts.accept_invalid {
        let uri = head.headers.bytes(head.uri_span);
        if head.method == Method::Connect {
            match connect_authority(uri, host) {
                Ok(None) => {}
                // A Host with the target's default port loses it (HAProxy's
                // normalization in `h1_validate_connect_authority`).
                Ok(Some(len)) => {
                    if let Some(h) = head.facts.host {
                        let v = Span::new(h.start as usize, h.start as usize + len);
                        head.headers.set_value_span_all(b"host", v);
                        head.facts.host = Some(v);
                    }
                }
                Err(true) => return Err(ParseError::at(K::InvalidConnectAuthority, head.uri_off)),
                Err(false) => {
                    return Err(ParseError::at(
                        K::InvalidConnectAuthority,
                        head.facts.host_off,
                    ))
                }
            }
        } else if let Some(h) = host {
            let (scheme, authority) = scheme_authority(uri);
            if !authority.is_empty()
                && !authority.eq_ignore_ascii_case(h)
                && !authority_matches(scheme, authority, h)
            {
                return Err(ParseError::at(K::HostMismatch, head.facts.host_off));
            }
        }
    }
    if head.method != Method::Connect {
        normalize_default_port(head);
    }
    let f = &mut head.facts;
    if f.te_present {
        drop_length_for_te(&mut head.headers, f);
        if !f.chunked {
            return Err(ParseError::at(K::InvalidTransferEncoding, end));
        }
        if head.version == Version::Http10 {
            return Err(ParseError::at(K::TransferEncodingHttp10, end));
        }
    }
    if opts.require_host && head.version == Version::Http11 && f.host.is_none() && !f.http09 {
        return Err(ParseError::at(K::MissingHost, end));
    }
    let bodyless = !f.chunked && f.content_length.unwrap_or(0) == 0;
    if f.conn_upgrade && !bodyless && head.method != Method::Connect {
        // h1_postparse_req_hdrs: no upgrade for a request with a payload.
        head.headers.remove(b"upgrade");
        f.conn_upgrade = false;
        f.upgrade = false;
    }
    if !opts.accept_payload_with_any_method
        && head.version == Version::Http10
        && !bodyless
        && matches!(head.method, Method::Get | Method::Head | Method::Delete)
    {
        return Err(ParseError::at(K::PayloadNotAllowed, end));
    }
    if f.te_other {
        return Err(ParseError::at(K::UnknownTransferEncoding, end));
    }
    if f.conn_upgrade && f.websocket && !f.ws_key {
        return Err(ParseError::at(K::MissingWebsocketKey, end));
    }
    Ok(())
}

/// Content-Length next to Transfer-Encoding (RFC 9112 §6.3): the length is dropped and
/// the connection closes after the message. Returns whether a length was dropped.
fn drop_length_for_te(headers: &mut Headers, f: &mut Facts) -> bool {
    if f.content_length.is_none() {
        return false;
    }
    headers.remove(b"content-length");
    f.content_length = None;
    f.cl_dropped = true;
    f.force_close = true;
    true
}

/// End-of-head checks for a response.
pub(crate) fn finish_response(
    head: &mut ResponseHead,
    _opts: &ParseOpts,
    end: usize,
) -> Result<(), ParseError> {
    let f = &mut head.facts;
    if f.te_present {
        if !drop_length_for_te(&mut head.headers, f) && head.version == Version::Http10 {
            f.force_close = true;
        }
        if f.te_other {
            return Err(ParseError::at(K::UnknownTransferEncoding, end));
        }
    }
    if head.status != 101 {
        f.conn_upgrade = false;
        f.websocket = false;
    }
    if f.conn_upgrade && f.websocket && !f.ws_accept {
        return Err(ParseError::at(K::MissingWebsocketKey, end));
    }
    Ok(())
}

/// HAProxy's `http_get_host_port`: `None` without a `:port` suffix, `Some(b"")`
/// for a trailing colon.
fn split_port(s: &[u8]) -> (&[u8], Option<&[u8]>) {
    let digits = s.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let colon = s.len() - digits;
    if colon == 0 || s.get(colon - 1) != Some(&b':') {
        return (s, None);
    }
    (s.get(..colon - 1).unwrap_or_default(), s.get(colon..))
}

/// HAProxy's `http_is_default_port`.
fn is_default_port(scheme: Option<&[u8]>, port: &[u8]) -> bool {
    if port.is_empty() {
        return true;
    }
    match scheme {
        None => port == b"443" || port == b"80",
        Some(s) => {
            (port == b"443" && s.eq_ignore_ascii_case(b"https://"))
                || (port == b"80" && s.eq_ignore_ascii_case(b"http://"))
        }
    }
}

/// HAProxy's `http_parse_scheme` + `http_parse_authority(.., 1)`: the scheme with
/// its `://`, and the authority without user info.
fn scheme_authority(uri: &[u8]) -> (Option<&[u8]>, &[u8]) {
    if matches!(uri.first(), None | Some(b'/' | b'*')) {
        return (None, b"");
    }
    let mut rest = uri;
    let mut scheme = None;
    if uri.first().is_some_and(u8::is_ascii_alphabetic) {
        let k = 1 + uri
            .iter()
            .skip(1)
            .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
            .count();
        if uri.get(k..k + 3) == Some(b"://") {
            scheme = uri.get(..k + 3);
            rest = uri.get(k + 3..).unwrap_or_default();
        }
    }
    let end = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
    let auth = rest.get(..end).unwrap_or_default();
    let start = auth.iter().rposition(|&b| b == b'@').map_or(0, |p| p + 1);
    (scheme, auth.get(start..).unwrap_or_default())
}

/// HAProxy's `h1_validate_mismatch_authority`: an authority and a Host that
/// differ only by an explicit default port still match.
fn authority_matches(scheme: Option<&[u8]>, authority: &[u8], host: &[u8]) -> bool {
    if scheme.is_none() {
        return false;
    }
    let (uri_host, uri_port) = split_port(authority);
    let (host_name, host_port) = split_port(host);
    match (uri_port, host_port) {
        (None, None) => false,
        (Some(p), _) if !is_default_port(scheme, p) => false,
        (_, Some(p)) if !is_default_port(scheme, p) => false,
        _ => uri_host.eq_ignore_ascii_case(host_name),
    }
}

/// HAProxy's `h1_validate_connect_authority`: the target must be `host:port`
/// and a Host header must name the same host and port. `Err(true)` blames the
/// URI, `Err(false)` the Host header.
///
/// `Ok(Some(n))`: the Host field names the target's default port, and keeps its
/// first `n` bytes (the host without the port).
fn connect_authority(uri: &[u8], host: Option<&[u8]>) -> Result<Option<usize>, bool> {
    let (_, authority) = scheme_authority(uri);
    if authority.is_empty() {
        return Err(true);
    }
    let (uri_host, uri_port) = split_port(authority);
    let uri_port = match uri_port {
        Some(p) if !p.is_empty() => p,
        _ => return Err(true),
    };
    let Some(host) = host else {
        return Ok(None);
    };
    let (host_name, host_port) = split_port(host);
    match host_port {
        Some(p) if !p.is_empty() => {
            if !host_name.eq_ignore_ascii_case(uri_host) || p != uri_port {
                return Err(false);
            }
            if is_default_port(None, uri_port) {
                return Ok(Some(host_name.len()));
            }
        }
        _ => {
            if !is_default_port(None, uri_port) || !host_name.eq_ignore_ascii_case(uri_host) {
                return Err(false);
            }
        }
    }
    Ok(None)
}

/// HAProxy's `http_scheme_based_normalize`, for an absolute-form target with a scheme:
/// an explicit default port (`:80` with `http://`, `:443` with `https://`, or an empty
/// one) is removed from the target, and every Host field then carries the target's
/// host (without user info). Nothing is copied but the new target.
fn normalize_default_port(head: &mut RequestHead) {
    let uri = head.headers.bytes(head.uri_span);
    let (scheme, authority) = scheme_authority(uri);
    if scheme.is_none() {
        return;
    }
    let (host, Some(port)) = split_port(authority) else {
        return;
    };
    if !is_default_port(scheme, port) {
        return;
    }
    let base = head.uri_span.start as usize;
    let at = base + (authority.as_ptr() as usize - uri.as_ptr() as usize);
    let host_end = at + host.len();
    let auth_end = at + authority.len();
    let uri_end = head.uri_span.end();
    head.uri_span = head
        .headers
        .push_ranges(&[(base, host_end), (auth_end, uri_end)]);
    let host_span = Span::new(at, host_end);
    head.headers.set_value_span_all(b"host", host_span);
    if head.facts.host.is_some() {
        head.facts.host = Some(host_span);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert_eq!(split_port(b"a:80"), (&b"a"[..], Some(&b"80"[..])));
        assert_eq!(split_port(b"a:"), (&b"a"[..], Some(&b""[..])));
        assert_eq!(split_port(b"a"), (&b"a"[..], None));
        assert_eq!(split_port(b"8080"), (&b"8080"[..], None));
        assert_eq!(split_port(b"[::1]:8"), (&b"[::1]"[..], Some(&b"8"[..])));
    }

    #[test]
    fn authority() {
        assert_eq!(
            scheme_authority(b"http://u@a:1/x"),
            (Some(&b"http://"[..]), &b"a:1"[..])
        );
        assert_eq!(scheme_authority(b"a.com/x"), (None, &b"a.com"[..]));
        assert_eq!(scheme_authority(b"/x"), (None, &b""[..]));
        assert!(authority_matches(Some(b"http://"), b"a:80", b"a"));
        assert!(authority_matches(Some(b"https://"), b"a", b"A:443"));
        assert!(!authority_matches(Some(b"http://"), b"a:443", b"a"));
        assert!(!authority_matches(None, b"a:80", b"a"));
        assert_eq!(connect_authority(b"a:443", Some(b"a")), Ok(None));
        assert_eq!(connect_authority(b"a:443", Some(b"a:443")), Ok(Some(1)));
        assert_eq!(connect_authority(b"a:8443", Some(b"a:8443")), Ok(None));
        assert_eq!(connect_authority(b"a:8443", Some(b"a")), Err(false));
        assert_eq!(connect_authority(b"a", None), Err(true));
        assert_eq!(connect_authority(b"a:", None), Err(true));
    }
}
