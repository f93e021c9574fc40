//! An ACL term's options and patterns (`parse_acl_expr` once the fetch is known):
//! `-i`, `-n`, `-f FILE`, `-m METHOD`, `-M`, `-u ID`, `--`, then inline patterns, with
//! the integer operators `eq ge gt le lt` (and HAProxy's `ne`, which compares as `eq`).

use super::reference::LoadCx;
use super::{Flags, Matcher, Method, Parser, PatternSet, RefFlags};
use crate::sample::{can_cast, SmpType};
use std::sync::Arc;

/// What the ACL parser knows about a term before its options.
#[derive(Clone, Copy, Debug)]
pub struct AclSpec<'a> {
    /// The keyword messages name (`expr->kw`): the ACL keyword, else the fetch's.
    pub kw: &'a str,
    /// The matcher of an ACL keyword used without converters (`path_beg`: `beg`;
    /// `req.ssl_ver`: dotted versions; `method`: HTTP methods). `None` for a fetch, or an
    /// ACL keyword followed by converters: the method then follows the sample type.
    pub keyword: Option<Matcher>,
    /// The type the term's sample has (the fetch's, or its last converter's).
    pub out_type: SmpType,
}

/// `STD_OP_*` as `get_std_op` reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Le,
    Lt,
    Ge,
    Gt,
}

fn std_op(w: &str) -> Option<Op> {
    Some(match w {
        "eq" => Op::Eq,
        "ne" => Op::Ne,
        "le" => Op::Le,
        "lt" => Op::Lt,
        "ge" => Op::Ge,
        "gt" => Op::Gt,
        _ => return None,
    })
}

/// C's `strtol(s, &end, 10)` with `*end == '\0'` required (so "" reads as 0).
fn strtol_whole(s: &str) -> Option<i32> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if t.is_empty() {
        return (s.len() == t.len()).then_some(0);
    }
    let v: i64 = t.parse().ok()?;
    // strtol saturates to a long, then the id is an int.
    Some(v as i32)
}

/// Reads the words after an ACL term's fetch (`words[0]` is the first option or
/// pattern; an empty word ends the list, as in HAProxy) into the set the term matches
/// samples against. Files are read through `cx`; the error is HAProxy's message
/// without its `parsing [file:line]` prefix.
pub fn parse_acl_patterns(
    words: &[&str],
    spec: &AclSpec<'_>,
    cx: &mut LoadCx<'_>,
) -> Result<PatternSet, String> {
    let words: Vec<&str> = words
        .iter()
        .copied()
        .take_while(|w| !w.is_empty())
        .collect();
    let (mut matcher, mut expect) = match spec.keyword {
        Some(m) => (Some(m), spec.out_type),
        None => match Method::for_type(spec.out_type) {
            Some(m) => (Some(Matcher::new(m)), m.expected_type()),
            None => (None, spec.out_type),
        },
    };
    let need_method = || {
        format!(
            "matching method must be specified first (using '-m') when using a sample fetch of this type ('{}')",
            spec.kw
        )
    };
    let mut flags = Flags::default();
    let mut loaded = false;
    let mut unique_id = -1;
    let mut as_map = false;
    let mut exprs: Vec<Arc<super::PatExpr>> = Vec::new();
    let mut i = 0;
    while let Some(w) = words.get(i).filter(|w| w.starts_with('-')) {
        let next = words.get(i + 1).copied().unwrap_or("");
        match *w {
            "-i" => flags.icase = true,
            "-n" => flags.no_dns = true,
            "-u" => {
                unique_id = strtol_whole(next)
                    .ok_or_else(|| "the argument of -u must be an integer".to_string())?;
                if cx.registry.lookup_id(unique_id).is_some() {
                    return Err("the id is already used".into());
                }
                i += 1;
            }
            "-f" => {
                let m = matcher.ok_or_else(need_method)?;
                let users = RefFlags {
                    map: as_map,
                    acl: true,
                    smp: false,
                };
                let r = cx
                    .registry
                    .file(cx.files, next, as_map, users, cx.origin, cx.bufsize)?;
                let e = r.expr(m, flags, None, cx.resolver)?;
                if !exprs.iter().any(|x| Arc::ptr_eq(x, &e)) {
                    exprs.push(e);
                }
                loaded = true;
                i += 1;
            }
            "-m" => {
                if loaded {
                    return Err("'-m' must only be specified before patterns and files in parsing ACL expression".into());
                }
                let method = Method::by_name(next).ok_or_else(|| {
                    format!("unknown matching method '{next}' when parsing ACL expression")
                })?;
                if method != Method::Found && !can_cast(spec.out_type, method.expected_type()) {
                    return Err(format!(
                        "matching method '{next}' cannot be used with fetch keyword '{}'",
                        spec.kw
                    ));
                }
                matcher = Some(Matcher::new(method));
                expect = method.expected_type();
                i += 1;
            }
            "-M" => as_map = true,
            "--" => {
                i += 1;
                break;
            }
            other => {
                return Err(format!(
                    "'{other}' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'"
                ))
            }
        }
        i += 1;
    }
    let m = matcher.ok_or_else(need_method)?;
    let display = format!(
        "acl '{}' file '{}' line {}",
        spec.kw, cx.origin.file, cx.origin.line
    );
    let inline = cx.registry.new_inline(unique_id, display);
    exprs.push(inline.expr(m, flags, None, cx.resolver)?);
    let mut op = Op::Eq;
    for w in &words[i.min(words.len())..] {
        let mut text = w.to_string();
        if m.takes_operators() {
            if let Some(o) = std_op(w) {
                op = o;
                continue;
            }
            if !w.contains([':', '-']) && op != Op::Eq {
                text = operator_form(w, op, m.parser == Parser::DottedVersion)?;
            }
        }
        inline.load(text.as_bytes(), None, 0, cx.resolver)?;
    }
    Ok(PatternSet::with_exprs(m, expect, exprs))
}

/// Rewrites `gt 5` as `6:`, `le 3.1` as `:3.1`... as the ACL parser does before the
/// integer reader sees the pattern.
fn operator_form(w: &str, op: Op, dotted: bool) -> Result<String, String> {
    let bad = || format!("'{w}' is neither a number nor a supported operator");
    let num = |s: &str| -> Result<i64, String> {
        let b = s.as_bytes();
        if b.is_empty() {
            return Err(bad());
        }
        super::parse::strl2llrc(b).ok_or_else(bad)
    };
    let (major, minor) = match w.find('.') {
        Some(k) => (&w[..k], Some(&w[k + 1..])),
        None => (w, None),
    };
    let mut minor_v = 0;
    if dotted {
        if let Some(mi) = minor {
            minor_v = num(mi)?;
            if minor_v >= 65536 {
                return Err(format!("'{w}' contains too large a minor value"));
            }
        }
    }
    let mut value = num(major)?;
    if dotted {
        if value >= 65536 {
            return Err(format!("'{w}' contains too large a major value"));
        }
        value = value << 16 | (minor_v & 0xffff);
    }
    let fmt = |v: i64| {
        if dotted {
            format!("{}.{}", v >> 16, v & 0xffff)
        } else {
            v.to_string()
        }
    };
    Ok(match op {
        Op::Gt => format!("{}:", fmt(value.wrapping_add(1))),
        Op::Ge => format!("{}:", fmt(value)),
        Op::Lt => format!(":{}", fmt(value.wrapping_sub(1))),
        Op::Le => format!(":{}", fmt(value)),
        // HAProxy has no case for `ne`: the pattern is read as written.
        Op::Ne | Op::Eq => w.to_string(),
    })
}
