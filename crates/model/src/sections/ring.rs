//! `ring <name>` sections (manual 3.9; HAProxy's `cfg_parse_ring`, `cfg_post_parse_ring`,
//! `post_sink_resolve` in sink.c): in-memory ring buffers that `log ring@<name>` targets
//! write to, each optionally forwarded to syslog servers over TCP. The header is checked
//! like HAProxy does (name required, valid characters, no clash with another sink,
//! including the built-in `buf0`, `stdout` and `stderr`). `backing-file` is not
//! supported yet.

use rampart_config::units::TimeError;
use rampart_config::{Diagnostic, Section, SectionKind, Span};

use super::{invalid_char, lower_lines, OthersBuilder, Unknown};
use crate::cnum::atol;
use crate::global::args::{alert_tight, bad_time_char, time_ms, Args};
use crate::kw::{Cx, Keyword};
use crate::log::LogFormat;
use crate::proxy::server::Server;
use crate::LowerCx;

/// Sinks every HAProxy process has.
pub const BUILTIN_SINKS: [&str; 3] = ["stdout", "stderr", "buf0"];

/// HAProxy's `BUFSIZE`: the default ring size and event length.
pub const DEFAULT_RING_SIZE: usize = 16384;
/// Size of the built-in `buf0` ring.
pub const BUF0_SIZE: usize = 1_048_576;

/// One `ring` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ring {
    pub name: String,
    pub span: Span,
    pub description: Option<String>,
    /// `format` (default `raw`): the header each event gets when written.
    pub format: LogFormat,
    /// `size` in bytes (at least the default, 16384).
    pub size: usize,
    /// `maxlen`: longest event, header included (default and bound: `size`).
    pub maxlen: usize,
    /// `timeout connect` in ms (`None`: no limit).
    pub timeout_connect_ms: Option<u32>,
    /// `timeout server` in ms (`None`: no limit).
    pub timeout_server_ms: Option<u32>,
    /// `server` lines: syslog servers the ring is forwarded to over TCP.
    pub servers: Vec<Server>,
}

impl Ring {
    fn new(name: &str, span: Span) -> Self {
        Self {
            name: name.to_string(),
            span,
            description: None,
            format: LogFormat::Raw,
            size: DEFAULT_RING_SIZE,
            maxlen: DEFAULT_RING_SIZE,
            timeout_connect_ms: None,
            timeout_server_ms: None,
            servers: Vec::new(),
        }
    }
}

/// A `ring` section being lowered.
pub struct RingBuilder {
    ring: Ring,
    /// False when the header was refused: HAProxy then has no current sink, and each
    /// keyword says it cannot apply.
    valid: bool,
    resolver: crate::proxy::HostResolver,
}

/// Keywords of a `ring` section.
pub static TABLE: &[Keyword<RingBuilder>] = &[
    Keyword::not_yet("backing-file"),
    Keyword::parse("description", parse_description),
    Keyword::parse("format", parse_format),
    Keyword::parse("maxlen", parse_maxlen),
    Keyword::parse("server", parse_server),
    Keyword::parse("size", parse_size),
    Keyword::parse("timeout", parse_timeout),
];

/// Lowers one `ring` section.
pub(crate) fn lower(b: &mut OthersBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    let span = s.header.span;
    let a = Args::new(&s.header);
    let name = a.get(1);
    let problem = if name.is_empty() {
        Some("missing ring name.".to_string())
    } else if let Some(c) = invalid_char(name) {
        Some(format!(
            "invalid ring name '{name}' (character '{c}' is not permitted)."
        ))
    } else if BUILTIN_SINKS.contains(&name)
        || b.others.declared(SectionKind::Ring).any(|d| d.name == name)
    {
        Some(format!("sink named '{name}' already exists."))
    } else {
        None
    };
    let fresh = problem.is_none();
    match problem {
        Some(msg) => cx.diags.push(Diagnostic::alert(Some(span), msg)),
        None => b.others.declared.push(super::Declared {
            kind: SectionKind::Ring,
            name: name.to_string(),
            span,
        }),
    }
    let mut rb = RingBuilder {
        ring: Ring::new(name, span),
        valid: fresh,
        resolver: cx.opts.resolver.clone(),
    };
    lower_lines(TABLE, &mut rb, s, cx, Unknown::Statement);
    let mut ring = rb.ring;
    // cfg_post_parse_ring.
    if ring.maxlen > ring.size {
        cx.diags.push(Diagnostic::warning(
            None,
            format!(
                "ring '{}' event max length '{}' exceeds size, forced to size '{}'.",
                ring.name, ring.maxlen, ring.size
            ),
        ));
        ring.maxlen = ring.size;
    }
    // The ring's hidden backend gets the proxies' check of its timeouts.
    if !ring.servers.is_empty()
        && (ring.timeout_connect_ms.is_none() || ring.timeout_server_ms.is_none())
    {
        cx.diags.push(Diagnostic::warning(
            None,
            format!(
                "missing timeouts for backend '{}'.\n   | While not properly invalid, you will \
                 certainly encounter various problems\n   | with such a configuration. To fix \
                 this, please ensure that all following\n   | timeouts are set to a non-zero \
                 value: 'client', 'connect', 'server'.",
                ring.name
            ),
        ));
    }
    if fresh {
        b.others.rings.push(ring);
    }
}

