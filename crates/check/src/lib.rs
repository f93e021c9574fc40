//! Layer 4: health checks (configuration manual 5.2 `check`, `agent-check`; 4.2
//! `option httpchk`, `http-check`, `tcp-check`, `option *-check`).
//!
//! - [`ruleset`]: a proxy's check rules (from the model) compiled into steps, with the
//!   implicit rules and the predefined protocol sequences (redis, SSL hello, SMTP,
//!   PostgreSQL, MySQL, LDAP, agent);
//! - [`expect`], [`http`], [`agent`]: sans-IO evaluation of replies (patterns, HTTP
//!   responses, MySQL and LDAP packets, agent lines) and the texts HAProxy reports;
//! - [`status`]: HAProxy's check statuses and the report of one check;
//! - [`run`]: the async runner that drives a ruleset over connections the caller opens
//!   (the proxy's are `rampart_net`'s, with `source`), with `timeout check`,
//!   `check-send-proxy`, `addr` and `port`.
//!
//! What a report does to a server (rise, fall, messages) is the proxy's business
//! (`rampart_proxy::checks`): this crate never touches server state.

pub mod agent;
pub mod expect;
pub mod http;
pub mod ruleset;
pub mod run;
pub mod status;

pub use ruleset::{compile, Proto, Ruleset};
pub use run::{run, ConnectFailure, Connector, Dest, Env, Outcome, ProxyHeader, Target, Timing};
pub use status::{Report, Res, Status};
