//! Harness for end-to-end tests that run the real `rampart` binary against real peers:
//! Debian's `haproxy` 2.6, `nginx`, and raw servers written in the test itself.
//!
//! What it provides, in the order a test uses it:
//!
//! - **Places**: [`free_ports`] hands out blocks of consecutive loopback ports that are free
//!   right now (never twice in one test process, and below the kernel's ephemeral range
//!   so outgoing connections do not take them); [`TempDir`] is a private directory
//!   removed on drop, for configurations, sockets and pid files.
//! - **Processes**: [`Launch`] writes a configuration, starts `rampart`, `haproxy` or
//!   `nginx` on it (stdout and stderr go to files in the directory, so a chatty process
//!   never blocks on a full pipe), optionally hands it inherited descriptors (`fd@N`),
//!   and waits until it listens where the test said it would, checked in `/proc/net` on
//!   sockets the process itself holds, without connecting (a probe connection would be
//!   proxied and disturb what is measured). The resulting [`Proc`] is killed on drop, so a
//!   failing test leaves nothing running; it can be signalled, waited for with a bound,
//!   and its stderr read.
//! - **Peers in the test**: [`TestServer`] accepts on TCP, Unix or abstract sockets and
//!   runs a handler per connection in its own thread ([`echo`] and friends); it counts
//!   accepted and active connections.
//! - **Client helpers**: connections with I/O time bounds ([`connect`]), a bounded
//!   [`read_until_closed`], [`wait_closed`] for "the proxy closes this connection",
//!   a minimal [`http_get`], and [`Pattern`]: a deterministic data stream that a receiver
//!   verifies as it arrives (length and content, block order included) without buffering it.
//!
//! Every wait is bounded: helpers take a timeout or use [`IO_TIMEOUT`] / [`START_TIMEOUT`],
//! and fail the test with what the process printed rather than hang.
//!
//! Peers are required: when `haproxy` or `nginx` cannot be found the test fails with how
//! to install it (CI installs them); it never skips. `HAPROXY_BIN` and `NGINX_BIN` may
//! point at other binaries, and `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs the rampart
//! side of a suite on HAProxy itself, to check that the tests expect what HAProxy does.
//!
//! Each test file that uses this module compiles its own copy (`mod support;`) and none
//! uses every item, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::collections::HashSet;
use std::fs;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The binary under test.
pub const RAMPART: &str = env!("CARGO_BIN_EXE_rampart");

/// The program [`Launch::rampart`] starts: [`RAMPART`], unless `RAMPART_UNDER_TEST` names
/// another one. `RAMPART_UNDER_TEST=/usr/sbin/haproxy` runs a suite against HAProxy
/// itself, which checks that the tests expect what HAProxy does.
pub fn rampart_bin() -> PathBuf {
    std::env::var_os("RAMPART_UNDER_TEST")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from(RAMPART), PathBuf::from)
}

/// Longest wait for a started process to listen.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);
/// Read/write timeout put on every test socket: no single I/O call blocks longer.
pub const IO_TIMEOUT: Duration = Duration::from_secs(20);
/// Poll interval of the waiting loops.
pub const STEP: Duration = Duration::from_millis(10);

// ---------------------------------------------------------------------------------------
// Waiting

/// Polls `cond` every [`STEP`] until it holds or `timeout` passed; returns whether it held.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        thread::sleep(STEP);
    }
}

// ---------------------------------------------------------------------------------------
// Ports and directories

static PORTS: Mutex<Option<(u16, HashSet<u16>)>> = Mutex::new(None);

/// First and last port [`free_ports`] picks from: by default below the usual ephemeral
/// range (32768-60999), so the kernel does not hand them to outgoing connections
/// meanwhile; narrowed when this machine's `ip_local_port_range` overlaps it.
const PORT_LO: u16 = 20000;
const PORT_HI: u16 = 32000;

/// The window of ports to pick from: `PORT_LO..PORT_HI`, or the largest part of it outside
/// the kernel's ephemeral range (or of 10000-65000 when that range covers it all).
fn port_window() -> (u16, u16) {
    let eph = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|t| {
            let mut w = t.split_whitespace().map(|w| w.parse::<u16>().ok());
            Some((w.next()??, w.next()??))
        });
    let Some((elo, ehi)) = eph else {
        return (PORT_LO, PORT_HI);
    };
    let outside = |lo: u16, hi: u16| -> Option<(u16, u16)> {
        // The largest sub-window of lo..hi that avoids elo..=ehi.
        let below = (lo, hi.min(elo.saturating_sub(1)));
        let above = (lo.max(ehi.saturating_add(1)), hi);
        [below, above]
            .into_iter()
            .filter(|(a, b)| b > a && b - a >= 1000)
            .max_by_key(|(a, b)| b - a)
    };
    outside(PORT_LO, PORT_HI)
        .or_else(|| outside(10000, 65000))
        .unwrap_or((PORT_LO, PORT_HI))
}

/// Is `port` free for a listener on 127.0.0.1, 127.0.0.2 and (when present) ::1?
fn port_is_free(port: u16) -> bool {
    let v4 = ["127.0.0.1", "127.0.0.2"]
        .iter()
        .all(|ip| TcpListener::bind((*ip, port)).is_ok());
    let v6 = match TcpListener::bind((Ipv6Addr::LOCALHOST, port)) {
        Ok(_) => true,
        Err(e) => e.kind() == ErrorKind::AddrNotAvailable,
    };
    v4 && v6
}

