//! Layer 1: the haproxy.cfg language of HAProxy 2.6 (configuration manual, section 2).
//!
//! This crate knows files, lines, words, sections and conditional blocks, never what a
//! keyword means: text → [`ast::Config`]. Keyword semantics live in `rampart-model`.
//!
//! - [`source`]: the files read and positions in them (`file:line`).
//! - [`diag`]: diagnostics collected across a whole run, rendered the way HAProxy prints them.
//! - [`lexer`]: one line → words (quotes, escapes, `${ENV}` expansion), as HAProxy's `parse_line`.
//! - [`cond`]: `.if` expressions, shared with the `-cc` command-line flag.
//! - [`env`]: the environment the lexer expands from (`setenv` and friends change it mid-file).
//! - [`reader`]: files and directories → sections of lines, `.if`/`.diag` directives applied.
//! - [`predefined`]: the `HAPROXY_*` variables HAProxy defines, and when.
//! - [`units`]: time and size values with HAProxy's units and range checks.

pub mod ast;
pub mod cond;
pub mod diag;
pub mod env;
pub mod lexer;
pub mod names;
pub mod predefined;
pub mod reader;
pub mod source;
pub mod units;

pub use ast::{Config, Line, Modifier, Section, SectionKind};
pub use diag::{Diagnostic, Diagnostics, Form, Level, Phase};
pub use source::{FileId, SourceMap, Span};
