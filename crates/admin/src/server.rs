//! The `stats socket` listeners (configuration manual 3.1 `stats socket`, `stats
//! timeout`, `stats maxconn`) and the control thread that serves them.
//!
//! [`prepare`] binds every address of every `stats socket` line in the main thread,
//! with the proxies' listeners, before the process detaches and drops privileges (Unix
//! sockets get `mode`, `uid`, `gid`; a stale socket file is replaced). [`Prepared::start`]
//! then runs one thread with a current-thread event loop: the workers never serve the
//! CLI. At most `stats maxconn` sessions run at once (the others wait in the kernel's
//! backlog, as HAProxy's listener limit does); a session idle for `stats timeout` is
//! closed. The soft stop closes the listeners.

use crate::cmd::Api;
use crate::info::Process;
use crate::proto::{Flow, Session, LINE_MAX};
use rampart_model::addr::{Host, Port};
use rampart_model::global::stats::{AccessLevel, SeverityOutput};
use rampart_model::Snapshot;
use rampart_net::{ListenAddr, Listener, ListenerSpec};
use rampart_proxy::state::Runtime;
use rampart_proxy::Control;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// One bound socket with its line's settings.
struct Bound {
    listener: Listener,
    level: AccessLevel,
    severity: SeverityOutput,
    /// `expose-fd listeners`: `_getsocks` hands the listening sockets over.
    expose_fd: bool,
}

/// The CLI sockets, bound and not yet served.
pub struct Prepared {
    sockets: Vec<Bound>,
    shown: Vec<(String, AccessLevel)>,
    timeout: Duration,
    maxconn: usize,
    process: Arc<Process>,
    initial: crate::servers::Initial,
    patterns: crate::maps::Patterns,
    /// Copies of every listening socket of the process, for `_getsocks`.
    exported: Vec<std::os::fd::OwnedFd>,
}

/// A second descriptor of a listening socket, owned.
fn owned_dup(l: &Listener) -> Option<std::os::fd::OwnedFd> {
    Some(match l.try_clone().ok()? {
        Listener::Tcp(t) => t.into(),
        Listener::Unix(u) => u.into(),
    })
}

/// How `show cli sockets` names an address.
fn shown(a: &ListenAddr) -> String {
    match a {
        ListenAddr::Inet(std::net::SocketAddr::V4(v4)) => format!("ipv4@{}:{}", v4.ip(), v4.port()),
        ListenAddr::Inet(std::net::SocketAddr::V6(v6)) => {
            format!("ipv6@[{}]:{}", v6.ip(), v6.port())
        }
        ListenAddr::Unix(p) => format!("unix@{}", p.display()),
        ListenAddr::Abns(n) => format!("abns@{n}"),
        ListenAddr::Fd(_) => "unknown".into(),
    }
}

