//! Layer 6: the runtime API ("stats socket", management guide section 9.3).
//!
//! - [`proto`]: the CLI's text protocol, sans-IO (lines, `;` chains, prompt, levels,
//!   help), over the command table [`kw`];
//! - [`cmd`]: the read-only commands (`show info`, `show stat`, `show schema json`,
//!   `show env`, `show backend`, `show cli sockets`);
//! - [`maps`]: `show|get|add|set|del|clear|prepare|commit map|acl`; [`vars`]: `get var`, `set var`;
//! - [`servers`]: the server commands (`disable|enable server`, `set server`, `set|get
//!   weight`, `set maxconn server`, `show servers state|conn`...); [`frontends`]: the
//!   frontend and process-wide ones (`disable|enable|shutdown frontend`, `set maxconn`,
//!   `set rate-limit`, `shutdown sessions`, `clear counters`); [`server_addr`]: where
//!   servers and their checks connect (`set server addr|check-addr|agent-addr|...`);
//!   [`dynamic`]: servers that appear and disappear (`add server`, `del server`);
//! - [`errors`]: `show errors`; [`sess`]: `show sess`, `shutdown session`; [`process`]:
//!   `show version`, `show startup-logs`; [`activity`]: `show activity`, `show threads`;
//! - [`stat`] and [`info`]: the typed field lists of `show stat` and `show info`, built
//!   from the runtime's counters (one source for the CLI, the stats page and Prometheus),
//!   rendered by [`field`]'s writers; [`cols`]: the `show stat` columns;
//! - [`prom`]: the Prometheus exporter (`use-service prometheus-exporter`) over the
//!   same field lists, installed into the orchestrator at start-up;
//! - [`page`]: the statistics web page (`stats uri`), installed into the data path's
//!   hook (`rampart_proxy::stats_applet`) at start-up;
//! - [`server`]: the listening sockets, bound with the proxies' listeners before the
//!   process detaches and drops privileges, served by one control thread with its own
//!   small event loop, never by the workers.

#![forbid(unsafe_code)]

pub mod activity;
pub mod cmd;
pub mod cols;
pub mod dynamic;
pub mod errors;
pub mod field;
pub mod frontends;
pub mod info;
pub mod kw;
pub mod maps;
pub mod page;
pub mod process;
pub mod prom;
pub mod proto;
pub mod server;
pub mod server_addr;
pub mod servers;
pub mod sess;
pub mod stat;
pub mod vars;

pub use server::{prepare, Prepared};