/// The first of `n` consecutive ports free on the loopback addresses, never handed out
/// before in this process. Another program can still take one before the test binds it;
/// ports are picked from a range few programs use to keep that unlikely.
pub fn free_ports(n: u16) -> u16 {
    assert!(n > 0 && n < 100, "free_ports: unreasonable count {n}");
    let mut g = PORTS.lock().unwrap_or_else(|e| e.into_inner());
    let (lo, hi) = port_window();
    let (next, given) = g.get_or_insert_with(|| {
        let span = u32::from(hi - lo);
        let start = lo + ((std::process::id().wrapping_mul(7919)) % span) as u16;
        (start, HashSet::new())
    });
    for _ in 0..2000 {
        if *next < lo || *next + n > hi {
            *next = lo;
        }
        let base = *next;
        *next += n;
        let ports = base..base + n;
        if ports
            .clone()
            .all(|p| !given.contains(&p) && port_is_free(p))
        {
            given.extend(ports);
            return base;
        }
    }
    panic!("free_ports: no block of {n} free ports in {lo}-{hi}");
}

/// Reserves the ports `base..base + n` when they are all free and were not handed out
/// before (for layouts with fixed distances, such as a server port offset); returns
/// whether it did.
pub fn claim_ports(base: u16, n: u16) -> bool {
    let Some(end) = base.checked_add(n) else {
        return false;
    };
    let mut g = PORTS.lock().unwrap_or_else(|e| e.into_inner());
    let (_, given) = g.get_or_insert_with(|| (PORT_LO, HashSet::new()));
    if (base..end).all(|p| !given.contains(&p) && port_is_free(p)) {
        given.extend(base..end);
        true
    } else {
        false
    }
}

/// A listener on `addr`, a port [`free_ports`] handed out. A socket the kernel is still
/// closing can hold the port for a moment, so `EADDRINUSE` is retried for a few seconds;
/// past that the test fails with what holds the port (`ss`) and the kernel's ephemeral
/// range, so the cause shows in the CI log.
pub fn bind_tcp(addr: SocketAddr) -> TcpListener {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpListener::bind(addr) {
            Ok(l) => return l,
            Err(e) if e.kind() == ErrorKind::AddrInUse && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("test server on {addr}: {e}\n{}", port_holders(addr.port())),
        }
    }
}

/// What the kernel knows about local TCP port `port`: its sockets in every state and the
/// ephemeral port range (for a failure message).
pub fn port_holders(port: u16) -> String {
    let ss = Command::new("ss")
        .args(["-tanpoe", &format!("sport = :{port}")])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_else(|e| format!("(ss: {e})"));
    let range = fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let reserved =
        fs::read_to_string("/proc/sys/net/ipv4/ip_local_reserved_ports").unwrap_or_default();
    format!(
        "sockets on port {port}:\n{ss}ip_local_port_range: {}\nip_local_reserved_ports: {}",
        range.trim(),
        reserved.trim()
    )
}

/// `echo "$input" | socat -t 2 stdio <addr>`: a runtime API exchange as ops scripts
/// make it (`addr` as socat names it: `unix-connect:PATH`, `tcp:HOST:PORT`).
pub fn socat(addr: &str, input: &str) -> String {
    let mut child = Command::new("socat")
        .args(["-t", "2", "stdio", addr])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("socat ({e}): apt-get install socat"));
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(input.as_bytes());
    }
    match child.wait_with_output() {
        Ok(out) => String::from_utf8_lossy(&out.stdout).into_owned(),
        Err(e) => panic!("socat: {e}"),
    }
}

/// One field of a `show stat` row read over the runtime API at `addr` (as [`socat`]
/// names it): `px`/`sv` with `sv` a server, `FRONTEND` or `BACKEND`, `field` a column
/// name of the CSV header (`status`, `iid`, `sid`...).
pub fn show_stat_field(addr: &str, px: &str, sv: &str, field: &str) -> String {
    let out = socat(addr, "show stat\n");
    let mut lines = out.lines();
    let head = lines.next().unwrap_or_default();
    let col = head
        .trim_start_matches("# ")
        .split(',')
        .position(|n| n == field)
        .unwrap_or_else(|| panic!("no {field} column in show stat:\n{out}"));
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&px) && f.get(1) == Some(&sv))
        .and_then(|f| f.get(col).map(|v| v.to_string()))
        .unwrap_or_else(|| panic!("no row {px}/{sv} in show stat:\n{out}"))
}

/// An HTTP origin on `127.0.0.1:port` answering every request with its `name` as the
/// body, then closing.
pub fn named_origin(port: u16, name: &'static str) -> TestServer {
    TestServer::tcp(port, move |mut s| {
        let mut buf = [0u8; 4096];
        let mut got = Vec::new();
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
            if got.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{name}",
            name.len()
        );
        let _ = s.write_all(resp.as_bytes());
    })
}

/// One free port (see [`free_ports`]).
pub fn free_port() -> u16 {
    free_ports(1)
}