/// Binds every `stats socket` address. Errors are HAProxy's "Starting frontend GLOBAL"
/// messages.
pub fn prepare(
    snap: &Snapshot,
    limits: &rampart_proxy::limits::Limits,
    listeners: usize,
) -> Result<Prepared, Vec<String>> {
    let st = &snap.global.stats;
    let mut sockets = Vec::new();
    let mut exported = Vec::new();
    let mut shown_list = Vec::new();
    let mut errors = Vec::new();
    let maxconn = st.maxconn.unwrap_or(10).max(1);
    for line in &st.sockets {
        let spec = ListenerSpec {
            backlog: maxconn.min(i32::MAX as u32) as i32,
            reuseport: limits.reuseport,
            unix_mode: line.mode,
            uid: line.uid,
            gid: line.gid,
            ..ListenerSpec::default()
        };
        for a in &line.addresses {
            let addr = match (&a.host, a.port) {
                (Host::Ip(ip), Port::Range(p, _)) => {
                    ListenAddr::Inet(std::net::SocketAddr::new(*ip, p))
                }
                (Host::Ip(ip), _) => ListenAddr::Inet(std::net::SocketAddr::new(*ip, 0)),
                (Host::Unix(p), _) => ListenAddr::Unix(p.into()),
                (Host::Abns(n), _) => ListenAddr::Abns(n.clone()),
                (Host::Fd(n), _) => ListenAddr::Fd(*n as i32),
                (other, _) => {
                    errors.push(format!(
                        "Starting frontend GLOBAL: cannot bind the CLI on {other:?}."
                    ));
                    continue;
                }
            };
            match Listener::open(&addr, &spec) {
                Ok(l) => {
                    let name = match &l {
                        Listener::Tcp(t) => t
                            .local_addr()
                            .map(|a| shown(&ListenAddr::Inet(a)))
                            .unwrap_or_else(|_| shown(&addr)),
                        Listener::Unix(_) => shown(&addr),
                    };
                    shown_list.push((name, line.level));
                    if let Some(fd) = owned_dup(&l) {
                        exported.push(fd);
                    }
                    sockets.push(Bound {
                        listener: l,
                        level: line.level,
                        severity: line.severity_output,
                        expose_fd: line.expose_fd_listeners,
                    });
                }
                Err(e) => errors.push(format!("Starting frontend GLOBAL: {e} [{}]", shown(&addr))),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let start_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let g = &snap.global;
    let node = g.node.clone().unwrap_or_else(|| {
        nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_default()
    });
    let process = Process {
        start: std::time::Instant::now(),
        start_epoch,
        pid: std::process::id(),
        nofile: limits.nofile,
        maxsock: limits.maxsock,
        maxpipes: limits.maxpipes,
        node,
        description: g.description.clone(),
        version: format!(
            "{}-rampart-{}",
            rampart_core::version::HAPROXY_VERSION,
            rampart_core::version::RAMPART_VERSION
        ),
        release_date: rampart_core::version::RELEASE_DATE,
        listeners: listeners + sockets.len(),
        cli_conns: Default::default(),
        idle_sample: Default::default(),
    };
    let process = Arc::new(process);
    // Copies of the sockets are kept only for a successor that may ask for them.
    if !sockets.iter().any(|b: &Bound| b.expose_fd) {
        exported.clear();
    }
    Ok(Prepared {
        sockets,
        shown: shown_list,
        timeout: Duration::from_millis(u64::from(st.timeout_ms.unwrap_or(10_000))),
        maxconn: maxconn as usize,
        process,
        initial: crate::servers::Initial::of(snap),
        patterns: crate::maps::Patterns::of(&snap.patterns),
        exported,
    })
}

impl Prepared {
    /// Adds the proxies' listening sockets to what `_getsocks` hands over, when some
    /// socket has `expose-fd listeners` (the copies keep the sockets open: `shutdown
    /// frontend` then stops accepting but leaves the port bound until the process ends).
    pub fn export<'a>(&mut self, listeners: impl Iterator<Item = &'a Listener>) {
        if self.sockets.iter().any(|b| b.expose_fd) {
            self.exported.extend(listeners.filter_map(owned_dup));
        }
    }

    /// The process's description (`show info`, the statistics page).
    pub fn process(&self) -> Arc<Process> {
        self.process.clone()
    }

    /// No `stats socket` line.
    pub fn is_empty(&self) -> bool {
        self.sockets.is_empty()
    }

    /// Starts the control thread serving the sockets (after the process detached).
    pub fn start(self, rt: &Arc<Runtime>, ctl: &Arc<Control>) -> std::io::Result<()> {
        // The Prometheus exporter reads `show info`'s process data too.
        crate::prom::install(self.process.clone(), rt.clone(), ctl.clone());
        if self.sockets.is_empty() {
            return Ok(());
        }
        let rt = rt.clone();
        let ctl = ctl.clone();
        std::thread::Builder::new()
            .name("rampart-cli".into())
            .spawn(move || {
                let Ok(ev) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                let local = tokio::task::LocalSet::new();
                local.block_on(&ev, serve(self, rt, ctl));
            })?;
        Ok(())
    }
}

async fn serve(p: Prepared, rt: Arc<Runtime>, ctl: Arc<Control>) {
    let process = p.process;
    let shown = Arc::new(p.shown);
    let initial = Arc::new(p.initial);
    let patterns = p.patterns;
    let exported = Arc::new(p.exported);
    let slots = Arc::new(tokio::sync::Semaphore::new(p.maxconn));
    let mut tasks = Vec::new();
    for b in p.sockets {
        let cx = Shared {
            rt: rt.clone(),
            ctl: ctl.clone(),
            process: process.clone(),
            shown: shown.clone(),
            initial: initial.clone(),
            patterns: patterns.clone(),
            exported: exported.clone(),
            expose_fd: b.expose_fd,
            level: b.level,
            severity: b.severity,
            timeout: p.timeout,
        };
        let slots = slots.clone();
        match b.listener {
            Listener::Tcp(l) => {
                let Ok(l) = tokio::net::TcpListener::from_std(l) else {
                    continue;
                };
                tasks.push(tokio::task::spawn_local(async move {
                    loop {
                        let Ok(permit) = slots.clone().acquire_owned().await else {
                            return;
                        };
                        let Ok((s, _)) = l.accept().await else {
                            continue;
                        };
                        let cx = cx.clone();
                        tokio::task::spawn_local(async move {
                            cx.session(s).await;
                            drop(permit);
                        });
                    }
                }));
            }
            Listener::Unix(l) => {
                let Ok(l) = tokio::net::UnixListener::from_std(l) else {
                    continue;
                };
                tasks.push(tokio::task::spawn_local(async move {
                    loop {
                        let Ok(permit) = slots.clone().acquire_owned().await else {
                            return;
                        };
                        let Ok((s, _)) = l.accept().await else {
                            continue;
                        };
                        let cx = cx.clone();
                        tokio::task::spawn_local(async move {
                            cx.session(s).await;
                            drop(permit);
                        });
                    }
                }));
            }
        }
    }
    // The soft stop closes the CLI's listeners too.
    let mut stop = ctl.subscribe();
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            break;
        }
    }
    for t in tasks {
        t.abort();
    }
    // Sessions in progress finish (the process exits when the workers are done).
    std::future::pending::<()>().await;
}

