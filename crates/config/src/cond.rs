//! `.if` / `.elif` conditions and the `-cc` command-line flag (configuration manual 2.4),
//! with the grammar, precedence, depth limit, predicate argument parsing and error
//! messages of HAProxy 2.6 (`src/cfgcond.c`, `make_arg_list()` in `src/arg.c`).
//!
//! ```text
//! expr := and ( '||' expr )?          and := term ( '&&' and )?
//! term := '!'* ( integer | '(' expr ')' | predicate [ '(' args ')' ] )
//! ```
//!
//! Integers follow `strtol(…, 0)` (`0x1f`, `010`, `-1`); `&&` binds tighter than `||`;
//! an empty condition is false. Predicates: `defined`, `feature`, `streq`, `strneq`,
//! `version_atleast`, `version_before`, `openssl_version_atleast`,
//! `openssl_version_before`, `ssllib_name_startswith`. Rampart has no OpenSSL: the two
//! `openssl_version_*` predicates are always false and the TLS library is named "rustls".
//!
//! Versions are compared with `rampart_core::version::compare_versions` against
//! `HAPROXY_VERSION`; an unparsable version counts as older, as in HAProxy. `feature()`
//! with an empty name is false (HAProxy's answer depends on memory past its feature string).

use crate::env::Env;
use crate::lexer::{self, LexErrorKind, LexOptions, LineCtx};
use rampart_core::{features, version};
use std::cmp::Ordering;

/// HAProxy's `MAX_CFG_RECURSION`: nesting budget of the parser (each `(`, `&&` and `||`
/// level consumes some).
const MAX_CFG_RECURSION: i32 = 1024;

/// Longest decoded predicate argument: HAProxy's trash buffer (`tune.bufsize`) minus one.
const MAX_ARG_LEN: usize = 16383;

/// The TLS library name `ssllib_name_startswith()` compares against.
pub const SSL_LIBRARY_NAME: &str = "rustls";

/// A condition that could not be parsed; `pos` is a 0-based byte offset into the expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CondError {
    pub message: String,
    pub pos: usize,
}

impl CondError {
    /// HAProxy's message for a failing `.if` or `.elif` (`directive`) whose expression (the
    /// words after the directive joined by spaces) is `expr`, without the
    /// `parsing [file:line]: ` prefix: the message, the expression and a caret.
    pub fn render(&self, directive: &str, expr: &str) -> String {
        let width = 80usize.saturating_sub(directive.len() + 1).max(6);
        let (text, caret) = lexer::sanitize_for_printing(expr.as_bytes(), self.pos, width);
        format!(
            "{} in '{directive}' at position {}:\n  {directive} {text}\n  {:>pad$}",
            self.message,
            self.pos + 1,
            "^",
            pad = caret + directive.len() + 2
        )
    }
}

/// Evaluates an expression (the words after `.if`, re-joined with single spaces).
pub fn eval(expr: &str, env: &Env) -> Result<bool, CondError> {
    let s = expr.as_bytes();
    let s = &s[..s.iter().position(|&b| b == 0).unwrap_or(s.len())];
    if s.is_empty() {
        return Ok(false);
    }
    let parser = Parser { s };
    let mut text = 0;
    match parser.expr(&mut text, MAX_CFG_RECURSION)? {
        Step::Done(tree) => {
            let mut end = text;
            skip_blanks(s, &mut end);
            if let Some(&c) = s.get(end) {
                let shown = char_at(s, end, c);
                return Err(CondError {
                    message: format!(
                        "unexpected character '{shown}' at the end of conditional expression \
                         '{}'",
                        String::from_utf8_lossy(s)
                    ),
                    pos: end,
                });
            }
            Ok(tree.eval(env))
        }
        Step::Desync => Err(CondError {
            message: format!(
                "unparsable conditional expression '{}'",
                String::from_utf8_lossy(s)
            ),
            pos: text,
        }),
    }
}

/// `haproxy -cc <condition>`: splits the argument like a configuration line (no comments),
/// joins the words and evaluates them. `Ok` maps to exit status 0 (true) or 1 (false);
/// `Err` carries HAProxy's alert text (exit status 2).
pub fn check_condition(arg: &[u8], env: &Env) -> Result<bool, String> {
    let ctx = LineCtx {
        env,
        file: "",
        line: 0,
        section: "",
    };
    let line =
        lexer::split_line_full(arg, &ctx, LexOptions::CHECK_CONDITION).map_err(|e| {
            match e.kind {
                LexErrorKind::UnmatchedQuote => {
                    "Syntax Error in condition: Unmatched quote.".into()
                }
                LexErrorKind::BadHex => {
                    "Syntax Error in condition: Truncated or invalid hexadecimal sequence.".into()
                }
                LexErrorKind::TooLong => "Error in condition: Line too long.".into(),
                LexErrorKind::TooManyWords => "Error in condition: Too many words.".into(),
                LexErrorKind::InvalidUtf8 => format!("Syntax Error in condition: {e}."),
                _ => "Unhandled error in condition, please report this to the developers.".into(),
            }
        })?;
    eval(&line.rejoin(0), env).map_err(|e| format!("Failed to evaluate condition: {}", e.message))
}

