//! Snapshot → [`Runtime`]: indexes backends, resolves server names (`init-addr`), computes
//! effective timeouts, and opens every listening socket. Listeners are opened here, in the
//! main thread and before privileges are dropped, so a port that cannot be bound stops
//! the start-up with HAProxy's message, as `haproxy` does before forking or threading.

use crate::limits::Limits;
use crate::server_state::{admin, ConnLimits, Live, Op};
use crate::state::*;
use rampart_model::ids::auto_ids;
use rampart_model::proxy::bind::{Bind, BindAddr};
use rampart_model::proxy::server::{ServerAddr, ServerPort};
use rampart_model::proxy::{BackendRef, Proxy, ProxyKind};
use rampart_model::Snapshot;
use rampart_net::connect::{SourceSpec, Target};
use rampart_net::{ListenAddr, Listener, ListenerSpec};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

/// A start-up failure, worded as HAProxy's alerts (the binary adds `[ALERT]`).
#[derive(Debug)]
pub struct BuildError {
    pub messages: Vec<String>,
}

fn ms(v: u32) -> Option<Duration> {
    (v != 0).then(|| Duration::from_millis(u64::from(v)))
}

/// The runtime and its open listening sockets (`listeners[frontend][listener]`), kept
/// apart because the sockets are handed to the workers and closed on soft stop.
pub struct Built {
    pub runtime: Runtime,
    pub listeners: Vec<Vec<Listener>>,
}

