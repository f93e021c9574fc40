//! The process's logging, built from the Snapshot: every `log` line resolved into a
//! target of its proxy's [`LogSet`] (`log global` expands to the global lines, with the
//! proxy's tag), one [`Sink`] per distinct destination, the rings with their servers,
//! and the `log-forward` receivers.
//!
//! Start-up is in two steps, as the process's: [`prepare`] runs before the process
//! detaches and drops its privileges (files are opened and `log-forward` sockets bound
//! then, with HAProxy's start-up checks of ring names), [`Prepared::start`] after it
//! (threads do not survive `fork`), which also installs the system for
//! [`crate::installed`] and [`crate::event`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rampart_config::{SourceMap, Span};
use rampart_model::addr::{Host, Port};
use rampart_model::global::SendHostname;
use rampart_model::log::{LogDest, LogTarget};
use rampart_model::proxy::log::LogTarget as PxTarget;
use rampart_model::proxy::server::{ServerAddr as SrvAddr, ServerPort};
use rampart_model::sections::ring::{BUF0_SIZE, DEFAULT_RING_SIZE};
use rampart_model::Snapshot;
use socket2::SockAddr;

use crate::encode::Framing;
use crate::forward::{Forwarder, ServerAddr};
use crate::relay::Relay;
use crate::ring::Ring;
use crate::set::{LogSet, Sample, Target};
use crate::sink::{Dest, Sink, Spec};

/// The running logging of the process.
#[derive(Debug)]
pub struct System {
    global: LogSet,
    proxies: Vec<LogSet>,
    by_name: HashMap<String, usize>,
    pub(crate) forwards: Vec<LogSet>,
    pub(crate) sinks: Vec<Arc<Sink>>,
    pub(crate) rings: Vec<Arc<Ring>>,
    max_len: usize,
    pub(crate) tag: String,
}

impl System {
    /// The global section's targets (HAProxy's `send_log(NULL, ...)`).
    pub fn global(&self) -> &LogSet {
        &self.global
    }

    /// The targets of proxy `i` (its index in `Snapshot::proxies`).
    pub fn proxy(&self, i: usize) -> &LogSet {
        self.proxies.get(i).unwrap_or(&EMPTY)
    }

    /// The targets of a proxy by name.
    pub fn proxy_by_name(&self, name: &str) -> &LogSet {
        self.by_name.get(name).map_or(&EMPTY, |&i| self.proxy(i))
    }

    /// HAProxy's `global.max_syslog_len`: the largest `len` of any target (1024 at
    /// least). Log lines are rendered into a buffer of that size.
    pub fn max_line_len(&self) -> usize {
        self.max_len
    }

    /// A ring by name (`buf0` included).
    pub fn ring(&self, name: &str) -> Option<&Arc<Ring>> {
        self.rings.iter().find(|r| r.name == name)
    }
}

static EMPTY: LogSet = LogSet {
    targets: Vec::new(),
};

/// What [`prepare`] made, to start once the process has detached.
pub struct Prepared {
    system: System,
    forwarders: Vec<Forwarder>,
    relay: Option<Relay>,
}

impl Prepared {
    /// The system, before it starts (tests inspect it).
    pub fn system(&self) -> &System {
        &self.system
    }

    /// Starts the delivery threads, the ring forwarders and the `log-forward`
    /// receivers, and installs the system process-wide.
    pub fn start(self) -> std::io::Result<Arc<System>> {
        let sys = Arc::new(self.system);
        for s in &sys.sinks {
            s.spawn()?;
        }
        for f in self.forwarders {
            f.spawn()?;
        }
        let files = sys.sinks.iter().any(|s| matches!(s.dest, Dest::File(_)));
        if self.relay.is_some() || files {
            crate::relay::spawn(self.relay, Arc::clone(&sys), files)?;
        }
        crate::install(Arc::clone(&sys));
        Ok(sys)
    }
}

/// Where a target's lines go, before sinks are made.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Addr(String),
    Fd(u32),
    File(String),
    Ring(String),
}

struct Builder<'a> {
    snap: &'a Snapshot,
    sources: &'a SourceMap,
    keys: HashMap<Key, usize>,
    sinks: Vec<(String, Dest, Vec<Spec>)>,
    rings: Vec<Arc<Ring>>,
    forwarders: Vec<Forwarder>,
    /// Implicit rings of `tcp@` targets, by the line declaring them.
    implicit: HashMap<(u32, u32), String>,
    errors: Vec<String>,
    host: Box<[u8]>,
    max_len: usize,
}

