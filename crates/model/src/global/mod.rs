//! The `global` section (configuration manual section 3): process management and security
//! (3.1), performance tuning (3.2) and debugging (3.3) settings, lowered into one
//! [`Global`]. Every `global` section of the configuration merges into it, in file order,
//! exactly as HAProxy applies them to its single `global` structure: a keyword repeated in
//! a later section behaves as if repeated in the same one (some override, some report
//! "already specified").
//!
//! Modules, by concept:
//! - [`table`]: the keyword table (every keyword HAProxy 2.6 registers for `global`) and
//!   the argument checks run before "tuning"/"not supported yet" keywords are reported;
//! - [`process`]: daemon, limits, identity, chroot, pidfile, node, timers, `default-path`;
//! - [`env`]: `setenv`, `presetenv`, `unsetenv`, `resetenv`;
//! - [`cpu_map`]: `cpu-map` (process/thread sets: [`crate::procset`]);
//! - [`process`] also has `log` / `no log` (targets: [`crate::log`]), `log-tag`,
//!   `log-send-hostname`;
//! - [`stats`]: `stats socket|timeout|maxconn|bind-process`;
//! - [`h1`]: `h1-case-adjust`, `h1-case-adjust-file`;
//! - [`tune`]: the implemented `tune.*` values;
//! - [`vars`]: `set-var`, `set-var-fmt` (process-wide variables set at start-up);
//! - [`args`]: HAProxy's C-style argument reading; [`accounts`]: user and group names.
//!
//! Addresses (log targets, stats sockets) are parsed by [`crate::addr`].

pub mod accounts;

pub mod args;
pub mod cpu_map;
pub mod env;
pub mod h1;
pub mod process;
pub mod stats;
pub mod table;
pub mod tune;
pub mod vars;

use std::path::{Path, PathBuf};

use rampart_config::{Diagnostic, Section};

use crate::kw;
use crate::LowerCx;

pub use crate::log::{LogDest, LogTarget};
pub use cpu_map::CpuMap;
pub use env::EnvOp;
pub use process::SendHostname;
pub use stats::{Stats, StatsSocket};
pub use tune::Tune;

/// Process-wide settings, as the runtime consumes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Global {
    /// `daemon`: detach from the terminal.
    pub daemon: bool,
    /// `quiet`: no messages at start-up.
    pub quiet: bool,
    /// `zero-warning`: refuse to start when a warning was emitted.
    pub zero_warning: bool,
    /// `expose-experimental-directives`.
    pub expose_experimental_directives: bool,
    /// `maxconn`: per-process connection limit; `None` = computed from `ulimit-n`/memory.
    pub maxconn: Option<u32>,
    /// `maxconnrate`: accepted connections per second for the whole process (`None`: no limit).
    pub maxconnrate: Option<u32>,
    /// `maxsessrate`: new sessions per second for the whole process (`None`: no limit).
    pub maxsessrate: Option<u32>,
    /// `nbthread`: worker threads; `None` = one per available CPU.
    pub nbthread: Option<u32>,
    /// `pidfile` (relative paths are relative to the start-up directory).
    pub pidfile: Option<PathBuf>,
    /// `uid` / `user`: the numeric user to switch to.
    pub uid: Option<u32>,
    /// `gid` / `group`: the numeric group to switch to.
    pub gid: Option<u32>,
    /// `chroot`.
    pub chroot: Option<PathBuf>,
    /// `ulimit-n`: file-descriptor limit to set.
    pub ulimit_n: Option<u32>,
    /// `fd-hard-limit`: upper bound on the descriptors the process will use, whatever
    /// the system allows (`None` when unset or 0; negative values kept as HAProxy's `int`).
    pub fd_hard_limit: Option<i32>,
    /// `no strict-limits`: a limit that cannot be set is a warning instead of a fatal
    /// error (HAProxy 2.6 is strict by default; a plain `strict-limits` changes nothing).
    pub no_strict_limits: bool,
    /// `hard-stop-after`, in ms.
    pub hard_stop_after_ms: Option<u32>,
    /// `grace`, in ms.
    pub grace_ms: Option<u32>,
    /// The local peer name: `-L` from the command line, else `localpeer`; `None` means the
    /// host name, determined at start-up.
    pub localpeer: Option<String>,
    /// `node`.
    pub node: Option<String>,
    /// `description` (words joined with single spaces).
    pub description: Option<String>,
    /// Environment changes in order (`setenv` and friends).
    pub env: Vec<EnvOp>,
    /// `cpu-map`.
    pub cpu_map: CpuMap,
    /// The `default-path` in force at the end of the configuration.
    pub default_path: DefaultPath,
    /// Global `log` targets.
    pub log: Vec<LogTarget>,
    /// `log-tag` (default: the program name).
    pub log_tag: Option<String>,
    /// `log-send-hostname`.
    pub log_send_hostname: Option<SendHostname>,
    /// `stats ...`.
    pub stats: Stats,
    /// Implemented `tune.*` values.
    pub tune: Tune,
    /// `maxpipes`: pipes for kernel splicing; `None` = computed at start-up.
    pub maxpipes: Option<u32>,
    /// `nosplice`: kernel splicing disabled (as `-dS`).
    pub nosplice: bool,
    /// `spread-checks`: random variation of check intervals, in percent (0..=50).
    pub spread_checks: u32,
    /// `max-spread-checks`: bound of the start-up spreading of the first checks, in ms.
    pub max_spread_checks: Option<u32>,
    /// `h1-case-adjust` pairs, then those of the `h1-case-adjust-file` (lower-case name,
    /// spelling to send), checked.
    pub h1_case_adjust: Vec<(String, String)>,
    /// `h1-case-adjust-file`.
    pub h1_case_adjust_file: Option<String>,
    /// `server-state-base`: the directory of relative server-state file names.
    pub server_state_base: Option<String>,
    /// `server-state-file`: the global server-state file.
    pub server_state_file: Option<String>,
    /// The line of each keyword in force, for messages about values without a position.
    pub lines: crate::lines::KeywordLines,
    /// The process-wide variables as `set-var`/`set-var-fmt` left them at the end of
    /// the section, and those their expressions name (unset).
    pub proc_vars: rampart_rules::vars::VarSet,
}

