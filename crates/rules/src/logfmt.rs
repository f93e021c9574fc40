//! Log-format templates (manual 8.2.4), as `set-header`, `return lf-string`, dynamic
//! `use_backend` and (later) log lines use them: literal text, `%%`, sample
//! expressions `%[expr]` and variables `%ci`, each optionally preceded by options
//! `%{+Q,-X}`. Parsed once, as HAProxy's `parse_logformat_string` does, into a list of
//! nodes; rendered into a caller's buffer.

use crate::conv::Cx;
use crate::expr::{End, Expr};
use crate::fetch::place::Ckp;
use crate::pattern::LoadCx;
use crate::sample::{SmpType, Value};
use crate::stream::{Iter, Stream};

mod vars;
pub use vars::{date_ms, FinState, LogRec, TermErr, Var, TABLE as VARIABLES};

/// Node options (`LOG_OPT_*` set with `%{+X}`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Opts(u8);

impl Opts {
    pub const MANDATORY: u8 = 1;
    pub const QUOTE: u8 = 2;
    pub const HEXA: u8 = 4;
    pub const ESC: u8 = 8;

    pub fn has(self, o: u8) -> bool {
        self.0 & o != 0
    }

    /// `+Q,-X,…` applied to `base`; unknown names are skipped as HAProxy skips them.
    fn parse(s: &str, base: Opts) -> Opts {
        let mut o = base.0;
        for part in s.split(',') {
            let (add, name) = match part.as_bytes().first() {
                Some(b'+') => (true, &part[1..]),
                Some(b'-') => (false, &part[1..]),
                _ => continue,
            };
            let bit = match name {
                "M" => Self::MANDATORY,
                "Q" => Self::QUOTE,
                "X" => Self::HEXA,
                "E" => Self::ESC,
                _ => continue,
            };
            if add {
                o |= bit;
            } else {
                o &= !bit;
            }
        }
        Opts(o)
    }
}

/// One element of a template.
#[derive(Debug)]
pub enum Node {
    Text(String),
    /// A run of spaces merged into one (log lines only).
    Separator,
    Expr(Expr, Opts),
    Var(Var, Opts),
}

/// A compiled template.
#[derive(Debug, Default)]
pub struct LogFormat {
    pub nodes: Vec<Node>,
}

/// How a template is parsed and rendered.
#[derive(Clone, Copy, Debug)]
pub struct Mode {
    /// Header values and HTTP payloads (`LOG_OPT_HTTP`): samples are written with
    /// control characters %-encoded, a missing sample is empty.
    pub http: bool,
    /// Log lines (`LOG_OPT_MERGE_SPACES`): runs of spaces become one separator.
    pub merge_spaces: bool,
    /// The proxy is in `mode http` (HTTP-only variables are allowed).
    pub proxy_http: bool,
    /// Where the template is evaluated, to check what its fetches need.
    pub place: Ckp,
}

impl LogFormat {
    /// Parses `fmt`, with HAProxy's messages.
    pub fn parse(fmt: &str, mode: Mode) -> Result<LogFormat, String> {
        LogFormat::parse_loading(fmt, mode, None)
    }

    /// [`LogFormat::parse`], loading the files of `map*` converters through `load`.
    pub fn parse_loading(
        fmt: &str,
        mode: Mode,
        load: Option<&mut LoadCx<'_>>,
    ) -> Result<LogFormat, String> {
        match load {
            Some(cx) => {
                let mut f =
                    |name: &str, args: &mut [crate::args::Arg]| crate::expr::load(name, args, cx);
                LogFormat::parse_with(fmt, mode, Some(&mut f))
            }
            None => LogFormat::parse_with(fmt, mode, None),
        }
    }

