//! The `global` keyword table: every keyword HAProxy 2.6 accepts in the `global` section,
//! from `cfgparse-global.c` and from every module registering `CFG_GLOBAL` keywords
//! (threads, SSL, Lua, HTTP/2, QUIC, pools, variables, the HTTP client, the device-detection
//! add-ons...), each with what Rampart does with it.
//!
//! Some keywords get an argument check before the table's verdict ([`precheck`]): tuning
//! knobs are validated like HAProxy validates them, Lua files must exist, and keywords
//! HAProxy 2.6 itself refuses (`nbproc`, `tune.chksize`) get HAProxy's own message.

use super::args::{alert_tight, Args};
use super::process::{self as p, nbproc_message};
use super::{env, h1, stats, tune as t, GlobalBuilder};
use crate::kw::{Cx, Keyword};

/// Marker: the line was refused and the alert already pushed.
#[derive(Debug)]
pub struct Reported;

/// Device detection add-ons (51Degrees, DeviceAtlas, WURFL).
const DEVICE_DETECTION: &str = "third-party device-detection libraries are not part of Rampart; \
     detect devices in a service behind it, or match the User-Agent with maps and ACLs";
/// OpenSSL-only machinery.
const OPENSSL_ONLY: &str =
    "Rampart's TLS stack (rustls) has no OpenSSL engines or providers; remove the line";
/// Keywords HAProxy 2.6 itself no longer accepts.
const NBPROC: &str = "removed in HAProxy 2.5: one process runs several threads (see nbthread)";
const CHKSIZE: &str = "removed from HAProxy: health checks use tune.bufsize";