/// Accumulates every `global` section (they merge, as in HAProxy). Besides the typed
/// result it mirrors the C state HAProxy's checks look at ("already specified" tests on
/// raw values where 0 means unset).
#[derive(Debug)]
pub struct GlobalBuilder {
    pub(crate) g: Global,
    /// `global.maxconn`, `global.uid`, `global.gid`, `global.rlimit_nofile` as HAProxy
    /// holds them (0 = not set, whatever was written).
    pub(crate) maxconn_raw: i32,
    pub(crate) uid_raw: i32,
    pub(crate) gid_raw: i32,
    pub(crate) ulimit_raw: i32,
    /// Raw values of tuning keywords that report "already specified".
    pub(crate) tuning_raw: std::collections::BTreeMap<&'static str, i64>,
    /// `file:line` of the line being lowered (for messages HAProxy nests a position in).
    pub(crate) loc: String,
    /// Name of the file of the line being lowered.
    pub(crate) file: String,
    /// The directory the program started in (for `default-path` and its messages).
    pub(crate) cwd: PathBuf,
    /// True when `-L` was given on the command line.
    pub(crate) localpeer_cmdline: bool,
    /// A `default-path` just parsed, to install in the lowering context.
    pub(crate) new_default_path: Option<DefaultPath>,
    /// Where user and group names are looked up.
    pub(crate) accounts: accounts::AccountDb,
    /// Resolves host names in log targets and stats sockets (from [`crate::LowerOptions`]).
    pub(crate) resolver: crate::proxy::HostResolver,
    /// The `h1-case-adjust` pairs so far, for HAProxy's duplicate check.
    pub(crate) case_map: rampart_h1::CaseMap,
}

impl Default for GlobalBuilder {
    fn default() -> Self {
        Self {
            g: Global::default(),
            maxconn_raw: 0,
            uid_raw: 0,
            gid_raw: 0,
            ulimit_raw: 0,
            tuning_raw: Default::default(),
            loc: String::new(),
            file: String::new(),
            cwd: PathBuf::new(),
            localpeer_cmdline: false,
            new_default_path: None,
            accounts: accounts::AccountDb::default(),
            resolver: crate::proxy::HostResolver::none(),
            case_map: rampart_h1::CaseMap::new(),
        }
    }
}