    /// [`LogFormat::parse`], with `load` called on every `map*` converter's arguments.
    pub fn parse_with(
        fmt: &str,
        mode: Mode,
        mut load: Option<&mut crate::expr::ConvLoader<'_>>,
    ) -> Result<LogFormat, String> {
        let mut nodes = Vec::new();
        let b = fmt.as_bytes();
        // Log lines write `-` for what is missing unless told otherwise (`%{-M}o`...).
        let mut defopts = if mode.merge_spaces && !mode.http {
            Opts(Opts::MANDATORY)
        } else {
            Opts::default()
        };
        let mut text = String::new();
        let mut i = 0;
        let flush = |text: &mut String, nodes: &mut Vec<Node>| {
            if !text.is_empty() {
                nodes.push(Node::Text(std::mem::take(text)));
            }
        };
        while i < b.len() {
            let c = b[i];
            if c == b' ' && mode.merge_spaces {
                flush(&mut text, &mut nodes);
                while i < b.len() && b[i] == b' ' {
                    i += 1;
                }
                nodes.push(Node::Separator);
                continue;
            }
            if c != b'%' {
                let start = i;
                while i < b.len() && b[i] != b'%' && !(b[i] == b' ' && mode.merge_spaces) {
                    i += 1;
                }
                text.push_str(&fmt[start..i]);
                continue;
            }
            // A '%'.
            i += 1;
            let Some(&n) = b.get(i) else {
                return Err("truncated line after '%'".into());
            };
            if n == b'%' {
                text.push('%');
                i += 1;
                continue;
            }
            if n.is_ascii_digit() || n == b' ' || n == b'\t' {
                return Err(format!(
                    "unexpected variable name near '{}' at position {i} line : '{fmt}'. Maybe you want to write a single '%', use the syntax '%%'",
                    n as char
                ));
            }
            let mut opts = defopts;
            let mut had_args = false;
            if n == b'{' {
                let Some(close) = fmt[i + 1..].find('}') else {
                    return Err(format!("truncated line after '{}'", &fmt[i + 1..]));
                };
                let args = &fmt[i + 1..i + 1 + close];
                opts = Opts::parse(args, defopts);
                i += close + 2;
                had_args = true;
                match b.get(i) {
                    Some(c) if *c == b'[' || c.is_ascii_alphanumeric() => {}
                    _ => {
                        return Err(format!(
                            "parse argument modifier without variable name near '%{{{args}}}'"
                        ))
                    }
                }
            }
            match b.get(i) {
                Some(b'[') => {
                    flush(&mut text, &mut nodes);
                    let inner = &fmt[i + 1..];
                    let mut idx = 0;
                    let (expr, used) =
                        Expr::parse_with(&[inner], &mut idx, End::Embedded, load.as_deref_mut())
                            .map_err(|e| {
                                format!("failed to parse sample expression <{inner}> : {e}")
                            })?;
                    match inner.as_bytes().get(used) {
                        Some(b']') => {}
                        Some(c) if c.is_ascii_graphic() || *c == b' ' => {
                            return Err(format!(
                                "expected ']' after '{}', but found '{}'",
                                &inner[..used],
                                *c as char
                            ))
                        }
                        _ => return Err(format!("missing ']' after '{}'", &inner[..used])),
                    }
                    if !expr.fetch.uses.valid_at().contains(mode.place) {
                        // HAProxy names the expression by the rest of the format.
                        return Err(format!(
                            "sample fetch <{inner}> may not be reliably used here because it needs '{}' which is not available here",
                            expr.fetch.uses.names()
                        ));
                    }
                    nodes.push(Node::Expr(expr, opts));
                    i += 1 + used + 1;
                }
                Some(c) if c.is_ascii_alphabetic() || (had_args && c.is_ascii_digit()) => {
                    flush(&mut text, &mut nodes);
                    let start = i;
                    while i < b.len() && b[i].is_ascii_alphanumeric() {
                        i += 1;
                    }
                    let name = &fmt[start..i];
                    let Some((v, http_only)) = Var::from_name(name) else {
                        return Err(format!(
                            "no such format variable '{name}'. If you wanted to emit the '%' character verbatim, you need to use '%%'"
                        ));
                    };
                    if !mode.proxy_http && http_only {
                        return Err(format!(
                            "format variable '{name}' is reserved for HTTP mode"
                        ));
                    }
                    if v == Var::Global {
                        defopts = opts;
                    } else {
                        nodes.push(Node::Var(v, opts));
                    }
                }
                _ => {
                    // '%' followed by another character: the '%' is dropped and the
                    // character starts new text, as in HAProxy's state machine.
                }
            }
        }
        flush(&mut text, &mut nodes);
        Ok(LogFormat { nodes })
    }

