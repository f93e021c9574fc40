//! Sample expressions (manual 7.3): a fetch with its arguments followed by converters,
//! `req.hdr(host),lower,map_dom(/etc/hosts.map)`, read as HAProxy's
//! `sample_parse_expr` reads them (converters separated by commas, or given as the
//! following words), type-checked against the cast matrix, and evaluated against a
//! [`Stream`].

use crate::args::{parse_args, parse_args_at, Arg};
use crate::conv::{self, ConvDef, Cx};
use crate::fetch::{self, FetchDef};
use crate::pattern::LoadCx;
use crate::sample::{can_cast, SmpType, Value};
use crate::stream::{Iter, Stream};
use crate::vars::Scope;

/// Loads what a keyword's arguments name while an expression is parsed: the files of
/// `map*` converters (before their check), the `proc.` variables of fetches and
/// converters (after it). [`load`] is the configuration's loader.
pub type ConvLoader<'l> = dyn FnMut(&str, &mut [Arg]) -> Result<(), String> + 'l;

/// The loader of a configuration: loads the map of a `map*` converter, records the
/// `proc.` variables other keywords name.
pub fn load(name: &str, args: &mut [Arg], cx: &mut LoadCx<'_>) -> Result<(), String> {
    if crate::map::is_map_converter(name) {
        return crate::map::load(name, args, cx);
    }
    for a in args.iter() {
        if let Arg::Var(v) = a {
            if v.scope == Scope::Proc && !cx.proc_vars.contains(v) {
                cx.proc_vars.push(v.clone());
            }
        }
    }
    Ok(())
}

/// Whether the arguments name a `proc.` variable (the loader must then see them).
fn names_proc_var(args: &[Arg]) -> bool {
    args.iter()
        .any(|a| matches!(a, Arg::Var(v) if v.scope == Scope::Proc))
}

/// A converter with its arguments.
#[derive(Clone, Debug)]
pub struct ConvCall {
    pub def: &'static ConvDef,
    pub args: Vec<Arg>,
}

/// A compiled sample expression.
#[derive(Clone, Debug)]
pub struct Expr {
    pub fetch: &'static FetchDef,
    pub args: Vec<Arg>,
    pub convs: Vec<ConvCall>,
}

/// Characters of fetch and converter names (`is_idchar`).
fn is_idchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'+' | b':')
}

pub(crate) fn name_len(s: &str) -> usize {
    s.bytes().take_while(|&c| is_idchar(c)).count()
}

/// Where an expression ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The expression takes its words, and further words while they name converters
    /// (ACLs and actions: the pattern or next keyword follows).
    Words,
    /// The expression stops at the first character that cannot continue it (inside a
    /// log-format `%[…]`); the caller checks what follows.
    Embedded,
}

impl Expr {
    /// Parses the expression starting at `words[*idx]`, advancing `*idx` past the words
    /// it used. With [`End::Embedded`] only `words[*idx]` is read and the returned
    /// offset says where the expression stopped in it.
    pub fn parse(words: &[&str], idx: &mut usize, end: End) -> Result<(Expr, usize), String> {
        Expr::parse_loading(words, idx, end, None)
    }

    /// [`Expr::parse`], loading the files of `map*` converters through `load` (without
    /// it such a converter is refused).
    pub fn parse_loading(
        words: &[&str],
        idx: &mut usize,
        end: End,
        load: Option<&mut LoadCx<'_>>,
    ) -> Result<(Expr, usize), String> {
        match load {
            Some(cx) => {
                let mut f = |name: &str, args: &mut [Arg]| self::load(name, args, cx);
                Expr::parse_with(words, idx, end, Some(&mut f))
            }
            None => Expr::parse_with(words, idx, end, None),
        }
    }

