//! Redirections (manual 4.2 `redirect` and `http-request redirect`): the arguments as
//! `http_parse_redirect_rule` reads them (a static destination for the `redirect`
//! keyword, a log-format one for the actions), the location as
//! `http_apply_redirect_rule` builds it, and the response it sends.

use super::txn::{Txn, Verdict};
use super::{arg, is_cond, ActCx, ActError, RuleSet};
use crate::logfmt::LogFormat;
use crate::reply::{itoa, push_field, push_status};
use rampart_h1::chars::find_value_end;
use rampart_h1::CaseMap;

/// `location`, `prefix` or `scheme`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirectKind {
    Location,
    Prefix,
    Scheme,
}

/// The destination as written.
#[derive(Debug)]
pub enum Dest {
    /// The `redirect` keyword: taken literally.
    Static(String),
    /// The actions: a log-format string (`prefix /` has none: the path alone).
    Fmt(LogFormat),
}

/// A redirection.
#[derive(Debug)]
pub struct Redirect {
    pub kind: RedirectKind,
    /// 301, 302 (the default), 303, 307 or 308.
    pub code: u16,
    pub dest: Dest,
    /// The `Set-Cookie` value: `set-cookie NAME[=VALUE]` with `; path=/;` appended, or
    /// `clear-cookie NAME` with `; path=/; Max-Age=0;`.
    pub cookie: Option<String>,
    pub drop_query: bool,
    pub append_slash: bool,
    /// A `location` that renders empty is no redirection (the rule is skipped).
    pub ignore_empty: bool,
    /// A request rule (the response ends the request's processing).
    pub from_req: bool,
}

/// Parses the arguments from `words[*idx]` up to the end or to `if`/`unless`, where
/// `*idx` is left (HAProxy reads the condition as part of the rule: a condition error
/// is then worded `error in condition: <msg>` in the rule's error). `use_fmt`: the
/// destination is a log-format string (actions) rather than a literal (`redirect`).
pub fn parse(
    words: &[&str],
    idx: &mut usize,
    set: RuleSet,
    use_fmt: bool,
    cx: &mut ActCx<'_>,
) -> Result<Redirect, ActError> {
    let mut kind = None;
    let mut code = 302u16;
    let mut dest = "";
    let mut cookie: Option<(String, bool)> = None;
    let (mut drop_query, mut append_slash, mut ignore_empty) = (false, false, false);
    let mut i = *idx;
    loop {
        let w = arg(words, i);
        if w.is_empty() || is_cond(w) {
            break;
        }
        let next = arg(words, i + 1);
        let takes = matches!(
            w,
            "location" | "prefix" | "scheme" | "set-cookie" | "clear-cookie" | "code"
        );
        if takes && next.is_empty() {
            return Err(format!("missing argument for '{w}'").into());
        }
        match w {
            "location" => kind = Some(RedirectKind::Location),
            "prefix" => kind = Some(RedirectKind::Prefix),
            "scheme" => kind = Some(RedirectKind::Scheme),
            "set-cookie" => cookie = Some((next.to_string(), true)),
            "clear-cookie" => cookie = Some((next.to_string(), false)),
            "code" => {
                let c = rampart_core::cnum::atol(next);
                if !matches!(c, 301..=303 | 307 | 308) {
                    return Err(format!(
                        "'{w}': unsupported HTTP code '{next}' (must be one of 301, 302, 303, 307 or 308)"
                    )
                    .into());
                }
                code = c as u16;
            }
            "drop-query" => drop_query = true,
            "append-slash" => append_slash = true,
            "ignore-empty" => ignore_empty = true,
            _ => {
                return Err(format!("expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was '{w}')").into());
            }
        }
        if matches!(w, "location" | "prefix" | "scheme") {
            dest = next;
        }
        i += if takes { 2 } else { 1 };
    }
    let Some(kind) = kind else {
        return Err("redirection type expected ('prefix', 'location', or 'scheme')".into());
    };
    if set.is_response() && kind != RedirectKind::Location {
        return Err("response only supports redirect type 'location'".into());
    }
    let dest = if !use_fmt {
        Dest::Static(dest.to_string())
    } else if kind == RedirectKind::Prefix && dest == "/" {
        Dest::Fmt(LogFormat::default())
    } else {
        Dest::Fmt(cx.logformat(dest, set, true)?)
    };
    let cookie = cookie.map(|(c, set)| {
        if set {
            format!("{c}; path=/;")
        } else {
            format!("{c}; path=/; Max-Age=0;")
        }
    });
    *idx = i;
    Ok(Redirect {
        kind,
        code,
        dest,
        cookie,
        drop_query,
        append_slash,
        ignore_empty,
        from_req: !set.is_response(),
    })
}