/// `127.0.0.1:port`.
pub fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// `[::1]:port`.
pub fn local6(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv6Addr::LOCALHOST, port))
}

/// A private directory under the system's temporary directory, removed when dropped.
/// Paths stay short (Unix socket paths are limited to 107 bytes).
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("rp-{tag}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap_or_else(|e| panic!("cannot create {}: {e}", p.display()));
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `text` to `name` in the directory and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.join(name);
        fs::write(&p, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", p.display()));
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------------------------------
// Peers

/// Finds a program by name in `PATH` and the sbin directories (which a non-root `PATH`
/// may lack), or at `$env_var`.
fn find_program(name: &str, env_var: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env_var) {
        return Some(PathBuf::from(p));
    }
    search_path(name)
}

/// A program by name in `PATH` or the sbin directories.
fn search_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    let found = path
        .split(':')
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"])
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file());
    found
}

/// Debian's haproxy 2.6; the test fails (never skips) when it is missing.
pub fn haproxy_bin() -> PathBuf {
    find_program("haproxy", "HAPROXY_BIN").unwrap_or_else(|| {
        panic!(
            "haproxy is not installed: this test runs Debian's HAProxy 2.6 as a peer. \
             Install it with `apt-get install -y haproxy` (.ci/run does), or set HAPROXY_BIN."
        )
    })
}

/// A client program a test drives (`hatop`, `tmux`, an exporter...): the test fails
/// (never skips) with the Debian package to install when it is missing.
pub fn client_bin(name: &str, package: &str) -> PathBuf {
    search_path(name).unwrap_or_else(|| {
        panic!(
            "{name} is not installed: this test runs it against the proxy. Install it \
             with `apt-get install -y {package}` (.ci/run does)."
        )
    })
}

/// nginx; the test fails (never skips) when it is missing.
pub fn nginx_bin() -> PathBuf {
    find_program("nginx", "NGINX_BIN").unwrap_or_else(|| {
        panic!(
            "nginx is not installed: this test runs nginx as a peer. \
             Install it with `apt-get install -y nginx` (.ci/run does), or set NGINX_BIN."
        )
    })
}

/// Fails the test when the loopback interface has no IPv6 address.
pub fn require_ipv6() {
    if let Err(e) = TcpListener::bind((Ipv6Addr::LOCALHOST, 0)) {
        panic!("IPv6 loopback (::1) is not available ({e}); this test needs it");
    }
}

// ---------------------------------------------------------------------------------------
// Where a process listens, read from /proc/net

/// A listening socket a started process must own before it counts as ready.
#[derive(Clone, Debug)]
pub enum Ready {
    /// TCP on this address (IPv4 or IPv6).
    Tcp(SocketAddr),
    /// A Unix socket at this path.
    Unix(PathBuf),
    /// An abstract socket of this name (HAProxy's `abns@name`).
    Abns(String),
}

/// Socket inodes of the descriptors `pid` holds.
fn socket_inodes(pid: u32) -> HashSet<u64> {
    let mut out = HashSet::new();
    let Ok(dir) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return out;
    };
    for e in dir.flatten() {
        if let Ok(t) = fs::read_link(e.path()) {
            let t = t.to_string_lossy().into_owned();
            if let Some(n) = t.strip_prefix("socket:[").and_then(|s| s.strip_suffix(']')) {
                if let Ok(n) = n.parse() {
                    out.insert(n);
                }
            }
        }
    }
    out
}

/// Parses a `/proc/net/tcp{,6}` address (`0100007F:1F90`).
fn parse_proc_addr(s: &str) -> Option<SocketAddr> {
    let (ip, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let ip: std::net::IpAddr = match ip.len() {
        8 => u32::from_str_radix(ip, 16).ok()?.to_le_bytes().into(),
        32 => {
            let mut b = [0u8; 16];
            for i in 0..4 {
                let w = u32::from_str_radix(&ip[i * 8..i * 8 + 8], 16).ok()?;
                b[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
            }
            b.into()
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// Inodes of TCP sockets listening on `addr`.
fn tcp_listen_inodes(addr: SocketAddr) -> Vec<u64> {
    let file = if addr.is_ipv4() {
        "/proc/net/tcp"
    } else {
        "/proc/net/tcp6"
    };
    let text = fs::read_to_string(file).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let local = parse_proc_addr(f.get(1)?)?;
            (f.get(3) == Some(&"0A") && local == addr).then(|| f.get(9)?.parse().ok())?
        })
        .collect()
}

/// Inodes of listening Unix sockets whose `/proc/net/unix` path is `shown` (abstract
/// names start with `@` there, and their NUL padding shows as `@`s).
fn unix_listen_inodes(matches: impl Fn(&str) -> bool) -> Vec<u64> {
    let text = fs::read_to_string("/proc/net/unix").unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // Num RefCount Protocol Flags Type St Inode Path; flag 0x10000: listening.
            let flags = u32::from_str_radix(f.get(3)?, 16).ok()?;
            let path = f.get(7)?;
            (flags & 0x10000 != 0 && matches(path)).then(|| f.get(6)?.parse().ok())?
        })
        .collect()
}

/// Does process `pid` hold a socket listening as `r` says?
pub fn pid_listens(pid: u32, r: &Ready) -> bool {
    let inodes = match r {
        Ready::Tcp(a) => tcp_listen_inodes(*a),
        Ready::Unix(p) => {
            // HAProxy (and Rampart) bind `<path>.<pid>.tmp` and rename it over `<path>`:
            // /proc/net/unix keeps the name the socket was bound to.
            let shown = p.display().to_string();
            let tmp = format!("{shown}.");
            if !p.exists() {
                return false;
            }
            unix_listen_inodes(|path| path == shown || path.starts_with(&tmp))
        }
        Ready::Abns(name) => {
            let want = format!("@{name}");
            unix_listen_inodes(|path| {
                path.strip_prefix(want.as_str())
                    .is_some_and(|rest| rest.bytes().all(|b| b == b'@'))
            })
        }
    };
    if inodes.is_empty() {
        return false;
    }
    let mine = socket_inodes(pid);
    inodes.iter().any(|i| mine.contains(i))
}

/// Is anything at all listening on TCP `addr`?
pub fn tcp_listening(addr: SocketAddr) -> bool {
    !tcp_listen_inodes(addr).is_empty()
}

/// Is a process with this pid alive (a zombie counts as dead)?
pub fn pid_alive(pid: i32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // "pid (comm) S ...": the state follows the last ')'.
        Ok(s) => s
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|st| st != "Z" && st != "X"),
        Err(_) => false,
    }
}

