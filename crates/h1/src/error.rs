//! Parse errors of the H1 codec. Every error carries the byte offset where it was
//! met (what HAProxy's `show errors` reports as the error position) and a kind that
//! tells the orchestrator which status to answer: HAProxy's H1 mux answers 400 to
//! most invalid requests (`h1_handle_parsing_error`), 413 to an HTTP/1.0
//! GET/HEAD/DELETE carrying a payload, 422 to an unknown transfer-coding, and 502
//! to any invalid response.

use std::fmt;

/// What was wrong with the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The head did not end within `ParseOpts::max_head` bytes (HAProxy: buffer full).
    HeadTooLarge,
    /// More header fields than `tune.http.maxhdr` allows.
    TooManyHeaders,
    /// A byte that may not appear before the start line (only empty lines may).
    InvalidStartLine,
    /// A method byte that is not a `tchar`.
    InvalidMethod,
    /// A control character, space or (unless accept-invalid) non-ASCII byte in the URI.
    InvalidUri,
    /// Not `HTTP/<digit>.<digit>` (or an HTTP/0.9 request without accept-invalid).
    InvalidVersion,
    /// A status code that is not three digits in 100..=999.
    InvalidStatus,
    /// A CR not followed by LF.
    BareCr,
    /// A header name that is empty or holds a non-`tchar` byte.
    InvalidHeaderName,
    /// White space between a header name and its colon.
    SpaceBeforeColon,
    /// A header line without a colon.
    MissingColon,
    /// A NUL byte in a header value or reason phrase.
    InvalidHeaderValue,
    /// An empty, non-numeric, overflowing or inconsistent Content-Length.
    InvalidContentLength,
    /// `chunked` applied twice, or (request) a coding after `chunked`, or (request)
    /// Transfer-Encoding without `chunked` last.
    InvalidTransferEncoding,
    /// Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1).
    TransferEncodingHttp10,
    /// A transfer-coding other than `chunked` (HAProxy answers 422 to a request).
    UnknownTransferEncoding,
    /// Several Host headers with different values.
    DuplicateHost,
    /// An HTTP/1.1 request without Host (RFC 9112 §3.2).
    MissingHost,
    /// An absolute-form URI whose authority disagrees with Host.
    HostMismatch,
    /// A CONNECT target that is not `host:port`, or a Host that disagrees with it.
    InvalidConnectAuthority,
    /// A websocket upgrade without `Sec-WebSocket-Key` (request) or
    /// `Sec-WebSocket-Accept` (101 response).
    MissingWebsocketKey,
    /// An HTTP/1.0 GET, HEAD or DELETE with a payload (HAProxy answers 413).
    PayloadNotAllowed,
    /// A chunk-size line that is not `1*HEXDIG *WSP [;ext] CRLF`.
    InvalidChunkSize,
    /// A chunk size of 2^52 or more (HAProxy's 13 hex digit limit).
    ChunkTooLarge,
    /// Data not followed by CRLF (or LF) at the end of a chunk.
    InvalidChunkEnd,
    /// An invalid trailer field.
    InvalidTrailer,
}

impl ErrorKind {
    /// The status HAProxy answers when a request fails this way.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::PayloadNotAllowed => 413,
            ErrorKind::UnknownTransferEncoding => 422,
            _ => 400,
        }
    }

    /// The status answered to the client when a response fails this way.
    pub fn response_status(self) -> u16 {
        502
    }

    /// A short description, for logs and traces.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::HeadTooLarge => "message head too large",
            ErrorKind::TooManyHeaders => "too many header fields",
            ErrorKind::InvalidStartLine => "invalid byte before the start line",
            ErrorKind::InvalidMethod => "invalid method",
            ErrorKind::InvalidUri => "invalid character in URI",
            ErrorKind::InvalidVersion => "invalid HTTP version",
            ErrorKind::InvalidStatus => "invalid status code",
            ErrorKind::BareCr => "CR not followed by LF",
            ErrorKind::InvalidHeaderName => "invalid header name",
            ErrorKind::SpaceBeforeColon => "white space before colon",
            ErrorKind::MissingColon => "header line without colon",
            ErrorKind::InvalidHeaderValue => "invalid character in header value",
            ErrorKind::InvalidContentLength => "invalid content-length",
            ErrorKind::InvalidTransferEncoding => "invalid transfer-encoding",
            ErrorKind::TransferEncodingHttp10 => "transfer-encoding in HTTP/1.0 request",
            ErrorKind::UnknownTransferEncoding => "unsupported transfer-coding",
            ErrorKind::DuplicateHost => "conflicting host headers",
            ErrorKind::MissingHost => "missing host header",
            ErrorKind::HostMismatch => "URI authority does not match host",
            ErrorKind::InvalidConnectAuthority => "invalid CONNECT authority",
            ErrorKind::MissingWebsocketKey => "missing websocket key",
            ErrorKind::PayloadNotAllowed => "payload not allowed with HTTP/1.0 method",
            ErrorKind::InvalidChunkSize => "invalid chunk size",
            ErrorKind::ChunkTooLarge => "chunk size too large",
            ErrorKind::InvalidChunkEnd => "invalid chunk end",
            ErrorKind::InvalidTrailer => "invalid trailer",
        }
    }
}

/// A parse failure at byte `offset` of the input given to the parser (for the
/// chunked scanner: counted from the first byte ever given to it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ErrorKind,
    pub offset: usize,
}

impl ParseError {
    pub(crate) fn at(kind: ErrorKind, offset: usize) -> Self {
        ParseError { kind, offset }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at offset {}", self.kind.as_str(), self.offset)
    }
}

impl std::error::Error for ParseError {}