/// Builds the runtime and opens the listeners.
pub fn build(
    snap: &Snapshot,
    limits: &Limits,
    loc: &dyn Fn(rampart_config::Span) -> String,
) -> Result<Built, BuildError> {
    let mut errors = Vec::new();
    // The running proxies and their Snapshot indexes.
    let (live_idx, live): (Vec<usize>, Vec<&Proxy>) = snap
        .proxies
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind != ProxyKind::Defaults && !p.disabled)
        .unzip();
    let uuids = rampart_model::ids::proxy_uuids(&snap.proxies, &snap.global);
    let mut proxies = vec![ProxyRt::default(); snap.proxies.len()];
    // Backends first: frontends refer to them by index.
    let mut be_index: HashMap<&str, usize> = HashMap::new();
    let mut backends = Vec::new();
    for (&i, p) in live_idx.iter().zip(&live).filter(|(_, p)| p.is_be()) {
        be_index.insert(p.name.as_str(), backends.len());
        proxies[i].be = Some(backends.len());
        let mut be = build_backend(p, &snap.defaults, limits, &mut errors);
        be.uuid = uuids[i];
        backends.push(be);
    }
    let mut frontends = Vec::new();
    let mut sockets = Vec::new();
    for (&pi, p) in live_idx.iter().zip(&live).filter(|(_, p)| p.is_fe()) {
        let own_backend = p
            .is_be()
            .then(|| be_index.get(p.name.as_str()).copied())
            .flatten();
        let default_backend = match &p.default_backend {
            Some(name) => resolve_backend(&name.value, &live, &be_index),
            None if p.kind == ProxyKind::Listen => own_backend,
            None => None,
        };
        let switching = p
            .use_backends
            .iter()
            .filter_map(|u| match &u.target {
                BackendRef::Name(n) => Some(Switch {
                    backend: SwitchTo::Backend(resolve_backend(n, &live, &be_index)?),
                    cond: u.cond.clone(),
                }),
                BackendRef::Dynamic(lf) => Some(Switch {
                    backend: SwitchTo::Dynamic(lf.clone()),
                    cond: u.cond.clone(),
                }),
            })
            .collect();
        if p.binds.is_empty() {
            continue;
        }
        let mut listeners = Vec::new();
        let mut socks = Vec::new();
        for b in &p.binds {
            open_bind(p, b, limits, loc, &mut listeners, &mut socks, &mut errors);
        }
        let forced: Vec<_> = listeners.iter().map(|l| Some(l.forced_id)).collect();
        let socket_stats = p.options.flags.socket_stats;
        for (l, id) in listeners.iter_mut().zip(auto_ids(&forced, 1)) {
            l.id = id;
            // `option socket-stats`: each listener counts for itself, and one without
            // a name takes HAProxy's (`sock-<id>`, which `so_name` returns too).
            if socket_stats {
                l.counters = Some(Box::default());
                if l.name.is_none() {
                    l.name = Some(format!("sock-{id}").into());
                }
            }
        }
        sockets.push(socks);
        let t = &p.timeouts;
        proxies[pi].fe = Some(frontends.len());
        let (rules, acls) = HttpRules::of(p, &snap.defaults);
        frontends.push(Frontend {
            name: p.name.clone(),
            uuid: uuids[pi],
            acls,
            monitor_uri: p.monitor_uri.as_ref().map(|u| Box::from(u.as_bytes())),
            monitor_fail: p.monitor_fail.clone(),
            stats: stats_of(p),
            mode: p.mode,
            listeners,
            maxconn: p.maxconn,
            rate_limit_sessions: p.rate_limit_sessions.unwrap_or(0),
            sess_rate: Default::default(),
            default_backend,
            switching,
            own_backend,
            tcp: crate::tcp_rules::TcpRules::of(p),
            timeouts: FeTimeouts {
                client: ms(t.client),
                tarpit: ms(if t.tarpit != 0 { t.tarpit } else { t.connect }),
                client_fin: ms(t.client_fin),
                http_request: ms(t.http_request),
                http_keep_alive: ms(t.http_keep_alive),
            },
            caps: crate::capture::CapSlots::of(p, &snap.defaults),
            clitcpka: p.options.flags.clitcpka,
            nolinger: p.options.flags.nolinger,
            splice: crate::splice::SpliceOpts::of(&p.options.flags, limits),
            http: FeHttp {
                conn_mode: p.options.http_conn_mode,
                forwardfor: p.options.forwardfor.clone(),
                originalto: p.options.originalto.clone(),
                accept_invalid: p.options.flags.accept_invalid_http_request,
                ignore_probes: p.options.flags.http_ignore_probes,
                buffer_request: p.options.flags.http_buffer_request,
                case_adjust_client: p.options.flags.h1_case_adjust_bogus_client,
                use_proxy_header: p.options.flags.http_use_proxy_header,
                rules,
                errors: p.errors.clone(),
            },
            counters: ProxyCounters::default(),
            invalid_req: Default::default(),
            log: crate::logs::FeLog::new(crate::logs::sink_for(pi, p, &snap.global), p),
        });
    }
    if !errors.is_empty() {
        return Err(BuildError { messages: errors });
    }
    set_fullconn(&live, &be_index, &mut backends, limits.maxconn);
    let g = &snap.global;
    let checks = match crate::checks::build(snap, &backends, g.tune.bufsize as usize) {
        Ok(c) => c,
        Err(e) => return Err(BuildError { messages: vec![e] }),
    };
    // An admin-level `stats socket` may shut any server's streams down (`shutdown
    // sessions server`): every server's streams then register to be shut down.
    let cli_kills = g
        .stats
        .sockets
        .iter()
        .any(|l| l.level == rampart_model::global::stats::AccessLevel::Admin);
    for (bi, b) in backends.iter_mut().enumerate() {
        for (si, s) in b.servers.iter_mut().enumerate() {
            s.observe.at = (bi, si);
            if cli_kills && !s.kill.watched {
                s.kill = crate::kill::KillSwitch::new(true);
            }
        }
    }
    let kills_watched = backends
        .iter()
        .any(|b| b.servers.iter().any(|s| s.kill.watched));
    let backend_names = backends
        .iter()
        .enumerate()
        .map(|(i, b)| (Box::from(b.name.as_bytes()), i))
        .collect();
    let any_rules = frontends.iter().any(|f| f.http.rules.any() || f.tcp.any())
        || backends.iter().any(|b| b.http.rules.any() || b.tcp.any());
    // The files' names, by id ("name:line" from `loc`; an unknown id reads "?").
    let files = (0..u32::from(u16::MAX))
        .map(|i| {
            let l = loc(rampart_config::Span {
                file: rampart_config::FileId(i),
                line: 0,
            });
            let name = l.strip_suffix(":0").unwrap_or(&l).to_string();
            name.into_boxed_str()
        })
        .take_while(|n| &**n != "?")
        .collect();
    let runtime = Runtime {
        files,
        any_rules,
        frontends,
        backends,
        proxies,
        backend_names,
        maxconn: limits.maxconn,
        nbthread: limits.nbthread,
        bufsize: g.tune.bufsize as usize,
        maxrewrite: g.tune.maxrewrite.min(g.tune.bufsize / 2) as usize,
        max_http_hdr: usize::from(g.tune.max_http_hdr),
        h1_case: case_map(&g.h1_case_adjust),
        hard_stop_after: g
            .hard_stop_after_ms
            .map(|v| Duration::from_millis(u64::from(v))),
        grace: g.grace_ms.map(|v| Duration::from_millis(u64::from(v))),
        maxconnrate: g.maxconnrate.unwrap_or(0),
        maxsessrate: g.maxsessrate.unwrap_or(0),
        conn_rate: Default::default(),
        sess_rate: Default::default(),
        process: Default::default(),
        pipes: crate::splice::pipe_limits(snap, limits),
        cpu_map: g.cpu_map.clone(),
        checks,
        kill_bell: Default::default(),
        kills_watched,
        userlists: crate::auth::Userlists::of(&snap.others.userlists),
        proc_vars: std::sync::RwLock::new(proc_vars(snap)),
    };
    Ok(Built {
        runtime,
        listeners: sockets,
    })
}