/// Sends `sig` to `pid`.
pub fn kill(pid: i32, sig: nix::sys::signal::Signal) {
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig);
}

// ---------------------------------------------------------------------------------------
// Processes

/// How to start one process; see the module documentation.
pub struct Launch {
    name: String,
    program: PathBuf,
    args: Vec<String>,
    dir: PathBuf,
    ready: Vec<Ready>,
    fds: Vec<(OwnedFd, RawFd)>,
}

impl Launch {
    /// Any program, run in `dir` (where its output files go).
    pub fn new(name: &str, program: impl Into<PathBuf>, dir: &TempDir) -> Launch {
        Launch {
            name: name.to_string(),
            program: program.into(),
            args: Vec::new(),
            dir: dir.path().to_path_buf(),
            ready: Vec::new(),
            fds: Vec::new(),
        }
    }

    /// `rampart -f <dir>/<name>.cfg` with `cfg` written there (see [`rampart_bin`]). No `-d`/`-db`: it runs in the
    /// foreground like any non-daemon configuration, so signals act as in production.
    pub fn rampart(name: &str, dir: &TempDir, cfg: &str) -> Launch {
        let file = dir.write(&format!("{name}.cfg"), cfg);
        Launch::new(name, rampart_bin(), dir)
            .arg("-f")
            .arg(file.to_string_lossy())
    }

    /// `haproxy -db -f <dir>/<name>.cfg` (foreground, no master process).
    pub fn haproxy(name: &str, dir: &TempDir, cfg: &str) -> Launch {
        let file = dir.write(&format!("{name}.cfg"), cfg);
        Launch::new(name, haproxy_bin(), dir)
            .arg("-db")
            .arg("-f")
            .arg(file.to_string_lossy())
    }

    /// nginx as a single unprivileged process (`daemon off; master_process off;`, given
    /// with `-g`, so `conf` must not contain them) with its prefix in `dir`. Build `conf`
    /// with [`nginx_conf`], which puts every file nginx writes under the prefix.
    pub fn nginx(name: &str, dir: &TempDir, conf: &str) -> Launch {
        let file = dir.write(&format!("{name}.conf"), conf);
        let prefix = format!("{}/", dir.path().display());
        Launch::new(name, nginx_bin(), dir)
            .args(["-p", &prefix, "-e", "stderr", "-c"])
            .arg(file.to_string_lossy())
            .args(["-g", "daemon off; master_process off;"])
    }

    pub fn arg(mut self, a: impl AsRef<str>) -> Launch {
        self.args.push(a.as_ref().to_string());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, a: I) -> Launch {
        self.args
            .extend(a.into_iter().map(|s| s.as_ref().to_string()));
        self
    }

    /// Waits, after starting, until the process owns this listening socket.
    pub fn ready(mut self, r: Ready) -> Launch {
        self.ready.push(r);
        self
    }

    /// Shorthand for [`Ready::Tcp`].
    pub fn ready_tcp(self, addr: SocketAddr) -> Launch {
        self.ready(Ready::Tcp(addr))
    }

    /// The child gets `fd` as descriptor number `target` (not close-on-exec), as a
    /// service manager passes sockets (`fd@N`). Pick `target` well above the descriptors
    /// the test process itself uses (say 100+).
    pub fn inherit_fd(mut self, fd: OwnedFd, target: RawFd) -> Launch {
        assert!(target > 2, "inherit_fd: {target} is a standard stream");
        self.fds.push((fd, target));
        self
    }

    /// Starts the process and waits until it listens everywhere it was asked to. Panics,
    /// with its stderr, when it exits first or does not listen within [`START_TIMEOUT`].
    pub fn spawn(self) -> Proc {
        let p = self.spawn_no_wait();
        p.wait_ready(&self.ready, START_TIMEOUT);
        p
    }

