//! Sans-IO codec for the PROXY protocol (versions 1 and 2), as HAProxy 2.6 speaks it.
//!
//! [`decode`] reads a header at the start of a buffer with HAProxy's acceptance rules
//! (`accept-proxy`), [`encode_v1`] / [`encode_v2`] write the bytes HAProxy writes
//! (`send-proxy`, `send-proxy-v2`). No I/O, no allocation beyond the output `Vec` and the
//! decoded header's TLVs. Errors map to HAProxy's `CO_ER_PRX_*` codes and log texts.

#![forbid(unsafe_code)]

pub mod crc32c;
mod decode;
mod encode;
mod error;
mod header;
pub mod tlv;

pub use decode::{
    decode, decode_with, DecodeOptions, Decoded, V1_MAX_LEN, V2_HEADER_LEN, V2_MAX_LEN,
    V2_SIGNATURE,
};
pub use encode::{encode_v1, encode_v2, EncodeError, V2Params};
pub use error::{ErrCode, Error, Invalid};
pub use header::{Addrs, Command, Header, Transport, UnixAddr};
pub use tlv::{SslInfo, SslTlv, Tlv};
