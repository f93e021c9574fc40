//! Head parsing: HAProxy's `h1_headers_to_hdr_list` (src/h1.c) and the version
//! checks of `h1_process_req_vsn`/`h1_process_res_vsn` (src/h1_htx.c).
//!
//! The parser works line by line and is resumable: a head keeps the offset of the
//! first incomplete line, so feeding a growing buffer costs each byte once (plus a
//! `memchr`). Rules kept from HAProxy: empty lines before the start line are
//! skipped; a bare LF ends a line like CRLF; a CR anywhere else is an error; method
//! and header names are tokens (a start line is refused from its first byte, before
//! its LF); the URI holds bytes 33..=126 but `#` (`#` and non-ASCII bytes only with
//! `accept-invalid-http-request`); several SP/HT may separate start-line parts;
//! obs-fold continuation lines are joined with their CR/LF turned to spaces; values
//! are trimmed. `accept_invalid` relaxes exactly what the manual documents:
//! header-name characters, non-ASCII URI bytes and `#`, the version format and
//! HTTP/0.9, and the authority/Host agreement checks (which HAProxy only records then).

use memchr::memchr;

use crate::chars::{is_spht, is_token, is_uri_char, is_ver_token};
use crate::error::{ErrorKind as K, ParseError};
use crate::headers::{Headers, Span};
use crate::message::{Facts, Method, RequestHead, ResponseHead, UriForm, Version};
use crate::validate;

/// Limits and strictness knobs, from the proxy's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOpts {
    /// Largest head in bytes, leading empty lines included. HAProxy's limit is the
    /// input buffer minus the rewrite reserve: `tune.bufsize - tune.maxrewrite`.
    pub max_head: usize,
    /// `tune.http.maxhdr`: HAProxy's header table size, whose last slot ends the
    /// list, so at most `max_headers - 1` fields are accepted.
    pub max_headers: usize,
    /// `option accept-invalid-http-request` (requests) or
    /// `option accept-invalid-http-response` (responses).
    pub accept_invalid: bool,
    /// Reject HTTP/1.1 requests without Host (RFC 9112 §3.2; HAProxy 2.6 lets
    /// them through).
    pub require_host: bool,
    /// Global `h1-accept-payload-with-any-method`: allow a payload on HTTP/1.0
    /// GET, HEAD and DELETE requests (otherwise 413).
    pub accept_payload_with_any_method: bool,
}

impl Default for ParseOpts {
    fn default() -> Self {
        ParseOpts {
            max_head: 16384 - 1024,
            max_headers: 101,
            accept_invalid: false,
            require_host: true,
            accept_payload_with_any_method: false,
        }
    }
}

/// Outcome of a successful parse step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// The head is not complete: call again with the same input plus more bytes.
    Partial,
    /// The head is complete and takes this many input bytes (leading empty lines
    /// included); the body starts right after.
    Complete(usize),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// Nothing parsed yet for the current message: the head is reset first.
    #[default]
    Fresh,
    /// Skipping empty lines, waiting for the start line.
    Before,
    /// Reading header lines.
    Headers,
    /// A message was completed or rejected: the next call starts a new one.
    Done,
}

/// A header whose value may still be continued by obs-fold lines.
#[derive(Clone, Copy, Debug)]
struct Pending {
    name: Span,
    value_start: usize,
    value_off: usize,
    line_off: usize,
}

/// Where parsing of the current message stands, kept between calls.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ScanState {
    pos: usize,
    phase: Phase,
    pending: Option<Pending>,
    prev_eol: u8,
}

/// What a header line hands to the semantic checks.
pub(crate) struct Field {
    pub name: Span,
    pub value: Span,
    pub value_off: usize,
}

