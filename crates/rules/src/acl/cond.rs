//! Conditions (manual 7.2): `if|unless` followed by ACL names, anonymous ACLs in
//! braces, `!` negations, implicit AND and `||`/`or`, read as HAProxy's
//! `parse_acl_cond` reads them. Named ACLs are looked up among those the proxy
//! declared before the rule, then among the predefined ones (a proxy may override
//! those).

use super::{keywords, Acl, AclExpr, Test};
use crate::conv::Cx;
use crate::fetch::place::Places;
use crate::pattern::LoadCx;
use crate::stream::Stream;

/// The ACLs of a proxy: those it declared, the predefined ones its conditions use
/// and its anonymous ones, in one table that conditions index. A line added to an ACL
/// after a rule used it still counts for that rule, as in HAProxy. Names are indexed,
/// so a proxy with tens of thousands of ACL lines is read in linear time.
#[derive(Debug, Default)]
pub struct Known {
    pub acls: Vec<Acl>,
    by_name: std::collections::HashMap<String, usize>,
    /// The ACL the last [`Known::add`] extended, if any (see [`Known::take_touched`]).
    touched: Option<usize>,
}

impl Known {
    /// Adds a criterion line to ACL `name` (created on first use).
    pub fn add(&mut self, name: &str, expr: AclExpr) {
        let i = match self.find(name) {
            Some(i) => {
                self.acls[i].exprs.push(expr);
                i
            }
            None => self.push(Acl {
                name: name.to_string(),
                exprs: vec![expr],
            }),
        };
        self.touched = Some(i);
    }

    /// The ACL an [`Known::add`] extended since the last call (ACLs a condition creates
    /// are appended at the end instead).
    pub fn take_touched(&mut self) -> Option<usize> {
        self.touched.take()
    }

    fn find(&self, name: &str) -> Option<usize> {
        if name.is_empty() {
            return None;
        }
        // The table may have been emptied by its owner: a stale entry finds nothing.
        let &i = self.by_name.get(name)?;
        self.acls.get(i).filter(|a| a.name == name).map(|_| i)
    }

    fn push(&mut self, acl: Acl) -> usize {
        let i = self.acls.len();
        if !acl.name.is_empty() {
            self.by_name.insert(acl.name.clone(), i);
        }
        self.acls.push(acl);
        i
    }
}

/// `if` or `unless`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pol {
    If,
    Unless,
}

/// A term: one ACL of the proxy's table, possibly negated.
#[derive(Debug, Clone)]
pub struct Term {
    pub neg: bool,
    pub acl: usize,
}

/// A compiled condition: OR of AND-suites.
#[derive(Debug, Clone)]
pub struct Cond {
    pub pol: Pol,
    pub suites: Vec<Vec<Term>>,
}

impl Cond {
    /// Parses the words after `if`/`unless` (the first word must be one of them).
    pub fn parse(
        words: &[&str],
        known: &mut Known,
        cx: &mut LoadCx<'_>,
        warnings: &mut Vec<String>,
    ) -> Result<Cond, String> {
        let pol = match words.first().copied() {
            Some("if") => Pol::If,
            Some("unless") => Pol::Unless,
            _ => return Err("expects 'if' or 'unless'".into()),
        };
        let mut suites: Vec<Vec<Term>> = Vec::new();
        let mut cur: Option<Vec<Term>> = None;
        let mut neg = false;
        let mut i = 1;
        while let Some(&w0) = words.get(i) {
            if w0.is_empty() {
                break;
            }
            let mut w = w0;
            while let Some(r) = w.strip_prefix('!') {
                neg = !neg;
                w = r;
            }
            if w.is_empty() {
                i += 1;
                continue;
            }
            if w.eq_ignore_ascii_case("or") || w == "||" {
                if let Some(s) = cur.take() {
                    suites.push(s);
                }
                neg = false;
                i += 1;
                continue;
            }
            let term = if w == "{" {
                let end = words[i + 1..]
                    .iter()
                    .position(|x| *x == "}" || x.is_empty())
                    .map(|p| i + 1 + p)
                    .filter(|&e| words[e] == "}")
                    .ok_or_else(|| "missing closing '}' in condition".to_string())?;
                let expr = AclExpr::parse(&words[i + 1..end], cx, warnings)?;
                i = end;
                let acl = known.push(Acl {
                    name: String::new(),
                    exprs: vec![expr],
                });
                Term { neg, acl }
            } else {
                let acl = match known.find(w) {
                    Some(a) => a,
                    None => {
                        let Some((_, def)) = keywords::PREDEFINED.iter().find(|(n, _)| *n == w)
                        else {
                            return Err(format!("no such ACL : '{w}'"));
                        };
                        let expr = AclExpr::parse(def, cx, &mut Vec::new())?;
                        known.push(Acl {
                            name: w.to_string(),
                            exprs: vec![expr],
                        })
                    }
                };
                Term { neg, acl }
            };
            cur.get_or_insert_with(Vec::new).push(term);
            neg = false;
            i += 1;
        }
        if let Some(s) = cur.take() {
            suites.push(s);
        }
        Ok(Cond { pol, suites })
    }