/// Every keyword of the `global` section.
pub static GLOBAL: &[Keyword<GlobalBuilder>] = &[
    // 3.1 Process management and security
    Keyword::rejected("51degrees-cache-size", DEVICE_DETECTION),
    Keyword::rejected("51degrees-data-file", DEVICE_DETECTION),
    Keyword::rejected("51degrees-property-name-list", DEVICE_DETECTION),
    Keyword::rejected("51degrees-property-separator", DEVICE_DETECTION),
    Keyword::not_yet("ca-base"),
    Keyword::parse("chroot", p::parse_chroot),
    Keyword::not_yet("close-spread-time"),
    Keyword::not_yet("cluster-secret"),
    Keyword::parse("cpu-map", p::parse_cpu_map),
    Keyword::not_yet("crt-base"),
    Keyword::parse("daemon", p::parse_daemon),
    Keyword::parse("default-path", p::parse_default_path),
    Keyword::parse("description", p::parse_description),
    Keyword::rejected("deviceatlas-json-file", DEVICE_DETECTION),
    Keyword::rejected("deviceatlas-log-level", DEVICE_DETECTION),
    Keyword::rejected("deviceatlas-properties-cookie", DEVICE_DETECTION),
    Keyword::rejected("deviceatlas-property-separator", DEVICE_DETECTION),
    Keyword::parse(
        "expose-experimental-directives",
        p::parse_expose_experimental,
    ),
    Keyword::not_yet("external-check"),
    Keyword::parse("fd-hard-limit", p::parse_fd_hard_limit),
    Keyword::parse("gid", p::parse_gid),
    Keyword::parse("grace", p::parse_grace),
    Keyword::parse("group", p::parse_group),
    Keyword::not_yet("h1-accept-payload-with-any-method"),
    Keyword::parse("h1-case-adjust", h1::parse_case_adjust),
    Keyword::parse("h1-case-adjust-file", h1::parse_case_adjust_file),
    Keyword::not_yet("h2-workaround-bogus-websocket-clients"),
    Keyword::parse("hard-stop-after", p::parse_hard_stop_after),
    Keyword::not_yet("httpclient.resolvers.id"),
    Keyword::not_yet("httpclient.resolvers.prefer"),
    Keyword::not_yet("httpclient.ssl.ca-file"),
    Keyword::not_yet("httpclient.ssl.verify"),
    Keyword::not_yet("insecure-fork-wanted"),
    Keyword::not_yet("insecure-setuid-wanted"),
    Keyword::not_yet("issuers-chain-path"),
    Keyword::parse("localpeer", p::parse_localpeer),
    Keyword::parse("log", p::parse_log),
    Keyword::parse("log-send-hostname", p::parse_log_send_hostname),
    Keyword::parse("log-tag", p::parse_log_tag),
    Keyword::not_yet("lua-load"),
    Keyword::not_yet("lua-load-per-thread"),
    Keyword::not_yet("lua-prepend-path"),
    Keyword::not_yet("master-worker"),
    Keyword::not_yet("mworker-max-reloads"),
    Keyword::rejected("nbproc", NBPROC),
    Keyword::parse("nbthread", p::parse_nbthread),
    Keyword::parse("node", p::parse_node),
    Keyword::tuning("numa-cpu-mapping"),
    Keyword::parse("pidfile", p::parse_pidfile),
    Keyword::not_yet("pp2-never-send-local"),
    Keyword::parse("presetenv", env::parse_setenv),
    Keyword::parse("resetenv", env::parse_resetenv),
    Keyword::not_yet("set-dumpable"),
    Keyword::parse("set-var", super::vars::parse_set_var),
    Keyword::parse("set-var-fmt", super::vars::parse_set_var),
    Keyword::parse("setenv", env::parse_setenv),
    Keyword::not_yet("ssl-default-bind-ciphers"),
    Keyword::not_yet("ssl-default-bind-ciphersuites"),
    Keyword::not_yet("ssl-default-bind-curves"),
    Keyword::not_yet("ssl-default-bind-options"),
    Keyword::not_yet("ssl-default-server-ciphers"),
    Keyword::not_yet("ssl-default-server-ciphersuites"),
    Keyword::not_yet("ssl-default-server-options"),
    Keyword::tuning("ssl-dh-param-file"),
    Keyword::not_yet("ssl-load-extra-del-ext"),
    Keyword::not_yet("ssl-load-extra-files"),
    Keyword::rejected("ssl-propquery", OPENSSL_ONLY),
    Keyword::rejected("ssl-provider", OPENSSL_ONLY),
    Keyword::rejected("ssl-provider-path", OPENSSL_ONLY),
    Keyword::not_yet("ssl-server-verify"),
    Keyword::not_yet("ssl-skip-self-issued-ca"),
    Keyword::parse("stats", stats::parse_stats),
    Keyword::parse("strict-limits", p::parse_strict_limits),
    Keyword::tuning("thread-group"),
    Keyword::tuning("thread-groups"),
    Keyword::parse("uid", p::parse_uid),
    Keyword::parse("ulimit-n", p::parse_ulimit_n),
    Keyword::not_yet("unix-bind"),
    Keyword::parse("unsetenv", env::parse_unsetenv),
    Keyword::parse("user", p::parse_user),
    Keyword::rejected("wurfl-cache-size", DEVICE_DETECTION),
    Keyword::rejected("wurfl-data-file", DEVICE_DETECTION),
    Keyword::rejected("wurfl-engine-mode", DEVICE_DETECTION),
    Keyword::rejected("wurfl-information-list", DEVICE_DETECTION),
    Keyword::rejected("wurfl-information-list-separator", DEVICE_DETECTION),
    Keyword::rejected("wurfl-patch-file", DEVICE_DETECTION),
    Keyword::rejected("wurfl-useragent-priority", DEVICE_DETECTION),
    // 3.2 Performance tuning
    Keyword::tuning("busy-polling"),
    Keyword::parse("max-spread-checks", p::parse_max_spread_checks),
    Keyword::not_yet("maxcompcpuusage"),
    Keyword::not_yet("maxcomprate"),
    Keyword::parse("maxconn", p::parse_maxconn),
    Keyword::parse("maxconnrate", p::parse_rate_limit),
    Keyword::parse("maxpipes", t::parse_maxpipes),
    Keyword::parse("maxsessrate", p::parse_rate_limit),
    Keyword::not_yet("maxsslconn"),
    Keyword::not_yet("maxsslrate"),
    Keyword::not_yet("maxzlibmem"),
    Keyword::tuning("no-memory-trimming"),
    Keyword::tuning("noepoll"),
    Keyword::tuning("noevports"),
    Keyword::tuning("nogetaddrinfo"),
    Keyword::tuning("nokqueue"),
    Keyword::tuning("nopoll"),
    Keyword::not_yet("noreuseport"),
    Keyword::parse("nosplice", t::parse_nosplice),
    Keyword::tuning("profiling.memory"),
    Keyword::tuning("profiling.tasks"),
    Keyword::parse("server-state-base", p::parse_server_state),
    Keyword::parse("server-state-file", p::parse_server_state),
    Keyword::parse("spread-checks", p::parse_spread_checks),
    Keyword::rejected("ssl-engine", OPENSSL_ONLY),
    Keyword::tuning("ssl-mode-async"),
    Keyword::tuning("tune.buffers.limit"),
    Keyword::tuning("tune.buffers.reserve"),
    Keyword::parse("tune.bufsize", t::parse_bufsize),
    Keyword::rejected("tune.chksize", CHKSIZE),
    Keyword::not_yet("tune.comp.maxlevel"),
    Keyword::tuning("tune.fail-alloc"),
    Keyword::tuning("tune.fd.edge-triggered"),
    Keyword::not_yet("tune.h2.header-table-size"),
    Keyword::not_yet("tune.h2.initial-window-size"),
    Keyword::not_yet("tune.h2.max-concurrent-streams"),
    Keyword::not_yet("tune.h2.max-frame-size"),
    Keyword::not_yet("tune.http.cookielen"),
    Keyword::not_yet("tune.http.logurilen"),
    Keyword::parse("tune.http.maxhdr", t::parse_max_http_hdr),
    Keyword::tuning("tune.idle-pool.shared"),
    Keyword::tuning("tune.idletimer"),
    Keyword::tuning("tune.listener.multi-queue"),
    Keyword::not_yet("tune.lua.forced-yield"),
    Keyword::not_yet("tune.lua.maxmem"),
    Keyword::not_yet("tune.lua.service-timeout"),
    Keyword::not_yet("tune.lua.session-timeout"),
    Keyword::not_yet("tune.lua.task-timeout"),
    Keyword::tuning("tune.maxaccept"),
    Keyword::tuning("tune.maxpollevents"),
    Keyword::parse("tune.maxrewrite", t::parse_maxrewrite),
    Keyword::tuning("tune.pattern.cache-size"),
    Keyword::not_yet("tune.peers.max-updates-at-once"),
    Keyword::parse("tune.pipesize", t::parse_pipesize),
    Keyword::tuning("tune.pool-high-fd-ratio"),
    Keyword::tuning("tune.pool-low-fd-ratio"),
    // The truncated name is what HAProxy 2.6 registers.
    Keyword::not_yet("tune.quic.backend.max-idle-timeou"),
    Keyword::not_yet("tune.quic.frontend.conn-tx-buffers.limit"),
    Keyword::not_yet("tune.quic.frontend.max-idle-timeout"),
    Keyword::not_yet("tune.quic.frontend.max-streams-bidi"),
    Keyword::not_yet("tune.quic.retry-threshold"),
    Keyword::not_yet("tune.rcvbuf.client"),
    Keyword::not_yet("tune.rcvbuf.server"),
    Keyword::tuning("tune.recv_enough"),
    Keyword::tuning("tune.runqueue-depth"),
    Keyword::tuning("tune.sched.low-latency"),
    Keyword::not_yet("tune.sndbuf.client"),
    Keyword::not_yet("tune.sndbuf.server"),
    Keyword::not_yet("tune.ssl.cachesize"),
    Keyword::not_yet("tune.ssl.capture-buffer-size"),
    Keyword::not_yet("tune.ssl.capture-cipherlist-size"),
    Keyword::tuning("tune.ssl.default-dh-param"),
    Keyword::not_yet("tune.ssl.force-private-cache"),
    Keyword::not_yet("tune.ssl.hard-maxrecord"),
    Keyword::not_yet("tune.ssl.keylog"),
    Keyword::not_yet("tune.ssl.lifetime"),
    Keyword::not_yet("tune.ssl.maxrecord"),
    Keyword::not_yet("tune.ssl.ssl-ctx-cache-size"),
    Keyword::not_yet("tune.vars.check-max-size"),
    Keyword::not_yet("tune.vars.global-max-size"),
    Keyword::not_yet("tune.vars.proc-max-size"),
    Keyword::not_yet("tune.vars.reqres-max-size"),
    Keyword::not_yet("tune.vars.sess-max-size"),
    Keyword::not_yet("tune.vars.txn-max-size"),
    Keyword::not_yet("tune.zlib.memlevel"),
    Keyword::not_yet("tune.zlib.windowsize"),
    // 3.3 Debugging
    Keyword::parse("quiet", p::parse_quiet),
    Keyword::parse("zero-warning", p::parse_zero_warning),
];

