//! ACL declarations (`acl NAME criterion…`, manual 7.1) and rule conditions
//! (`if|unless …`, 7.2) of a proxy, read with `rampart_rules::acl`. Each proxy section
//! keeps its own table of ACLs while it is parsed (a backend cannot use a frontend's
//! ACL); once every section is read, arguments naming proxies, servers and user lists
//! are resolved as HAProxy's `smp_resolve_args` does (in ACL criteria, in the
//! expressions and log-formats of HTTP actions and in dynamic `use_backend` names, each
//! reported in the context HAProxy's parser set for it), and the table is frozen into
//! the proxy ([`Proxy::acls`]), which conditions index. The defaults sections whose
//! rules proxies run are resolved and frozen the same way, just before their first
//! proxy.

use super::http_act::HttpRule;
use super::{BackendRef, ProxiesBuilder, Proxy, UseBackend};
use crate::addr::IpFamily;
use crate::kw::Cx;
use crate::sections::Others;
use rampart_config::{Diagnostic, Diagnostics, Form, Phase, Span};
use rampart_rules::acl::cond::{Cond, Known};
use rampart_rules::acl::{check_name, AclExpr};
use rampart_rules::args::{Arg, ArgCtx, ArgType};
use rampart_rules::expr::Expr;
use rampart_rules::fetch::place::{Ckp, Places};
use rampart_rules::pattern::{FileSource, LoadCx, Origin};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::Arc;

/// A section's ACL table while the configuration is read, with the line of each
/// criterion (for the messages of argument resolution).
#[derive(Debug, Default)]
pub(crate) struct Table {
    pub(crate) known: Known,
    spans: Vec<Vec<Span>>,
}

impl Table {
    /// Records `span` for every criterion added by one line: to the ACL an `acl` line
    /// extended and to those appended from index `from` on; true when there was one.
    fn sync(&mut self, span: Span, from: usize) -> bool {
        let touched = self.known.take_touched();
        let mut added = false;
        let len = self.known.acls.len();
        for i in touched.into_iter().chain(from.min(len)..len) {
            while self.spans.len() <= i {
                self.spans.push(Vec::new());
            }
            let s = &mut self.spans[i];
            while s.len() < self.known.acls[i].exprs.len() {
                s.push(span);
                added = true;
            }
        }
        added
    }
}

/// Pattern files, read relative to the directory of the line that names them (HAProxy
/// reads them from its working directory, which `default-path` sets).
struct Files<'a>(&'a Path);

impl FileSource for Files<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        let full = self.0.join(path);
        rampart_rules::pattern::Disk
            .read(&full.to_string_lossy())
            .map_err(|e| e.replace(&*full.to_string_lossy(), path))
    }
}

impl ProxiesBuilder {
    /// The ACL table of the section being parsed.
    fn table(&mut self) -> &mut Table {
        match self.current {
            super::Current::Defaults(i) => {
                while self.def_tables.len() <= i {
                    self.def_tables.push(Table::default());
                }
                &mut self.def_tables[i]
            }
            super::Current::Proxy(i) => {
                while self.tables.len() <= i {
                    self.tables.push(Table::default());
                }
                &mut self.tables[i]
            }
            _ => &mut self.scratch_table,
        }
    }

