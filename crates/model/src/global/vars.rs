//! `set-var <var> <expr>` and `set-var-fmt <var> <fmt>` in the `global` section (manual
//! 3.1): a process-wide variable set once, while the configuration is read, from
//! fetches that need no stream (`int()`, `str()`, `var(proc.…)`, `uuid()`…). The values
//! are computed here, in configuration order (a later line may read an earlier one),
//! and handed to the runtime in [`super::Global::proc_vars`].

use super::GlobalBuilder;
use crate::kw::Cx;
use rampart_rules::action::{global_set_var, ActCx};
use rampart_rules::args::Arg;
use rampart_rules::vars::{Scope, VarRef};
use std::sync::RwLock;

/// `set-var` / `set-var-fmt`.
pub fn parse_set_var(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let words: Vec<&str> = std::iter::once(cx.keyword())
        .chain(cx.args().iter().map(String::as_str))
        .collect();
    let files = rampart_rules::pattern::Disk;
    let mut named: Vec<VarRef> = Vec::new();
    let proc = RwLock::new(std::mem::take(&mut b.g.proc_vars));
    let (r, from_action) = {
        // The loader only records the `proc.` variables the expression names (map
        // files are not loaded in the global section).
        let mut load = |_: &str, args: &mut [Arg]| {
            for a in args.iter() {
                if let Arg::Var(v) = a {
                    if v.scope == Scope::Proc {
                        named.push(v.clone());
                    }
                }
            }
            Ok(())
        };
        let mut acx = ActCx::new("CFG", &files);
        acx.bufsize = b.g.tune.bufsize as usize;
        acx.load = Some(&mut load);
        let r = global_set_var(&words, &proc, &mut acx);
        (r, std::mem::take(&mut acx.proc_vars))
    };
    named.extend(from_action);
    b.g.proc_vars = proc.into_inner().unwrap_or_else(|p| p.into_inner());
    for v in &named {
        b.g.proc_vars.declare(v.hash);
    }
    r
}