/// The words after `stats`, as the matrix shows them (lines are parsed by
/// [`stats::parse_stats`]).
pub static STATS: &[Keyword<GlobalBuilder>] = &[
    Keyword::parse("stats bind-process", stats::parse_stats),
    Keyword::parse("stats maxconn", stats::parse_stats),
    Keyword::parse("stats socket", stats::parse_stats),
    Keyword::parse("stats timeout", stats::parse_stats),
];

/// `bind` options on a `stats socket` line, as a table for the matrix.
pub fn stats_socket_options() -> Vec<Keyword<()>> {
    fn implemented(_: &mut (), _: &mut Cx<'_>) -> Result<(), String> {
        Ok(())
    }
    stats::BIND_OPTIONS
        .iter()
        .map(|&(name, _)| {
            if stats::IMPLEMENTED.contains(&name) {
                Keyword::parse(name, implemented)
            } else {
                Keyword::not_yet(name)
            }
        })
        .collect()
}

/// Argument checks run before the table's verdict for some keywords. `Err(Reported)`
/// means the line was refused (the alert is already pushed) and is not dispatched.
pub fn precheck(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    let check: fn(&mut GlobalBuilder, &mut Cx<'_>) -> Result<(), Reported> = match cx.keyword() {
        "noepoll" | "nokqueue" | "noevports" | "nopoll" | "nosplice" | "nogetaddrinfo"
        | "busy-polling" | "no-memory-trimming" => t::check_no_arg,
        "tune.recv_enough" | "tune.buffers.limit" | "tune.buffers.reserve" | "tune.pipesize" => {
            t::check_int
        }
        "tune.maxpollevents" | "tune.runqueue-depth" | "tune.maxaccept" | "maxpipes" => {
            t::check_int_once
        }
        "tune.idletimer" => t::check_idletimer,
        "tune.sched.low-latency"
        | "tune.listener.multi-queue"
        | "tune.idle-pool.shared"
        | "profiling.memory" => t::check_on_off,
        "tune.fd.edge-triggered" => t::check_edge_triggered,
        "profiling.tasks" => t::check_profiling_tasks,
        "tune.pool-high-fd-ratio" | "tune.pool-low-fd-ratio" => t::check_fd_ratio,
        "tune.fail-alloc" => t::check_fail_alloc,
        "tune.pattern.cache-size" => t::check_pattern_cache,
        "thread-groups" => t::check_thread_groups,
        "thread-group" => t::check_thread_group,
        "lua-load" | "lua-load-per-thread" => check_lua_file,
        "tune.ssl.default-dh-param" => check_dh_param_size,
        "ssl-dh-param-file" => check_dh_param_file,
        "lua-prepend-path" => check_lua_prepend_path,
        "nbproc" => |_, cx| {
            cx.alert(nbproc_message());
            Err(Reported)
        },
        "tune.chksize" => |_, cx| {
            let kw = cx.keyword();
            alert_tight(
                cx,
                format!("option '{kw}' is not supported any more (tune.bufsize is used instead)."),
            );
            Err(Reported)
        },
        _ => return Ok(()),
    };
    check(b, cx)
}