    /// Runs `f` with the current section's ACL table and what loading patterns needs;
    /// then records the line of every criterion `f` added.
    pub(crate) fn with_acls<R>(
        &mut self,
        cx: &Cx<'_>,
        f: impl FnOnce(&mut Known, &mut LoadCx<'_>) -> R,
    ) -> R {
        let span = cx.span();
        // Take the table out to borrow the other fields freely.
        let mut table = std::mem::take(self.table());
        let before = table.known.acls.len();
        let r = self.with_loader(span, cx.base_dir, |lcx| f(&mut table.known, lcx));
        if table.sync(span, before) {
            // Parsing an ACL criterion sets the proxy's argument context.
            self.args_ctx = ArgCtx::Acl;
        }
        *self.table() = table;
        r
    }

    /// Runs `f` with what loading the pattern files of an expression written at `span`
    /// needs; `base_dir` resolves relative file names.
    pub(crate) fn with_loader<R>(
        &mut self,
        span: Span,
        base_dir: &Path,
        f: impl FnOnce(&mut LoadCx<'_>) -> R,
    ) -> R {
        let file = self.sources.name(span.file).to_string();
        let resolver = self.resolver.clone();
        let resolve = move |host: &str| -> Option<Ipv4Addr> {
            match resolver.resolve(host, Some(IpFamily::V4)) {
                Some(IpAddr::V4(a)) => Some(a),
                _ => None,
            }
        };
        let files = Files(base_dir);
        let mut lcx = LoadCx {
            registry: &mut self.registry,
            files: &files,
            origin: Origin {
                file: &file,
                line: span.line,
            },
            resolver: Some(&resolve),
            bufsize: self.bufsize,
            proc_vars: Vec::new(),
        };
        let r = f(&mut lcx);
        for v in lcx.proc_vars {
            if !self.proc_vars.contains(&v) {
                self.proc_vars.push(v);
            }
        }
        r
    }

    /// Parses a condition (`words` starts with `if` or `unless`) against the current
    /// section's ACLs; HAProxy's warnings (an anonymous ACL without patterns) are
    /// printed. `place` is where the rule runs: a condition that can never work there
    /// is warned about (`warnif_cond_conflicts`).
    pub(crate) fn parse_cond(
        &mut self,
        cx: &mut Cx<'_>,
        words: &[String],
        place: Option<Places>,
    ) -> Result<Cond, String> {
        let w: Vec<&str> = words.iter().map(String::as_str).collect();
        let mut warnings = Vec::new();
        let r = self.with_acls(cx, |known, lcx| {
            let c = Cond::parse(&w, known, lcx, &mut warnings)?;
            let conflict = place.and_then(|p| c.conflict(known, p));
            Ok::<_, String>((c, conflict))
        });
        for msg in warnings {
            bare_warning(cx, msg);
        }
        let (cond, conflict) = r?;
        if let Some(msg) = conflict {
            cx.warn(msg);
        }
        Ok(cond)
    }
}

impl ProxiesBuilder {
    /// The places a rule of the current proxy runs at: `fe` when it has the frontend
    /// capability, `be` when it has the backend one.
    pub(crate) fn places(&self, fe: Ckp, be: Ckp) -> Places {
        let p = self.cur();
        let mut s = Places::default();
        if p.is_fe() {
            s = s.with(fe);
        }
        if p.is_be() {
            s = s.with(be);
        }
        s
    }
}

/// A warning HAProxy prints without a location.
fn bare_warning(cx: &mut Cx<'_>, msg: String) {
    cx.diags
        .push(Diagnostic::warning(Some(cx.span()), msg).form(Form::Bare));
}

/// `acl <name> <criterion> [flags] [operator] [<value>] ...`.
pub(crate) fn acl(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if b.in_defaults() && b.cur().name.is_empty() {
        return Err("'acl' not allowed in anonymous 'defaults' section.".into());
    }
    let args = cx.args();
    let name = args.first().map(String::as_str).unwrap_or("");
    if let Some(c) = rampart_config::names::invalid_char(name) {
        return Err(format!(
            "character '{c}' is not permitted in acl name '{name}'."
        ));
    }
    if name.eq_ignore_ascii_case("or") {
        return Err(format!("acl name '{name}' will never match. 'or' is used to express a logical disjunction within a condition."));
    }
    check_name(name)?;
    let words: Vec<&str> = args[1.min(args.len())..]
        .iter()
        .map(String::as_str)
        .collect();
    let mut warnings = Vec::new();
    let r = b.with_acls(cx, |known, lcx| {
        let e = AclExpr::parse(&words, lcx, &mut warnings)?;
        known.add(name, e);
        Ok::<(), String>(())
    });
    for msg in warnings {
        bare_warning(cx, msg);
    }
    r.map_err(|e| format!("error detected while parsing ACL '{name}' : {e}."))
}

/// The ACL tables of every proxy, handed from parsing to argument resolution; those
/// of the defaults sections whose rules proxies use follow the order of
/// [`super::Finished::defaults`].
#[derive(Debug, Default)]
pub struct Tables {
    pub(crate) tables: Vec<Table>,
    pub(crate) defaults: Vec<Table>,
    /// The kind of the proxies that use each defaults section's rules.
    pub(crate) default_caps: Vec<super::ProxyKind>,
}

/// Names an argument may refer to.
struct Names<'a> {
    proxies: &'a [Proxy],
    others: &'a Others,
    /// The servers arguments named, as (proxy, server).
    refs: std::cell::RefCell<Vec<(usize, usize)>>,
}

impl Names<'_> {
    fn backend(&self, name: &str) -> Option<usize> {
        self.proxies
            .iter()
            .position(|p| p.is_be() && p.name == name)
    }
    fn frontend(&self, name: &str) -> Option<usize> {
        self.proxies
            .iter()
            .position(|p| p.is_fe() && p.name == name)
    }
}