/// What a session needs.
#[derive(Clone)]
struct Shared {
    rt: Arc<Runtime>,
    ctl: Arc<Control>,
    process: Arc<Process>,
    shown: Arc<Vec<(String, AccessLevel)>>,
    initial: Arc<crate::servers::Initial>,
    patterns: crate::maps::Patterns,
    exported: Arc<Vec<std::os::fd::OwnedFd>>,
    expose_fd: bool,
    level: AccessLevel,
    severity: SeverityOutput,
    timeout: Duration,
}

impl Shared {
    async fn session<S: AsyncRead + AsyncWrite + Unpin + std::os::fd::AsFd>(&self, mut s: S) {
        self.process
            .cli_conns
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // The CLI session is a stream of HAProxy's too (`CumReq`).
        let _ = rampart_proxy::logs::next_uniq_id();
        let mut api = Api {
            rt: self.rt.clone(),
            ctl: self.ctl.clone(),
            process: self.process.clone(),
            sockets: self.shown.clone(),
            bind_level: self.level,
            initial: self.initial.clone(),
            patterns: self.patterns.clone(),
            getsocks: false,
        };
        let mut sess = Session::new(self.level, self.severity);
        let mut input: Vec<u8> = Vec::new();
        let mut out: Vec<u8> = Vec::new();
        let mut chunk = vec![0u8; 4096];
        loop {
            let room = (LINE_MAX + 1).saturating_sub(input.len()).min(chunk.len());
            let n = if room == 0 {
                0
            } else {
                match tokio::time::timeout(self.timeout, s.read(&mut chunk[..room])).await {
                    Ok(Ok(n)) => n,
                    Ok(Err(_)) | Err(_) => return,
                }
            };
            input.extend_from_slice(&chunk[..n]);
            let flow = sess.feed(&mut input, n == 0, &mut api, &mut out);
            if std::mem::take(&mut api.getsocks) {
                // `_getsocks`: the sockets go on this connection, then it closes (a
                // socket without `expose-fd listeners` sends nothing, as HAProxy's).
                if self.expose_fd && self.level == AccessLevel::Admin {
                    let socks: Vec<rampart_net::xfer::Exported<'_>> = self
                        .exported
                        .iter()
                        .map(|fd| rampart_net::xfer::Exported {
                            fd: std::os::fd::AsFd::as_fd(fd),
                            interface: "",
                        })
                        .collect();
                    let _ = rampart_net::xfer::send_sockets(s.as_fd(), &socks);
                }
                return;
            }
            if !out.is_empty() {
                match tokio::time::timeout(self.timeout, s.write_all(&out)).await {
                    Ok(Ok(())) => out.clear(),
                    _ => return,
                }
            }
            if flow == Flow::Close {
                let _ = s.shutdown().await;
                return;
            }
        }
    }
}
