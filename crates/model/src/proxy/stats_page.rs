//! `stats *` in proxy sections (configuration manual 4.2): the statistics page a proxy
//! serves itself (HAProxy's `uri_auth`). A proxy inherits its defaults section's page
//! as a whole; its first own `stats` line starts a fresh one (HAProxy detaches from the
//! defaults' settings instead of extending them). `stats admin` and `stats http-request`
//! are refused in `defaults`, as HAProxy refuses them.

use super::http_act::HttpRule;
use super::{Cond, ProxiesBuilder};
use crate::kw::Cx;
use rampart_config::units::{parse_time, TimeError, TimeUnit};
use rampart_rules::action::http::{self, HttpAct};
use rampart_rules::action::RuleSet;
use std::sync::Arc;

/// HAProxy's default page URI prefix and authentication realm.
pub const DEFAULT_URI: &str = "/haproxy?stats";
pub const DEFAULT_REALM: &str = "HAProxy Statistics";

/// One proxy's statistics page.
#[derive(Clone, Debug)]
pub struct StatsPage {
    /// `stats uri`: the prefix requests must start with.
    pub uri: String,
    /// `stats realm`.
    pub realm: Option<String>,
    /// `stats auth user:password` accounts (clear-text, as HAProxy's internal userlist).
    pub users: Vec<(String, String)>,
    /// `stats scope`: the proxies shown (`.` is the proxy serving the page).
    pub scope: Vec<String>,
    /// `stats refresh`, in seconds (0: none).
    pub refresh: u32,
    pub hide_version: bool,
    pub show_legends: bool,
    pub show_modules: bool,
    /// `stats show-node [name]` (`Some("")`: the global node name).
    pub show_node: Option<String>,
    /// `stats show-desc [desc]` (`Some("")`: the global description).
    pub show_desc: Option<String>,
    /// `stats admin if|unless <cond>`: the first that holds grants admin mode.
    pub admin: Vec<Cond>,
    /// `stats http-request allow|deny|auth [...] [if|unless <cond>]`.
    pub rules: Vec<HttpRule>,
}

impl Default for StatsPage {
    fn default() -> Self {
        StatsPage {
            uri: DEFAULT_URI.into(),
            realm: None,
            users: Vec::new(),
            scope: Vec::new(),
            refresh: 0,
            hide_version: false,
            show_legends: false,
            show_modules: false,
            show_node: None,
            show_desc: None,
            admin: Vec::new(),
            rules: Vec::new(),
        }
    }
}

