//! The rules language of HAProxy 2.6 (configuration manual section 7): samples and the
//! casts between their types, sample expressions (a fetch followed by converters), ACL
//! patterns and conditions, actions and log-format templates.
//!
//! Pure: nothing here performs I/O. A rule reads the transaction it is given, may change
//! it in memory, and returns a verdict the orchestrator (the proxy crate) acts on.

pub mod acl;
pub mod action;
pub mod args;
pub mod conv;
pub mod expr;
pub mod fetch;
pub mod logfmt;
pub mod map;
pub mod pattern;
pub mod regex;
pub mod reply;
pub mod sample;
pub mod stream;
pub mod vars;
