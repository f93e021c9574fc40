//! The runtime API's map and ACL commands (management guide 9.3: `show|get|add|set|del|
//! clear|prepare|commit map|acl`), with HAProxy 2.6's answers and error texts. They work
//! on the pattern references the configuration loaded (`rampart_rules::pattern`):
//! writers take a reference's lock and publish new indexes, so the traffic's lookups
//! never wait for them.
//!
//! An entry is named `#0x<id>` as HAProxy names it by its address; the ids are the
//! references' own, stable for the life of the entry.

use crate::proto::{Command, Reply};
use rampart_rules::pattern::{PatRef, Registry};
use std::fmt::Write;
use std::sync::Arc;

/// Every pattern reference of the configuration, in HAProxy's order.
#[derive(Clone, Default)]
pub struct Patterns(Arc<Vec<Arc<PatRef>>>);

impl Patterns {
    pub fn of(reg: &Registry) -> Patterns {
        Patterns(Arc::new(reg.refs().to_vec()))
    }

    /// `#<id>` or a file name (`pat_ref_lookup_ref`).
    fn lookup(&self, s: &str) -> Option<&Arc<PatRef>> {
        match s.strip_prefix('#') {
            Some(n) => {
                let id: i32 = n.parse().ok()?;
                self.0.iter().find(|r| r.unique_id() == id)
            }
            None => self.0.iter().find(|r| r.name() == Some(s)),
        }
    }
}

/// Map or ACL: which references a command sees and how its messages name them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Map,
    Acl,
}

impl Kind {
    fn of(word: &str) -> Kind {
        if word == "map" {
            Kind::Map
        } else {
            Kind::Acl
        }
    }

    fn uses(self, r: &PatRef) -> bool {
        let f = r.flags();
        match self {
            Kind::Map => f.map,
            Kind::Acl => f.acl,
        }
    }

    fn unknown(self) -> &'static str {
        match self {
            Kind::Map => "Unknown map identifier. Please use #<id> or <file>.\n",
            Kind::Acl => "Unknown ACL identifier. Please use #<id> or <file>.\n",
        }
    }

    fn missing(self) -> &'static str {
        match self {
            Kind::Map => "Missing map identifier.\n",
            Kind::Acl => "Missing ACL identifier.\n",
        }
    }
}

/// HAProxy's `str2uic`: the leading digits, 0 without any.
fn str2uic(s: &str) -> u32 {
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse::<u64>()
        .map_or(if digits.is_empty() { 0 } else { u32::MAX }, |v| v as u32)
}

/// An entry named as `#0x<id>`: `Some(Ok(id))`, `Some(Err(()))` when malformed, `None`
/// when the word is a key.
fn entry_id(word: &str) -> Option<Result<u64, ()>> {
    let hex = word.strip_prefix("#0x")?;
    Some(u64::from_str_radix(hex, 16).map_err(|_| ()))
}

/// Runs `cmd` when it is a map or ACL command; returns whether it was.
pub fn command(p: &Patterns, cmd: &Command<'_>, out: &mut Reply<'_>) -> bool {
    let [verb, what] = cmd.kw.words else {
        return false;
    };
    if !matches!(*what, "map" | "acl") {
        return false;
    }
    let kind = Kind::of(what);
    match *verb {
        "show" => show(p, kind, cmd, out),
        "get" => get(p, kind, cmd, out),
        "prepare" => prepare(p, kind, cmd, out),
        "add" => add(p, kind, cmd, out),
        "set" if kind == Kind::Map => set(p, cmd, out),
        "del" => del(p, kind, cmd, out),
        "clear" => clear(p, kind, cmd, out),
        "commit" => commit(p, kind, cmd, out),
        _ => return false,
    }
    true
}

fn show(p: &Patterns, kind: Kind, cmd: &Command<'_>, out: &mut Reply<'_>) {
    let mut a = 2;
    if cmd.arg(a).is_empty() {
        let mut s = String::from("# id (file) description\n");
        for r in p.0.iter().filter(|r| kind.uses(r)) {
            let _ = writeln!(
                s,
                "{} ({}) {}. curr_ver={} next_ver={} entry_cnt={}",
                r.unique_id(),
                r.name().unwrap_or(""),
                r.display(),
                r.curr_gen(),
                r.next_gen(),
                r.entry_count()
            );
        }
        out.raw(&s);
        return;
    }
    let gen = cmd.arg(a).strip_prefix('@').map(str2uic);
    if gen.is_some() {
        a += 1;
    }
    let Some(r) = p.lookup(cmd.arg(a)).filter(|r| kind.uses(r)) else {
        out.err(kind.unknown());
        return;
    };
    let mut s = String::new();
    for e in r.entries(gen) {
        let _ = write!(s, "0x{:x} {}", e.id, String::from_utf8_lossy(&e.key));
        if let Some(v) = &e.value {
            let _ = write!(s, " {}", String::from_utf8_lossy(v));
        }
        s.push('\n');
    }
    out.raw(&s);
}

