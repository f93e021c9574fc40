//! Layer 3: lowering. The AST from `rampart-config` becomes an immutable, id-indexed
//! [`Snapshot`] through one keyword table per section ([`kw`]); `rampart -c` stops here.
//!
//! Sections are lowered in file order, as HAProxy parses them: `global` sections merge
//! into one [`global::Global`], each proxy starts from the `defaults` section in force
//! (or the one named by `from`), and the other sections fill [`sections::Others`]. Then
//! [`check`] runs the cross-reference checks HAProxy runs after parsing.

pub mod addr;
pub mod catalog;
pub mod check;
pub mod global;
pub mod ids;
pub mod kw;
pub mod lines;
pub mod log;
pub mod procset;
pub mod proxy;
pub mod sections;
pub mod server_state;

use rampart_config::{Config, Diagnostics, SectionKind, SourceMap, Span};
pub use rampart_core::cnum;
use std::path::{Path, PathBuf};

/// The validated configuration the runtime consumes. Never refers back to text.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub global: global::Global,
    pub proxies: Vec<proxy::Proxy>,
    /// The `defaults` sections whose rules proxies run before their own
    /// ([`proxy::Proxy::defpx`]), with their ACLs.
    pub defaults: Vec<proxy::Proxy>,
    pub others: sections::Others,
    /// Every pattern reference (ACL and map files, inline ACL patterns), as the runtime
    /// API lists and changes them.
    pub patterns: rampart_rules::pattern::Registry,
    /// `proc.` variables named by rules, declared (unset) at start-up.
    pub proc_vars: Vec<rampart_rules::vars::VarRef>,
}

/// Inputs to lowering that come from the command line rather than the files.
#[derive(Clone, Debug, Default)]
pub struct LowerOptions {
    /// `-L name`: the local peer name (defaults to the host name).
    pub localpeer: Option<String>,
    /// The working directory `-f` paths were given relative to.
    pub cwd: PathBuf,
    /// Resolves host names (`bind` addresses, servers' `init-addr libc`). The binary may
    /// supply its own; the default asks the system resolver.
    pub resolver: proxy::HostResolver,
}

/// State shared by every section's lowering while the files are walked in order.
pub struct LowerCx<'a> {
    pub sources: &'a SourceMap,
    pub diags: &'a mut Diagnostics,
    pub opts: &'a LowerOptions,
    /// `default-path` in force: how relative paths in the configuration are resolved.
    pub default_path: global::DefaultPath,
}

impl LowerCx<'_> {
    /// The directory a relative path written on the line at `span` is resolved against.
    pub fn base_dir(&self, span: Span) -> PathBuf {
        let file = Path::new(self.sources.name(span.file));
        self.default_path.base_dir(file, &self.opts.cwd)
    }
}

/// Lowers a whole configuration. Returns the Snapshot only when no alert was raised;
/// the diagnostics hold every problem found, not only the first.
pub fn lower(config: &Config, opts: &LowerOptions) -> (Option<Snapshot>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut cx = LowerCx {
        sources: &config.sources,
        diags: &mut diags,
        opts,
        default_path: global::DefaultPath::default(),
    };
    let mut global = global::GlobalBuilder::default();
    let mut proxies = proxy::ProxiesBuilder::default();
    // Proxies are large: growing their list by doubling would copy them over and over
    // on configurations with thousands of them.
    proxies.reserve(
        config
            .sections
            .iter()
            .filter(|s| s.kind.is_proxy() && s.kind != SectionKind::Defaults)
            .count(),
    );
    let mut others = sections::OthersBuilder::default();
    for section in &config.sections {
        if cx.diags.aborted() {
            // HAProxy's ERR_ABORT: nothing after the error is parsed.
            break;
        }
        match section.kind {
            SectionKind::Global => global::lower_section(&mut global, section, &mut cx),
            k if k.is_proxy() => {
                proxies.bufsize = global.g.tune.bufsize as usize;
                proxies.maxrewrite = global.g.tune.maxrewrite as usize;
                proxies.experimental = global.g.expose_experimental_directives;
                proxy::lower_section(&mut proxies, section, &mut cx)
            }
            _ => {
                others.bufsize = global.g.tune.bufsize as usize;
                sections::lower_section(&mut others, section, &mut cx)
            }
        }
    }
    let global = global.finish(&mut cx);
    let parsed_proxies = proxies.finish(&mut cx);
    let mut snapshot = Snapshot {
        global,
        proxies: parsed_proxies.proxies,
        defaults: parsed_proxies.defaults,
        others: others.finish(&mut cx),
        patterns: parsed_proxies.registry,
        proc_vars: parsed_proxies.proc_vars,
    };
    let parsed = !cx.diags.has_alerts();
    if parsed {
        proxy::acls::resolve(
            &mut snapshot.proxies,
            &mut snapshot.defaults,
            parsed_proxies.tables,
            &snapshot.others,
            cx.sources,
            cx.diags,
        );
        snapshot.patterns.finalize();
    }
    check::cross_check(&snapshot, &mut cx);
    if parsed {
        // HAProxy's post-parsers run at the end of the configuration checks.
        global::h1::load_case_adjust_file(&mut snapshot.global, &mut cx);
        // Then its post-proxy checks, whatever the checks found.
        proxy::errors::resolve(&mut snapshot, &mut cx);
    }
    // HAProxy applies the server-state files before initialising server addresses.
    server_state::load(&mut snapshot, &mut cx);
    check::init_servers(&snapshot, &mut cx);
    if diags.has_alerts() {
        (None, diags)
    } else {
        (Some(snapshot), diags)
    }
}