/// A parsed condition: OR of ANDs of possibly negated terms.
struct Expr {
    ands: Vec<Vec<Term>>,
}

struct Term {
    neg: bool,
    kind: TermKind,
}

enum TermKind {
    Const(bool),
    Paren(Expr),
    Pred(Predicate, Vec<String>),
}

impl Expr {
    fn eval(&self, env: &Env) -> bool {
        self.ands.iter().any(|and| and.iter().all(|t| t.eval(env)))
    }
}

impl Term {
    fn eval(&self, env: &Env) -> bool {
        let v = match &self.kind {
            TermKind::Const(v) => *v,
            TermKind::Paren(e) => e.eval(env),
            TermKind::Pred(p, args) => p.eval(args, env),
        };
        v != self.neg
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Predicate {
    Defined,
    Feature,
    StrEq,
    StrNeq,
    VersionAtLeast,
    VersionBefore,
    OpensslVersionAtLeast,
    OpensslVersionBefore,
    SslLibNameStartsWith,
}

/// `(name, predicate, number of arguments)`; every argument is a mandatory string.
const PREDICATES: [(&str, Predicate, usize); 9] = [
    ("defined", Predicate::Defined, 1),
    ("feature", Predicate::Feature, 1),
    ("streq", Predicate::StrEq, 2),
    ("strneq", Predicate::StrNeq, 2),
    ("version_atleast", Predicate::VersionAtLeast, 1),
    ("version_before", Predicate::VersionBefore, 1),
    (
        "openssl_version_atleast",
        Predicate::OpensslVersionAtLeast,
        1,
    ),
    ("openssl_version_before", Predicate::OpensslVersionBefore, 1),
    ("ssllib_name_startswith", Predicate::SslLibNameStartsWith, 1),
];

impl Predicate {
    fn eval(self, args: &[String], env: &Env) -> bool {
        let a = args.first().map_or("", String::as_str);
        let b = args.get(1).map_or("", String::as_str);
        match self {
            Predicate::Defined => env.get(a).is_some(),
            Predicate::Feature => feature_listed(&features::feature_line(), a),
            Predicate::StrEq => a == b,
            Predicate::StrNeq => a != b,
            // HAProxy treats an unparsable version as "older than the current one".
            Predicate::VersionAtLeast => !matches!(
                version::compare_versions(version::HAPROXY_VERSION, a),
                Some(Ordering::Less)
            ),
            Predicate::VersionBefore => matches!(
                version::compare_versions(version::HAPROXY_VERSION, a),
                Some(Ordering::Less)
            ),
            Predicate::OpensslVersionAtLeast | Predicate::OpensslVersionBefore => false,
            Predicate::SslLibNameStartsWith => SSL_LIBRARY_NAME.starts_with(a),
        }
    }
}

/// HAProxy's `feature()` search in the `-vv` feature line: the first occurrence of `name`
/// that ends a token decides, `+` before it meaning present and `-` absent.
fn feature_listed(line: &str, name: &str) -> bool {
    let (hay, needle) = (line.as_bytes(), name.as_bytes());
    if needle.is_empty() || needle.len() > hay.len() {
        return false;
    }
    for p in 1..=hay.len() - needle.len() {
        if &hay[p..p + needle.len()] != needle {
            continue;
        }
        if matches!(hay.get(p + needle.len()), None | Some(b' ')) {
            match hay[p - 1] {
                b'+' => return true,
                b'-' => return false,
                _ => {}
            }
        }
    }
    false
}

/// C's three-way parser result without the error case: a value, or "nothing here".
enum Step<T> {
    Done(T),
    Desync,
}

/// A port of `cfg_parse_cond_expr/and/term`: each takes the position to start at, moves
/// it exactly where HAProxy moves its `text` pointer (error positions depend on it), and
/// receives the remaining depth budget.
struct Parser<'a> {
    s: &'a [u8],
}

fn skip_blanks(s: &[u8], i: &mut usize) {
    while matches!(s.get(*i), Some(b' ' | b'\t')) {
        *i += 1;
    }
}

/// The character starting at `i` (for messages), `c` when it is not valid UTF-8.
fn char_at(s: &[u8], i: usize, c: u8) -> char {
    let tail = s.get(i..).unwrap_or_default();
    let len = tail.len().min(4);
    (1..=len)
        .find_map(|n| {
            std::str::from_utf8(&tail[..n])
                .ok()
                .and_then(|t| t.chars().next())
        })
        .unwrap_or(char::from(c))
}

impl Parser<'_> {
    fn at(&self, i: usize) -> u8 {
        self.s.get(i).copied().unwrap_or(0)
    }