trait Side {
    const REQUEST: bool;
    fn state(&mut self) -> &mut ScanState;
    fn core(&mut self) -> (&mut Headers, &mut Facts);
    fn reset(&mut self);
    /// Parses the start line; returns true when it also ends the head (HTTP/0.9).
    fn start_line(&mut self, line: &[u8], off: usize, opts: &ParseOpts)
        -> Result<bool, ParseError>;
    fn finish(&mut self, opts: &ParseOpts, end: usize) -> Result<(), ParseError>;
}

/// Parses (or continues parsing) a request head from `input`, which must start at
/// the first byte of the message and keep the same prefix across calls until
/// `Complete` or an error is returned. The next call after that starts a new
/// message (the head is cleared).
pub fn parse_request(
    input: &[u8],
    opts: &ParseOpts,
    head: &mut RequestHead,
) -> Result<Parsed, ParseError> {
    drive(input, opts, head)
}

/// Parses (or continues parsing) a response head; same contract as
/// [`parse_request`]. Body framing needs the request method:
/// see [`crate::response_body_kind`].
pub fn parse_response(
    input: &[u8],
    opts: &ParseOpts,
    head: &mut ResponseHead,
) -> Result<Parsed, ParseError> {
    drive(input, opts, head)
}

fn drive<S: Side>(input: &[u8], opts: &ParseOpts, head: &mut S) -> Result<Parsed, ParseError> {
    {
        let st = head.state();
        if matches!(st.phase, Phase::Fresh | Phase::Done) || st.pos > input.len() {
            head.reset();
            head.state().phase = Phase::Before;
        }
    }
    let res = drive_lines(input, opts, head);
    if !matches!(res, Ok(Parsed::Partial)) {
        head.state().phase = Phase::Done;
    }
    res
}

fn drive_lines<S: Side>(
    input: &[u8],
    opts: &ParseOpts,
    head: &mut S,
) -> Result<Parsed, ParseError> {
    loop {
        let pos = head.state().pos;
        let rest = input.get(pos..).unwrap_or_default();
        if head.state().phase == Phase::Before {
            first_byte(rest.first().copied(), pos)?;
        }
        let Some(i) = memchr(b'\n', rest) else {
            if input.len() >= opts.max_head {
                return Err(ParseError::at(K::HeadTooLarge, opts.max_head));
            }
            return Ok(Parsed::Partial);
        };
        let lf = pos + i;
        if lf >= opts.max_head {
            return Err(ParseError::at(K::HeadTooLarge, opts.max_head));
        }
        let mut line = rest.get(..i).unwrap_or_default();
        let mut eol = 1u8;
        if let [body @ .., b'\r'] = line {
            line = body;
            eol = 2;
        }
        if let Some(cr) = memchr(b'\r', line) {
            return Err(ParseError::at(K::BareCr, pos + cr));
        }
        let phase = head.state().phase;
        match phase {
            Phase::Before if line.is_empty() => {}
            Phase::Before => {
                if !line.first().copied().is_some_and(is_token) {
                    return Err(ParseError::at(K::InvalidStartLine, pos));
                }
                let ends = head.start_line(line, pos, opts)?;
                head.state().phase = Phase::Headers;
                if ends {
                    head.finish(opts, lf + 1)?;
                    return Ok(Parsed::Complete(lf + 1));
                }
            }
            Phase::Headers if line.is_empty() => {
                flush_pending(head, opts)?;
                head.finish(opts, lf + 1)?;
                return Ok(Parsed::Complete(lf + 1));
            }
            Phase::Headers => {
                let first = line.first().copied().unwrap_or(b' ');
                if is_spht(first) {
                    continuation(head, line, pos)?;
                } else {
                    flush_pending(head, opts)?;
                    begin_header(head, line, pos, opts)?;
                }
            }
            Phase::Fresh | Phase::Done => return Err(ParseError::at(K::InvalidStartLine, pos)),
        }
        let st = head.state();
        st.pos = lf + 1;
        st.prev_eol = eol;
    }
}