/// `tune.ssl.default-dh-param <bits>`: validated as HAProxy does, then a tuning warning
/// (rustls only offers ECDHE, so finite-field DH parameters have no use).
fn check_dh_param_size(_b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    let kw = cx.keyword();
    let res = cx.max_args(1).and_then(|()| match cx.arg(0) {
        None | Some("") => Err(format!("'{kw}' expects an integer argument.")),
        Some(v) if crate::cnum::atol(v) < 1024 => Err(format!("'{kw}' expects a value >= 1024.")),
        Some(_) => Ok(()),
    });
    res.map_err(|msg| {
        cx.alert(msg);
        Reported
    })
}

/// `ssl-dh-param-file <file>`: the file must be readable (HAProxy loads it while parsing);
/// then a tuning warning, as for `tune.ssl.default-dh-param`.
fn check_dh_param_file(_b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    let kw = cx.keyword();
    let res = cx.max_args(1).and_then(|()| match cx.arg(0) {
        None | Some("") => Err(format!("'{kw}' expects a file path as an argument.")),
        Some(f) if std::fs::File::open(cx.path(f)).is_err() => Err(format!(
            "'{kw}': unable to load DH parameters from file <{f}>."
        )),
        Some(_) => Ok(()),
    });
    res.map_err(|msg| {
        cx.alert(msg);
        Reported
    })
}

