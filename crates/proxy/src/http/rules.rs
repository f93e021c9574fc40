//! Rules as they exist before the rules engine (issue 5): `http-request return` of the
//! frontend then of the backend, and `use_backend` switching, guarded by HAProxy's
//! predefined ACLs (configuration manual 7.4), evaluated in order; the first matching
//! rule decides.

use crate::state::Switch;
use rampart_h1::{BodyKind, Method, RequestHead, UriForm, Version};
use rampart_model::proxy::http_rules::{HttpRequestAction, HttpRequestRule, Reply};
use rampart_net::ConnAddrs;

/// The reply of the first applicable `return` rule, if any.
pub fn evaluate<'r>(
    rules: &'r [HttpRequestRule],
    req: &RequestHead,
    addrs: &ConnAddrs,
) -> Option<&'r Reply> {
    rules.iter().find_map(|r| {
        if !cond_matches(r.cond.as_deref(), Some(req), addrs) {
            return None;
        }
        match &r.action {
            HttpRequestAction::Return(reply) => Some(reply),
        }
    })
}

/// The backend of the first `use_backend` rule whose condition matches; `req` is `None`
/// in `mode tcp`, where HTTP-based ACLs never match.
pub fn switch(rules: &[Switch], req: Option<&RequestHead>, addrs: &ConnAddrs) -> Option<usize> {
    rules
        .iter()
        .find(|r| cond_matches(r.cond.as_deref(), req, addrs))
        .map(|r| r.backend)
}

/// `if|unless` over predefined ACLs joined by implicit AND, `||`/`or`, `!`. An empty
/// condition never matches after `if` and always after `unless`, as HAProxy's
/// `acl_exec_cond` over an empty term suite.
pub(crate) fn cond_matches(
    cond: Option<&[String]>,
    req: Option<&RequestHead>,
    addrs: &ConnAddrs,
) -> bool {
    let Some(words) = cond else { return true };
    let Some((kw, terms)) = words.split_first() else {
        return true;
    };
    // OR of AND-groups.
    let mut any = false;
    let mut group = true;
    let mut empty = true;
    for t in terms {
        if t == "||" || t == "or" {
            any |= group;
            group = true;
            continue;
        }
        empty = false;
        let (neg, name) = match t.strip_prefix('!') {
            Some(n) => (true, n),
            None => (false, t.as_str()),
        };
        group &= predefined(name, req, addrs) != neg;
    }
    let v = !empty && (any | group);
    if kw == "unless" {
        !v
    } else {
        v
    }
}

/// HAProxy's predefined ACLs (manual 7.4); without a request (`mode tcp`) the HTTP
/// ones are false.
fn predefined(name: &str, req: Option<&RequestHead>, addrs: &ConnAddrs) -> bool {
    match name {
        "TRUE" => return true,
        "FALSE" => return false,
        "LOCALHOST" => return addrs.src.is_some_and(|a| a.ip().is_loopback()),
        _ => {}
    }
    let Some(req) = req else { return false };
    let m = req.method();
    match name {
        "HTTP" => true,
        "HTTP_1.0" => req.version() == Version::Http10,
        "HTTP_1.1" => req.version() == Version::Http11,
        "HTTP_2.0" => false,
        "METH_CONNECT" => m == Method::Connect,
        "METH_DELETE" => m == Method::Delete,
        "METH_GET" => m == Method::Get || m == Method::Head,
        "METH_HEAD" => m == Method::Head,
        "METH_OPTIONS" => m == Method::Options,
        "METH_POST" => m == Method::Post,
        "METH_PUT" => m == Method::Put,
        "METH_TRACE" => m == Method::Trace,
        "HTTP_URL_ABS" => req.uri_form() == UriForm::Absolute,
        "HTTP_URL_SLASH" => req.uri().starts_with(b"/"),
        "HTTP_URL_STAR" => req.uri() == b"*",
        "HTTP_CONTENT" => !matches!(req.body_kind(), BodyKind::None | BodyKind::Length(0)),
        // Layer-6/7 content ACLs that are true once a full request is parsed.
        "REQ_CONTENT" | "WAIT_END" => true,
        _ => false,
    }
}