/// HAProxy's `H1_MSG_RQBEFORE`/`RPBEFORE`: a line before the start line begins with a
/// token byte or is empty (CR/LF). Checked as soon as the byte is there, so garbage
/// such as a TLS ClientHello is refused at once rather than after a LF or a timeout.
fn first_byte(b: Option<u8>, off: usize) -> Result<(), ParseError> {
    match b {
        Some(b) if b != b'\r' && b != b'\n' && !is_token(b) => {
            Err(ParseError::at(K::InvalidStartLine, off))
        }
        _ => Ok(()),
    }
}

/// Starts a new header field from a complete line (without its CR/LF).
fn begin_header<S: Side>(
    head: &mut S,
    line: &[u8],
    off: usize,
    opts: &ParseOpts,
) -> Result<(), ParseError> {
    let Some(colon) = memchr(b':', line) else {
        // HAProxy reaches the end of line while still in the name.
        let bad = line.iter().position(|&b| !is_token(b));
        return Err(match bad {
            Some(j) if !opts.accept_invalid || line.get(j) == Some(&0) => {
                ParseError::at(name_error(line, j), off + j)
            }
            _ => ParseError::at(K::MissingColon, off + line.len()),
        });
    };
    let name = line.get(..colon).unwrap_or_default();
    if name.is_empty() {
        return Err(ParseError::at(K::InvalidHeaderName, off));
    }
    if let Some(j) = name.iter().position(|&b| !is_token(b)) {
        let trailing_ws = name
            .get(j..)
            .unwrap_or_default()
            .iter()
            .all(|&b| is_spht(b));
        if trailing_ws {
            return Err(ParseError::at(K::SpaceBeforeColon, off + j));
        }
        // accept-invalid: any byte but NUL (HAProxy still refuses LF; CR is
        // refused earlier as a bare CR).
        let bad = name
            .iter()
            .position(|&b| !is_token(b) && (!opts.accept_invalid || b == 0));
        if let Some(k) = bad {
            return Err(ParseError::at(name_error(line, k), off + k));
        }
    }
    let mut vs = colon + 1;
    while line.get(vs).copied().is_some_and(is_spht) {
        vs += 1;
    }
    let value = line.get(vs..).unwrap_or_default();
    if let Some(z) = memchr(0, value) {
        return Err(ParseError::at(K::InvalidHeaderValue, off + vs + z));
    }
    let (headers, _) = head.core();
    let ns = headers.buf.len();
    headers.buf.extend(name.iter().map(u8::to_ascii_lowercase));
    let name_span = Span::new(ns, headers.buf.len());
    let value_start = headers.buf.len();
    headers.buf.extend_from_slice(value);
    head.state().pending = Some(Pending {
        name: name_span,
        value_start,
        value_off: off + vs,
        line_off: off,
    });
    Ok(())
}

fn name_error(line: &[u8], j: usize) -> K {
    match line.get(j) {
        Some(b' ' | b'\t') => {
            let after = line.get(j..).unwrap_or_default();
            let ws = after.iter().take_while(|&&b| is_spht(b)).count();
            if after.get(ws) == Some(&b':') {
                K::SpaceBeforeColon
            } else {
                K::InvalidHeaderName
            }
        }
        _ => K::InvalidHeaderName,
    }
}

/// An obs-fold line: appended to the pending value, CR/LF turned into spaces.
fn continuation<S: Side>(head: &mut S, line: &[u8], off: usize) -> Result<(), ParseError> {
    if head.state().pending.is_none() {
        // White space where a header name must start (HAProxy: invalid name).
        return Err(ParseError::at(K::InvalidHeaderName, off));
    }
    if let Some(z) = memchr(0, line) {
        return Err(ParseError::at(K::InvalidHeaderValue, off + z));
    }
    let eol = head.state().prev_eol as usize;
    let (headers, _) = head.core();
    for _ in 0..eol {
        headers.buf.push(b' ');
    }
    headers.buf.extend_from_slice(line);
    Ok(())
}

