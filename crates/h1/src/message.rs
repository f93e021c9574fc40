//! Request and response heads: the start line, the header list and the facts
//! HAProxy derives from the head while parsing it (`h1m` flags in
//! include/haproxy/h1.h: content-length, chunked, `Connection` tokens, upgrade,
//! version 1.1). Heads are caller-owned and reused: parsing clears and refills
//! them, so steady-state parsing does not allocate.

use crate::headers::{Headers, Span};
use crate::parse::ScanState;

/// The request method, with HAProxy's list of known methods (`find_http_meth`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Method {
    #[default]
    Get,
    Head,
    Post,
    Put,
    Delete,
    Options,
    Trace,
    Connect,
    /// Any other token; its bytes are given by `RequestHead::method_bytes`.
    Other,
}

impl Method {
    /// Recognises a method, case-sensitively as HAProxy does.
    pub fn from_bytes(m: &[u8]) -> Method {
        match m {
            b"GET" => Method::Get,
            b"HEAD" => Method::Head,
            b"POST" => Method::Post,
            b"PUT" => Method::Put,
            b"DELETE" => Method::Delete,
            b"OPTIONS" => Method::Options,
            b"TRACE" => Method::Trace,
            b"CONNECT" => Method::Connect,
            _ => Method::Other,
        }
    }

    /// The method's name, `None` for `Other`.
    pub fn as_bytes(self) -> Option<&'static [u8]> {
        Some(match self {
            Method::Get => b"GET",
            Method::Head => b"HEAD",
            Method::Post => b"POST",
            Method::Put => b"PUT",
            Method::Delete => b"DELETE",
            Method::Options => b"OPTIONS",
            Method::Trace => b"TRACE",
            Method::Connect => b"CONNECT",
            Method::Other => return None,
        })
    }
}

/// The protocol version as HAProxy classifies it: `Http11` means "1.1 or above"
/// (HAProxy's `H1_MF_VER_11`), anything else is handled as 1.0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Version {
    Http10,
    #[default]
    Http11,
}

/// The form of the request target (RFC 9112 §3.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UriForm {
    /// `/path?query`
    #[default]
    Origin,
    /// `scheme://authority/path` (or anything not starting with `/` or `*`).
    Absolute,
    /// `host:port`, for CONNECT.
    Authority,
    /// `*`
    Asterisk,
}

/// How the body of a message is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyKind {
    /// No body.
    None,
    /// Exactly this many bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`: use `ChunkedScanner`.
    Chunked,
    /// Response without length: the body ends when the server closes.
    CloseDelimited,
    /// Response that turns the connection into a tunnel (2xx to CONNECT, 101).
    Tunnel,
}

/// Facts derived from the header fields while parsing.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Facts {
    pub content_length: Option<u64>,
    pub te_present: bool,
    /// `chunked` is the last transfer-coding (`H1_MF_CHNK`).
    pub chunked: bool,
    pub te_chunked_seen: bool,
    pub te_other: bool,
    /// Content-Length was dropped because Transfer-Encoding was present.
    pub cl_dropped: bool,
    pub conn_close: bool,
    pub conn_keep_alive: bool,
    pub conn_upgrade: bool,
    pub upgrade: bool,
    pub websocket: bool,
    pub ws_key: bool,
    pub ws_accept: bool,
    pub expect_continue: bool,
    pub host: Option<Span>,
    pub host_off: usize,
    pub force_close: bool,
    pub http09: bool,
}

/// A parsed request head. Reuse one per connection: `parse_request` clears it.
#[derive(Clone, Debug, Default)]
pub struct RequestHead {
    pub(crate) headers: Headers,
    pub(crate) method: Method,
    pub(crate) method_span: Span,
    pub(crate) uri_span: Span,
    pub(crate) version: Version,
    pub(crate) version_span: Span,
    pub(crate) uri_form: UriForm,
    pub(crate) uri_off: usize,
    pub(crate) facts: Facts,
    pub(crate) scan: ScanState,
}

/// A parsed response head. Reuse one per connection: `parse_response` clears it.
#[derive(Clone, Debug, Default)]
pub struct ResponseHead {
    pub(crate) headers: Headers,
    pub(crate) version: Version,
    pub(crate) version_span: Span,
    pub(crate) status: u16,
    pub(crate) reason_span: Span,
    pub(crate) facts: Facts,
    pub(crate) scan: ScanState,
}

