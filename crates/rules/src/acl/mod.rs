//! ACLs (manual 7.1–7.2): `acl NAME criterion [flags] [operator] value…` read as
//! HAProxy's `parse_acl_expr` reads them, several lines with the same name OR-ed into
//! one ACL, and conditions over them ([`cond`]). The criterion is an ACL keyword
//! (a fetch with a default matching method) or any sample expression, whose output
//! type then decides the method unless `-m` names one.

pub mod cond;
pub mod keywords;

use crate::conv::Cx;
use crate::expr::{End, Expr};
use crate::fetch::place::{Places, Uses};
use crate::pattern::{parse_acl_patterns, AclSpec, LoadCx, Matcher, Method, Parser, PatternSet};
use crate::stream::{Iter, Stream};
use keywords::{Match, Special};

/// One criterion line of an ACL.
#[derive(Clone, Debug)]
pub struct AclExpr {
    /// The keyword as written (for messages): the ACL keyword or the fetch name.
    pub kw: String,
    pub expr: Expr,
    pub patterns: PatternSet,
    /// `http_auth_group(<userlist>)`: the patterns are group names, matched against
    /// the groups of the authenticated user (HAProxy's `pat_match_auth`).
    pub auth_group: bool,
}

/// A named (or anonymous) ACL: its criterion lines are OR-ed.
#[derive(Clone, Debug, Default)]
pub struct Acl {
    pub name: String,
    pub exprs: Vec<AclExpr>,
}

/// Result of a test: a sample may be missing only for now (`ACL_TEST_MISS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Test {
    Fail,
    Miss,
    Pass,
}

impl AclExpr {
    /// Parses `words` (criterion, flags, patterns) as `parse_acl_expr` does; pattern
    /// files are read through `cx`. Warnings (an ACL without patterns) are pushed to
    /// `warnings`.
    pub fn parse(
        words: &[&str],
        cx: &mut LoadCx<'_>,
        warnings: &mut Vec<String>,
    ) -> Result<AclExpr, String> {
        let first = words.first().copied().unwrap_or("");
        let name_end = crate::expr::name_len(first);
        let mut auth_group = false;
        let (expr, kw, keyword) = match keywords::find(&first[..name_end]) {
            Some(k) => {
                let Some(fetch) = crate::fetch::find(k.fetch) else {
                    let what = crate::fetch::not_yet(k.fetch).unwrap_or("a later subsystem");
                    return Err(format!(
                        "ACL keyword '{}' is not supported yet (it needs {what})",
                        k.name
                    ));
                };
                // The keyword's own arguments and converters, read as the fetch's.
                let renamed = format!("{}{}", fetch.name, &first[name_end..]);
                let mut idx = 0;
                let (expr, _) =
                    Expr::parse_loading(&[renamed.as_str()], &mut idx, End::Words, Some(&mut *cx))
                        .map_err(|e| format!("ACL keyword '{}' : {e}", k.name))?;
                if expr.convs.is_empty() {
                    auth_group = k.special == Special::AuthGroup;
                    (expr, k.name.to_string(), Some(matcher(k.method, k.special)))
                } else {
                    (expr, fetch.name.to_string(), None)
                }
            }
            None => {
                let mut idx = 0;
                let (expr, _) = Expr::parse_loading(
                    &words[..1.min(words.len())],
                    &mut idx,
                    End::Words,
                    Some(&mut *cx),
                )
                .map_err(|e| format!("{e} in ACL expression '{first}'"))?;
                let kw = expr.fetch.name.to_string();
                (expr, kw, None)
            }
        };
        let out = expr.output();
        let rest = &words[1.min(words.len())..];
        let has_method = keyword.is_some() || Method::for_type(out).is_some();
        if has_method
            && out != crate::sample::SmpType::Bool
            && rest.first().is_none_or(|w| w.is_empty())
        {
            warnings.push(format!(
                "parsing acl keyword '{first}' :\n  no pattern to match against were provided, so this ACL will never match.\n  If this is what you intended, please add '--' to get rid of this warning.\n  If you intended to match only for existence, please use '-m found'.\n  If you wanted to force an int to match as a bool, please use '-m bool'.\n"
            ));
        }
        let spec = AclSpec {
            kw: &kw,
            keyword,
            out_type: out,
        };
        let patterns = parse_acl_patterns(rest, &spec, cx)?;
        Ok(AclExpr {
            kw,
            expr,
            patterns,
            auth_group,
        })
    }

    /// Tests every value the criterion yields until one matches.
    pub fn test(&self, s: &Stream<'_>, cx: &Cx) -> Test {
        if self.auth_group {
            return self.test_groups(s, cx);
        }
        let mut it = Iter::all();
        loop {
            let v = self.expr.eval(s, &mut it, cx);
            if v.is_none() && it.may_change {
                return Test::Miss;
            }
            if v.as_ref().is_some_and(|v| self.patterns.matches(v)) {
                return Test::Pass;
            }
            if !it.more {
                return if it.may_change {
                    Test::Miss
                } else {
                    Test::Fail
                };
            }
        }
    }

    /// `http_auth_group`: the fetch gives the authenticated user's name; one of the
    /// user's groups must be among the patterns.
    fn test_groups(&self, s: &Stream<'_>, cx: &Cx) -> Test {
        let list = match self.expr.args.first() {
            Some(crate::args::Arg::Unresolved(_, n) | crate::args::Arg::Str(n)) => n.as_str(),
            _ => return Test::Fail,
        };
        let Some(crate::sample::Value::Str(user)) = self.expr.eval(s, &mut Iter::single(), cx)
        else {
            return Test::Fail;
        };
        let patterns = &self.patterns;
        let hit = s.env.user_groups(list, &user, &mut |g| {
            patterns.matches(&crate::sample::Value::str(g))
        });
        if hit {
            Test::Pass
        } else {
            Test::Fail
        }
    }

    /// The information the criterion reads.
    pub fn uses(&self) -> Uses {
        self.expr.fetch.uses
    }
}

/// The pattern layer's matcher for an ACL keyword's method and reader.
fn matcher(method: Match, special: Special) -> Matcher {
    let parser = match special {
        Special::Method => Parser::HttpMethod,
        Special::DottedVersion => Parser::DottedVersion,
        Special::None | Special::AuthGroup => Parser::Method,
    };
    Matcher { method, parser }
}

impl Acl {
    /// Every checkpoint where one of the ACL's criteria has its information (HAProxy's
    /// `acl->val`: the ACL may match wherever one of its criteria can).
    pub fn valid_at(&self) -> Places {
        Places(
            self.exprs
                .iter()
                .fold(0, |acc, e| acc | e.uses().valid_at().0),
        )
    }

    /// The ACL matches when any of its criteria does.
    pub fn test(&self, s: &Stream<'_>, cx: &Cx) -> Test {
        let mut res = Test::Fail;
        for e in &self.exprs {
            match e.test(s, cx) {
                Test::Pass => return Test::Pass,
                Test::Miss => res = Test::Miss,
                Test::Fail => {}
            }
        }
        res
    }
}

/// Checks an ACL name as HAProxy does (`invalid_char`).
pub fn check_name(name: &str) -> Result<(), String> {
    match rampart_config::names::invalid_char(name) {
        Some(c) if !name.is_empty() => Err(format!(
            "ACL name '{name}' contains invalid character '{c}'"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
