//! One configuration line → words, with the rules of HAProxy 2.6's `parse_line()`
//! (configuration manual 2.2 and 2.3), as the configuration reader calls it.
//!
//! - Words are separated by unquoted, unescaped white space (`isspace`); a NUL, CR or LF
//!   byte ends the line; an unquoted `#` starts a comment.
//! - `"..."` is weak quoting: `$VAR`, `${VAR}`, `${VAR-default}`, `${VAR[*]}` and the
//!   pseudo-variables `.FILE`, `.LINE`, `.SECTION` are expanded there and only there.
//! - `'...'` is strong quoting: nothing is interpreted inside.
//! - Outside single quotes a backslash escapes `\ `, `\\`, `\#`, `\'`, `\"`, `\$` (inside
//!   double quotes only), `\t`, `\n`, `\r` and `\xNN`; any other `\c` is kept verbatim.
//! - A trailing empty word is dropped (`a ""` is one word, `a "" b` three), and a line may
//!   hold at most [`MAX_LINE_ARGS`] words.
//!
//! Where the manual's quoting matrix and the code disagree (`\<TAB>`, `\$` unquoted), this
//! follows the code, which is what HAProxy really does. Deviations from HAProxy 2.6.12:
//! words must be UTF-8 ([`LexErrorKind::InvalidUtf8`]); expansions may add at most
//! [`EXPANSION_BUDGET`] bytes to a line ([`LexErrorKind::TooLong`]); and `${VAR-default}`
//! works on every line, whereas HAProxy, which overwrites its input while expanding a
//! default and re-parses a line whenever its output buffer must grow (always for the first
//! line of a file), then reports "unmatched brace" and echoes lines cut at that brace.
//!
//! The lexer never panics, runs in time linear in the input plus the expanded values, and
//! stops storing words after the limit, so hostile lines cost no unbounded memory.

use crate::env::Env;
use std::borrow::Cow;
use std::fmt;

/// HAProxy's `MAX_LINE_ARGS`: the most words a line may have.
pub const MAX_LINE_ARGS: usize = 64;

/// How many bytes `${VAR}` expansions may add to one line beyond its own length. HAProxy
/// has no limit besides memory; this one only stops expansion bombs.
pub const EXPANSION_BUDGET: usize = 16 << 20;

/// What the lexer needs besides the bytes: the environment and the pseudo-variables
/// `.FILE`, `.LINE` and `.SECTION`.
pub struct LineCtx<'a> {
    pub env: &'a Env,
    pub file: &'a str,
    pub line: u32,
    pub section: &'a str,
}

/// Why a line could not be split; `pos` is the 0-based byte offset HAProxy points at
/// (counted from the start of the line given, leading blanks included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    pub kind: LexErrorKind,
    pub pos: usize,
    /// `TooManyWords`: the 64th word, which HAProxy quotes (`pos` is then its offset in
    /// HAProxy's output buffer, not in the line). Empty for the other kinds.
    pub detail: String,
    /// `TooManyWords` and `InvalidUtf8`: the 0-based index of the word concerned.
    pub word: usize,
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
    /// Expansions made the line larger than [`EXPANSION_BUDGET`] allows.
    TooLong,
}

/// Which of `parse_line()`'s options apply. The configuration reader uses [`Self::CONFIG`];
/// `-cc` uses [`Self::CHECK_CONDITION`] (no comments, no leading-blank skip).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LexOptions {
    /// `#` starts a comment and `\#` is an escape (`PARSE_OPT_SHARP`).
    pub comments: bool,
    /// Leading blanks are skipped before splitting, as the reader does; without this a
    /// leading blank yields an empty first word, as `parse_line()` itself does.
    pub skip_leading_space: bool,
}

impl LexOptions {
    pub const CONFIG: LexOptions = LexOptions {
        comments: true,
        skip_leading_space: true,
    };
    pub const CHECK_CONDITION: LexOptions = LexOptions {
        comments: false,
        skip_leading_space: false,
    };
}

/// Splits one line (without its line feed) into words, as the configuration reader does.
pub fn split_line(input: &[u8], ctx: &LineCtx<'_>) -> Result<Vec<String>, LexError> {
    split_line_with(input, ctx, LexOptions::CONFIG)
}