/// Completes the pending header: trims it and hands it to the semantic checks.
fn flush_pending<S: Side>(head: &mut S, opts: &ParseOpts) -> Result<(), ParseError> {
    let Some(p) = head.state().pending.take() else {
        return Ok(());
    };
    let (headers, facts) = head.core();
    let end = headers.buf.len();
    let raw = headers.buf.get(p.value_start..end).unwrap_or_default();
    let lead = raw.iter().take_while(|&&b| crate::chars::is_lws(b)).count();
    let trail = raw
        .get(lead..)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(|&&b| crate::chars::is_lws(b))
        .count();
    let value = Span::new(p.value_start + lead, end - trail);
    let mut field = Field {
        name: p.name,
        value,
        value_off: p.value_off,
    };
    let keep = validate::on_field(S::REQUEST, headers, facts, &mut field)?;
    if keep {
        if headers.len() + 1 >= opts.max_headers {
            return Err(ParseError::at(K::TooManyHeaders, p.line_off));
        }
        headers.push_entry(field.name, field.value);
    } else {
        // The field is the last thing in the buffer: forget its bytes.
        headers.buf.truncate(p.name.start as usize);
    }
    Ok(())
}

// ---- requests ---------------------------------------------------------------

impl Side for RequestHead {
    const REQUEST: bool = true;

    fn state(&mut self) -> &mut ScanState {
        &mut self.scan
    }

    fn core(&mut self) -> (&mut Headers, &mut Facts) {
        (&mut self.headers, &mut self.facts)
    }

    fn reset(&mut self) {
        self.clear();
    }

    fn start_line(
        &mut self,
        line: &[u8],
        off: usize,
        opts: &ParseOpts,
    ) -> Result<bool, ParseError> {
        let mut i = line.iter().take_while(|&&b| is_token(b)).count();
        let method = line.get(..i).unwrap_or_default();
        match line.get(i) {
            None => {}
            Some(&b) if is_spht(b) => {}
            Some(_) => return Err(ParseError::at(K::InvalidMethod, off + i)),
        }
        while line.get(i).copied().is_some_and(is_spht) {
            i += 1;
        }
        let uri_start = i;
        while let Some(&b) = line.get(i) {
            if b == b'#' && !opts.accept_invalid {
                // A fragment is never sent (RFC 9112 §3.2): HAProxy 2.6.15+ and
                // Debian's 2.6.12 security updates refuse it (CVE-2023-45539).
                return Err(ParseError::at(K::InvalidUri, off + i));
            } else if is_uri_char(b) || (b >= 0x80 && opts.accept_invalid) {
                i += 1;
            } else if is_spht(b) {
                break;
            } else {
                return Err(ParseError::at(K::InvalidUri, off + i));
            }
        }
        let uri = line.get(uri_start..i).unwrap_or_default();
        while line.get(i).copied().is_some_and(is_spht) {
            i += 1;
        }
        let ver_start = i;
        while let Some(&b) = line.get(i) {
            if !is_ver_token(b) {
                return Err(ParseError::at(K::InvalidVersion, off + i));
            }
            i += 1;
        }
        let ver = line.get(ver_start..).unwrap_or_default();

        self.method = Method::from_bytes(method);
        self.method_span = self.headers.push_bytes(method);
        self.uri_span = self.headers.push_bytes(uri);
        self.uri_off = off + uri_start;
        if ver.is_empty() {
            // HTTP/0.9: only with accept-invalid, only GET with a URI, as HTTP/1.0.
            if !opts.accept_invalid || self.method != Method::Get || uri.is_empty() {
                return Err(ParseError::at(K::InvalidVersion, off + line.len()));
            }
            self.version_span = self.headers.push_bytes(b"HTTP/1.0");
            self.version = Version::Http10;
            self.facts.http09 = true;
            self.uri_form = uri_form(self.method, uri);
            return Ok(true);
        }
        if !opts.accept_invalid && !strict_version(ver, true) {
            return Err(ParseError::at(K::InvalidVersion, off + ver_start));
        }
        self.version_span = self.headers.push_bytes(ver);
        self.version = version_class(ver);
        self.uri_form = uri_form(self.method, uri);
        Ok(false)
    }

