//! The read-only commands of the runtime API (management guide 9.3), answered from the
//! running process: `show info`, `show stat`, `show schema json`, `show env`,
//! `show backend`, `show cli sockets`. Every other command of HAProxy 2.6 is known
//! (listed by `help`) and answered as not supported yet.

use crate::field::{json_item_tail, typed_tail};
use crate::info::Process;
use crate::proto::{Command, Handler, Reply, PERMISSION_DENIED};
use crate::stat::{self, Filter};
use rampart_model::global::stats::AccessLevel;
use rampart_proxy::state::Runtime;
use rampart_proxy::Control;
use std::fmt::Write;
use std::sync::Arc;

/// HAProxy's `show schema json` document (the JSON schema of the typed outputs).
pub(crate) const SCHEMA: &str = include_str!("schema.json");

/// What the commands read.
pub struct Api {
    pub rt: Arc<Runtime>,
    pub ctl: Arc<Control>,
    pub process: Arc<Process>,
    /// The CLI sockets as `show cli sockets` prints them, with their levels.
    pub sockets: Arc<Vec<(String, AccessLevel)>>,
    /// The socket's own level (HAProxy shows addresses in `show stat` from operator).
    pub bind_level: AccessLevel,
    /// What the configuration said that the server commands need.
    pub initial: Arc<crate::servers::Initial>,
    /// The pattern references (maps, ACL files and inline patterns).
    pub patterns: crate::maps::Patterns,
    /// `_getsocks` was asked: the session hands the listening sockets over.
    pub getsocks: bool,
}

impl Handler for Api {
    fn command(&mut self, cmd: &Command<'_>, out: &mut Reply<'_>) {
        match cmd.kw.words {
            ["show", "info"] => self.show_info(cmd, out),
            ["show", "stat"] => self.show_stat(cmd, out),
            ["show", "schema", "json"] => {
                out.raw(SCHEMA);
                out.raw("\n");
            }
            ["show", "env"] => show_env(cmd, out),
            ["_getsocks"] => self.getsocks = true,
            ["show", "backend"] => {
                let mut s = String::from("# name\n");
                for b in &self.rt.backends {
                    s.push_str(&b.name);
                    s.push('\n');
                }
                out.raw(&s);
            }
            ["show", "cli", "sockets"] => {
                let mut s = String::from("# socket lvl processes\n");
                for (addr, lvl) in self.sockets.iter() {
                    let l = match lvl {
                        AccessLevel::Admin => "admin",
                        AccessLevel::Operator => "operator",
                        AccessLevel::User => "user",
                    };
                    let _ = writeln!(s, "{addr} {l} all");
                }
                out.raw(&s);
            }
            _ if crate::frontends::command(&self.rt, &self.ctl, cmd, out) => {}
            _ if crate::maps::command(&self.patterns, cmd, out) => {}
            _ if crate::vars::command(&self.rt, cmd, out) => {}
            _ if crate::errors::command(&self.rt, cmd, out) => {}
            _ if crate::sess::command(&self.rt, &self.ctl, cmd, out) => {}
            _ if crate::process::command(&self.process, cmd, out) => {}
            _ if crate::activity::command(self.rt.nbthread, cmd, out) => {}
            _ if crate::servers::command(
                &crate::servers::Ctx {
                    rt: &self.rt,
                    initial: &self.initial,
                    idle: &self.ctl.idle,
                    ctl: &self.ctl,
                },
                cmd,
                out,
            ) => {}
            _ => out.err(&format!(
                "'{}' is not supported by Rampart yet.\n",
                cmd.kw.words.join(" ")
            )),
        }
    }
}