/// The process-wide variables at start-up: the global `set-var` values, and every
/// `proc.` variable the rules name, created unset as HAProxy does while reading them.
fn proc_vars(snap: &Snapshot) -> rampart_rules::vars::VarSet {
    let mut set = snap.global.proc_vars.clone();
    for v in &snap.proc_vars {
        set.declare(v.hash);
    }
    set
}

/// The `h1-case-adjust` spellings (checked by the model already).
fn case_map(pairs: &[(String, String)]) -> rampart_h1::CaseMap {
    let mut m = rampart_h1::CaseMap::new();
    for (from, to) in pairs {
        let _ = m.insert(from.as_bytes(), to.as_bytes());
    }
    m
}

fn build_backend(
    p: &Proxy,
    defaults: &[Proxy],
    limits: &Limits,
    errors: &mut Vec<String>,
) -> Backend {
    let be = backend_of(p, defaults, limits, errors);
    crate::upstream::servers_changed(&be);
    be
}

fn backend_of(p: &Proxy, defaults: &[Proxy], limits: &Limits, errors: &mut Vec<String>) -> Backend {
    let t = &p.timeouts;
    let mut servers: Vec<Server> = p
        .servers
        .iter()
        .map(|s| build_server(p, s, errors))
        .collect();
    let forced: Vec<_> = p.servers.iter().map(|s| Some(s.id)).collect();
    for (s, id) in servers.iter_mut().zip(auto_ids(&forced, 1)) {
        s.puid = id;
    }
    // `dispatch <addr>:<port>`: a backend without servers sends everything there;
    // `option transparent`: to the stream's destination address.
    if servers.is_empty() {
        let target = match &p.dispatch {
            Some(d) => match (&d.host, d.single_port()) {
                (rampart_model::addr::Host::Ip(ip), Some(port)) => Some(ServerTarget::Ip {
                    ip: *ip,
                    port: PortMap::Fixed(port),
                }),
                _ => None,
            },
            None if p.transparent => Some(ServerTarget::Transparent),
            None => None,
        };
        if let Some(addr) = target {
            {
                servers.push(Server {
                    name: if matches!(addr, ServerTarget::Transparent) {
                        "<transparent>".into()
                    } else {
                        "<dispatch>".into()
                    },
                    puid: 1,
                    addr: crate::server_state::LiveTarget::new(addr),
                    backup: false,
                    live: Live::new(1, 0),
                    send_proxy: false,
                    send_proxy_v2: false,
                    proxy_v2: Default::default(),
                    source: None,
                    limits: ConnLimits::new(0, 0),
                    maxqueue: 0,
                    served: Default::default(),
                    // HAProxy's connections to a `dispatch` address (or the destination
                    // of a transparent backend) are private.
                    pool: PoolCfg {
                        private: true,
                        ..PoolCfg::default()
                    },
                    idle_conns: Default::default(),
                    counters: ServerCounters::default(),
                    cookie: None,
                    redir: None,
                    observe: Default::default(),
                    kill: Default::default(),
                    on_marked_down: false,
                    on_marked_up: false,
                    dynamic: false,
                    fqdn: None,
                    iweight: 1,
                    deleted: Default::default(),
                });
            }
        }
    }
    // `on-marked-up shutdown-backup-sessions` on an active server: the backups' streams
    // may be shut down.
    if servers.iter().any(|s| !s.backup && s.on_marked_up) {
        for s in servers.iter_mut().filter(|s| s.backup) {
            s.kill = crate::kill::KillSwitch::new(true);
        }
    }
    let balance = crate::lb::build(p, &servers);
    let names: Vec<&str> = p.servers.iter().map(|s| s.name.as_str()).collect();
    let has_redir = p.servers.iter().any(|s| s.settings.redir.is_some());
    let persist = crate::http::persist::Persist::build(
        &p.persist,
        p.options.flags.persist,
        &names,
        has_redir,
        p.mode == rampart_model::proxy::Mode::Http,
    );
    let (rules, acls) = HttpRules::of(p, defaults);
    Backend {
        name: p.name.clone(),
        uuid: 0,
        acls,
        stats: stats_of(p),
        mode: p.mode,
        servers: servers.into(),
        source: p.source.clone(),
        timeouts: BeTimeouts {
            http_request: ms(t.http_request),
            connect: ms(t.connect),
            server: ms(t.server),
            server_fin: ms(t.server_fin),
            tunnel: ms(t.tunnel),
            // HAProxy: `timeout queue` defaults to `timeout connect`.
            queue: ms(if t.queue != 0 { t.queue } else { t.connect }),
            tarpit: ms(if t.tarpit != 0 { t.tarpit } else { t.connect }),
        },
        retries: p.retries,
        redispatch: p
            .options
            .redispatch
            .map(|n| n.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32),
        option_persist: p.options.flags.persist,
        retry_on: crate::retry::RetryOn::of(&p.retry_on, p.mode),
        srvtcpka: p.options.flags.srvtcpka,
        nolinger: p.options.flags.nolinger,
        splice: crate::splice::SpliceOpts::of(&p.options.flags, limits),
        http: BeHttp {
            conn_mode: p.options.http_conn_mode,
            forwardfor: p.options.forwardfor.clone(),
            originalto: p.options.originalto.clone(),
            accept_invalid: p.options.flags.accept_invalid_http_response,
            reuse: p.http_reuse,
            retry_safe: p.retry_on.conn_failure
                && p.retry_on.empty_response
                && p.retry_on.response_timeout,
            buffer_request: p.options.flags.http_buffer_request,
            abortonclose: p.options.flags.abortonclose,
            case_adjust_server: p.options.flags.h1_case_adjust_bogus_server,
            rules,
            errors: p.errors.clone(),
        },
        allbackups: p.options.flags.allbackups,
        balance,
        fullconn: p.fullconn,
        beconn: Default::default(),
        queue: Default::default(),
        counters: ProxyCounters::default(),
        live: Default::default(),
        invalid_rep: Default::default(),
        persist,
        tcp: crate::tcp_rules::TcpRules::of(p),
    }
}