    /// Where the condition can be evaluated: some suite has all its information.
    pub fn valid_at(&self, known: &Known) -> Places {
        Places(self.suites.iter().fold(0, |acc, s| {
            acc | s
                .iter()
                .fold(u32::MAX, |a, t| a & known.acls[t.acl].valid_at().0)
        }))
    }

    /// HAProxy's warning when the condition cannot work at any of the places `place`,
    /// if any (`warnif_cond_conflicts`).
    pub fn conflict(&self, known: &Known, place: Places) -> Option<String> {
        // An ACL none of whose criteria can work here (`acl_cond_conflicts`).
        for t in self.suites.iter().flatten() {
            let acl = &known.acls[t.acl];
            if !acl.valid_at().meets(place) {
                return Some(if acl.name.is_empty() {
                    let kw = acl.exprs.first().map_or("", |e| e.kw.as_str());
                    format!("anonymous acl will never match because it uses keyword '{kw}' which is incompatible with '{}'", place.first_name())
                } else {
                    format!("acl '{}' will never match because it only involves keywords that are incompatible with '{}'", acl.name, place.first_name())
                });
            }
        }
        for t in self.suites.iter().flatten() {
            let acl = &known.acls[t.acl];
            for e in &acl.exprs {
                if !e.uses().valid_at().meets(place) {
                    return Some(if acl.name.is_empty() {
                        format!(
                            "anonymous acl involves keyword '{}' which is incompatible with '{}'",
                            e.kw,
                            place.first_name()
                        )
                    } else {
                        format!(
                            "acl '{}' involves keywords '{}' which is incompatible with '{}'",
                            acl.name,
                            e.kw,
                            place.first_name()
                        )
                    });
                }
            }
        }
        None
    }

    /// Evaluates the condition with the proxy's ACLs (`acl_exec_cond`, then the
    /// policy).
    pub fn test(&self, acls: &[Acl], s: &Stream<'_>, cx: &Cx) -> Test {
        self.test_with(acls, |a| a.test(s, cx))
    }

    /// [`Cond::test`] with each ACL's own test given by `acl_test` (an evaluation that
    /// reads samples its own way, such as TCP rules over a request head not whole yet).
    pub fn test_with(&self, acls: &[Acl], mut acl_test: impl FnMut(&Acl) -> Test) -> Test {
        let mut res = Test::Fail;
        for suite in &self.suites {
            let mut sres = Test::Pass;
            for t in suite {
                let mut r = acls.get(t.acl).map_or(Test::Fail, &mut acl_test);
                if t.neg {
                    r = match r {
                        Test::Pass => Test::Fail,
                        Test::Fail => Test::Pass,
                        Test::Miss => Test::Miss,
                    };
                }
                sres = match (sres, r) {
                    (_, Test::Fail) | (Test::Fail, _) => Test::Fail,
                    (Test::Miss, _) | (_, Test::Miss) => Test::Miss,
                    _ => Test::Pass,
                };
                if sres == Test::Fail {
                    break;
                }
            }
            match sres {
                Test::Pass => {
                    res = Test::Pass;
                    break;
                }
                Test::Miss => res = Test::Miss,
                Test::Fail => {}
            }
        }
        match (self.pol, res) {
            (Pol::Unless, Test::Pass) => Test::Fail,
            (Pol::Unless, Test::Fail) => Test::Pass,
            (_, r) => r,
        }
    }

    /// True when the condition holds (a missing sample counts as not matching).
    pub fn holds(&self, acls: &[Acl], s: &Stream<'_>, cx: &Cx) -> bool {
        self.test(acls, s, cx) == Test::Pass
    }
}
