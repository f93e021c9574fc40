//! Where lines go: one sink per distinct destination (a datagram address, a descriptor,
//! a file, a ring), each with a bounded lock-free queue that the traffic threads push
//! to and one delivery thread that drains it. The traffic side never blocks: when a
//! queue is full, the line is dropped and counted ([`crate::dropped`]).
//!
//! A sink serves every target that names its destination (a global target inherited by
//! fifty proxies is one sink); each target's settings (format, `len`, facility, tag)
//! are a [`Spec`] of the sink, which the queued item names. The delivery thread encodes
//! the line ([`crate::encode`]) and writes it:
//! - datagram targets (UDP, Unix datagram): one `sendto` per line, waiting at most a
//!   second for room in the socket buffer (then the line is dropped and counted);
//! - descriptors (`stdout`, `stderr`, `fd@N`): one `write` per line, so lines never
//!   interleave;
//! - files (`file@`): lines appended, several per `write` when they queue up, the file
//!   reopened by name when [`crate::reopen_files`] was called;
//! - rings: the line becomes a ring event; the ring's forwarders send it on.

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::{self, Thread};
use std::time::Duration;

use crossbeam_queue::ArrayQueue;
use rampart_model::log::LogFormat;
use socket2::{Domain, SockAddr, Socket, Type};

use crate::encode::{self, Header, Meta, Now};
use crate::record::Record;
use crate::ring::Ring;

/// Lines a sink's queue holds before dropping.
pub const QUEUE_LEN: usize = 8192;

/// One target's settings, as its sink encodes its lines.
#[derive(Clone, Debug)]
pub struct Spec {
    /// `format` (`None`: guessed per message, as HAProxy's unspecified format).
    pub format: Option<LogFormat>,
    /// `len`.
    pub maxlen: usize,
    pub facility: u32,
    /// Minimum level: a more severe message is sent at this level.
    pub min_level: u32,
    /// The proxy's `log-tag` (or the global one, or the program name).
    pub tag: Box<[u8]>,
    /// `log-send-hostname`.
    pub host: Box<[u8]>,
    /// Position of the target in its list (HAProxy's "logger #N" in messages).
    pub logger: usize,
}

/// A line waiting in a sink's queue.
#[derive(Debug)]
pub(crate) struct Item {
    pub rec: Record,
    pub spec: u32,
}

/// Where a sink writes.
#[derive(Debug)]
pub enum Dest {
    /// UDP or Unix datagram socket address.
    Dgram(SockAddr),
    /// A descriptor (`stdout` is 1).
    Fd(u32),
    /// A file, by path.
    File(PathBuf),
    /// A ring.
    Ring(Arc<Ring>),
}

/// How long a delivery thread waits between looks at its queue while lines come.
const LINGER: Duration = Duration::from_millis(2);
/// Looks without a line before the thread sleeps until woken (50 ms).
const LINGER_ROUNDS: u32 = 25;

/// One destination with its queue.
#[derive(Debug)]
pub struct Sink {
    /// Shown in thread names and messages.
    pub name: String,
    pub dest: Dest,
    pub(crate) specs: Vec<Spec>,
    queue: ArrayQueue<Item>,
    sleeping: AtomicBool,
    thread: OnceLock<Thread>,
    /// Set while the thread works on lines it took from the queue.
    busy: AtomicBool,
    /// A file sink opened before the process detached (reused by the thread).
    pub(crate) preopened: std::sync::Mutex<Option<File>>,
}

/// Bumped by [`crate::reopen_files`]; file sinks reopen when it changed.
pub(crate) static REOPEN: AtomicU64 = AtomicU64::new(0);

impl Sink {
    pub fn new(name: String, dest: Dest, specs: Vec<Spec>) -> Self {
        Self {
            name,
            dest,
            specs,
            queue: ArrayQueue::new(QUEUE_LEN),
            sleeping: AtomicBool::new(false),
            thread: OnceLock::new(),
            busy: AtomicBool::new(false),
            preopened: std::sync::Mutex::new(None),
        }
    }

    /// Queues a line (from any thread). Never blocks: a full queue drops the line.
    pub(crate) fn push(&self, item: Item) {
        if self.queue.push(item).is_err() {
            crate::count_dropped();
            return;
        }
        // Pairs with the thread's store of `sleeping` before it checks the queue.
        fence(Ordering::SeqCst);
        if self.sleeping.load(Ordering::Relaxed) && self.sleeping.swap(false, Ordering::AcqRel) {
            self.wake();
        }
    }

    /// Wakes the delivery thread.
    pub(crate) fn wake(&self) {
        if let Some(t) = self.thread.get() {
            t.unpark();
        }
    }

    /// Whether everything queued has been written.
    pub(crate) fn idle(&self) -> bool {
        self.queue.is_empty() && !self.busy.load(Ordering::Acquire)
    }

