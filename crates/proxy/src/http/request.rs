//! The request side's rule sets of one proxy (HAProxy's `http_process_req_common`):
//! its `http-request` rules, then its `redirect` rules, run over the request head and
//! what is buffered of the body. `early-hint` responses they build are sent at once;
//! `wait-for-body` waits for the body (or part of it) and resumes the rules after it;
//! an answer or a close ends the stream ([`Session::rule_outcome`]).

use super::actions::{self, Outcome};
use super::body::buffered_end;
use super::io::write_all;
use super::{Heads, Next, Session};
use crate::env::{Rules, StreamEnv};
use rampart_h1::BodyKind;
use rampart_model::proxy::options::RestrictHdrNames::{self, Preserve};
use std::rc::Rc;
use std::time::Duration;

/// `sizeof(struct htx)` and one HTX block, as `rampart_rules::action` counts them.
const HTX_HEADER: usize = 48;
const HTX_BLK: usize = 8;

/// `StreamFx::body_cap` for a request head just read.
fn body_cap(req: &rampart_h1::RequestHead, bufsize: usize, maxrewrite: usize) -> usize {
    let room = bufsize.saturating_sub(HTX_HEADER + maxrewrite);
    room.saturating_sub(rampart_rules::action::htx_req_usage(req, 0) + HTX_BLK)
}

/// `option http-restrict-req-hdr-names` (HAProxy's `http_req_restrict_header_names`):
/// a field whose name has a character other than a letter, a digit or `-` is removed
/// (`delete`) or gets the request refused (`reject`: `false`).
fn restrict_names(how: RestrictHdrNames, req: &mut rampart_h1::RequestHead) -> bool {
    let bad = |n: &[u8]| n.iter().any(|&c| !c.is_ascii_alphanumeric() && c != b'-');
    if how == Preserve || !req.headers().iter().any(|(n, _)| bad(n)) {
        return true;
    }
    if how == RestrictHdrNames::Reject {
        return false;
    }
    let hs = req.headers_mut();
    let mut i = 0;
    while let Some((n, _)) = hs.get_index(i) {
        if bad(n) {
            hs.remove_index(i);
        } else {
            i += 1;
        }
    }
    true
}

impl Session {
    /// Runs the request rules of the frontend (`be` is `None`) or of backend `be`; a
    /// request head of `head_len` bytes is in the client buffer. `Some` when the
    /// stream ended.
    pub(super) async fn request_rules(
        &mut self,
        h: &mut Heads,
        head_len: usize,
        be: Option<usize>,
    ) -> Option<Next> {
        let w = Rc::clone(&self.w);
        let fe = w.frontend(self.fe.i);
        let be_rt = be.and_then(|b| w.rt.backends.get(b));
        if be.is_none() {
            // `capture request header`: before the frontend's rules, as HAProxy's
            // `http_wait_for_request` does.
            h.fx.req_caps
                .capture_headers(&fe.caps.req_hdrs, h.req.headers());
        }
        let (rules, acls, name) = match be_rt {
            Some(b) => (&b.http.rules, &b.acls, b.name.as_str()),
            None => (&fe.http.rules, &fe.acls, fe.name.as_str()),
        };
        let restrict = rules.restrict_names;
        if rules.req.is_empty() && rules.redirects.is_empty() && restrict == Preserve {
            return None;
        }
        let acls = Rules::new(acls, w.rt.bufsize);
        let case = super::exchange::client_case(&w, fe);
        let mut from = 0;
        loop {
            let o = {
                // The rules see what HAProxy's buffer would hold (`StreamFx::body_cap`).
                let (bufsize, maxrewrite) = (w.rt.bufsize, w.rt.maxrewrite);
                let cap = *h
                    .fx
                    .body_cap
                    .get_or_insert_with(|| body_cap(&h.req, bufsize, maxrewrite));
                let all = self.rbuf.get(head_len..).unwrap_or_default();
                let data = &all[..all.len().min(cap)];
                let complete = data.len() == all.len()
                    && match h.req.body_kind() {
                        BodyKind::None => true,
                        kind => matches!(
                            buffered_end(kind, &self.rbuf, head_len, &self.req_opts),
                            Ok(Some(_))
                        ),
                    };
                let no_vars;
                let vars = match self.vars.as_deref() {
                    Some(v) => v,
                    None => {
                        no_vars = rampart_rules::vars::StreamVars::default();
                        &no_vars
                    }
                };
                let env = StreamEnv {
                    w: &w,
                    addrs: &self.addrs,
                    fe: self.fe.i,
                    li: self.fe.li,
                    be,
                    srv: None,
                    first: self.served == 0,
                    http: true,
                    fx: None,
                };
                let mut scratch = w.scratch.borrow_mut();
                let mut acx = actions::Cx {
                    acls: &acls,
                    env: &env,
                    fx: &mut h.fx,
                    vars,
                    scratch: &mut scratch,
                    failed_rewrites: [
                        Some(&fe.counters.failed_rewrites),
                        be_rt.map(|b| &b.counters.failed_rewrites),
                        fe.li_counters(self.fe.li).map(|l| &l.failed_rewrites),
                    ],
                    cli: Some(&self.cli),
                    caps: &fe.caps,
                    case,
                };
                match actions::run_request(&rules.req, &mut acx, &mut h.req, data, complete, from) {
                    Outcome::Continue if !restrict_names(restrict, &mut h.req) => {
                        Outcome::Forbidden
                    }
                    Outcome::Continue => actions::run_request(
                        &rules.redirects,
                        &mut acx,
                        &mut h.req,
                        data,
                        complete,
                        0,
                    ),
                    o => o,
                }
            };
            // `early-hint`: the 103 responses go before anything else.
            if !h.fx.early.is_empty() {
                let ok = write_all(&self.cli, &h.fx.early, self.fe.timeouts.client)
                    .await
                    .is_ok();
                h.fx.early.clear();
                h.fx.early_open = false;
                if !ok {
                    return Some(Next::Close);
                }
            }
            match o {
                Outcome::Continue => return None,
                Outcome::Wait {
                    at,
                    time_ms,
                    at_least,
                } => {
                    let time = Duration::from_millis(u64::from(time_ms));
                    if let Err(next) = self
                        .wait_for_body(h, head_len, be, Some(time), at_least as usize)
                        .await
                    {
                        return Some(next);
                    }
                    from = at + 1;
                }
                o => return Some(self.rule_outcome(h, o, head_len, be, name).await),
            }
        }
    }
}
