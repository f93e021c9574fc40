//! Layer 4: log delivery (issue 6, the transport half).
pub mod encode;
pub mod parse;
