//! Regular expressions as HAProxy 2.6 uses them (PCRE2 without UTF mode): ACL `-m reg`
//! and `-m regm`, `map_reg`/`map_regm`, the `regsub` converter, and HAProxy's
//! replacement syntax (`\1`..`\9`, `\xHH`).
//!
//! A pattern is compiled with the `regex` crate (linear time) whenever it can be, and with
//! `fancy-regex` (backtracking) only when it needs what PCRE has and `regex` lacks:
//! back-references, look-around, atomic groups, possessive quantifiers. Both run on bytes
//! with ASCII classes and ASCII case folding, as PCRE2 does without `PCRE2_UTF`: a
//! non-ASCII byte in the pattern is one byte, never part of a character.
//!
//! Known differences with PCRE2: `$` matches only at the very end (PCRE2 also matches
//! before a final newline, which header values cannot contain), and `\p{..}` classes are
//! refused.

use std::fmt::Write as _;

/// HAProxy's `MAX_MATCH`: the whole match and nine groups are available to replacements.
pub const MAX_MATCH: usize = 10;

/// A compiled regular expression.
#[derive(Debug)]
pub struct Regex {
    source: String,
    icase: bool,
    engine: Engine,
    /// The pattern holds `^` or `\A`: a search resumed after a previous match (`regsub`
    /// with `g`) must see the whole subject so that they do not match there again, as
    /// PCRE2's `NOTBOL` ensures.
    start_anchor: bool,
}

/// Two regexes are the same argument only when they are the same compiled object.
impl PartialEq for Regex {
    fn eq(&self, other: &Regex) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Regex {}

#[derive(Debug)]
enum Engine {
    Linear(regex::bytes::Regex),
    Backtrack(Box<fancy_regex::Regex>),
}

/// The positions of a match and of its first nine groups (HAProxy's `regmatch_t`
/// array); `None` for a group that did not participate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Groups(pub [Option<(usize, usize)>; MAX_MATCH]);

impl Groups {
    pub fn get(&self, i: usize) -> Option<(usize, usize)> {
        self.0.get(i).copied().flatten()
    }

    /// Moves every position by `by` bytes (a match found in a sub-slice).
    fn shift(&mut self, by: usize) {
        for (s, e) in self.0.iter_mut().flatten() {
            *s += by;
            *e += by;
        }
    }
}

impl Regex {
    /// Compiles `pattern`; `icase` is HAProxy's `-i` (`PCRE2_CASELESS`). The error reads as
    /// HAProxy's: `regex '...' is invalid (error=..., erroffset=N)`.
    pub fn new(pattern: &str, icase: bool) -> Result<Regex, String> {
        Regex::from_bytes(pattern.as_bytes(), icase)
    }