    /// Starts the delivery thread.
    pub(crate) fn spawn(self: &Arc<Self>) -> io::Result<()> {
        let me = Arc::clone(self);
        let name = format!("log {}", self.name);
        thread::Builder::new().name(name).spawn(move || {
            let _ = me.thread.set(thread::current());
            let mut w = Writer::new(&me);
            me.run(&mut w);
        })?;
        Ok(())
    }

    fn run(&self, w: &mut Writer<'_>) {
        // Rounds without a line since the last one.
        let mut quiet = 0u32;
        loop {
            self.busy.store(true, Ordering::Release);
            let mut took = false;
            while let Some(item) = self.queue.pop() {
                took = true;
                if w.reopen_due() {
                    w.flush();
                    w.maintenance();
                }
                w.handle(&item);
                if w.batch_full() {
                    w.flush();
                }
            }
            w.flush();
            self.busy.store(false, Ordering::Release);
            w.maintenance();
            // While lines keep coming, the thread looks at its queue every `LINGER`
            // without being woken: a traffic thread then never pays a wake-up (and,
            // on a shared CPU, two context switches) per line. Only once quiet for a
            // while does it sleep until a producer wakes it.
            quiet = if took { 0 } else { quiet + 1 };
            if quiet < LINGER_ROUNDS {
                thread::sleep(LINGER);
                continue;
            }
            quiet = 0;
            self.sleeping.store(true, Ordering::SeqCst);
            if !self.queue.is_empty() {
                self.sleeping.store(false, Ordering::Relaxed);
                continue;
            }
            thread::park_timeout(Duration::from_millis(250));
            self.sleeping.store(false, Ordering::Relaxed);
        }
    }
}

/// The state of a delivery thread.
struct Writer<'s> {
    sink: &'s Sink,
    pid: Vec<u8>,
    hdr: Header,
    line: Vec<u8>,
    /// Lines waiting for one write (files).
    batch: Vec<u8>,
    out: Out,
    /// "failed" messages are printed once per sink, as HAProxy prints them once.
    alerted: bool,
    zone: &'static rampart_rules::conv::time::Zone,
}

enum Out {
    Dgram(Option<Socket>),
    Fd(Option<File>),
    File { file: Option<File>, gen: u64 },
    Ring,
}

impl<'s> Writer<'s> {
    fn new(sink: &'s Sink) -> Self {
        let out = match &sink.dest {
            Dest::Dgram(addr) => Out::Dgram(dgram_socket(addr).ok()),
            Dest::Fd(n) => Out::Fd(crate::sys::dup_fd(*n).ok()),
            Dest::File(p) => {
                let pre = sink.preopened.lock().ok().and_then(|mut g| g.take());
                Out::File {
                    file: pre.or_else(|| open_file(p).ok()),
                    gen: REOPEN.load(Ordering::Acquire),
                }
            }
            Dest::Ring(_) => Out::Ring,
        };
        Self {
            sink,
            pid: std::process::id().to_string().into_bytes(),
            hdr: Header::default(),
            line: Vec::with_capacity(1024),
            batch: Vec::new(),
            out,
            alerted: false,
            zone: rampart_rules::conv::time::local_zone(),
        }
    }

    fn handle(&mut self, item: &Item) {
        let sink = self.sink;
        let Some(spec) = sink.specs.get(item.spec as usize) else {
            return;
        };
        let rec = &item.rec;
        let facility = rec.facility().unwrap_or(spec.facility);
        if let Dest::Ring(ring) = &sink.dest {
            self.announce_dropped(ring, facility, spec);
        }
        let relayed = rec.relayed_flag();
        let rm = rec.meta();
        let meta = if relayed {
            rm
        } else {
            Meta {
                host: &spec.host,
                tag: &spec.tag,
                pid: &self.pid,
                sd: rm.sd,
                ..Meta::default()
            }
        };
        // A relayed message without a priority is sent at the target's minimum level.
        let level = rec
            .level()
            .map_or(spec.min_level, |l| l.max(spec.min_level));
        let now = Now {
            secs: rec.secs(),
            usec: rec.usec(),
            zone: self.zone,
        };
        let msg = encode::trim_message(rec.msg());
        match &sink.dest {
            Dest::Dgram(addr) => {
                let f = encode::resolve_format(spec.format, &meta);
                self.hdr.build(f, level, facility, &meta, now);
                encode::dgram(&self.hdr, msg, spec.maxlen, &mut self.line);
                self.send_dgram(addr, spec.logger);
            }
            Dest::Fd(_) | Dest::File(_) => {
                let f = encode::resolve_format(spec.format, &meta);
                self.hdr.build(f, level, facility, &meta, now);
                encode::line(self.hdr.bytes(), msg, spec.maxlen, &mut self.line);
                if matches!(self.out, Out::Fd(_)) {
                    self.write_fd(spec.logger);
                } else {
                    self.batch.extend_from_slice(&self.line);
                }
            }
            Dest::Ring(ring) => {
                let msg = &msg[..msg.len().min(spec.maxlen)];
                let f = encode::resolve_format(ring.format, &meta);
                if f == LogFormat::Raw {
                    encode::ring_event(b"", msg, ring.maxlen, &mut self.line);
                } else {
                    self.hdr.build(f, level, facility, &meta, now);
                    encode::ring_event(self.hdr.bytes(), msg, ring.maxlen, &mut self.line);
                }
                ring.write(&self.line);
            }
        }
    }

