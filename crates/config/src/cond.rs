//! `.if` / `.elif` expressions and `-cc` (STUB: integers only; to be replaced by the full
//! predicate language of HAProxy 2.6).

use crate::env::Env;

/// A condition that could not be parsed; `pos` is a 0-based byte offset into the expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CondError {
    pub message: String,
    pub pos: usize,
}

/// Evaluates an expression (the words after `.if`, re-joined with single spaces).
pub fn eval(expr: &str, _env: &Env) -> Result<bool, CondError> {
    let t = expr.trim();
    if t.is_empty() {
        return Ok(false);
    }
    t.parse::<i64>()
        .map(|v| v != 0)
        .map_err(|_| CondError { message: format!("unparsable conditional expression '{t}'"), pos: 0 })
}