    /// Starts the process without waiting for anything.
    pub fn spawn_no_wait(&self) -> Proc {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let out_path = self.dir.join(format!("{}.{n}.stdout", self.name));
        let err_path = self.dir.join(format!("{}.{n}.stderr", self.name));
        let file = |p: &Path| {
            fs::File::create(p).unwrap_or_else(|e| panic!("cannot create {}: {e}", p.display()))
        };
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(file(&out_path))
            .stderr(file(&err_path));
        if !self.fds.is_empty() {
            let pairs: Vec<(RawFd, RawFd)> = self
                .fds
                .iter()
                .map(|(fd, target)| (fd.as_raw_fd(), *target))
                .collect();
            use std::os::unix::process::CommandExt;
            #[allow(unsafe_code)]
            // SAFETY: the closure runs in the forked child before exec and only calls
            // dup2(2), which is async-signal-safe; it allocates nothing (`pairs` was built
            // in the parent). dup2 leaves the new descriptor without FD_CLOEXEC, so the
            // program inherits it.
            unsafe {
                cmd.pre_exec(move || {
                    for &(fd, target) in &pairs {
                        nix::unistd::dup2(fd, target).map_err(io::Error::from)?;
                    }
                    Ok(())
                });
            }
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.program.display()));
        Proc {
            name: self.name.clone(),
            child,
            status: None,
            out_path,
            err_path,
        }
    }
}

/// The body of an nginx configuration running unprivileged under its prefix: `http_block`
/// is the contents of the `http { }` block (servers with ports of the test's choosing).
pub fn nginx_conf(http_block: &str) -> String {
    format!(
        "pid nginx.pid;\n\
         error_log stderr notice;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n\
         access_log off;\n\
         client_body_temp_path tmp-body;\n\
         proxy_temp_path tmp-proxy;\n\
         fastcgi_temp_path tmp-fastcgi;\n\
         uwsgi_temp_path tmp-uwsgi;\n\
         scgi_temp_path tmp-scgi;\n\
         {http_block}\n\
         }}\n"
    )
}

/// A started process, killed (SIGKILL) and reaped on drop if it is still running.
pub struct Proc {
    name: String,
    child: Child,
    status: Option<ExitStatus>,
    out_path: PathBuf,
    err_path: PathBuf,
}

