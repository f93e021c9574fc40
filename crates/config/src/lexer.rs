//! One configuration line → words (STUB: whitespace split only; to be replaced by the full
//! implementation of HAProxy's `parse_line` rules).

use crate::env::Env;

/// What the lexer needs besides the bytes: the environment and the pseudo-variables
/// `.FILE`, `.LINE` and `.SECTION`.
pub struct LineCtx<'a> {
    pub env: &'a Env,
    pub file: &'a str,
    pub line: u32,
    pub section: &'a str,
}

/// Why a line could not be split; `pos` is the 0-based byte offset HAProxy points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    pub kind: LexErrorKind,
    pub pos: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LexErrorKind {
    UnmatchedQuote,
    UnmatchedBrace,
    BadVarName,
    BadHex,
    BadExpand,
    TooManyWords,
    InvalidUtf8,
}

/// Splits one line (without its line feed) into words.
pub fn split_line(input: &[u8], _ctx: &LineCtx<'_>) -> Result<Vec<String>, LexError> {
    let text = std::str::from_utf8(input)
        .map_err(|e| LexError { kind: LexErrorKind::InvalidUtf8, pos: e.valid_up_to() })?;
    let text = text.split('#').next().unwrap_or("");
    Ok(text.split_whitespace().map(str::to_owned).collect())
}