impl Redirect {
    /// Builds the location into `scratch.out`: `Redirect` to answer, `Continue` when
    /// `ignore-empty` applies, `Error` when it does not fit in a buffer.
    pub(crate) fn exec(&self, tx: &mut Txn<'_>) -> Verdict<'_> {
        let bufsize = tx.cx.bufsize;
        match self.kind {
            RedirectKind::Location => {
                match &self.dest {
                    Dest::Static(s) => {
                        tx.scratch.out.clear();
                        tx.scratch.out.extend_from_slice(s.as_bytes());
                    }
                    Dest::Fmt(lf) => tx.render(lf),
                }
                if self.ignore_empty && tx.scratch.out.is_empty() {
                    if let Dest::Fmt(_) = self.dest {
                        return Verdict::Continue;
                    }
                }
            }
            RedirectKind::Prefix | RedirectKind::Scheme => {
                match &self.dest {
                    Dest::Static(s) if self.kind == RedirectKind::Prefix && s == "/" => {
                        tx.scratch.out.clear();
                    }
                    Dest::Static(s) => {
                        tx.scratch.out.clear();
                        tx.scratch.out.extend_from_slice(s.as_bytes());
                    }
                    Dest::Fmt(lf) => tx.render(lf),
                }
                let Some(req) = tx.req.as_deref() else {
                    return Verdict::Error {
                        failed_rewrite: false,
                    };
                };
                let out = &mut tx.scratch.out;
                if self.kind == RedirectKind::Scheme {
                    out.extend_from_slice(b"://");
                    if let Some(h) = req.headers().get(b"host") {
                        out.extend_from_slice(&h[..find_value_end(h)]);
                    }
                }
                let uri = req.uri();
                match super::uri::path_range(uri) {
                    Some((s, e)) => {
                        let mut p = &uri[s..e];
                        if self.drop_query {
                            p = &p[..p.iter().position(|&c| c == b'?').unwrap_or(p.len())];
                        }
                        out.extend_from_slice(p);
                    }
                    None => out.push(b'/'),
                }
                if out.len() >= bufsize {
                    return Verdict::Error {
                        failed_rewrite: false,
                    };
                }
                if self.append_slash && out.last().is_some_and(|&c| c != b'/') {
                    if out.len() + 1 >= bufsize {
                        return Verdict::Error {
                            failed_rewrite: false,
                        };
                    }
                    out.push(b'/');
                }
            }
        }
        Verdict::Redirect(self)
    }

    /// The reason phrase HAProxy sends with the code.
    pub fn reason(&self) -> &'static str {
        match self.code {
            308 => "Permanent Redirect",
            307 => "Temporary Redirect",
            303 => "See Other",
            301 => "Moved Permanently",
            _ => "Found",
        }
    }

    /// Writes the response: status line, `content-length: 0`, `location`,
    /// `cache-control: no-cache` (302, 303, 307), `set-cookie`, then `connection:
    /// <conn>`. HAProxy closes the connection (`conn` = `close`) when the request's body
    /// was not received whole.
    pub fn write_response(
        &self,
        location: &[u8],
        conn: Option<&[u8]>,
        case: Option<&CaseMap>,
        out: &mut Vec<u8>,
    ) {
        out.extend_from_slice(b"HTTP/1.1 ");
        push_status(self.code, out);
        out.push(b' ');
        out.extend_from_slice(self.reason().as_bytes());
        out.extend_from_slice(b"\r\n");
        push_field(out, b"content-length", itoa(0, &mut [0u8; 20]), case);
        push_field(out, b"location", location, case);
        if matches!(self.code, 302 | 303 | 307) {
            push_field(out, b"cache-control", b"no-cache", case);
        }
        if let Some(c) = &self.cookie {
            push_field(out, b"set-cookie", c.as_bytes(), case);
        }
        if let Some(c) = conn {
            push_field(out, b"connection", c, case);
        }
        out.extend_from_slice(b"\r\n");
    }
}
