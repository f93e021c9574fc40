//! The converters that use variables, through whole expressions evaluated on a stream
//! whose variables the test prepares (expected values from Debian's haproxy 2.6, see
//! `crates/rampart/tests/vars_e2e_vs_haproxy.rs` for the same cases end to end).

use crate::expr::Expr;
use crate::sample::{SmpType, Value};
use crate::stream::{Env, Iter, Stream};
use crate::vars::{SetCond, StreamVars, VarRef, VarSet};
use std::borrow::Cow;
use std::sync::RwLock;

struct Proc(RwLock<VarSet>);

impl Env for Proc {
    fn proc_vars(&self) -> Option<&RwLock<VarSet>> {
        Some(&self.0)
    }
}

/// A stream with `txn.s` = "abc", `txn.n` = 12, `txn.e` = "", `txn.b` = bin "ab\0c",
/// `txn.k` = "a2V5" (base64 of "key"), `proc.p` = 5.
fn setup() -> (Proc, StreamVars) {
    let vars = StreamVars::default();
    let set = |name: &str, v: Value<'_>| {
        let r = VarRef::parse(name).unwrap();
        vars.store(r.scope)
            .unwrap()
            .borrow_mut()
            .set(r.hash, &v, SetCond::default());
    };
    set("txn.s", Value::str(b"abc"));
    set("txn.n", Value::Sint(12));
    set("txn.e", Value::str(b""));
    set("txn.b", Value::Bin(Cow::Borrowed(b"ab\0c")));
    set("txn.k", Value::str(b"a2V5"));
    let mut p = VarSet::new();
    p.set(
        VarRef::parse("proc.p").unwrap().hash,
        &Value::Sint(5),
        SetCond::default(),
    );
    (Proc(RwLock::new(p)), vars)
}

