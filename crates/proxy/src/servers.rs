//! The servers of a backend, which the runtime API may extend and shrink while the
//! workers use them (management guide 9.3 `add server`, `del server`; HAProxy's
//! dynamic servers).
//!
//! [`Servers`] keeps the configured servers in one slice and appends dynamic ones
//! behind it without moving anything ([`rampart_core::grow::Grow`]): a server's index
//! never changes, so everything sized per server elsewhere (balancing state, queues,
//! idle pools) is indexed the same way and grows on demand. A deleted server keeps its
//! slot, marked `deleted` (reports, lookups by name and the runtime API skip it; it is
//! in maintenance, so the balancing never chooses it).

use crate::state::Server;

/// A backend's servers: see the module documentation.
pub type Servers = rampart_core::grow::Grow<Server>;
