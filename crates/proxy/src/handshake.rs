//! What happens on a new connection before any forwarding: the PROXY protocol header on
//! listeners with `accept-proxy` (configuration manual 5.1 `accept-proxy`;
//! doc/proxy-protocol.txt). The header's addresses replace the socket's for `src`/`dst`,
//! port offsets and logs; a LOCAL header keeps the socket's. A malformed header closes the
//! connection, counted nowhere (as in HAProxy: neither `dcon` nor `ereq`).
//!
//! Bytes read past the header (a client may send its request in the same packet) are
//! handed to the session as already-received data.

use rampart_net::{Conn, ConnAddrs};
use rampart_proxy_protocol::{decode, Addrs, Command, Decoded, V2_MAX_LEN};
use std::rc::Rc;
use std::time::Duration;

/// A connection after its handshake.
pub struct Accepted {
    pub addrs: ConnAddrs,
    /// Data received after the PROXY header.
    pub pending: Vec<u8>,
    /// The AUTHORITY TLV of a v2 header (passed on by `proxy-v2-options authority`).
    pub authority: Option<Box<[u8]>>,
    /// A PROXY header was received (`fc_rcvd_proxy`), with these TLVs.
    pub pp: Option<Rc<PpTlvs>>,
}

/// The TLVs of a received PROXY header that sample fetches read (`fc_pp_authority`,
/// `fc_pp_unique_id`), shared by the streams of the connection.
#[derive(Debug, Default)]
pub struct PpTlvs {
    pub authority: Option<Box<[u8]>>,
    pub unique_id: Option<Box<[u8]>>,
}

/// Reads the PROXY header when the listener expects one. `None`: the connection must be
/// closed (malformed header, timeout, early close). Without `accept-proxy` nothing is
/// awaited, and the header reading is boxed when it is: its state would otherwise stay
/// part of every session's future, idle ones included.
pub async fn accept(
    cli: &Conn,
    peer: ConnAddrs,
    expect_proxy: bool,
    timeout: Option<Duration>,
) -> Option<Accepted> {
    let mut addrs = cli.accepted_addrs(peer);
    if !expect_proxy {
        return Some(Accepted {
            addrs,
            pending: Vec::new(),
            authority: None,
            pp: None,
        });
    }
    let mut tlvs = PpTlvs::default();
    let read = read_header(cli, &mut addrs, &mut tlvs);
    let res = match timeout {
        Some(t) => Box::pin(tokio::time::timeout(t, read))
            .await
            .unwrap_or(None),
        None => Box::pin(read).await,
    };
    res.map(|pending| Accepted {
        addrs,
        pending,
        authority: tlvs.authority.clone(),
        pp: Some(Rc::new(tlvs)),
    })
}

async fn read_header(cli: &Conn, addrs: &mut ConnAddrs, tlvs: &mut PpTlvs) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 256];
    let mut len = 0;
    loop {
        match decode(&buf[..len]) {
            Ok(Decoded::Complete { header, consumed }) => {
                if header.command == Command::Proxy {
                    if let Addrs::Inet { src, dst } = header.addrs {
                        addrs.src = Some(src);
                        addrs.dst = Some(dst);
                    }
                    // HAProxy reads TLVs of PROXY headers only.
                    tlvs.authority = header.authority().map(Box::from);
                    tlvs.unique_id = header.unique_id().map(Box::from);
                }
                buf.copy_within(consumed..len, 0);
                buf.truncate(len - consumed);
                return Some(buf);
            }
            Ok(Decoded::Partial) => {}
            Err(_) => {
                // HAProxy leaves what it peeked unread, so closing resets the
                // connection: the peer sees a reset, not an empty reply.
                cli.set_nolinger();
                return None;
            }
        }
        if len == buf.len() {
            if buf.len() >= V2_MAX_LEN {
                return None;
            }
            buf.resize((buf.len() * 4).min(V2_MAX_LEN), 0);
        }
        cli.readable().await.ok()?;
        match cli.try_read(&mut buf[len..]) {
            Ok(0) => return None,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => return None,
        }
    }
}