fn eval(env: &Proc, vars: &StreamVars, expr: &str) -> Option<String> {
    let e = Expr::parse_str(expr).unwrap_or_else(|m| panic!("{expr}: {m}"));
    let mut s = Stream::new(env);
    s.vars = Some(vars);
    let v = e.eval(&s, &mut Iter::single(), &Default::default())?;
    match v.cast(SmpType::Str)? {
        Value::Str(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        _ => None,
    }
}

#[test]
fn reading_variables() {
    let (env, vars) = setup();
    let cases: &[(&str, Option<&str>)] = &[
        ("str(x),concat(<,txn.s,>)", Some("x<abc>")),
        ("str(x),concat(<,txn.n,>)", Some("x<12>")),
        ("str(x),concat(<,txn.none,>)", Some("x<>")),
        ("str(x),concat(,txn.b)", Some("xab")),
        ("str(x),concat(-)", Some("x-")),
        ("str(x),concat(<,req.s,>)", Some("x<>")),
        ("str(in),add_item(',',txn.s,_suf)", Some("in,abc_suf")),
        ("str(in),add_item(',',txn.e)", Some("in")),
        ("str(in),add_item(',',txn.none,_suf)", Some("in,_suf")),
        ("str(),add_item(',',txn.s)", Some("abc")),
        ("str(),add_item(',',,_suf)", Some("_suf")),
        ("str(abc),strcmp(txn.s)", Some("0")),
        ("str(abd),strcmp(txn.s)", Some("1")),
        ("str(ab),strcmp(txn.s)", Some("-1")),
        ("str(abcd),strcmp(txn.s)", Some("1")),
        ("str(aaz),strcmp(txn.s)", Some("-1")),
        ("str(abz),strcmp(txn.s)", Some("23")),
        ("str(12),strcmp(txn.n)", Some("0")),
        ("str(abc),strcmp(txn.none)", None),
        ("str(abc),secure_memcmp(txn.s)", Some("1")),
        ("str(abd),secure_memcmp(txn.s)", Some("0")),
        ("str(ab),secure_memcmp(txn.s)", Some("0")),
        ("str(abc),secure_memcmp(txn.none)", None),
        ("int(30),add(txn.n)", Some("42")),
        ("int(30),div(proc.p)", Some("6")),
        ("int(30),sub(txn.s)", Some("30")),
        ("int(30),sub(txn.e)", None),
        ("int(30),mul(txn.none)", None),
        ("int(7),and(txn.n)", Some("4")),
        (
            "str(x),hmac(sha256,txn.k),hex",
            Some("4FC3B7EAF34D7E594A6F51D9517BA543ABF41067B27587FFD82BA3584E4D3CDD"),
        ),
        ("str(x),hmac(sha256,txn.none),hex", None),
    ];
    for (expr, want) in cases {
        assert_eq!(eval(&env, &vars, expr).as_deref(), *want, "{expr}");
    }
}

/// `set-var` stores and passes its input on (or loses it when a condition refuses);
/// `unset-var` passes it on.
#[test]
fn writing_variables() {
    let (env, vars) = setup();
    let cases: &[(&str, Option<&str>)] = &[
        ("str(v1),set-var(txn.w)", Some("v1")),
        ("var(txn.w)", Some("v1")),
        ("str(v2),set-var(txn.w,ifnotexists)", None),
        ("var(txn.w)", Some("v1")),
        ("str(v3),set-var(txn.w,ifexists,ifnotempty)", Some("v3")),
        ("str(),set-var(txn.w,ifnotempty)", None),
        ("int(3),set-var(txn.w,ifempty)", None),
        ("str(),set-var(txn.w,ifempty)", Some("")),
        ("var(txn.w)", Some("")),
        ("int(20),set-var(txn.n,ifgt)", None),
        ("int(2),set-var(txn.n,ifgt)", Some("2")),
        ("int(1),set-var(txn.n,iflt)", None),
        ("var(txn.n)", Some("2")),
        ("str(x),unset-var(txn.w)", Some("x")),
        ("var(txn.w)", None),
        ("str(y),set-var(txn.w,ifexists)", None),
        // A refused `ifset` still creates the variable, unset, as HAProxy's var_set.
        ("str(y),set-var(txn.w,ifset)", None),
        ("str(y),set-var(txn.w,ifexists)", Some("y")),
        ("int(9),set-var(proc.p),add(proc.p)", Some("18")),
        ("var(proc.p)", Some("9")),
        // The response scope is not visible while the request is processed.
        ("str(r),set-var(res.x)", None),
        ("str(r),unset-var(res.x)", None),
        ("str(r),set-var(req.x)", Some("r")),
        ("str(r),set-var(check.x)", None),
    ];
    for (expr, want) in cases {
        assert_eq!(eval(&env, &vars, expr).as_deref(), *want, "{expr}");
    }
}

/// Configuration-time checks, with HAProxy's messages.
#[test]
fn argument_checks() {
    let cases: &[(&str, &str)] = &[
        (
            "str(a),concat(a,bad)",
            "invalid args in converter 'concat' : failed to register variable name 'bad'",
        ),
        (
            "str(a),strcmp()",
            "invalid args in converter 'strcmp' : missing variable name",
        ),
        (
            "str(a),secure_memcmp(txn)",
            "invalid args in converter 'secure_memcmp' : failed to register variable name 'txn'",
        ),
        (
            "str(a),add_item(a,)",
            "invalid args in converter 'add_item' : one of the optional arguments has to be nonempty",
        ),
        (
            "str(a),set-var(proc.y,ifnope)",
            "invalid args in converter 'set-var' : unknown condition \"ifnope\"",
        ),
        (
            "str(a),set-var(x.y)",
            "invalid args in converter 'set-var' : invalid variable name 'x.y'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'",
        ),
        (
            "int(1),add(foo)",
            "invalid args in converter 'add' : expects an integer or a variable name",
        ),
    ];
    for (expr, msg) in cases {
        assert_eq!(Expr::parse_str(expr).unwrap_err(), *msg, "{expr}");
    }
}