/// The section an expression belongs to: a proxy (a server name alone is looked up
/// there, an empty proxy name designates it), or a defaults section with the
/// capability the proxies using it gave it.
#[derive(Clone, Copy, Debug)]
enum Own {
    Proxy(usize),
    Defaults { fe: bool, be: bool },
}

/// Where an expression was written, for the messages of [`resolve_expr`].
struct ArgCx<'a> {
    loc: String,
    /// `ACL keyword` or `sample fetch keyword`.
    ctx: &'a str,
    /// `in`, `in http-request expression in`…
    place: &'a str,
    kw: &'a str,
    proxy: &'a str,
    own: Own,
}

/// Resolves the names in `expr`'s arguments; one message per failure.
fn resolve_expr(expr: &mut Expr, a: &ArgCx<'_>, names: &Names<'_>, errs: &mut Vec<String>) {
    let fetch_args = expr.args.len();
    let convs: Vec<&'static str> = expr
        .convs
        .iter()
        .flat_map(|c| std::iter::repeat_n(c.def.name, c.args.len()))
        .collect();
    for (n, arg) in expr.args_mut().enumerate() {
        let Arg::Unresolved(t, text) = arg else {
            continue;
        };
        let (pos, conv) = if n < fetch_args {
            (n + 1, None)
        } else {
            // Position within its converter's list.
            let ci = n - fetch_args;
            let name = convs.get(ci).copied().unwrap_or("");
            let first = convs.iter().position(|c| *c == name).unwrap_or(ci);
            (ci - first + 1, Some(name))
        };
        let (pre, cname, post) = match conv {
            Some(c) => ("conversion keyword '", c, "' for "),
            None => ("", "", ""),
        };
        let tail = format!(
            "referenced in arg {pos} of {pre}{cname}{post}{} '{}' {} proxy '{}'",
            a.ctx, a.kw, a.place, a.proxy
        );
        let loc = &a.loc;
        let resolved = match *t {
            ArgType::Be | ArgType::Fe => {
                let be = *t == ArgType::Be;
                let (what, cap) = if be {
                    ("backend", "has not backend capability")
                } else {
                    ("frontend", "has not frontend capability")
                };
                if text.is_empty() {
                    let has = match a.own {
                        Own::Proxy(i) => {
                            if be {
                                names.proxies[i].is_be()
                            } else {
                                names.proxies[i].is_fe()
                            }
                        }
                        Own::Defaults { fe, be: b } => {
                            if be {
                                b
                            } else {
                                fe
                            }
                        }
                    };
                    match a.own {
                        // HAProxy points the argument at the defaults section itself,
                        // a proxy without traffic: it is left to the stream's proxy.
                        Own::Defaults { .. } if has => continue,
                        Own::Proxy(i) if has => Ok(Arg::Proxy(i)),
                        _ => Err(format!(
                            "parsing [{loc}]: proxy '{}', {tail}, {cap}.",
                            a.proxy
                        )),
                    }
                } else {
                    let found = if be {
                        names.backend(text)
                    } else {
                        names.frontend(text)
                    };
                    found.map(Arg::Proxy).ok_or_else(|| {
                        format!("parsing [{loc}]: unable to find {what} '{text}' {tail}.")
                    })
                }
            }
            ArgType::Srv => resolve_server(text, a, names, &tail),
            ArgType::Usr => {
                if names.others.userlist(text).is_some() {
                    continue;
                }
                if text.is_empty() {
                    Err(format!(
                        "parsing [{loc}]: missing userlist name in arg {pos} of {pre}{cname}{post}{} '{}' {} proxy '{}'.",
                        a.ctx, a.kw, a.place, a.proxy
                    ))
                } else {
                    Err(format!(
                        "parsing [{loc}]: unable to find userlist '{text}' {tail}."
                    ))
                }
            }
            _ => continue,
        };
        match resolved {
            Ok(v) => *arg = v,
            Err(e) => errs.push(e),
        }
    }
}

