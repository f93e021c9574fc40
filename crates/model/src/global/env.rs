//! `setenv`, `presetenv`, `unsetenv` and `resetenv` (manual 3.1).
//!
//! The configuration reader already applied these to the environment used for `${VAR}`
//! expansion, line by line, exactly when HAProxy would have called `setenv(3)`. Here they
//! are validated with HAProxy's argument rules and recorded in order, so the runtime can
//! replay them on the process environment (programs, external checks and Lua see it).

use super::args::{alert_tight, Args};
use super::GlobalBuilder;
use crate::kw::Cx;

/// One environment change, in configuration order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvOp {
    /// `setenv <name> <value>`: set, overwriting.
    Set { name: String, value: String },
    /// `presetenv <name> <value>`: set only when not already defined.
    Preset { name: String, value: String },
    /// `unsetenv <name>...`.
    Unset(Vec<String>),
    /// `resetenv [<name>...]`: remove everything except the listed names.
    Reset { keep: Vec<String> },
}

/// `setenv` / `presetenv`: a name and a value (a third word is tolerated, as HAProxy's
/// argument check allows it). `setenv(3)` refuses an empty name or one containing `=`.
pub fn parse_setenv(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    a.too_many(3)?;
    if a.empty(2) {
        alert_tight(cx, format!("'{}' expects a name and a value.", a.kw()));
        return Ok(());
    }
    let (name, value) = (a.get(1).to_string(), a.get(2).to_string());
    if name.is_empty() || name.contains('=') {
        alert_tight(
            cx,
            format!(
                "'{}' failed on variable '{name}' : Invalid argument.",
                a.kw()
            ),
        );
        return Ok(());
    }
    b.g.env.push(if a.kw() == "setenv" {
        EnvOp::Set { name, value }
    } else {
        EnvOp::Preset { name, value }
    });
    Ok(())
}

/// `unsetenv <name>...`: at least one name; names stop at the first empty word.
pub fn parse_unsetenv(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    if a.empty(1) {
        alert_tight(
            cx,
            format!("'{}' expects at least one variable name.", a.kw()),
        );
        return Ok(());
    }
    let names = a.list_from(1).to_vec();
    if let Some(bad) = names.iter().find(|n| n.contains('=')) {
        alert_tight(
            cx,
            format!(
                "'{}' failed on variable '{bad}' : Invalid argument.",
                a.kw()
            ),
        );
        return Ok(());
    }
    b.g.env.push(EnvOp::Unset(names));
    Ok(())
}

/// `resetenv [<name>...]`: the names to keep (none: clear everything).
pub fn parse_resetenv(b: &mut GlobalBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let keep = Args::new(cx.line).list_from(1).to_vec();
    b.g.env.push(EnvOp::Reset { keep });
    Ok(())
}
