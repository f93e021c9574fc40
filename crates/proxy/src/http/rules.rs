//! `use_backend` switching: the first rule whose condition over the frontend's ACLs
//! ([`crate::env::Rules`]) holds names the backend, statically or by a name built per
//! stream.

use crate::env::{Rules, StreamEnv};
use crate::state::{Switch, SwitchTo};
use rampart_h1::RequestHead;
use rampart_rules::stream::Stream;

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
            lf.render_http(&s, &acls.cx, &mut name);
            let found = env.w.rt.backend_names.get(name.as_slice()).copied();
            env.w.put_buf(name);
            found
        }
    }
}
