//! Why a PROXY header was refused, in HAProxy's vocabulary.
//!
//! HAProxy records one `conn_err_code` per failed connection and logs its fixed text
//! ("Received an invalid PROXY protocol header", ...). [`ErrCode`] is that code with its
//! exact text; [`Error`] is what [`crate::decode`] returns, finer-grained for debugging, and
//! maps onto an [`ErrCode`] so the runtime counts and logs exactly like HAProxy. The codes
//! `Empty`, `Abort`, `Timeout` and `Truncated` describe I/O outcomes the runtime detects
//! itself (connection closed, reset, timed out, or ended while decode said `Partial`).

use std::fmt;

/// HAProxy's `CO_ER_PRX_*` connection error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrCode {
    /// `CO_ER_PRX_EMPTY`: the connection closed before any byte arrived.
    Empty,
    /// `CO_ER_PRX_ABORT`: a socket error while waiting for the header.
    Abort,
    /// `CO_ER_PRX_TIMEOUT`: no complete header before the timeout.
    Timeout,
    /// `CO_ER_PRX_TRUNCATED`: the header is incomplete.
    Truncated,
    /// `CO_ER_PRX_NOT_HDR`: neither the v1 nor the v2 signature.
    NotHeader,
    /// `CO_ER_PRX_BAD_HDR`: a malformed header.
    BadHeader,
    /// `CO_ER_PRX_BAD_PROTO`: a v1 protocol other than `TCP4`, `TCP6`, `UNKNOWN`.
    BadProto,
}

impl ErrCode {
    /// HAProxy's text for this code (`conn_err_code_str`), as it appears in its logs.
    pub const fn message(self) -> &'static str {
        match self {
            Self::Empty => "Connection closed while waiting for PROXY protocol header",
            Self::Abort => "Connection error while waiting for PROXY protocol header",
            Self::Timeout => "Timeout while waiting for PROXY protocol header",
            Self::Truncated => "Truncated PROXY protocol header received",
            Self::NotHeader => {
                "Received something which does not look like a PROXY protocol header"
            }
            Self::BadHeader => "Received an invalid PROXY protocol header",
            Self::BadProto => "Received an unhandled protocol in the PROXY protocol header",
        }
    }
}

impl fmt::Display for ErrCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// A refused PROXY header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    /// The input starts with neither `PROXY ` nor the v2 signature and version 2.
    NotHeader,
    /// A v1 line names a protocol other than `TCP4`, `TCP6` or `UNKNOWN`.
    UnknownProtocol,
    /// A v1 line has no CRLF within its first 107 bytes (the specification's maximum).
    /// HAProxy reports an unterminated line as truncated.
    LineTooLong,
    /// The header is recognised but malformed.
    Invalid(Invalid),
}

/// What is malformed in a recognised header (all are HAProxy's `CO_ER_PRX_BAD_HDR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Invalid {
    /// v1: a separator, CR or LF is missing or misplaced.
    V1Syntax,
    /// v1 `TCP6`: a field is not an IPv6 address.
    V1Address,
    /// v1 `TCP6`: a port field holds a non-digit.
    V1Port,
    /// v2: a command other than LOCAL (0) or PROXY (1).
    V2Command,
    /// v2 PROXY: an address family / transport HAProxy does not take (see
    /// [`crate::DecodeOptions`]), or one the specification leaves unassigned.
    V2Family,
    /// v2 PROXY: the length is shorter than the family's address block.
    V2AddressLength,
    /// v2: fewer than 3 bytes remain for a TLV header.
    TlvTruncated,
    /// v2: a TLV's value runs past the end of the header.
    TlvOverflow,
    /// v2: a CRC32C TLV whose value is not exactly 4 bytes.
    Crc32cLength,
    /// v2: the CRC32C TLV does not match the header.
    Crc32cMismatch,
    /// v2: an AUTHORITY TLV longer than 255 bytes.
    AuthorityTooLong,
    /// v2: a UNIQUE_ID TLV longer than 128 bytes.
    UniqueIdTooLong,
}

impl Invalid {
    fn detail(self) -> &'static str {
        match self {
            Self::V1Syntax => "malformed v1 line",
            Self::V1Address => "invalid IPv6 address in v1 line",
            Self::V1Port => "invalid port in v1 line",
            Self::V2Command => "unsupported v2 command",
            Self::V2Family => "unsupported v2 address family or transport",
            Self::V2AddressLength => "v2 length shorter than the address block",
            Self::TlvTruncated => "truncated v2 TLV header",
            Self::TlvOverflow => "v2 TLV longer than the header",
            Self::Crc32cLength => "v2 CRC32C TLV is not 4 bytes long",
            Self::Crc32cMismatch => "v2 CRC32C mismatch",
            Self::AuthorityTooLong => "v2 AUTHORITY TLV longer than 255 bytes",
            Self::UniqueIdTooLong => "v2 UNIQUE_ID TLV longer than 128 bytes",
        }
    }
}

impl Error {
    /// The HAProxy error code this refusal is counted and logged as.
    pub const fn code(self) -> ErrCode {
        match self {
            Self::NotHeader => ErrCode::NotHeader,
            Self::UnknownProtocol => ErrCode::BadProto,
            Self::LineTooLong => ErrCode::Truncated,
            Self::Invalid(_) => ErrCode::BadHeader,
        }
    }

    /// HAProxy's log text for this refusal.
    pub const fn message(self) -> &'static str {
        self.code().message()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(why) => write!(f, "{} ({})", self.message(), why.detail()),
            Self::LineTooLong => write!(f, "{} (no CRLF within 107 bytes)", self.message()),
            _ => f.write_str(self.message()),
        }
    }
}

impl std::error::Error for Error {}

impl From<Invalid> for Error {
    fn from(why: Invalid) -> Self {
        Self::Invalid(why)
    }
}