/// What a server takes from its backend's configuration.
struct SrvCtx<'a> {
    proxy: &'a str,
    /// The backend's own `source`.
    source: Option<&'a rampart_model::proxy::server::Source>,
    /// The key of `cookie ... dynamic`.
    dyn_cookie_key: Option<&'a str>,
    /// Host names are resolved (not for the runtime API's servers: HAProxy gives them
    /// `init-addr none`).
    resolve: bool,
}

fn build_server(
    p: &Proxy,
    s: &rampart_model::proxy::server::Server,
    errors: &mut Vec<String>,
) -> Server {
    let dynamic = p.persist.cookie.as_ref().is_some_and(|c| c.dynamic);
    let cx = SrvCtx {
        proxy: &p.name,
        source: p.source.as_ref(),
        dyn_cookie_key: p.persist.dynamic_cookie_key.as_deref().filter(|_| dynamic),
        resolve: true,
    };
    server_of(&cx, s, errors)
}

/// A server the runtime API adds to `be` (`add server`): built as a configured one,
/// in forced maintenance (HAProxy's dynamic servers start there), not yet numbered.
pub fn dynamic_server(
    be: &Backend,
    s: &rampart_model::proxy::server::Server,
) -> Result<Server, String> {
    let cx = SrvCtx {
        proxy: &be.name,
        source: be.source.as_ref(),
        dyn_cookie_key: None,
        resolve: false,
    };
    let mut errors = Vec::new();
    let mut srv = server_of(&cx, s, &mut errors);
    if let Some(e) = errors.pop() {
        return Err(e);
    }
    // `disabled` adds the configuration's mark (`CMAINT`) to the forced maintenance.
    srv.live = Live::new(s.settings.weight, srv.live.admin() | admin::FMAINT);
    srv.live.set_op(Op::Stopped);
    srv.dynamic = true;
    if let ServerAddr::Name { name, .. } = &s.addr {
        srv.fqdn = Some(name.as_str().into());
    }
    srv.puid = s.id.map_or(0, i64::from);
    // The runtime API may shut any server's streams down.
    srv.kill = crate::kill::KillSwitch::new(true);
    Ok(srv)
}