    /// HAProxy's `sink_announce_dropped`: before the next event, a ring that lost some
    /// says how many, at level notice, with the global tag.
    fn announce_dropped(&mut self, ring: &Ring, facility: u32, spec: &Spec) {
        let n = ring.dropped.load(Ordering::Relaxed);
        if n == 0 {
            return;
        }
        let text = format!("{n} event{} dropped", if n > 1 { "s" } else { "" });
        let tag = crate::global_tag();
        let meta = Meta {
            host: &spec.host,
            tag: tag.as_bytes(),
            pid: &self.pid,
            ..Meta::default()
        };
        let (secs, usec) = crate::record::now();
        let now = Now {
            secs,
            usec,
            zone: self.zone,
        };
        let f = encode::resolve_format(ring.format, &meta);
        let mut ev = Vec::new();
        if f == LogFormat::Raw {
            encode::ring_event(b"", text.as_bytes(), ring.maxlen, &mut ev);
        } else {
            self.hdr.build(f, 5, facility, &meta, now);
            encode::ring_event(self.hdr.bytes(), text.as_bytes(), ring.maxlen, &mut ev);
        }
        if ring.lock().write(&ev) {
            ring.dropped.fetch_sub(n, Ordering::Relaxed);
        }
    }

    fn send_dgram(&mut self, addr: &SockAddr, logger: usize) {
        let Out::Dgram(Some(sock)) = &self.out else {
            crate::count_dropped();
            return;
        };
        if let Err(e) = sock.send_to(&self.line, addr) {
            self.failed(&e, logger);
        }
    }

    fn write_fd(&mut self, logger: usize) {
        let Out::Fd(Some(f)) = &mut self.out else {
            crate::count_dropped();
            return;
        };
        if let Err(e) = f.write_all(&self.line) {
            self.failed(&e, logger);
        }
    }

    /// A failed send: a full buffer counts as a dropped line, anything else is reported
    /// once, with HAProxy's words.
    fn failed(&mut self, e: &io::Error, logger: usize) {
        if matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ) {
            crate::count_dropped();
        } else if !self.alerted {
            self.alerted = true;
            crate::events::alert(&format!(
                "sendmsg()/writev() failed in logger #{logger}: {} (errno={})",
                crate::sys::errno_text(e),
                e.raw_os_error().unwrap_or(0)
            ));
        }
    }

    fn batch_full(&self) -> bool {
        self.batch.len() >= 64 * 1024
    }

    /// Writes the lines waiting for a file.
    fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        if let Out::File { file: Some(f), .. } = &mut self.out {
            if let Err(e) = f.write_all(&self.batch) {
                let e = io::Error::new(e.kind(), e.to_string());
                self.batch.clear();
                self.failed(&e, 1);
                return;
            }
        } else {
            crate::count_dropped();
        }
        self.batch.clear();
    }

    /// Whether a file target was asked to reopen since it last opened.
    fn reopen_due(&self) -> bool {
        matches!(&self.out, Out::File { gen, .. } if *gen != REOPEN.load(Ordering::Relaxed))
    }

    /// Between batches: a file reopens when asked.
    fn maintenance(&mut self) {
        let Dest::File(path) = &self.sink.dest else {
            return;
        };
        let now = REOPEN.load(Ordering::Acquire);
        let Out::File { file, gen } = &mut self.out else {
            return;
        };
        if *gen == now && file.is_some() {
            return;
        }
        *gen = now;
        match open_file(path) {
            Ok(f) => *file = Some(f),
            Err(e) => crate::events::alert(&format!(
                "cannot reopen log file '{}': {}",
                path.display(),
                crate::sys::errno_text(&e)
            )),
        }
    }
}

/// Opens a log file for appending (created 0640).
pub(crate) fn open_file(path: &std::path::Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o640)
        .open(path)
}

/// A socket to send datagrams to `addr` from: unbound, no receive buffer, at most one
/// second of waiting for room.
fn dgram_socket(addr: &SockAddr) -> io::Result<Socket> {
    let domain = if addr.is_ipv6() {
        Domain::IPV6
    } else if addr.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::UNIX
    };
    let s = Socket::new(domain, Type::DGRAM.cloexec(), None)?;
    let _ = s.set_recv_buffer_size(0);
    s.set_write_timeout(Some(Duration::from_secs(1)))?;
    Ok(s)
}
