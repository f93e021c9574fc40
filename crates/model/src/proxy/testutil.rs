//! Test helper: lowers configuration text through the proxy tables and cross-checks, with
//! a fixed host-name table instead of the system resolver.

use super::{HostResolver, ProxiesBuilder, Proxy};
use crate::{LowerCx, LowerOptions};
use rampart_config::{Diagnostics, Level, Line, Modifier, Section, SectionKind, SourceMap, Span};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The outcome of one run.
pub struct Run {
    pub proxies: Vec<Proxy>,
    /// The defaults sections whose rules proxies run.
    pub defaults: Vec<Proxy>,
    pub diags: Diagnostics,
    pub sources: SourceMap,
}

impl Run {
    /// The proxy named `name` (panics in tests when absent).
    pub fn proxy(&self, name: &str) -> &Proxy {
        match self.proxies.iter().find(|p| p.name == name) {
            Some(p) => p,
            None => panic!("no proxy {name}; diags: {:#?}", self.messages()),
        }
    }
    pub fn messages(&self) -> Vec<String> {
        self.diags
            .iter()
            .map(|d| d.render(1, &self.sources))
            .collect()
    }
    fn has(&self, level: Level, msg: &str) -> bool {
        let found = self
            .diags
            .iter()
            .any(|d| d.level == level && d.message == msg);
        if !found {
            eprintln!("looking for {level:?} {msg:?} in {:#?}", self.messages());
        }
        found
    }
    pub fn has_alert(&self, msg: &str) -> bool {
        self.has(Level::Alert, msg)
    }
    pub fn has_warning(&self, msg: &str) -> bool {
        self.has(Level::Warning, msg)
    }
    /// An `[ALERT]` that does not make the configuration invalid.
    pub fn has_nonfatal_alert(&self, msg: &str) -> bool {
        self.has(Level::NonFatalAlert, msg)
    }
    /// No alert and no warning.
    pub fn clean(&self) -> bool {
        let ok = !self
            .diags
            .iter()
            .any(|d| d.level >= Level::Warning && !d.message.starts_with("missing timeouts for"));
        if !ok {
            eprintln!("not clean: {:#?}", self.messages());
        }
        ok
    }
    /// No alert.
    pub fn valid(&self) -> bool {
        let ok = !self.diags.has_alerts();
        if !ok {
            eprintln!("not valid: {:#?}", self.messages());
        }
        ok
    }
}

/// The host names tests may resolve.
pub fn test_resolver() -> HostResolver {
    HostResolver::new(|h| match h {
        "localhost" => Ok(vec![
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ]),
        "app.test" => Ok(vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10))]),
        _ => Err("Name or service not known".into()),
    })
    .with_fd_probe(|fd| {
        if fd < 100 {
            Ok(())
        } else {
            Err("Bad file descriptor".into())
        }
    })
}

/// Splits text into sections the way the reader does (whitespace words, `#` comments,
/// `no`/`default` prefixes moved into the modifier).
pub fn sections(text: &str, sources: &mut SourceMap) -> Vec<Section> {
    let file = sources.add("t.cfg");
    let mut out: Vec<Section> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let span = Span {
            file,
            line: i as u32 + 1,
        };
        let mut words: Vec<String> = raw
            .split('#')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        if words.is_empty() {
            continue;
        }
        let mut modifier = Modifier::None;
        if words.len() > 1 && (words[0] == "no" || words[0] == "default") {
            modifier = if words[0] == "no" {
                Modifier::No
            } else {
                Modifier::Default
            };
            words.remove(0);
        }
        let line = Line {
            span,
            modifier,
            words,
        };
        match SectionKind::from_keyword(line.keyword()) {
            Some(kind) => out.push(Section {
                kind,
                header: line,
                lines: Vec::new(),
            }),
            None => {
                if let Some(s) = out.last_mut() {
                    s.lines.push(line);
                }
            }
        }
    }
    out
}

/// Lowers proxy sections of `text` and runs the cross-checks.
pub fn run(text: &str) -> Run {
    run_with(text, test_resolver())
}

/// The same with a chosen resolver.
pub fn run_with(text: &str, resolver: HostResolver) -> Run {
    let mut sources = SourceMap::new();
    let secs = sections(text, &mut sources);
    let mut diags = Diagnostics::new();
    let opts = LowerOptions {
        resolver,
        ..LowerOptions::default()
    };
    let mut cx = LowerCx {
        sources: &sources,
        diags: &mut diags,
        opts: &opts,
        default_path: crate::global::DefaultPath::default(),
    };
    let mut b = ProxiesBuilder::default();
    let mut others = crate::sections::OthersBuilder::default();
    for s in &secs {
        if s.kind.is_proxy() {
            super::lower_section(&mut b, s, &mut cx);
        } else if s.kind != SectionKind::Global {
            crate::sections::lower_section(&mut others, s, &mut cx);
        }
    }
    let fin = b.finish(&mut cx);
    let mut snap = crate::Snapshot {
        proxies: fin.proxies,
        defaults: fin.defaults,
        others: others.finish(&mut cx),
        patterns: fin.registry,
        proc_vars: fin.proc_vars,
        ..Default::default()
    };
    let parsed = !cx.diags.has_alerts();
    if parsed {
        super::acls::resolve(
            &mut snap.proxies,
            &mut snap.defaults,
            fin.tables,
            &snap.others,
            cx.sources,
            cx.diags,
        );
    }
    crate::check::cross_check(&snap, &mut cx);
    if parsed {
        super::errors::resolve(&mut snap, &mut cx);
    }
    crate::check::init_servers(&snap, &mut cx);
    Run {
        proxies: snap.proxies,
        defaults: snap.defaults,
        diags,
        sources,
    }
}

/// Every keyword of every table with hostile arguments: no panic, whatever the input.
#[test]
fn hostile_arguments_never_panic() {
    let weird = [
        "",
        "-1",
        "99999999999999999999999999999",
        "((((",
        "é",
        ":::",
        "${",
        "a,b,,",
    ];
    let words: Vec<&str> = super::keywords::TABLE.iter().map(|k| k.name).collect();
    let sub: Vec<String> = super::options::TABLE
        .iter()
        .map(|k| format!("option {}", k.name))
        .chain(
            super::timeout::TABLE
                .iter()
                .map(|k| format!("timeout {}", k.name)),
        )
        .chain(
            super::bind::TABLE
                .iter()
                .map(|k| format!("bind :80 {}", k.name)),
        )
        .chain(
            super::server::TABLE
                .iter()
                .map(|k| format!("server s 1.2.3.4 {}", k.name)),
        )
        .chain(
            super::server::TABLE
                .iter()
                .map(|k| format!("default-server {}", k.name)),
        )
        .chain(
            super::balance::TABLE
                .iter()
                .map(|k| format!("balance {}", k.name)),
        )
        .collect();
    let heads: Vec<&str> = words
        .iter()
        .copied()
        .chain(sub.iter().map(String::as_str))
        .collect();
    for head in &heads {
        let mut text = String::from("defaults\nfrontend f\nbackend b\nlisten l\n");
        for w in weird {
            for sec in ["defaults", "listen l2"] {
                text.push_str(&format!(
                    "{sec}\n {head} {w}\n {head} {w} {w}\n no {head} {w}\n default {head}\n"
                ));
            }
        }
        let _ = run(&text);
    }
    let long = format!(
        "backend b\n server s 1.2.3.4 {}\n bind {}\n",
        "weight 1 ".repeat(100_000),
        ":1,".repeat(10_000)
    );
    let _ = run(&long);
}