fn get(p: &Patterns, kind: Kind, cmd: &Command<'_>, out: &mut Reply<'_>) {
    if cmd.arg(2).is_empty() || cmd.arg(3).is_empty() {
        out.err(match kind {
            Kind::Map => "Missing map identifier and/or key.\n",
            Kind::Acl => "Missing ACL identifier and/or key.\n",
        });
        return;
    }
    let Some(r) = p.lookup(cmd.arg(2)) else {
        out.err(kind.unknown());
        return;
    };
    let mut s = String::new();
    for e in r.exprs() {
        let pr = e.probe(cmd.arg(3).as_bytes());
        let _ = write!(
            s,
            "type={}, case={}",
            pr.method,
            if pr.icase { "insensitive" } else { "sensitive" }
        );
        let (yes, no) = match kind {
            Kind::Map => (", found=yes", ", found=no"),
            Kind::Acl => (", match=yes", ", match=no"),
        };
        match &pr.hit {
            None => s.push_str(no),
            Some(h) => {
                s.push_str(yes);
                s.push_str(if h.tree { ", idx=tree" } else { ", idx=list" });
                let key = String::from_utf8_lossy(&h.key);
                match kind {
                    Kind::Map => {
                        let _ = write!(s, ", key=\"{key}\"");
                        match &h.value {
                            Some((v, ty)) => {
                                let _ = write!(
                                    s,
                                    ", value=\"{}\", type=\"{ty}\"",
                                    String::from_utf8_lossy(v)
                                );
                            }
                            None => s.push_str(", value=none"),
                        }
                    }
                    Kind::Acl => {
                        let _ = write!(s, ", pattern=\"{key}\"");
                    }
                }
            }
        }
        s.push('\n');
    }
    out.raw(&s);
}

fn prepare(p: &Patterns, kind: Kind, cmd: &Command<'_>, out: &mut Reply<'_>) {
    let Some(r) = p.lookup(cmd.arg(2)).filter(|r| kind.uses(r)) else {
        out.err(kind.unknown());
        return;
    };
    let gen = r.prepare();
    out.msg(
        crate::proto::LOG_INFO,
        &format!("New version created: {gen}\n"),
    );
}

fn add(p: &Patterns, kind: Kind, cmd: &Command<'_>, out: &mut Reply<'_>) {
    let mut a = 2;
    let gen = cmd.arg(a).strip_prefix('@').map(str2uic);
    if gen.is_some() {
        a += 1;
    }
    let payload = cmd.payload;
    match kind {
        Kind::Map => {
            let missing = match payload {
                None => {
                    cmd.arg(a).is_empty() || cmd.arg(a + 1).is_empty() || cmd.arg(a + 2).is_empty()
                }
                Some(_) => cmd.arg(a).is_empty(),
            };
            if missing {
                out.err(
                    "'add map' expects three parameters (map identifier, key and value) or one \
                     parameter (map identifier) and a payload\n",
                );
                return;
            }
        }
        Kind::Acl => {
            if cmd.arg(a).is_empty() || cmd.arg(a + 1).is_empty() {
                out.err("'add acl' expects two parameters: ACL identifier and pattern.\n");
                return;
            }
        }
    }
    let Some(r) = p.lookup(cmd.arg(a)) else {
        out.err(kind.unknown());
        return;
    };
    if let Some(g) = gen {
        if (g.wrapping_sub(r.next_gen()) as i32) > 0 {
            out.err(match kind {
                Kind::Map => "Version number in the future, please use 'prepare map' before.\n",
                Kind::Acl => "Version number in the future, please use 'prepare acl' before.\n",
            });
            return;
        }
    }
    if kind == Kind::Acl && r.flags().smp {
        out.err(
            "This ACL is shared with a map containing samples. You must use the command \
             'add map' to add values.\n",
        );
        return;
    }
    let put = |key: &str, value: Option<&str>| -> Result<(), String> {
        let value = value.filter(|_| kind == Kind::Map).map(str::as_bytes);
        let res = match gen {
            Some(g) => r.add_at(g, key.as_bytes(), value),
            None => r.add(key.as_bytes(), value),
        };
        res.map(|_| ())
    };
    let fail = |out: &mut Reply<'_>, e: String| {
        if e.is_empty() {
            out.err("Failed to add a key.\n");
        } else {
            out.err(&format!("{e}.\n"));
        }
    };
    let Some(mut rest) = payload else {
        if let Err(e) = put(cmd.arg(a + 1), Some(cmd.arg(a + 2))) {
            fail(out, e);
        }
        return;
    };
    // One entry per payload line: a key, blanks, then the value up to the line's end.
    while !rest.is_empty() {
        let kend = rest.find([' ', '\t']).unwrap_or(rest.len());
        let key = &rest[..kend];
        let after = &rest[kend..];
        if after.is_empty() && kind == Kind::Map {
            out.err(&format!("Missing value for key '{key}'.\n"));
            return;
        }
        let after = after.get(1..).unwrap_or("");
        let after = after.trim_start_matches([' ', '\t']);
        let vend = after.find('\n').unwrap_or(after.len());
        let value = &after[..vend];
        rest = after.get(vend + 1..).unwrap_or("");
        if let Err(e) = put(key, Some(value)) {
            fail(out, e);
            return;
        }
    }
}