/// `default-path current|config|parent|origin <path>` (manual 3.1): what relative paths in
/// the configuration are relative to, from the line where it appears onwards.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DefaultPath {
    /// The directory the program was started from (HAProxy's default).
    #[default]
    Current,
    /// The directory of the configuration file containing the line.
    Config,
    /// The parent of that directory.
    Parent,
    /// A fixed directory (relative ones are relative to the start-up directory).
    Origin(PathBuf),
}

impl DefaultPath {
    /// The directory relative paths resolve against for a line of `file` (the name as
    /// given on the command line or found in a directory), HAProxy's
    /// `cfg_apply_default_path`: the file's directory is the text before its last `/`,
    /// so a name without a slash (or directly under `/`) uses the start-up directory for
    /// `config` and its parent for `parent`.
    pub fn base_dir(&self, file: &Path, cwd: &Path) -> PathBuf {
        let name = file.to_string_lossy();
        let dir = name.rfind('/').map_or("", |i| &name[..i]);
        match self {
            DefaultPath::Current => cwd.to_path_buf(),
            DefaultPath::Config if dir.is_empty() => cwd.to_path_buf(),
            DefaultPath::Config => cwd.join(dir),
            DefaultPath::Parent if dir.is_empty() => cwd.join(".."),
            DefaultPath::Parent => cwd.join(dir).join(".."),
            DefaultPath::Origin(p) => cwd.join(p),
        }
    }
}

/// Lowers one `global` section into the builder, line by line.
pub fn lower_section(b: &mut GlobalBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    let header = &s.header;
    if let Some(extra) = header.words.get(1).filter(|w| !w.is_empty()) {
        cx.diags.push(Diagnostic::alert(
            Some(header.span),
            format!("'global' cannot handle unexpected argument '{extra}'."),
        ));
    }
    b.cwd = cx.opts.cwd.clone();
    b.localpeer_cmdline = cx.opts.localpeer.is_some();
    b.resolver = cx.opts.resolver.clone();
    for line in &s.lines {
        let span = line.span;
        b.file = cx.sources.name(span.file).to_string();
        b.loc = cx.sources.display(span).to_string();
        let base = cx.base_dir(span);
        let mut kcx = kw::Cx {
            line,
            diags: &mut *cx.diags,
            base_dir: &base,
        };
        if table::precheck(b, &mut kcx).is_ok() {
            kw::dispatch(table::GLOBAL, b, &mut kcx, "global");
        }
        if let Some(k) = kw::lookup(table::GLOBAL, line.keyword()) {
            b.g.lines.record(k.name, "", span);
        }
        if let Some(dp) = b.new_default_path.take() {
            cx.default_path = dp;
        }
    }
}

impl GlobalBuilder {
    /// Uses another account database (tests).
    pub fn with_accounts(mut self, db: accounts::AccountDb) -> Self {
        self.accounts = db;
        self
    }

    /// The final settings, with HAProxy's start-up adjustments applied.
    pub fn finish(self, cx: &mut LowerCx<'_>) -> Global {
        let mut g = self.g;
        g.default_path = cx.default_path.clone();
        // `-L` wins over the `localpeer` keyword (which was ignored with a warning).
        if let Some(name) = &cx.opts.localpeer {
            g.localpeer = Some(name.clone());
        }
        // HAProxy caps the rewrite reserve to half a buffer at start-up.
        if g.tune.maxrewrite >= g.tune.bufsize / 2 {
            g.tune.maxrewrite = g.tune.bufsize / 2;
        }
        g
    }
}

/// Every keyword table of this module, for docs/compat.md.
pub fn tables() -> Vec<crate::kw::TableInfo> {
    vec![
        kw::TableInfo::of("global", "3", table::GLOBAL),
        kw::TableInfo::of("global: stats", "3.1", table::STATS),
        kw::TableInfo::of("stats socket options", "3.1 / 5.1", &stats_socket_table()),
    ]
}

/// The `bind` options as `stats socket` treats them, as a keyword table for the matrix.
fn stats_socket_table() -> Vec<kw::Keyword<()>> {
    table::stats_socket_options()
}

#[cfg(test)]
pub(crate) mod tests;