/// `bck/srv` or `srv` (in the expression's own proxy).
fn resolve_server(text: &str, a: &ArgCx<'_>, names: &Names<'_>, tail: &str) -> Result<Arg, String> {
    let loc = &a.loc;
    if text.is_empty() {
        return Err(format!(
            "parsing [{loc}]: missing server name in arg {}",
            tail.trim_start_matches("referenced in arg ")
        ) + ".");
    }
    let (be, pname, sname) = match text.rsplit_once('/') {
        Some((p, s)) => match names.backend(p) {
            Some(i) => (i, p, s),
            None => {
                return Err(format!(
                    "parsing [{loc}]: unable to find proxy '{p}' {tail}."
                ))
            }
        },
        None => match a.own {
            Own::Proxy(i) => (i, a.proxy, text),
            Own::Defaults { .. } => {
                return Err(format!(
                    "parsing [{loc}]: backend name must be set in arg {}",
                    tail.trim_start_matches("referenced in arg ")
                ) + ".")
            }
        },
    };
    match names.proxies[be]
        .servers
        .iter()
        .position(|s| s.name == sname)
    {
        Some(s) => {
            names.refs.borrow_mut().push((be, s));
            Ok(Arg::Server(be, s))
        }
        None => Err(format!(
            "parsing [{loc}]: unable to find server '{sname}' in proxy '{pname}', {tail}."
        )),
    }
}

/// The rules and switching rules of a section, taken out of it while every
/// section's names are borrowed.
#[derive(Default)]
struct Exprs {
    rules: [Vec<HttpRule>; 4],
    switching: Vec<UseBackend>,
    /// The proxy's error settings (`http-error` replies have expressions).
    errors: Vec<super::errors::ErrorConf>,
}

impl Exprs {
    fn take(p: &mut Proxy) -> Exprs {
        Exprs {
            rules: [
                std::mem::take(&mut p.http_request),
                std::mem::take(&mut p.redirects),
                std::mem::take(&mut p.http_response),
                std::mem::take(&mut p.http_after_response),
            ],
            switching: std::mem::take(&mut p.use_backends),
            errors: std::mem::take(&mut p.errors.conf),
        }
    }

    fn put_back(self, p: &mut Proxy) {
        let [req, red, res, after] = self.rules;
        p.http_request = req;
        p.redirects = red;
        p.http_response = res;
        p.http_after_response = after;
        p.use_backends = self.switching;
        p.errors.conf = self.errors;
    }
}

/// One section to resolve.
struct Section<'a> {
    name: &'a str,
    span: Span,
    own: Own,
    table: &'a mut Table,
    exprs: &'a mut Exprs,
}

/// Resolves the arguments of `e`, an expression of a line at `at` parsed in `ctx`.
fn resolve_at(
    e: &mut Expr,
    ctx: ArgCtx,
    at: &str,
    (proxy, own): (&str, Own),
    names: &Names<'_>,
    errs: &mut Vec<String>,
) {
    let (ctx, place) = ctx.words();
    let a = ArgCx {
        loc: at.to_string(),
        ctx,
        place,
        kw: e.fetch.name,
        proxy,
        own,
    };
    resolve_expr(e, &a, names, errs);
}

/// Resolves the arguments of a section's ACLs and rules, and returns HAProxy's
/// messages in the order it would print them: the order in which the expressions
/// were parsed (on a rule's line, the action before its condition, except for a
/// redirection), then the names of dynamic `use_backend` rules, parsed during the
/// configuration checks.
fn resolve_section(
    s: Section<'_>,
    names: &Names<'_>,
    sources: &rampart_config::SourceMap,
) -> Vec<String> {
    let mut keyed: Vec<((Span, u8), String)> = Vec::new();
    let mut errs = Vec::new();
    let table = s.table;
    for (ai, acl) in table.known.acls.iter_mut().enumerate() {
        for (ei, e) in acl.exprs.iter_mut().enumerate() {
            let span = table
                .spans
                .get(ai)
                .and_then(|sp| sp.get(ei))
                .copied()
                .unwrap_or(s.span);
            let (ctx, place) = ArgCtx::Acl.words();
            let a = ArgCx {
                loc: sources.display(span).to_string(),
                ctx,
                place,
                kw: e.expr.fetch.name,
                proxy: s.name,
                own: s.own,
            };
            resolve_expr(&mut e.expr, &a, names, &mut errs);
            keyed.extend(errs.drain(..).map(|m| ((span, 1), m)));
        }
    }
    let who = (s.name, s.own);
    for rule in s.exprs.rules.iter_mut().flatten() {
        let Some(act) = Arc::get_mut(&mut rule.act) else {
            continue;
        };
        let sub = if rule.ctx == ArgCtx::Rdr { 2 } else { 0 };
        let at = sources.display(rule.span).to_string();
        let mut each = |e: &mut Expr| resolve_at(e, rule.ctx, &at, who, names, &mut errs);
        act.exprs_mut(&mut each);
        keyed.extend(errs.drain(..).map(|m| ((rule.span, sub), m)));
    }
    for c in &mut s.exprs.errors {
        let super::errors::ErrorConf::Built {
            reply: super::errors::ErrorReply::Reply(reply),
            span,
            ..
        } = c
        else {
            continue;
        };
        // Inherited from a defaults section: shared, resolved there.
        let Some(r) = Arc::get_mut(reply) else {
            continue;
        };
        let at = sources.display(*span).to_string();
        r.exprs_mut(&mut |e: &mut Expr| resolve_at(e, ArgCtx::Herr, &at, who, names, &mut errs));
        keyed.extend(errs.drain(..).map(|m| ((*span, 0), m)));
    }
    // Stable: the messages of one expression keep their order.
    keyed.sort_by_key(|(k, _)| *k);
    let mut out: Vec<String> = keyed.into_iter().map(|(_, m)| m).collect();
    for ub in &mut s.exprs.switching {
        let BackendRef::Dynamic(lf) = &mut ub.target else {
            continue;
        };
        let Some(lf) = Arc::get_mut(lf) else {
            continue;
        };
        let at = sources.display(ub.span).to_string();
        lf.exprs_mut(&mut |e: &mut Expr| resolve_at(e, ArgCtx::Ubk, &at, who, names, &mut out));
    }
    out
}

