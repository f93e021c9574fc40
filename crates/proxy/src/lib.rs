//! Layer 5: the orchestrator. It turns a [`rampart_model::Snapshot`] into running
//! listeners and sequences everything a connection goes through; the layers below it are
//! sockets ([`rampart_net`]) and sans-IO codecs, and never call up.
//!
//! - [`build`]: Snapshot → [`state::Runtime`] (resolved servers, effective timeouts),
//!   opening every listener before anything else runs (HAProxy's "Starting frontend"
//!   errors);
//! - [`limits`]: `maxconn` and the file-descriptor limit, computed as HAProxy does;
//! - [`worker`]: one thread per `nbthread`, each with its own event loop, accepting on
//!   every listener; soft and hard stop; [`affinity`]: `cpu-map`;
//! - [`tcp`]: `mode tcp` sessions; [`tcp_rules`]: the `tcp-request` and `tcp-response`
//!   rule sets in both modes; [`tunnel`]: the two-way copy with HAProxy's
//!   inactivity timeouts and half-close propagation; [`splice`]: which directions splice
//!   and how many pipes may exist;
//! - [`lb`]: the balancing algorithm of each backend ([`rampart_balance`]) fed with
//!   server states, loads and requests;
//! - [`upstream`]: choosing a server and connecting to it (`timeout connect`);
//!   [`retry`]: retries (`retry-on`) and redispatch;
//!   [`queue`]: server slots (`maxconn`) and the queues of streams waiting for one;
//!   [`pool`]: server connections of `mode http` and the per-thread idle pool
//!   (`http-reuse`);
//! - [`checks`]: health and agent checks running on the workers, publishing server
//!   state changes; [`observe`]: server health seen from traffic (`observe`);
//!   [`kill`]: shutting a server's streams down (`on-marked-down`, `on-marked-up`);
//! - [`auth`]: `userlist` sections checking HTTP basic authentication;
//! - [`activity`]: what each worker does (`show activity`, `show threads`) and how
//!   idle the workers are (`Idle_pct`);
//! - [`rate`]: event rates (`rate-limit sessions`, `maxconnrate`, `maxsessrate`).
//! - [`snapshot`]: the last invalid request and response of each proxy (`show errors`);
//! - [`gaps`]: the start-up warnings about settings accepted but not applied yet;
//! - [`service`]: `use-service` (the Prometheus exporter, rendered by layer 6);
//! - [`sessions`]: each thread's registry of its sessions (`show sess`, `shutdown session`).

pub mod accept;
pub mod activity;
pub mod affinity;
pub mod auth;
pub mod build;
pub mod capture;
pub mod checks;
pub mod crypt;
pub mod debug;
pub mod env;
pub mod gaps;
pub mod handshake;
pub mod http;
pub mod idle;
pub mod kill;
pub mod lb;
pub mod limits;
pub mod logs;
pub mod observe;
pub mod pool;
pub mod queue;
pub mod rate;
pub mod retry;
pub mod server_state;
pub mod servers;
pub mod service;
pub mod sessions;
pub mod snapshot;
pub mod splice;
pub mod state;
pub mod stats;
pub mod stats_applet;
pub mod tcp;
pub mod tcp_rules;
pub mod tunnel;
pub mod upstream;
pub mod worker;

pub use build::{build, BuildError, Built};
pub use worker::{run, run_with, Control, RunOptions};