    fn rest(&self, i: usize) -> String {
        String::from_utf8_lossy(self.s.get(i..).unwrap_or_default()).into_owned()
    }

    fn fail(&self, what: &str, at: usize) -> CondError {
        CondError {
            message: format!("{what} '{}'", self.rest(at)),
            pos: at,
        }
    }

    fn expr(&self, text: &mut usize, depth: i32) -> Result<Step<Expr>, CondError> {
        let mut i = *text;
        if self.at(i) == 0 {
            return Ok(Step::Desync);
        }
        if depth <= 0 {
            return Err(self.fail("unparsable conditional expression", i));
        }
        let left = match self.and(&mut i, depth - 1)? {
            Step::Done(t) => t,
            Step::Desync => return Err(self.fail("unparsable conditional expression", i)),
        };
        skip_blanks(self.s, &mut i);
        *text = i;
        if !(self.at(i) == b'|' && self.at(i + 1) == b'|') {
            return Ok(Step::Done(Expr { ands: vec![left] }));
        }
        i += 2;
        skip_blanks(self.s, &mut i);
        match self.expr(&mut i, depth - 1)? {
            Step::Done(mut right) => {
                *text = i;
                right.ands.insert(0, left);
                Ok(Step::Done(right))
            }
            Step::Desync => Ok(Step::Desync),
        }
    }

    fn and(&self, text: &mut usize, depth: i32) -> Result<Step<Vec<Term>>, CondError> {
        let mut i = *text;
        if self.at(i) == 0 {
            return Ok(Step::Desync);
        }
        if depth <= 0 {
            return Err(self.fail("unparsable conditional sub-expression", i));
        }
        let left = match self.term(&mut i, depth - 1)? {
            Step::Done(t) => t,
            Step::Desync => return Err(self.fail("unparsable conditional sub-expression", i)),
        };
        skip_blanks(self.s, &mut i);
        *text = i;
        if !(self.at(i) == b'&' && self.at(i + 1) == b'&') {
            return Ok(Step::Done(vec![left]));
        }
        i += 2;
        skip_blanks(self.s, &mut i);
        match self.and(&mut i, depth - 1)? {
            Step::Done(mut right) => {
                *text = i;
                right.insert(0, left);
                Ok(Step::Done(right))
            }
            Step::Desync => Ok(Step::Desync),
        }
    }

    fn term(&self, text: &mut usize, depth: i32) -> Result<Step<Term>, CondError> {
        let start = *text;
        let mut i = start;
        skip_blanks(self.s, &mut i);
        if self.at(i) == 0 {
            return Ok(Step::Desync);
        }
        let unparsable = || self.fail("unparsable conditional expression", start);
        if depth <= 0 {
            return Err(unparsable());
        }
        let mut neg = false;
        while self.at(i) == b'!' {
            neg = !neg;
            i += 1;
            skip_blanks(self.s, &mut i);
        }
        if let Some((end, nonzero)) = strtol(self.s, i) {
            *text = end;
            return Ok(Step::Done(Term {
                neg,
                kind: TermKind::Const(nonzero),
            }));
        }
        if self.at(i) == b'(' {
            i += 1;
            skip_blanks(self.s, &mut i);
            let inner = match self.expr(&mut i, depth - 1)? {
                Step::Done(e) => e,
                Step::Desync => return Err(unparsable()),
            };
            skip_blanks(self.s, &mut i);
            if self.at(i) != b')' {
                return Err(self.fail("expected ')' after conditional expression", start));
            }
            i += 1;
            skip_blanks(self.s, &mut i);
            *text = i;
            return Ok(Step::Done(Term {
                neg,
                kind: TermKind::Paren(inner),
            }));
        }
        let word_len = self.s[i..]
            .iter()
            .position(|&b| b == b' ' || b == b'(')
            .unwrap_or(self.s.len() - i);
        let word = &self.s[i..i + word_len];
        if let Some(&(name, pred, nargs)) = PREDICATES.iter().find(|p| p.0.as_bytes() == word) {
            return match make_arg_list(self.s, i + word_len, nargs) {
                Ok((args, end)) => {
                    *text = end;
                    Ok(Step::Done(Term {
                        neg,
                        kind: TermKind::Pred(pred, args),
                    }))
                }
                Err(e) => Err(CondError {
                    message: format!(
                        "{} in argument {} of predicate '{name}' used in conditional expression",
                        e.message, e.arg
                    ),
                    pos: e.end,
                }),
            };
        }
        Err(unparsable())
    }
}