/// Resolves every argument of every proxy's ACLs and rules, and of the defaults
/// sections whose rules proxies use, then freezes the ACL tables into them. Errors are
/// reported per section, as HAProxy's configuration checks do: a defaults section's
/// just before those of the first proxy that uses it. Disabled proxies are not
/// checked, as in HAProxy.
pub fn resolve(
    proxies: &mut [Proxy],
    defaults: &mut [Proxy],
    tables: Tables,
    others: &Others,
    sources: &rampart_config::SourceMap,
    diags: &mut Diagnostics,
) {
    let mut px_exprs: Vec<Exprs> = proxies.iter_mut().map(Exprs::take).collect();
    let mut def_exprs: Vec<Exprs> = defaults.iter_mut().map(Exprs::take).collect();
    let mut px_tables = tables.tables;
    px_tables.resize_with(proxies.len(), Table::default);
    let mut def_tables = tables.defaults;
    def_tables.resize_with(defaults.len(), Table::default);
    let mut def_done = vec![false; defaults.len()];
    let refs = {
        let names = Names {
            proxies,
            others,
            refs: Default::default(),
        };
        for (i, p) in proxies.iter().enumerate() {
            if p.disabled {
                continue;
            }
            if let Some(d) = p.defpx.filter(|&d| d < defaults.len() && !def_done[d]) {
                def_done[d] = true;
                let dp = &defaults[d];
                let cap = tables.default_caps.get(d).copied().unwrap_or(dp.kind);
                let errs = resolve_section(
                    Section {
                        name: &dp.name,
                        span: dp.span,
                        own: Own::Defaults {
                            fe: cap.is_fe(),
                            be: cap.is_be(),
                        },
                        table: &mut def_tables[d],
                        exprs: &mut def_exprs[d],
                    },
                    &names,
                    sources,
                );
                report(diags, errs);
            }
            let errs = resolve_section(
                Section {
                    name: &p.name,
                    span: p.span,
                    own: Own::Proxy(i),
                    table: &mut px_tables[i],
                    exprs: &mut px_exprs[i],
                },
                &names,
                sources,
            );
            report(diags, errs);
        }
        names.refs.into_inner()
    };
    for (p, s) in refs {
        if let Some(s) = proxies.get_mut(p).and_then(|p| p.servers.get_mut(s)) {
            s.referenced = true;
        }
    }
    for ((p, e), t) in proxies.iter_mut().zip(px_exprs).zip(px_tables) {
        e.put_back(p);
        p.acls = Arc::from(t.known.acls);
    }
    for ((p, e), t) in defaults.iter_mut().zip(def_exprs).zip(def_tables) {
        e.put_back(p);
        p.acls = Arc::from(t.known.acls);
    }
}

/// HAProxy's single message, or its "multiple argument resolution errors" block.
fn report(diags: &mut Diagnostics, errs: Vec<String>) {
    let msg = match errs.len() {
        0 => return,
        1 => errs.into_iter().next().unwrap_or_default(),
        _ => {
            let mut m = String::from("multiple argument resolution errors:");
            for e in errs {
                m.push_str("\n        ");
                m.push_str(&e);
            }
            m
        }
    };
    diags.push(
        Diagnostic::alert(None, msg)
            .form(Form::Bare)
            .phase(Phase::Check),
    );
}

#[cfg(test)]
mod tests;