    /// [`Expr::parse`], with `load` called on the arguments of every `map*` converter
    /// (before their check).
    pub fn parse_with(
        words: &[&str],
        idx: &mut usize,
        end: End,
        mut load: Option<&mut ConvLoader<'_>>,
    ) -> Result<(Expr, usize), String> {
        let first = words.get(*idx).copied().unwrap_or("");
        let n = name_len(first);
        if n == 0 {
            return Err("missing fetch method".into());
        }
        let fkw = &first[..n];
        let Some(fetch) = fetch::find(fkw) else {
            if let Some(sub) = fetch::not_yet(fkw) {
                return Err(format!(
                    "fetch method '{fkw}' is not supported yet (it needs {sub})"
                ));
            }
            return Err(format!("unknown fetch method '{fkw}'"));
        };
        let (mut args, used) = parse_args(&first[n..], &fetch.args)
            .map_err(|e| format!("fetch method '{fkw}' : {e}"))?;
        if !args.is_empty() {
            if let Some(check) = fetch.check {
                check(&mut args)
                    .map_err(|e| format!("invalid args in fetch method '{fkw}' : {e}"))?;
            }
        }
        if names_proc_var(&args) {
            if let Some(l) = load.as_deref_mut() {
                l(fkw, &mut args)?;
            }
        }
        let mut expr = Expr {
            fetch,
            args,
            convs: Vec::new(),
        };
        let mut prev = fetch.output;
        let mut word = first;
        let mut pos = n + used;
        let mut ckw: Option<String> = None;
        loop {
            let rest = &word[pos..];
            if !rest.is_empty() && !rest.starts_with(',') {
                if end == End::Embedded {
                    break;
                }
                return Err(match &ckw {
                    Some(c) => format!("missing comma after converter '{c}'"),
                    None => format!("missing comma after fetch keyword '{fkw}'"),
                });
            }
            pos += rest.bytes().take_while(|&c| c == b',').count();
            let mut at_word_start = false;
            if pos >= word.len() {
                if end == End::Embedded {
                    break;
                }
                // The next word may hold more converters.
                match words.get(*idx + 1) {
                    Some(w) if !w.is_empty() => {
                        *idx += 1;
                        word = w;
                        pos = 0;
                        at_word_start = true;
                    }
                    _ => break,
                }
            }
            let cur = &word[pos..];
            let cn = name_len(cur);
            let name = &cur[..cn];
            let Some(def) = conv::find(name) else {
                if at_word_start {
                    // An isolated unknown word is not ours: the caller reads it.
                    *idx -= 1;
                    word = words[*idx];
                    pos = word.len();
                    break;
                }
                if let conv::Lookup::NotYet(n) = conv::lookup(name) {
                    return Err(n.message(name));
                }
                return Err(format!("unknown converter '{name}'"));
            };
            if !can_cast(prev, def.input) {
                return Err(format!("converter '{name}' cannot be applied"));
            }
            prev = def.output;
            let (mut cargs, used) = parse_args_at(&cur[cn..], &def.args)
                .map_err(|(at, e)| format!("invalid arg {} in converter '{name}' : {e}", at + 1))?;
            if !cargs.is_empty() && def.args.types.is_empty() {
                return Err(format!("converter '{name}' does not support any args"));
            }
            if let Some(l) = load.as_deref_mut() {
                if crate::map::is_map_converter(name) {
                    l(name, &mut cargs)
                        .map_err(|e| format!("invalid args in converter '{name}' : {e}"))?;
                }
            }
            if let Some(check) = def.check {
                check(&mut cargs)
                    .map_err(|e| format!("invalid args in converter '{name}' : {e}"))?;
            }
            if names_proc_var(&cargs) {
                if let Some(l) = load.as_deref_mut() {
                    l(name, &mut cargs)?;
                }
            }
            expr.convs.push(ConvCall { def, args: cargs });
            ckw = Some(name.to_string());
            pos += cn + used;
        }
        *idx += 1;
        Ok((expr, pos))
    }

    /// Parses a whole single-word expression (`-c`-style checks and tests).
    pub fn parse_str(s: &str) -> Result<Expr, String> {
        let mut i = 0;
        Expr::parse(&[s], &mut i, End::Words).map(|(e, _)| e)
    }

    /// The type of the value the expression produces.
    pub fn output(&self) -> SmpType {
        self.convs
            .last()
            .map_or(self.fetch.output, |c| c.def.output)
    }

    /// Every argument, for resolution of names once the configuration is complete.
    pub fn args_mut(&mut self) -> impl Iterator<Item = &mut Arg> {
        self.args
            .iter_mut()
            .chain(self.convs.iter_mut().flat_map(|c| c.args.iter_mut()))
    }

    /// Evaluates the expression: the fetch (one value, or the next one when `it`
    /// iterates), then each converter in turn; `None` when any step has no result.
    pub fn eval<'a>(&'a self, s: &Stream<'a>, it: &mut Iter, cx: &Cx) -> Option<Value<'a>> {
        if self.convs.is_empty() {
            return (self.fetch.f)(s, &self.args, it);
        }
        let mut v = (self.fetch.f)(s, &self.args, it)?;
        for c in &self.convs {
            let r = conv::apply_in(c.def, v, &c.args, cx, s);
            // The protocol converters decide themselves whether more data could change
            // their answer (HAProxy's `SMP_F_MAY_CHANGE`): a result is final.
            if r.is_some() && DECIDES_MAY_CHANGE.contains(&c.def.name) {
                it.may_change = false;
            }
            v = r?;
        }
        Some(v)
    }
}

/// Converters that clear the "may change" flag of what they convert and set it again
/// only when their input is too short to tell (`sample.c`).
const DECIDES_MAY_CHANGE: [&str; 4] = [
    "fix_is_valid",
    "fix_tag_value",
    "mqtt_is_valid",
    "mqtt_field_value",
];

#[cfg(test)]
mod tests;