fn server_of(
    p: &SrvCtx<'_>,
    s: &rampart_model::proxy::server::Server,
    errors: &mut Vec<String>,
) -> Server {
    let port = match s.port {
        ServerPort::Fixed(n) => PortMap::Fixed(n),
        ServerPort::Mapped(off) => PortMap::Offset(off),
    };
    // `disabled` is a forced maintenance that the configuration asked for, as in
    // HAProxy (`CMAINT | FMAINT`).
    let mut admin_flags = if s.settings.disabled {
        admin::CMAINT | admin::FMAINT
    } else {
        0
    };
    // The server-state file's port replaces the configured one (`apply_server_state`).
    let port = match (port, s.saved) {
        (PortMap::Fixed(_), Some(saved)) => PortMap::Fixed(saved.port),
        (port, _) => port,
    };
    let mut unresolved = false;
    let addr = match &s.addr {
        ServerAddr::Ip(ip) => ServerTarget::Ip { ip: *ip, port },
        ServerAddr::Name { .. } if !p.resolve => {
            unresolved = true;
            ServerTarget::Ip {
                ip: IpAddr::from([0, 0, 0, 0]),
                port,
            }
        }
        ServerAddr::Name { name, family } => {
            // Start-up resolution (`init-addr libc`); an unresolvable name was either
            // refused by the checks or accepted with `init-addr none` (server disabled).
            // `init-addr last` (first by default) takes the server-state file's address.
            let want_v6 = matches!(family, Some(rampart_model::addr::IpFamily::V6));
            let want_v4 = matches!(family, Some(rampart_model::addr::IpFamily::V4));
            let resolve = || {
                (name.as_str(), 0u16)
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut it| {
                        it.find(|a| (!want_v6 || a.is_ipv6()) && (!want_v4 || a.is_ipv4()))
                    })
                    .map(|a| a.ip())
            };
            use rampart_model::proxy::server::InitAddr;
            let methods = s.settings.init_addr.as_deref();
            let rank = |m: &InitAddr| match methods {
                Some(list) => list.iter().position(|x| x == m),
                None => [InitAddr::Last, InitAddr::Libc].iter().position(|x| x == m),
            };
            let saved = s
                .saved
                .and_then(|v| v.addr)
                .filter(|_| rank(&InitAddr::Last).is_some());
            let found = match (rank(&InitAddr::Last), rank(&InitAddr::Libc)) {
                (Some(l), Some(c)) if l < c => saved.or_else(resolve),
                _ => resolve().or(saved),
            };
            match found {
                Some(ip) => ServerTarget::Ip { ip, port },
                None => {
                    admin_flags |= admin::RMAINT;
                    unresolved = true;
                    ServerTarget::Ip {
                        ip: IpAddr::from([0, 0, 0, 0]),
                        port,
                    }
                }
            }
        }
        ServerAddr::Unix(path) => ServerTarget::Other(Target::Unix(PathBuf::from(path))),
        ServerAddr::Abns(name) => ServerTarget::Other(Target::Abns(name.clone())),
        ServerAddr::SockPair(_) => {
            errors.push(format!(
                "Proxy '{}': server '{}' uses a socket pair address, which Rampart cannot connect to yet.",
                p.proxy, s.name
            ));
            ServerTarget::Other(Target::Abns(String::new()))
        }
    };
    let source = s.settings.source.as_ref().or(p.source).and_then(|src| {
        let ip = match &src.addr.host {
            rampart_model::addr::Host::Ip(ip) => *ip,
            _ => return None,
        };
        let ports = match src.addr.port {
            rampart_model::addr::Port::Range(a, b) if a != 0 => Some((a, b)),
            _ => None,
        };
        Some(SourceSpec {
            ip,
            ports,
            interface: src.interface.clone(),
        })
    });
    let st = &s.settings;
    // HAProxy's `srv_minmax_conn_apply`: `minconn` alone (or above `maxconn`) is the
    // limit; `maxconn` alone is a static limit.
    let (mut maxconn, mut minconn) = (st.maxconn, st.minconn);
    if minconn > maxconn {
        maxconn = minconn;
    } else if maxconn > 0 && minconn == 0 {
        minconn = maxconn;
    }
    let cookie = st.cookie.as_deref().map(Into::into).or_else(|| {
        // `cookie ... dynamic`: the value derives from the key, address and port.
        let key = p.dyn_cookie_key?;
        let ServerTarget::Ip { ip, port } = &addr else {
            return None;
        };
        let port = match *port {
            PortMap::Fixed(n) => n,
            PortMap::Offset(off) => off as u16,
        };
        Some(rampart_model::proxy::persist::dynamic_cookie(key, *ip, port).into())
    });
    let live = match s.saved {
        Some(saved) => {
            // HAProxy's maintenance mask leaves out `CMAINT`, which only says that a
            // forced maintenance came from the configuration.
            let mut a = saved.admin;
            if a & admin::FMAINT == 0 {
                a &= !admin::CMAINT;
            }
            let l = Live::new(saved.uweight, a | (admin_flags & admin::RMAINT));
            l.set_op(match saved.op {
                0 => Op::Stopped,
                1 => Op::Starting,
                3 => Op::Stopping,
                _ => Op::Running,
            });
            // The file's time since the last change goes on (HAProxy's `last_change`).
            let since = u32::try_from(saved.since_change.max(0)).unwrap_or(u32::MAX);
            l.changed(crate::server_state::now_secs().saturating_sub(since));
            l
        }
        None => Live::new(s.settings.weight, admin_flags),
    };
    Server {
        name: s.name.clone(),
        puid: 0,
        addr: if unresolved {
            crate::server_state::LiveTarget::unresolved(addr)
        } else {
            crate::server_state::LiveTarget::new(addr)
        },
        backup: s.settings.backup,
        live,
        send_proxy: st.send_proxy,
        send_proxy_v2: st.send_proxy_v2,
        proxy_v2: st.proxy_v2_options,
        source,
        limits: ConnLimits::new(maxconn, minconn),
        maxqueue: st.maxqueue,
        served: Default::default(),
        pool: PoolCfg {
            max_conn: st.pool_max_conn.unwrap_or(-1),
            low_conn: st
                .pool_low_conn
                .map_or(0, |v| u32::try_from(v).unwrap_or(0)),
            purge_delay: st.pool_purge_delay.map_or(Duration::from_secs(5), |v| {
                Duration::from_millis(u64::from(v))
            }),
            max_reuse: st.max_reuse.unwrap_or(-1),
            private: false,
        },
        idle_conns: Default::default(),
        counters: ServerCounters::default(),
        cookie,
        redir: st.redir.as_deref().map(Into::into),
        observe: crate::observe::Observe::of(st, st.check.enabled),
        kill: crate::kill::KillSwitch::new(st.on_marked_down.is_some()),
        on_marked_down: st.on_marked_down.is_some(),
        on_marked_up: st.on_marked_up.is_some(),
        dynamic: false,
        fqdn: None,
        iweight: s.settings.weight,
        deleted: Default::default(),
    }
}

