//! Persistence (configuration manual 4.2 `option persist`, `force-persist`,
//! `ignore-persist`, `use-server`, `cookie`, `option redispatch`; 5.2 server `redir`;
//! HAProxy's `process_switching_rules` persistence part, `process_server_rules`,
//! `srv_redispatch_connect`, `http_perform_server_redirect`).
//!
//! Once the backend is known, [`request`] decides whether persistence sends the stream
//! to a given server: the first matching `force-persist`/`ignore-persist` rule, then
//! `use-server`, then the persistence cookie ([`super::cookie`]). Such a stream takes its
//! slot on that server whatever its state ([`take_slot`]). A server with `redir`
//! answers GET and HEAD requests with HAProxy's 302 ([`redirect`]). In `mode tcp` only
//! `use-server` applies ([`connect_tcp`]).
//!
//! A backend without any of these has no [`Persist`]: the stream pays one `None` check.

use super::cookie::{client_cookies, now, CookieCfg};
use crate::env::{Rules, StreamEnv};
use crate::queue::{acquire, Assign, QueueError, Slot};
use crate::server_state::Op;
use crate::state::{Backend, Server};
use crate::upstream::{self, ConnectError};
use rampart_h1::{push_header_name, CaseMap, Method, RequestHead};
use rampart_model::proxy::persist::Persistence;
use rampart_net::ConnAddrs;

/// The persistence settings of a backend.
#[derive(Debug)]
pub struct Persist {
    pub cookie: Option<CookieCfg>,
    /// `option persist`: a server that is down still gets its persistent streams.
    pub down_ok: bool,
    /// `force-persist` / `ignore-persist`, in order.
    pub rules: Vec<PersistRule>,
    /// `use-server`, in order.
    pub use_server: Vec<UseServer>,
    /// Some server has `redir`.
    pub redir: bool,
    /// The backend has no server of its own: its only one is the `dispatch` address,
    /// which HAProxy does not count as a server (no cookie is inserted for it).
    pub dispatch: bool,
}

#[derive(Debug)]
pub struct PersistRule {
    pub force: bool,
    pub cond: rampart_model::proxy::Cond,
}

#[derive(Debug)]
pub struct UseServer {
    pub server: usize,
    pub cond: rampart_model::proxy::Cond,
}

impl Persist {
    /// The runtime form of a backend's settings; `None` when it has nothing to do.
    /// `names` are the backend's servers in order; `has_redir` tells whether one has
    /// `redir`.
    /// Outside `mode http` only `use-server` (with the persistence rules) applies.
    pub fn build(
        p: &Persistence,
        persist_opt: bool,
        names: &[&str],
        has_redir: bool,
        http: bool,
    ) -> Option<Box<Persist>> {
        let has_redir = has_redir && http;
        let cookie = p.cookie.as_ref().filter(|_| http);
        if cookie.is_none() && p.use_servers.is_empty() && p.rules.is_empty() && !has_redir {
            return None;
        }
        Some(Box::new(Persist {
            cookie: cookie.map(CookieCfg::of),
            down_ok: persist_opt,
            rules: p
                .rules
                .iter()
                .map(|r| PersistRule {
                    force: r.force,
                    cond: r.cond.clone(),
                })
                .collect(),
            use_server: p
                .use_servers
                .iter()
                .filter_map(|u| {
                    Some(UseServer {
                        server: names.iter().position(|n| *n == u.server)?,
                        cond: u.cond.clone(),
                    })
                })
                .collect(),
            redir: has_redir,
            dispatch: names.is_empty(),
        }))
    }
}