    /// Calls `f` on every sample expression of the template, in order (the model
    /// resolves their arguments naming proxies, servers and user lists).
    pub fn exprs_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        for n in &mut self.nodes {
            if let Node::Expr(e, _) = n {
                f(e);
            }
        }
    }

    /// True when the template is only literal text.
    pub fn is_const(&self) -> bool {
        self.nodes.iter().all(|n| matches!(n, Node::Text(_)))
    }

    /// Renders for HTTP use (header values, reply bodies): samples cast to strings
    /// with control characters %-encoded (`http_encode_map`), a missing sample empty,
    /// `%` variables as the stream knows them.
    pub fn render_http(&self, s: &Stream<'_>, cx: &Cx, out: &mut Vec<u8>) {
        for n in &self.nodes {
            match n {
                Node::Text(t) => out.extend_from_slice(t.as_bytes()),
                Node::Separator => out.push(b' '),
                Node::Expr(e, _) => {
                    let v = e.eval(s, &mut Iter::single(), cx);
                    if let Some(Value::Str(b)) = v.and_then(|v| v.cast(SmpType::Str)) {
                        http_encode(&b, out);
                    }
                }
                Node::Var(v, o) => render_var(s, *v, *o, out),
            }
        }
    }

    /// Renders without `LOG_OPT_HTTP` (`set-var-fmt`): samples cast to strings written
    /// up to their first NUL byte (`lf_text_len`), quoted with `+Q`, with `"`, `\` and
    /// `]` escaped by a backslash with `+E`; a missing sample is `-` with `+M` (unless
    /// quoted: `""`), nothing otherwise.
    pub fn render_text(&self, s: &Stream<'_>, cx: &Cx, out: &mut Vec<u8>) {
        for n in &self.nodes {
            match n {
                Node::Text(t) => out.extend_from_slice(t.as_bytes()),
                Node::Separator => out.push(b' '),
                Node::Expr(e, o) => expr_text(e, *o, s, cx, out),
                Node::Var(v, o) => render_var(s, *v, *o, out),
            }
        }
    }

    /// Renders a log line (`sess_build_logline`): separators written once between
    /// non-empty runs, samples as text (`-` when missing), variables from `rec` and
    /// the stream's environment; `http_be` tells how `%Td` counts. The line is cut at
    /// `max` bytes.
    pub fn render_log(
        &self,
        s: &Stream<'_>,
        cx: &Cx,
        rec: &LogRec,
        http_be: bool,
        max: usize,
        out: &mut Vec<u8>,
    ) {
        let start = out.len();
        let mut last_space = true;
        for n in &self.nodes {
            match n {
                Node::Separator => {
                    if !last_space {
                        out.push(b' ');
                        last_space = true;
                    }
                    continue;
                }
                Node::Text(t) => out.extend_from_slice(t.as_bytes()),
                Node::Expr(e, o) => expr_text(e, *o, s, cx, out),
                Node::Var(v, o) => {
                    // Capture lists of a frontend without captures write nothing and
                    // leave the separator pending, as in HAProxy.
                    if !rec.render(*v, *o, s.env, http_be, out) {
                        continue;
                    }
                }
            }
            last_space = false;
            if out.len() - start >= max {
                break;
            }
        }
        out.truncate(start + max);
    }
}

/// A sample written as text (`lf_text_len`): `-` when missing and mandatory.
fn expr_text(e: &Expr, o: Opts, s: &Stream<'_>, cx: &Cx, out: &mut Vec<u8>) {
    match e
        .eval(s, &mut Iter::single(), cx)
        .and_then(|v| v.cast(SmpType::Str))
    {
        Some(Value::Str(b)) => vars::text(Some(&b), o, out),
        _ => vars::text(None, o, out),
    }
}

/// A `%` variable outside a log line (header values, replies, `set-var-fmt`): rendered
/// as the log line would render it at this point of the stream, from what the
/// stream's environment records (nothing recorded: times unknown, counts zero).
fn render_var(s: &Stream<'_>, v: Var, o: Opts, out: &mut Vec<u8>) {
    match s.env.log_rec() {
        Some(rec) => {
            rec.render(v, o, s.env, true, out);
        }
        None => {
            LogRec::default().render(v, o, s.env, true, out);
        }
    }
}

/// Writes `b` up to its first NUL byte (HAProxy's `lf_encode_chunk` stops there),
/// %-encoding bytes 0x01–0x08, 0x0a–0x1f and 0x7f.
fn http_encode(b: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &c in b.iter().take_while(|&&c| c != 0) {
        if c <= 0x08 || (0x0a..=0x1f).contains(&c) || c == 0x7f {
            out.extend_from_slice(&[b'%', HEX[usize::from(c >> 4)], HEX[usize::from(c & 15)]]);
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests;