fn set(p: &Patterns, cmd: &Command<'_>, out: &mut Reply<'_>) {
    if cmd.arg(2).is_empty() || cmd.arg(3).is_empty() || cmd.arg(4).is_empty() {
        out.err("'set map' expects three parameters: map identifier, key and value.\n");
        return;
    }
    let Some(r) = p.lookup(cmd.arg(2)) else {
        out.err(Kind::Map.unknown());
        return;
    };
    let value = cmd.arg(4).as_bytes();
    let res = match entry_id(cmd.arg(3)) {
        Some(Err(())) => {
            out.err("Malformed identifier. Please use #<id> or <file>.\n");
            return;
        }
        Some(Ok(id)) => r.set_by_id(id, value),
        None => r.set(cmd.arg(3).as_bytes(), value),
    };
    if let Err(e) = res {
        if e.is_empty() {
            out.err("Failed to update an entry.\n");
        } else {
            out.err(&format!("{e}.\n"));
        }
    }
}

fn del(p: &Patterns, kind: Kind, cmd: &Command<'_>, out: &mut Reply<'_>) {
    if cmd.arg(2).is_empty() || cmd.arg(3).is_empty() {
        out.err(match kind {
            Kind::Map => "This command expects two parameters: map identifier and key.\n",
            Kind::Acl => "This command expects two parameters: ACL identifier and key.\n",
        });
        return;
    }
    // HAProxy names maps in this message for both kinds.
    let Some(r) = p.lookup(cmd.arg(2)).filter(|r| kind.uses(r)) else {
        out.err(Kind::Map.unknown());
        return;
    };
    let found = match entry_id(cmd.arg(3)) {
        Some(Err(())) => {
            out.err("Malformed identifier. Please use #<id> or <file>.\n");
            return;
        }
        Some(Ok(id)) => r.del_by_id(id),
        None => r.del(cmd.arg(3).as_bytes()),
    };
    if !found {
        out.err("Key not found.\n");
    }
}

fn clear(p: &Patterns, kind: Kind, cmd: &Command<'_>, out: &mut Reply<'_>) {
    let mut a = 2;
    let gen = cmd.arg(a).strip_prefix('@').map(str2uic);
    if gen.is_some() {
        a += 1;
    }
    if cmd.arg(a).is_empty() {
        out.err(kind.missing());
        return;
    }
    let Some(r) = p.lookup(cmd.arg(a)).filter(|r| kind.uses(r)) else {
        out.err(kind.unknown());
        return;
    };
    match gen {
        Some(g) => r.clear_gen(g),
        None => r.clear(),
    }
}

fn commit(p: &Patterns, kind: Kind, cmd: &Command<'_>, out: &mut Reply<'_>) {
    let Some(g) = cmd.arg(2).strip_prefix('@') else {
        out.err("Missing version number.\n");
        return;
    };
    let gen = str2uic(g);
    if cmd.arg(3).is_empty() {
        out.err(kind.missing());
        return;
    }
    let Some(r) = p.lookup(cmd.arg(3)).filter(|r| kind.uses(r)) else {
        out.err(kind.unknown());
        return;
    };
    // HAProxy's window: versions after the one in force, up to the last prepared.
    let (curr, next) = (r.curr_gen(), r.next_gen());
    let in_range = gen.wrapping_sub(curr.wrapping_add(1)) < next.wrapping_sub(curr);
    if !in_range || !r.commit(gen) {
        out.err("Version number out of range.\n");
    }
}