/// What persistence decided for one stream (HAProxy's `SF_DIRECT`, `SF_FORCE_PRST`,
/// `SF_IGNORE_PRST` and the cookie dates).
#[derive(Clone, Copy, Debug, Default)]
pub struct Txn {
    /// The server persistence sends the stream to.
    pub server: Option<usize>,
    pub force: bool,
    pub ignore: bool,
    /// Dates the client's cookie carried (seconds since the epoch, 0: none).
    pub(super) last_date: u32,
    pub(super) first_date: u32,
    /// What became of the client's persistence cookie, for the logs' `%tsc` (HAProxy's
    /// `TX_CK_*`: `N`one, `I`nvalid, `D`own, `V`alid, `E`xpired, `O`ld, `U`nused).
    pub ck: u8,
}

/// A server may take persistent traffic: not down, not in maintenance (a draining
/// server still takes it), as HAProxy's `cur_state != SRV_ST_STOPPED`.
pub(super) fn up(s: &Server) -> bool {
    !s.live.in_maint() && s.live.op() != Op::Stopped
}

/// The request side, once the backend is known: persistence rules, `use-server`, then
/// the persistence cookie (found, checked against `maxidle`/`maxlife`, matched to a
/// server that may take it, and stripped or removed from `Cookie` as the mode wants).
pub fn request(be: &Backend, req: &mut RequestHead, env: &StreamEnv<'_>, data: &[u8]) -> Txn {
    let Some(p) = be.persist.as_deref() else {
        return Txn::default();
    };
    let mut t = rules(be, p, Some(req), env, data);
    if let Some(c) = &p.cookie {
        client_cookies(be, p, c, req.headers_mut(), &mut t, now());
    }
    t
}

/// `force-persist` / `ignore-persist`, then `use-server` (`req` is `None` in `mode
/// tcp`, where HTTP ACLs never match).
fn rules(
    be: &Backend,
    p: &Persist,
    req: Option<&RequestHead>,
    env: &StreamEnv<'_>,
    data: &[u8],
) -> Txn {
    let mut t = Txn::default();
    let acls = Rules::new(&be.acls, env.w.rt.bufsize);
    if let Some(r) = p
        .rules
        .iter()
        .find(|r| acls.holds(Some(&r.cond), env, req, data))
    {
        if r.force {
            t.force = true;
        } else {
            t.ignore = true;
        }
    }
    for u in &p.use_server {
        if acls.holds(Some(&u.cond), env, req, data) {
            // A server that cannot take the stream lets the next rule try.
            if up(&be.servers[u.server]) || p.down_ok || t.force {
                t.server = Some(u.server);
                break;
            }
        }
    }
    t
}

/// `mode tcp`: a slot and a connection when persistence has a say: on the server
/// `use-server` chooses, and under `force-persist` (on any server) with every retry
/// kept there (`None`: the balancing decides as usual).
pub async fn connect_tcp<'b>(
    rt: &std::sync::Arc<crate::state::Runtime>,
    be: &'b Backend,
    addrs: &ConnAddrs,
    env: &StreamEnv<'_>,
    payload: &[u8],
) -> Option<Result<(rampart_net::Conn, usize, Slot<'b>), ConnectError>> {
    let p = be.persist.as_deref()?;
    let t = rules(be, p, None, env, payload);
    if t.server.is_none() && !t.force {
        return None;
    }
    let input = rampart_balance::Input {
        src: addrs.src.map(|a| a.ip()),
        http: None,
        payload,
    };
    let balance = || upstream::choose(be, &input);
    let connect = async {
        let mut slot = take_slot(be, &t, balance).await?;
        let mut r = crate::retry::Retries {
            direct: t.server == Some(slot.server()),
            force: t.force,
            ..crate::retry::Retries::new(input)
        };
        let conn = upstream::connect_to(rt, be, &mut slot, addrs, &mut r).await?;
        Ok((conn, slot.server(), slot))
    };
    Some(connect.await)
}

