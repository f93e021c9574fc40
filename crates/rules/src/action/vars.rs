//! `set-var(<name>[,<cond>...]) <expr>`, `set-var-fmt(<name>[,<cond>...]) <fmt>` and
//! `unset-var(<name>)` (`vars.c`, `parse_store`): the variable and its conditions are
//! glued to the action word; `proc.` variables exist from the start (HAProxy creates
//! them while reading the configuration, and an unset keeps them), others are deleted
//! by `unset-var`.

use super::txn::{Txn, Verdict};
use super::{ActCx, ActError, RuleSet};
use crate::expr::Expr;
use crate::fetch::place::Ckp;
use crate::logfmt::LogFormat;
use crate::sample::Value;
use crate::stream::Iter;
use crate::vars::{set_var, unset_var, Scope, SetCond, VarRef};
use std::borrow::Cow;

/// What is stored.
#[derive(Debug)]
pub enum VarValue {
    /// `set-var`: a sample expression.
    Expr(Expr),
    /// `set-var-fmt`: a log-format string (rendered as text, not HTTP-encoded).
    Fmt(LogFormat),
    /// `unset-var`.
    Unset,
}

/// A variable action.
#[derive(Debug)]
pub struct SetVar {
    pub var: VarRef,
    pub cond: SetCond,
    pub value: VarValue,
}

const EXPECTS: &str =
    "Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'";

/// Parses the action whose word is `words[*idx - 1]`; `*idx` is on its first argument.
pub(crate) fn parse(
    words: &[&str],
    idx: &mut usize,
    set: RuleSet,
    cx: &mut ActCx<'_>,
) -> Result<SetVar, ActError> {
    let places = cx.places(set);
    parse_at(words, idx, places, cx)
}

/// [`parse`] for a rule set given by its checkpoints (`vars.c` checks the expression
/// against the rule set's own: `tcp-request connection` only has the connection).
pub(crate) fn parse_at(
    words: &[&str],
    idx: &mut usize,
    places: [Option<Ckp>; 2],
    cx: &mut ActCx<'_>,
) -> Result<SetVar, ActError> {
    let word = super::arg(words, idx.wrapping_sub(1));
    let (kind, rest) = if let Some(r) = word.strip_prefix("set-var-fmt") {
        (2, r)
    } else if let Some(r) = word.strip_prefix("set-var") {
        (1, r)
    } else {
        (0, word.strip_prefix("unset-var").unwrap_or(word))
    };
    let Some(inner) = rest.strip_prefix('(') else {
        return Err(format!("invalid or incomplete action '{word}'. {EXPECTS}").into());
    };
    let Some(inner) = inner.strip_suffix(')') else {
        return Err(format!("incomplete argument after action '{word}'. {EXPECTS}").into());
    };
    let mut parts = inner.split(',');
    let name = parts.next().unwrap_or("");
    let mut cond = SetCond::default();
    // Conditions are read up to the first empty one.
    let mut first = true;
    for c in parts {
        if c.is_empty() {
            break;
        }
        if first && kind == 0 {
            return Err("unset-var does not expect parameters after the variable name. Only \"set-var\" and \"set-var-fmt\" manage conditions".into());
        }
        first = false;
        cond.add(c)?;
    }
    let var = VarRef::parse(name).map_err(|e| {
        // HAProxy prints from the bad character to the end of the action word.
        match e.strip_prefix("invalid syntax at char '") {
            Some(rest) => {
                let bad = rest.len().saturating_sub(1);
                let name_off = name.as_ptr() as usize - word.as_ptr() as usize;
                let from = (name_off + name.len()).saturating_sub(bad);
                format!(
                    "invalid syntax at char '{}'",
                    word.get(from..).unwrap_or("")
                )
            }
            None => e,
        }
    })?;
    if var.scope == Scope::Proc && !cx.proc_vars.contains(&var) {
        cx.proc_vars.push(var.clone());
    }
    let value = match kind {
        0 => VarValue::Unset,
        2 => {
            let fmt = cx.logformat_at(super::arg(words, *idx), places, false)?;
            *idx = (*idx + 1).min(words.len());
            VarValue::Fmt(fmt)
        }
        _ => {
            let (expr, _) = cx.expr(words, idx)?;
            super::check_fetch_at(&expr, places, word)?;
            VarValue::Expr(expr)
        }
    };
    Ok(SetVar { var, cond, value })
}