/// `strtol(s + i, &end, 0)`: `Some((end, value != 0))` when digits were converted.
fn strtol(s: &[u8], i: usize) -> Option<(usize, bool)> {
    let at = |k: usize| s.get(k).copied().unwrap_or(0);
    let mut j = i;
    while lexer::is_space(at(j)) {
        j += 1;
    }
    if at(j) == b'+' || at(j) == b'-' {
        j += 1;
    }
    let radix =
        if at(j) == b'0' && matches!(at(j + 1), b'x' | b'X') && at(j + 2).is_ascii_hexdigit() {
            j += 2;
            16
        } else if at(j) == b'0' {
            8
        } else {
            10
        };
    let digits = s.get(j..).unwrap_or_default();
    let n = digits
        .iter()
        .take_while(|&&b| char::from(b).is_digit(radix))
        .count();
    if n == 0 {
        return None;
    }
    // An overflowing value saturates to LONG_MAX/LONG_MIN, which is non-zero too.
    Some((j + n, digits[..n].iter().any(|&b| b != b'0')))
}

/// A failed `make_arg_list()`: its message, the argument number it reports and where it
/// stopped.
struct ArgError {
    message: String,
    arg: usize,
    end: usize,
}

/// `make_arg_list()` for `nargs` mandatory string arguments starting at `i` (just after
/// the predicate name). Returns the arguments and the position after the closing `)`.
fn make_arg_list(s: &[u8], mut i: usize, nargs: usize) -> Result<(Vec<String>, usize), ArgError> {
    let at = |k: usize| s.get(k).copied().unwrap_or(0);
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    // Without a parenthesis the arguments are empty strings (all are mandatory here).
    let empty = at(i) != b'(';
    if !empty {
        i += 1;
    }
    let mut args = Vec::new();
    let mut pos = 0;
    while pos < nargs {
        let mut buf: Vec<u8> = Vec::new();
        if !empty {
            let (mut squote, mut dquote) = (false, false);
            while at(i) != 0 && buf.len() < MAX_ARG_LEN {
                let c = at(i);
                if c == b'"' && !squote {
                    dquote = !dquote;
                    i += 1;
                } else if c == b'\'' && !dquote {
                    squote = !squote;
                    i += 1;
                } else if c == b'\\' && !squote {
                    let next = at(i + 1);
                    let (out, len) = match next {
                        0 => {
                            return Err(ArgError {
                                message: format!(
                                    "failed to parse '{}' after '{}' as type 'string' at \
                                     position {}",
                                    lossy(&s[i..]),
                                    lossy(&buf),
                                    pos + 1
                                ),
                                arg: pos,
                                end: i,
                            })
                        }
                        b'\\' | b' ' | b'"' | b'\'' => (next, 2),
                        b'r' => (b'\r', 2),
                        b'n' => (b'\n', 2),
                        b't' => (b'\t', 2),
                        _ => (b'\\', 1),
                    };
                    buf.push(out);
                    i += len;
                } else if !squote && !dquote && (c == b',' || c == b')') {
                    break;
                } else {
                    buf.push(c);
                    i += 1;
                }
            }
            if !matches!(at(i), 0 | b',' | b')') {
                return Err(ArgError {
                    message: format!(
                        "too small buffer size to store decoded argument {}, increase bufsize ?",
                        pos + 1
                    ),
                    arg: pos,
                    end: i,
                });
            }
        }
        args.push(lossy(&buf));
        pos += 1;
        if empty || matches!(at(i), 0 | b')') || pos >= nargs {
            break;
        }
        i += 1; // the comma
    }
    if pos < nargs {
        return Err(ArgError {
            message: format!("missing arguments (got {pos}/{nargs}), type 'string' expected"),
            arg: pos,
            end: i,
        });
    }
    if !empty {
        if at(i) == b')' {
            i += 1;
        } else {
            let rest = s.get(i..).unwrap_or_default();
            let message = if rest.is_empty() {
                "expected ')'".to_owned()
            } else {
                format!("expected ')' before '{}'", lossy(rest))
            };
            // HAProxy reports the argument before the stray text.
            let arg = if pos > 1 { pos - 1 } else { pos };
            return Err(ArgError {
                message,
                arg,
                end: i,
            });
        }
    }
    Ok((args, i))
}

#[cfg(test)]
mod tests;
