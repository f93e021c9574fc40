//! HAProxy's debug-mode traces (`-d`): one line per event of a stream (`accept`,
//! `clireq`, `clihdr`, `srvrep`, `srvhdr`, `closed`), sent as `tracing` debug events
//! that the binary prints when `-d` is given. Nothing is formatted otherwise.

use rampart_h1::{RequestHead, ResponseHead};
use rampart_net::ConnAddrs;

/// Whether debug traces are wanted.
#[inline]
pub fn on() -> bool {
    tracing::enabled!(tracing::Level::DEBUG)
}

/// `<id>:<frontend>.accept(<listener>)=<fd> from [<addr>] ALPN=<none>`.
pub fn accept(id: u32, fe: &str, listener: i64, fd: i32, addrs: &ConnAddrs) {
    let from = match addrs.src {
        Some(a) => format!("[{}:{}]", a.ip(), a.port()),
        None => format!("[listener:{listener}]"),
    };
    tracing::debug!("{id:08x}:{fe}.accept({listener:04x})={fd:04x} from {from} ALPN=<none>");
}

/// `clireq` and one `clihdr` per header of a request.
pub fn request(id: u32, fe: &str, cfd: i32, h: &RequestHead) {
    let m = String::from_utf8_lossy(h.method_bytes());
    let u = String::from_utf8_lossy(h.uri());
    let v = String::from_utf8_lossy(h.version_bytes());
    tracing::debug!("{id:08x}:{fe}.clireq[{cfd:04x}:ffffffff]: {m} {u} {v}");
    for (n, val) in h.headers().iter() {
        let (n, val) = (String::from_utf8_lossy(n), String::from_utf8_lossy(val));
        tracing::debug!("{id:08x}:{fe}.clihdr[{cfd:04x}:ffffffff]: {n}: {val}");
    }
}

/// `srvrep` and one `srvhdr` per header of a response.
pub fn response(id: u32, be: &str, cfd: i32, sfd: i32, h: &ResponseHead) {
    let v = String::from_utf8_lossy(h.version_bytes());
    let r = String::from_utf8_lossy(h.reason());
    tracing::debug!(
        "{id:08x}:{be}.srvrep[{cfd:04x}:{sfd:04x}]: {v} {} {r}",
        h.status()
    );
    for (n, val) in h.headers().iter() {
        let (n, val) = (String::from_utf8_lossy(n), String::from_utf8_lossy(val));
        tracing::debug!("{id:08x}:{be}.srvhdr[{cfd:04x}:{sfd:04x}]: {n}: {val}");
    }
}

/// `closed`: the stream ended.
pub fn closed(id: u32, px: &str, cfd: i32) {
    tracing::debug!("{id:08x}:{px}.closed[{cfd:04x}:ffffffff]");
}
