//! The statistics page in the data path (HAProxy's `http_stats_check_uri` and
//! `http_handle_stats`): after a proxy's `http-request` rules, a `GET`, `HEAD` or `POST`
//! whose URI (its path when the prefix starts with `/`) begins with the proxy's `stats
//! uri` is answered by the proxy itself. The request's options (`;csv`, `;json`, `;up`,
//! `;norefresh`, `;st=`, `scope=`) are read from the URI after the prefix, `stats admin`
//! decides admin mode, then `stats http-request` rules (or the rule `stats auth` stands
//! for) may deny or ask for credentials. The page is rendered by the installed
//! [`crate::stats_applet::Applet`] into a pooled buffer and sent chunked to HTTP/1.1
//! clients, as HAProxy's applet sends it; a posted admin form is applied, then answered
//! with a 303 to the page carrying the action's status.

use super::answer::Made;
use super::io::write_all;
use super::{Heads, Next, Session};
use crate::env::Rules;
use crate::state::inc;
use crate::stats_applet::{self, Format, Query};
use rampart_h1::{BodyKind, Method, Version};
use rampart_model::proxy::options::HttpConnMode;
use rampart_model::proxy::stats_page::{StatsPage, DEFAULT_REALM};
use rampart_rules::action::http::HttpAct;
use rampart_rules::logfmt::{FinState, TermErr};
use std::io::Write;
use std::rc::Rc;

/// The longest `scope=` text HAProxy keeps.
const SCOPE_MAX: usize = 20;

/// The options of a page request, read from the URI after the prefix.
struct Opts<'u> {
    format: Format,
    hide_down: bool,
    hide_maint: bool,
    no_refresh: bool,
    status: Option<&'static str>,
    scope: &'u [u8],
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// HAProxy's scans of the URI's tail (each looks for its own token anywhere in it).
fn options<'u>(tail: &'u [u8], refresh: bool) -> Opts<'u> {
    let has = |t: &[u8]| find(tail, t).is_some();
    let mut format = Format::Html;
    if has(b";csv") {
        format = Format::Csv;
    }
    if has(b";typed") {
        format = Format::Typed;
    }
    if has(b";json") {
        format = Format::Json;
    }
    if has(b";json-schema") {
        format = Format::JsonSchema;
    }
    // `;st=` is only read with at least four characters after it.
    let status = find(tail, b";st=")
        .filter(|&p| p + 8 <= tail.len())
        .map(|p| stats_applet::status_code(&tail[p + 4..]));
    let scope = find(tail, b"scope=")
        .filter(|&p| p + 8 <= tail.len())
        .map_or(&[][..], |p| {
            let s = &tail[p + 6..];
            let n = s
                .iter()
                .position(|&c| matches!(c, b';' | b'&' | b' '))
                .unwrap_or(s.len())
                .min(SCOPE_MAX);
            let s = &s[..n];
            // A bad character clears the scope.
            let ok = s
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b':' | b'_' | b'-'));
            if ok {
                s
            } else {
                &[][..]
            }
        });
    Opts {
        format,
        hide_down: has(b";up"),
        hide_maint: has(b";no-maint"),
        no_refresh: refresh && has(b";norefresh"),
        status,
        scope,
    }
}

/// The request's `Authorization: Basic` credentials match one of `stats auth`'s.
fn basic_auth_ok(h: &Heads, users: &[(String, String)]) -> bool {
    let Some(v) = h.req.headers().get(b"authorization") else {
        return false;
    };
    let v = v.trim_ascii();
    let Some(sp) = v.iter().position(|&c| c == b' ') else {
        return false;
    };
    if !v[..sp].eq_ignore_ascii_case(b"basic") {
        return false;
    }
    let Some(dec) = base64_decode(v[sp..].trim_ascii()) else {
        return false;
    };
    let Some(colon) = dec.iter().position(|&c| c == b':') else {
        return false;
    };
    let (user, pass) = (&dec[..colon], &dec[colon + 1..]);
    users
        .iter()
        .any(|(u, p)| u.as_bytes() == user && p.as_bytes() == pass)
}

