//! The log line of an HTTP stream, and of a connection whose first request failed
//! before a stream could start (HAProxy's `sess_log` from its H1 layer).

use super::{Heads, Session};
use crate::logs::{Ended, SessionFail};

impl Session {
    /// Sends the line of the stream that just ended.
    pub(super) fn log_stream(&mut self, h: &mut Heads) {
        let Heads { req, resp, fx } = h;
        let has_req = fx.log.has_uri;
        let has_res = fx.log.rec.t_data >= 0;
        let e = Ended {
            fe: self.fe.i,
            li: self.fe.li,
            be: fx.log.be,
            srv: fx.log.srv,
            addrs: &self.addrs,
            req: has_req.then_some(&*req),
            res: has_res.then_some(&*resp),
            vars: self.vars.as_deref(),
            first: self.served == 0,
        };
        crate::logs::stream_end(&self.w, &e, fx);
    }

    /// Generates the stream's unique id (`unique-id-format`), once its request head is
    /// known: the rules' `unique-id` fetch, `unique-id-header` and the log read it.
    pub(super) fn unique_id(&self, h: &mut Heads) {
        let Some(f) = self.fe.log.unique_id.as_deref() else {
            return;
        };
        let mut id = std::mem::take(&mut h.fx.log.unique_id);
        id.clear();
        {
            let env = self.env_for(None, Some(&h.fx));
            let mut s = rampart_rules::stream::Stream::new(&env);
            s.req = Some(&h.req);
            s.vars = self.vars.as_deref();
            let cx = rampart_rules::conv::Cx {
                bufsize: self.w.rt.bufsize,
            };
            f.render_http(&s, &cx, &mut id);
        }
        h.fx.log.unique_id = id;
        h.fx.log.has_unique_id = true;
    }

    /// Sends the line of a connection whose request failed before a stream (invalid,
    /// timed out, abandoned); `received`: bytes came.
    pub(super) fn log_failure(&mut self, h: &mut Heads, why: SessionFail, received: bool) {
        if !self.fe.log.on() {
            return;
        }
        if !h.fx.log.on {
            h.fx.log.begin(self.since, i64::from(self.t_handshake));
        }
        let e = Ended {
            fe: self.fe.i,
            li: self.fe.li,
            be: None,
            srv: None,
            addrs: &self.addrs,
            req: None,
            res: None,
            vars: None,
            first: self.served == 0,
        };
        crate::logs::session_error(&self.w, &e, &mut h.fx.log, why, received);
        // The stream's own line is not sent on top of it.
        h.fx.log.on = false;
    }
}