/// `stats <what> [args]` in a proxy section.
pub(crate) fn stats(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let defaults = b.in_defaults();
    {
        let p = b.px();
        if !defaults && !p.stats_own {
            // The first own line detaches from the defaults' page.
            p.stats = None;
            p.stats_own = true;
        }
    }
    let what = cx.arg(0).unwrap_or("");
    let arg1 = cx.arg(1).unwrap_or("");
    match what {
        "admin" => {
            if defaults {
                return Err("'stats admin' not allowed in 'defaults' section.".into());
            }
            if arg1 != "if" && arg1 != "unless" {
                return Err(
                    "'stats admin' requires either 'if' or 'unless' followed by a condition."
                        .into(),
                );
            }
            let words: Vec<String> = cx.args()[1..].to_vec();
            let place = b.places(
                rampart_rules::fetch::place::Ckp::FeHrqHdr,
                rampart_rules::fetch::place::Ckp::BeHrqHdr,
            );
            let cond = b
                .parse_cond(cx, &words, Some(place))
                .map_err(|e| format!("error detected while parsing a 'stats admin' rule : {e}."))?;
            page(b).admin.push(cond);
        }
        "uri" => {
            if arg1.is_empty() {
                return Err("'uri' needs an URI prefix.".into());
            }
            page(b).uri = arg1.to_string();
        }
        "realm" => {
            if arg1.is_empty() {
                return Err("'realm' needs an realm name.".into());
            }
            page(b).realm = Some(arg1.to_string());
        }
        "refresh" => {
            let secs = match parse_time(arg1, TimeUnit::S) {
                Ok(t) => t.value,
                Err(TimeError::Overflow) => return Err(format!("timer overflow in argument <{arg1}> to stats refresh interval, maximum value is 2147483647 s (~68 years).")),
                Err(TimeError::Underflow) => return Err(format!("timer underflow in argument <{arg1}> to stats refresh interval, minimum non-null value is 1 s.")),
                Err(TimeError::UnexpectedChar(c)) => return Err(format!("unexpected character '{c}' in argument to stats refresh interval.")),
                Err(TimeError::Missing) => 0,
            };
            page(b).refresh = secs;
        }
        "http-request" => {
            if defaults {
                return Err("'stats' not allowed in 'defaults' section.".into());
            }
            if page(b).rules.last().is_some_and(|r| r.cond.is_none()) {
                cx.warn(
                    "previous 'stats' action has no condition attached, further entries are NOOP.",
                );
            }
            let rule = stats_rule(b, cx)?;
            if let Some(rule) = rule {
                page(b).rules.push(rule);
            }
        }
        "auth" => {
            if arg1.is_empty() {
                return Err("'auth' needs a user:password account.".into());
            }
            let (user, pass) = arg1.split_once(':').unwrap_or((arg1, ""));
            page(b).users.push((user.to_string(), pass.to_string()));
        }
        "scope" => {
            if arg1.is_empty() {
                return Err("'scope' needs a proxy name.".into());
            }
            page(b).scope.push(arg1.to_string());
        }
        "enable" => {
            page(b);
        }
        "hide-version" => page(b).hide_version = true,
        "show-legends" => page(b).show_legends = true,
        "show-modules" => page(b).show_modules = true,
        "show-node" => {
            if !arg1.is_empty()
                && !arg1
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
            {
                return Err("'stats show-node' invalid node name - should be a stringwith digits(0-9), letters(A-Z, a-z), hyphen(-) or underscode(_).".into());
            }
            page(b).show_node = Some(arg1.to_string());
        }
        "show-desc" => {
            let desc = cx.args()[1..].join(" ");
            page(b).show_desc = Some(desc);
        }
        _ => {
            let (what, word) = if what.is_empty() {
                ("missing keyword in", "stats")
            } else {
                ("unknown stats parameter", what)
            };
            return Err(format!("{what} '{word}', expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends'."));
        }
    }
    Ok(())
}

/// The current proxy's page, created with HAProxy's defaults on first use.
fn page(b: &mut ProxiesBuilder) -> &mut StatsPage {
    b.px().stats.get_or_insert_with(Box::default)
}

/// `stats http-request <action> [...] [if|unless <cond>]`: `allow`, `deny` and `auth`
/// (what HAProxy's stats applet acts on).
fn stats_rule(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<Option<HttpRule>, String> {
    let words: Vec<&str> = std::iter::once("http-request")
        .chain(cx.args()[1..].iter().map(String::as_str))
        .collect();
    let action = words.get(1).copied().unwrap_or("");
    if !matches!(action, "allow" | "deny" | "auth") {
        return Err(format!(
            "'stats http-request {action}' is not supported yet (only 'allow', 'deny' and 'auth')."
        ));
    }
    let mut idx = 1;
    let parsed = super::http_act::with_act_cx(b, cx, |acx| {
        http::parse(RuleSet::HttpRequest, &words, &mut idx, acx)
    });
    let act: HttpAct = parsed.map_err(|e| {
        format!(
            "error detected in {} '{}' while parsing 'http-request {action}' rule : {}.",
            b.cur().kind.type_str(),
            b.cur().name,
            e.msg
        )
    })?;
    let what = format!("http-request {action}");
    let cond = match super::http_act::cond_at(b, cx, &words, idx, RuleSet::HttpRequest, &what) {
        Ok(c) => c,
        Err(e) if e.is_empty() => return Ok(None),
        Err(e) => {
            return Err(format!(
                "error detected while parsing an '{what}' condition : {e}."
            ))
        }
    };
    let (ctx, _) = act.arg_ctx(RuleSet::HttpRequest, b.args_ctx);
    Ok(Some(HttpRule {
        act: Arc::new(act),
        cond,
        span: cx.span(),
        ctx,
    }))
}
