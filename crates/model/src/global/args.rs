//! Reading keyword arguments the way HAProxy's C parsers read them, so that Rampart accepts
//! and refuses exactly the same lines.
//!
//! HAProxy hands every keyword parser a fixed array of words where a missing word and an
//! empty quoted word (`""`) both read as the empty string, argument lists end at the first
//! empty word, and numbers go through `atol`/`atoi` (leading digits, garbage ignored; see
//! `crate::cnum`). [`Args`] gives that view of a [`Line`]; [`time_ms`] wraps
//! `parse_time_err` with its "trailing character" warning.

use rampart_config::units::{parse_time, TimeError, TimeUnit};
use rampart_config::{Diagnostic, Line};

use crate::kw::Cx;

/// The words of one line seen as HAProxy's `args[]`: index 0 is the keyword.
#[derive(Clone, Copy)]
pub struct Args<'a> {
    words: &'a [String],
}

impl<'a> Args<'a> {
    pub fn new(line: &'a Line) -> Self {
        Self { words: &line.words }
    }

    /// Word `i` (0 = keyword), or `""` past the end, like `args[i]` in C.
    pub fn get(&self, i: usize) -> &'a str {
        self.words.get(i).map_or("", String::as_str)
    }

    /// The keyword itself.
    pub fn kw(&self) -> &'a str {
        self.get(0)
    }

    /// True when word `i` is missing or empty (`!*args[i]`).
    pub fn empty(&self, i: usize) -> bool {
        self.get(i).is_empty()
    }

    /// Words from `from` up to (not including) the first empty one: how the C loops
    /// `while (*args[cur_arg])` see an argument list.
    pub fn list_from(&self, from: usize) -> &'a [String] {
        let rest = self.words.get(from..).unwrap_or(&[]);
        let n = rest.iter().position(String::is_empty).unwrap_or(rest.len());
        &rest[..n]
    }

    /// HAProxy's `too_many_args(max, args)`: an error when word `max + 1` is non-empty.
    pub fn too_many(&self, max: usize) -> Result<(), String> {
        self.too_many_idx(max, 0)
    }

    /// `too_many_args_idx(max, idx, args)`: the keyword is made of words `0..=idx`.
    pub fn too_many_idx(&self, max: usize, idx: usize) -> Result<(), String> {
        let extra = self.get(idx + max + 1);
        if extra.is_empty() {
            return Ok(());
        }
        let kw = (0..=idx).map(|i| self.get(i)).collect::<Vec<_>>().join(" ");
        Err(format!(
            "'{kw}' cannot handle unexpected argument '{extra}'."
        ))
    }
}

/// Parses a time in milliseconds like HAProxy's `parse_time_err(.., TIME_UNIT_MS)`,
/// including its warning (printed without a file position) for a character left after a
/// valid unit, e.g. `10sx`.
pub fn time_ms(cx: &mut Cx<'_>, text: &str) -> Result<u32, TimeError> {
    let t = parse_time(text, TimeUnit::Ms)?;
    if let Some(c) = t.trailing {
        cx.diags.push(Diagnostic::warning(
            None,
            format!(
                "unexpected character '{c}' after the timer value '{text}', only \
                 (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are \
                 supported. This will be reported as an error in next versions."
            ),
        ));
    }
    Ok(t.value)
}

/// The character `parse_time_err` points at for an invalid value: the offending
/// character, or an empty string for a missing value (C prints `'%c'` with a NUL, which
/// ends the message there).
pub fn bad_time_char(e: &TimeError) -> Option<char> {
    match e {
        TimeError::UnexpectedChar(c) => Some(*c),
        _ => None,
    }
}

/// Pushes an alert in the `parsing [file:line]: msg` form (no space before the colon),
/// which many of HAProxy's section parsers use.
pub fn alert_tight(cx: &mut Cx<'_>, msg: impl Into<String>) {
    cx.diags
        .push(Diagnostic::alert(Some(cx.span()), msg).tight());
}

/// Pushes a warning in the `parsing [file:line]: msg` form.
pub fn warn_tight(cx: &mut Cx<'_>, msg: impl Into<String>) {
    cx.diags
        .push(Diagnostic::warning(Some(cx.span()), msg).tight());
}

/// HAProxy reports some conflicts as `[ALERT]` without making the configuration invalid
/// (`ERR_ALERT` without `ERR_FATAL`: "'maxconn' already specified. Continuing.").
pub fn nonfatal_alert(cx: &mut Cx<'_>, msg: impl Into<String>) {
    cx.diags.push(Diagnostic::new(
        rampart_config::Level::NonFatalAlert,
        Some(cx.span()),
        msg,
    ));
}

/// Same as [`nonfatal_alert`] in the tight `parsing [file:line]:` form.
pub fn nonfatal_alert_tight(cx: &mut Cx<'_>, msg: impl Into<String>) {
    cx.diags
        .push(Diagnostic::new(rampart_config::Level::NonFatalAlert, Some(cx.span()), msg).tight());
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn line(words: &[&str]) -> Line {
        Line {
            span: rampart_config::Span {
                file: rampart_config::FileId(0),
                line: 1,
            },
            modifier: rampart_config::Modifier::None,
            words: words.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn args_view() {
        let l = line(&["kw", "a", "", "b"]);
        let a = Args::new(&l);
        assert_eq!(a.get(1), "a");
        assert_eq!(a.get(9), "");
        assert!(a.empty(2));
        assert_eq!(a.list_from(1).len(), 1);
        assert!(a.too_many(0).is_err());
        // An empty word hides what follows, as in C.
        assert!(a.too_many(1).is_ok());
        assert_eq!(
            a.too_many(2).unwrap_err(),
            "'kw' cannot handle unexpected argument 'b'."
        );
        assert_eq!(
            Args::new(&line(&["stats", "x", "y"]))
                .too_many_idx(0, 1)
                .unwrap_err(),
            "'stats x' cannot handle unexpected argument 'y'."
        );
    }
}