    /// As [`Regex::new`], for a pattern read from a file (any bytes).
    pub fn from_bytes(pattern: &[u8], icase: bool) -> Result<Regex, String> {
        let source = String::from_utf8_lossy(pattern).into_owned();
        let tr = translate(pattern);
        if let Some(at) = tr.double_quantifier {
            return Err(format!(
                "regex '{source}' is invalid (error=quantifier does not follow a repeatable item, erroffset={at})"
            ));
        }
        let linear = (!tr.possessive).then(|| {
            regex::bytes::RegexBuilder::new(&tr.text)
                .unicode(false)
                .case_insensitive(icase)
                .build()
        });
        let engine = match linear {
            Some(Ok(re)) => Engine::Linear(re),
            _ => {
                // Only what the linear engine lacks goes to the backtracking one; any
                // other mistake is reported as such.
                if !tr.possessive && !needs_backtracking(&tr.text) {
                    return Err(invalid(&source, &tr, None));
                }
                let fancy = fancy_regex::RegexBuilder::new(&tr.text)
                    .bytes_mode(fancy_regex::BytesMode::Ascii)
                    .case_insensitive(icase)
                    .build();
                match fancy {
                    Ok(re) => Engine::Backtrack(Box::new(re)),
                    Err(e) => return Err(invalid(&source, &tr, Some(&e))),
                }
            }
        };
        Ok(Regex {
            source,
            icase,
            engine,
            start_anchor: tr.start_anchor,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub fn ignores_case(&self) -> bool {
        self.icase
    }

    /// Whether the backtracking engine was needed.
    pub fn is_backtracking(&self) -> bool {
        matches!(self.engine, Engine::Backtrack(_))
    }

    /// Whether the pattern matches anywhere in `subject` (`regex_exec2`). A backtracking
    /// pattern that exceeds its step limit does not match, as with PCRE2's match limit.
    pub fn is_match(&self, subject: &[u8]) -> bool {
        match &self.engine {
            Engine::Linear(re) => re.is_match(subject),
            Engine::Backtrack(re) => re.is_match(subject).unwrap_or(false),
        }
    }

    /// The first match in `subject` with its groups (`regex_exec_match2`).
    pub fn captures(&self, subject: &[u8], groups: &mut Groups) -> bool {
        self.captures_from(subject, 0, groups)
    }

    /// The first match in `subject[start..]`, searched as PCRE2 searches that slice with
    /// `NOTBOL` when `start > 0`: `^` does not match at `start`. Positions are relative
    /// to `subject`.
    pub fn captures_from(&self, subject: &[u8], start: usize, groups: &mut Groups) -> bool {
        *groups = Groups::default();
        let start = start.min(subject.len());
        // Without a start anchor the slice is searched on its own (`\b` and look-behind
        // see no previous byte, as PCRE2 is given the slice); with one, the whole subject
        // from `start`, so `^` cannot match there.
        let (hay, at) = if start > 0 && !self.start_anchor {
            (&subject[start..], 0)
        } else {
            (subject, start)
        };
        let found = match &self.engine {
            Engine::Linear(re) => {
                let mut locs = re.capture_locations();
                if re.captures_read_at(&mut locs, hay, at).is_none() {
                    return false;
                }
                for (i, slot) in groups.0.iter_mut().enumerate() {
                    *slot = locs.get(i);
                }
                true
            }
            Engine::Backtrack(re) => match re.captures_from_pos(hay, at) {
                Ok(Some(caps)) => {
                    for (i, slot) in groups.0.iter_mut().enumerate() {
                        *slot = caps.get(i).map(|m| (m.start(), m.end()));
                    }
                    true
                }
                _ => false,
            },
        };
        if found && !std::ptr::eq(hay, subject) {
            groups.shift(start);
        }
        found
    }
}

/// The pattern rewritten for the Rust engines.
struct Translated {
    text: String,
    /// For each byte of `text`, the offset in the original pattern it came from.
    origin: Vec<usize>,
    start_anchor: bool,
    /// A possessive quantifier (`a*+`): PCRE's, which `regex` would read as `(a*)+`.
    possessive: bool,
    /// Where a quantifier follows another one (`x**`), which PCRE2 refuses.
    double_quantifier: Option<usize>,
}

/// Rewrites PCRE2 syntax that the Rust engines read differently: a `{` that does not
/// open a valid quantifier is a literal for PCRE2 (`a{,3}`, `/{id}`), and a non-ASCII
/// byte is a byte (`\xHH`). Also notes whether `^` or `\A` appears outside a class.
fn translate(p: &[u8]) -> Translated {
    let mut out = Translated {
        text: String::with_capacity(p.len()),
        origin: Vec::with_capacity(p.len()),
        start_anchor: false,
        possessive: false,
        double_quantifier: None,
    };
    let push = |out: &mut Translated, s: &str, from: usize| {
        out.text.push_str(s);
        out.origin.extend(std::iter::repeat_n(from, s.len()));
    };
    let byte = |out: &mut Translated, c: u8, from: usize| {
        if c.is_ascii() {
            push(out, &(c as char).to_string(), from);
        } else {
            let mut s = String::new();
            let _ = write!(s, "\\x{c:02X}");
            push(out, &s, from);
        }
    };
    let mut i = 0;
    let mut class = false;
    let mut class_start = 0;
    // What the previous item was, to spot `a*+` and `x**`: 0 an atom, 1 a quantifier,
    // 2 a quantifier already followed by its `?` or `+` modifier.
    let mut after = 0u8;
    while i < p.len() {
        let c = p[i];
        if !class {
            let quant_len = match c {
                b'*' | b'+' | b'?' => 1,
                b'{' if is_quantifier(&p[i..]) => {
                    p[i..].iter().position(|&x| x == b'}').map_or(1, |e| e + 1)
                }
                _ => 0,
            };
            if quant_len > 1 {
                // A counted quantifier, copied whole.
                match after {
                    1 | 2 => {
                        out.double_quantifier.get_or_insert(i);
                    }
                    _ => {}
                }
                after = 1;
                for k in 0..quant_len {
                    byte(&mut out, p[i + k], i + k);
                }
                i += quant_len;
                continue;
            }
            if quant_len > 0 {
                match after {
                    1 if c == b'?' => after = 2,
                    1 if c == b'+' => {
                        out.possessive = true;
                        after = 2;
                    }
                    1 | 2 => {
                        out.double_quantifier.get_or_insert(i);
                        after = 1;
                    }
                    _ => after = 1,
                }
            } else {
                after = 0;
            }
        }
        if c == b'\\' {
            match p.get(i + 1) {
                None => {
                    push(&mut out, "\\", i);
                    i += 1;
                }
                Some(&n) if !n.is_ascii() => {
                    // An escaped non-ASCII byte is that byte.
                    byte(&mut out, n, i);
                    i += 2;
                }
                Some(&n) => {
                    if n == b'A' && !class {
                        out.start_anchor = true;
                    }
                    push(&mut out, "\\", i);
                    byte(&mut out, n, i + 1);
                    i += 2;
                }
            }
            continue;
        }
        if class {
            if c == b'[' && p.get(i + 1) == Some(&b':') {
                // A POSIX class `[:name:]` inside a class.
                if let Some(end) = find(&p[i + 2..], b":]") {
                    for (k, &b) in p[i..i + 2 + end + 2].iter().enumerate() {
                        byte(&mut out, b, i + k);
                    }
                    i += 2 + end + 2;
                    continue;
                }
            }
            if c == b']' && i > class_start {
                class = false;
            }
            byte(&mut out, c, i);
            i += 1;
            continue;
        }
        match c {
            b'[' => {
                class = true;
                byte(&mut out, c, i);
                i += 1;
                if p.get(i) == Some(&b'^') {
                    byte(&mut out, b'^', i);
                    i += 1;
                }
                // A `]` right after the opening is a literal member.
                class_start = i + usize::from(p.get(i) == Some(&b']'));
                continue;
            }
            b'^' => out.start_anchor = true,
            b'{' if !is_quantifier(&p[i..]) => {
                push(&mut out, "\\{", i);
                i += 1;
                continue;
            }
            _ => {}
        }
        byte(&mut out, c, i);
        i += 1;
    }
    out
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// `{n}`, `{n,}` or `{n,m}` (PCRE2 10.42 reads anything else as literal text).
fn is_quantifier(s: &[u8]) -> bool {
    let Some(end) = s.iter().position(|&c| c == b'}') else {
        return false;
    };
    let inner = &s[1..end];
    let (a, b) = match inner.iter().position(|&c| c == b',') {
        Some(k) => (&inner[..k], Some(&inner[k + 1..])),
        None => (inner, None),
    };
    let digits = |x: &[u8]| x.iter().all(u8::is_ascii_digit);
    !a.is_empty() && digits(a) && b.is_none_or(digits)
}

/// Whether the linear engine refused `text` for a PCRE feature it lacks
/// (back-references, look-around, `(?>..)`, `\K`...), rather than for a mistake.
fn needs_backtracking(text: &str) -> bool {
    use regex_syntax::ast::ErrorKind as K;
    match regex_syntax::ast::parse::Parser::new().parse(text) {
        Err(e) => matches!(
            e.kind(),
            K::UnsupportedBackreference
                | K::UnsupportedLookAround
                | K::FlagUnrecognized
                | K::EscapeUnrecognized
        ),
        Ok(_) => false,
    }
}

/// HAProxy's message for a pattern neither engine accepts, with PCRE2's wording for
/// the common mistakes.
fn invalid(source: &str, tr: &Translated, fancy: Option<&fancy_regex::Error>) -> String {
    let (msg, off) = describe(tr, fancy);
    format!("regex '{source}' is invalid (error={msg}, erroffset={off})")
}

fn describe(tr: &Translated, fancy: Option<&fancy_regex::Error>) -> (String, usize) {
    use regex_syntax::ast::ErrorKind as K;
    let len = tr.origin.last().map_or(0, |&o| o + 1);
    let orig = |at: usize| tr.origin.get(at).copied().unwrap_or(len);
    let syntax = regex_syntax::ast::parse::Parser::new().parse(&tr.text);
    if let Err(e) = syntax {
        let span = e.span();
        let (start, end) = (orig(span.start.offset), orig(span.end.offset));
        let found = match e.kind() {
            K::GroupUnclosed => Some(("missing closing parenthesis", len)),
            K::GroupUnopened => Some(("unmatched closing parenthesis", start)),
            K::ClassUnclosed => Some(("missing terminating ] for character class", len)),
            K::RepetitionMissing => Some(("quantifier does not follow a repeatable item", start)),
            K::RepetitionCountInvalid => Some((
                "numbers out of order in {} quantifier",
                end.saturating_sub(1),
            )),
            K::ClassRangeInvalid => Some((
                "range out of order in character class",
                end.saturating_sub(1),
            )),
            K::EscapeUnexpectedEof => Some(("\\ at end of pattern", len)),
            K::UnsupportedBackreference | K::UnsupportedLookAround => None,
            _ => Some(("", start)),
        };
        if let Some((m, off)) = found {
            let m = if m.is_empty() {
                e.kind().to_string()
            } else {
                m.to_string()
            };
            return (m, off);
        }
    }
    use fancy_regex::{CompileError as C, Error as F, ParseError as P};
    let Some(fancy) = fancy else {
        // The syntax was fine but the pattern could not be built (too large...).
        let msg = regex::bytes::Regex::new(&tr.text)
            .err()
            .map_or_else(|| "invalid pattern".to_string(), |e| e.to_string());
        return (msg.lines().last().unwrap_or_default().trim().to_string(), 0);
    };
    match fancy {
        F::CompileError(c) => match c.as_ref() {
            C::LookBehindNotConst | C::VariableLookBehindRequiresFeature => {
                ("lookbehind assertion is not fixed length".into(), 0)
            }
            C::InvalidBackref(_) => ("reference to non-existent subpattern".into(), len),
            other => (other.to_string(), 0),
        },
        F::ParseError(at, P::InvalidBackref) => {
            ("reference to non-existent subpattern".into(), orig(*at))
        }
        F::ParseError(at, p) => (p.to_string(), orig(*at)),
        other => (other.to_string(), 0),
    }
}

/// A replacement did not fit in the room it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow;

/// HAProxy's `exp_replace`: appends `template` to `out` with `\N` (N a digit) replaced by
/// group N of the match in `subject` (nothing when the group did not participate),
/// `\xHH` by that byte and `\c` by `c`. Fails when the result would not fit in `room`
/// bytes (HAProxy keeps one for the final NUL) or the template ends with a lone `\`.
pub fn replace(
    out: &mut Vec<u8>,
    room: usize,
    subject: &[u8],
    template: &[u8],
    groups: &Groups,
) -> Result<(), Overflow> {
    let limit = out.len() + room;
    let mut t = template.iter().copied().peekable();
    while let Some(c) = t.next() {
        if c != b'\\' {
            if out.len() >= limit {
                return Err(Overflow);
            }
            out.push(c);
            continue;
        }
        let Some(n) = t.next() else {
            return Err(Overflow);
        };
        if n.is_ascii_digit() {
            if let Some((s, e)) = groups.get(usize::from(n - b'0')) {
                let part = subject.get(s..e).unwrap_or_default();
                if out.len() + part.len() >= limit {
                    return Err(Overflow);
                }
                out.extend_from_slice(part);
            }
        } else if n == b'x' {
            // HAProxy's arithmetic, including on bytes that are not hex digits.
            let (Some(h1), Some(h2)) = (t.next(), t.next()) else {
                return Err(Overflow);
            };
            let nib = |h: u8| {
                let v = h.to_ascii_uppercase().wrapping_sub(b'0');
                if v > 9 {
                    v.wrapping_sub(b'A' - b'9' - 1)
                } else {
                    v
                }
            };
            if out.len() >= limit {
                return Err(Overflow);
            }
            out.push((nib(h1) << 4).wrapping_add(nib(h2)));
        } else {
            if out.len() >= limit {
                return Err(Overflow);
            }
            out.push(n);
        }
    }
    if out.len() >= limit {
        return Err(Overflow);
    }
    Ok(())
}

/// The `regsub` converter's loop: replaces the first match of `re` in `subject` (every
/// match with `global`) by `template`, with HAProxy's rules: after an empty match the
/// next byte is copied and the search moves past it, and the result is bounded to
/// `bufsize` bytes (the part of a replacement that does not fit is dropped).
pub fn regsub(
    subject: &[u8],
    re: &Regex,
    template: &[u8],
    global: bool,
    bufsize: usize,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(subject.len().min(bufsize));
    let mut start = 0usize;
    let mut first = true;
    let mut groups = Groups::default();
    let mut repl = Vec::new();
    loop {
        let found = (global || first) && re.captures_from(subject, start, &mut groups);
        let (so, eo) = match groups.get(0) {
            Some(m) if found => m,
            _ => (subject.len(), subject.len()),
        };
        let room = bufsize.saturating_sub(out.len());
        let head = &subject[start..so.max(start)];
        out.extend_from_slice(&head[..head.len().min(room)]);
        if !found {
            break;
        }
        repl.clear();
        // An overflowing replacement contributes what fitted, as HAProxy copies the part
        // of its output buffer that was written.
        let _ = replace(&mut repl, bufsize, subject, template, &groups);
        let room = bufsize.saturating_sub(out.len());
        out.extend_from_slice(&repl[..repl.len().min(room)]);
        if start >= subject.len() {
            break;
        }
        let mut next = eo;
        if eo == start {
            // An empty match at the current position: keep the byte and step over it.
            if out.len() < bufsize {
                out.push(subject[start]);
            }
            next += 1;
        }
        start = next;
        first = false;
    }
    out
}

#[cfg(test)]
mod tests;
