//! Rampart's sans-IO HTTP/1.x codec: HAProxy 2.6's H1 parser (src/h1.c,
//! src/h1_htx.c, the checks of src/mux_h1.c) as plain functions over bytes.
//!
//! * [`parse_request`] / [`parse_response`] fill a caller-owned, reusable
//!   [`RequestHead`] / [`ResponseHead`] and validate it (the security boundary:
//!   framing, smuggling vectors, character classes, limits).
//! * [`ChunkedScanner`] and [`LengthCounter`] delimit bodies so they can be
//!   forwarded without re-encoding; [`response_body_kind`] decides response framing.
//! * [`write_request`] / [`write_response`] serialize (possibly edited) heads,
//!   optionally through a [`CaseMap`] (`h1-case-adjust`).
//! * [`errors`] holds HAProxy's built-in error pages byte for byte and
//!   [`reason_phrase`].

mod body;
mod case;
pub mod chars;
pub mod errmsg;
mod error;
pub mod errors;
pub mod errparse;
mod headers;
mod message;
mod parse;
pub mod uri;
mod validate;
mod write;

pub use body::{response_body_kind, ChunkedScanner, LengthCounter, Scan};
pub use case::{push_header_name, CaseMap, CaseMapError};
pub use error::{ErrorKind, ParseError};
pub use errors::reason_phrase;
pub use headers::Headers;
pub use message::{BodyKind, Method, RequestHead, ResponseHead, UriForm, Version};
pub use parse::{parse_request, parse_response, ParseOpts, Parsed};
pub use write::{write_request, write_response};