/// Standard base64 with padding, as HAProxy's `base64dec` reads it.
fn base64_decode(s: &[u8]) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(4) {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for (i, q) in s.chunks(4).enumerate() {
        let last = i + 1 == s.len() / 4;
        let pad = q.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &q[..4 - pad] {
            n = (n << 6) | val(c)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

impl Session {
    /// Serves the statistics page when the request is for it: `be` is `None` after the
    /// frontend's rules, the backend after its own. `None`: not a page request.
    pub(super) async fn stats_page(
        &mut self,
        h: &mut Heads,
        head_len: usize,
        be: Option<usize>,
    ) -> Option<Next> {
        let w = Rc::clone(&self.w);
        let (page, acls, name): (&StatsPage, _, &str) = match be {
            None => {
                let fe = w.frontend(self.fe.i);
                (fe.stats.as_deref()?, &fe.acls, &fe.name)
            }
            Some(b) => {
                let x = w.rt.backends.get(b)?;
                (x.stats.as_deref()?, &x.acls, &x.name)
            }
        };
        let method = h.req.method();
        if !matches!(method, Method::Get | Method::Head | Method::Post) {
            return None;
        }
        let uri = h.req.uri();
        let target = if page.uri.starts_with('/') {
            rampart_h1::uri::path_of(uri)
        } else {
            uri
        };
        if !target.starts_with(page.uri.as_bytes()) {
            return None;
        }
        let tail = uri.get(page.uri.len()..).unwrap_or_default();
        let opts = options(tail, page.refresh > 0);
        let scope = String::from_utf8_lossy(opts.scope).into_owned();
        // `stats admin`: the first condition that holds grants admin mode.
        let (admin, verdict) = {
            let env = self.env_for(be, Some(&h.fx));
            let rules = Rules::new(acls, w.rt.bufsize);
            let data = self.rbuf.get(head_len..).unwrap_or_default();
            let admin = page
                .admin
                .iter()
                .any(|c| rules.holds(Some(c), &env, Some(&h.req), data));
            // `stats http-request` rules, or the `auth` rule `stats auth` stands for.
            let mut verdict = None;
            for r in &page.rules {
                if !rules.holds(r.cond.as_ref(), &env, Some(&h.req), data) {
                    continue;
                }
                verdict = Some(r.act.clone());
                break;
            }
            (admin, verdict)
        };
        h.fx.log.term(TermErr::Local, FinState::Request);
        if be.is_none() {
            inc(&w.frontend(self.fe.i).counters.traffic.intercepted);
        }
        match verdict.as_deref() {
            Some(HttpAct::Deny(r)) => {
                let keep = self.skip_body(h, head_len, be);
                return Some(self.answer(h, Made::Reply(r), keep, be).await);
            }
            Some(HttpAct::Auth { realm }) => {
                let keep = self.skip_body(h, head_len, be);
                let realm = Some(realm.as_deref().unwrap_or(DEFAULT_REALM));
                let made = Made::Auth { realm, proxy: name };
                return Some(self.answer(h, made, keep, be).await);
            }
            _ => {}
        }
        if page.rules.is_empty() && !page.users.is_empty() && !basic_auth_ok(h, &page.users) {
            let keep = self.skip_body(h, head_len, be);
            let realm = Some(page.realm.as_deref().unwrap_or(DEFAULT_REALM));
            let made = Made::Auth { realm, proxy: name };
            return Some(self.answer(h, made, keep, be).await);
        }
        let mut q = Query {
            page,
            proxy: name,
            format: opts.format,
            hide_down: opts.hide_down,
            hide_maint: opts.hide_maint,
            no_refresh: opts.no_refresh,
            status: opts.status,
            scope: &scope,
            admin,
        };
        h.fx.log.request_done();
        if method == Method::Post {
            let code = if admin {
                let t = w.frontend(self.fe.i).timeouts.http_request;
                if let Err(next) = self.wait_for_body(h, head_len, be, t, 0).await {
                    return Some(next);
                }
                match self.posted(h, head_len) {
                    Some(body) => {
                        let code = stats_applet::get().map_or("NONE", |a| a.post(&q, &body));
                        self.w.put_buf(body);
                        code
                    }
                    None => "EXCD",
                }
            } else {
                "DENY"
            };
            q.status = Some(code);
            return Some(self.redirect(h, head_len, be, &q).await);
        }
        Some(self.send_page(h, head_len, be, &q).await)
    }

    /// The posted body (a pooled buffer), when it was received whole.
    fn posted(&self, h: &Heads, head_len: usize) -> Option<Vec<u8>> {
        let end =
            super::body::buffered_end(h.req.body_kind(), &self.rbuf, head_len, &self.req_opts)
                .ok()??;
        let raw = self.rbuf.get(head_len..end)?;
        let mut b = self.w.get_buf();
        match h.req.body_kind() {
            BodyKind::Chunked => dechunk(raw, &mut b)?,
            _ => b.extend_from_slice(raw),
        }
        Some(b)
    }

    /// Drops the request's body when it was received whole: true when the connection
    /// may then stay open (as `answer_before_server` decides).
    fn skip_body(&mut self, h: &mut Heads, head_len: usize, be: Option<usize>) -> bool {
        let end =
            super::body::buffered_end(h.req.body_kind(), &self.rbuf, head_len, &self.req_opts);
        match end {
            Ok(Some(end)) => {
                self.rbuf.drain(..end);
                h.fx.buffered_head = None;
                h.req.keep_alive()
                    && self.conn_mode(be) != HttpConnMode::Close
                    && !self.w.ctl.is_stopping()
            }
            _ => false,
        }
    }

    /// The 303 to the page after a POST (HAProxy's `stats_send_http_redirect`).
    async fn redirect(
        &mut self,
        h: &mut Heads,
        head_len: usize,
        be: Option<usize>,
        q: &Query<'_>,
    ) -> Next {
        let keep = self.skip_body(h, head_len, be);
        let mut out = self.w.get_buf();
        out.extend_from_slice(b"HTTP/1.1 303 See Other\r\ncache-control: no-cache\r\ncontent-type: text/plain\r\ncontent-length: 0\r\nlocation: ");
        out.extend_from_slice(q.page.uri.as_bytes());
        let _ = write!(out, ";st={}", q.status.unwrap_or("UNKN"));
        if q.hide_down {
            out.extend_from_slice(b";up");
        }
        if q.no_refresh {
            out.extend_from_slice(b";norefresh");
        }
        if !q.scope.is_empty() {
            let _ = write!(out, "?scope={}", q.scope);
        }
        out.extend_from_slice(b"\r\n");
        self.finish(h, 303, keep, out).await
    }

    /// The page itself (HAProxy's `stats_send_http_headers` and the dump).
    async fn send_page(
        &mut self,
        h: &mut Heads,
        head_len: usize,
        be: Option<usize>,
        q: &Query<'_>,
    ) -> Next {
        let keep = self.skip_body(h, head_len, be);
        let head_only = h.req.method() == Method::Head;
        let chunked = h.req.version() == Version::Http11 && !head_only;
        // Without chunking the body ends with the connection.
        let keep = keep && (chunked || head_only);
        let mut body = self.w.get_buf();
        if !head_only {
            if let Some(a) = stats_applet::get() {
                a.render(q, &mut body);
            }
        }
        let mut out = self.w.get_buf();
        out.reserve(body.len() + 256);
        let _ = write!(
            out,
            "HTTP/1.1 200 OK\r\ncache-control: no-cache\r\ncontent-type: {}\r\n",
            q.format.content_type()
        );
        if q.page.refresh > 0 && !q.no_refresh {
            let _ = write!(out, "refresh: {}\r\n", q.page.refresh);
        }
        if chunked {
            out.extend_from_slice(b"transfer-encoding: chunked\r\n");
        }
        if !keep && h.req.version() == Version::Http11 {
            out.extend_from_slice(b"connection: close\r\n");
        }
        out.extend_from_slice(b"\r\n");
        if chunked {
            if !body.is_empty() {
                let _ = write!(out, "{:x}\r\n", body.len());
                out.extend_from_slice(&body);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
        } else {
            out.extend_from_slice(&body);
        }
        self.w.put_buf(body);
        self.finish_raw(h, 200, keep, out).await
    }

    /// Ends a head without a body (the empty line) and sends it.
    async fn finish(&mut self, h: &mut Heads, status: u16, keep: bool, mut out: Vec<u8>) -> Next {
        if !keep && h.req.version() == Version::Http11 {
            out.extend_from_slice(b"connection: close\r\n");
        }
        out.extend_from_slice(b"\r\n");
        self.finish_raw(h, status, keep, out).await
    }

    /// Sends a complete response from a pooled buffer and decides the connection's fate.
    async fn finish_raw(&mut self, h: &mut Heads, status: u16, keep: bool, out: Vec<u8>) -> Next {
        h.fx.log.status(status);
        if h.fx.log.on {
            h.fx.log.rec.bytes_out += out.len() as u64;
        }
        let ok = write_all(&self.cli, &out, self.fe.timeouts.client)
            .await
            .is_ok();
        self.w.put_buf(out);
        if ok && keep {
            Next::KeepAlive
        } else {
            self.cli.shutdown_write();
            Next::Close
        }
    }
}

/// The data of a chunked body (already validated by the codec).
fn dechunk(mut raw: &[u8], out: &mut Vec<u8>) -> Option<()> {
    loop {
        let eol = find(raw, b"\r\n")?;
        let line = &raw[..eol];
        let hex = line
            .iter()
            .position(|&c| c == b';' || c == b' ' || c == b'\t')
            .map_or(line, |p| &line[..p]);
        let size = usize::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
        raw = &raw[eol + 2..];
        if size == 0 {
            return Some(());
        }
        out.extend_from_slice(raw.get(..size)?);
        raw = raw.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_options() {
        let o = options(b";up;norefresh;csv", true);
        assert_eq!(o.format, Format::Csv);
        assert!(o.hide_down && o.no_refresh && !o.hide_maint);
        let o = options(b";json;st=DONE", false);
        assert_eq!(o.format, Format::Json);
        assert_eq!(o.status, Some("DONE"));
        assert!(!o.no_refresh);
        let o = options(b";st=XY", false);
        assert_eq!(o.status, None);
        let o = options(b"?scope=back;up", false);
        assert_eq!(o.scope, b"back");
        let o = options(b"?scope=a<b;up", false);
        assert_eq!(o.scope, b"");
    }

    #[test]
    fn base64() {
        assert_eq!(base64_decode(b"YWRtaW46cGFzcw==").unwrap(), b"admin:pass");
        assert_eq!(base64_decode(b"YWJj").unwrap(), b"abc");
        assert!(base64_decode(b"YW=j").is_none());
        assert!(base64_decode(b"abc").is_none());
    }

    #[test]
    fn dechunks() {
        let mut out = Vec::new();
        dechunk(b"3\r\nabc\r\n2;x\r\nde\r\n0\r\n\r\n", &mut out).unwrap();
        assert_eq!(out, b"abcde");
    }
}