/// Splits one line with explicit options (see [`LexOptions`]).
pub fn split_line_with(
    input: &[u8],
    ctx: &LineCtx<'_>,
    opts: LexOptions,
) -> Result<Vec<String>, LexError> {
    split_line_full(input, ctx, opts).map(|s| s.words)
}

/// The words of a line plus what [`SplitLine::rejoin`] needs to rebuild a condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitLine {
    pub words: Vec<String>,
    /// The words as emitted (before the cut at an embedded NUL).
    raw: Vec<Vec<u8>>,
    /// The line ended with an empty word, which HAProxy drops from the words but keeps in
    /// its output buffer.
    trailing_empty: bool,
    /// The first word that was not UTF-8 (HAProxy takes any byte; Rampart keeps such
    /// configurations valid, each invalid byte carried as a private-use character that
    /// [`raw_bytes`] turns back into the byte, and warns with this position).
    pub latin1: Option<LexError>,
}

impl SplitLine {
    /// The text HAProxy evaluates for `.if`/`.elif` (`from` = 1) and `-cc` (`from` = 0):
    /// its output buffer from word `from` on, every word separator turned into one space.
    /// Empty words are kept, including a dropped trailing one (`.if 1 ""` gives `"1 "`),
    /// and a NUL inside a word becomes a space too.
    pub fn rejoin(&self, from: usize) -> String {
        let tail: &[u8] = &[];
        let segments = self.raw.iter().map(Vec::as_slice);
        let segments = segments.chain(self.trailing_empty.then_some(tail));
        let mut out: Vec<u8> = Vec::new();
        for (i, seg) in segments.skip(from).enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            out.extend(seg.iter().map(|&b| if b == 0 { b' ' } else { b }));
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// Splits one line, keeping what [`SplitLine::rejoin`] needs.
pub fn split_line_full(
    input: &[u8],
    ctx: &LineCtx<'_>,
    opts: LexOptions,
) -> Result<SplitLine, LexError> {
    let mut lexer = Lexer::new(input, ctx, opts, None);
    lexer.run_inner()?;
    let raw = std::mem::take(&mut lexer.words);
    let mut words = Vec::with_capacity(raw.len());
    let mut latin1 = None;
    for (index, bytes) in raw.iter().enumerate() {
        // Words are C strings in HAProxy: an embedded NUL (`\x00`) ends the word.
        let visible = c_string(bytes);
        match std::str::from_utf8(visible) {
            Ok(w) => words.push(w.to_owned()),
            Err(e) => {
                if latin1.is_none() {
                    latin1 = Some(LexError {
                        kind: LexErrorKind::InvalidUtf8,
                        pos: locate(input, ctx, opts, index, e.valid_up_to()),
                        detail: String::new(),
                        word: index,
                    });
                }
                words.push(escape_invalid(visible));
            }
        }
    }
    Ok(SplitLine {
        words,
        raw,
        trailing_empty: lexer.trailing_empty,
        latin1,
    })
}

/// The first of the 128 private-use characters (U+10FF80..=U+10FFFF) that stand for
/// the bytes 0x80..=0xFF of a word that is not UTF-8.
const RAW_BASE: u32 = 0x10_FF00;

/// A word that is not UTF-8 as text: its valid sequences kept, each other byte carried
/// as the private-use character `U+10FF00 + byte`.
fn escape_invalid(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for &b in chunk.invalid() {
            out.push(
                char::from_u32(RAW_BASE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER),
            );
        }
    }
    out
}

/// The bytes a configuration word stands for: the word itself, except that the
/// private-use characters standing for bytes that were not UTF-8 become those bytes
/// again (places that take bytes, such as `str()`, use it to see what HAProxy sees).
pub fn raw_bytes(word: &str) -> std::borrow::Cow<'_, [u8]> {
    // U+10FF80..=U+10FFFF are encoded F4 8F BE 80 ..= F4 8F BF BF.
    if !word.as_bytes().contains(&0xf4) {
        return std::borrow::Cow::Borrowed(word.as_bytes());
    }
    let mut out = Vec::with_capacity(word.len());
    for c in word.chars() {
        match u32::from(c).checked_sub(RAW_BASE) {
            Some(b @ 0x80..=0xff) => out.push(b as u8),
            _ => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The input offset that produced byte `offset` of word `word` (re-lexes the line).
fn locate(input: &[u8], ctx: &LineCtx<'_>, opts: LexOptions, word: usize, offset: usize) -> usize {
    let mut lexer = Lexer::new(input, ctx, opts, Some((word, offset)));
    let _ = lexer.run_inner();
    lexer.probe_hit.unwrap_or(0)
}

impl LexError {
    fn at(kind: LexErrorKind, pos: usize) -> Self {
        LexError {
            kind,
            pos,
            detail: String::new(),
            word: 0,
        }
    }

    /// The first line of HAProxy's message, without the line excerpt.
    pub fn headline(&self) -> String {
        let p = self.pos + 1;
        match self.kind {
            LexErrorKind::UnmatchedQuote => format!("unmatched quote at position {p}:"),
            LexErrorKind::UnmatchedBrace => {
                format!("unmatched brace in environment variable name at position {p}:")
            }
            LexErrorKind::BadVarName => {
                format!("forbidden first char in environment variable name at position {p}:")
            }
            LexErrorKind::BadHex => {
                format!("truncated or invalid hexadecimal sequence at position {p}:")
            }
            LexErrorKind::BadExpand => {
                format!("truncated or invalid word expansion sequence at position {p}:")
            }
            LexErrorKind::TooManyWords => format!(
                "too many words, truncating after word {MAX_LINE_ARGS}, position {p}: <{}>.",
                self.detail
            ),
            LexErrorKind::InvalidUtf8 => format!(
                "invalid UTF-8 sequence in word {} at position {p}; its bytes are kept where \
                 a sample reads them (str()), elsewhere read as text:",
                self.word + 1
            ),
            LexErrorKind::TooLong => "line too long, cannot allocate memory.".to_owned(),
        }
    }

    /// HAProxy's complete message for this error on `line` (the same bytes given to
    /// [`split_line`]), without the `parsing [file:line]: ` prefix: the headline, then for
    /// positioned errors the sanitized line (leading blanks skipped) and a caret under the
    /// offending character.
    pub fn render(&self, line: &[u8]) -> String {
        let head = self.headline();
        if matches!(
            self.kind,
            LexErrorKind::TooManyWords | LexErrorKind::TooLong
        ) {
            return head;
        }
        let line = c_string(line);
        let lead = line.iter().take_while(|&&b| is_space(b)).count();
        let shown = &line[lead..];
        let (text, caret) = sanitize_for_printing(shown, self.pos.saturating_sub(lead), 80);
        format!("{head}\n  {text}\n  {:>width$}", "^", width = caret + 1)
    }
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = self.headline();
        f.write_str(head.strip_suffix(':').unwrap_or(&head))
    }
}

impl std::error::Error for LexError {}

/// HAProxy's `sanitize_for_printing()`: an excerpt of `line` of about `width` characters
/// around `pos`, blanks shown as spaces and other unprintable bytes as `?`, with `...`
/// where it was cut. Returns the excerpt and the column of `pos` in it.
pub fn sanitize_for_printing(line: &[u8], pos: usize, width: usize) -> (String, usize) {
    let line = c_string(line);
    let width = width.max(6);
    let mut out = String::new();
    let (start, room, shift) = if pos >= width {
        let shift = pos - width / 2;
        out.push_str("...");
        (shift + 3, width - 6, shift)
    } else {
        (0, width, 0)
    };
    for &b in line.iter().skip(start).take(room) {
        out.push(if is_space(b) {
            ' '
        } else if (0x20..0x7f).contains(&b) {
            char::from(b)
        } else {
            '?'
        });
    }
    if pos >= width {
        out.push_str("...");
    }
    (out, pos - shift)
}

/// C's `isspace()` in the C locale.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The bytes before the first NUL, as C sees a string.
fn c_string(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(n) => &b[..n],
        None => b,
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The state of one `parse_line()` run.
struct Lexer<'i, 'c> {
    input: &'i [u8],
    ctx: &'c LineCtx<'c>,
    opts: LexOptions,
    /// Finished words (only the first [`MAX_LINE_ARGS`] are kept).
    words: Vec<Vec<u8>>,
    /// The word being built.
    cur: Vec<u8>,
    /// Index of the word being built (keeps counting past the limit).
    arg: usize,
    too_many: bool,
    too_long: bool,
    /// Bytes expansions may still add.
    budget: usize,
    /// Input offset of the construct producing the next output byte.
    src: usize,
    /// `(word, offset)` whose source offset [`locate`] wants, and the answer.
    probe: Option<(usize, usize)>,
    probe_hit: Option<usize>,
    /// The line ended on an empty word (see [`SplitLine`]).
    trailing_empty: bool,
}

impl<'i, 'c> Lexer<'i, 'c> {
    fn new(
        input: &'i [u8],
        ctx: &'c LineCtx<'c>,
        opts: LexOptions,
        probe: Option<(usize, usize)>,
    ) -> Self {
        Lexer {
            input,
            ctx,
            opts,
            words: Vec::new(),
            cur: Vec::new(),
            arg: 0,
            too_many: false,
            too_long: false,
            budget: input.len().saturating_add(EXPANSION_BUDGET),
            src: 0,
            probe,
            probe_hit: None,
            trailing_empty: false,
        }
    }

    /// The byte at `i`, NUL past the end (C string semantics).
    fn at(&self, i: usize) -> u8 {
        self.input.get(i).copied().unwrap_or(0)
    }

    fn stopped(&self) -> bool {
        self.too_many || self.too_long
    }

    fn emit(&mut self, b: u8) {
        if self.stopped() {
            return;
        }
        if let Some((w, off)) = self.probe {
            if self.probe_hit.is_none() && self.words.len() == w && self.cur.len() == off {
                self.probe_hit = Some(self.src);
            }
        }
        self.cur.push(b);
    }

    /// Ends the current word and starts the next one.
    fn separate(&mut self) {
        if !self.stopped() {
            self.words.push(std::mem::take(&mut self.cur));
        }
        self.arg = self.arg.saturating_add(1);
        if self.arg >= MAX_LINE_ARGS {
            self.too_many = true;
        }
    }

    fn run_inner(&mut self) -> Result<(), LexError> {
        let mut i = 0;
        if self.opts.skip_leading_space {
            while is_space(self.at(i)) {
                i += 1;
            }
        }
        let (mut squote, mut dquote) = (false, false);
        let mut quote: Option<usize> = None;
        loop {
            let c = self.at(i);
            self.src = i;
            match c {
                0 | b'\n' | b'\r' => break,
                b'#' if self.opts.comments && !squote && !dquote => break,
                b'"' if !squote => {
                    dquote = !dquote;
                    quote = dquote.then_some(i);
                    i += 1;
                }
                b'\'' if !dquote => {
                    squote = !squote;
                    quote = squote.then_some(i);
                    i += 1;
                }
                b'\\' if !squote => i = self.escape(i, dquote)?,
                c if is_space(c) && !squote && !dquote => {
                    while is_space(self.at(i)) {
                        i += 1;
                    }
                    self.separate();
                }
                b'$' if dquote => i = self.expand(i)?,
                c => {
                    self.emit(c);
                    i += 1;
                }
            }
        }
        if let Some(q) = quote {
            return Err(LexError::at(LexErrorKind::UnmatchedQuote, q));
        }
        if self.too_long {
            return Err(LexError::at(LexErrorKind::TooLong, i));
        }
        if self.too_many {
            return Err(self.too_many_error());
        }
        // The last word counts only when it is not empty.
        self.trailing_empty = self.cur.is_empty();
        if !self.cur.is_empty() {
            self.words.push(std::mem::take(&mut self.cur));
        }
        Ok(())
    }

    /// HAProxy quotes the 64th word and its 1-based offset in its output buffer, where
    /// each word is followed by a NUL.
    fn too_many_error(&self) -> LexError {
        let last = MAX_LINE_ARGS - 1;
        let offset: usize = self.words.iter().take(last).map(|w| w.len() + 1).sum();
        let word = self.words.get(last).map_or(&[][..], |w| c_string(w));
        LexError {
            kind: LexErrorKind::TooManyWords,
            pos: offset,
            detail: String::from_utf8_lossy(word).into_owned(),
            word: last,
        }
    }

    /// A backslash at `i` (outside single quotes); returns the next input offset.
    fn escape(&mut self, i: usize, dquote: bool) -> Result<usize, LexError> {
        let next = self.at(i + 1);
        let (out, len) = match next {
            b' ' | b'\\' | b'\'' | b'"' => (next, 2),
            b't' => (b'\t', 2),
            b'n' => (b'\n', 2),
            b'r' => (b'\r', 2),
            b'#' if self.opts.comments => (b'#', 2),
            b'$' if dquote => (b'$', 2),
            b'x' => match (hex_value(self.at(i + 2)), hex_value(self.at(i + 3))) {
                (Some(h), Some(l)) => ((h << 4) | l, 4),
                _ => return Err(LexError::at(LexErrorKind::BadHex, i)),
            },
            // Not an escape sequence: the backslash stays, the next byte is read normally.
            _ => (b'\\', 1),
        };
        self.emit(out);
        Ok(i + len)
    }

    /// A `$` at `i` inside double quotes; returns the next input offset.
    fn expand(&mut self, dollar: usize) -> Result<usize, LexError> {
        let (input, ctx) = (self.input, self.ctx);
        let mut i = dollar + 1;
        let brace = if self.at(i) == b'{' {
            i += 1;
            Some(i - 1)
        } else {
            None
        };
        let first = self.at(i);
        if !(first.is_ascii_alphabetic() || first == b'_' || first == b'.') {
            return Err(LexError::at(LexErrorKind::BadVarName, i));
        }
        let name_start = i;
        if first == b'.' {
            i += 1;
        }
        while self.at(i).is_ascii_alphanumeric() || self.at(i) == b'_' {
            i += 1;
        }
        let name = input.get(name_start..i).unwrap_or_default();
        let mut value: Option<Cow<'_, [u8]>> = if first == b'.' {
            match name {
                b".LINE" => Some(Cow::Owned(ctx.line.to_string().into_bytes())),
                b".FILE" => Some(Cow::Borrowed(ctx.file.as_bytes())),
                b".SECTION" => Some(Cow::Borrowed(ctx.section.as_bytes())),
                _ => return Err(LexError::at(LexErrorKind::BadVarName, name_start)),
            }
        } else {
            // The name is ASCII (letters, digits, '_'), so this conversion cannot fail.
            std::str::from_utf8(name)
                .ok()
                .and_then(|n| ctx.env.get(n))
                .map(|v| Cow::Borrowed(v.as_bytes()))
        };

        let mut word_expand = false;
        if self.at(i) == b'[' && brace.is_some() {
            let open = i;
            if self.at(i + 1) != b'*' || self.at(i + 2) != b']' {
                return Err(LexError::at(LexErrorKind::BadExpand, open));
            }
            i += 3;
            word_expand = true;
        }

        if let Some(brace) = brace {
            if self.at(i) == b'-' {
                let default_start = i + 1;
                while self.at(i) != 0 && self.at(i) != b'}' {
                    i += 1;
                }
                if self.at(i) == 0 {
                    return Err(LexError::at(LexErrorKind::UnmatchedBrace, brace));
                }
                if value.is_none() {
                    let default = input.get(default_start..i).unwrap_or_default();
                    value = Some(Cow::Borrowed(default));
                }
            } else if self.at(i) != b'}' {
                return Err(LexError::at(LexErrorKind::UnmatchedBrace, brace));
            }
            i += 1;
        }

        if let Some(value) = value {
            self.insert(&value, word_expand, dollar);
        }
        Ok(i)
    }

    /// Emits an expanded value; with `word_expand`, blanks in it separate words.
    fn insert(&mut self, value: &[u8], word_expand: bool, src: usize) {
        if self.stopped() {
            return;
        }
        if value.len() > self.budget {
            self.too_long = true;
            return;
        }
        self.budget -= value.len();
        self.src = src;
        let mut k = 0;
        while k < value.len() && !self.stopped() {
            let b = value[k];
            if word_expand && is_space(b) {
                self.separate();
                while k < value.len() && is_space(value[k]) {
                    k += 1;
                }
            } else {
                self.emit(b);
                k += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests;