/// `lua-load <file>` / `lua-load-per-thread <file>`: HAProxy loads (and so opens) the file
/// while parsing; a missing file is reported the way Lua reports it.
fn check_lua_file(_b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    let a = Args::new(cx.line);
    if a.empty(1) {
        let what = if a.kw() == "lua-load" {
            "a file name"
        } else {
            "a file"
        };
        cx.alert(format!("'{}' expects {what} as parameter.", a.kw()));
        return Err(Reported);
    }
    let name = a.get(1);
    let path = cx.path(name);
    let problem = match std::fs::metadata(&path) {
        Ok(m) if m.is_dir() => Some(format!("cannot read {name}: Is a directory")),
        Ok(_) => match std::fs::File::open(&path) {
            Ok(_) => None,
            Err(e) => Some(format!(
                "cannot open {name}: {}",
                rampart_config::reader::io_reason(&e)
            )),
        },
        Err(e) => Some(format!(
            "cannot open {name}: {}",
            rampart_config::reader::io_reason(&e)
        )),
    };
    match problem {
        Some(p) => {
            cx.alert(format!("error in Lua file '{name}': {p}"));
            Err(Reported)
        }
        None => Ok(()),
    }
}

/// `lua-prepend-path <path> [path|cpath]`.
fn check_lua_prepend_path(_b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), Reported> {
    let a = Args::new(cx.line);
    let msg = if let Err(m) = a.too_many(2) {
        m
    } else if a.empty(1) {
        format!("'{}' expects to receive a <path> as argument", a.kw())
    } else if !a.empty(2) && !matches!(a.get(2), "path" | "cpath") {
        format!("'{}' expects <type> to either be 'path' or 'cpath'", a.kw())
    } else {
        return Ok(());
    };
    cx.alert(msg);
    Err(Reported)
}