    fn finish(&mut self, opts: &ParseOpts, end: usize) -> Result<(), ParseError> {
        validate::finish_request(self, opts, end)
    }
}

// ---- responses --------------------------------------------------------------

impl Side for ResponseHead {
    const REQUEST: bool = false;

    fn state(&mut self) -> &mut ScanState {
        &mut self.scan
    }

    fn core(&mut self) -> (&mut Headers, &mut Facts) {
        (&mut self.headers, &mut self.facts)
    }

    fn reset(&mut self) {
        self.clear();
    }

    fn start_line(
        &mut self,
        line: &[u8],
        off: usize,
        opts: &ParseOpts,
    ) -> Result<bool, ParseError> {
        let mut i = line.iter().take_while(|&&b| is_ver_token(b)).count();
        let ver = line.get(..i).unwrap_or_default();
        if !line.get(i).copied().is_some_and(is_spht) {
            return Err(ParseError::at(K::InvalidVersion, off + i));
        }
        if !opts.accept_invalid && !strict_version(ver, false) {
            return Err(ParseError::at(K::InvalidVersion, off));
        }
        while line.get(i).copied().is_some_and(is_spht) {
            i += 1;
        }
        let code_start = i;
        let mut status: u32 = 0;
        while let Some(&b) = line.get(i) {
            if b.is_ascii_digit() {
                status = status
                    .saturating_mul(10)
                    .saturating_add(u32::from(b - b'0'));
                i += 1;
            } else if is_spht(b) {
                break;
            } else {
                return Err(ParseError::at(K::InvalidStatus, off + i));
            }
        }
        if i - code_start != 3 || !(100..=999).contains(&status) {
            return Err(ParseError::at(K::InvalidStatus, off + code_start));
        }
        while line.get(i).copied().is_some_and(is_spht) {
            i += 1;
        }
        let reason = line.get(i..).unwrap_or_default();
        if let Some(z) = memchr(0, reason) {
            return Err(ParseError::at(K::InvalidHeaderValue, off + i + z));
        }
        self.version_span = self.headers.push_bytes(ver);
        self.version = version_class(ver);
        self.status = status as u16;
        self.reason_span = self.headers.push_bytes(reason);
        Ok(false)
    }

    fn finish(&mut self, opts: &ParseOpts, end: usize) -> Result<(), ParseError> {
        validate::finish_response(self, opts, end)
    }
}

/// `HTTP/<digit>.<digit>` for requests; for responses HAProxy only checks
/// `????/<digit>.<digit>`.
fn strict_version(v: &[u8], request: bool) -> bool {
    match v {
        [a, b, c, d, b'/', maj, b'.', min] => {
            (!request || [*a, *b, *c, *d] == *b"HTTP")
                && maj.is_ascii_digit()
                && min.is_ascii_digit()
        }
        _ => false,
    }
}

/// HAProxy's `H1_MF_VER_11`: an 8-byte version of 1.1 or above.
fn version_class(v: &[u8]) -> Version {
    match v {
        [_, _, _, _, _, maj, _, min] if *maj > b'1' || (*maj == b'1' && *min >= b'1') => {
            Version::Http11
        }
        _ => Version::Http10,
    }
}

fn uri_form(method: Method, uri: &[u8]) -> UriForm {
    if method == Method::Connect {
        UriForm::Authority
    } else {
        match uri.first() {
            Some(b'/') => UriForm::Origin,
            Some(b'*') => UriForm::Asterisk,
            _ => UriForm::Absolute,
        }
    }
}