impl Proc {
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        if self.status.is_none() {
            kill(self.pid(), sig);
        }
    }

    /// Everything the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        fs::read_to_string(&self.err_path).unwrap_or_default()
    }

    pub fn stdout(&self) -> String {
        fs::read_to_string(&self.out_path).unwrap_or_default()
    }

    /// Reaps the process if it ended; returns its status then.
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            if let Ok(Some(s)) = self.child.try_wait() {
                self.status = Some(s);
            }
        }
        self.status
    }

    pub fn is_running(&mut self) -> bool {
        self.try_status().is_none()
    }

    /// Waits up to `timeout` for the process to end.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        wait_until(timeout, || self.try_status().is_some());
        self.status
    }

    /// Waits up to `timeout` for the process to end; panics with its stderr if it does not.
    pub fn expect_exit(&mut self, timeout: Duration) -> ExitStatus {
        match self.wait_exit(timeout) {
            Some(s) => s,
            None => panic!(
                "{} (pid {}) still runs after {timeout:?}; stderr:\n{}",
                self.name,
                self.pid(),
                self.stderr()
            ),
        }
    }

    /// Panics, with stderr, if the process has ended.
    pub fn assert_running(&mut self) {
        if let Some(s) = self.try_status() {
            panic!(
                "{} (pid {}) ended unexpectedly ({}); stderr:\n{}",
                self.name,
                self.pid(),
                describe(s),
                self.stderr()
            );
        }
    }

    /// Waits until the process owns every socket of `ready`.
    pub fn wait_ready(&self, ready: &[Ready], timeout: Duration) {
        let pid = self.child.id();
        let end = Instant::now() + timeout;
        let mut missing: Vec<&Ready> = ready.iter().collect();
        loop {
            missing.retain(|r| !pid_listens(pid, r));
            if missing.is_empty() {
                return;
            }
            let exited = !pid_alive(pid as i32);
            if exited || Instant::now() >= end {
                panic!(
                    "{} (pid {pid}) {} before listening on {missing:?}; stderr:\n{}",
                    self.name,
                    if exited { "exited" } else { "timed out" },
                    self.stderr()
                );
            }
            thread::sleep(STEP);
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.try_status().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// "exit code N" or "killed by signal N".
pub fn describe(s: ExitStatus) -> String {
    match (s.code(), s.signal()) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => format!("{s:?}"),
    }
}

/// A process that is not our child (a daemon, reparented): sent SIGKILL on drop unless it
/// is already gone.
pub struct PidGuard(pub i32);

impl Drop for PidGuard {
    fn drop(&mut self) {
        if self.0 > 0 && pid_alive(self.0) {
            kill(self.0, nix::sys::signal::Signal::SIGKILL);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Streams on both sides

/// A connected stream of any family the tests use.
pub enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    /// Puts [`IO_TIMEOUT`] on reads and writes.
    pub fn bounded(self) -> Stream {
        match &self {
            Stream::Tcp(s) => {
                let _ = s.set_read_timeout(Some(IO_TIMEOUT));
                let _ = s.set_write_timeout(Some(IO_TIMEOUT));
                let _ = s.set_nodelay(true);
            }
            Stream::Unix(s) => {
                let _ = s.set_read_timeout(Some(IO_TIMEOUT));
                let _ = s.set_write_timeout(Some(IO_TIMEOUT));
            }
        }
        self
    }

    pub fn set_read_timeout(&self, t: Option<Duration>) {
        let _ = match self {
            Stream::Tcp(s) => s.set_read_timeout(t),
            Stream::Unix(s) => s.set_read_timeout(t),
        };
    }

    pub fn shutdown(&self, how: Shutdown) {
        let _ = match self {
            Stream::Tcp(s) => s.shutdown(how),
            Stream::Unix(s) => s.shutdown(how),
        };
    }

    pub fn try_clone(&self) -> Stream {
        match self {
            Stream::Tcp(s) => Stream::Tcp(s.try_clone().unwrap_or_else(|e| panic!("clone: {e}"))),
            Stream::Unix(s) => Stream::Unix(s.try_clone().unwrap_or_else(|e| panic!("clone: {e}"))),
        }
    }

    /// The peer address of a TCP stream.
    pub fn peer(&self) -> Option<SocketAddr> {
        match self {
            Stream::Tcp(s) => s.peer_addr().ok(),
            Stream::Unix(_) => None,
        }
    }

    /// The local address of a TCP stream.
    pub fn local(&self) -> Option<SocketAddr> {
        match self {
            Stream::Tcp(s) => s.local_addr().ok(),
            Stream::Unix(_) => None,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A TCP connection to `addr` with [`IO_TIMEOUT`] on every I/O call.
pub fn connect(addr: SocketAddr) -> Stream {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("cannot connect to {addr}: {e}"));
    Stream::Tcp(s).bounded()
}

/// A connection to the Unix socket at `path`, bounded like [`connect`].
pub fn connect_unix(path: &Path) -> Stream {
    let s = UnixStream::connect(path)
        .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", path.display()));
    Stream::Unix(s).bounded()
}

/// The socket address of HAProxy's `abns@name`: the name NUL-padded to the whole
/// `sun_path`, as HAProxy (and Rampart) bind and connect them.
pub fn abns_addr(name: &str) -> std::os::unix::net::SocketAddr {
    use std::os::linux::net::SocketAddrExt;
    let mut padded = name.as_bytes().to_vec();
    assert!(padded.len() < 107, "abstract name too long: {name}");
    padded.resize(107, 0);
    std::os::unix::net::SocketAddr::from_abstract_name(&padded)
        .unwrap_or_else(|e| panic!("abns address {name}: {e}"))
}

/// A connection to HAProxy-style `abns@name`, bounded like [`connect`].
pub fn connect_abns(name: &str) -> Stream {
    let s = UnixStream::connect_addr(&abns_addr(name))
        .unwrap_or_else(|e| panic!("cannot connect to abns@{name}: {e}"));
    Stream::Unix(s).bounded()
}

/// Reads until end of stream (or `max` bytes, or [`IO_TIMEOUT`] without data); a reset
/// after some data ends the read like an end of stream. Panics on timeout.
pub fn read_until_closed(s: &mut Stream, max: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 16384];
    while out.len() < max {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!(
                    "no end of stream within {IO_TIMEOUT:?} (got {:?})",
                    String::from_utf8_lossy(&out)
                )
            }
            Err(_) => break,
        }
    }
    out
}

/// Reads exactly `n` bytes (panics on end of stream, error or timeout).
pub fn read_exact(s: &mut Stream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    s.read_exact(&mut buf)
        .unwrap_or_else(|e| panic!("reading {n} bytes: {e}"));
    buf
}

/// Writes `msg` and reads the same number of bytes back (through an echo).
pub fn roundtrip(s: &mut Stream, msg: &[u8]) -> Vec<u8> {
    s.write_all(msg)
        .unwrap_or_else(|e| panic!("writing {} bytes: {e}", msg.len()));
    read_exact(s, msg.len())
}

/// How a connection the test expected to be closed by its peer ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Closed {
    /// End of stream (FIN).
    Eof,
    /// Connection reset.
    Reset,
}

/// Waits up to `within` for the peer to close `s`, expecting no data meanwhile (data
/// fails the test). Returns how it closed and after how long, or `None` if it stayed open.
pub fn wait_closed(s: &mut Stream, within: Duration) -> Option<(Closed, Duration)> {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        let left = within.saturating_sub(start.elapsed());
        if left.is_zero() {
            return None;
        }
        s.set_read_timeout(Some(left.max(Duration::from_millis(1))));
        match s.read(&mut buf) {
            Ok(0) => return Some((Closed::Eof, start.elapsed())),
            Ok(n) => panic!(
                "expected a close, got {n} bytes: {:?}",
                String::from_utf8_lossy(&buf[..n])
            ),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return Some((Closed::Reset, start.elapsed())),
        }
    }
}

/// Is there no data and no close on `s` for `quiet`? (Data fails the test.)
pub fn stays_silent(s: &mut Stream, quiet: Duration) -> bool {
    let r = wait_closed(s, quiet).is_none();
    s.set_read_timeout(Some(IO_TIMEOUT));
    r
}