/// The backend a rule names: by name, or by its `id` as `#id` (HAProxy's
/// `proxy_be_by_name`). The model has checked that it exists.
fn resolve_backend(name: &str, live: &[&Proxy], be_index: &HashMap<&str, usize>) -> Option<usize> {
    match name.strip_prefix('#') {
        Some(id) => {
            let id = rampart_core::cnum::atol(id);
            live.iter()
                .filter(|b| b.is_be())
                .position(|b| b.id.is_some_and(|i| i64::from(i) == id))
        }
        None => be_index.get(name).copied(),
    }
}

/// `fullconn` of the backends that do not set it: 10% of the sum of the `maxconn` of
/// the frontends that may use them (`default_backend`, `use_backend`, a `listen`
/// itself), at least 1, as HAProxy's `proxy_adjust_all_maxconn` computes it.
fn set_fullconn(
    live: &[&Proxy],
    be_index: &HashMap<&str, usize>,
    backends: &mut [Backend],
    global_maxconn: u32,
) {
    let mut total = vec![0u64; backends.len()];
    for p in live.iter().filter(|p| p.is_fe()) {
        let maxconn = u64::from(if p.maxconn > 0 {
            p.maxconn
        } else {
            global_maxconn
        });
        let default = match &p.default_backend {
            Some(name) => be_index.get(name.value.as_str()).copied(),
            None if p.kind == ProxyKind::Listen => be_index.get(p.name.as_str()).copied(),
            None => None,
        };
        let mut seen: Vec<usize> = default.into_iter().collect();
        for u in &p.use_backends {
            if let BackendRef::Name(n) = &u.target {
                if let Some(&i) = be_index.get(n.as_str()) {
                    if !seen.contains(&i) {
                        seen.push(i);
                    }
                }
            }
        }
        for i in seen {
            total[i] += maxconn;
        }
    }
    for (b, t) in backends.iter_mut().zip(total) {
        if b.fullconn == 0 {
            b.fullconn = t.div_ceil(10).clamp(1, u64::from(u32::MAX)) as u32;
        }
    }
}

