//! Rules as they exist before the actions land (issue 5): `http-request return` of the
//! frontend then of the backend, and `use_backend` switching, each guarded by a
//! condition over its proxy's ACLs ([`crate::env::Rules`]), evaluated in order; the
//! first matching rule decides.

use crate::env::{Rules, StreamEnv};
use crate::state::{Switch, SwitchTo};
use rampart_h1::RequestHead;
use rampart_model::proxy::http_rules::{HttpRequestAction, HttpRequestRule, Reply};
use rampart_rules::stream::Stream;

/// The reply of the first applicable `return` rule, if any.
pub fn evaluate<'r>(
    rules: &'r [HttpRequestRule],
    acls: &Rules<'_>,
    env: &StreamEnv<'_>,
    req: &RequestHead,
    data: &[u8],
) -> Option<&'r Reply> {
    rules.iter().find_map(|r| {
        if !acls.holds(r.cond.as_ref(), env, Some(req), data) {
            return None;
        }
        match &r.action {
            HttpRequestAction::Return(reply) => Some(reply),
        }
    })
}

/// The backend of the first `use_backend` rule whose condition matches; `req` is `None`
/// in `mode tcp`. A dynamic name that matches no backend ends the search (the caller
/// falls back to `default_backend`, as HAProxy).
pub fn switch(
    rules: &[Switch],
    acls: &Rules<'_>,
    env: &StreamEnv<'_>,
    req: Option<&RequestHead>,
    data: &[u8],
) -> Option<usize> {
    let r = rules
        .iter()
        .find(|r| acls.holds(r.cond.as_ref(), env, req, data))?;
    match &r.backend {
        SwitchTo::Backend(b) => Some(*b),
        SwitchTo::Dynamic(lf) => {
            let s = Stream {
                req,
                req_data: data,
                ..Stream::new(env)
            };
            let mut name = env.w.get_buf();
            lf.render_http(&s, &acls.cx, &mut name, &mut |_, _| {});
            let found = env.w.rt.backend_names.get(name.as_slice()).copied();
            env.w.put_buf(name);
            found
        }
    }
}