/// HAProxy's message for a keyword of a ring whose header was refused.
fn no_sink(rb: &RingBuilder, a: &Args<'_>) -> Result<(), String> {
    if rb.valid {
        return Ok(());
    }
    Err(match a.kw() {
        "size" => "'size' directive not usable with this type of sink.".to_string(),
        "server" => format!("unable to create server '{}'.", a.get(1)),
        "timeout" => format!("unable to set timeout '{}'.", a.get(1)),
        "format" => format!("unable to set format '{}'.", a.get(1)),
        "maxlen" => format!("unable to set event max length '{}'.", a.get(1)),
        _ => format!("unable to set description '{}'.", a.get(1)),
    })
}

fn parse_description(rb: &mut RingBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    no_sink(rb, &a)?;
    if a.empty(1) {
        return Err("missing ring description text.".into());
    }
    rb.ring.description = Some(a.get(1).to_string());
    Ok(())
}

fn parse_format(rb: &mut RingBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    no_sink(rb, &a)?;
    rb.ring.format =
        LogFormat::from_name(a.get(1)).ok_or_else(|| format!("unknown format '{}'.", a.get(1)))?;
    Ok(())
}

fn parse_maxlen(rb: &mut RingBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    no_sink(rb, &a)?;
    // HAProxy stores `atol` into an unsigned int.
    let v = atol(a.get(1)) as u32;
    if v == 0 {
        return Err(format!("invalid size '{}' for new sink buffer.", a.get(1)));
    }
    rb.ring.maxlen = v as usize;
    Ok(())
}

fn parse_size(rb: &mut RingBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    no_sink(rb, &a)?;
    let v = atol(a.get(1)) as u64 as usize;
    if v == 0 {
        return Err(format!("invalid size '{}' for new sink buffer.", a.get(1)));
    }
    if v < rb.ring.size {
        // HAProxy prints this one as a warning that fails the configuration
        // (ERR_FATAL): an alert here, so that it fails too.
        return Err(format!(
            "ignoring new size '{v}' that is smaller than current size '{}' for ring '{}'.",
            rb.ring.size, rb.ring.name
        ));
    }
    rb.ring.size = v;
    Ok(())
}

fn parse_server(rb: &mut RingBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    no_sink(rb, &Args::new(cx.line))?;
    let owner = rb.ring.name.clone();
    if let Some(s) = crate::proxy::server::parse_standalone(cx, &owner, &rb.resolver) {
        rb.ring.servers.push(s);
    }
    Ok(())
}

/// `timeout connect|server <time>`; other names are ignored, as HAProxy does.
fn parse_timeout(rb: &mut RingBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    no_sink(rb, &a)?;
    let (kw, which, v) = (a.kw(), a.get(1), a.get(2));
    if which != "connect" && which != "server" {
        return Ok(());
    }
    if v.is_empty() {
        return Err(format!("'{kw} {which}' expects <time> as argument."));
    }
    let ms = match time_ms(cx, v) {
        Ok(ms) => ms,
        Err(TimeError::Overflow) => {
            alert_tight(cx, format!(
                "timer overflow in argument <{v}> to <{kw} {which}>, maximum value is 2147483647 ms (~24.8 days)."
            ));
            return Ok(());
        }
        Err(TimeError::Underflow) => {
            alert_tight(cx, format!(
                "timer underflow in argument <{v}> to <{kw} {which}>, minimum non-null value is 1 ms."
            ));
            return Ok(());
        }
        Err(e) => {
            let c = bad_time_char(&e).map(String::from).unwrap_or_default();
            alert_tight(
                cx,
                format!("unexpected character '{c}' in argument to <{kw} {which}>."),
            );
            return Ok(());
        }
    };
    if which == "connect" {
        rb.ring.timeout_connect_ms = Some(ms);
    } else {
        rb.ring.timeout_server_ms = Some(ms);
    }
    Ok(())
}

/// What a `ring@<name>` log target refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RingRef {
    /// A ring buffer: a `ring` section or the built-in `buf0`.
    Buffer,
    /// A sink that is not a buffer (`stdout`, `stderr`).
    NotBuffer,
    /// Nothing of that name.
    Unknown,
}

/// Resolves a ring name used by `log ring@<name>`.
pub fn ring_ref(others: &super::Others, name: &str) -> RingRef {
    if name == "buf0" || others.declared(SectionKind::Ring).any(|d| d.name == name) {
        RingRef::Buffer
    } else if name == "stdout" || name == "stderr" {
        RingRef::NotBuffer
    } else {
        RingRef::Unknown
    }
}

/// HAProxy's start-up check of global `log ring@<name>` targets (`post_sink_resolve`).
/// HAProxy runs it when starting, not with `-c`, so the binary should call it on start-up
/// only. Messages are HAProxy's, without file position.
pub fn check_global_log_rings(
    targets: &[crate::global::LogTarget],
    others: &super::Others,
    sources: &rampart_config::SourceMap,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for t in targets {
        let crate::global::LogDest::Ring(name) = &t.dest else {
            continue;
        };
        let (file, line) = (sources.name(t.span.file), t.span.line);
        let msg = match ring_ref(others, name) {
            RingRef::Buffer => continue,
            RingRef::NotBuffer => format!(
                "global log server declared in file '{file}' at line {line} uses incompatible ring '{name}'."
            ),
            RingRef::Unknown => format!(
                "global log server declared in file '{file}' at line {line} uses unknown ring named '{name}'."
            ),
        };
        out.push(Diagnostic::alert(None, msg));
    }
    out
}