/// Opens the listeners of one `bind` line (one per address and port).
fn open_bind(
    p: &Proxy,
    b: &Bind,
    limits: &Limits,
    loc: &dyn Fn(rampart_config::Span) -> String,
    out: &mut Vec<ListenerRt>,
    socks: &mut Vec<Listener>,
    errors: &mut Vec<String>,
) {
    let o = &b.opts;
    let maxconn = o.maxconn.unwrap_or(0);
    // HAProxy: the bind's backlog, else the frontend's, else the listener's maxconn,
    // else the frontend's maxconn, else the global one.
    let backlog = o
        .backlog
        .filter(|&v| v > 0)
        .or((p.backlog > 0).then_some(p.backlog))
        .or((maxconn > 0).then_some(maxconn))
        .or((p.maxconn > 0).then_some(p.maxconn))
        .unwrap_or(limits.maxconn)
        .min(i32::MAX as u32) as i32;
    let spec = ListenerSpec {
        backlog,
        v4v6: o.v4v6,
        v6only: o.v6only,
        defer_accept: o.defer_accept,
        tfo: o.tfo,
        mss: o.mss,
        interface: o.interface.clone(),
        transparent: o.transparent,
        reuseport: limits.reuseport,
        unix_mode: o.unix_mode,
        uid: o.uid,
        gid: o.gid,
    };
    let mut specs = Vec::new();
    for a in &b.addrs {
        match a {
            BindAddr::Inet { ip, ports } => {
                for port in ports.0..=ports.1 {
                    specs.push(ListenAddr::Inet(SocketAddr::new(*ip, port)));
                }
            }
            BindAddr::Unix(path) => specs.push(ListenAddr::Unix(PathBuf::from(path))),
            BindAddr::Abns(name) => specs.push(ListenAddr::Abns(name.clone())),
            BindAddr::Fd(n) => specs.push(ListenAddr::Fd(*n as i32)),
            BindAddr::SockPair(n) => errors.push(format!(
                "Starting {} {}: cannot receive listeners over sockpair@{n} yet.",
                p.kind.type_str(),
                p.name
            )),
        }
    }
    let name: Option<std::sync::Arc<str>> = o.name.as_deref().map(Into::into);
    for addr in specs {
        match Listener::open(&addr, &spec) {
            Ok(socket) => {
                // An inherited socket's address is the kernel's, as HAProxy reads it.
                let at = match (&addr, &socket) {
                    (ListenAddr::Inet(a), _) => Some(*a),
                    (ListenAddr::Fd(_), Listener::Tcp(l)) => l.local_addr().ok(),
                    _ => None,
                };
                socks.push(socket);
                out.push(ListenerRt {
                    shown: addr.to_string(),
                    accept_proxy: o.accept_proxy,
                    maxconn,
                    name: name.clone(),
                    id: 0,
                    forced_id: o.id,
                    addr: at,
                    counters: None,
                });
            }
            Err(e) => errors.push(format!(
                "Binding [{}] for {} {}: {e} for [{addr}]",
                loc(b.span),
                p.kind.type_str(),
                p.name
            )),
        }
    }
}

/// The statistics page a proxy serves (HAProxy drops it outside `mode http`).
fn stats_of(p: &Proxy) -> Option<std::sync::Arc<rampart_model::proxy::stats_page::StatsPage>> {
    let st = p.stats.as_deref()?;
    (p.mode == rampart_model::proxy::Mode::Http).then(|| std::sync::Arc::new(st.clone()))
}
