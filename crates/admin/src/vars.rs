//! `get var <name>` and `set var <name> [expr|fmt] <value>` (management guide 9.3): a
//! process-wide variable's type and value as HAProxy prints them (`proc.x: type=str
//! value=<text>`, non-printable bytes as dots), and its setting from an expression or a
//! format that needs no stream.

use crate::proto::{Command, Reply, LOG_INFO, PERMISSION_DENIED};
use rampart_model::global::stats::AccessLevel;
use rampart_proxy::state::Runtime;
use rampart_rules::sample::{SmpType, Value};
use rampart_rules::vars::{Scope, VarRef};

/// Runs `cmd` when it is `get var` or `set var`; returns whether it was.
pub fn command(rt: &Runtime, cmd: &Command<'_>, out: &mut Reply<'_>) -> bool {
    let set = match cmd.kw.words {
        ["get", "var"] => false,
        ["set", "var"] => true,
        _ => return false,
    };
    if cmd.level < AccessLevel::Operator {
        out.err(PERMISSION_DENIED);
        return true;
    }
    let name = cmd.arg(2);
    if name.is_empty() {
        out.err("Missing process-wide variable identifier.\n");
        return true;
    }
    if set {
        set_var(rt, cmd, out);
        return true;
    }
    let found = VarRef::parse(name)
        .ok()
        .filter(|v| v.scope == Scope::Proc)
        .and_then(|v| {
            let set = rt.proc_vars.read().unwrap_or_else(|e| e.into_inner());
            set.get(v.hash).cloned()
        });
    let Some(v) = found else {
        out.err("Variable not found.\n");
        return true;
    };
    let mut s = format!("{name}: type={} value=", v.smp_type().name());
    match v.cast(SmpType::Str) {
        Some(Value::Str(t)) => {
            s.push('<');
            s.extend(t.iter().map(|&b| {
                if (0x20..0x7f).contains(&b) {
                    b as char
                } else {
                    '.'
                }
            }));
            s.push('>');
        }
        _ => s.push_str("(undisplayable)"),
    }
    out.msg(LOG_INFO, &s);
    true
}

fn set_var(rt: &Runtime, cmd: &Command<'_>, out: &mut Reply<'_>) {
    if cmd.arg(3).is_empty() {
        out.err("Missing either 'expr', 'fmt' or expression.\n");
        return;
    }
    let args: Vec<&str> = cmd.args.iter().map(String::as_str).collect();
    let files = rampart_rules::pattern::Disk;
    let mut cx = rampart_rules::action::ActCx::new("CLI", &files);
    cx.bufsize = rt.bufsize;
    if let Err(e) = rampart_rules::action::cli_set_var(&args, &rt.proc_vars, &mut cx) {
        // HAProxy prints these messages as they are, without a line end.
        out.err(&e);
    }
}