impl SetVar {
    pub(crate) fn exec(&self, tx: &mut Txn<'_>) -> Verdict<'static> {
        match &self.value {
            VarValue::Unset => {
                unset_var(&tx.stream(), &self.var);
            }
            VarValue::Fmt(lf) => {
                tx.render_to(lf, false, false);
                let v = Value::Str(Cow::Borrowed(&tx.scratch.out[..]));
                set_var(&tx.stream(), &self.var, &v, self.cond);
            }
            VarValue::Expr(e) => {
                let s = tx.stream();
                if let Some(v) = e.eval(&s, &mut Iter::single(), tx.cx) {
                    set_var(&s, &self.var, &v, self.cond);
                }
            }
        }
        Verdict::Continue
    }
}

/// The `global` section's `set-var <var> <expr>` and `set-var-fmt <var> <fmt>`
/// (`vars_parse_global_set_var`): read as the `set-var(<var>)` action would be in the
/// configuration parser's place (only fetches that need no stream), then evaluated
/// once, at once, into the process-wide variables `proc`. `words` starts with the
/// keyword. `cx.load` sees the `proc.` variables the expression names.
pub fn global_set_var(
    words: &[&str],
    proc: &std::sync::RwLock<crate::vars::VarSet>,
    cx: &mut ActCx<'_>,
) -> Result<(), String> {
    let kw = super::arg(words, 0);
    let fmt = kw == "set-var-fmt";
    let (name, value) = (super::arg(words, 1), super::arg(words, 2));
    if name.is_empty() || value.is_empty() {
        let what = if fmt {
            "a format string"
        } else {
            "a sample expression"
        };
        return Err(format!(
            "'{kw}' requires a process-wide variable name ('proc.<name>') and {what}."
        ));
    }
    let action = format!("set-var{}({name})", if fmt { "-fmt" } else { "" });
    let mut w: Vec<&str> = words.to_vec();
    w[1] = &action;
    let mut idx = 2;
    let sv = parse_at(&w, &mut idx, [Some(Ckp::CfgParser), None], cx).map_err(|e| e.msg)?;
    if sv.var.scope != Scope::Proc {
        return Err(format!(
            "'{kw}': cannot set variable '{name}', only scope 'proc' is permitted in the global section."
        ));
    }
    store_now(&sv, proc, cx.bufsize);
    Ok(())
}

/// The runtime API's `set var <name> [expr|fmt] <value>` (`vars_parse_cli_set_var`):
/// `args` are the command's words (`set`, `var`, ...), already checked for the name and
/// a value. Read as the `set-var(<name>)` / `set-var-fmt(<name>)` action (only fetches
/// that need no stream), then evaluated at once into the process-wide variables.
pub fn cli_set_var(
    args: &[&str],
    proc: &std::sync::RwLock<crate::vars::VarSet>,
    cx: &mut ActCx<'_>,
) -> Result<(), String> {
    let a = |i: usize| super::arg(args, i);
    let mut fmt = false;
    if !a(4).is_empty() {
        match a(3) {
            "fmt" => fmt = true,
            "expr" => {}
            other => {
                return Err(format!(
                    "'{} {}': arg type must be either 'expr' or 'fmt' but got '{other}'.",
                    a(0),
                    a(1)
                ))
            }
        }
    }
    let action = format!("set-var{}({})", if fmt { "-fmt" } else { "" }, a(2));
    let value = if a(4).is_empty() { a(3) } else { a(4) };
    let w = [action.as_str(), value];
    let mut idx = 1;
    let sv = parse_at(&w, &mut idx, [Some(Ckp::CfgParser), None], cx).map_err(|e| e.msg)?;
    if sv.var.scope != Scope::Proc {
        return Err(format!(
            "'{} {}': cannot set variable '{}', only scope 'proc' is permitted here.",
            a(0),
            a(1),
            a(2)
        ));
    }
    store_now(&sv, proc, cx.bufsize);
    Ok(())
}

/// Evaluates `sv` without a stream (its fetches need none) into the process-wide
/// variables.
fn store_now(sv: &SetVar, proc: &std::sync::RwLock<crate::vars::VarSet>, bufsize: usize) {
    let env = ProcOnly(proc);
    let s = crate::stream::Stream::new(&env);
    let ccx = crate::conv::Cx { bufsize };
    match &sv.value {
        VarValue::Expr(e) => {
            if let Some(v) = e.eval(&s, &mut Iter::single(), &ccx) {
                set_var(&s, &sv.var, &v, sv.cond);
            }
        }
        VarValue::Fmt(lf) => {
            let mut out = Vec::new();
            lf.render_text(&s, &ccx, &mut out);
            out.truncate(bufsize);
            set_var(&s, &sv.var, &Value::Str(Cow::Owned(out)), sv.cond);
        }
        VarValue::Unset => {}
    }
}

/// What the configuration parser's evaluations see: the process-wide variables only.
struct ProcOnly<'a>(&'a std::sync::RwLock<crate::vars::VarSet>);

impl crate::stream::Env for ProcOnly<'_> {
    fn proc_vars(&self) -> Option<&std::sync::RwLock<crate::vars::VarSet>> {
        Some(self.0)
    }
}