macro_rules! common_accessors {
    () => {
        /// The header fields (lower-case names, trimmed values).
        pub fn headers(&self) -> &Headers {
            &self.headers
        }

        /// The header fields, for edits (`remove`, `append`, `set`).
        pub fn headers_mut(&mut self) -> &mut Headers {
            &mut self.headers
        }

        /// The version class.
        pub fn version(&self) -> Version {
            self.version
        }

        /// The version exactly as received (e.g. `HTTP/1.0`).
        pub fn version_bytes(&self) -> &[u8] {
            self.headers.bytes(self.version_span)
        }

        /// The Content-Length, when the body is length-delimited (cleared when
        /// Transfer-Encoding is present as well).
        pub fn content_length(&self) -> Option<u64> {
            self.facts.content_length
        }

        /// `chunked` is the final transfer-coding.
        pub fn is_chunked(&self) -> bool {
            self.facts.chunked
        }

        /// A Transfer-Encoding header is present.
        pub fn has_transfer_encoding(&self) -> bool {
            self.facts.te_present
        }

        /// Content-Length was removed because Transfer-Encoding was present too
        /// (RFC 9112 §6.3): the connection must be closed after this message.
        pub fn content_length_dropped(&self) -> bool {
            self.facts.cl_dropped
        }

        /// The message requires closing the connection after it (Content-Length
        /// with Transfer-Encoding, or Transfer-Encoding in an HTTP/1.0 response).
        pub fn must_close(&self) -> bool {
            self.facts.force_close
        }

        /// `Connection: close` was received (the token is removed from the header).
        pub fn conn_close(&self) -> bool {
            self.facts.conn_close
        }

        /// `Connection: keep-alive` was received (the token is removed from the header).
        pub fn conn_keep_alive(&self) -> bool {
            self.facts.conn_keep_alive
        }

        /// `Connection: upgrade` was received (and still applies).
        pub fn conn_upgrade(&self) -> bool {
            self.facts.conn_upgrade
        }

        /// An `Upgrade` header is present.
        pub fn has_upgrade(&self) -> bool {
            self.facts.upgrade
        }

        /// `Connection: upgrade` with `Upgrade: websocket`.
        pub fn is_websocket(&self) -> bool {
            self.facts.conn_upgrade && self.facts.websocket
        }

        /// Persistence as the message itself asks for it: HTTP/1.1 unless
        /// `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`, never
        /// when `must_close()`.
        pub fn keep_alive(&self) -> bool {
            !self.facts.conn_close
                && !self.facts.force_close
                && (self.version == Version::Http11 || self.facts.conn_keep_alive)
        }

        /// Forgets everything, keeping allocated buffers.
        pub fn clear(&mut self) {
            *self = Self {
                headers: std::mem::take(&mut self.headers),
                ..Self::default()
            };
            self.headers.clear();
        }
    };
}

impl RequestHead {
    /// An empty head.
    pub fn new() -> RequestHead {
        RequestHead::default()
    }

    common_accessors!();

    /// The method class.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The method as received.
    pub fn method_bytes(&self) -> &[u8] {
        self.headers.bytes(self.method_span)
    }

    /// The request target as received (or as last set).
    pub fn uri(&self) -> &[u8] {
        self.headers.bytes(self.uri_span)
    }

    /// Replaces the request target (e.g. after a path rewrite).
    pub fn set_uri(&mut self, uri: &[u8]) {
        self.uri_span = self.headers.push_bytes(uri);
    }

    /// Replaces the method on the request line. The method class ([`Self::method`])
    /// stays the one received, as HAProxy's transaction keeps the method it parsed
    /// (`txn->meth`): `http-request set-method` changes what is sent, not how the
    /// request is handled nor what the `method` fetch reports for a known method.
    pub fn set_method(&mut self, method: &[u8]) {
        self.method_span = self.headers.push_bytes(method);
    }

    /// The form of the request target.
    pub fn uri_form(&self) -> UriForm {
        self.uri_form
    }

    /// Sets the form of the request target after a rule rewrote it (HAProxy's
    /// `http_update_host` recomputes whether the request has an authority; a new method
    /// alone does not change it, so `set_method` leaves the form as it is).
    pub fn set_uri_form(&mut self, form: UriForm) {
        self.uri_form = form;
    }

    /// The Host header value (identical duplicates are dropped while parsing).
    pub fn host(&self) -> Option<&[u8]> {
        self.headers.get(b"host")
    }

    /// `Expect: 100-continue` was received.
    pub fn expect_continue(&self) -> bool {
        self.facts.expect_continue
    }

    /// The request was an HTTP/0.9 one, accepted (as HTTP/1.0) only with
    /// `option accept-invalid-http-request`.
    pub fn is_http09(&self) -> bool {
        self.facts.http09
    }

    /// How the request body is delimited (CONNECT requests have none).
    pub fn body_kind(&self) -> BodyKind {
        if self.method == Method::Connect {
            BodyKind::None
        } else if self.facts.chunked {
            BodyKind::Chunked
        } else if let Some(n) = self.facts.content_length {
            BodyKind::Length(n)
        } else {
            BodyKind::None
        }
    }
}

impl ResponseHead {
    /// An empty head.
    pub fn new() -> ResponseHead {
        ResponseHead::default()
    }

    common_accessors!();

    /// The status code (100..=999).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase as received (possibly empty).
    pub fn reason(&self) -> &[u8] {
        self.headers.bytes(self.reason_span)
    }

    /// Replaces the status code and reason phrase.
    pub fn set_status(&mut self, status: u16, reason: &[u8]) {
        self.status = status;
        self.reason_span = self.headers.push_bytes(reason);
    }

    /// How the body is delimited, given the method of the request it answers.
    pub fn body_kind(&self, req_method: Method) -> BodyKind {
        crate::body::response_body_kind(self, req_method)
    }

    /// Persistence of the response: `keep_alive()` and a body whose end is
    /// known without closing.
    pub fn keep_alive_for(&self, req_method: Method) -> bool {
        self.keep_alive()
            && !matches!(
                self.body_kind(req_method),
                BodyKind::CloseDelimited | BodyKind::Tunnel
            )
    }
}
