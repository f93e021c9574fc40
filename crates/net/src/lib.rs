//! Layer 4: the sockets under the proxy. Everything here is plain socket work with no
//! knowledge of proxies or HTTP:
//!
//! - [`listener`]: opening listening sockets the way HAProxy's `bind` does (IPv4/IPv6 with
//!   `v4v6`/`v6only`, Unix sockets with their owner and mode, abstract sockets, inherited
//!   `fd@N`), with the TCP bind options (`backlog`, `defer-accept`, `tfo`, `mss`,
//!   `interface`, `transparent`);
//! - [`conn`]: one connected stream, TCP or Unix, on either side, with the socket options
//!   applied per connection (`tcpka`, `nolinger`) and its addresses;
//! - [`connect`]: outgoing connections to servers (optionally from a `source` address);
//! - [`splice`]: kernel splicing through pooled pipes (`option splice-*`, `maxpipes`);
//!
//! Syscalls without a safe wrapper are confined to [`sys`].

pub mod conn;
pub mod connect;
pub mod listener;
pub mod splice;
pub mod xfer;

mod sys;

pub use conn::{Conn, ConnAddrs};
pub use listener::{ListenAddr, Listener, ListenerSpec};