/// `redir`: the server's prefix for a GET or HEAD request routed to it (`None`: the
/// request goes to the server). A prefix of `/` keeps the URL as it is.
pub fn redirect<'b>(be: &'b Backend, server: usize, req: &RequestHead) -> Option<&'b str> {
    if !be.persist.as_deref().is_some_and(|p| p.redir) {
        return None;
    }
    if !matches!(req.method(), Method::Get | Method::Head) {
        return None;
    }
    let prefix = be.servers.get(server)?.redir.as_deref()?;
    path(req.uri())?;
    Some(prefix)
}

/// The path (and query) of a request URI, as HAProxy's `http_parse_path` finds it.
fn path(uri: &[u8]) -> Option<&[u8]> {
    if uri.first() == Some(&b'/') {
        return Some(uri);
    }
    let rest = &uri[uri.windows(3).position(|w| w == b"://")? + 3..];
    let at = rest.iter().position(|&b| b == b'/')?;
    Some(&rest[at..])
}

/// HAProxy's 302 for a `redir` server: `Location` is the prefix followed by the path,
/// and the connection closes.
pub fn write_redirect(prefix: &str, req: &RequestHead, case: Option<&CaseMap>, out: &mut Vec<u8>) {
    let path = path(req.uri()).unwrap_or_default();
    out.extend_from_slice(b"HTTP/1.1 302 Found\r\n");
    let mut field = |name: &[u8], parts: &[&[u8]]| {
        push_header_name(out, name, case);
        out.extend_from_slice(b": ");
        for p in parts {
            out.extend_from_slice(p);
        }
        out.extend_from_slice(b"\r\n");
    };
    field(b"cache-control", &[b"no-cache"]);
    field(b"content-length", &[b"0"]);
    let prefix: &[u8] = if prefix == "/" {
        b""
    } else {
        prefix.as_bytes()
    };
    field(b"location", &[prefix, path]);
    field(b"connection", &[b"close"]);
    out.extend_from_slice(b"\r\n");
}

/// A slot on the server persistence chose. With `option redispatch`, a full queue
/// there sends the stream to the balancing instead (unless `force-persist`), as
/// HAProxy's `srv_redispatch_connect`.
pub async fn take_slot<'b>(
    be: &'b Backend,
    t: &Txn,
    balance: impl Fn() -> rampart_balance::Choice,
) -> Result<Slot<'b>, ConnectError> {
    let Some(i) = t.server else {
        return upstream::take_slot(be, balance(), &balance).await;
    };
    let assign = if t.force {
        Assign::Forced(i)
    } else {
        Assign::Persist(i)
    };
    match acquire(be, assign, std::iter::empty(), be.timeouts.queue).await {
        Err(QueueError::Full) if be.redispatch.is_some() && !t.force => {
            upstream::take_slot(be, balance(), &balance).await
        }
        // Its server went down while it waited (`option redispatch`).
        Err(QueueError::Redistributed) => upstream::take_slot(be, balance(), &balance).await,
        r => Ok(r?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirections_keep_the_path() {
        assert_eq!(path(b"/a?b"), Some(&b"/a?b"[..]));
        assert_eq!(path(b"http://h:80/x/y?z"), Some(&b"/x/y?z"[..]));
        assert_eq!(path(b"http://h"), None);
        assert_eq!(path(b"*"), None);
        let mut req = RequestHead::new();
        let opts = rampart_h1::ParseOpts::default();
        let raw = b"GET /p?q HTTP/1.1\r\nHost: t\r\n\r\n";
        assert!(matches!(
            rampart_h1::parse_request(raw, &opts, &mut req),
            Ok(rampart_h1::Parsed::Complete(_))
        ));
        let mut out = Vec::new();
        write_redirect("https://s.example", &req, None, &mut out);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "HTTP/1.1 302 Found\r\ncache-control: no-cache\r\ncontent-length: 0\r\nlocation: https://s.example/p?q\r\nconnection: close\r\n\r\n"
        );
        out.clear();
        write_redirect("/", &req, None, &mut out);
        assert!(String::from_utf8_lossy(&out).contains("\r\nlocation: /p?q\r\n"));
    }
}