impl Api {
    /// `show info [typed|json|desc|float]`.
    fn show_info(&self, cmd: &Command<'_>, out: &mut Reply<'_>) {
        let fields = crate::info::fields(&self.process, &self.rt, &self.ctl);
        let (mut typed, mut json) = (false, false);
        for a in cmd.args.iter().skip(2) {
            match a.as_str() {
                "typed" => (typed, json) = (true, false),
                "json" => (typed, json) = (false, true),
                _ => {}
            }
        }
        let mut s = String::with_capacity(4096);
        if json {
            s.push('[');
            let mut first = true;
            for f in fields.iter().filter(|f| !f.is_empty()) {
                if !first {
                    s.push(',');
                }
                first = false;
                s.push('{');
                json_item_tail(&mut s, f);
            }
            s.push_str("]\n");
        } else {
            for f in fields.iter().filter(|f| !f.is_empty()) {
                if typed {
                    let _ = write!(s, "{}.{}.1", f.pos, f.name);
                    typed_tail(&mut s, f);
                } else {
                    s.push_str(f.name);
                    s.push_str(": ");
                    f.write_text(&mut s);
                    s.push('\n');
                }
            }
        }
        out.raw(&s);
    }

    /// `show stat [domain proxy] [<iid> <type> <sid>] [typed|json] [up] [no-maint]`.
    fn show_stat(&self, cmd: &Command<'_>, out: &mut Reply<'_>) {
        let mut arg = 2;
        if cmd.arg(arg) == "domain" {
            arg += 1;
            if cmd.arg(arg) == "proxy" {
                arg += 1;
            } else {
                // `resolvers` statistics come with the resolvers.
                out.err("Invalid statistics domain.\n");
                return;
            }
        }
        let mut f = Filter {
            legends: self.bind_level >= AccessLevel::Operator,
            ..Filter::default()
        };
        if !cmd.arg(arg).is_empty() && !cmd.arg(arg + 1).is_empty() && !cmd.arg(arg + 2).is_empty()
        {
            let name = cmd.arg(arg);
            let by_name = self
                .rt
                .frontends
                .iter()
                .find(|x| x.name == name)
                .map(|x| x.uuid)
                .or_else(|| {
                    self.rt
                        .backends
                        .iter()
                        .find(|x| x.name == name)
                        .map(|x| x.uuid)
                });
            let iid = by_name.unwrap_or_else(|| atoi(name));
            if iid == 0 {
                out.err("No such proxy.\n");
                return;
            }
            f.iid = iid;
            f.types = atoi(cmd.arg(arg + 1));
            f.sid = atoi(cmd.arg(arg + 2));
            arg += 3;
        }
        let (mut typed, mut json) = (false, false);
        for a in cmd.args.iter().skip(arg) {
            match a.as_str() {
                "typed" => (typed, json) = (true, false),
                "json" => (typed, json) = (false, true),
                "no-maint" => f.hide_maint = true,
                "up" => f.hide_down = true,
                _ => {}
            }
        }
        let rows = stat::rows(&self.rt, &self.ctl, &f);
        let mut s = String::with_capacity(1024 + rows.len() * 512);
        if json {
            s.push('[');
            for (i, r) in rows.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                stat::json_row(&mut s, r);
            }
            s.push_str("]\n");
        } else if typed {
            for r in &rows {
                stat::typed_row(&mut s, r);
            }
        } else {
            stat::csv_header(&mut s);
            for r in &rows {
                stat::csv_row(&mut s, r);
            }
        }
        out.raw(&s);
    }
}

/// `show env [<name>]` (operator level).
fn show_env(cmd: &Command<'_>, out: &mut Reply<'_>) {
    if cmd.level < AccessLevel::Operator {
        out.err(PERMISSION_DENIED);
        return;
    }
    let want = cmd.arg(2);
    let mut s = String::new();
    for (k, v) in std::env::vars_os() {
        let (k, v) = (k.to_string_lossy(), v.to_string_lossy());
        if want.is_empty() || k == want {
            let _ = writeln!(s, "{k}={v}");
            if !want.is_empty() {
                break;
            }
        }
    }
    if !want.is_empty() && s.is_empty() {
        out.err("Variable not found\n");
        return;
    }
    out.raw(&s);
}

/// C `atoi`: optional blanks and sign, then digits; 0 when none.
pub(crate) fn atoi(s: &str) -> i64 {
    let t = s.trim_start_matches([' ', '\t']);
    let (neg, d) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut n: i64 = 0;
    for c in d.bytes().take_while(u8::is_ascii_digit) {
        n = n.saturating_mul(10).saturating_add(i64::from(c - b'0'));
    }
    if neg {
        -n
    } else {
        n
    }
}
