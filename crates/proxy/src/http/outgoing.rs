//! The request head as it leaves for the server (configuration manual 4.2 `option
//! http-keep-alive|http-server-close|httpclose`, `option forwardfor`, `option
//! originalto`): the `connection` tokens the server side needs, `TE` reduced to
//! `trailers`, the client's and original destination's address headers.

use super::{Heads, Session};
use crate::state::Backend;
use rampart_h1::Version;
use rampart_model::proxy::options::HeaderOpt;
use std::net::IpAddr;

impl Session {
    /// The request head as sent to the server: `connection` as the mode requires,
    /// `x-forwarded-for` / `x-original-to` when configured.
    pub(super) fn prepare_request(&self, h: &mut Heads, be: &Backend, keep_server: bool) {
        let http10 = h.req.version() == Version::Http10;
        let upgrade = h.req.conn_upgrade();
        let unique_id = h.fx.log.has_unique_id.then_some(&h.fx.log.unique_id[..]);
        let h = h.req.headers_mut();
        if !upgrade {
            // The server side's persistence is the proxy's decision, whatever the client
            // asked for its own side (a client's `close` does not close a server
            // connection that can go back to the pool).
            strip_persistence_tokens(h);
            if !keep_server && !http10 {
                h.set(b"connection", b"close");
            } else if keep_server && http10 {
                h.set(b"connection", b"keep-alive");
            }
        }
        keep_only_te_trailers(h);
        if let Some(name) = self.fe.log.unique_id_header.as_deref() {
            if let Some(id) = unique_id {
                h.append(name, id);
            }
        }
        let ff = be
            .http
            .forwardfor
            .as_ref()
            .or(self.fe.http.forwardfor.as_ref());
        if let (Some(opt), Some(src)) = (ff, self.addrs.src) {
            add_addr_header(h, opt, src.ip(), true);
        }
        let ot = be
            .http
            .originalto
            .as_ref()
            .or(self.fe.http.originalto.as_ref());
        if let (Some(opt), Some(dst)) = (ot, self.addrs.dst) {
            add_addr_header(h, opt, dst.ip(), false);
        }
    }
}

/// Removes the `close` and `keep-alive` tokens from `connection` fields (HAProxy's H1
/// layer sets them for each side itself); a field left empty goes. Other tokens
/// (`upgrade`, hop-by-hop names) stay. Allocates only for a field mixing both kinds.
fn strip_persistence_tokens(h: &mut rampart_h1::Headers) {
    let is_persistence = |t: &[u8]| {
        let t = t.trim_ascii();
        t.eq_ignore_ascii_case(b"close") || t.eq_ignore_ascii_case(b"keep-alive")
    };
    let mut i = 0;
    while let Some((name, value)) = h.get_index(i) {
        if name == b"connection" {
            let tokens = || {
                value
                    .split(|&b| b == b',')
                    .filter(|t| !t.trim_ascii().is_empty())
            };
            if tokens().all(is_persistence) {
                h.remove_index(i);
                continue;
            }
            if tokens().any(is_persistence) {
                let kept: Vec<&[u8]> = tokens()
                    .filter(|t| !is_persistence(t))
                    .map(<[u8]>::trim_ascii)
                    .collect();
                let joined = kept.join(&b", "[..]);
                h.set_value_index(i, &joined);
            }
        }
        i += 1;
    }
}

/// `TE` towards a server may only say `trailers` (RFC 9110 §10.1.4, mux_h1's output
/// rule): a field naming it becomes `te: trailers`, any other is dropped.
fn keep_only_te_trailers(h: &mut rampart_h1::Headers) {
    let mut i = 0;
    while let Some((name, value)) = h.get_index(i) {
        if name == b"te" {
            let keep = value
                .windows(8)
                .position(|w| w == b"trailers")
                .is_some_and(|at| value.get(at + 8).is_none_or(|&b| b == b','));
            if keep {
                h.set_value_index(i, b"trailers");
            } else {
                h.remove_index(i);
                continue;
            }
        }
        i += 1;
    }
}

/// `option forwardfor` / `option originalto`: adds the address header unless the
/// address is in the `except` network (or, with `if-none`, the header is present).
fn add_addr_header(h: &mut rampart_h1::Headers, opt: &HeaderOpt, ip: IpAddr, forwardfor: bool) {
    if opt.except.as_ref().is_some_and(|n| n.contains(ip)) {
        return;
    }
    // Names are compared case-insensitively and stored lower-case by `Headers`.
    let name = opt.header.as_bytes();
    if forwardfor && opt.if_none && h.contains(name) {
        return;
    }
    // IPv4-mapped IPv6 clients are shown as IPv4, as HAProxy does.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    let mut tmp = [0u8; 48];
    let v = {
        use std::io::Write;
        let mut c = std::io::Cursor::new(&mut tmp[..]);
        let _ = write!(c, "{ip}");
        let n = c.position() as usize;
        &tmp[..n]
    };
    h.append(name, v);
}