/// Builds the logging of a configuration. `program` is `argv[0]` (its base name is the
/// default `log-tag`). Errors are HAProxy's start-up alerts.
pub fn prepare(
    snap: &Snapshot,
    program: &str,
    sources: &SourceMap,
) -> Result<Prepared, Vec<String>> {
    let g = &snap.global;
    let progname = program.rsplit('/').next().unwrap_or(program).to_string();
    let tag = g.log_tag.clone().unwrap_or(progname);
    let host: Box<[u8]> = match &g.log_send_hostname {
        None => Box::default(),
        Some(SendHostname::Name(n)) => n.as_bytes().into(),
        Some(SendHostname::System) => nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_default()
            .into_bytes()
            .into(),
    };
    let mut b = Builder {
        snap,
        sources,
        keys: HashMap::new(),
        sinks: Vec::new(),
        rings: Vec::new(),
        forwarders: Vec::new(),
        implicit: HashMap::new(),
        errors: Vec::new(),
        host,
        max_len: 1024,
    };
    b.section_rings();

    let mut global: Pending = Vec::new();
    for (i, t) in g.log.iter().enumerate() {
        let what = Owner::Global;
        if let Some(p) = b.target(t, &tag, i + 1, what) {
            global.push(p);
        }
    }
    let mut proxies: Vec<Pending> = Vec::new();
    let mut by_name = HashMap::new();
    for (pi, px) in snap.proxies.iter().enumerate() {
        by_name.insert(px.name.clone(), pi);
        let ptag = px.log_tag.clone().unwrap_or_else(|| tag.clone());
        let list = b.proxy_targets(&px.logs.targets, &ptag, Owner::Proxy(&px.name));
        proxies.push(list);
    }
    // HAProxy's internal HTTP client proxy carries the global targets too: their
    // errors are reported once more under its name.
    if !b.errors.is_empty() {
        for (i, t) in g.log.iter().enumerate() {
            b.target(t, &tag, i + 1, Owner::Proxy("<HTTPCLIENT>"));
        }
    }
    let mut forwards: Vec<Pending> = Vec::new();
    for lf in &snap.others.log_forwards {
        let list = b.proxy_targets(&lf.logs, "", Owner::LogForward(&lf.name));
        forwards.push(list);
    }
    if !b.errors.is_empty() {
        return Err(b.errors);
    }
    let relay = match crate::relay::bind(&snap.others.log_forwards) {
        Ok(r) => r,
        Err(e) => return Err(vec![e]),
    };
    let sinks: Vec<Arc<Sink>> = b
        .sinks
        .into_iter()
        .map(|(name, dest, specs)| {
            let s = Sink::new(name, dest, specs);
            if let Dest::File(p) = &s.dest {
                match crate::sink::open_file(p) {
                    Ok(f) => {
                        if let Ok(mut g) = s.preopened.lock() {
                            *g = Some(f);
                        }
                    }
                    Err(e) => b.errors.push(format!(
                        "cannot open log file '{}': {}",
                        p.display(),
                        crate::sys::errno_text(&e)
                    )),
                }
            }
            Arc::new(s)
        })
        .collect();
    if !b.errors.is_empty() {
        return Err(b.errors);
    }
    let resolve = |list: Pending| LogSet {
        targets: list
            .into_iter()
            .map(|(sink, spec, max_level, sample)| Target {
                sink: Arc::clone(&sinks[sink]),
                spec,
                max_level,
                sample: sample.map(|(r, s)| Sample::new(r, s)),
            })
            .collect(),
    };
    let system = System {
        global: resolve(global),
        proxies: proxies.into_iter().map(resolve).collect(),
        by_name,
        forwards: forwards.into_iter().map(resolve).collect(),
        sinks: sinks.clone(),
        rings: b.rings,
        max_len: b.max_len,
        tag,
    };
    Ok(Prepared {
        system,
        forwarders: b.forwarders,
        relay,
    })
}

/// A target resolved to its sink: (sink, spec, max level, sample ranges and size).
type Resolved = (usize, u32, u8, Option<(Vec<(u32, u32)>, u32)>);
/// The targets of one list, resolved into a [`LogSet`] once the sinks exist.
type Pending = Vec<Resolved>;