/// A one-shot HTTP/1.1 GET with `Connection: close` on `s`; returns the status code and
/// the body (everything after the head, read to the end of stream).
pub fn http_get(mut s: Stream, path: &str) -> (u16, String) {
    let req = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes())
        .unwrap_or_else(|e| panic!("sending the request: {e}"));
    let raw = read_until_closed(&mut s, 1 << 20);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete HTTP response: {text:?}"));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad status line: {head:?}"));
    (status, body.to_string())
}

// ---------------------------------------------------------------------------------------
// Servers in the test

/// Where a [`TestServer`] listens.
#[derive(Clone, Debug)]
pub enum ListenOn {
    Tcp(SocketAddr),
    Unix(PathBuf),
    Abns(String),
}

enum Acceptor {
    Tcp(TcpListener),
    Unix(UnixListener),
}

/// Counters of a [`TestServer`].
#[derive(Debug, Default)]
pub struct ServerStats {
    /// Connections accepted so far.
    pub accepted: AtomicUsize,
    /// Connections whose handler is still running.
    pub active: AtomicUsize,
}

type Handler = dyn Fn(Stream) + Send + Sync + 'static;

/// A server in the test process: accepts on one address and runs `handler` on each
/// connection in a thread of its own (accepted streams carry [`IO_TIMEOUT`], so no
/// handler blocks forever). Stops accepting on drop.
pub struct TestServer {
    pub on: ListenOn,
    pub stats: Arc<ServerStats>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    pub fn start(on: ListenOn, handler: impl Fn(Stream) + Send + Sync + 'static) -> TestServer {
        let acceptor = match &on {
            ListenOn::Tcp(a) => Acceptor::Tcp(bind_tcp(*a)),
            ListenOn::Unix(p) => Acceptor::Unix(
                UnixListener::bind(p)
                    .unwrap_or_else(|e| panic!("test server on {}: {e}", p.display())),
            ),
            ListenOn::Abns(n) => Acceptor::Unix(
                UnixListener::bind_addr(&abns_addr(n))
                    .unwrap_or_else(|e| panic!("test server on abns@{n}: {e}")),
            ),
        };
        let stats = Arc::new(ServerStats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (st, sp) = (stats.clone(), stop.clone());
        let thread = thread::spawn(move || loop {
            let s = match &acceptor {
                Acceptor::Tcp(l) => l.accept().map(|(s, _)| Stream::Tcp(s)),
                Acceptor::Unix(l) => l.accept().map(|(s, _)| Stream::Unix(s)),
            };
            if sp.load(Ordering::SeqCst) {
                return;
            }
            let Ok(s) = s else {
                thread::sleep(STEP);
                continue;
            };
            st.accepted.fetch_add(1, Ordering::SeqCst);
            st.active.fetch_add(1, Ordering::SeqCst);
            let (h, st) = (handler.clone(), st.clone());
            thread::spawn(move || {
                h(s.bounded());
                st.active.fetch_sub(1, Ordering::SeqCst);
            });
        });
        TestServer {
            on,
            stats,
            stop,
            thread: Some(thread),
        }
    }

    /// A TCP server on `127.0.0.1:port`.
    pub fn tcp(port: u16, handler: impl Fn(Stream) + Send + Sync + 'static) -> TestServer {
        TestServer::start(ListenOn::Tcp(local(port)), handler)
    }

    pub fn accepted(&self) -> usize {
        self.stats.accepted.load(Ordering::SeqCst)
    }

    pub fn active(&self) -> usize {
        self.stats.active.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept call up with a connection of our own.
        let woke = match &self.on {
            ListenOn::Tcp(a) => TcpStream::connect_timeout(a, Duration::from_secs(1)).is_ok(),
            ListenOn::Unix(p) => UnixStream::connect(p).is_ok(),
            ListenOn::Abns(n) => UnixStream::connect_addr(&abns_addr(n)).is_ok(),
        };
        if let (true, Some(t)) = (woke, self.thread.take()) {
            let _ = t.join();
        }
        if let ListenOn::Unix(p) = &self.on {
            let _ = fs::remove_file(p);
        }
    }
}

/// Handler: sends back everything it receives, then closes once the client closed.
pub fn echo(mut s: Stream) {
    let mut buf = vec![0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if s.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
}

/// Handler factory: writes `greeting(&stream)` on accept, then echoes.
pub fn greet_then_echo(
    greeting: impl Fn(&Stream) -> String + Send + Sync + 'static,
) -> impl Fn(Stream) + Send + Sync + 'static {
    move |mut s: Stream| {
        let g = greeting(&s);
        if s.write_all(g.as_bytes()).is_ok() {
            echo(s);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Verified data streams

/// What a [`two_way_server`] received and sent: the bytes of stream 1 it verified, and
/// whether its own stream 2 went out whole.
pub type TwoWay = (Result<u64, String>, Result<(), String>);

/// A TCP server on `port` that, for each connection, checks `len` bytes of pattern 1
/// from the client while it sends `len` bytes of pattern 2 (then shuts its side), and
/// reports both outcomes on the returned channel.
pub fn two_way_server(port: u16, len: u64) -> (TestServer, std::sync::mpsc::Receiver<TwoWay>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = Mutex::new(tx);
    let srv = TestServer::tcp(port, move |s| {
        let mut w = s.try_clone();
        let sender = std::thread::spawn(move || {
            let r = Pattern::new(2).write_to(&mut w, len);
            w.shutdown(Shutdown::Write);
            r.map_err(|e| e.to_string())
        });
        let mut r = s;
        let got = Pattern::new(1).verify_from(&mut r, len);
        let sent = sender.join().unwrap_or(Err("sender panicked".into()));
        let _ = tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send((got, sent));
    });
    (srv, rx)
}

/// A deterministic byte stream: 1 MiB blocks of pseudo-random bytes (from `seed`), each
/// starting with its block number, so that a receiver verifies content and order as the
/// data arrives, whatever the read sizes, without keeping it.
#[derive(Clone)]
pub struct Pattern {
    block: Arc<Vec<u8>>,
}

const BLOCK: usize = 1 << 20;

impl Pattern {
    pub fn new(seed: u64) -> Pattern {
        // Distinct seeds give distinct streams (xorshift needs a non-zero state).
        let mut x = seed
            .wrapping_add(1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .max(1);
        let mut block = Vec::with_capacity(BLOCK);
        while block.len() < BLOCK {
            // xorshift64
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            block.extend_from_slice(&x.to_le_bytes());
        }
        Pattern {
            block: Arc::new(block),
        }
    }

    /// Calls `f` with the consecutive pieces of the stream between `offset` and
    /// `offset + len`.
    fn pieces(&self, mut offset: u64, len: usize, mut f: impl FnMut(&[u8])) {
        let mut left = len;
        while left > 0 {
            let b = (offset / BLOCK as u64) as usize;
            let within = (offset % BLOCK as u64) as usize;
            let header = (b as u64).to_le_bytes();
            let piece: &[u8] = if within < 8 {
                &header[within..]
            } else {
                &self.block[within..]
            };
            let take = piece.len().min(left);
            f(&piece[..take]);
            left -= take;
            offset += take as u64;
        }
    }

    /// Writes `len` bytes of the stream to `w`.
    pub fn write_to(&self, w: &mut impl Write, len: u64) -> io::Result<()> {
        let mut buf = Vec::with_capacity(256 * 1024);
        let mut off = 0u64;
        while off < len {
            let n = ((len - off) as usize).min(256 * 1024);
            buf.clear();
            self.pieces(off, n, |p| buf.extend_from_slice(p));
            w.write_all(&buf)?;
            off += n as u64;
        }
        Ok(())
    }

    /// Reads from `r` until end of stream (or `limit` bytes), checking every byte against
    /// the stream. Returns the number of bytes read; `Err` describes the first mismatch
    /// or the I/O error.
    pub fn verify_from(&self, r: &mut impl Read, limit: u64) -> Result<u64, String> {
        let mut buf = vec![0u8; 256 * 1024];
        let mut off = 0u64;
        loop {
            let n = match r.read(&mut buf) {
                Ok(0) => return Ok(off),
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("read error after {off} bytes: {e}")),
            };
            if off + n as u64 > limit {
                return Err(format!("more than the {limit} bytes expected"));
            }
            let mut pos = 0;
            let mut bad = None;
            self.pieces(off, n, |p| {
                if bad.is_none() && buf[pos..pos + p.len()] != *p {
                    bad = Some(off + pos as u64);
                }
                pos += p.len();
            });
            if let Some(at) = bad {
                return Err(format!("data differs near offset {at}"));
            }
            off += n as u64;
        }
    }
}

/// Rampart (or the binary under test) in the foreground (`-db`), so its run-time messages
/// reach stderr as HAProxy prints them in that mode; ready when `port` accepts.
pub fn foreground(dir: &TempDir, cfg: &str, port: u16) -> Proc {
    Launch::rampart("proxy", dir, cfg)
        .arg("-db")
        .ready_tcp(local(port))
        .spawn()
}

/// The messages a process printed after start-up (server state changes, alerts), pids
/// and check durations masked so that runs compare.
pub fn runtime_messages(p: &Proc) -> Vec<String> {
    p.stderr()
        .lines()
        .filter(|l| !l.contains(": config :") && !l.starts_with("[NOTICE]"))
        .map(mask_pid_and_duration)
        .collect()
}

/// Waits until a run-time message containing `needle` was printed (within `within`);
/// returns it, masked as [`runtime_messages`] masks them.
pub fn wait_message(p: &Proc, needle: &str, within: Duration) -> String {
    let mut found = None;
    let ok = wait_until(within, || {
        found = runtime_messages(p).into_iter().find(|m| m.contains(needle));
        found.is_some()
    });
    assert!(
        ok,
        "no message with {needle:?} within {within:?}; stderr:\n{}",
        p.stderr()
    );
    found.unwrap_or_default()
}

fn mask_pid_and_duration(l: &str) -> String {
    let mut s = l.to_string();
    if let (Some(a), Some(b)) = (s.find('('), s.find(')')) {
        if a < b && s[a + 1..b].bytes().all(|c| c.is_ascii_digit()) {
            s.replace_range(a + 1..b, "PID");
        }
    }
    if let Some(i) = s.find("check duration: ") {
        let start = i + "check duration: ".len();
        let end = s[start..].find("ms").map_or(s.len(), |e| start + e);
        s.replace_range(start..end, "N");
    }
    s
}