#[derive(Clone, Copy)]
enum Owner<'a> {
    Global,
    Proxy(&'a str),
    LogForward(&'a str),
}

impl Builder<'_> {
    /// The rings of `ring` sections and the built-in `buf0`, with their forwarders.
    fn section_rings(&mut self) {
        self.rings.push(Arc::new(Ring::new(
            "buf0",
            Some(rampart_model::log::LogFormat::Timed),
            BUF0_SIZE,
            DEFAULT_RING_SIZE,
            0,
        )));
        for r in &self.snap.others.rings {
            let ring = Arc::new(Ring::new(
                &r.name,
                Some(r.format),
                r.size,
                r.maxlen,
                r.servers.len(),
            ));
            for (i, s) in r.servers.iter().enumerate() {
                let port = match s.port {
                    ServerPort::Fixed(p) => p,
                    ServerPort::Mapped(_) => 0,
                };
                let addr = match &s.addr {
                    SrvAddr::Ip(ip) => ServerAddr::Ip(SocketAddr::new(*ip, port)),
                    SrvAddr::Name { name, .. } => ServerAddr::Inet(name.clone(), port),
                    SrvAddr::Unix(p) => ServerAddr::Unix(PathBuf::from(p)),
                    // Abstract and socket-pair servers are not reachable from a ring.
                    SrvAddr::Abns(_) | SrvAddr::SockPair(_) => continue,
                };
                let framing = if s.settings.log_proto.as_deref() == Some("octet-count") {
                    Framing::OctetCount
                } else {
                    Framing::Lf
                };
                self.forwarders.push(Forwarder {
                    ring: Arc::clone(&ring),
                    reader: i,
                    name: s.name.clone(),
                    addr,
                    framing,
                    timeout_connect: r.timeout_connect_ms.map(ms),
                    timeout_server: r.timeout_server_ms.map(ms),
                });
            }
            self.rings.push(ring);
        }
    }

    fn proxy_targets(&mut self, list: &[PxTarget], tag: &str, owner: Owner<'_>) -> Pending {
        let mut out = Vec::new();
        let mut n = 0;
        for t in list {
            match t {
                PxTarget::Global(span) => {
                    for gt in &self.snap.global.log {
                        n += 1;
                        // The copies are reported at the `log global` line.
                        let mut copy = gt.clone();
                        copy.span = *span;
                        if let Some(p) = self.target_inner(&copy, gt, tag, n, owner) {
                            out.push(p);
                        }
                    }
                }
                PxTarget::Server(t) => {
                    n += 1;
                    if let Some(p) = self.target(t, tag, n, owner) {
                        out.push(p);
                    }
                }
            }
        }
        out
    }

    fn target(
        &mut self,
        t: &LogTarget,
        tag: &str,
        logger: usize,
        owner: Owner<'_>,
    ) -> Option<Resolved> {
        self.target_inner(t, t, tag, logger, owner)
    }

    /// `at` is where messages say the target was declared; `orig` the line that
    /// defined it (its implicit ring is shared by the copies of `log global`).
    fn target_inner(
        &mut self,
        at: &LogTarget,
        orig: &LogTarget,
        tag: &str,
        logger: usize,
        owner: Owner<'_>,
    ) -> Option<Resolved> {
        self.max_len = self.max_len.max(at.max_len as usize);
        let (key, name, dest) = match &at.dest {
            LogDest::Dgram(a) => {
                let addr = match sock_addr(&a.host, a.port) {
                    Some(s) => s,
                    None => {
                        self.errors.push(format!(
                            "{}: unsupported log address family.",
                            self.declared(at.span, owner)
                        ));
                        return None;
                    }
                };
                let text = match (&a.host, a.port) {
                    (Host::Ip(ip), Port::Range(p, _)) => SocketAddr::new(*ip, p).to_string(),
                    (Host::Unix(p), _) => p.clone(),
                    (Host::Abns(p), _) => format!("abns@{p}"),
                    (h, _) => format!("{h:?}"),
                };
                (Key::Addr(text.clone()), text, Dest::Dgram(addr))
            }
            LogDest::Fd(n) => (Key::Fd(*n), format!("fd@{n}"), Dest::Fd(*n)),
            LogDest::File(p) => (
                Key::File(p.clone()),
                format!("file@{p}"),
                Dest::File(PathBuf::from(p)),
            ),
            LogDest::Ring(r) => {
                let Some(ring) = self.rings.iter().find(|x| x.name == *r).cloned() else {
                    let what = if r == "stdout" || r == "stderr" {
                        match owner {
                            Owner::Global => "incompatible ring",
                            Owner::Proxy(_) => "incomatible ring named",
                            Owner::LogForward(_) => "unknown ring named",
                        }
                    } else {
                        "unknown ring named"
                    };
                    self.errors.push(format!(
                        "{} uses {what} '{r}'.",
                        self.declared(at.span, owner)
                    ));
                    return None;
                };
                (Key::Ring(r.clone()), r.clone(), Dest::Ring(ring))
            }
            LogDest::Stream(a) => {
                let key_line = (orig.span.file.0, orig.span.line);
                let name = match self.implicit.get(&key_line) {
                    Some(n) => n.clone(),
                    None => {
                        let n = format!("ring#{}", self.implicit.len() + 1);
                        self.implicit.insert(key_line, n.clone());
                        let ring = Arc::new(Ring::new(
                            &n,
                            orig.format,
                            DEFAULT_RING_SIZE,
                            DEFAULT_RING_SIZE,
                            1,
                        ));
                        let port = a.single_port().unwrap_or(514);
                        let addr = match &a.host {
                            Host::Ip(ip) => ServerAddr::Ip(SocketAddr::new(*ip, port)),
                            Host::Name { name, .. } => ServerAddr::Inet(name.clone(), port),
                            Host::Unix(p) => ServerAddr::Unix(PathBuf::from(p)),
                            _ => {
                                self.errors.push(format!(
                                    "{}: unsupported stream log address.",
                                    self.declared(at.span, owner)
                                ));
                                return None;
                            }
                        };
                        self.forwarders.push(Forwarder {
                            ring: Arc::clone(&ring),
                            reader: 0,
                            name: n.clone(),
                            addr,
                            framing: Framing::Lf,
                            timeout_connect: Some(ms(1000)),
                            timeout_server: Some(ms(5000)),
                        });
                        self.rings.push(ring);
                        n
                    }
                };
                let ring = self.rings.iter().find(|x| x.name == name).cloned()?;
                (Key::Ring(name.clone()), name, Dest::Ring(ring))
            }
        };
        let idx = match self.keys.get(&key) {
            Some(&i) => i,
            None => {
                self.sinks.push((name, dest, Vec::new()));
                self.keys.insert(key, self.sinks.len() - 1);
                self.sinks.len() - 1
            }
        };
        let spec = Spec {
            format: at.format,
            maxlen: at.max_len as usize,
            facility: u32::from(at.facility.0),
            min_level: u32::from(at.min_level.0),
            tag: tag.as_bytes().into(),
            host: self.host.clone(),
            logger,
        };
        let specs = &mut self.sinks[idx].2;
        specs.push(spec);
        let sample = at.sample.as_ref().map(|s| (s.ranges.clone(), s.size));
        Some((idx, (specs.len() - 1) as u32, at.max_level.0, sample))
    }

    /// HAProxy's "... declared in file 'f' at line n" beginning of start-up messages.
    fn declared(&self, span: Span, owner: Owner<'_>) -> String {
        let (file, line) = (self.sources.name(span.file), span.line);
        match owner {
            Owner::Global => format!("global log server declared in file '{file}' at line {line}"),
            Owner::Proxy(p) => format!(
                "log server declared in proxy section '{p}' in file '{file}' at line {line}"
            ),
            Owner::LogForward(p) => format!(
                "log server declared in log-forward section '{p}' in file '{file}' at line {line}"
            ),
        }
    }
}

fn ms(v: u32) -> std::time::Duration {
    std::time::Duration::from_millis(u64::from(v))
}

/// The socket address of a datagram target.
fn sock_addr(host: &Host, port: Port) -> Option<SockAddr> {
    let port = match port {
        Port::Range(p, _) => p,
        _ => 514,
    };
    match host {
        Host::Ip(ip) => Some(SockAddr::from(SocketAddr::new(*ip, port))),
        Host::Unix(p) => SockAddr::unix(p).ok(),
        Host::Abns(name) => abstract_addr(name),
        _ => None,
    }
}

/// HAProxy's abstract addresses: a NUL, the name, NUL padding to the whole `sun_path`.
fn abstract_addr(name: &str) -> Option<SockAddr> {
    const SUN_PATH_LEN: usize = 108;
    if name.len() + 1 > SUN_PATH_LEN {
        return None;
    }
    let mut path = [0u8; SUN_PATH_LEN];
    path[1..=name.len()].copy_from_slice(name.as_bytes());
    use std::os::unix::ffi::OsStrExt;
    SockAddr::unix(std::ffi::OsStr::from_bytes(&path)).ok()
}
